"""The campaign's ledger without running anything: which rows are current (the model, the
divergence entries that can apply, the adapter), what a row keeps of a run, the report's sums,
and the command line's refusals."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest
from campaign_helpers import DIVERGENCES, DOCKER, SMALL, campaign, items, report

from dockproof.campaign import keys
from dockproof.campaign.ledger import is_current, stale_reason, standing
from dockproof.campaign.planner import plan
from dockproof.campaign.runner import UNSURE_KEPT, row_of
from dockproof.cli import main
from dockproof.conformance import configs
from dockproof.engines.statespace import explore
from dockproof.spec.loader import load_model


def test_the_report_sums_the_current_rows_only(tmp_path):
    only = ["policy=no", "max_retries=0", "term=dies"]
    p = plan("docker", only, {}, tours=False, engine="docker")
    a, b, c, d = p.selected
    ledger = tmp_path / "t.jsonl"

    def row(cfg, **kw):
        r = {"config": cfg.values, "config_id": cfg.id, "adapter": "reference",
             "model_sha256_16": p.model_hash, "divergences_sha256_16": p.divergences_hash,
             "status": "done", "verdict": "conformed", "exit_code": 0, "wall_seconds": 100.0,
             "date": "2030-01-01T00:00:00+00:00", "planned_commands": 1000,
             "engine": "docker", "engine_version": "20.10.24", "known": {}, "replay": None,
             "uncovered": {}, "stale_entries": [], "states": [10, cfg.states],
             "steps": {"total": 1000, "pass": 1000, "known": 0, "fail": 0, "inconclusive": 0},
             "transitions": [300, cfg.transitions]}
        r.update(kw)
        return r

    rows = [
        row(a, steps={"total": 1100, "pass": 1000, "known": 90, "fail": 1, "inconclusive": 9},
            verdict="diverged", exit_code=1, known={"k-one": 60, "k-two": 30},
            replay="dockproof replay --commands 'run; kill' --adapter docker",
            inconclusive_steps=[{"segment": 3, "step": 17, "command": "stop",
                                 "note": "the adapter's time window elapsed: x",
                                 "evidence": {"/proc/7": "dd state D wchan y"}}]),
        row(b, known={"k-one": 5}, transitions=[250, b.transitions], wall_seconds=200.0,
            steps={"total": 1000, "pass": 995, "known": 5, "fail": 0, "inconclusive": 0}),
        row(c, status="timeout", verdict="timeout", steps=None, transitions=None,
            wall_seconds=50.0),
        row(d, model_sha256_16="0123456789abcdef", wall_seconds=9999.0,
            steps={"total": 7777, "pass": 7777, "known": 0, "fail": 0, "inconclusive": 0}),
        # an older entries file matters only to a run that needed an entry
        row(d, divergences_sha256_16="fedcba9876543210", known={"k-one": 1},
            verdict="known divergences",
            steps={"total": 1000, "pass": 999, "known": 1, "fail": 0, "inconclusive": 0}),
    ]
    ledger.write_text("".join(json.dumps(r) + "\n" for r in rows) + "not json\n")
    code, out, err = report("--adapter", "reference", "--engine", "docker", "--ledger",
                            str(ledger), *[x for o in only for x in ("--config", o)])
    assert code == 0
    assert "configurations: 2/4 done (1 timeout not done)" in out
    assert "commands run: 2,100 (1,995 pass, 95 known, 1 fail, 9 inconclusive)" in out
    total = sum(x.transitions for x in p.selected)
    assert f"transitions covered: 550/{total:,} " in out
    assert "divergences: 1\n" in out
    assert "replay: dockproof replay --commands 'run; kill' --adapter docker" in out
    assert (f"  inconclusive steps: 9 in {a.id} (2030-01-01T00:00:00+00:00)\n"
            "    at 3.17 `stop`: the adapter's time window elapsed: x\n"
            "      kernel: /proc/7: dd state D wchan y\n") in out
    assert "known divergences: 95" in out and "k-one: 65 steps in 2 configurations" in out
    assert "time spent: 5.8 min" in out  # 100 + 200 + 50 s: the stale rows do not count
    # start-up: the fastest done run (100 s); then (0 + 100 s) / (1,100 + 1,000) commands run
    assert "time left: about " in out and " for 2 configurations " in out
    assert "100 s start-up each; s per command run: overall 0.05, by policy: no 0.05" in out
    assert "stale rows (kept in the ledger, not counted above): 2" in out
    assert "1 of an older model (hash 0123456789abcdef)" in out
    assert "1 of an older divergences file (hash fedcba9876543210)" in out
    assert "the 96 configurations partition the model's graph" in out
    assert "not a ledger row, skipped" in err


def test_the_configurations_partition_the_graph_as_the_report_says():
    p = plan("docker", [], {}, tours=False, engine="docker")
    ok, _line = p.partition()
    space = explore(load_model(DOCKER))
    assert ok and len(p.configs) == len(space.initial) == 96
    assert sum(c.transitions for c in p.configs) == len(space.edges)
    broken = replace(p, global_transitions=p.global_transitions + 1)
    assert broken.partition()[0] is False and "DO NOT partition" in broken.partition()[1]


@pytest.mark.parametrize("args, says", [
    (["--config", "polcy=always"], "did you mean 'policy'?"),
    (["--config", "policy=sometimes"], "'sometimes' is not a value of policy"),
    (["--config", "policy"], "'policy' is not PARAMETER=VALUE"),
    (["--adapter", "reference"], "--adapter reference is not an engine: give --engine"),
    (["--adapter", "reference", "--engine", "docker"], "give --ledger FILE"),
    (["--budget", "0"], "--budget 0: give minutes > 0"),
    (["--jobs", "0"], "--jobs 0: give N >= 1"),
    (["--report", "--plan"], "give --report or --plan, not both"),
    (["--transitions", "t.tsv"], "--transitions goes with --report"),
    (["nosuchmodel"], "no such model file or built-in model"),
])
def test_bad_arguments_exit_2_with_one_clear_line(args, says):
    argv = ["campaign", *args] + ([] if "--adapter" in args else ["--adapter", "docker"])
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out, err)
    assert code == 2 and says in err.getvalue() and "Traceback" not in err.getvalue()
    assert len(err.getvalue().strip().splitlines()) == 1 and out.getvalue() == ""


def test_bad_arguments_from_the_command_line():
    proc = campaign("--adapter", "docker", "--config", "polcy=always")
    assert proc.returncode == 2 and "--config" in proc.stderr and "Traceback" not in proc.stderr
    proc = campaign("--adapter", "docker", "--engine", "dockr")
    assert proc.returncode == 2 and "invalid choice: 'dockr'" in proc.stderr


def test_the_help_names_every_option_and_the_exit_codes():
    proc = campaign("--help")
    assert proc.returncode == 0 and proc.stdout.startswith("usage: dockproof campaign")
    for word in ("--adapter", "--ledger", "--report", "--plan", "--transitions", "--budget",
                 "--all-twins", "--retry-unlisted", "exit codes:", "examples:"):
        assert word in proc.stdout


def test_only_the_engines_own_divergence_entries_key_its_rows(tmp_path):
    # editing a Podman entry must not make a Docker row stale (a full re-run is hours)
    src = DIVERGENCES.read_text()
    f = tmp_path / "divergences.toml"
    f.write_text(src)
    docker, podman = keys.entries_hash(f, "docker"), keys.entries_hash(f, "podman-api")
    f.write_text(src.replace('id = "podman-api-oomkilled-false"', 'id = "podman-api-lost"'))
    assert keys.entries_hash(f, "docker") == docker
    assert keys.entries_hash(f, "podman-api") != podman
    f.write_text(src.replace('id = "docker-oomkilled-without-its-oom-event"', 'id = "x"'))
    assert keys.entries_hash(f, "docker") != docker


def test_a_row_that_needed_no_entry_outlives_an_entry_change(tmp_path):
    """Entries are consulted only for steps that differ from the model: a row whose every
    step conformed stays current when the entries change; one that met a known divergence
    (or failed, or was inconclusive) is run again."""
    p = plan("docker", items(SMALL), {}, tours=False, engine="docker")
    clean = {"config_id": "c", keys.MODEL_KEY: p.model_hash, keys.DIV_KEY: "older",
             "adapter": "docker", "status": "done", "verdict": "conformed", "known": {},
             "stale_entries": [], "steps": {"total": 5, "pass": 5, "known": 0, "fail": 0,
                                            "inconclusive": 0}}
    assert is_current(clean, p, "docker")
    assert not is_current({**clean, keys.MODEL_KEY: "other"}, p, "docker")
    assert not is_current(clean, p, "podman")
    for change in ({"known": {"podman-error-texts": 1}, "verdict": "known divergences",
                    "steps": {**clean["steps"], "pass": 4, "known": 1}},
                   {"verdict": "diverged", "steps": {**clean["steps"], "pass": 4, "fail": 1}},
                   {"verdict": "inconclusive",
                    "steps": {**clean["steps"], "pass": 4, "inconclusive": 1}},
                   {"stale_entries": ["docker-oomkilled-without-its-oom-event"]}):
        assert not is_current({**clean, **change}, p, "docker"), change
        assert is_current({**clean, **change, keys.DIV_KEY: p.divergences_hash}, p,
                                "docker")


def _parts(model, *items):
    space = explore(model)
    return [configs.restrict(space, configs.parse(list(i), model)) for i in items]


def test_a_configuration_is_keyed_by_the_entries_that_can_apply_in_it(tmp_path):
    model = load_model(DOCKER)
    oom = ("policy=always", "max_retries=0", "mem_limit=true", "oom_kill_disable=false",
           "term=dies")
    no_limit = ("policy=always", "max_retries=0", "mem_limit=false", "oom_kill_disable=false",
                "term=dies")
    parts = _parts(model, oom, no_limit)
    src = DIVERGENCES.read_text()
    f = tmp_path / "divergences.toml"
    f.write_text(src)
    before = keys.config_entries_hashes(f, "docker", model, parts)
    # the OOM entry's `when` needs a memory limit: the configuration without one ignores it
    f.write_text(src.replace('id = "docker-oomkilled-without-its-oom-event"', 'id = "x"'))
    after = keys.config_entries_hashes(f, "docker", model, parts)
    assert after[0] != before[0] and after[1] == before[1]
    # the kill race needs a restart policy: both configurations have one
    f.write_text(src.replace('id = "docker-kill-loses-to-a-policy-restart"', 'id = "y"'))
    assert all(a != b for a, b in zip(keys.config_entries_hashes(f, "docker", model, parts),
                                      before))
    # a Podman entry keys no Docker configuration
    f.write_text(src.replace('id = "podman-api-oomkilled-false"', 'id = "z"'))
    assert keys.config_entries_hashes(f, "docker", model, parts) == before
    # a configuration where every entry can apply is keyed like the whole file
    assert keys.config_entries_hashes(f, "docker", model, [explore(model)]) == [
        keys.entries_hash(f, "docker")]
    # a file that does not load keys every configuration by its bytes
    f.write_text("[[divergence]]\nid = 1\n")
    assert keys.config_entries_hashes(f, "docker", model, parts) == [keys.file_hash(f)] * 2


def test_a_row_outlives_a_change_of_entries_that_cannot_apply_in_its_configuration():
    p = plan("docker", ["policy=always", "max_retries=0"], {},
                   tours=False, engine="docker")
    c = next(c for c in p.configs if c.values["mem_limit"] == "false")
    row = {"config_id": c.id, keys.MODEL_KEY: p.model_hash, keys.DIV_KEY: "older",
           "adapter": "docker", "status": "done", "verdict": "known divergences",
           "known": {"docker-kill-loses-to-a-policy-restart": 1}, "stale_entries": [],
           "steps": {"total": 5, "pass": 4, "known": 1, "fail": 0, "inconclusive": 0}}
    assert not is_current(row, p, "docker")
    assert stale_reason(row, p, "docker") == "older divergences file (hash older)"
    # judged with the entries that can apply here now: current, whatever the others are
    assert is_current({**row, keys.CFG_DIV_KEY: c.entries_hash}, p, "docker")
    # a row from before the key, judged with a file whose entries are exactly those
    assert is_current({**row, keys.DIV_KEY: c.entries_hash}, p, "docker")
    stale = {**row, keys.CFG_DIV_KEY: "0123456789abcdef"}
    assert not is_current(stale, p, "docker")
    assert stale_reason(stale, p, "docker") == (
        "older divergence entries about its configuration (hash 0123456789abcdef)")
    other = next(x for x in p.configs if x.entries_hash != c.entries_hash)
    assert not is_current({**row, "config_id": other.id,
                                 keys.CFG_DIV_KEY: c.entries_hash}, p, "docker")


def test_a_row_keeps_what_its_inconclusive_steps_waited_for():
    p = plan("docker", items(SMALL), {}, tours=False, engine="docker")
    c = p.selected[0]
    unsure = [{"segment": 1, "step": k, "command": "stop", "note": f"window {k}",
               "state": {"status": "running"}} for k in range(1, 14)]
    doc = {"verdict": "inconclusive", "steps": 20, "passed": 7, "inconclusive": 13,
           "coverage": {"transitions": [2, 2], "states": [2, 2]},
           "inconclusive_steps": unsure}
    row = row_of(p, c, "reference", 1, p.divergences_hash, 1, json.dumps(doc), "", 1.0,
                       False, 60.0)
    assert row["steps"]["inconclusive"] == 13
    assert row["inconclusive_steps"] == [{k: v for k, v in s.items() if k != "state"}
                                         for s in unsure[:UNSURE_KEPT]]
    doc.update(inconclusive=0, passed=20, inconclusive_steps=[])
    row = row_of(p, c, "reference", 1, p.divergences_hash, 0, json.dumps(doc), "", 1.0,
                       False, 60.0)
    assert row["inconclusive_steps"] is None


def test_a_twins_listed_row_lists_a_configuration_whose_own_row_does_not():
    p = plan("docker", items(SMALL), {}, tours=False, engine="docker")
    a, b = p.selected
    assert a.twins == (b.id,) and b.twins == (a.id,)
    old = {"config_id": a.id, "status": "done", "verdict": "conformed", "transitions": [2, 2]}
    new = {**old, "config_id": b.id, "covered_edges": [[0, 2]]}
    now = {a.id: old, b.id: new}
    assert standing(now, a) == (old, None)  # its own run counts first
    assert standing(now, a, listed=True) == (new, b.id)  # the twin's run lists it
    assert standing({a.id: old}, a, listed=True) == (old, None)  # no listed twin
    assert standing({b.id: new}, a) == (new, b.id)
    assert standing({}, a) == (None, None)
