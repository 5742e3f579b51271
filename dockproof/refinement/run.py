"""Run a refinement check on the chosen engines."""

from __future__ import annotations

from .. import builtin
from ..engines.run import dispatch
from ..session import Session
from ..spec.properties import load_properties
from . import explicit
from .mapping import Refinement
from .result import RefineResult
from .smt import RefineSmt

#: The order the engines run in: explicit first (it is the faster).
ORDER = ("explicit", "smt")


def hints_for(ref: Refinement) -> list:
    """Return the invariants of the concrete model's catalogues: lemma candidates for Z3."""
    out = []
    for path in builtin.catalogues_for(builtin.resolve_model(ref.concrete.path),
                                       ref.concrete.name):
        cat = load_properties(path, ref.concrete)
        out += [p.exprs["formula"] for p in cat.properties
                if p.kind == "invariant" and p.expect == "proved"]
    return out


def run_engines(ref: Refinement, engines: tuple[str, ...], timeout: float | None = None,
                concrete: Session | None = None) -> list[RefineResult]:
    """Check ``ref`` with each engine, explicit first; ``concrete`` is a session on the
    concrete model whose explored space the explicit engine reuses."""
    def space():
        return concrete.space() if concrete is not None and \
            concrete.model is ref.concrete else None

    return dispatch([e for e in ORDER if e in engines], {
        "explicit": lambda: explicit.check(ref, space()),
        "smt": lambda: RefineSmt(ref, hints_for(ref), timeout=timeout).check(),
    })
