"""Tell which states, and so which configurations, an implementation cannot tell apart.

A conformance run sees a model state only through the adapter contract: what the container
shows (`Oracle.expected`), the `Config` a create sends, how the implementation answers each
command (`Oracle.respond`: taken, triggered, refused with which error texts, or quiet), and,
on one engine, which recorded divergence entries hold there. Two states that agree on all of
that, and whose actions lead again to states that agree (for every action, commanded or
internal), are judged alike by any run: they are *observationally equivalent* under the
model's ``[conformance]`` mapping. The relation computed here is the coarsest strong
bisimulation of the reachable graph whose first partition groups states by that label
(partition refinement by signatures: a block splits until every member has the same
``(label, {(action, block of target)})``).

Configurations whose initial states fall in one block are the same experiment on an
implementation: a parameter the mapping does not send to it (as the Docker model's ``term``:
no `Config` field carries it) changes nothing it can observe. Running one of them covers the
others' transitions up to the equivalence: a transition ``s -a-> t`` of one is the
experiment ``[s] -a-> [t]`` of the blocks, and so is every transition of its twins with the
same blocks and action (`class_edge`). `check` re-verifies the result directly, so a
refinement bug cannot pass for an equivalence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .oracle import Edge, Oracle


@dataclass(frozen=True)
class Equivalence:
    """The blocks of the coarsest observational bisimulation of an oracle's graph."""

    oracle: Oracle
    block: tuple[int, ...]          # state index -> block number
    labels: tuple[int, ...]         # state index -> label number (the first partition)
    rounds: int                     # refinement rounds it took

    @property
    def blocks(self) -> int:
        return len(set(self.block))

    def of_state(self, s: tuple) -> int:
        """Return the block of the state tuple ``s`` (as any part of the graph indexes it)."""
        return self.block[self.oracle.space.index[s]]

    def class_edge(self, states: Sequence[tuple], e: Edge) -> tuple[int, int, int]:
        """Return the experiment a transition is: (block of its source, action, block of its
        target); ``states``: the state tuples of the graph ``e`` indexes (a part of it)."""
        return self.of_state(states[e[0]]), e[1], self.of_state(states[e[2]])

    def differ(self, groups: Iterable[Sequence[int]]) -> list[str]:
        """Return the model's parameters (in declaration order) whose values differ within
        some group of states (indices), as `twins` groups them."""
        states = self.oracle.space.states
        groups = [g for g in groups if len(g) > 1]
        return [p.name for p in self.oracle.model.params
                if any(len({states[i][p.slot] for i in g}) > 1 for g in groups)]

    def twins(self, initial: Iterable[int]) -> list[list[int]]:
        """Group initial states (indices) whose blocks are the same, in the order given."""
        groups: dict[int, list[int]] = {}
        for i in initial:
            groups.setdefault(self.block[i], []).append(i)
        return list(groups.values())


def label(oracle: Oracle, i: int, whens: Sequence[Callable[[tuple], bool]]) -> tuple:
    """Return what a run can observe of state ``i`` apart from its transitions."""
    s = oracle.space.states[i]
    e = oracle.expected[i]
    flags = tuple(sorted((k, repr(v)) for k, v in e.flags.items()))
    answers = []
    for key in oracle.keys:
        r = oracle.respond(i, key)
        # the posts of an accepted command are edges: the refinement compares them
        answers.append((key, r.kind, r.errors if not r.accepted else ()))
    return (e.statuses, tuple(sorted(e.resources)), flags, repr(oracle.map.config(s)),
            tuple(answers), tuple(bool(w(s)) for w in whens))


def compute(oracle: Oracle, whens: Sequence[Callable[[tuple], bool]] = ()) -> Equivalence:
    """Return the coarsest bisimulation of ``oracle``'s graph that respects `label`;
    ``whens``: the ``when`` conditions of the divergence entries a run may consult."""
    n = len(oracle.space.states)
    ids: dict = {}
    labels = tuple(ids.setdefault(label(oracle, i, whens), len(ids)) for i in range(n))
    out = oracle.out
    block, count, rounds = labels, len(ids), 0
    while True:
        rounds += 1
        sigs: dict = {}
        new = tuple(sigs.setdefault(
            (block[i], frozenset((a, block[d]) for a, d in out[i])), len(sigs))
            for i in range(n))
        if len(sigs) == count:  # no block split: stable
            break
        block, count = new, len(sigs)
    return Equivalence(oracle, block, labels, rounds)


def verified(oracle: Oracle, whens: Sequence[Callable[[tuple], bool]] = ()) -> Equivalence:
    """Return `compute`'s result once `check` finds it a bisimulation; raise AssertionError
    otherwise (an internal error: never trust a partition that is not one)."""
    eq = compute(oracle, whens)
    bad = check(eq)
    if bad:
        raise AssertionError("observational equivalence is not a bisimulation: " + bad[0])
    return eq


def check(eq: Equivalence) -> list[str]:
    """Verify that ``eq`` is a bisimulation respecting the labels: members of a block share
    their label and their (action, target block) sets. Return the violations (none: sound)."""
    out = eq.oracle.out
    first: dict[int, tuple[int, int, frozenset]] = {}
    bad = []
    for i, b in enumerate(eq.block):
        sig = (eq.labels[i], frozenset((a, eq.block[d]) for a, d in out[i]))
        j, *want = first.setdefault(b, (i, *sig))
        if tuple(want) != sig:
            bad.append(f"states {j} and {i} share block {b} but differ in "
                       + ("label" if want[0] != sig[0] else "their successors' blocks"))
    return bad
