"""Run the host properties through the chosen engines and combine their verdicts."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from ..engines.result import UNKNOWN, Result
from .hostprops import HostProperty, load_host_properties
from .instantiate import Host, instantiate, load_host
from .local import build_tables

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

    def verdict(self, pid: str) -> str:
        from ..check import combine
        return combine(self.results.get(pid, []))

    @property
    def exit_code(self) -> int:
        verdicts = {hp.prop.id: self.verdict(hp.prop.id) for hp in self.props}
        if "DISAGREE" in verdicts.values():
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
    for e in engines:
        for r in _RUN[e](rep, host, model, props_path, max_states, timeout):
            rep.results.setdefault(r.prop, []).append(r)
    rep.seconds = time.perf_counter() - t0
    return rep


def _needs_model(engines, n: int) -> bool:
    """The parametric engine never needs the N-container model: its verdicts hold for all N."""
    return any(e != "parametric" for e in engines)


def _parametric(rep, host, model, props_path, max_states, timeout):
    from .parametric import Invariant, check, discover

    t = build_tables(host)
    inv = discover(t)
    if not isinstance(inv, Invariant):
        return [Result(hp.prop.id, UNKNOWN, "parametric", "-", 0.0, (), inv) for hp in rep.props]
    rep.certificate = inv.describe(t)
    views: dict = {}
    return [check(hp, host, t, inv, views) for hp in rep.props]


def _symmetric(rep, host, model, props_path, max_states, timeout):
    from .symcheck import check_host

    ex, results = check_host(host, model, rep.n, rep.props, max_states)
    rep.warnings += ex.warnings
    rep.notes.append(f"symmetric: {ex.canonical:,} canonical states ({ex.concrete:,} states), "
                     f"{ex.edges:,} edges from canonical states, {ex.seconds:.2f} s")
    return results


def _explicit(rep, host, model, props_path, max_states, timeout):
    from ..engines import explicit
    from ..engines.statespace import StateBudgetExceeded, explore

    try:
        space = explore(model, max_states)
    except StateBudgetExceeded as exc:
        return [Result(hp.prop.id, UNKNOWN, "explicit", "-", 0.0, (), str(exc))
                for hp in rep.props]
    rep.notes.append(f"explicit: {len(space.states):,} states, {len(space.edges):,} edges")
    return [explicit.check(hp.prop, space) for hp in rep.props if explicit.supports(hp.prop.kind)]


def _smt(rep, host, model, props_path, max_states, timeout):
    from ..engines.smt import SmtEngine, supports

    hints = tuple(hp.prop.exprs["formula"] for hp in rep.props if hp.prop.kind == "invariant")
    eng = SmtEngine(model, hints=hints, timeout=timeout)
    return [eng.check(hp.prop) for hp in rep.props if supports(hp.prop.kind)]


_RUN = {"parametric": _parametric, "symmetric": _symmetric, "explicit": _explicit, "smt": _smt}
