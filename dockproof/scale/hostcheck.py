"""Run the host properties through the chosen engines and combine their verdicts."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from ..engines.base import ENGINES as PROPERTY_ENGINES
from ..engines.base import EngineOptions, ExplicitEngine
from ..engines.result import Result
from ..engines.run import combine, decide, dispatch
from ..session import Session
from ..verdict import Verdict
from .hostprops import HostProperty, load_host_properties
from .instantiate import Host, instantiate, load_host
from .local import build_tables
from .parametric import Invariant, check, discover
from .symcheck import check_host

ENGINES = ("parametric", "symmetric", "explicit", "smt")
#: The largest N the engines that work on the instantiated model run for under --engine all.
SMALL = {"explicit": 2, "smt": 2, "symmetric": 3}


@dataclass
class HostReport:
    host: Host
    n: int
    props: list[HostProperty]
    results: dict[str, list[Result]] = field(default_factory=dict)  # by property id
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    certificate: str = ""
    seconds: float = 0.0

    def verdict(self, pid: str) -> Verdict:
        return combine(self.results.get(pid, []))

    @property
    def exit_code(self) -> int:
        verdicts = {hp.prop.id: self.verdict(hp.prop.id) for hp in self.props}
        if Verdict.DISAGREE in verdicts.values():
            return 3
        ok = all(verdicts[hp.prop.id] == hp.prop.expect.upper() for hp in self.props)
        return 0 if ok else 1


def engines_for(choice: str, n: int) -> tuple[str, ...]:
    """Map --engine to the engines to run: ``all`` runs each engine where N is small enough."""
    if choice != "all":
        return (choice,)
    return tuple(e for e in ENGINES if n <= SMALL.get(e, n))


def run_host(host_path: Path, props_path: Path, n: int, engines: tuple[str, ...],
             max_states: int | None = None, timeout: float | None = None) -> HostReport:
    """Check every property of ``props_path`` on the host with ``n`` containers."""
    t0 = time.perf_counter()
    host = load_host(host_path)
    # The parametric engine reads the properties as written; they are parsed for two
    # containers only to validate them, so N = 1000 costs nothing extra.
    model = instantiate(host, n) if _needs_model(engines, n) else None
    shown = n if model is not None else min(n, 2)
    props = load_host_properties(props_path, model or instantiate(host, shown), shown)
    rep = HostReport(host, n, props)
    runs = dispatch(engines, {e: (lambda e=e: _RUN[e](rep, host, model, max_states, timeout))
                              for e in _RUN})
    for results in runs:
        for r in results:
            rep.results.setdefault(r.prop, []).append(r)
    rep.seconds = time.perf_counter() - t0
    return rep


def _needs_model(engines, n: int) -> bool:
    """The parametric engine never needs the N-container model: its verdicts hold for all N."""
    return any(e != "parametric" for e in engines)


def _parametric(rep, host, model, max_states, timeout):
    t = build_tables(host)
    inv = discover(t)
    if not isinstance(inv, Invariant):
        return [Result(hp.prop.id, Verdict.UNKNOWN, "parametric", "-", 0.0, (), inv)
                for hp in rep.props]
    rep.certificate = inv.describe(t)
    views: dict = {}
    return [check(hp, host, t, inv, views) for hp in rep.props]


def _symmetric(rep, host, model, max_states, timeout):
    ex, results = check_host(host, model, rep.n, rep.props, max_states)
    rep.warnings += ex.warnings
    rep.notes.append(f"symmetric: {ex.canonical:,} canonical states ({ex.concrete:,} states), "
                     f"{ex.edges:,} edges from canonical states, {ex.seconds:.2f} s")
    return results


def _property_engine(name: str):
    """Run one of the ordinary property engines on the instantiated model."""
    def run(rep, host, model, max_states, timeout):
        hints = tuple(hp.prop.exprs["formula"] for hp in rep.props
                      if hp.prop.kind == "invariant")
        engine = PROPERTY_ENGINES[name](Session(model), hints,
                                        EngineOptions(timeout, max_states))
        if isinstance(engine, ExplicitEngine):
            sp = engine.space
            rep.notes.append(f"explicit: {len(sp.states):,} states, {len(sp.edges):,} edges")
        return [r for hp in rep.props for r in decide([engine], hp.prop)]
    return run


_RUN = {"parametric": _parametric, "symmetric": _symmetric,
        "explicit": _property_engine("explicit"), "smt": _property_engine("smt")}
