"""Explore a model's reachable states breadth-first; build its networkx graph."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from ..errors import DockproofError, InputError, Location
from ..spec.model import Model
from .compiled import Compiled, RangeViolation, compile_model


class StateBudgetExceeded(DockproofError):
    """Exploration reached ``--max-states`` before it finished."""

    exit_code = 1

    def __init__(self, limit: int) -> None:
        super().__init__(f"state budget exhausted: more than {limit} reachable states")
        self.limit = limit


@dataclass
class StateSpace:
    """The reachable states in BFS order, with parent pointers for shortest traces.

    ``states[i]`` is a state tuple; ``parent[i]`` is ``(j, action index)`` or None for an
    initial state; ``edges`` lists ``(src, action index, dst)`` in exploration order.
    """

    model: Model
    compiled: Compiled
    states: list[tuple] = field(default_factory=list)
    index: dict[tuple, int] = field(default_factory=dict)
    parent: list[tuple[int, int] | None] = field(default_factory=list)
    edges: list[tuple[int, int, int]] = field(default_factory=list)
    initial: list[int] = field(default_factory=list)
    _graph: object = None

    def path_to(self, i: int) -> list[tuple[int | None, int]]:
        """Return the shortest path to state ``i`` as (action index or None, state index)."""
        out = []
        while True:
            p = self.parent[i]
            if p is None:
                out.append((None, i))
                return out[::-1]
            out.append((p[1], i))
            i = p[0]

    def graph(self):
        """Return the reachable graph as a networkx MultiDiGraph (edge key = action name)."""
        if self._graph is None:
            import networkx as nx

            g = nx.MultiDiGraph()
            g.add_nodes_from(range(len(self.states)))
            names = [a.name for a in self.model.actions]
            g.add_edges_from((s, d, names[a], {"action": a}) for s, a, d in self.edges)
            self._graph = g
        return self._graph

    def out_edges(self) -> list[list[tuple[int, int]]]:
        """Return, per state, its (action index, successor index) pairs."""
        out: list[list[tuple[int, int]]] = [[] for _ in self.states]
        for s, a, d in self.edges:
            out[s].append((a, d))
        return out


def explore(model: Model, max_states: int | None = None,
            compiled: Compiled | None = None) -> StateSpace:
    """Explore every state reachable from the initial states (all parameter values)."""
    c = compiled or compile_model(model)
    sp = StateSpace(model, c)
    states, index, parent, edges = sp.states, sp.index, sp.parent, sp.edges
    queue: deque[int] = deque()
    for s in model.initial_states():
        if s not in index:
            index[s] = len(states)
            states.append(s)
            parent.append(None)
            sp.initial.append(index[s])
            queue.append(index[s])
    steps = c.steps
    try:
        while queue:
            i = queue.popleft()
            s = states[i]
            for a, f in enumerate(steps):
                t = f(s)
                if t is None:
                    continue
                j = index.get(t)
                if j is None:
                    j = len(states)
                    if max_states is not None and j >= max_states:
                        raise StateBudgetExceeded(max_states)
                    index[t] = j
                    states.append(t)
                    parent.append((i, a))
                    queue.append(j)
                edges.append((i, a, j))
    except RangeViolation as rv:
        act = model.action(rv.action)
        v = model.var(rv.var)
        where = Location(act.source.split(" [")[0], None, f"actions.{rv.action}.effect.{rv.var}")
        raise InputError(where, "DP301", f"assigns {rv.value}, outside {v.type}, in reachable "
                         f"state {model.render_state(rv.state)}",
                         "tighten the guard or widen the range") from None
    return sp
