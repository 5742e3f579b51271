"""Ctrl-C in the middle of `dockproof conform`: the adapters are closed, the steps that ran
are reported (never as CONFORMED), and the exit code is 3, as for any interrupted run."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def default_sigint() -> None:
    """Give the child the default SIGINT disposition: a suite started in the background
    (`nohup`, `cmd &` in a script) inherits SIGINT ignored, and Python keeps it ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def conform(tmp_path, *argv):
    log = tmp_path / "closed.log"
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests'}",
           "DP_CLOSED_LOG": str(log)}
    done = subprocess.run([sys.executable, "-m", "dockproof", "conform", "--adapter",
                           "interrupting_adapter:InterruptingAdapter", *argv],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
                          preexec_fn=default_sigint)
    closed = log.read_text().count("closed") if log.exists() else 0
    return done, closed


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_reports_the_steps_run_and_closes_the_adapters(tmp_path, jobs):
    done, closed = conform(tmp_path, "--jobs", jobs)
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert closed == int(jobs)
    out = done.stdout
    assert out.rstrip().endswith("INTERRUPTED") and "CONFORMED" not in out
    m = re.search(r"interrupted \(Ctrl-C\) after (\d+) steps \(the test planned (\d+)\)", out)
    assert m, out
    ran, planned = int(m.group(1)), int(m.group(2))
    assert 0 < ran < planned
    steps = re.search(r"steps: (\d+) pass, (\d+) known divergence, (\d+) fail, (\d+) "
                      r"inconclusive", out)
    assert sum(int(x) for x in steps.groups()) == ran
    assert done.stderr.strip().endswith(f"interrupted (Ctrl-C) after {ran} steps: the report "
                                        "covers those steps only")


def test_ctrl_c_json_says_interrupted(tmp_path):
    done, closed = conform(tmp_path, "--json", "-v")
    assert done.returncode == 3 and closed == 1, done.stderr
    doc = json.loads(done.stdout)
    assert doc["verdict"] == "interrupted" and doc["interrupted"] == "Ctrl-C"
    assert doc["exit_status"] == 3
    assert doc["steps"] == len(doc["verdicts"]) > 0
