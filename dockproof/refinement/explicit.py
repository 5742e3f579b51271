"""Decide a refinement on the concrete model's reachable graph: every edge (in BFS order, so
the first failure has the shortest trace) must map to an abstract step or a stutter."""

from __future__ import annotations

import time

from ..engines.compiled import compile_model, predicate
from ..engines.explicit import trace_to
from ..engines.statespace import StateSpace, explore
from .mapping import Refinement
from .result import Finding, RefineResult, why_unmatched

NAME = "explicit"


def check(ref: Refinement, space: StateSpace | None = None) -> RefineResult:
    """Check ``ref`` exhaustively; return what was found."""
    t0 = time.perf_counter()
    space = space or explore(ref.concrete)
    abs_c = compile_model(ref.abstract)
    m = ref.map_function()
    images = [m(s) for s in space.states]
    res = RefineResult(NAME, f"exhaustive, {len(space.states)} states")
    res.initial = _initial(ref, space, images)
    whens = [(d, predicate(d.when) if d.when is not None else None, set(d.actions))
             for d in ref.differences if d.kind == "step"]
    names = [a.name for a in ref.concrete.actions]
    for src, a, dst in space.edges:
        ms, mt = images[src], images[dst]
        if ms == mt or _matches(ref, abs_c, a, ms, mt):
            continue
        s = space.states[src]
        d = next((d for d, w, acts in whens if names[a] in acts and (w is None or w(s))), None)
        key = d.name if d else None
        if key is None and res.undeclared is not None or key in res.confirmed:
            continue
        f = Finding(key, (trace_to(space, src, [(a, space.states[dst])],
                                   title=f"its last step ({names[a]}) has no "
                                   f"{ref.abstract.name} counterpart"),),
                    _abstract(ref, ms, mt), why_unmatched(ref, abs_c, a, ms, mt))
        if key is None:
            res.undeclared = f
        else:
            res.confirmed[key] = f
    for d in ref.differences:
        if d.kind == "merge":
            f = _merge(ref, space, images, d)
            if f is not None:
                res.confirmed[d.name] = f
    res.stale = [d.name for d in ref.differences if d.name not in res.confirmed]
    res.seconds = time.perf_counter() - t0
    return res


def _matches(ref, abs_c, a: int, ms: tuple, mt: tuple) -> bool:
    steps = abs_c.steps
    if any(steps[b](ms) == mt for b in ref.allowed[a]):
        return True
    for seq in ref.sequences[a]:
        s = ms
        for b in seq:
            s = steps[b](s)
            if s is None:
                break
        if s == mt:
            return True
    return False


def _initial(ref, space, images) -> Finding | None:
    am = ref.abstract
    for i in space.initial:
        ms = images[i]
        bad = [v.name for v in am.state_vars if ms[v.slot] != v.init]
        if bad:
            return Finding(None, (trace_to(space, i, title="an initial state"),),
                           am.render_state(ms),
                           [f"its image is not an initial {am.name} state: "
                            f"{', '.join(bad)} differ from their initial values"])
    return None


def _abstract(ref, ms: tuple, mt: tuple) -> str:
    am = ref.abstract
    changed = tuple(i for i in range(len(ms)) if ms[i] != mt[i])
    return f"{am.render_state(ms)}  ->  {am.render_state(mt, changed)}"


def _merge(ref, space, images, d) -> Finding | None:
    """Find two reachable states, one with each value, whose images agree on ``d.on``."""
    slot = ref.concrete.var(d.variable).slot
    first: dict = {}
    for i, s in enumerate(space.states):
        if s[slot] == d.values[0]:
            first.setdefault(tuple(images[i][k] for k in d.on), i)
    for j, s in enumerate(space.states):
        key = tuple(images[j][k] for k in d.on)
        if s[slot] == d.values[1] and key in first:
            i = first[key]
            return Finding(d.name, (trace_to(space, i, title=f"{d.variable} is "
                                             f"{_member(ref, slot, d.values[0])}"),
                                    trace_to(space, j, title=f"{d.variable} is "
                                             f"{_member(ref, slot, d.values[1])}")),
                           ref.abstract.render_state(images[j], d.on),
                           [f"both map to {ref.abstract.name} states that agree on "
                            f"{', '.join(ref.abstract.variables[k].name for k in d.on)}"])
    return None


def _member(ref, slot: int, value: int) -> str:
    return ref.concrete.variables[slot].type.members[value]
