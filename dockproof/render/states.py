"""The state-level views: every reachable state (full), a region around one (around), a trace.

Each picks a set of state indices from the explored graph; ``scale.fit`` then draws them flat
or collapsed, whichever stays readable.
"""

from __future__ import annotations

from collections import deque
from dataclasses import replace

from ..engines.statespace import StateSpace
from ..spec.model import Model
from ..spec.types import BoolType, show
from . import scale, style
from .ir import Diagram
from .views import config_label, config_of, status_slot, statuses


def full(model: Model, space: StateSpace, config: dict[int, int] | None = None,
         collapse: str = "auto") -> Diagram:
    """Draw every reachable state (of one configuration, or of all of them)."""
    chosen = [i for i, s in enumerate(space.states) if _matches(s, config)]
    which = config_label(model, config_of(model, space.states[chosen[0]])) if config else \
        "all configurations"
    title = f"{model.name}: all {len(chosen)} reachable states ({which})"
    return scale.fit(model, space, chosen, "full", title, collapse=collapse)


def around(model: Model, space: StateSpace, centre: int, depth: int,
           collapse: str = "auto") -> Diagram:
    """Draw the states within ``depth`` steps of ``centre``, forwards and backwards."""
    near = neighbourhood(space, [centre], depth)
    title = (f"{model.name}: {len(near)} states within {depth} steps of state {centre} "
             f"({describe(model, space.states[centre])})")
    return scale.fit(model, space, near, "around", title, focus={centre: ()},
                     collapse=collapse)


def trace(model: Model, space: StateSpace, path: list[tuple[int | None, int]], name: str,
          collapse: str = "auto") -> Diagram:
    """Draw a trace (``(action index or None, state index)`` steps) over its neighbourhood."""
    on = [i for _, i in path]
    near = neighbourhood(space, on, 1)
    focus: dict[int, tuple[int, ...]] = {}
    for n, i in enumerate(on):
        focus[i] = focus.get(i, ()) + (n,)
    steps = {(on[n - 1], a, on[n]): n for n, (a, _) in enumerate(path) if n}
    title = f"{model.name}: trace {name}, {len(path) - 1} steps, with the states next to it"
    # Only the steps from or to the trace's states: the neighbours show the choices the
    # run had, their own steps would bury the path.
    d = scale.fit(model, space, near, "trace", title, focus=focus, steps=steps,
                  collapse=collapse, touch=set(on))
    return replace(d, notes=("drawn: the steps from or to the trace's states",) + d.notes)


def neighbourhood(space: StateSpace, seeds: list[int], depth: int) -> set[int]:
    """Return the states within ``depth`` steps of any seed, in either direction."""
    near = {i: 0 for i in seeds}
    adj: dict[int, set[int]] = {}
    for s, _, d in space.edges:
        adj.setdefault(s, set()).add(d)
        adj.setdefault(d, set()).add(s)
    queue = deque(seeds)
    while queue:
        i = queue.popleft()
        if near[i] == depth:
            continue
        for j in sorted(adj.get(i, ())):
            if j not in near:
                near[j] = near[i] + 1
                queue.append(j)
    return set(near)


def _matches(s: tuple, config: dict[int, int] | None) -> bool:
    return not config or all(s[k] == v for k, v in config.items())


def describe(model: Model, s: tuple) -> str:
    """Say a state in one short phrase: status, held resources, the other variables."""
    st = status_slot(model)
    head = [statuses(model)[s[st]]] if st is not None else []
    held = [r.upper() for r in style.resources(model) if s[model.var(r).slot]]
    return " ".join(head + held + list(changed_vars(model, s)))


def changed_vars(model: Model, s: tuple) -> tuple[str, ...]:
    """List the variables (other than status and the resources) off their initial value."""
    skip = {"status", *style.resources(model)}
    out = []
    for v in model.state_vars:
        if v.name in skip or s[v.slot] == v.init:
            continue
        out.append(v.name if isinstance(v.type, BoolType) and s[v.slot] else
                   f"{v.name}={show(v.type, s[v.slot])}")
    return tuple(out)
