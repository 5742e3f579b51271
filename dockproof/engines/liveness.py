"""`leads-to` under weak fairness, decided on the reachable graph.

``p ~> q`` fails iff some reachable p-state that is not a q-state can, through non-q states,
reach either a state where no fair action is enabled (nothing forces a step there: the run may
stay forever), or a strongly connected set of non-q states in
which a path can stay forever fairly. Under *weak* fairness of an action set F, a strongly
connected component C admits such a path iff every action of F is disabled in some state of C or
has an edge inside C (a path through every state and edge of C is then fair; if some action of
F is enabled throughout C and never taken inside it, no path confined to C, nor to any part of
it, is fair). That makes one pass over the SCCs exact.
"""

from __future__ import annotations

from collections import deque

from .compiled import predicate
from .result import PROVED, REFUTED
from .statespace import StateSpace


def leads_to(prop, space: StateSpace):
    import networkx as nx

    m = space.model
    p, q = predicate(prop.exprs["from"]), predicate(prop.exprs["to"])
    fair = {i for i, a in enumerate(m.actions) if a.name in prop.data.get("fairness", ())}
    states = space.states
    notq = [not q(s) for s in states]
    outs = space.out_edges()
    enabled = [{a for a, _ in outs[i]} for i in range(len(states))]
    sub = nx.DiGraph()
    sub.add_nodes_from(i for i in range(len(states)) if notq[i])
    inner: dict[tuple[int, int], set[int]] = {}
    for i in sub.nodes:
        for a, j in outs[i]:
            if notq[j]:
                sub.add_edge(i, j)
                inner.setdefault((i, j), set()).add(a)
    cores: dict[int, str] = {}
    for i in sub.nodes:
        # Steps are not forced: where no fair action is enabled, the run may stay forever.
        if not (enabled[i] & fair):
            cores[i] = "stutter"
    for comp in nx.strongly_connected_components(sub):
        if len(comp) == 1:
            (i,) = comp
            if not sub.has_edge(i, i):
                continue
        taken = set().union(*(inner.get((i, j), set()) for i in comp for j in sub[i] if j in comp))
        if all(a in taken or any(a not in enabled[i] for i in comp) for a in fair):
            for i in comp:
                cores.setdefault(i, "cycle")
    if not cores:
        return PROVED, [], ""
    bad = _reach_back(sub, set(cores))
    starts = [i for i in range(len(states)) if notq[i] and p(states[i]) and i in bad]
    if not starts:
        return PROVED, [], ""
    return REFUTED, [_lasso(space, sub, min(starts), cores, outs)], ""


def _reach_back(sub, targets: set[int]) -> set[int]:
    seen, queue = set(targets), deque(targets)
    while queue:
        j = queue.popleft()
        for i in sub.predecessors(j):
            if i not in seen:
                seen.add(i)
                queue.append(i)
    return seen


def _bfs_path(sub, start: int, goal) -> list[int]:
    prev = {start: None}
    queue = deque([start])
    while queue:
        i = queue.popleft()
        if goal(i):
            path = [i]
            while prev[path[-1]] is not None:
                path.append(prev[path[-1]])
            return path[::-1]
        for j in sub[i]:
            if j not in prev:
                prev[j] = i
                queue.append(j)
    return [start]


def _lasso(space, sub, start, cores, outs):
    from .explicit import trace_to

    path = _bfs_path(sub, start, lambda i: i in cores)
    end = path[-1]
    steps = _edges_along(path, outs, space)
    loop = None
    title = ("then it may stay there forever: no fair action is enabled"
             if cores[end] == "stutter" else
             "then it can cycle forever, fairly, without reaching the target")
    if cores[end] == "cycle":
        cyc = _cycle(sub, end)
        loop_at = len(space.path_to(start)) - 1 + len(path) - 1
        steps += _edges_along(cyc, outs, space)
        loop = loop_at
    return trace_to(space, start, steps, title=title, loop=loop)


def _cycle(sub, node: int) -> list[int]:
    """Return the shortest cycle node -> ... -> node."""
    prev = {}
    queue = deque([node])
    seen = {node}
    while queue:
        i = queue.popleft()
        for j in sub[i]:
            if j == node:
                path = [i]
                while path[-1] != node:
                    path.append(prev[path[-1]])
                return path[::-1] + [node]
            if j not in seen:
                seen.add(j)
                prev[j] = i
                queue.append(j)
    return [node]


def _edges_along(path: list[int], outs, space) -> list[tuple[int, tuple]]:
    steps = []
    for i, j in zip(path, path[1:]):
        a = next(a for a, d in outs[i] if d == j)
        steps.append((a, space.states[j]))
    return steps
