"""`dockproof campaign` sessions without a real engine: the reference adapter runs each
configuration in a child process in about a second; the ledger resumes, skips twins, retries
when asked, keeps to a budget, records a time limit and nothing of an interrupted run."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest
from campaign_helpers import (
    DIVERGENCES,
    DOCKER,
    NO_POLICY,
    SMALL,
    campaign,
    campaign_argv,
    child_env,
    install_fake_adapters,
    report,
    rows,
)
from helpers import ROOT

from dockproof.campaign import keys
from dockproof.spec.loader import load_model

TWIN = "policy=always max_retries=1 mem_limit=true oom_kill_disable=true term=ignores"


def _reference(ledger: Path, *more: str) -> tuple[str, ...]:
    return ("--adapter", "reference", "--engine", "docker", "--ledger", str(ledger), *more)


@pytest.fixture
def fake_adapters(tmp_path, monkeypatch):
    return install_fake_adapters(tmp_path, monkeypatch)


def test_a_session_records_each_configuration_and_the_next_skips_them(tmp_path):
    ledger = tmp_path / "t.jsonl"
    base = _reference(ledger, *SMALL)
    first = campaign(*base)
    assert first.returncode == 0, first.stderr
    # term is not sent to the engine: the second is the first's experiment (its twin)
    assert f"[2/2] {TWIN}: done by its twin's run this session" in first.stdout
    got = rows(ledger)
    assert [r["config_id"] for r in got] == [
        "policy=always max_retries=1 mem_limit=true oom_kill_disable=true term=dies"]
    model = load_model(DOCKER)
    for r in got:
        assert r["status"] == "done" and r["verdict"] == "conformed" and r["exit_code"] == 0
        assert r[keys.MODEL_KEY] == model.digest
        assert r[keys.SEMANTIC_KEY] == keys.model_digest(DOCKER)
        assert r[keys.DIV_KEY] == keys.entries_hash(DIVERGENCES, "docker")
        # no Docker entry can apply where Docker refuses the container at create
        assert r[keys.CFG_DIV_KEY] == keys.entries_digest([])
        assert r["steps"] == {"total": 17, "pass": 17, "known": 0, "fail": 0,
                              "inconclusive": 0}
        assert r["transitions"] == [2, 2] and r["engine"] == "reference"
        assert r["command"].startswith("dockproof conform docker --adapter reference --json "
                                       "--jobs 2 --allow-known --config policy=always")
    again = campaign(*base)
    assert again.returncode == 0 and "2 already recorded, 0 to run" in again.stdout
    assert "of those recorded, 1 by an observationally equivalent twin's run: they differ " \
        "in term" in again.stdout
    assert len(rows(ledger)) == 1
    _code, out, _ = report(*base)
    assert "configurations: 2/2 done (1 run, 1 by an observationally equivalent twin's run)" \
        in out and "transitions covered: 4/4 (100.0%) of the selection, 2 of them as the " \
        "same experiment in a twin's run" in out
    assert "for 1 configurations (one per class of twins; 1 measured, 0 estimated)" in out
    plan = campaign(*base, "--plan").stdout.splitlines()
    assert plan[1].split()[3:5] == ["twin", "policy=always"] and plan[1].endswith(TWIN)
    wider = campaign(*base[:-2])  # oom_kill_disable=true|false: one more class to run
    assert "2 already recorded, 2 to run" in wider.stdout and len(rows(ledger)) == 2
    both = campaign(*base, "--all-twins")
    assert "1 already recorded, 1 to run" in both.stdout and rows(ledger)[-1]["config_id"] == TWIN
    # both members ran: the report compares them (same verdict, same experiments covered)
    assert "twins both run: 1 classes; the same verdict in 1; the experiments their listed " \
        "runs covered: 2 by both, 0 by one only" in report(*base)[1]


def test_a_reworded_model_keeps_its_rows_and_a_changed_guard_runs_them_again(tmp_path):
    (tmp_path / "model").mkdir()
    model = tmp_path / "model" / "docker.toml"
    text = DOCKER.read_text()
    model.write_text(text)
    ledger = tmp_path / "t.jsonl"
    base = (str(model), *_reference(ledger, *SMALL))
    assert campaign(*base).returncode == 0
    code, out, _ = _report_of(model, ledger)
    assert code == 0 and "configurations: 2/2 done" in out and "stale rows" not in out
    # comments and the cited file's path are prose: the row still counts, nothing runs
    assert 'source = "docs/engine-facts.md"' in text
    model.write_text(text.replace('source = "docs/engine-facts.md"',
                                  'source = "docs/engine-facts-v2.md"')
                     .replace("# Docker Engine 20.10's", "# Docker Engine 20.10 (reworded):")
                     + "\n# an edit\n")
    assert load_model(model).digest != rows(ledger)[0][keys.MODEL_KEY]
    assert "configurations: 2/2 done" in _report_of(model, ledger)[1]
    resumed = campaign(*base)
    assert resumed.returncode == 0 and "2 already recorded, 0 to run" in resumed.stdout
    # a guard is the model: the rows are stale and run again
    old = load_model(model).digest
    create = "guard = \"up and status == 'none' and valid_config\""
    assert create in text
    model.write_text(model.read_text().replace(
        create, "guard = \"valid_config and up and status == 'none'\""))
    code, out, _ = _report_of(model, ledger)
    assert "configurations: 0/2 done" in out
    assert f"1 of an older model (hash {rows(ledger)[0][keys.MODEL_KEY]})" in out
    rerun = campaign(*base)
    assert "0 already recorded, 2 to run" in rerun.stdout
    got = rows(ledger)
    assert len(got) == 2 and got[1][keys.MODEL_KEY] == load_model(model).digest != old
    assert "configurations: 2/2 done" in _report_of(model, ledger)[1]


def _report_of(model: Path, ledger: Path) -> tuple[int, str, str]:
    proc = campaign(str(model), "--report", *_reference(ledger, *SMALL))
    return proc.returncode, proc.stdout, proc.stderr


def _children(marker: str) -> list[int]:
    """The pids of processes whose command line holds ``marker``."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if marker in cmd and "conform" in cmd:
                out.append(int(d.name))
    return out


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_an_interrupt_ends_the_child_and_records_nothing(fake_adapters, sig, code):
    model = fake_adapters / "docker.toml"
    model.write_text(DOCKER.read_text())
    ledger = fake_adapters / "t.jsonl"
    proc = subprocess.Popen(
        campaign_argv(str(model), "--adapter", "fakeadapters:Slow", "--engine", "docker",
                      "--ledger", str(ledger), *NO_POLICY),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=child_env())
    deadline = time.monotonic() + 60
    while not _children(str(model)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _children(str(model)), "the child never started"
    time.sleep(2)  # well into its 1,000-command run (about a minute at 20 commands/s)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == code, (out, err)
    assert f"interrupted ({sig.name}): nothing recorded" in out
    assert rows(ledger) == [] and _children(str(model)) == []


def test_a_run_past_its_time_limit_is_recorded_as_such_and_not_done(fake_adapters):
    ledger = fake_adapters / "t.jsonl"
    base = ("--adapter", "fakeadapters:Slow", "--engine", "docker", "--ledger", str(ledger),
            *NO_POLICY)
    first = campaign(*base, "--timeout", "0.05")
    assert first.returncode == 1 and "time limit 0.1 min reached" in first.stderr
    (row,) = rows(ledger)
    assert row["status"] == "timeout" and "steps" not in row and row["wall_seconds"] < 60
    _code, out, _ = report(*base)
    assert "configurations: 0/1 done (1 timeout not done)" in out
    again = campaign(*base, "--timeout", "0.05")
    assert "1 already recorded, 0 to run" in again.stdout and len(rows(ledger)) == 1
    retry = campaign(*base, "--timeout", "0.05", "--retry-timeouts")
    assert "0 already recorded, 1 to run" in retry.stdout and len(rows(ledger)) == 2


def test_a_diverged_configuration_runs_again_only_when_asked(tmp_path):
    ledger = tmp_path / "t.jsonl"
    base = _reference(ledger, *SMALL, "--config", "term=dies")
    assert campaign(*base).returncode == 0
    (row,) = rows(ledger)
    row.update(verdict="diverged", exit_code=1)  # as a run before a harness fix recorded it
    ledger.write_text(json.dumps(row) + "\n")
    again = campaign(*base)
    assert again.returncode == 0 and "1 already recorded, 0 to run" in again.stdout
    retry = campaign(*base, "--retry-diverged")
    assert retry.returncode == 0 and "0 already recorded, 1 to run" in retry.stdout
    assert [r["verdict"] for r in rows(ledger)] == ["diverged", "conformed"]
    assert "configurations: 1/1 done" in report(*base)[1]
    # an inconclusive step (a time window ran out) is run again the same way
    row.update(verdict="inconclusive", steps={**row["steps"], "pass": 16, "inconclusive": 1})
    ledger.write_text(json.dumps(row) + "\n")
    assert "1 already recorded, 0 to run" in campaign(*base).stdout
    assert "0 already recorded, 1 to run" in campaign(*base, "--retry-diverged").stdout
    assert [r["verdict"] for r in rows(ledger)] == ["inconclusive", "conformed"]


def test_the_budget_starts_only_a_configuration_that_fits_at_the_measured_rate(tmp_path):
    """--budget starts a configuration only when its estimate (start-up + planned commands
    x measured seconds per command) fits in what is left of it."""
    ledger = tmp_path / "t.jsonl"
    model = load_model(DOCKER)
    other = {"policy": "always", "max_retries": "0", "mem_limit": "true",
             "oom_kill_disable": "true", "term": "dies"}  # not in SMALL
    measured = {"config": other, "config_id": " ".join(f"{k}={v}" for k, v in other.items()),
                keys.MODEL_KEY: model.digest, keys.SEMANTIC_KEY: keys.model_digest(DOCKER),
                keys.DIV_KEY: keys.entries_hash(DIVERGENCES, "docker"), "adapter": "reference",
                "status": "done", "verdict": "conformed", "known": {}, "stale_entries": [],
                "wall_seconds": 600.0,
                "steps": {"total": 1000, "pass": 1000, "known": 0, "fail": 0,
                          "inconclusive": 0}}
    ledger.write_text(json.dumps(measured) + "\n")  # a 10-minute start-up, measured
    base = _reference(ledger, *SMALL, "--all-twins")  # SMALL is a pair of twins: both run
    short = campaign(*base, "--budget", "5")
    assert short.returncode == 0, short.stderr
    assert "0 already recorded, 2 to run" in short.stdout
    assert ("budget of 5 min: 5 min left, and the next configuration takes about 10 min at "
            "the measured rate: 2 configurations left for the next session") in short.stdout
    assert len(rows(ledger)) == 1
    # 11 min fit the first; its run (seconds) then measures the start-up anew: the second fits
    enough = campaign(*base, "--budget", "11")
    assert enough.returncode == 0, enough.stderr
    assert "left for the next session" not in enough.stdout
    assert [r["status"] for r in rows(ledger)] == ["done", "done", "done"]


def test_retry_unlisted_runs_one_twin_of_a_class_whose_rows_both_predate_edge_lists(tmp_path):
    """Both members of a class done, neither row listing its transitions (rows from before
    edge lists): --retry-unlisted runs the first only; the second then counts by it."""
    ledger = tmp_path / "t.jsonl"
    base = _reference(ledger, *SMALL)
    assert campaign(*base, "--all-twins").returncode == 0
    old = rows(ledger)
    assert len(old) == 2
    for r in old:
        del r["covered_edges"]
    ledger.write_text("".join(json.dumps(r) + "\n" for r in old))
    again = campaign(*base, "--retry-unlisted")
    assert again.returncode == 0, again.stderr
    assert "0 already recorded, 2 to run" in again.stdout
    assert f"[2/2] {old[1]['config_id']}: done by its twin's run this session" in again.stdout
    new = rows(ledger)
    assert len(new) == 3 and new[2]["config_id"] == old[0]["config_id"] \
        and "covered_edges" in new[2]
    # the twin's own (unlisted) row still counts its coverage; its listing is the twin's
    assert "listed for 2 of the 2 done configurations (1 by a twin's run; 1 of those ran " \
        "too, before rows listed transitions: the count above is their own run's" in \
        report(*base)[1]
