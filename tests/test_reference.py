"""Tests for the reference interpreter's container lifecycle: create, start, stop, kill, pause,
OOM and processes — each Docker rule of engine-facts §1–2 it implements, with the state it
leaves, Docker's exact error text and the events it emits."""

from __future__ import annotations

import pytest
from reference_helpers import RUN, cid, events, held, refused, state

from dockproof.reference import Daemon, DockerError, Host


@pytest.fixture
def d() -> Daemon:
    return Daemon(Host(20))


# -- create, start, run (S1–S5) --------------------------------------------------------------

def test_create_builds_only_the_file_system(d):
    d.create("busybox", name="web")
    assert state(d)["Status"] == "created" and state(d)["Pid"] == 0
    assert held(d) == {"fs"} and events(d) == ["create"]


def test_run_is_create_then_start(d):
    d.run("busybox", name="web")
    assert state(d)["Status"] == "running" and state(d)["Pid"] > 0
    assert held(d) == RUN and events(d) == ["create", "start"]


def test_unknown_image_is_refused(d):
    refused(d, lambda: d.run("nothere", name="web"), 404, "No such image: nothere:latest")
    assert d.containers == {}


def test_name_in_use(d):
    d.create("busybox", name="web")
    refused(d, lambda: d.create("busybox", name="web"), 409,
            f'Conflict. The container name "/web" is already in use by container '
            f'"{cid(d)}". You have to remove (or rename) that container to be able to reuse '
            f'that name.')


def test_unknown_container(d):
    refused(d, lambda: d.start("ghost"), 404, "No such container: ghost")


@pytest.mark.parametrize("policy,text", [
    ("always:3", "maximum retry count cannot be used with restart policy 'always'"),
    ("unless-stopped:1", "maximum retry count cannot be used with restart policy 'unless-stopped'"),
    ("on-failure:-1", "maximum retry count cannot be negative"),
    ("sometimes", "invalid restart policy 'sometimes'"),
])
def test_restart_policy_validation(d, policy, text):
    refused(d, lambda: d.create("busybox", restart=policy), 400, text)


def test_start_on_running_is_a_304_no_op(d):
    d.run("busybox", name="web")
    n = len(d.events)
    d.start("web")
    assert state(d)["Status"] == "running" and events(d, n) == []


def test_start_on_paused_is_refused(d):
    d.run("busybox", name="web")
    d.pause("web")
    refused(d, lambda: d.start("web"), 409, "cannot start a paused container, try unpause instead")


# -- stop and kill (S6, S12) -----------------------------------------------------------------

def test_stop_reclaims_run_resources_and_keeps_the_file_system(d):
    d.run("busybox", name="web")
    d.write_mem("web")
    d.write_fs("web")
    n = len(d.events)
    d.stop("web")
    info = d.inspect("web")
    assert info["State"]["Status"] == "exited" and info["State"]["ExitCode"] == 143
    assert held(d) == {"fs"} and events(d, n) == ["kill:15", "die:143", "stop"]
    assert info["Dockproof"]["FsData"] and not info["Dockproof"]["MemData"]
    d.start("web")
    assert d.inspect("web")["Dockproof"]["FsData"] and not d.inspect("web")["Dockproof"]["MemData"]


@pytest.mark.parametrize("setup", ["create", "exited"])
def test_stop_on_stopped_is_a_304_no_op(d, setup):
    d.create("busybox", name="web")
    if setup == "exited":
        d.start("web")
        d.exit("web", 2)
    n = len(d.events)
    d.stop("web")
    assert state(d)["Status"] == ("created" if setup == "create" else "exited")
    assert events(d, n) == []


def test_stop_on_paused_unpauses_first(d):
    d.run("busybox", name="web")
    d.pause("web")
    n = len(d.events)
    d.stop("web")
    assert state(d)["Status"] == "exited" and state(d)["Paused"] is False
    assert events(d, n) == ["kill:15", "unpause", "die:143", "stop"]


def test_stop_on_hung_waits_the_timeout_then_kills(d):
    d.run("busybox", name="web", memory=2, oom_kill_disable=True)
    d.alloc("web", 3)
    n, t0 = len(d.events), d.clock_ms
    d.stop("web", timeout=2)
    assert events(d, n) == ["kill:15", "kill:9", "die:137", "stop"]
    assert d.clock_ms - t0 == 2000
    assert state(d)["ExitCode"] == 137 and state(d)["OOMKilled"] is True


@pytest.mark.parametrize("setup", ["create", "exited"])
def test_kill_on_stopped_is_refused(d, setup):
    d.create("busybox", name="web")
    if setup == "exited":
        d.start("web")
        d.stop("web")
    refused(d, lambda: d.kill("web"), 409,
            f"Cannot kill container: web: Container {cid(d)} is not running")


def test_kill_sends_sigkill(d):
    d.run("busybox", name="web", restart="always")
    n = len(d.events)
    d.kill("web")
    assert state(d)["Status"] == "exited" and state(d)["ExitCode"] == 137
    assert events(d, n) == ["kill:9", "die:137"]  # the manual kill cancels `always` (§3.4)


def test_kill_on_paused_thaws_without_an_unpause_event(d):
    d.run("busybox", name="web")
    d.pause("web")
    n = len(d.events)
    d.kill("web")
    assert state(d)["Status"] == "exited" and events(d, n) == ["kill:9", "die:137"]


def test_kill_usr1_on_paused_unpauses_and_the_process_survives(d):
    d.run("busybox", name="web")
    d.pause("web")
    n = len(d.events)
    d.kill("web", "USR1")
    assert state(d)["Status"] == "running" and events(d, n) == ["kill:10", "unpause"]


def test_kill_hup_cancels_always_restart(d):
    # §3.4 res-kA: no STOPSIGNAL, so any signal cancels the restart manager.
    d.run("busybox", name="web", restart="always")
    d.kill("web", "HUP")
    d.exit("web", 3)
    d.settle()
    assert state(d)["Status"] == "exited" and state(d)["ExitCode"] == 3


@pytest.mark.parametrize("sig,status,text", [
    ("BOGUS", 400, "Invalid signal: BOGUS"),
    ("99", 500, "Cannot kill container: web: The linux daemon does not support signal 99"),
])
def test_kill_bad_signal(d, sig, status, text):
    d.run("busybox", name="web")
    refused(d, lambda: d.kill("web", sig), status, text)


# -- pause (S14) -----------------------------------------------------------------------------

def test_pause_withdraws_cpu_and_keeps_memory(d):
    d.run("busybox", name="web", memory=5)
    d.alloc("web", 3)
    d.write_mem("web")
    n = len(d.events)
    d.pause("web")
    info = d.inspect("web")
    assert info["State"]["Status"] == "paused" and info["State"]["Running"] is True
    assert held(d) == RUN - {"cpu"} and events(d, n) == ["pause"]
    assert info["Dockproof"]["MemoryUsage"] == 3 and info["Dockproof"]["MemData"]
    d.unpause("web")
    assert held(d) == RUN and events(d, n) == ["pause", "unpause"]


def test_pause_refusals(d):
    d.create("busybox", name="web")
    refused(d, lambda: d.pause("web"), 409, f"Container {cid(d)} is not running")
    d.start("web")
    d.pause("web")
    refused(d, lambda: d.pause("web"), 409, f"Container {cid(d)} is already paused")


def test_pause_on_restarting_is_refused(d):
    d.run("busybox", name="web", restart="always")
    d.exit("web", 1)
    refused(d, lambda: d.pause("web"), 409,
            f"Container {cid(d)} is restarting, wait until the container is running")


def test_pause_on_hung_cannot_freeze(d):
    d.run("busybox", name="web", memory=1, oom_kill_disable=True)
    d.alloc("web", 2)
    refused(d, lambda: d.pause("web"), 500,
            f"Cannot pause container {cid(d)}: OCI runtime pause failed: unable to freeze: "
            f"unknown")


@pytest.mark.parametrize("setup", ["create", "run"])
def test_unpause_on_not_paused(d, setup):
    getattr(d, setup)("busybox", name="web")
    refused(d, lambda: d.unpause("web"), 500, f"Container {cid(d)} is not paused")


def test_stimuli_on_paused_are_refused_like_exec(d):
    d.run("busybox", name="web")
    d.pause("web")
    refused(d, lambda: d.alloc("web"), 409,
            "Container web is paused, unpause the container before exec")


# -- OOM: the kernel, not the daemon (S7–S9) -------------------------------------------------

def test_kernel_oom_kills_past_the_limit(d):
    d.run("busybox", name="web", memory=3)
    assert d.alloc("web", 3) == "ok"  # the limit itself is allowed
    n = len(d.events)
    assert d.alloc("web", 1) == "oom-killed"
    assert events(d, n) == ["oom", "die:137"]
    assert state(d)["Status"] == "exited" and state(d)["OOMKilled"] is True
    assert d.kernel.cgroups == {}


def test_oom_kill_disable_hangs_at_the_limit(d):
    d.run("busybox", name="web", memory=3, oom_kill_disable=True)
    n = len(d.events)
    assert d.alloc("web", 4) == "hung"
    info = d.inspect("web")
    assert info["State"]["Status"] == "running" and info["State"]["OOMKilled"] is False
    assert info["Dockproof"]["Hung"] and info["Dockproof"]["MemoryUsage"] == 3
    assert events(d, n) == ["oom"] and held(d) == RUN
    refused(d, lambda: d.exit("web", 0), 409,
            f"the workload of container {cid(d)} is hung at its memory limit "
            f"(memory.oom_control under_oom 1)")
    d.kill("web")
    assert state(d)["OOMKilled"] is True and state(d)["ExitCode"] == 137  # §4.1 item 4


def test_without_limit_memory_grows_to_the_host(d):
    d.run("busybox", name="web", oom_kill_disable=True)
    assert d.warnings and "no memory limit is set" in d.warnings[0]
    assert d.alloc("web", 20) == "ok"
    refused(d, lambda: d.alloc("web", 1), 507,
            f"cannot allocate memory in container {cid(d)}: asked for 1 units, "
            f"the host has 0 free")


def test_host_memory_is_shared(d):
    d.run("busybox", name="a", memory=15)
    d.run("busybox", name="b", memory=15)
    d.alloc("a", 15)
    with pytest.raises(DockerError):
        d.alloc("b", 6)
    d.stop("a")
    assert d.alloc("b", 6) == "ok"


def test_oom_killed_is_sticky_until_the_next_exit(d):
    d.run("busybox", name="web", memory=1)
    d.alloc("web", 2)
    d.start("web")
    assert state(d)["Status"] == "running" and state(d)["OOMKilled"] is True
    d.stop("web")
    assert state(d)["OOMKilled"] is False


# -- processes (S10) -------------------------------------------------------------------------

def test_child_exit_takes_init_down(d):
    d.run("busybox", name="web")
    n = len(d.events)
    d.child_exit("web", 4)
    assert state(d)["Status"] == "exited" and state(d)["ExitCode"] == 4
    assert events(d, n) == ["die:4"] and held(d) == {"fs"}
