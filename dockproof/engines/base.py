"""The engine interface every property engine offers, and the registry of engines by name.

An engine is built once for a session (its model, explored space and lemma hints) and then
decides properties one at a time. A new engine is one class and one line of `ENGINES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ..spec.expr import Expr
from ..spec.properties import Property
from ..verdict import Verdict
from . import explicit
from .result import Result
from .smt import engine as smt
from .statespace import StateBudgetExceeded, StateSpace

if TYPE_CHECKING:  # the session is built above the engines and handed down
    from ..session import Session


class Engine(Protocol):
    """What `check`, `host` and `refine` need of an engine."""

    name: str

    def supports(self, kind: str) -> bool:
        """Tell whether this engine decides properties of ``kind``."""

    def check(self, prop: Property) -> Result:
        """Decide one property."""


@dataclass(frozen=True)
class EngineOptions:
    """The limits an engine runs under (the command line's --timeout, --max-states, ...)."""

    timeout: float | None = None
    max_states: int | None = None
    max_k: int = 4
    bmc_depth: int = 40


class ExplicitEngine:
    """The explicit engine over a session's explored state space."""

    name = explicit.NAME

    def __init__(self, space: StateSpace) -> None:
        self.space = space

    def supports(self, kind: str) -> bool:
        return explicit.supports(kind)

    def check(self, prop: Property) -> Result:
        return explicit.check(prop, self.space)


class Unavailable:
    """An engine that could not start (the state budget ran out): UNKNOWN with the reason."""

    def __init__(self, name: str, reason: str, supports: Callable[[str], bool]) -> None:
        self.name, self.reason, self._supports = name, reason, supports

    def supports(self, kind: str) -> bool:
        return self._supports(kind)

    def check(self, prop: Property) -> Result:
        return Result(prop.id, Verdict.UNKNOWN, self.name, "-", 0.0, reason=self.reason)


def _explicit(session: Session, hints: tuple[Expr, ...], opts: EngineOptions) -> Engine:
    try:
        return ExplicitEngine(session.space(opts.max_states))
    except StateBudgetExceeded as exc:
        return Unavailable(explicit.NAME, str(exc), explicit.supports)


def _smt(session: Session, hints: tuple[Expr, ...], opts: EngineOptions) -> Engine:
    return smt.SmtEngine(session.model, hints, timeout=opts.timeout, max_k=opts.max_k,
                         bmc_depth=opts.bmc_depth)


#: Engine name -> factory(session, lemma hints, options).
ENGINES: dict[str, Callable[[Session, tuple[Expr, ...], EngineOptions], Engine]] = {
    "smt": _smt,
    "explicit": _explicit,
}
