"""Semantic checks on a loaded session's state space: statuses no run reaches, actions that
can never fire, assignments outside a variable's range."""

from __future__ import annotations

from pathlib import Path

from ..engines.statespace import StateBudgetExceeded, StateSpace
from ..errors import InputError
from ..session import Session
from ..spec.model import Model
from ..spec.source import Source
from ..spec.types import EnumType

#: Models larger than this are not explored by the lint (the engines will).
LINT_STATE_LIMIT = 200_000


def lint(session: Session) -> Session:
    """Raise a located InputError for the first semantic defect found; return the session."""
    model, src = session.model, session.source
    try:
        space = session.space(LINT_STATE_LIMIT)
    except StateBudgetExceeded:
        return session
    except InputError as exc:  # an assignment out of range: add the line
        key = getattr(exc.location, "key", None)
        raise src.error(key, exc.code, exc.message, exc.hint) from None
    _unreachable_statuses(model, src, space)
    fired = {a for _, a, _ in space.edges}
    for i, act in enumerate(model.actions):
        if i not in fired:
            raise src.error(f"actions.{act.name}.guard", "DP303",
                            f"action '{act.name}' can never fire: its guard holds in no "
                            "reachable state", "check the guard, or remove the action")
    return session


def load_checked(path: str | Path) -> Session:
    """Load a model file into a session and lint it (what every command reading a model
    the user wrote does before using it)."""
    return lint(Session.load(path))


def _unreachable_statuses(model: Model, src: Source, space: StateSpace) -> None:
    status = next((v for v in model.state_vars if v.name == "status"), None)
    if status is not None and isinstance(status.type, EnumType):
        seen = {s[status.slot] for s in space.states}
        missing = [m for i, m in enumerate(status.type.members) if i not in seen]
        if missing:
            raise src.error("variables.status.values", "DP302",
                            f"status {', '.join(repr(m) for m in missing)} is unreachable",
                            "no action leads there")
