"""`dockproof check`: run every property of the catalogues through the chosen engines."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from . import builtin
from .analysis.lint import lint
from .engines.base import EngineOptions, ExplicitEngine
from .engines.result import Result
from .engines.run import combine, decide, start
from .errors import InputError, InternalError, Location
from .refinement.mapping import load_refinement
from .refinement.result import RefineResult
from .refinement.run import run_engines
from .session import Session
from .spec.model import Model
from .spec.properties import Catalogue, Property
from .verdict import Verdict

ENGINES = ("smt", "explicit")


@dataclass
class Assessment:
    """Everything learnt about one property: each engine's result and the combined verdict."""

    prop: Property
    results: list[Result]
    verdict: Verdict

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
    outcomes: list[Assessment] = field(default_factory=list)
    states: int | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if any(o.verdict == Verdict.DISAGREE for o in self.outcomes):
            return 3
        return 0 if all(o.ok for o in self.outcomes) else 1


def run_check(session: Session, property_paths: list[Path], engines: tuple[str, ...],
              timeout: float | None = None, max_states: int | None = None,
              max_k: int = 4, bmc_depth: int = 40,
              refinements: list[Path] = ()) -> Report:
    """Lint the session's model, load the catalogues, run the engines; return the report."""
    t0 = time.perf_counter()
    model = lint(session).model
    cats = [session.catalogue(p) for p in property_paths]
    _no_duplicate_ids(cats)
    report = Report(model, cats)
    hints = tuple(p.exprs["formula"] for c in cats for p in c.properties
                  if p.kind == "invariant")
    running = start(engines, session, hints, EngineOptions(timeout, max_states, max_k,
                                                           bmc_depth))
    report.states = next((len(e.space.states) for e in running
                          if isinstance(e, ExplicitEngine)), None)
    for cat in cats:
        for prop in cat.properties:
            results = decide(running, prop)
            if not results:
                results.append(Result(prop.id, Verdict.UNKNOWN, "-", "-",
                                      reason=f"no selected engine decides '{prop.kind}' "
                                      "properties (use --engine both)"))
            report.outcomes.append(Assessment(prop, results, combine(results)))
    for path in refinements:
        report.outcomes.append(_refinement(path, session, engines, timeout))
    report.seconds = time.perf_counter() - t0
    return report


def _refinement(path: Path, session: Session, engines: tuple[str, ...],
                timeout: float | None) -> Assessment:
    """Check a refinement mapping (dockproof refine) and state its result as one row."""
    ref = load_refinement(path, builtin.resolve_model, session.model_for)
    cites = tuple(sorted({c for d in ref.differences for c in d.cites},
                         key=lambda c: int(c[1:])))
    suffix = Path(ref.path).stem.removeprefix("refinement").strip("-_")
    pid = f"refines.{ref.abstract.name}" + (f"-{suffix}" if suffix else "")
    prop = Property(pid, "refines", cites, ref.doc, ref.expect,
                    source=f"{ref.path} [meta]", file=ref.path, key="meta")
    results = [_refine_result(prop.id, r) for r in run_engines(ref, engines, timeout, session)]
    return Assessment(prop, results, combine(results))


def _refine_result(pid: str, r: RefineResult) -> Result:
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


def _no_duplicate_ids(cats: list[Catalogue]) -> None:
    seen: dict[str, str] = {}
    for cat in cats:
        for p in cat.properties:
            if p.id in seen:
                raise InputError(Location(cat.path, None, p.key), "DP117",
                                 f"duplicate property id '{p.id}' (also in {seen[p.id]})")
            seen[p.id] = cat.path


def raise_on_disagreement(report: Report) -> None:
    bad = [o for o in report.outcomes if o.verdict == Verdict.DISAGREE]
    if bad:
        lines = [f"{o.prop.id}: " + ", ".join(f"{r.engine} says {r.verdict} ({r.bound})"
                                              for r in o.results) for o in bad]
        raise InternalError("the engines disagree, which is a bug in dockproof:\n  "
                            + "\n  ".join(lines))


__all__ = ["ENGINES", "Assessment", "Report", "run_check"]
