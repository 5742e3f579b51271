"""`dockproof check` end to end: the main job, JSON, traces, exit codes, UNKNOWN discipline."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from helpers import ROOT, SEED, run_cli


def test_main_job_on_the_builtin_default():
    """The README's first command: every seed property PROVED, every teeth REFUTED, exit 0."""
    proc = subprocess.run([sys.executable, "-m", "dockproof", "check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [line for line in proc.stdout.splitlines() if line.startswith(("invariant.",
            "transition.", "reachable.", "equivalent.", "determined.", "leads-to.",
            "always-possible.", "deadlock-free."))]
    assert len(rows) >= 40
    assert all(" ok " in r for r in rows), [r for r in rows if " ok " not in r]
    assert "all as expected" in proc.stdout.splitlines()[-1]


def test_json_document():
    code, out, _ = run_cli("check", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["exit_code"] == 0
    assert doc["model"]["name"] == "seed" and doc["model"]["reachable_states"] > 100
    ids = {r["id"] for r in doc["results"]}
    assert {"invariant.no-running-without-cpu", "invariant.paused-keeps-memory",
            "transition.restart-only-with-restart-flag"} <= ids
    for r in doc["results"]:
        assert {"id", "verdict", "engine", "bound", "cites"} <= set(r)
        if r["kind"] == "invariant":
            assert r["engine"] == "smt+explicit"
    teeth = [r for r in doc["results"] if r["expect"] == "REFUTED"]
    assert teeth and all(r["verdict"] == "REFUTED" and r["ok"] for r in teeth)


def _false_catalogue(tmp_path):
    p = tmp_path / "wrong.toml"
    p.write_text('[meta]\nmodel = "seed"\n\n[invariant.paused-has-cpu]\ncites = ["S14"]\n'
                 'formula = "implies(status == \'paused\', cpu)"\n')
    return p


def test_failed_property_exit_1_with_readable_counterexample(tmp_path):
    code, out, _ = run_cli("check", str(SEED), "--properties", str(_false_catalogue(tmp_path)))
    assert code == 1
    assert "invariant.paused-has-cpu: REFUTED, expected PROVED" in out
    steps = [line.split() for line in out.splitlines() if line.startswith("     ")]
    actions = [s[1] for s in steps]
    assert actions[:3] == ["init", "run", "pause"], out
    assert "status=paused" in out and "cpu=false" in out


def test_trace_dir_writes_itf(tmp_path):
    code, _, err = run_cli("check", str(SEED), "--properties", str(_false_catalogue(tmp_path)),
                           "--trace-dir", str(tmp_path / "traces"))
    assert code == 1
    files = sorted((tmp_path / "traces").glob("*.itf.json"))
    assert [f.name for f in files] == ["invariant.paused-has-cpu.explicit.itf.json",
                                       "invariant.paused-has-cpu.smt.itf.json"]
    itf = json.loads(files[0].read_text())
    assert itf["vars"][0] == "mem_limit"
    assert [s["mbt::actionTaken"] for s in itf["states"]] == ["init", "run", "pause"]
    assert itf["states"][-1]["status"] == "paused" and itf["states"][-1]["cpu"] is False


def test_state_budget_gives_unknown_never_proved():
    code, out, _ = run_cli("check", "--engine", "explicit", "--max-states", "10")
    assert code == 1
    assert "PROVED" not in out.split("\n\n")[1]
    assert "state budget exhausted" in out


def test_z3_unknown_gives_unknown(monkeypatch):
    """Force every Z3 query to answer unknown: no property may come back PROVED."""
    import z3

    monkeypatch.setattr(z3.Solver, "check", lambda self, *a: z3.unknown)
    monkeypatch.setattr(z3.Solver, "reason_unknown", lambda self: "forced by the test")
    code, out, _ = run_cli("check", "--engine", "smt", "--json")
    doc = json.loads(out)
    assert code == 1
    smt = [r for r in doc["results"] if r["engine"] == "smt"]
    assert smt and all(r["verdict"] == "UNKNOWN" for r in smt)
    assert any("forced by the test" in (e["reason"] or "") for r in smt for e in r["engines"])


def test_disagreement_is_an_internal_error(monkeypatch):
    from dockproof.engines import explicit
    from dockproof.engines.result import Result

    real = explicit.check

    def liar(prop, space):
        r = real(prop, space)
        flip = {"PROVED": "REFUTED", "REFUTED": "PROVED"}.get(r.verdict, r.verdict)
        return Result(r.prop, flip, r.engine, r.bound)
    monkeypatch.setattr(explicit, "check", liar)
    code, out, err = run_cli("check")
    assert code == 3
    assert "the engines disagree" in err and "smt says PROVED" in err


@pytest.mark.parametrize("engine", ["smt", "explicit"])
def test_single_engine(engine):
    code, out, _ = run_cli("check", "--engine", engine, "--json")
    doc = json.loads(out)
    ran = {r["engine"] for r in doc["results"]}
    assert engine in ran and not (ran - {engine, "-"})
    if engine == "explicit":
        assert code == 0
    else:  # leads-to and always-possible are explicit-only: UNKNOWN under smt alone
        assert code == 1


def test_help_explains_every_option():
    proc = subprocess.run([sys.executable, "-m", "dockproof", "check", "--help"],
                          capture_output=True, text=True)
    for opt in ("--properties", "--engine", "--json", "--trace-dir", "--timeout",
                "--max-states", "exit codes"):
        assert opt in proc.stdout


def test_check_docker_states_the_refinement_precisely():
    """`dockproof check docker` proves the Docker catalogue and states the refinement of the
    seed: it holds except named differences, each confirmed by both engines."""
    code, out, _ = run_cli("check", "docker", "--json")
    doc = json.loads(out)
    assert code == 0, [r["id"] for r in doc["results"] if not r["ok"]]
    rows = {r["id"]: r for r in doc["results"]}
    ref = rows["refines.seed"]
    assert ref["verdict"] == "PROVED" and ref["engine"] == "explicit+smt"
    for e in ref["engines"]:
        assert "exit-codes-told-apart" in e["reason"] and "created-vs-exited" in e["reason"]
    teeth = rows["refines.seed-teeth"]
    assert teeth["verdict"] == "REFUTED" and teeth["ok"]
    assert all("stale" in e["reason"] and "pause-is-different" in e["reason"]
               for e in teeth["engines"])


def test_solver_timeout_gives_unknown_never_a_wrong_answer():
    """A tiny --timeout makes Z3 give up: those properties are UNKNOWN (exit 1), and every
    answer that did come back agrees with the unhurried run."""
    code, out, _ = run_cli("check", "docker", "--engine", "smt", "--timeout", "0.001", "--json")
    hurried = {r["id"]: r for r in json.loads(out)["results"]}
    assert code == 1
    timed_out = [r for r in hurried.values() if r["verdict"] == "UNKNOWN"
                 and any("timed out (--timeout 0.001 s)" in (e["reason"] or "")
                         for e in r["engines"])]
    assert timed_out, "no query timed out: the test did not force the case"
    _, out, _ = run_cli("check", "docker", "--engine", "explicit", "--json")
    truth = {r["id"]: r["verdict"] for r in json.loads(out)["results"]}
    for pid, r in hurried.items():
        if r["verdict"] != "UNKNOWN":
            assert r["verdict"] == truth[pid], pid
