"""Drive `DockerAdapter` on a private dockerd through the seed's lifecycle (design §6–7).

Shared by test_realengine_podman.py, which imports these tests and overrides `adapter`,
`engine` and `EXPECT`. Each scenario asserts what the engine really did on this machine;
where Docker and Podman differ, `EXPECT` holds each engine's measured value.
"""

from __future__ import annotations

import pytest

from dockproof.conformance import evidence
from dockproof.sut.contract import Command, Config
from dockproof.sut.real.base import LABEL

#: Per-engine measured behaviour (engine-facts §4.1 and §8.3: Podman 4.3 loses OOMKilled).
EXPECT = {"oom_killed_after_oom_kill": True}


@pytest.fixture
def adapter(docker_adapter):  # noqa: F811
    """The adapter under test."""
    return docker_adapter


@pytest.fixture
def engine(docker_engine):  # noqa: F811
    """The engine under test."""
    return docker_engine


def step(adapter, verb: str, config: Config | None = None, code: int | None = None):
    """Apply one command, require success, settle, and return the observation."""
    outcome = adapter.apply(Command(verb, config, code))
    assert outcome.ok, f"{verb}: {outcome.error}"
    adapter.settle()
    seen = adapter.observe()
    assert not seen.flags.get("inconclusive"), f"{verb}: window elapsed: {seen}"
    return seen


RUN_RESOURCES = {"cpu", "mem", "net", "proc", "fs"}


def test_create_start_stop_start_keeps_fs_data_loses_mem_data(adapter):
    seen = step(adapter, "create", Config())
    assert (seen.status, seen.resources) == ("created", {"fs"})
    seen = step(adapter, "start")
    assert (seen.status, seen.resources) == ("running", RUN_RESOURCES)
    step(adapter, "write_mem")
    seen = step(adapter, "write_fs")
    assert seen.flags["mem_data"] and seen.flags["fs_data"]
    seen = step(adapter, "stop")
    assert (seen.status, seen.resources, seen.flags["exit_code"]) == ("exited", {"fs"}, 143)
    seen = step(adapter, "start")
    assert seen.status == "running"
    assert seen.flags["fs_data"] and not seen.flags["mem_data"]


def test_pause_keeps_memory_charged_and_withdraws_cpu(adapter):
    step(adapter, "run", Config(memory=4))
    before = step(adapter, "alloc")
    assert before.flags["usage"] == 1
    seen = step(adapter, "pause")
    assert seen.status == "paused"
    assert seen.resources == RUN_RESOURCES - {"cpu"}
    assert seen.flags["usage"] == 1
    refused = adapter.apply(Command("alloc"))
    assert not refused.ok and refused.error
    assert step(adapter, "unpause").resources == RUN_RESOURCES


def test_oom_kill_at_the_limit(adapter):
    """The container holds its limit (2 units, the model's usage == LIMIT); asking for one
    more unit reaches the kernel, which kills it (S7)."""
    step(adapter, "run", Config(memory=2))
    for units in (1, 2):
        assert step(adapter, "alloc").flags["usage"] == units
    assert step(adapter, "alloc").status == "exited"


def test_oom_kill_exit_and_flag(adapter):
    """An OOM kill exits 137; the engine's OOMKilled flag is compared per engine."""
    step(adapter, "run", Config(memory=1))
    assert step(adapter, "alloc").flags["usage"] == 1
    seen = step(adapter, "alloc")
    assert (seen.status, seen.flags["exit_code"]) == ("exited", 137)
    assert seen.flags["oom_killed"] is EXPECT["oom_killed_after_oom_kill"]
    assert "mem" not in seen.resources


def test_an_unlimited_container_holds_the_whole_host_and_no_more(adapter):
    """S9 without -m: the container holds every unit of the host (a parent cgroup standing
    for it); the next allocation is refused, as the models and the reference interpreter
    say, rather than left to the stand-in cgroup's OOM killer."""
    adapter.reset(3)
    step(adapter, "run", Config(oom_kill_disable=True))
    for units in (1, 2, 3):
        assert step(adapter, "alloc").flags["usage"] == units
    refused = adapter.apply(Command("alloc"))
    assert not refused.ok and "host has no free memory" in refused.error
    adapter.settle()
    seen = adapter.observe()
    assert seen.status == "running" and seen.flags["usage"] == 3 and not seen.flags["hung"]


def test_oom_kill_disable_hangs_at_the_limit(adapter):
    step(adapter, "run", Config(memory=2, oom_kill_disable=True))
    step(adapter, "alloc")
    assert step(adapter, "alloc").flags["usage"] == 2  # the limit is held, not exceeded
    seen = step(adapter, "alloc")
    assert seen.status == "running" and seen.flags["hung"], (seen, evidence.collect(adapter))
    assert {"proc", "mem", "cpu"} <= seen.resources
    for verb in ("alloc", "write_mem"):  # S8: the container hangs; it acts no more
        refused = adapter.apply(Command(verb))
        assert not refused.ok and "hung at its memory limit" in refused.error, verb
    assert step(adapter, "kill").status == "exited"


def test_the_hang_at_the_limit_comes_every_time(adapter):
    """The third unit hangs every time, also with file-system page cache in the cgroup.

    A unit's pages filled by read() are charged inside the kernel, where a charge at the limit
    with the OOM killer disabled fails instead of waiting; the workload's dd then pads in user
    mode (conv=sync,noerror), which waits. Plain dd could acknowledge a unit it did not hold
    and leave the container running, not hung: 3 of 4 tries on a bare cgroup here, and three
    Docker tour configurations; in this short scenario inside a container it was rare."""
    for attempt in range(5):
        step(adapter, "run", Config(memory=2, oom_kill_disable=True))
        step(adapter, "write_fs")
        for units in (1, 2):
            assert step(adapter, "alloc").flags["usage"] == units, attempt
        seen = step(adapter, "alloc")
        assert (seen.status, seen.flags["hung"], seen.flags["usage"]) == ("running", True, 2), \
            f"attempt {attempt}: {seen} {evidence.collect(adapter)}"
        assert step(adapter, "rm_force").status == "none"


def test_observe_after_settle_reuses_its_inspection_and_a_command_forgets_it(adapter):
    """settle() ends on an inspection of a quiescent container: observe() and the next
    stimulus use it; after any command, observe() asks the engine again."""
    calls = []
    real = adapter._inspect
    adapter._inspect = lambda: calls.append(1) or real()
    assert adapter.apply(Command("run", Config())).ok
    adapter.settle()
    settled = len(calls)
    assert settled >= 1 and adapter.observe().status == "running"
    assert len(calls) == settled  # no new inspection
    assert adapter.apply(Command("write_fs")).ok  # a stimulus: the settled inspection
    assert len(calls) == settled
    assert adapter.apply(Command("pause")).ok  # a command: no settle after it
    assert adapter.observe().status == "paused" and len(calls) == settled + 1
    adapter.settle()
    assert adapter.observe().status == "paused"


def test_exit_code(adapter):
    step(adapter, "run", Config())
    seen = step(adapter, "exit", code=3)
    assert (seen.status, seen.flags["exit_code"], seen.resources) == ("exited", 3, {"fs"})


def test_init_holds_its_fifo_open_and_no_line_is_lost(adapter):
    """Init keeps the control FIFO open read-write for its life (workload.sh), so a line is
    never dropped between two writers (a tour lost three so); an allocation's holders do not
    keep it."""
    import os

    from dockproof.sut.real import cgroups, workload

    step(adapter, "run", Config(memory=4))
    pid = adapter._inspect().pid

    def fifo_fds(p: int) -> list[str]:
        out = []
        for fd in os.listdir(f"/proc/{p}/fd"):
            if os.readlink(f"/proc/{p}/fd/{fd}").endswith("/dp/ctl"):
                info = open(f"/proc/{p}/fdinfo/{fd}").read()
                out.append(next(ln for ln in info.splitlines() if ln.startswith("flags:")))
        return out

    held = fifo_fds(pid)  # busybox sh may keep a second copy of the descriptor
    assert held and all(int(f.split()[1], 8) & os.O_ACCMODE == os.O_RDWR for f in held)
    for _ in range(100):  # the readiness probe, then a stimulus at once, as a tour sends them
        assert workload.try_send(pid, "")
        step(adapter, "write_fs")
    step(adapter, "alloc")
    others = [int(p) for p in cgroups.read(cgroups.of_pid(pid, "memory"),
                                           "cgroup.procs").split() if int(p) != pid]
    assert others and all(fifo_fds(p) == [] for p in others)


def test_child_exit_takes_init_down(adapter):
    step(adapter, "run", Config())
    seen = step(adapter, "child_exit", code=5)
    assert (seen.status, seen.flags["exit_code"]) == ("exited", 5)


def test_on_failure_2_restarts_twice(adapter):
    step(adapter, "run", Config(restart="on-failure:2"))
    for count in (1, 2):
        seen = step(adapter, "exit", code=1)
        assert (seen.status, seen.flags["restart_count"]) == ("running", count)
    seen = step(adapter, "exit", code=1)
    assert (seen.status, seen.flags["restart_count"], seen.flags["exit_code"]) == \
        ("exited", 2, 1)


def test_refused_command_passes_the_engine_error_through(adapter):
    step(adapter, "create", Config())
    outcome = adapter.apply(Command("pause"))
    assert not outcome.ok and "not running" in outcome.error
    assert adapter.observe().status == "created"


# -- safety: the run label ----------------------------------------------------------------------

def make_unlabelled(engine) -> str:
    """Create a container without our label, directly through the engine; return its name."""
    name = "dockproof-unlabelled-bystander"
    client = engine.adapter().client
    client.api.create_container("dockproof-busybox:latest", name=name)
    return name


def exists(engine, name: str) -> bool:
    """Return whether a container called `name` exists on the engine."""
    client = engine.adapter().client
    return any(c["Names"] == [f"/{name}"] for c in client.api.containers(all=True))


def remove(engine, name: str) -> None:
    """Remove the bystander container (the test, not dockproof's cleanup, owns it)."""
    engine.adapter().client.api.remove_container(name, force=True)


def labelled(engine) -> list[str]:
    """Return the ids of all containers carrying any dockproof run label."""
    client = engine.adapter().client
    return [c["Id"] for c in client.api.containers(all=True, filters={"label": LABEL})]


def test_unlabelled_container_survives_cleanup(engine):
    name = make_unlabelled(engine)
    try:
        adapter = engine.adapter()
        adapter.reset(8)
        step(adapter, "run", Config())
        adapter.reset(8)
        adapter.close()
        assert exists(engine, name)
    finally:
        remove(engine, name)


def test_zero_leftover_containers(engine):
    """Runs last in this module: every adapter above has been closed by its fixture."""
    assert labelled(engine) == []
