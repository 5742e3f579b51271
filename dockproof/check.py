"""`dockproof check`: run every property of the catalogues through the chosen engines."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from .engines import explicit
from .engines.result import PROVED, REFUTED, UNKNOWN, Result
from .engines.statespace import StateBudgetExceeded, StateSpace, explore
from .errors import InternalError
from .spec.loader import load_model
from .spec.model import Model
from .spec.properties import Catalogue, Property, load_properties

ENGINES = ("smt", "explicit")
DISAGREE = "DISAGREE"


@dataclass
class Outcome:
    """Everything learnt about one property: each engine's result and the combined verdict."""

    prop: Property
    results: list[Result]
    verdict: str

    @property
    def ok(self) -> bool:
        return self.verdict == self.prop.expect.upper()

    @property
    def engines(self) -> str:
        return "+".join(r.engine for r in self.results)


@dataclass
class Report:
    model: Model
    catalogues: list[Catalogue]
    outcomes: list[Outcome] = field(default_factory=list)
    states: int | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if any(o.verdict == DISAGREE for o in self.outcomes):
            return 3
        return 0 if all(o.ok for o in self.outcomes) else 1


def combine(results: list[Result]) -> str:
    """Combine engine verdicts: agreement, the one decisive answer, or a disagreement."""
    decisive = {r.verdict for r in results if r.verdict != UNKNOWN}
    if len(decisive) > 1:
        return DISAGREE
    return decisive.pop() if decisive else UNKNOWN


def run_check(model_path: Path, property_paths: list[Path], engines: tuple[str, ...],
              timeout: float | None = None, max_states: int | None = None,
              max_k: int = 4, bmc_depth: int = 40,
              refinements: list[Path] = ()) -> Report:
    """Load the model and catalogues, run the engines, and return the report."""
    t0 = time.perf_counter()
    model = load_model(model_path)
    cats = [load_properties(p, model) for p in property_paths]
    _no_duplicate_ids(cats)
    report = Report(model, cats)
    space = _explore(model, max_states, report) if "explicit" in engines else None
    smt = _smt(model, cats, timeout, max_k, bmc_depth) if "smt" in engines else None
    for cat in cats:
        for prop in cat.properties:
            results = []
            if smt is not None and smt_supports(prop.kind):
                results.append(smt.check(prop))
            if "explicit" in engines and explicit.supports(prop.kind):
                results.append(explicit.check(prop, space) if isinstance(space, StateSpace)
                               else Result(prop.id, UNKNOWN, "explicit", "-", 0.0,
                                           reason=space))
            if not results:
                results.append(Result(prop.id, UNKNOWN, "-", "-", reason=f"no selected engine "
                                      f"decides '{prop.kind}' properties (use --engine both)"))
            report.outcomes.append(Outcome(prop, results, combine(results)))
    for path in refinements:
        report.outcomes.append(_refinement(path, engines, timeout))
    report.seconds = time.perf_counter() - t0
    return report


def _refinement(path: Path, engines: tuple[str, ...], timeout: float | None) -> Outcome:
    """Check a refinement mapping (dockproof refine) and state its result as one row."""
    from . import builtin
    from .refinement.mapping import load_refinement
    from .refinement.run import run_engines

    ref = load_refinement(path, builtin.resolve_model)
    cites = tuple(sorted({c for d in ref.differences for c in d.cites},
                         key=lambda c: int(c[1:])))
    suffix = Path(ref.path).stem.removeprefix("refinement").strip("-_")
    pid = f"refines.{ref.abstract.name}" + (f"-{suffix}" if suffix else "")
    prop = Property(pid, "refines", cites, ref.doc, ref.expect,
                    source=f"{ref.path} [meta]", file=ref.path, key="meta")
    results = [_refine_result(prop.id, r) for r in run_engines(ref, engines, timeout)]
    return Outcome(prop, results, combine(results))


def _refine_result(pid: str, r) -> Result:
    """Say precisely what a refinement result means: which differences were confirmed,
    which are stale, and the first undeclared one."""
    parts = []
    if r.confirmed:
        parts.append(f"refines except {len(r.confirmed)} declared differences, each confirmed "
                     f"to occur: {', '.join(sorted(r.confirmed))}")
    if r.stale:
        parts.append(f"stale (declared, never occur): {', '.join(sorted(r.stale))}")
    finding = r.initial or r.undeclared
    if finding is not None:
        parts.append(f"undeclared difference, abstract state {finding.abstract}"
                     + (f": {finding.why[0]}" if finding.why else ""))
    parts += [f"{w}: {why}" for w, why in r.unknown]
    traces = finding.traces if finding is not None else ()
    return Result(pid, r.verdict, r.engine, r.bound, r.seconds, tuple(traces), "; ".join(parts))


def smt_supports(kind: str) -> bool:
    from .engines import smt
    return smt.supports(kind)


def _explore(model: Model, max_states: int | None, report: Report):
    try:
        space = explore(model, max_states=max_states)
    except StateBudgetExceeded as exc:
        return str(exc)
    report.states = len(space.states)
    return space


def _smt(model, cats, timeout, max_k, bmc_depth):
    from .engines.smt import SmtEngine

    hints = tuple(p.exprs["formula"] for c in cats for p in c.properties
                  if p.kind == "invariant")
    return SmtEngine(model, hints, timeout=timeout, max_k=max_k, bmc_depth=bmc_depth)


def _no_duplicate_ids(cats: list[Catalogue]) -> None:
    from .errors import InputError, Location

    seen: dict[str, str] = {}
    for cat in cats:
        for p in cat.properties:
            if p.id in seen:
                raise InputError(Location(cat.path, None, p.key), "DP117",
                                 f"duplicate property id '{p.id}' (also in {seen[p.id]})")
            seen[p.id] = cat.path


def raise_on_disagreement(report: Report) -> None:
    bad = [o for o in report.outcomes if o.verdict == DISAGREE]
    if bad:
        lines = [f"{o.prop.id}: " + ", ".join(f"{r.engine} says {r.verdict} ({r.bound})"
                                              for r in o.results) for o in bad]
        raise InternalError("the engines disagree, which is a bug in dockproof:\n  "
                            + "\n  ".join(lines))


__all__ = ["ENGINES", "PROVED", "REFUTED", "UNKNOWN", "Report", "run_check"]
