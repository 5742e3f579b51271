"""Run a refinement check on the chosen engines."""

from __future__ import annotations

from .mapping import Refinement
from .result import RefineResult


def hints_for(ref: Refinement) -> list:
    """Return the invariants of the concrete model's catalogues: lemma candidates for Z3."""
    from .. import builtin
    from ..spec.properties import load_properties

    out = []
    for path in builtin.catalogues_for(builtin.resolve_model(ref.concrete.path),
                                       ref.concrete.name):
        cat = load_properties(path, ref.concrete)
        out += [p.exprs["formula"] for p in cat.properties
                if p.kind == "invariant" and p.expect == "proved"]
    return out


def run_engines(ref: Refinement, engines: tuple[str, ...],
                timeout: float | None = None) -> list[RefineResult]:
    """Check ``ref`` with each engine, explicit first (it is the faster)."""
    out = []
    if "explicit" in engines:
        from . import explicit
        out.append(explicit.check(ref))
    if "smt" in engines:
        from .smt import RefineSmt
        out.append(RefineSmt(ref, hints_for(ref), timeout=timeout).check())
    return out
