"""Hostile input to `dockproof trace`: a located error (exit 2) or a verdict, in bounded
memory; never a traceback or a hang. Inputs are generated here."""

from __future__ import annotations

import io
import json
import os
import random
from pathlib import Path

import pytest

from dockproof.cli import main
from dockproof.offline.checker import HISTORY, Checker
from dockproof.spec.loader import load_model

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "tests" / "data" / "events"


@pytest.fixture(scope="module")
def checker():
    return Checker(load_model(ROOT / "model" / "docker.toml"))


def run_cli(argv):
    out, err = io.StringIO(), io.StringIO()
    return main(argv, out, err), out.getvalue(), err.getvalue()


def one_line_error(code, out, err, f):
    assert code == 2 and not out, out
    assert err.count("\n") == 1 and err.startswith(f"{f}:") and " error DP4" in err, err


@pytest.mark.parametrize("seed", range(4))
def test_a_binary_file_is_a_located_error(tmp_path, seed):
    f = tmp_path / "bin.jsonl"
    f.write_bytes(random.Random(seed).randbytes(200_000))
    one_line_error(*run_cli(["trace", str(f)]), f)


def test_a_binary_file_without_newlines_is_not_read_whole(tmp_path):
    f = tmp_path / "long.jsonl"
    f.write_bytes(b"\x00" * (3 << 20))
    code, out, err = run_cli(["trace", str(f)])
    one_line_error(code, out, err, f)
    assert "longer than" in err


@pytest.mark.parametrize("cut", [1, 10, 57, -2])
def test_a_truncated_line_is_a_located_error(tmp_path, cut):
    lines = (EVENTS / "docker" / "exit-0.jsonl").read_text().splitlines()
    lines[3] = lines[3][:cut]
    f = tmp_path / "cut.jsonl"
    f.write_text("\n".join(lines))
    code, out, err = run_cli(["trace", str(f)])
    one_line_error(code, out, err, f)
    assert err.startswith(f"{f}:4: error DP410")


@pytest.mark.parametrize("text", ['[' * 100_000, '{"Type": "container", "Action": "die", '
                                  '"Actor": {"ID": "a", "Attributes": {"exitCode": 1e400}}}',
                                  '{"Type": "container", "Action": "die", "Actor": {"ID": "a", '
                                  '"Attributes": {"exitCode": "99999999999999999999"}}}',
                                  '{"Type": "container", "Action": ["die"], "Actor": {}}',
                                  '"\\ud800"', 'null', '{"Type": 5, "Action": 5, "Actor": 5}'])
def test_odd_json_is_a_located_error(tmp_path, text):
    f = tmp_path / "odd.jsonl"
    f.write_text(text + "\n")
    one_line_error(*run_cli(["trace", str(f)]), f)


def docker_event(cid: str, action: str, **attrs) -> bytes:
    return json.dumps({"Type": "container", "Action": action, "Actor": {
        "ID": cid, "Attributes": {"name": "c", **attrs}}}).encode()


def test_a_million_events_of_one_container(checker):
    cid = "a" * 64
    n = 1_000_000

    def lines():
        yield docker_event(cid, "create")
        yield docker_event(cid, "start")
        pause, unpause = docker_event(cid, "pause"), docker_event(cid, "unpause")
        for _ in range((n - 2) // 2):
            yield pause
            yield unpause
    summary, rej = checker.check(lines(), "big")
    assert rej is None and summary.checked == n and summary.live_at_end == 1
    auto = checker.automaton("docker")
    assert len(auto.sets) < 10_000     # the sets one lifecycle visits, not one per event


def test_a_rejection_after_a_long_history_shows_only_the_last_events(checker):
    cid = "b" * 64
    lines = [docker_event(cid, "create"), docker_event(cid, "start")]
    lines += [docker_event(cid, a) for _ in range(500) for a in ("pause", "unpause")]
    lines.append(docker_event(cid, "create"))
    _, rej = checker.check(lines, "long")
    assert rej is not None and rej.line == len(lines) and len(rej.history) == HISTORY


def test_a_hundred_thousand_containers(checker):
    n = 100_000

    def lines():
        for k in range(n):
            cid = f"{k:064x}"
            yield docker_event(cid, "create")
            yield docker_event(cid, "destroy")
    run = checker.run("many")
    loads = json.loads
    for i, raw in enumerate(lines(), 1):
        assert run.event(loads(raw), i) is None
    s = run.finish()
    assert s.containers == n and s.removed == n and s.max_live == 1
    # one small entry per removed id: its key and the line of its removal
    assert len(run.live) == n and not run.history
    assert all(type(v) is int and v < 0 for v in run.live.values())


@pytest.mark.skipif(not os.path.exists("/dev/urandom"), reason="no /dev/urandom")
def test_random_bytes_on_stdin_never_hang(tmp_path):
    import subprocess
    import sys

    data = random.Random(7).randbytes(50_000)
    p = subprocess.run([sys.executable, "-m", "dockproof", "trace", "-"], input=data,
                       capture_output=True, cwd=ROOT, timeout=120)
    assert p.returncode == 2 and b"Traceback" not in p.stderr
