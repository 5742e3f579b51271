"""`dockproof trace`: recorded real logs check clean, edited copies are rejected with a reason,
malformed input gets a located error."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from dockproof.cli import main
from dockproof.offline.checker import Checker
from dockproof.spec.loader import load_model

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "tests" / "data" / "events"
DOCKER_LOGS = sorted((EVENTS / "docker").glob("*.jsonl"))
PODMAN_LOGS = sorted((EVENTS / "podman").glob("*.jsonl"))


@pytest.fixture(scope="module")
def checker():
    return Checker(load_model(ROOT / "model" / "docker.toml"))


def lines_of(path: Path) -> list[str]:
    return path.read_text().splitlines()


def check(checker, lines, name="log"):
    return checker.check([x.encode() for x in lines], name)


def action(line: str) -> str:
    e = json.loads(line)
    return e.get("Action", e.get("Status"))


def test_recorded_logs_exist():
    assert DOCKER_LOGS and PODMAN_LOGS


@pytest.mark.parametrize("path", DOCKER_LOGS + PODMAN_LOGS,
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_recorded_log_checks_clean(checker, path):
    summary, rejection = check(checker, lines_of(path), str(path))
    assert rejection is None, rejection and rejection.reasons
    assert summary.checked > 0 and summary.live_at_end == 0


# ---------------------------------------------------------------- corrupted copies


def drop_first(lines, name):
    i = next(i for i, x in enumerate(lines) if action(x) == name)
    return lines[:i] + lines[i + 1:], i + 1


def insert_after(lines, after, new_action):
    i = next(i for i, x in enumerate(lines) if action(x) == after)
    e = json.loads(lines[i])
    key = "Action" if "Action" in e else "Status"
    e[key] = new_action
    if "status" in e:
        e["status"] = new_action
    return lines[:i + 1] + [json.dumps(e)] + lines[i + 1:], i + 2


@pytest.mark.parametrize("engine,exit_event", [("docker", "die"), ("podman", "died")])
def test_a_dropped_exit_is_rejected(checker, engine, exit_event):
    lines, _ = drop_first(lines_of(EVENTS / engine / "exit-3.jsonl"), exit_event)
    summary, rej = check(checker, lines)
    assert rej is not None
    assert rej.action in ("destroy", "cleanup", "remove")
    assert any("was under way" in r or "when the container is" in r or "happens only when" in r
               for r in rej.reasons)


@pytest.mark.parametrize("engine", ["docker", "podman"])
def test_a_start_of_a_paused_container_is_rejected(checker, engine):
    lines, line = insert_after(lines_of(EVENTS / engine / "run-pause-unpause-kill.jsonl"),
                               "pause", "start" if engine == "docker" else "init")
    _, rej = check(checker, lines)
    assert rej is not None and rej.line == line
    assert rej.states["shared"]["status"] == "paused"
    assert rej.inspect["State.Status"] == "paused" and rej.inspect["State.Paused"] == "true"
    if engine == "docker":
        assert "`docker start` logs 'start' when the container is created or exited; it was " \
            "paused" in rej.reasons


def test_a_policy_restart_after_a_manual_stop_is_rejected(checker):
    # always + docker stop: kill 15, die 143, stop. Replace `stop` by the `start` of a policy
    # restart: the manual stop canceled the restart manager, so no start may follow the die.
    lines = lines_of(EVENTS / "docker" / "always-exit-0-stop.jsonl")
    i = max(i for i, x in enumerate(lines) if action(x) == "stop")
    e = json.loads(lines[i])
    e["Action"] = e["status"] = "start"
    lines[i] = json.dumps(e)
    # (A model with `docker kill -s TERM` explains kill 15, die 143, start as that kill and a
    # user start: the log is then refused at the destroy of the running container.)
    _, rej = check(checker, lines)
    assert rej is not None and (rej.line, rej.action) in ((i + 1, "start"), (i + 2, "destroy"))
    if rej.action == "start":
        assert any(r.startswith("`docker stop` was under way") and "next comes 'stop'" in r
                   for r in rej.reasons)


def set_attribute(lines: list[str], act: str, key: str, value: str) -> int:
    """Set an attribute of the first Docker event with this action; return its index."""
    i = next(i for i, x in enumerate(lines) if action(x) == act)
    e = json.loads(lines[i])
    e["Actor"]["Attributes"][key] = value
    lines[i] = json.dumps(e)
    return i


def test_an_exit_code_that_contradicts_the_step_is_rejected(checker):
    # rm -f of a paused container is SIGKILL: its die must say 137; make it say 0. A frozen
    # process cannot have exited by itself first (as a running one may while a kill is under
    # way: test_a_kill_that_meets_an_exit_keeps_the_exit_code), and whichever command sent the
    # SIGKILL (stop, kill, restart, rm -f) the die says 137: rejected at the die itself.
    lines = lines_of(EVENTS / "docker" / "rm-force-paused.jsonl")
    i = set_attribute(lines, "die", "exitCode", "0")
    _, rej = check(checker, lines)
    assert rej is not None and rej.line == i + 1 and rej.action == "die"
    assert len(rej.reasons) == 1 and "`docker restart`" in rej.reasons[0]
    assert "exits 137 (128+9, SIGKILL), not 0" in rej.reasons[0]


def test_a_kill_that_meets_an_exit_keeps_the_exit_code(checker):
    # docker kill right after the process exited by itself (the daemon had not handled the
    # exit yet): kill 9, then the exit's own die 0, no restart (the kill canceled it). A
    # signal the model's `docker kill` does not send (SIGINT) can only be a stop's or a
    # restart's, which a `stop` event must end: the same log with signal 2 is rejected.
    lines = lines_of(EVENTS / "docker" / "run-pause-unpause-kill.jsonl")
    set_attribute(lines, "die", "exitCode", "0")
    _, rej = check(checker, lines)
    assert rej is None
    set_attribute(lines, "kill", "signal", "2")
    _, rej = check(checker, lines)
    assert rej is not None and rej.action in ("disconnect", "destroy", "die")


# ---------------------------------------------------------------- many containers, streaming


def test_interleaved_containers_are_checked_independently(checker):
    a = lines_of(EVENTS / "docker" / "on-failure-2-exhausted.jsonl")
    b = lines_of(EVENTS / "docker" / "restart-paused.jsonl")
    c = lines_of(EVENTS / "docker" / "oom-kill.jsonl")
    merged = []
    for i in range(max(map(len, (a, b, c)))):
        merged += [x[i] for x in (a, b, c) if i < len(x)]
    summary, rej = check(checker, merged)
    assert rej is None
    assert summary.containers == 3 and summary.removed == 3 and summary.max_live == 3


def test_a_container_seen_mid_life_is_checked_from_any_state(checker):
    lines = lines_of(EVENTS / "docker" / "run-pause-unpause-kill.jsonl")
    i = next(i for i, x in enumerate(lines) if action(x) == "pause")
    summary, rej = check(checker, lines[i:])
    assert rej is None and summary.joined_mid_life == 1


def test_ignored_events_are_counted_with_their_reason(checker):
    summary, _ = check(checker, lines_of(EVENTS / "docker" / "create-start-stop-rm.jsonl"))
    assert summary.ignored[("network", "*")] == 2
    assert "network" in summary.reasons[("network", "*")]


def test_stdin_streaming_through_the_cli():
    data = (EVENTS / "docker" / "daemon-restart.jsonl").read_bytes()
    p = subprocess.run([sys.executable, "-m", "dockproof", "trace", "-", "--json"], input=data,
                       capture_output=True, cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["verdict"] == "accepted" and doc["summary"]["containers"] == 5


# ---------------------------------------------------------------- bad input


def run_cli(argv):
    out, err = io.StringIO(), io.StringIO()
    return main(argv, out, err), out.getvalue(), err.getvalue()


def test_a_malformed_line_is_a_located_error(tmp_path):
    lines = lines_of(EVENTS / "docker" / "exit-0.jsonl")
    lines.insert(2, '{"Type": "container", "Action": ')
    f = tmp_path / "bad.jsonl"
    f.write_text("\n".join(lines) + "\n")
    code, out, err = run_cli(["trace", str(f)])
    assert code == 2
    assert err.startswith(f"{f}:3: error DP410: not a JSON event")


def test_an_unknown_container_action_is_an_error_not_a_skip(tmp_path):
    lines = lines_of(EVENTS / "docker" / "exit-0.jsonl")
    e = json.loads(lines[0])
    e["Action"] = "teleport"
    f = tmp_path / "odd.jsonl"
    f.write_text(json.dumps(e) + "\n")
    code, _, err = run_cli(["trace", str(f)])
    assert code == 2 and ":1: error DP412: unknown container event 'teleport'" in err


def test_the_cli_reports_a_rejection_with_exit_1(tmp_path):
    lines, _ = drop_first(lines_of(EVENTS / "docker" / "exit-3.jsonl"), "die")
    f = tmp_path / "nodie.jsonl"
    f.write_text("\n".join(lines) + "\n")
    code, out, _ = run_cli(["trace", str(f)])
    assert code == 1
    assert "rejected: container" in out and "the container was: Status=" in out
