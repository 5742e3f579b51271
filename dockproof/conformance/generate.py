"""Generate conformance tests from the model's reachable graph.

- `transition_tour`: every transition at least once, with resets. The planning graph has one
  arc per commandable transition (cost 1: a command), per settle transition (cost 0: the
  implementation takes it during ``settle()``) and a reset arc (cost 1) from anywhere to each
  initial state. A minimum-cost flow makes the graph balanced (the directed Chinese postman
  problem), an Euler circuit through the reset node is the tour; it is optimal for the cost
  "commands + resets". Refusal probes (commands the model refuses) are added once per
  (status, command) pair.
- `random_walk`: seeded random commands, mostly accepted ones, some refused.
- The Hypothesis state machine lives in `dockproof.conformance.stateful`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .coverage import missed
from .oracle import Key, Oracle, Segment, Step, segment_of

RESET = -1  # the reset node of the planning graph


@dataclass(frozen=True)
class Test:
    """A generated test: segments (each one reset), a name and how it was made."""

    strategy: str
    segments: tuple[Segment, ...]
    seed: int | None = None
    stats: dict | None = None

    @property
    def steps(self) -> int:
        return sum(len(s.steps) for s in self.segments)


# -- the transition tour -------------------------------------------------------------------


def _required(oracle: Oracle) -> list[tuple[int, Key | None, tuple]]:
    """Return one planning arc (cost, key, edge) per transition the harness can drive: from
    states that commands and settle steps reach, by a command with one possible outcome
    (or a settle step). Other transitions are only covered when a run passes through them."""
    dist, _prev = oracle.distances(list(oracle.space.initial))
    out = []
    for i in sorted(dist):
        out.extend(oracle.arcs(i))
    return out


def _flow(oracle: Oracle, required: list, dup_cost: int):
    """Solve the balancing min-cost flow; return {(u, v): flow} and the cheapest arc per pair."""
    import networkx as nx

    h = nx.DiGraph()
    cheapest: dict[tuple[int, int], tuple] = {}
    balance: dict[int, int] = {i: 0 for i in oracle.space.initial}
    for cost, key, edge in required:
        u, v = edge[0], edge[2]
        balance[u] = balance.get(u, 0) + 1
        balance[v] = balance.get(v, 0) - 1
        if (u, v) not in cheapest or cost < cheapest[(u, v)][0]:
            cheapest[(u, v)] = (cost, key, edge)
    for (u, v), (cost, _k, _e) in cheapest.items():
        h.add_edge(u, v, weight=cost * dup_cost)
    h.add_node(RESET, demand=0)
    for i, b in balance.items():
        h.add_node(i, demand=b)
        h.add_edge(i, RESET, weight=0)
    for i in oracle.space.initial:
        h.add_edge(RESET, i, weight=1)
    return nx.min_cost_flow(h), cheapest


def minimum_resets(oracle: Oracle) -> int:
    """Return the fewest resets any test covering every drivable transition needs."""
    flow, _ = _flow(oracle, _required(oracle), dup_cost=0)
    return sum(flow[RESET].values())


def transition_tour(oracle: Oracle, probes: bool = True) -> Test:
    """Plan a shortest test that takes every drivable transition at least once."""
    import networkx as nx

    required = _required(oracle)
    flow, cheapest = _flow(oracle, required, dup_cost=1)
    m = nx.MultiDiGraph()
    for _cost, key, edge in required:
        m.add_edge(edge[0], edge[2], arc=(key, edge))
    for u, targets in flow.items():
        for v, f in targets.items():
            for _ in range(f):
                arc = ("reset", None) if RESET in (u, v) else cheapest[(u, v)][1:]
                m.add_edge(u, v, arc=arc)
    _connect(oracle, m)
    segments = _split(oracle, m)
    if probes:
        # an initial state no segment starts from (nothing drivable there, e.g. a retry count
        # the engine refuses at create and no daemon restart) still gets its refusal probes
        starts = {seg.initial for seg in segments}
        segments += [Segment(i, ()) for i in oracle.space.initial if i not in starts]
        segments = [seg for seg in add_probes(oracle, segments) if seg.steps]
    commands = sum(1 for _c, k, _e in required if k is not None)
    bound = commands + minimum_resets(oracle)
    length = sum(len(s.steps) for s in segments) + len(segments)
    stats = {"transitions": len(oracle.space.edges), "drivable": len(required),
             "undrivable": len(oracle.space.edges) - len(required),
             "commanded": commands, "resets": len(segments), "min_resets": bound - commands,
             "bound": bound, "length": length, "probes": _count_probes(segments, oracle)}
    return Test("tour", tuple(segments), stats=stats)


def _connect(oracle: Oracle, m) -> None:
    """Give every part the flow left apart from the reset node one reset into its initial
    state (a part balanced on its own, e.g. a daemon restart and back); any covering test
    needs that reset, so the tour stays optimal."""
    import networkx as nx

    m.add_node(RESET)
    initial = set(oracle.space.initial)
    for part in list(nx.weakly_connected_components(m)):
        if RESET in part:
            continue
        start = min(part & initial) if part & initial else min(part)
        m.add_edge(RESET, start, arc=("reset", None))
        m.add_edge(start, RESET, arc=("reset", None))


def _split(oracle: Oracle, m) -> list[Segment]:
    import networkx as nx

    segments: list[Segment] = []
    arcs: list[tuple] = []
    initial = None
    for u, v, k in nx.eulerian_circuit(m, source=RESET, keys=True):
        arc = m.edges[u, v, k]["arc"]
        if u == RESET:
            initial, arcs = v, []
        elif v == RESET:
            segments.append(segment_of(oracle, initial, arcs))
        else:
            arcs.append(arc)
    return segments


def add_probes(oracle: Oracle, segments: list[Segment]) -> list[Segment]:
    """Insert refused commands, once per (status value, command), where the state is stable."""
    slot = oracle.map.status_slot
    done: set[tuple] = set()
    out = []
    for seg in segments:
        state, steps = seg.initial, []
        steps.extend(_probes(oracle, state, slot, done))
        for step in seg.steps:
            steps.append(step)
            post = oracle.primary(oracle.respond(state, step.key))[0]
            state = oracle.settled(post) if step.settle else post
            if step.settle:
                steps.extend(_probes(oracle, state, slot, done))
        out.append(Segment(seg.initial, tuple(steps)))
    return out


def _probes(oracle: Oracle, i: int, slot: int, done: set) -> list[Step]:
    status = oracle.space.states[i][slot]
    out = []
    for key in oracle.keys:
        r = oracle.respond(i, key)
        if not r.accepted and (status, key, r.kind) not in done:
            done.add((status, key, r.kind))
            out.append(Step(key))
    return out


def _count_probes(segments: list[Segment], oracle: Oracle) -> int:
    n = 0
    for seg in segments:
        state = seg.initial
        for step in seg.steps:
            r = oracle.respond(state, step.key)
            n += not r.accepted
            state = oracle.settled(oracle.primary(r)[0]) if step.settle else oracle.primary(r)[0]
    return n


# -- random walks --------------------------------------------------------------------------


def random_walk(oracle: Oracle, seed: int, steps: int = 1000, refuse: float = 0.15,
                mean_segment: int = 40) -> Test:
    """Draw ``steps`` commands at random (seeded): accepted ones, and refused ones with
    probability ``refuse``; a new container on average every ``mean_segment`` commands."""
    rng = random.Random(seed)
    segments: list[Segment] = []
    current: list[Step] = []
    initial = state = rng.choice(oracle.space.initial)
    for _ in range(steps):
        if current and rng.random() < 1 / mean_segment:
            segments.append(Segment(initial, tuple(current)))
            current, initial = [], rng.choice(oracle.space.initial)
            state = initial
        responses = [(k, oracle.respond(state, k)) for k in oracle.keys]
        accepted = [kr for kr in responses if kr[1].accepted]
        refused = [kr for kr in responses if not kr[1].accepted]
        pool = refused if (not accepted or (refused and rng.random() < refuse)) else accepted
        key, r = rng.choice(pool)
        state = oracle.settled(rng.choice(r.posts)[0])
        current.append(Step(key))
    if current:
        segments.append(Segment(initial, tuple(current)))
    return Test("random", tuple(segments), seed=seed)


def top_up(oracle: Oracle, covered: set) -> Test:
    """Plan one short segment per drivable transition a run did not take: the shortest
    commands from a reset to its source state, then its command (for an internal step: the
    commands that lead into its source, settled). A tour can miss some when the
    implementation's timing chose another of the states the model allows (e.g. it handled
    an exit before the next command came), which took it off the plan's path."""
    dist, prev = oracle.distances(list(oracle.space.initial))
    wanted: dict[tuple[int, Key | None], None] = {}
    for e in missed(oracle, covered, dist):
        wanted.setdefault((e[0], oracle.key_of[e[1]]))
    segments = []
    for state, key in wanted:
        initial, arcs = oracle.path(state, prev)
        if key is not None:
            arcs = arcs + [(key, None)]
        if any(k is not None for k, _e in arcs):
            segments.append(segment_of(oracle, initial, arcs))
    return Test("tour", tuple(segments))


def shortest_segment(oracle: Oracle, target: int, key: Key) -> Segment:
    """Return the shortest segment that reaches state ``target`` and then sends ``key``."""
    _dist, prev = oracle.distances(list(oracle.space.initial))
    initial, arcs = oracle.path(target, prev)
    return segment_of(oracle, initial, arcs + [(key, None)])
