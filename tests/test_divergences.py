"""Recorded divergences: the data file, known / stale verdicts, exit statuses, config mapping."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import ROOT, run_cli

from dockproof.conformance import configs, coverage, known
from dockproof.conformance.generate import transition_tour
from dockproof.conformance.harness import Harness
from dockproof.conformance.mapping import AtLeast, load_mapping
from dockproof.conformance.oracle import Oracle
from dockproof.engines.statespace import explore
from dockproof.errors import InputError
from dockproof.spec.loader import load_model
from dockproof.sut.mutants import MUTANTS

DOCKER = ROOT / "model" / "docker.toml"
DIVERGENCES = ROOT / "properties" / "divergences.toml"


@pytest.fixture(scope="module")
def model():
    return load_model(DOCKER)


def test_the_recorded_divergences_load_and_each_has_a_reason(model):
    cat = known.load(DIVERGENCES, model)
    assert cat.entries
    for e in cat.entries:
        assert e.engine in ("docker", "podman-api") and e.reason and e.expected and e.observed
    assert "podman-api-oomkilled-false" in {e.id for e in cat.entries}


@pytest.mark.parametrize("row, key", [
    ('command = "nap"', "command"),
    ('fields = ["colour"]', "fields"),
    ('then = "later"', "then"),
    ('action = "pauze"', "action"),
    ('when = "status == \'sleeping\'"', "when"),
])
def test_bad_entries_are_located_errors(tmp_path, model, row, key):
    base = {"id": '"x"', "engine": '"podman"', "command": '"pause"', "fields": '["status"]',
            "then": '"ignore"', "expected": '"a"', "observed": '"b"', "reason": '"c"'}
    name = row.split(" = ")[0]
    base[name] = row.split(" = ", 1)[1]
    body = "\n".join(f"{k} = {v}" for k, v in base.items())
    f = tmp_path / "d.toml"
    f.write_text(f'[meta]\nabout = "docker"\n\n[[divergence]]\n{body}\n')
    with pytest.raises(InputError) as exc:
        known.load(f, model)
    assert exc.value.location.line == 4 and key in str(exc.value.location.key)


def test_a_file_about_another_model_is_refused(tmp_path, model):
    f = tmp_path / "d.toml"
    f.write_text('[meta]\nabout = "seed"\n')
    with pytest.raises(InputError, match="about model 'seed'"):
        known.load(f, model)


def _entry_file(tmp_path: Path, engine: str, **fields: str) -> Path:
    rows = {"id": '"rm-leaves-fs"', "engine": f'"{engine}"', "command": '"rm"',
            "fields": '["resources", "status"]', "then": '"reset"',
            "expected": '"rm removes the rw layer"', "observed": '"it stays"',
            "reason": '"a deliberately broken daemon"', **fields}
    f = tmp_path / "divergences.toml"
    f.write_text('[meta]\nabout = "docker"\n\n[[divergence]]\n'
                 + "\n".join(f"{k} = {v}" for k, v in rows.items()) + "\n")
    return f


def test_a_recorded_divergence_is_known_not_a_pass_and_the_run_goes_on(tmp_path):
    # An entry claiming the reference's rm diverges: it never does, so once rm is sent the
    # entry is stale (the run fails: the data is wrong); unexercised, it is only listed.
    f = _entry_file(tmp_path, "reference")
    code, out, _ = run_cli("conform", "docker", "--adapter", "reference", "--strategy",
                           "matrix", "--divergences", str(f), "--config", "policy=no")
    assert code == 0  # rm is never sent by the matrix: the entry is not exercised, not stale
    assert "recorded, not exercised by this run: rm-leaves-fs" in out
    code, out, _ = run_cli("conform", "docker", "--adapter", "reference", "--config",
                           "policy=no", "--config", "term=dies", "--config", "mem_limit=false",
                           "--config", "oom_kill_disable=false", "--divergences", str(f))
    assert code == 1 and "STALE rm-leaves-fs" in out and "CONFORMED, STALE ENTRIES" in out
    f = _entry_file(tmp_path, "reference", intermittent="true")  # a race: never stale
    code, out, _ = run_cli("conform", "docker", "--adapter", "reference", "--config",
                           "policy=no", "--config", "term=dies", "--config", "mem_limit=false",
                           "--config", "oom_kill_disable=false", "--divergences", str(f))
    assert code == 0 and "STALE" not in out


def test_known_divergence_verdicts_and_exit_status(tmp_path):
    """A broken reference daemon whose stop loses the file system's data: once recorded,
    each such step is a known divergence (not a pass), and the run goes on to the end."""
    f = _entry_file(tmp_path, "reference", id='"stop-loses-fs"', command='"stop"',
                    fields='["fs_data"]', then='"ignore"')
    args = ["conform", "docker", "--adapter", "mutant:stop_loses_fs", "--config",
            "policy=no", "--config", "term=dies", "--config", "mem_limit=false", "--config",
            "oom_kill_disable=false", "--divergences", str(f), "--json"]
    code, out, _ = run_cli(*args)
    doc = json.loads(out)
    assert doc["verdict"] == "known divergences" and doc["divergence"] is None
    assert doc["known"]["occurred"]["stop-loses-fs"] >= 1 and doc["known"]["stale"] == []
    assert doc["passed"] + len(doc["known"]["steps"]) == doc["steps"]
    assert code == 1 and doc["exit_status"] == 1
    code, out, _ = run_cli(*args, "--allow-known")
    assert code == 0
    code, out, _ = run_cli(*args[:-3], "--no-divergences")  # unrecorded: a divergence
    assert code == 1 and "DIVERGENCE" in out and "fs_data" in out


def test_config_cases_send_the_retry_count_docker_refuses(model):
    m = load_mapping(model)
    from dockproof.engines.statespace import explore

    space = explore(model)
    shown = {str(m.config(space.states[i]).restart) for i in space.initial}
    assert {"no", "no:1", "no:2", "always:2", "unless-stopped:1", "on-failure:0"} <= shown


def test_saturated_counter_matches_any_higher_count():
    assert AtLeast(2).matches(2) and AtLeast(2).matches(7) and not AtLeast(2).matches(1)


def test_reference_conforms_to_the_docker_model_on_every_strategy():
    for strategy in ("tour", "random", "hypothesis", "matrix"):
        extra = ["--config", "policy=on-failure"] if strategy == "tour" else \
            ["--seed", "3", "--steps", "400", "--examples", "20"]
        if strategy == "matrix":
            extra = []
        code, out, _ = run_cli("conform", "docker", "--adapter", "reference", "--strategy",
                               strategy, *extra)
        assert code == 0, out[-2000:]
        assert out.rstrip().endswith("CONFORMED")


def test_uncovered_transitions_say_why():
    code, out, _ = run_cli("conform", "docker", "--adapter", "reference", "--config",
                           "policy=always", "--config", "mem_limit=false")
    assert code == 0
    assert "not covered, needs a host fault to stage (rm_fails" in out
    assert "its source state is reached only through a host fault" in out
    assert "drivable, not taken" not in out  # the tour takes every drivable transition


def test_bad_config_selection_is_a_located_error():
    code, _, err = run_cli("conform", "docker", "--adapter", "reference", "--config",
                           "policy=sometimes")
    assert code == 2 and "DP606" in err and "sometimes" in err
    code, _, err = run_cli("conform", "docker", "--adapter", "reference", "--config",
                           "polcy=no")
    assert code == 2 and "policy" in err


def test_two_ignore_entries_explain_a_step_only_together(tmp_path, model):
    # Podman after an OOM kill that a hurried step did not observe: its refusal's text *and*
    # its OOMKilled differ; each entry covers one field, so only both together explain it
    from dockproof.conformance.oracle import Oracle
    from dockproof.sut.contract import Observation

    o = Oracle(model)
    j = next(i for i, s in enumerate(o.space.states)
             if model.state_json(s)["status"] == "exited" and model.state_json(s)["oom_killed"])
    exp = o.expected[j]
    flags = {k: (v.value if hasattr(v, "value") else v) for k, v in exp.flags.items()}
    seen = Observation(exp.statuses[0], exp.resources, {**flags, "oom_killed": False,
                                                          "fs_data": not flags["fs_data"]})
    rows = []
    for eid, field in (("no-oom-flag", "oom_killed"), ("files-differ", "fs_data")):
        rows.append(f'[[divergence]]\nid = "{eid}"\nengine = "podman"\ncommand = "kill"\n'
                    f'fields = ["{field}"]\nthen = "ignore"\nexpected = "a"\nobserved = "b"\n'
                    'reason = "c"\n')
    f = tmp_path / "d.toml"
    f.write_text('[meta]\nabout = "docker"\n\n' + "\n".join(rows))
    entries = known.load(f, model).entries
    r = o.respond(j, ("kill", None))
    cands = [(j, ())]
    hit = known.explain(entries, o, j, r, cands, "error", seen, frozenset())
    assert hit is None  # neither entry covers the error text
    hit = known.explain(entries, o, j, r, cands, None, seen, frozenset())
    assert hit is not None and hit[0].id == "no-oom-flag+files-differ" and hit[1] == j
    assert known.explain(entries[:1], o, j, r, cands, None, seen, frozenset()) is None
    one = Observation(seen.status, seen.resources, {**seen.flags, "fs_data": flags["fs_data"]})
    hit = known.explain(entries, o, j, r, cands, None, one, frozenset())
    assert hit is not None and hit[0].id == "no-oom-flag"  # one entry alone: no combination



POLICY_NO = ["--config", "policy=no", "--config", "term=dies", "--config", "mem_limit=false",
             "--config", "oom_kill_disable=false"]


def _listing(path: Path) -> list[list[str]]:
    return [line.split("\t") for line in path.read_text().splitlines()[1:]]


def test_a_transition_the_engine_refuses_as_recorded_is_listed_with_the_entry(tmp_path, model):
    """A commanded transition a recorded refusal stopped is not covered, and the listing and
    the summary say so by the entry's id, not "drivable, not taken by this run"."""
    f = _entry_file(tmp_path, "podmanlike", id='"stop-paused"', command='["stop", "restart"]',
                    when="\"status == 'paused'\"", fields='["outcome"]', then='"refused"')
    mine, plain = tmp_path / "mine.tsv", tmp_path / "plain.tsv"
    code, out, _ = run_cli("conform", "docker", "--adapter",
                           "podmanlike_adapter:PodmanLikeAdapter", *POLICY_NO,
                           "--divergences", str(f), "--allow-known", "--transitions", str(mine))
    assert code == 0 and "KNOWN stop-paused" in out
    code, _, _ = run_cli("conform", "docker", "--adapter", "reference", *POLICY_NO,
                         "--transitions", str(plain))
    assert code == 0
    why = "not covered: " + coverage.DIVERTED + "stop-paused"
    diverted = [r for r in _listing(mine) if r[0] == why]
    from_paused = [r for r in _listing(mine) if r[1] in ("stop", "restart")
                   and " status=paused " in r[2]]
    assert diverted and diverted == [[why, *r[1:]] for r in from_paused]
    assert not any(r[0].startswith("not covered: drivable") for r in _listing(mine))
    taken = {tuple(r[1:]) for r in _listing(plain) if r[0] == "covered"}
    assert all(tuple(r[1:]) in taken for r in diverted)  # the reference takes each of them
    assert f"not covered, {coverage.DIVERTED}stop-paused: {len(diverted)} " in out
    # a top-up round plans none of them again: the entry says the engine refuses every time;
    # marked intermittent (a race), it would try them again, and cover no more for it
    docs = {}
    for flag in ("false", "true"):
        f = _entry_file(tmp_path, "podmanlike", id='"stop-paused"', intermittent=flag,
                        command='["stop", "restart"]', when="\"status == 'paused'\"",
                        fields='["outcome"]', then='"refused"')
        code, out, _ = run_cli("conform", "docker", "--adapter",
                               "podmanlike_adapter:PodmanLikeAdapter", *POLICY_NO, "--json",
                               "--divergences", str(f), "--allow-known")
        assert code == 0
        docs[flag] = json.loads(out)
    assert docs["false"]["top_up"] < docs["true"]["top_up"]
    assert docs["false"]["steps"] < docs["true"]["steps"]
    assert docs["false"]["coverage"] == docs["true"]["coverage"]


def test_a_reset_entry_lists_the_transitions_it_stopped(tmp_path, model):
    f = _entry_file(tmp_path, "reference", id='"stop-loses-fs"', command='"stop"',
                    fields='["fs_data"]', then='"reset"')
    oracle = Oracle(model, space=configs.restrict(explore(model), configs.parse(
        [a for a in POLICY_NO if a != "--config"], model)))
    run = Harness(oracle, known=known.load(f, model), engine=("reference", "0")).run(
        transition_tour(oracle), MUTANTS["stop_loses_fs"][1]())
    assert run.divergence is None and run.known and run.coverage.diverted
    assert {model.actions[e[1]].name for e in run.coverage.diverted} == {"stop"}
    assert not set(run.coverage.diverted) & run.coverage.edges
    assert all(ids == {"stop-loses-fs"} for ids in run.coverage.diverted.values())
