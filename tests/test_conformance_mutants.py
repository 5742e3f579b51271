"""Teeth: every broken reference daemon is caught, with a shortest divergent trace."""

from __future__ import annotations

import pytest

from dockproof.conformance.generate import random_walk
from dockproof.conformance.harness import Harness
from dockproof.conformance.oracle import Oracle
from dockproof.conformance.stateful import run_hypothesis
from dockproof.sut.mutants import MUTANTS
from dockproof.sut.reference import ReferenceAdapter

# Where each mutant's broken rule shows: in a state satisfying the predicate (over the
# model's variables), when one of the actions (if given) is taken from it, or any command
# is sent there (None). The shortest divergent trace is the fewest commands from a reset to
# such a state, plus the one command.
WHERE = {
    "pause_frees_memory": (("pause",), lambda s: s["usage"] > 0 or s["mem_data"]),
    "restart_without_policy": (("exit_ok", "exit_error", "child_exit", "oom_kill"),
                               lambda s: not s["restart"]),
    "oom_kill_despite_disable": (("hang",), lambda s: True),
    "alloc_ignores_limit": (("oom_kill", "hang"), lambda s: True),
    "stop_loses_fs": (("stop",), lambda s: s["fs_data"]),
    "start_forgets_network": (("start",), lambda s: s["exit_cause"] != "none"),
    "kill_keeps_mem_data": (("kill",), lambda s: s["mem_data"]),
    "unpause_keeps_cpu_withdrawn": (("unpause",), lambda s: True),
    "hung_dies": (("hang",), lambda s: True),
    "child_exit_keeps_init": (("child_exit",), lambda s: True),
    "create_starts": (("create",), lambda s: True),
    "stop_restarts": (("stop", "kill"), lambda s: s["restart"]),
    "exit_zero_stays_down": (("exit_ok",), lambda s: s["restart"]),
    "pause_twice_accepted": (None, lambda s: s["status"] == "paused"),
}


def shortest(oracle: Oracle, name: str) -> int:
    """Return the BFS distance (commands) to the mutated behaviour, plus its command."""
    actions, where = WHERE[name]
    dist, _prev = oracle.distances(list(oracle.space.initial))
    m = oracle.model
    best = None
    for i, d in dist.items():
        if not where(m.state_json(oracle.space.states[i])):
            continue
        if actions is not None and not any(m.actions[a].name in actions
                                           for a, _t in oracle.out[i]):
            continue
        best = d if best is None else min(best, d)
    return best + 1


def test_there_are_at_least_ten_mutants():
    assert len(MUTANTS) >= 10 and set(MUTANTS) == set(WHERE)


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_tour_catches_mutant_with_a_shortest_trace(oracle, tour, name):
    run = Harness(oracle).run(tour, MUTANTS[name][1]())
    d = run.divergence
    assert d is not None, f"{name} was not caught"
    assert d.length == shortest(oracle, name), (name, d.commands)
    assert d.reasons and all(r for r in d.reasons)
    # The shrunk trace replays: the same divergence from a fresh container.
    assert Harness(oracle).run_segment(d.segment, MUTANTS[name][1]()) is not None


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_random_walk_catches_mutant(oracle, name):
    run = Harness(oracle).run(random_walk(oracle, 1, 4000), MUTANTS[name][1]())
    assert run.divergence is not None, f"{name} was not caught"
    assert run.divergence.length == shortest(oracle, name)


@pytest.mark.parametrize("name", ["pause_frees_memory", "stop_restarts", "create_starts",
                                  "pause_twice_accepted"])
def test_hypothesis_shrinks_mutant_to_a_shortest_trace(oracle, name):
    d = run_hypothesis(Harness(oracle), MUTANTS[name][1](), seed=2, examples=100)
    assert d is not None and d.length == shortest(oracle, name), d and d.commands


def test_the_reference_itself_is_not_a_mutant(oracle, tour):
    assert Harness(oracle).run(tour, ReferenceAdapter()).divergence is None
