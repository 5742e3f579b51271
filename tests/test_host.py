"""The host model: instantiation, property expansion, and every engine agreeing on small N."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import ROOT, SEED, run_cli

from dockproof.engines.compiled import compile_model, predicate
from dockproof.engines.result import PROVED, REFUTED, UNKNOWN
from dockproof.engines.statespace import explore
from dockproof.errors import InputError
from dockproof.scale.hostcheck import run_host
from dockproof.scale.hostprops import load_host_properties
from dockproof.scale.instantiate import instantiate, layout, load_host
from dockproof.scale.local import build_tables
from dockproof.scale.parametric import Invariant, discover
from dockproof.scale.parametric import check as parametric_check
from dockproof.scale.symcheck import check_host
from dockproof.spec.expr import And
from dockproof.spec.loader import load_model

HOST = ROOT / "model" / "host.toml"
HOST_PROPS = ROOT / "properties" / "host.toml"
TEETH = '''# Deliberately false host claims: every engine that decides them must REFUTE them
# (or, for the parametric engine, at least never PROVE them).
[meta]
model = "host"
expect = "refuted"

[invariant.host-never-full]
doc = "False: an unlimited container can take all of the host's memory (S9)."
formula = "sum({*}_usage) < HOST"

[invariant.no-two-containers-hold-memory]
doc = "False with two or more containers: both can hold a unit."
forall = ["c", "d"]
formula = "not ({c}_usage > 0 and {d}_usage > 0)"

[transition.oom-kill-frees-nothing]
doc = "False: an OOM kill returns the container's memory to the host."
forall = ["c"]
formula = "implies(action == '{c}_oom_kill', post.host_used == host_used)"

[invariant.first-container-never-paused]
doc = "False, and names one container: symmetric engines must check every permutation."
formula = "c1_status != 'paused'"
'''


@pytest.fixture(scope="module")
def host():
    return load_host(HOST)


@pytest.fixture
def teeth(tmp_path) -> Path:
    p = tmp_path / "teeth.toml"
    p.write_text(TEETH)
    return p


def test_one_container_is_the_seed_model(host):
    seed = explore(load_model(SEED))
    one = explore(instantiate(host, 1))
    assert len(one.states) == len(seed.states)
    assert len(one.edges) == len(seed.edges)


def test_instantiated_names_and_layout(host):
    m = instantiate(host, 3)
    lay = layout(host, 3)
    tpl = host.template
    assert len(m.actions) == 3 * len(tpl.actions)
    for i in range(3):
        for v in tpl.variables:
            assert m.variables[lay.slots[i][v.slot]].name == f"c{i + 1}_{v.name}"
    assert [m.variables[s].name for s in lay.shared] == [v.name for v in host.shared]
    assert all(v.is_param for v in m.variables[:3 * len(tpl.params)])


def test_coupling_adds_guard_and_shared_effect(host):
    m = instantiate(host, 2)
    alloc = m.action("c2_alloc")
    assert {a.var for a in alloc.effect} == {"c2_usage", "host_used"}
    stop = m.action("c1_stop")
    assert "host_used" in {a.var for a in stop.effect}
    assert "host_used" not in {a.var for a in m.action("c1_pause").effect}  # S14


def test_forall_and_sum_expand_for_n(host):
    m = instantiate(host, 3)
    props = {hp.prop.id: hp for hp in load_host_properties(HOST_PROPS, m, 3)}
    pair = props["transition.oom-kill-stays-in-its-container"]
    assert pair.forall == ("c", "d") and pair.symmetric
    formula = pair.prop.exprs["formula"]
    assert isinstance(formula, And) and len(formula.args) == 3 * 2  # ordered pairs
    total = predicate(props["invariant.total-usage-within-host-memory"].prop.exprs["formula"])
    s = list(m.initial_states()[0])
    lay = layout(host, 3)
    usage = host.template.var("usage").slot
    for i in range(3):
        s[lay.slots[i][usage]] = 1
    assert total(tuple(s))                      # 3 <= HOST
    s[lay.slots[2][usage]] = 2
    assert not total(tuple(s))                  # 4 > HOST


def test_bad_host_input_is_located(tmp_path, host):
    bad = tmp_path / "host.toml"
    bad.write_text(HOST.read_text().replace("[couple.alloc]", "[couple.aloc]")
                   .replace('template = "seed.toml"', f'template = "{SEED}"'))
    with pytest.raises(InputError) as exc:
        load_host(bad)
    assert exc.value.code == "DP105" and "alloc" in exc.value.hint
    code, _, err = run_cli("host", "--containers", "0")
    assert code == 2 and "DP120" in err


@pytest.mark.parametrize("n", [1, 2])
def test_symmetric_counts_agree_with_plain_exploration(host, n):
    m = instantiate(host, n)
    space = explore(m)
    t = build_tables(host)
    lay = layout(host, n)
    index = {l: i for i, l in enumerate(t.locals)}
    canon = {(s[lay.shared[0]],) + tuple(sorted(index[tuple(s[k] for k in lay.slots[i])]
                                               for i in range(n))) for s in space.states}
    ex, _ = check_host(host, m, n, [])
    assert ex.concrete == len(space.states)
    assert ex.canonical == len(canon)


@pytest.mark.parametrize("n", [1, 2])
def test_every_engine_proves_the_host_properties(n):
    rep = run_host(HOST, HOST_PROPS, n, ("parametric", "symmetric", "explicit", "smt"))
    for hp in rep.props:
        verdicts = {r.engine: r.verdict for r in rep.results[hp.prop.id]}
        assert set(verdicts) == {"parametric", "symmetric", "explicit", "smt"}, hp.prop.id
        assert set(verdicts.values()) == {PROVED}, (hp.prop.id, verdicts)
    assert rep.exit_code == 0


def test_teeth_are_refuted_and_never_proved(teeth):
    rep = run_host(HOST, teeth, 2, ("parametric", "symmetric", "explicit"))
    for hp in rep.props:
        verdicts = {r.engine: r.verdict for r in rep.results[hp.prop.id]}
        assert verdicts["symmetric"] == REFUTED, hp.prop.id
        assert verdicts["explicit"] == REFUTED, hp.prop.id
        assert verdicts["parametric"] == UNKNOWN, hp.prop.id
    assert any("names a container" in w for w in rep.warnings)


def test_symmetric_traces_replay_and_end_in_the_violation(host, teeth):
    m = instantiate(host, 2)
    props = load_host_properties(teeth, m, 2)
    _, results = check_host(host, m, 2, props)
    c = compile_model(m)
    names = [a.name for a in m.actions]
    for hp, r in zip(props, results):
        steps = r.traces[0].steps
        assert steps[0][1] in m.initial_states()
        for (_, s), (a, t) in zip(steps, steps[1:]):
            assert c.steps[names.index(a)](s) == t, (hp.prop.id, a)
        if hp.prop.kind == "invariant":
            assert not predicate(hp.prop.exprs["formula"])(steps[-1][1]), hp.prop.id
        else:
            s, (a, t) = steps[-2][1], steps[-1]
            assert not explicit_edge_ok(hp.prop, m, s, a, t)


def explicit_edge_ok(prop, m, s, a, t) -> bool:
    from dockproof.engines.compiled import edge_predicate
    from dockproof.spec.model import ACTORS
    i = [x.name for x in m.actions].index(a)
    return edge_predicate(prop.exprs["formula"])(s, i, ACTORS.index(m.actions[i].actor), t)


def test_parametric_finds_the_counting_invariant(host):
    inv = discover(build_tables(host))
    assert isinstance(inv, Invariant)
    assert [(host.shared[j].name, host.template.variables[u].name)
            for j, u in inv.counting] == [("host_used", "usage")]


def test_parametric_does_not_prove_a_leaky_host(tmp_path):
    leaky = tmp_path / "host.toml"
    text = HOST.read_text().replace('template = "seed.toml"', f'template = "{SEED}"')
    leaky.write_text(text.replace('[couple.kill]\neffect = { host_used = "host_used - usage" }',
                                  "[couple.kill]"))
    h = load_host(leaky)
    t = build_tables(h)
    inv = discover(t)
    m = instantiate(h, 2)
    accounts = next(hp for hp in load_host_properties(HOST_PROPS, m, 2)
                    if hp.prop.id == "invariant.host-accounts-for-every-container")
    if isinstance(inv, Invariant):
        assert parametric_check(accounts, h, t, inv, {}).verdict != PROVED
    _, results = check_host(h, m, 2, [accounts])
    assert results[0].verdict == REFUTED


def test_host_cli(teeth):
    code, out, err = run_cli("host", "--containers", "2", "--engine", "all")
    assert code == 0, out + err
    assert "parametric certificate: for every N >= 1: host_used == sum(ci_usage)" in out
    code, out, err = run_cli("host", "--containers", "2", "--engine", "symmetric",
                             "--properties", str(teeth))
    assert code == 0, out + err  # the catalogue expects them refuted
    assert "REFUTED" in out and "c1_status=paused" in out
    assert "names a container" in err
