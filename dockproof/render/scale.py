"""Keep big graphs readable: draw states one by one, or collapse them, and say which.

Up to FLAT_LIMIT nodes, graphviz's ``dot`` lays a graph out in readable ranks. Beyond that a
flat picture is a hairball, so (with ``collapse="auto"``) the states are collapsed into their
strongly connected components (states that can all reach each other), and if those are still
too many, grouped by configuration and status. A picture left with more than FLAT_LIMIT nodes
(``collapse="none"``) is laid out by ``sfdp``, the force-directed engine made for big graphs.
"""

from __future__ import annotations

from dataclasses import replace

from ..engines.statespace import StateSpace
from ..errors import InputError
from ..spec.model import Model
from . import style
from .ir import Diagram, Group, Node
from .views import aggregate, config_id, config_label, config_of, hung_slot, status_slot, statuses

FLAT_LIMIT = 300
COLLAPSE = ("auto", "none", "scc", "status")


def fit(model: Model, space: StateSpace, chosen, view: str, title: str,
        focus: dict[int, tuple[int, ...]] | None = None,
        steps: dict[tuple[int, int, int], int] | None = None,
        collapse: str = "auto", touch: set[int] | None = None) -> Diagram:
    """Draw the chosen states flat, or collapsed as ``collapse`` says (auto: by size)."""
    if collapse not in COLLAPSE:
        raise InputError("--collapse", "DP702", f"unknown collapse mode '{collapse}'",
                         f"use one of {', '.join(COLLAPSE)}")
    chosen = sorted(set(chosen))
    focus = focus or {}
    mode = collapse
    if mode == "auto":
        mode = "none" if len(chosen) <= FLAT_LIMIT else "scc"
        if mode == "scc" and len(_sccs(space, chosen)) > FLAT_LIMIT:
            mode = "status"
    nodes, edges, note = _BUILD[mode](model, space, chosen, focus, steps or {}, touch)
    out = _outside(space, set(chosen))
    nodes = tuple(_mark(n, out, focus) for n in nodes)
    cfgs = sorted({config_of(model, space.states[i]) for i in chosen})
    groups = tuple(Group(config_id(model, c), config_label(model, c)) for c in cfgs) \
        if len(cfgs) > 1 else ()
    if len(cfgs) <= 1:
        nodes = tuple(replace(n, group=None) for n in nodes)
    engine = "dot" if len(nodes) <= FLAT_LIMIT else "sfdp"
    notes = tuple(x for x in (note, _engine_note(engine, len(nodes))) if x)
    return Diagram(model.name, view, title, nodes, edges, groups, notes, engine,
                   style.resources(model), statuses(model))


def _engine_note(engine: str, n: int) -> str:
    if engine == "dot":
        return ""
    return f"{n} nodes: laid out by sfdp (force-directed), not dot"


def _flat(model, space, chosen, focus, steps, touch):
    st = status_slot(model)
    from .states import changed_vars

    def title(k, idx):
        s = space.states[k]
        on = ("step " + ", ".join(map(str, focus[k])),) if focus.get(k) else ()
        head = statuses(model)[s[st]] if st is not None else f"state {k}"
        return head, (s[st] if st is not None else None), changed_vars(model, s) + on

    nodes, edges = aggregate(model, space, chosen, lambda s: space.index[s],
                             lambda k: f"s{k}", title, _cfg_group(model, space), steps, touch)
    return nodes, edges, ""


def _cfg_group(model, space):
    return lambda k: config_id(model, config_of(model, space.states[_first(k)]))


def _first(k) -> int:
    return k if isinstance(k, int) else k[-1]


def _by_scc(model, space, chosen, focus, steps, touch):
    comp = {i: c for c in _sccs(space, chosen) for i in c}
    rep = {i: min(comp[i]) for i in chosen}
    names = statuses(model)
    st = status_slot(model)

    def title(k, idx):
        seen = sorted({space.states[i][st] for i in idx}) if st is not None else []
        head = " / ".join(names[x] for x in seen) if seen else f"states {k}.."
        return head, (seen[0] if len(seen) == 1 else None), (_plural(len(idx)),)

    nodes, edges = aggregate(model, space, chosen, lambda s: rep[space.index[s]],
                             lambda k: f"c{k}", title, _cfg_group(model, space), steps, touch)
    note = (f"{len(chosen)} states, over {FLAT_LIMIT}: collapsed into {len(nodes)} strongly "
            "connected components (a box: states that can all reach each other)")
    return nodes, edges, note


def _by_status(model, space, chosen, focus, steps, touch):
    st = status_slot(model)
    if st is None:
        raise InputError(model.path, "DP701", "grouping by status needs an enum variable "
                         "'status'", "use --collapse scc or none")
    hung = hung_slot(model)
    names = statuses(model)

    def key(s):
        return config_of(model, s), s[st], bool(hung is not None and s[hung]), space.index[s]

    first: dict[tuple, int] = {}
    for i in chosen:
        first.setdefault(key(space.states[i])[:3], i)

    def title(k, idx):
        return ("hung" if k[2] else names[k[1]]), k[1], (_plural(len(idx)),)

    nodes, edges = aggregate(
        model, space, chosen, lambda s: key(s)[:3] + (first[key(s)[:3]],),
        lambda k: f"g{k[3]}", title, _cfg_group(model, space), steps, touch)
    note = (f"{len(chosen)} states, over {FLAT_LIMIT} and too many components: grouped by "
            f"configuration and status into {len(nodes)} boxes")
    return nodes, edges, note


def _sccs(space: StateSpace, chosen: list[int]) -> list[set[int]]:
    import networkx as nx
    return list(nx.strongly_connected_components(space.graph().subgraph(chosen)))


def _plural(n: int) -> str:
    return f"{n} state" + ("" if n == 1 else "s")


def _mark(n: Node, out: set[int], focus) -> Node:
    """Mark focus (asked-for or trace) nodes and those with neighbours left out."""
    idx = n.data["states"]
    return replace(n, focus=any(i in focus for i in idx), frontier=any(i in out for i in idx))


def _outside(space: StateSpace, chosen: set[int]) -> set[int]:
    """Return the chosen states with a neighbour (either direction) that is not chosen."""
    return {i for s, _, d in space.edges for i, j in ((s, d), (d, s))
            if i in chosen and j not in chosen}


_BUILD = {"none": _flat, "scc": _by_scc, "status": _by_status}
