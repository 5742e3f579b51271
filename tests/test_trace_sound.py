"""`dockproof trace` is sound by construction and accepts what real engines log: removed ids
stay removed, exit codes follow the signals sent, exec and health events need a live
container, a log may start inside one command's events, id-less and empty logs are handled,
and what the log does not tell is narrowed only by --config or create labels."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from dockproof.cli import main
from dockproof.offline.checker import Checker
from dockproof.spec.loader import load_model

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "tests" / "data" / "events"


@pytest.fixture(scope="module")
def checker():
    return Checker(load_model(ROOT / "model" / "docker.toml"))


def log(engine: str, name: str) -> list[dict]:
    return [json.loads(x) for x in (EVENTS / engine / f"{name}.jsonl").read_text().splitlines()]


def check(checker, events, **kw):
    return checker.check([json.dumps(e) for e in events], "log", **kw)


def act(e: dict) -> str:
    return e.get("Action", e.get("Status"))


def like(e: dict, action: str, **attrs) -> dict:
    """A copy of container event ``e`` with another action (and Docker attributes)."""
    e = json.loads(json.dumps(e))
    if "Action" in e:
        e["Action"] = e["status"] = action
        e["Actor"]["Attributes"] = {k: v for k, v in e["Actor"]["Attributes"].items()
                                    if k not in ("exitCode", "signal")} | attrs
    else:
        e["Status"] = action
        e.pop("ContainerExitCode", None)
    return e


def index(events, action, last=False) -> int:
    found = [i for i, e in enumerate(events) if e["Type"] == "container" and act(e) == action]
    return found[-1] if last else found[0]


# ---------------------------------------------------------------- removed ids stay removed


DOCKER_AFTER = ["start", "die", "kill", "pause", "unpause", "oom", "destroy", "stop", "restart",
                "exec_create", "health_status"]


@pytest.mark.parametrize("action", DOCKER_AFTER)
def test_no_docker_event_follows_a_destroy_but_create(checker, action):
    ev = log("docker", "exit-3")
    d = ev[index(ev, "destroy")]
    _, rej = check(checker, ev + [like(d, action)])
    assert rej is not None and rej.line == len(ev) + 1 and rej.removed_at == len(ev)
    assert "only a new create of the same id" in rej.reasons[0]


@pytest.mark.parametrize("action", ["init", "start", "died", "remove", "cleanup", "pause"])
def test_no_podman_event_follows_a_remove_but_create(checker, action):
    ev = log("podman", "exit-3")
    _, rej = check(checker, ev + [like(ev[-1], action)])
    assert rej is not None and rej.removed_at == len(ev)


def test_a_new_create_of_a_removed_id_starts_afresh(checker):
    ev = log("docker", "exit-3")
    summary, rej = check(checker, ev + ev)
    assert rej is None and summary.containers == 2 and summary.removed == 2


def test_tombstones_are_one_small_entry_each(checker):
    # 2,000 containers created and removed: every id is remembered, none is alive
    base = log("docker", "exit-0")
    events = []
    for k in range(2000):
        cid = f"{k:064x}"
        events += [json.loads(json.dumps(e).replace(base[0]["id"], cid)) for e in base]
    run = checker.run("log")
    for n, e in enumerate(events, 1):
        assert run.event(e, n) is None
    s = run.finish()
    assert s.removed == 2000 and s.live_at_end == 0 and len(run.live) == 2000
    assert all(v < 0 for v in run.live.values()) and not run.history


# ---------------------------------------------------------------- exit codes follow signals


def kill_die(ev, signal, code):
    """Replace the kill of run-pause-unpause-kill (SIGKILL, die 137) by others."""
    i = index(ev, "kill")
    j = index(ev, "die")
    ev[i]["Actor"]["Attributes"]["signal"] = str(signal)
    ev[j]["Actor"]["Attributes"]["exitCode"] = str(code)
    return ev


def test_a_paused_container_killed_by_sigkill_exits_137_only(checker):
    ev = log("docker", "rm-force-paused")
    assert check(checker, ev)[1] is None
    for code in (0, 1, 143, 2):
        ev[index(ev, "die")]["Actor"]["Attributes"]["exitCode"] = str(code)
        _, rej = check(checker, ev)
        assert rej is not None and rej.line == index(ev, "die") + 1, code
        assert "exits 137 (128+9, SIGKILL)" in rej.reasons[0]


@pytest.mark.parametrize("signal,code,ok", [(15, 143, True), (15, 137, False), (2, 130, True),
                                            (2, 143, False), (15, 3, False), (15, 0, False)])
def test_a_stop_signal_gives_128_plus_n(checker, signal, code, ok):
    # restart-paused: pause, then docker restart: kill 15, unpause, die 143, stop, start,
    # restart. A frozen process cannot have exited by itself; a workload that dies of the stop
    # signal (--config term=dies) exits 128+n, or 137 only after a `kill 9` (the stop timeout);
    # without a memory limit no OOM kill can give 137 either.
    ev = log("docker", "restart-paused")
    _, rej = check(checker, kill_die(ev, signal, code),
                   config={"term": "dies", "mem_limit": "false"})
    assert (rej is None) == ok, rej and rej.reasons
    if not ok:
        assert rej.action == "die" and f"128+{signal}" in " ".join(rej.reasons)


@pytest.mark.parametrize("code,mem_limit,ok", [(143, "false", True), (3, "false", True),
                                               (137, "true", True), (137, "false", False)])
def test_a_running_process_may_exit_by_itself_as_the_stop_comes(checker, code, mem_limit, ok):
    # create-start-stop-rm: kill 15, die, stop. A running process may have exited by itself
    # (any code but 137) or been OOM-killed (137, with a memory limit; the oom event may be
    # lost) just before the stop: killWithSignal logs the kill and the die keeps that code.
    ev = log("docker", "create-start-stop-rm")
    _, rej = check(checker, kill_die(ev, 15, code), config={"mem_limit": mem_limit})
    assert (rej is None) == ok, rej and rej.reasons


def test_a_stop_timeout_kill_gives_137(checker):
    ev = log("docker", "create-start-stop-rm")
    i = index(ev, "kill")
    ev.insert(i + 1, like(ev[i], "kill", signal="9"))
    ev[index(ev, "die")]["Actor"]["Attributes"]["exitCode"] = "137"
    assert check(checker, ev)[1] is None


def test_a_kill_of_a_process_that_had_exited_keeps_its_code(checker):
    ev = kill_die(log("docker", "run-pause-unpause-kill"), 9, 0)
    assert check(checker, ev)[1] is None


# ---------------------------------------------------------------- exec and health


@pytest.mark.parametrize("after,action,ok", [
    ("start", "exec_create", True), ("create", "exec_create", False),
    ("pause", "exec_start", False), ("unpause", "exec_start", True),
    ("destroy", "exec_die", False), ("create", "exec_die", False),
    ("start", "health_status", True), ("create", "health_status", False),
])
def test_exec_and_health_need_a_running_container(checker, after, action, ok):
    ev = log("docker", "run-pause-unpause-kill")
    i = index(ev, after)
    _, rej = check(checker, ev[:i + 1] + [like(ev[i], action)] + ev[i + 1:])
    assert (rej is None) == ok, rej and rej.reasons
    if not ok:
        assert rej.line == i + 2 and rej.action == action


def test_a_health_result_after_the_exit_is_rejected(checker):
    ev = log("docker", "exit-3")
    i = index(ev, "die")
    _, rej = check(checker, ev[:i + 1] + [like(ev[i], "health_status: healthy")] + ev[i + 1:])
    assert rej is not None and rej.action == "health_status"
    assert "happens only when status in ('running', 'paused')" in rej.reasons[0]


# ---------------------------------------------------------------- partial observation


def test_a_log_starting_inside_docker_restart_says_so(checker):
    ev = log("docker", "restart-running")
    i = index(ev, "restart")
    summary, rej = check(checker, ev[i:])
    assert rej is None and summary.joined_inside == {"`docker restart`": 1}


def test_a_podman_log_starting_between_init_and_start(checker):
    ev = log("podman", "create-start-stop-rm")
    summary, rej = check(checker, ev[index(ev, "start"):])
    assert rej is None and summary.joined_mid_life == 1


def test_config_narrows_what_the_log_does_not_tell(checker):
    # an oom event needs a memory limit: the log tells it, --config can contradict it
    ev = log("docker", "oom-kill")
    assert check(checker, ev, config={"mem_limit": "true"})[1] is None
    _, rej = check(checker, ev, config={"mem_limit": "false"})
    assert rej is not None and rej.action == "oom"
    assert rej.inspect["HostConfig.Memory"] == "0"


def test_a_create_label_narrows_one_container(checker):
    ev = log("docker", "oom-kill")
    ev[0]["Actor"]["Attributes"]["dockproof.config.mem_limit"] = "false"
    _, rej = check(checker, ev)
    assert rej is not None and rej.container == ev[0]["id"] and rej.action == "oom"
    ev[0]["Actor"]["Attributes"]["dockproof.config.mem_limit"] = "true"
    assert check(checker, ev)[1] is None


def run_cli(argv):
    out, err = io.StringIO(), io.StringIO()
    return main(argv, out, err), out.getvalue(), err.getvalue()


def test_a_bad_config_is_a_located_error(tmp_path):
    f = tmp_path / "a.jsonl"
    f.write_text((EVENTS / "docker" / "exit-0.jsonl").read_text())
    code, _, err = run_cli(["trace", str(f), "--config", "policy=sometimes"])
    assert code == 2 and "error DP414: policy=sometimes" in err


# ---------------------------------------------------------------- real logs accepted


def test_podman_stop_of_a_created_container(checker):
    # podman create; podman stop (cleanup, still created); podman start; ...
    ev = log("podman", "create-start-stop-rm")
    i = index(ev, "create")
    ev.insert(i + 1, like(ev[i], "cleanup"))
    assert check(checker, ev)[1] is None


def test_a_prune_event_without_id_is_ignored(checker):
    ev = log("docker", "exit-0")
    prune = {"Type": "container", "Action": "prune", "Actor": {"ID": "", "Attributes":
             {"reclaimed": "0"}}, "scope": "local", "time": 1, "timeNano": 1}
    summary, rej = check(checker, ev + [prune])
    assert rej is None and summary.ignored[("container", "prune (no container id)")] == 1


def test_an_empty_log_says_no_container_events(tmp_path):
    f = tmp_path / "empty.jsonl"
    f.write_text("")
    code, out, err = run_cli(["trace", str(f)])
    assert code == 0 and out == f"{f}: no container events (0 lines)\n" and not err


# ---------------------------------------------------------------- messages


def test_an_event_only_inside_a_word_names_that_command(checker):
    ev = log("docker", "exit-0")
    _, rej = check(checker, [ev[0], like(ev[0], "restart")])
    assert rej is not None and "created" in rej.inspect["State.Status"]
    assert "'restart' is logged only inside `docker restart` (kill kill? die stop start " \
        "restart), which was not under way" in rej.reasons
    assert not any("no step of the model" in r for r in rej.reasons)


def test_a_rejection_is_at_most_eight_lines_and_v_adds_the_model(tmp_path):
    ev = log("docker", "rm-force-paused")
    ev[index(ev, "die")]["Actor"]["Attributes"]["exitCode"] = "0"
    f = tmp_path / "bad.jsonl"
    f.write_text("\n".join(json.dumps(e) for e in ev) + "\n")
    code, out, _ = run_cli(["trace", str(f)])
    lines = out.splitlines()
    end = next(i for i, x in enumerate(lines) if x.startswith(f"{f}: 1 event rejected"))
    assert code == 1 and end <= 8 and "exit_pending" not in out and "guard" not in out
    assert lines[1].startswith("  the container was: Status=paused Running=true Paused=true")
    code, verbose, _ = run_cli(["trace", str(f), "-v"])
    assert code == 1 and "the model's steps:" in verbose and "in the middle of kill" in verbose
    code, doc, _ = run_cli(["trace", str(f), "--json"])
    rej = json.loads(doc)["rejection"]
    assert rej["inspect_before"]["State.Paused"] == "true" and rej["model_detail"]
