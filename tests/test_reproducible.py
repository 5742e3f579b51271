"""Every randomised run prints its seed and the command that replays it, and the same seed
gives the same report, byte for byte once the wall-clock figures are taken out."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from helpers import ROOT


def _conform(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dockproof", "conform", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def _without_timings(text: str) -> str:
    text = re.sub(r"in [\d.]+ s \([\d,.]+ steps/s\)", "in T s", text)
    return text


@pytest.mark.parametrize("adapter", ["reference", "mutant:stop_loses_fs"])
def test_same_seed_same_report(adapter):
    a = _conform("--adapter", adapter, "--strategy", "random", "--seed", "7", "--steps", "400")
    b = _conform("--adapter", adapter, "--strategy", "random", "--seed", "7", "--steps", "400")
    assert a.returncode == b.returncode
    assert _without_timings(a.stdout) == _without_timings(b.stdout)
    assert "seed 7" in a.stdout


def test_same_seed_same_json_report():
    docs = []
    for _ in range(2):
        p = _conform("--adapter", "reference", "--strategy", "random", "--seed", "3",
                     "--steps", "300", "--json")
        doc = json.loads(p.stdout)
        doc.pop("seconds")
        docs.append(json.dumps(doc, sort_keys=True))
    assert docs[0] == docs[1]


def test_unseeded_run_prints_the_command_that_replays_it():
    first = _conform("--adapter", "reference", "--strategy", "random", "--steps", "300")
    assert first.stdout.rstrip().endswith("CONFORMED")
    line = first.stderr.strip().splitlines()[-1]
    assert line.startswith("reproduce with: dockproof conform ")
    seed = re.search(r"--seed (\d+)$", line).group(1)
    assert f"seed {seed}" in first.stdout.splitlines()[0]
    again = _conform(*line.removeprefix("reproduce with: dockproof conform ").split())
    assert _without_timings(again.stdout) == _without_timings(first.stdout)
