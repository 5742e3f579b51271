"""Tests for the reference interpreter's restarts and removal: restart policies and back-off,
`docker restart`, `rm`, the daemon's own restart and the events' shape (engine-facts §3–4)."""

from __future__ import annotations

import pytest
from reference_helpers import RUN, cid, events, held, refused, state

from dockproof.reference import Daemon, DockerError, Host, parse_policy


@pytest.fixture
def d() -> Daemon:
    return Daemon(Host(20))


# -- restart policies (S13, §3) --------------------------------------------------------------

@pytest.mark.parametrize("policy,code,restarts", [
    ("no", 1, False), ("on-failure", 0, False), ("on-failure", 1, True),
    ("always", 0, True), ("unless-stopped", 0, True),
])
def test_policy_decides_at_exit(d, policy, code, restarts):
    d.run("busybox", name="web", restart=policy)
    n = len(d.events)
    d.exit("web", code)
    assert state(d)["Status"] == ("restarting" if restarts else "exited")
    assert held(d) == {"fs"} and state(d)["Pid"] == 0
    d.settle()
    assert events(d, n) == ([f"die:{code}", "start"] if restarts else [f"die:{code}"])


def test_on_failure_cap_gives_n_plus_one_runs(d):
    d.run("busybox", name="web", restart="on-failure:3")
    for _ in range(4):
        d.exit("web", 1)
        d.settle()
    assert state(d)["Status"] == "exited" and d.inspect("web")["RestartCount"] == 3
    assert events(d).count("start") == 4 and "restart" not in events(d)


def test_restart_count_counts_at_die_time(d):
    d.run("busybox", name="web", restart="always")
    d.exit("web", 8)
    info = d.inspect("web")
    assert info["State"]["Restarting"] and info["State"]["Running"] and info["RestartCount"] == 1
    assert info["State"]["ExitCode"] == 8


def test_backoff_doubles_and_resets_after_ten_seconds(d):
    d.run("busybox", name="web", restart="always")
    delays = []
    for _ in range(3):
        d.exit("web", 1)
        delays.append(d.get("web").restart_due - d.clock_ms)
        d.settle()
    d.tick(10_000)
    d.exit("web", 1)
    delays.append(d.get("web").restart_due - d.clock_ms)
    assert delays == [100, 200, 400, 100]


def test_tick_fires_only_due_restarts(d):
    d.run("busybox", name="web", restart="always")
    d.exit("web", 1)
    d.tick(99)
    assert state(d)["Status"] == "restarting"
    d.tick(1)
    assert state(d)["Status"] == "running"


def test_stop_cancels_a_pending_restart(d):
    d.run("busybox", name="web", restart="always")
    d.exit("web", 3)
    n = len(d.events)
    d.stop("web")
    d.settle()
    assert state(d)["Status"] == "exited" and state(d)["ExitCode"] == 3
    assert d.inspect("web")["RestartCount"] == 1 and events(d, n) == ["stop"]


def test_kill_on_restarting_cancels_without_events(d):
    d.run("busybox", name="web", restart="unless-stopped")
    d.exit("web", 3)
    n = len(d.events)
    d.kill("web", "HUP")
    assert state(d)["Status"] == "exited" and events(d, n) == []


def test_user_start_resets_restart_count(d):
    d.run("busybox", name="web", restart="on-failure:2")
    for _ in range(3):
        d.exit("web", 1)
        d.settle()
    assert d.inspect("web")["RestartCount"] == 2
    d.start("web")
    assert d.inspect("web")["RestartCount"] == 0
    d.exit("web", 1)
    assert state(d)["Status"] == "restarting"


def test_oom_kill_is_restarted_by_on_failure(d):
    d.run("busybox", name="web", memory=1, restart="on-failure:2")
    n = len(d.events)
    d.alloc("web", 2)
    d.settle()
    assert events(d, n) == ["oom", "die:137", "start"] and state(d)["OOMKilled"] is True


# -- docker restart --------------------------------------------------------------------------

def test_restart_on_running(d):
    d.run("busybox", name="web")
    n = len(d.events)
    d.restart("web")
    assert state(d)["Status"] == "running"
    assert events(d, n) == ["kill:15", "die:143", "stop", "start", "restart"]


def test_restart_on_created(d):
    d.create("busybox", name="web")
    n = len(d.events)
    d.restart("web")
    assert state(d)["Status"] == "running" and events(d, n) == ["start", "restart"]


def test_restart_on_restarting_resets_the_count(d):
    d.run("busybox", name="web", restart="always")
    d.exit("web", 1)
    n = len(d.events)
    d.restart("web")
    assert events(d, n) == ["stop", "start", "restart"]
    assert state(d)["Status"] == "running" and d.inspect("web")["RestartCount"] == 0


# -- rm --------------------------------------------------------------------------------------

def test_rm_refusals(d):
    d.run("busybox", name="web", restart="always")
    i = cid(d)
    refused(d, lambda: d.rm("web"), 409, f"You cannot remove a running container {i}. Stop the "
                                         f"container before attempting removal or force remove")
    d.pause("web")
    refused(d, lambda: d.rm("web"), 409, f"You cannot remove a paused container {i}. Unpause and "
                                         f"then stop the container before attempting removal or "
                                         f"force remove")
    d.unpause("web")
    d.exit("web", 1)
    refused(d, lambda: d.rm("web"), 409, f"You cannot remove a restarting container {i}. Stop "
                                         f"the container before attempting removal or force "
                                         f"remove")


def test_rm_on_exited_destroys(d):
    d.run("busybox", name="web")
    d.stop("web")
    n = len(d.events)
    d.rm("web")
    assert d.containers == {} and events(d, n) == ["destroy"]


@pytest.mark.parametrize("paused", [False, True])
def test_rm_force_kills_without_sigterm(d, paused):
    d.run("busybox", name="web")
    if paused:
        d.pause("web")
    n = len(d.events)
    d.rm("web", force=True)
    assert d.containers == {} and d.kernel.cgroups == {}
    assert events(d, n) == ["kill:9", "die:137", "destroy"]


def test_rm_force_on_restarting_only_destroys(d):
    d.run("busybox", name="web", restart="always")
    d.exit("web", 1)
    n = len(d.events)
    d.rm("web", force=True)
    d.settle()
    assert d.containers == {} and events(d, n) == ["destroy"]


def test_failed_removal_leaves_a_dead_container(d):
    d.run("busybox", name="web")
    d.stop("web")
    d.chattr("web", True)
    i = cid(d)
    with pytest.raises(DockerError) as info:
        d.rm("web")
    assert info.value.message.startswith(f"unable to remove filesystem for {i}: unlinkat")
    assert state(d)["Status"] == "dead" and state(d)["Dead"] is True and held(d) == {"fs"}
    refused(d, lambda: d.start("web"), 409,
            "container is marked for removal and cannot be started")
    refused(d, lambda: d.restart("web"), 500,
            "Cannot restart container web: container is marked for removal and cannot be "
            "started")
    refused(d, lambda: d.pause("web"), 409, f"Container {i} is not running")
    n = len(d.events)
    d.stop("web")
    assert events(d, n) == []
    d.chattr("web", False)
    d.rm("web")
    assert d.containers == {}


# -- the daemon's own restart (§3.6–3.7) -----------------------------------------------------

def _prepare(d: Daemon, policy: str, before: str) -> None:
    d.create("busybox", name="web", restart=policy)
    if before == "created":
        return
    d.start("web")
    if before == "stopped":
        d.stop("web")
    elif before == "killed":
        d.kill("web")
    elif before == "paused":
        d.pause("web")
    elif before.startswith("exit"):
        d.exit("web", int(before[4:]))
        d.settle()


@pytest.mark.parametrize("policy,before,after", [
    ("no", "running", "exited"),
    ("always", "running", "running"), ("always", "stopped", "running"),
    ("always", "paused", "running"), ("always", "created", "created"),
    ("unless-stopped", "running", "running"), ("unless-stopped", "stopped", "exited"),
    ("unless-stopped", "killed", "exited"),
    ("on-failure", "running", "running"),  # shutdown exit 143 is a failure
    ("on-failure", "stopped", "running"),  # manual stop is ignored by on-failure (#35166)
    ("on-failure", "exit0", "exited"),
    ("on-failure:1", "exit1", "exited"),  # the cap was hit before the daemon stopped
])
def test_daemon_restart_restore(d, policy, before, after):
    _prepare(d, policy, before)
    d.daemon_restart()
    assert state(d)["Status"] == after
    if after == "running":
        assert d.inspect("web")["RestartCount"] == 0 and held(d) == RUN


def test_daemon_shutdown_events_and_manual_mark(d):
    d.run("busybox", name="web", restart="unless-stopped")
    d.run("busybox", name="p")
    d.pause("p")
    n = len(d.events)
    d.daemon_restart()
    assert events(d, n) == ["kill:15", "die:143", "stop", "kill:15", "unpause", "die:143",
                            "stop", "start"]
    assert d.get("web").manually_stopped is False


# -- events ----------------------------------------------------------------------------------

def test_event_json_shape(d):
    d.run("busybox", name="web")
    d.kill("web")
    record = d.events.events[-1].to_json()
    assert record["Type"] == "container" and record["Action"] == "die"
    assert record["Actor"] == {"ID": cid(d), "Attributes": {"exitCode": "137",
                                                            "image": "busybox", "name": "web"}}
    assert record["status"] == "die" and record["from"] == "busybox"
    assert record["time"] == record["timeNano"] // 10 ** 9
    nanos = [e.time_nano for e in d.events.events]
    assert nanos == sorted(set(nanos))


def test_policy_parse():
    assert str(parse_policy("on-failure:3")) == "on-failure:3"
    assert parse_policy("always").max_retries == 0
