"""Tests for the reference interpreter: each Docker rule of engine-facts §1–4 it implements,
with the state it leaves, Docker's exact error text and the events it emits."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from dockproof.sut.reference import ReferenceAdapter
from dockproof.sut.contract import RESOURCES, Adapter, Command, Config
from dockproof.reference import Daemon, DockerError, Host, parse_policy

RUN = frozenset(RESOURCES)
HELD = {"created": {"fs"}, "exited": {"fs"}, "dead": {"fs"}, "restarting": {"fs"},
        "running": set(RUN), "paused": RUN - {"cpu"}, "none": set()}


def events(d: Daemon, since: int = 0) -> list[str]:
    """List the new events as ``action`` or ``action:attr`` for die and kill."""
    out = []
    for e in d.events.since(since):
        extra = dict(e.extra)
        out.append(f"{e.action}:{extra.get('exitCode', extra.get('signal'))}" if extra
                   else e.action)
    return out


def state(d: Daemon, ref: str = "web") -> dict:
    return d.inspect(ref)["State"]


def held(d: Daemon, ref: str = "web") -> set[str]:
    return set(d.inspect(ref)["Dockproof"]["Resources"])


def refused(d: Daemon, call, status: int, text: str) -> None:
    """Assert ``call`` raises Docker's text and changes neither state nor events."""
    before = ({c.id: d.inspect(c.id) for c in d.containers.values()}, len(d.events))
    with pytest.raises(DockerError) as info:
        call()
    assert (info.value.status_code, info.value.message) == (status, text)
    assert ({c.id: d.inspect(c.id) for c in d.containers.values()}, len(d.events)) == before


@pytest.fixture
def d() -> Daemon:
    return Daemon(Host(20))


def cid(d: Daemon, ref: str = "web") -> str:
    return d.get(ref).id


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


# -- independence from the model -------------------------------------------------------------

def test_reference_imports_nothing_from_the_model():
    root = Path(__file__).resolve().parents[1] / "dockproof"
    files = [*sorted((root / "reference").glob("*.py")), root / "adapters" / "reference.py"]
    for path in files:
        text = path.read_text()
        assert "model/" not in text and ".toml" not in text, path
        for node in ast.walk(ast.parse(text)):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [("." * node.level) + (node.module or "")]
            for name in names:
                assert not name.startswith(("dockproof.spec", "dockproof.engines")), (path, name)
                assert "spec" not in name.split(".") and "engines" not in name.split("."), name


# -- the adapter -----------------------------------------------------------------------------

def test_adapter_satisfies_the_protocol():
    assert isinstance(ReferenceAdapter(), Adapter)


def test_adapter_observes_resources_per_status():
    a = ReferenceAdapter()
    a.reset(10)
    assert a.observe().status == "none" and a.observe().resources == frozenset()
    assert a.apply(Command("create", Config(memory=2, restart="always"))).ok
    assert a.observe().resources == {"fs"}
    a.apply(Command("start"))
    a.apply(Command("write_fs"))
    a.apply(Command("alloc"))
    obs = a.observe()
    assert obs.status == "running" and obs.resources == RUN
    assert obs.flags["usage"] == 1 and obs.flags["fs_data"] and obs.flags["exit_code"] == 0
    a.apply(Command("exit", code=2))
    assert a.observe().status == "restarting" and a.observe().resources == {"fs"}
    a.settle()
    assert a.observe().status == "running" and a.observe().flags["restart_count"] == 1
    out = a.apply(Command("rm"))
    assert not out.ok and out.error.startswith("You cannot remove a running container")
    assert a.apply(Command("rm_force")).ok and a.observe().status == "none"


def test_adapter_refuses_a_second_container():
    a = ReferenceAdapter()
    a.reset(10)
    a.apply(Command("run", Config()))
    assert not a.apply(Command("create", Config())).ok


VERBS = ["create", "run", "start", "stop", "kill", "pause", "unpause", "restart", "rm",
         "rm_force", "daemon_restart", "alloc", "write_mem", "write_fs", "exit", "child_exit",
         "settle"]


@settings(max_examples=150, deadline=None)
@given(config=st.builds(Config, memory=st.sampled_from([None, 1, 3]),
                        oom_kill_disable=st.booleans(),
                        restart=st.sampled_from(["no", "on-failure", "on-failure:1", "always",
                                                 "unless-stopped"])),
       steps=st.lists(st.tuples(st.sampled_from(VERBS), st.integers(0, 3)), max_size=25))
def test_adapter_random_walk_invariants(config, steps):
    """Check on random walks: refusals change nothing; held resources follow the status (S15)."""
    a = ReferenceAdapter()
    a.reset(4)
    for verb, code in steps:
        before, n = a.observe(), len(a.daemon.events)
        if verb == "settle":
            a.settle()
        else:
            cfg = config if verb in ("create", "run") else None
            out = a.apply(Command(verb, cfg, code if verb in ("exit", "child_exit", "alloc")
                                  and code else None))
            if not out.ok:
                assert a.observe() == before and len(a.daemon.events) == n, (verb, out)
        obs = a.observe()
        assert obs.resources == HELD[obs.status], obs
        assert not obs.flags.get("hung") or obs.status == "running"
