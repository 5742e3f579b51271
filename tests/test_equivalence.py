"""The observational equivalence: the states, and so the configurations, that a conformance run
cannot tell apart (`dockproof.conformance.equivalence`), cross-checked against a naive
greatest-fixpoint bisimulation, and shown to separate what an implementation can see."""

from __future__ import annotations

import pytest

from dockproof.conformance import configs, equivalence
from dockproof.conformance.oracle import Oracle
from dockproof.engines.statespace import explore
from dockproof.spec.loader import load_model

from helpers import ROOT

DOCKER = ROOT / "model" / "docker.toml"
STOP_EFFECT = 'exit_class = "\'killed\' if stop_exit_killed else \'nonzero\'", oom_killed = "hung"'


@pytest.fixture(scope="module")
def docker():
    model = load_model(DOCKER)
    oracle = Oracle(model)
    return model, oracle, equivalence.compute(oracle)


def _values(model, s: tuple) -> dict:
    return {p.name: s[p.slot] for p in model.params}


def _refused_at_create(model, s: tuple) -> bool:
    v = _values(model, s)
    return v["max_retries"] != 0 and model.params[0].type.members[v["policy"]] != "on-failure"


def test_the_docker_models_twins_are_the_term_pairs_and_nothing_else(docker):
    model, oracle, eq = docker
    assert equivalence.check(eq) == []
    groups = eq.twins(oracle.space.initial)
    assert len(oracle.space.initial) == 96 and len(groups) == 48
    for g in groups:
        a, b = (_values(model, oracle.space.states[i]) for i in g)
        assert {k for k in a if a[k] != b[k]} == {"term"}
    # the relation merges what the mapping does not show (the exit's class after a stop) and
    # no more: far fewer blocks than states, far more than configurations
    assert len(groups) < eq.blocks < len(oracle.space.states)


def test_a_parameter_the_engine_can_see_separates_the_twins(tmp_path):
    """A deliberately changed model: a stop of a workload that ignores SIGTERM reports
    OOMKilled. Then term is visible wherever a container can be stopped, and only the
    configurations Docker refuses at create (never started) stay twins."""
    text = DOCKER.read_text()
    assert text.count(STOP_EFFECT) == 1
    (tmp_path / "docker.toml").write_text(text.replace(
        STOP_EFFECT, STOP_EFFECT[:-1] + ' or term == \'ignores\'"'))
    model = load_model(tmp_path / "docker.toml")
    oracle = Oracle(model)
    eq = equivalence.compute(oracle)
    assert equivalence.check(eq) == []
    groups = eq.twins(oracle.space.initial)
    paired = [g for g in groups if len(g) > 1]
    assert len(paired) == 24 and len(groups) == 24 + 48
    assert all(_refused_at_create(model, oracle.space.states[i]) for g in paired for i in g)


def test_a_divergence_entry_about_term_separates_every_twin(docker):
    model, oracle, _eq = docker
    slot = next(p.slot for p in model.params if p.name == "term")
    eq = equivalence.compute(oracle, [lambda s: s[slot] == 1])
    assert equivalence.check(eq) == []
    assert len(eq.twins(oracle.space.initial)) == 96


def test_check_rejects_a_partition_that_is_not_a_bisimulation(docker):
    _model, oracle, eq = docker
    lumped = equivalence.Equivalence(oracle, (0,) * len(eq.block), eq.labels, 0)
    assert equivalence.check(lumped)
    # a state moved into another block of its label breaks the successor condition
    first: dict[int, int] = {}
    i = j = None
    for k, lab in enumerate(eq.labels):
        j0 = first.setdefault(lab, k)
        if eq.block[j0] != eq.block[k]:
            i, j = k, j0
            break
    assert i is not None  # the refinement did split some label
    block = list(eq.block)
    block[i] = block[j]
    bad = equivalence.check(equivalence.Equivalence(oracle, tuple(block), eq.labels, 0))
    assert bad and "successors' blocks" in bad[0]


def _naive(oracle: Oracle) -> set[tuple[int, int]]:
    """The greatest bisimulation by its definition: start from all pairs with equal labels,
    drop a pair while one side has a move the other cannot match within the relation."""
    n = len(oracle.space.states)
    lab = [equivalence.label(oracle, i, ()) for i in range(n)]
    rel = {(i, j) for i in range(n) for j in range(n) if lab[i] == lab[j]}

    def matched(i, j):
        return all(any(a == b and (d, e) in rel for b, e in oracle.out[j])
                   for a, d in oracle.out[i])

    changed = True
    while changed:
        changed = False
        for i, j in list(rel):
            if not (matched(i, j) and matched(j, i)):
                rel.discard((i, j))
                changed = True
    return rel


@pytest.mark.parametrize("policy", ["no", "on-failure"])
def test_the_refinement_finds_the_greatest_bisimulation(policy):
    """Both twins of one configuration (term=dies|ignores), explored together: the blocks are
    exactly the pairs the definition keeps."""
    model = load_model(DOCKER)
    space = explore(model)
    selection = configs.parse([f"policy={policy}", "max_retries=0", "mem_limit=false",
                               "oom_kill_disable=false"], model)
    part = configs.restrict(space, selection)
    oracle = Oracle(model, space=part)
    eq = equivalence.compute(oracle)
    rel = _naive(oracle)
    n = len(part.states)
    assert {(i, j) for i in range(n) for j in range(n) if eq.block[i] == eq.block[j]} == rel
    assert len(part.initial) == 2 and eq.block[part.initial[0]] == eq.block[part.initial[1]]
    assert eq.blocks < n  # the twins' states merge
