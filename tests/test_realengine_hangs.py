"""Hangs during real-engine runs (issue 8 item 3): each ends cleanly, within its windows.

A container that hangs (OOM-disabled at its limit, or an exit command never read) and a podman
process that hangs or dies mid-command. Each test checks the ending (exit 3 and one message, or
the inconclusive flag), that no container with the run's label is left, and that the
bystanders (fault_drivers.py) are untouched.
"""


import os
import shutil
import signal
import subprocess
import sys
import time
import uuid

import pytest
from fault_drivers import (
    DRIVER,
    FAULTY_PODMAN,
    REPO,
    Bystanders,
    DockerSide,
    PodmanSide,
    assert_one_error_line,
    finish,
    kill_driver,
)

from dockproof.sut.contract import Command, Config
from dockproof.sut.real import cgroups, windows
from dockproof.sut.real.procs import alive

# -- 3. a container that hangs -----------------------------------------------------------------

def hang(adapter, side, monkeypatch, tries: int = 3) -> None:
    """Run a container at its limit with the OOM killer disabled, then stop its init.

    The allocating process waits in the memcg OOM handler (`under_oom 1`: the model's hang).
    Measured here: now and then (the first limited container on a fresh daemon, mostly) the
    kernel keeps reclaiming page cache instead and `under_oom` does not come within 25 s;
    settle then flags the step inconclusive, and this helper tries a new container (a short
    settle window for these tries only). Init gets SIGSTOP: it never handles SIGTERM, as an
    init blocked in D state would not (this kernel reclaims page cache for init's own next
    page, so a blocked init cannot be produced on demand).
    """
    for _ in range(tries):
        with monkeypatch.context() as m:
            m.setattr(windows, "RESTART", 3.0)
            m.setattr(windows, "HANG", 3.0)
            assert adapter.apply(Command("run", Config(memory=2, oom_kill_disable=True))).ok
            adapter.settle()
            for _ in range(3):  # two units fill the limit, the third waits for memory
                assert adapter.apply(Command("alloc")).ok
                adapter.settle()
        seen = adapter.observe()
        if seen.status == "running" and seen.flags["hung"]:
            os.kill(side.state(adapter.name)[1], signal.SIGSTOP)
            return
        assert adapter.apply(Command("rm_force")).ok
    pytest.fail(f"no hang at the limit in {tries} containers: {seen}")


def exit_never_read(adapter, side, monkeypatch) -> None:
    """Tell the stopped init to exit: the exit command gives up at its window, inconclusive.

    The test holds the workload's FIFO open for reading (init, stopped, may have dropped its
    end), so the line is taken; nobody reads it, so the exit never comes.
    """
    from dockproof.sut.contract import Inconclusive

    pid = side.state(adapter.name)[1]
    fifo = os.open(f"/proc/{pid}/root/dp/ctl", os.O_RDONLY | os.O_NONBLOCK)
    try:
        with monkeypatch.context() as m:
            m.setattr(windows, "EXIT", 1.0)
            # the container is hung, so the harness would refuse the exit (S8); pretend it is
            # not, to reach the exit that never comes
            m.setattr(cgroups, "under_oom", lambda memory: False)
            began = time.monotonic()
            with pytest.raises(Inconclusive, match="did not exit within 1s"):
                adapter.apply(Command("exit", code=3))
            assert time.monotonic() - began < windows.EXIT + 2.0
    finally:
        os.close(fifo)
    seen = adapter.observe()
    assert seen.status == "running", seen
    assert seen.flags["hung"], seen


def hung_container_ends_within_windows(adapter, side, monkeypatch) -> None:
    bystanders = Bystanders(side)
    try:
        hang(adapter, side, monkeypatch)
        exit_never_read(adapter, side, monkeypatch)
        for verb in ("stop", "kill", "rm_force"):
            if verb != "stop":
                hang(adapter, side, monkeypatch)
            began = time.monotonic()
            assert adapter.apply(Command(verb)).ok, verb
            assert time.monotonic() - began < windows.STOP_TIMEOUT + windows.EXIT, verb
            adapter.settle()
            assert adapter.observe().status == ("none" if verb == "rm_force" else "exited")
            if verb != "rm_force":
                assert adapter.apply(Command("rm")).ok
        hang(adapter, side, monkeypatch)
        began = time.monotonic()
        teardown = adapter.close()
        assert time.monotonic() - began < windows.TEARDOWN
        assert len(teardown.removed) == 1 and not teardown.leftovers, teardown
        assert side.labelled(adapter.run_id) == []
        bystanders.assert_untouched()
    finally:
        bystanders.remove()


def test_hung_container_docker(docker_adapter, docker_engine, monkeypatch):
    side = DockerSide(docker_engine.context.base_url)
    hung_container_ends_within_windows(docker_adapter, side, monkeypatch)


def test_hung_container_podman(podman_adapter, podman_engine, monkeypatch):
    side = PodmanSide(podman_engine.context)
    hung_container_ends_within_windows(podman_adapter, side, monkeypatch)


# -- 4. the podman process hangs or dies -------------------------------------------------------

@pytest.mark.parametrize("fault, says", [
    ("hang", "`podman pause` did not finish within 2s and was killed"),
    ("die", "`podman pause` was killed by SIGKILL"),
])
def test_podman_process_that_hangs_or_dies(tmp_path, podman_engine, fault, says):
    wrapper = tmp_path / "podman"
    wrapper.write_text(FAULTY_PODMAN.format(podman=shutil.which("podman")))
    wrapper.chmod(0o755)
    (tmp_path / "FAULT").write_text(fault)
    side = PodmanSide(podman_engine.context)
    bystanders = Bystanders(side)
    run_id = uuid.uuid4().hex
    script = tmp_path / "driver.py"
    # The command window, short for the test (the driver runs run, stop, start, then pause).
    script.write_text("from dockproof.sut.real import windows\nwindows.COMMAND = 2.0\n"
                      + DRIVER)
    proc = subprocess.Popen([sys.executable, str(script), "fault-drive", "podman", side.where,
                             run_id, "--podman-binary", str(wrapper)], cwd=REPO, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        code, err = finish(proc)
        assert code == 3, err
        assert_one_error_line(err, says,
                              f"removed 1 container of run {run_id}: dockproof-{run_id[:12]} (")
        assert not alive(int((tmp_path / "faulty.pid").read_text()))
        assert side.labelled(run_id) == []
        bystanders.assert_untouched()
    finally:
        kill_driver(proc)
        bystanders.remove()
