"""Write a model's explored graph in the Aldebaran format (.aut) read by mCRL2 and CADP.

An .aut file has one initial state; dockproof's models have one per configuration, so state 0
is a root with one ``init`` edge to each of them (every other state is the explored state's
BFS index plus one). Edge labels are action names.
"""

from __future__ import annotations

from ...engines.statespace import StateSpace


def to_aut(space: StateSpace) -> str:
    """Return the .aut text of the explored graph, edges in exploration order."""
    names = [a.name for a in space.model.actions]
    edges = [f'(0,"init",{i + 1})' for i in space.initial]
    edges += [f'({s + 1},"{names[a]}",{d + 1})' for s, a, d in space.edges]
    head = f"des (0,{len(edges)},{len(space.states) + 1})"
    return "\n".join([head, *edges]) + "\n"
