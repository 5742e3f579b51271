"""The frozen model IR: what every engine reads. Nothing here knows about TOML."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .expr import Expr
from .parsing import Scope
from .types import EnumType, Type, show

ACTORS = ("user", "daemon", "kernel", "process")
ACTOR_TYPE = EnumType("actor", ACTORS)


@dataclass(frozen=True, slots=True)
class Variable:
    """A state variable, or a parameter (fixed at creation; ``init`` is None)."""

    name: str
    type: Type
    slot: int
    init: Any = None
    is_param: bool = False
    doc: str = ""
    cites: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Assign:
    var: str
    slot: int
    value: Expr


@dataclass(frozen=True, slots=True)
class ErrorCase:
    """The error an implementation returns when the action is refused in a state."""

    when: Expr
    message: str
    status: int | None = None   # the CLI's exit status for this refusal, when the model says


@dataclass(frozen=True, slots=True)
class Action:
    name: str
    actor: str
    guard: Expr
    effect: tuple[Assign, ...]
    cites: tuple[str, ...] = ()
    doc: str = ""
    command: str | None = None  # the adapter verb that performs it; None = internal step
    code: int | None = None     # exit code for exit stimuli
    errors: tuple[ErrorCase, ...] = ()
    source: str = ""            # where it was defined: "file [actions.name]"

    @property
    def internal(self) -> bool:
        """Tell whether the implementation takes this step by itself (no command)."""
        return self.command is None


@dataclass(frozen=True)
class Model:
    name: str
    path: str
    title: str
    variables: tuple[Variable, ...]
    actions: tuple[Action, ...]
    constants: Mapping[str, int] = field(default_factory=dict)
    predicates: Mapping[str, Expr] = field(default_factory=dict)
    conformance: Mapping[str, Any] = field(default_factory=dict)
    digest: str = ""

    @property
    def params(self) -> tuple[Variable, ...]:
        return tuple(v for v in self.variables if v.is_param)

    @property
    def state_vars(self) -> tuple[Variable, ...]:
        return tuple(v for v in self.variables if not v.is_param)

    def var(self, name: str) -> Variable:
        return next(v for v in self.variables if v.name == name)

    def action(self, name: str) -> Action:
        return next(a for a in self.actions if a.name == name)

    @property
    def action_type(self) -> EnumType:
        return EnumType("action", tuple(a.name for a in self.actions))

    def scope(self, allow_post: bool = False) -> Scope:
        labels = {"action": self.action_type, "actor": ACTOR_TYPE} if allow_post else {}
        return Scope(vars={v.name: (v.slot, v.type) for v in self.variables},
                     constants=self.constants, predicates=self.predicates, labels=labels,
                     guards={a.name: a.guard for a in self.actions}, allow_post=allow_post)

    def initial_states(self) -> list[tuple]:
        """Return every initial state: one per valuation of the parameters."""
        params = self.params
        out = []
        for combo in itertools.product(*(p.type.values() for p in params)):
            vals = dict(zip((p.slot for p in params), combo))
            out.append(tuple(vals[v.slot] if v.is_param else v.init for v in self.variables))
        return out

    def render_state(self, s: tuple, only: tuple[int, ...] | None = None) -> str:
        """Render ``name=value`` pairs of a state, all or only the given slots."""
        slots = range(len(self.variables)) if only is None else only
        return " ".join(f"{self.variables[i].name}={show(self.variables[i].type, s[i])}"
                        for i in slots)

    def state_json(self, s: tuple) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for v in self.variables:
            val = s[v.slot]
            out[v.name] = v.type.members[val] if isinstance(v.type, EnumType) else val
        return out
