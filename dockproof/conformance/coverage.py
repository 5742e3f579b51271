"""Count what a conformance run exercised: transitions per action, per status, per seed claim."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from .oracle import Edge, Oracle

#: How a listing or summary words a transition the run commanded and the engine did not take,
#: as a recorded divergence (``then`` refused or reset) explained; the entry ids follow.
DIVERTED = "the engine did not take it when commanded, a recorded divergence: "


class Coverage:
    """The transitions and states a run passed through, against the reachable graph."""

    def __init__(self, oracle: Oracle) -> None:
        self.oracle = oracle
        self.edges: set[Edge] = set()
        self.states: set[int] = set()
        self.refusals: set[tuple[int, str]] = set()  # (status value, verb)
        #: commanded transitions not taken, as recorded divergences explained: -> entry ids
        self.diverted: dict[Edge, set[str]] = {}
        #: those of them an entry not marked intermittent explained: the engine does that
        #: every time, so a top-up round does not plan them again
        self.final: set[Edge] = set()

    def visit(self, state: int) -> None:
        self.states.add(state)

    def take(self, edges: Iterable[Edge]) -> None:
        for e in edges:
            self.edges.add(e)
            self.states.add(e[2])

    def divert(self, edges: Iterable[Edge], ids: Iterable[str], final: bool = False) -> None:
        """Record that the implementation did not take ``edges`` when commanded, as the
        recorded divergences ``ids`` say it does not (their ``then`` refused or reset);
        ``final``: they say so of every time (not intermittent)."""
        ids = set(ids)
        for e in edges:
            self.diverted.setdefault(e, set()).update(ids)
            if final:
                self.final.add(e)

    def merge(self, other: Coverage) -> None:
        """Add what another worker's run covered (``--jobs``)."""
        self.edges |= other.edges
        self.states |= other.states
        self.refusals |= other.refusals
        for e, ids in other.diverted.items():
            self.divert((e,), ids, e in other.final)

    def refused(self, state: int, verb: str) -> None:
        self.refusals.add((self.oracle.space.states[state][self.oracle.map.status_slot], verb))

    def summary(self) -> dict[str, Any]:
        """Return covered/total per action, per status value and per claim, plus totals."""
        o = self.oracle
        model, space = o.model, o.space
        acts = model.actions
        per_action: dict[str, list[int]] = {a.name: [0, 0] for a in acts}
        for e in space.edges:
            c = per_action[acts[e[1]].name]
            c[1] += 1
            c[0] += e in self.edges
        status_var = model.variables[o.map.status_slot]
        members = status_var.type.members
        per_status = {m: [0, 0] for m in members}
        for i, s in enumerate(space.states):
            c = per_status[members[s[o.map.status_slot]]]
            c[1] += 1
            c[0] += i in self.states
        per_claim: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for a in acts:
            for claim in a.cites:
                per_claim[claim][0] += per_action[a.name][0]
                per_claim[claim][1] += per_action[a.name][1]
        return {
            "transitions": [len(self.edges), len(space.edges)],
            "states": [len(self.states), len(space.states)],
            "actions": {k: v for k, v in sorted(per_action.items())},
            "statuses": per_status,
            "claims": {k: per_claim[k] for k in sorted(per_claim, key=lambda c: int(c[1:]))},
            "refusals": sorted(f"{members[s]}:{v}" for s, v in self.refusals),
        }

    def uncovered(self) -> dict[str, dict[str, int]]:
        """Return the transitions not covered, counted per action under why: a host fault
        stages them, the adapter cannot perform their command, their source state is
        reached only through those, the engine did not take them when commanded (a recorded
        divergence), or (drivable) this run did not take them."""
        o = self.oracle
        acts = o.model.actions
        reachable, _prev = o.distances(list(o.space.initial))
        steady = _steady(o)
        out: dict[str, dict[str, int]] = {}
        for e in o.space.edges:
            if e in self.edges:
                continue
            why = self._why(e, reachable, steady)
            row = out.setdefault(why, {})
            row[acts[e[1]].name] = row.get(acts[e[1]].name, 0) + 1
        return {k: dict(sorted(v.items())) for k, v in sorted(out.items())}

    def listing(self, rows: list | None = None) -> list[tuple[str, str, str, str]]:
        """List every transition of the graph as (verdict, action, source, target), in
        `ordered` order: verdict ``covered`` or ``not covered: <why>`` (as `uncovered`
        classifies it); states rendered as the model renders them. ``rows``: `ordered` of
        this graph, when the caller has it."""
        o = self.oracle
        reachable, _prev = o.distances(list(o.space.initial))
        steady = _steady(o)
        return [("covered" if e in self.edges else
                 f"not covered: {self._why(e, reachable, steady)}", *text)
                for e, text in (ordered(o) if rows is None else rows)]

    def _why(self, e: Edge, reachable: dict, steady: set[int]) -> str:
        ids = self.diverted.get(e)
        return DIVERTED + ", ".join(sorted(ids)) if ids else _why(self.oracle, e, reachable,
                                                                  steady)


def ordered(o: Oracle) -> list[tuple[Edge, tuple[str, str, str]]]:
    """Return the graph's transitions with their text (action, source, target), sorted by
    that text: an order the model alone fixes, whatever order exploration found them in."""
    m = o.model
    rows = [(e, (m.actions[e[1]].name, m.render_state(o.space.states[e[0]]),
                 m.render_state(o.space.states[e[2]]))) for e in o.space.edges]
    return sorted(rows, key=lambda r: r[1])


def missed(o: Oracle, covered: set[Edge], reachable: dict | None = None) -> list[Edge]:
    """List the transitions not in ``covered`` that a test can drive deterministically
    (classified "drivable, not taken"): what a top-up round plans for. ``reachable``: the
    planning distances from the initial states, when the caller has them."""
    if reachable is None:
        reachable, _prev = o.distances(list(o.space.initial))
    steady = _steady(o)
    return [e for e in sorted(set(o.space.edges) - covered)
            if _why(o, e, reachable, steady).startswith("drivable")]


def _steady(o: Oracle) -> set[int]:
    """Return the states a test reaches without sending a command to a transient state (one
    the implementation leaves by itself: an exit not handled yet, a pending restart)."""
    seen = set(o.space.initial)
    stack = list(seen)
    while stack:
        i = stack.pop()
        transient = o.transient(i) is not None
        for _cost, key, edge in o.arcs(i):
            if (key is None or not transient) and edge[2] not in seen:
                seen.add(edge[2])
                stack.append(edge[2])
    return seen


def _why(o: Oracle, e: Edge, reachable: dict, steady: set[int]) -> str:
    a = o.model.actions[e[1]]
    if e[1] in o.map.faults:
        return f"needs a host fault to stage ({a.name}, [conformance] faults)"
    verb = a.command or (o.key_of[o.map.triggers[e[1]]][0] if e[1] in o.map.triggers
                         else None)
    if verb in o.unsupported:
        return f"the adapter cannot '{verb}': {o.unsupported[verb]}"
    if e[0] not in reachable:
        return "its source state is reached only through a host fault or a command the " \
               "adapter cannot perform"
    if e[0] not in steady or (o.transient(e[0]) is not None and e[1] not in o.map.settle):
        return "the implementation's timing decides, not taken by this run: the command meets " \
               "a state the implementation leaves by itself (e.g. an exit not handled yet) " \
               "only when it comes first"
    return "drivable, not taken by this run"


def percent(pair: list[int]) -> str:
    """Format ``[covered, total]`` as ``covered/total (p%)``.

    >>> percent([3, 4])
    '3/4 (75%)'
    """
    c, t = pair
    return f"{c}/{t} ({100 * c // t if t else 100}%)"
