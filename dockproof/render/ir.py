"""The diagram IR: what every renderer reads. Frozen, sorted, built by ``views`` only."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: A badge is (resource name, "held" | "some" | "none").
Badge = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Node:
    """One box: a status (lifecycle), a state, or a group of collapsed states."""

    id: str
    title: str
    status: int | None = None          # enum index of the status, for the fill colour
    badges: tuple[Badge, ...] = ()
    details: tuple[str, ...] = ()      # further lines: variables off their initial value
    group: str | None = None           # the id of the Group (cluster) it is drawn in
    initial: bool = False
    terminal: bool = False             # no step leaves it (other than to itself)
    focus: bool = False                # the state asked for (around) or on the trace
    frontier: bool = False             # it has neighbours the picture leaves out
    count: int = 1                     # how many reachable states it stands for
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Edge:
    """Arrows from ``src`` to ``dst`` by one actor, labelled by all its actions between them."""

    src: str
    dst: str
    actor: str
    actions: tuple[str, ...]
    steps: tuple[int, ...] = ()        # trace step numbers taking this edge (highlighted)


@dataclass(frozen=True, slots=True)
class Group:
    """A cluster: a configuration, a status, or a status with its sub-states."""

    id: str
    label: str
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class Diagram:
    model: str
    view: str                          # lifecycle | full | around | trace
    title: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    groups: tuple[Group, ...] = ()
    notes: tuple[str, ...] = ()        # what was done to fit it (also said on stderr)
    engine: str = "dot"                # the graphviz layout engine: dot or sfdp
    resources: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()     # the status enum, for the legend's colours

    @property
    def highlights(self) -> bool:
        return any(n.focus for n in self.nodes) or any(e.steps for e in self.edges)
