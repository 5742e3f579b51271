"""Run engines and combine their verdicts: the one dispatch `check`, `host` and `refine` use.

>>> from dockproof.engines.result import Result
>>> combine([Result("p", Verdict.PROVED, "smt", "-"), Result("p", Verdict.UNKNOWN, "x", "-")])
<Verdict.PROVED: 'PROVED'>
>>> combine([Result("p", Verdict.PROVED, "smt", "-"), Result("p", Verdict.REFUTED, "x", "-")])
<Verdict.DISAGREE: 'DISAGREE'>
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, TypeVar

from ..spec.expr import Expr
from ..spec.properties import Property
from ..verdict import Verdict
from .base import ENGINES, Engine, EngineOptions
from .result import Result

if TYPE_CHECKING:  # the session is built above the engines and handed down
    from ..session import Session

T = TypeVar("T")


def dispatch(names: Iterable[str], table: Mapping[str, Callable[[], T]]) -> list[T]:
    """Call the runner of each named engine in order and return what each returned."""
    return [table[name]() for name in names]


def start(names: Iterable[str], session: Session, hints: tuple[Expr, ...] = (),
          options: EngineOptions | None = None) -> list[Engine]:
    """Build the named property engines for one session, in order."""
    options = options or EngineOptions()
    return dispatch(names, {n: (lambda n=n: ENGINES[n](session, hints, options))
                            for n in ENGINES})


def decide(engines: list[Engine], prop: Property) -> list[Result]:
    """Return each engine's result for ``prop``, in engine order, from those that support it."""
    return [e.check(prop) for e in engines if e.supports(prop.kind)]


def combine(results: list[Result]) -> Verdict:
    """Combine engine verdicts: agreement, the one decisive answer, or a disagreement."""
    decisive = {r.verdict for r in results if r.verdict != Verdict.UNKNOWN}
    if len(decisive) > 1:
        return Verdict.DISAGREE
    return Verdict(decisive.pop()) if decisive else Verdict.UNKNOWN
