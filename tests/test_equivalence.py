"""The observational equivalence: the states, and so the configurations, that a conformance run
cannot tell apart (`dockproof.conformance.equivalence`), cross-checked against a naive
greatest-fixpoint bisimulation, and shown to separate what an implementation can see."""

from __future__ import annotations

import pytest
from helpers import ROOT

from dockproof.conformance import configs, equivalence
from dockproof.conformance.oracle import Oracle
from dockproof.engines.statespace import explore
from dockproof.spec.loader import load_model

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


# -- conform --one-per-class: one run per class -------------------------------------------------


def _transitions(path) -> list[list[str]]:
    header, *rows = path.read_text().splitlines()
    assert header.split("\t") == ["verdict", "action", "source", "target"]
    return [line.split("\t") for line in rows if line]


def test_conform_one_per_class_runs_one_twin_of_each_pair(tmp_path):
    """``conform --one-per-class`` keeps one configuration of each class and says so; its
    graph is exactly the kept configurations' part (no twin's transition, all of theirs)."""
    from helpers import run_cli

    model = load_model(DOCKER)
    whole = configs.restrict(explore(model), configs.parse(["policy=unless-stopped"], model))
    code, out, err = run_cli("conform", str(DOCKER), "--config", "policy=unless-stopped",
                             "--one-per-class", "--strategy", "matrix", "--transitions",
                             str(tmp_path / "t.tsv"))
    assert code == 0, out + err
    n = len(whole.initial)
    assert f"one per class: {n // 2} of {n} configurations; the other {n // 2} differ " \
           "from one run only in term" in out
    term = next(p for p in model.params if p.name == "term")
    listed = _transitions(tmp_path / "t.tsv")
    # the sources named in the listing carry one term value only: the twins were left out
    terms = {row[2] for row in listed}
    assert listed and not any("term=ignores" in s for s in terms), sorted(terms)[:3]
    kept = [i for i in whole.initial if whole.states[i][term.slot] == 0]
    assert len(listed) == len(configs.part(whole, kept).edges)


def test_conform_one_per_class_keeps_apart_what_a_recorded_entry_tells_apart(tmp_path):
    """A divergence entry whose ``when`` reads term makes term observable where it holds:
    --one-per-class then keeps both members of those pairs (whatever the entry's engine)."""
    from helpers import run_cli

    text = (ROOT / "properties" / "divergences.toml").read_text()
    assert text.count('when = "hung"') == 1

    def one_per_class(when: str) -> str:
        f = tmp_path / "divergences.toml"
        f.write_text(text.replace('when = "hung"', f'when = "{when}"'))
        code, out, err = run_cli("conform", str(DOCKER), "--config", "policy=no",
                                 "--config", "mem_limit=true", "--one-per-class",
                                 "--strategy", "matrix", "--divergences", str(f))
        assert code == 0, out + err
        return out

    # everywhere: no two of the 12 configurations alike
    assert "one per class: all 12 configurations (no two alike)" in one_per_class(
        "hung or term == 'dies'")
    # only in a hang: only the pair that can hang (max_retries=0, --oom-kill-disable) splits;
    # the pair without --oom-kill-disable and the 4 pairs Docker refuses at create stay twins
    assert "one per class: 7 of 12 configurations; the other 5 differ" in one_per_class(
        "hung and term == 'dies'")
