"""Faults during real-engine runs (issue 8 item 3, issue 6 item 7): each ends cleanly.

Ctrl-C or SIGTERM mid-run, a dockerd killed mid-run, and the cleanup command's reach (a hung
container and a podman process that hangs or dies: test_realengine_hangs.py). Each test checks
the ending (exit 3 and one message), that no container with the run's label is left, and
that two bystanders — one without the label, one labelled with a different run id — are still
there, running, untouched (same pid and start time). Runs that end the CLI way go through a
driver script (fault_drivers.py): `dockproof.cli.main` with a subcommand of the driver's own,
in a subprocess, against a private engine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from fault_drivers import (
    REPO,
    Bystanders,
    DockerSide,
    PodmanSide,
    assert_one_error_line,
    await_lines,
    finish,
    kill_driver,
    start_driver,
)

from dockproof.sut.contract import Command, Config
from dockproof.sut.real import image, windows
from dockproof.sut.real.base import LABEL
from dockproof.sut.real.dockerd import PrivateDockerd
from dockproof.sut.real.session import RunSession

# -- 1. Ctrl-C ---------------------------------------------------------------------------------

def interrupt_mid_run(tmp_path: Path, side, engine: str, sig: int = signal.SIGINT) -> None:
    run_id = uuid.uuid4().hex
    bystanders = Bystanders(side)
    proc = start_driver(tmp_path, engine, side.where, run_id)
    try:
        await_lines(proc, 4)  # run, stop, start, pause: now in the middle of the cycle
        proc.send_signal(sig)
        code, err = finish(proc)
        assert "Traceback" not in err, err
        assert code == 3, err
        lines = err.splitlines()
        assert lines[-1] == "interrupted", err
        assert len(lines) == 2 and lines[0].startswith(
            f"dockproof: removed 1 container of run {run_id}: dockproof-{run_id[:12]} ("), err
        assert side.labelled(run_id) == []
        bystanders.assert_untouched()
    finally:
        kill_driver(proc)
        bystanders.remove()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_removes_the_run_and_only_the_run_docker(tmp_path, docker_engine, sig):
    interrupt_mid_run(tmp_path, DockerSide(docker_engine.context.base_url), "docker", sig)


def test_ctrl_c_removes_the_run_and_only_the_run_podman(tmp_path, podman_engine):
    interrupt_mid_run(tmp_path, PodmanSide(podman_engine.context), "podman")


def test_session_close_is_idempotent_and_holds_back_sigint(docker_engine):
    side = DockerSide(docker_engine.context.base_url)
    adapter = docker_engine.adapter()
    session = RunSession(adapter).start()
    adapter.reset(8)
    assert adapter.apply(Command("run", Config())).ok
    signal.signal(signal.SIGINT, signal.default_int_handler)
    real_close = adapter.close

    def close_interrupted():
        os.kill(os.getpid(), signal.SIGINT)  # a second Ctrl-C during the teardown
        return real_close()

    adapter.close = close_interrupted
    with pytest.raises(KeyboardInterrupt):
        session.close()
    assert side.labelled(adapter.run_id) == []  # the teardown finished before the interrupt
    first = session.teardown
    assert first is not None and len(first.removed) == 1 and not first.leftovers
    assert session.close() is first
    assert real_close().removed == ()


# -- 2. the daemon killed mid-run --------------------------------------------------------------

@pytest.fixture
def own_dockerd():
    """A private dockerd of this test's own (it gets killed), with the test image."""
    if os.geteuid() != 0:
        pytest.skip("needs root")
    daemon = PrivateDockerd(network="none")
    try:
        daemon.start()
        side = DockerSide(daemon.base_url)
        image.import_docker(side.client)
        yield daemon
    finally:
        daemon.close()


def cleanup_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dockproof.sut.real.cleanup", *args],
                          cwd=REPO, capture_output=True, text=True, timeout=120)


def test_daemon_killed_mid_run_lists_leftovers_and_cleanup_removes_them(tmp_path, own_dockerd):
    run_id = uuid.uuid4().hex
    side = DockerSide(own_dockerd.base_url)
    bystanders = Bystanders(side, restart="always")  # running again after the restart
    proc = start_driver(tmp_path, "docker", own_dockerd.base_url, run_id)
    try:
        await_lines(proc, 3)
        own_dockerd.kill()
        code, err = finish(proc)
        line = assert_one_error_line(
            err, f"the Docker daemon at {own_dockerd.base_url} stopped answering",
            f"1 container of run {run_id} could not be removed: dockproof-{run_id[:12]} (",
            "python -m dockproof.sut.real.cleanup --docker-host "
            f"{own_dockerd.base_url} --run-id {run_id}")
        assert code == 3, err
        leftover_id = line.split(f"dockproof-{run_id[:12]} (")[1][:12]

        own_dockerd.start()  # the same data root: the leftover is still there
        assert [i[:12] for i in side.labelled(run_id)] == [leftover_id]
        await_running(side, bystanders.names)
        bystanders.snapshot()
        done = cleanup_cli("--docker-host", own_dockerd.base_url, "--run-id", run_id)
        assert done.returncode == 0, done.stderr
        assert done.stdout == f"removed dockproof-{run_id[:12]} ({leftover_id}) (run {run_id})\n"
        assert side.labelled(run_id) == []
        bystanders.assert_untouched()
        again = cleanup_cli("--docker-host", own_dockerd.base_url, "--run-id", run_id)
        assert (again.returncode, again.stdout) == (0, "nothing to remove\n")
    finally:
        kill_driver(proc)


def await_running(side, names: list[str]) -> None:
    """Wait (within the restart window) for restart=always bystanders to be running again."""
    deadline = time.monotonic() + windows.RESTART
    while not all(side.state(n)[0] for n in names):
        assert time.monotonic() < deadline, [side.state(n) for n in names]
        time.sleep(windows.POLL)


def test_cleanup_of_a_dead_daemon_is_exit_3_and_bad_arguments_exit_2(tmp_path):
    done = cleanup_cli("--docker-host", f"unix://{tmp_path}/none.sock", "--run-id", "x")
    assert done.returncode == 3, done.stderr
    assert done.stderr.startswith("error: cannot reach the Docker daemon"), done.stderr
    assert "Traceback" not in done.stderr
    done = cleanup_cli("--docker-host", f"unix://{tmp_path}/none.sock")
    assert done.returncode == 2 and "--run-id" in done.stderr


# -- 5. the cleanup command's reach ------------------------------------------------------------

def test_cleanup_all_runs_spares_the_unlabelled_podman(podman_engine):
    side = PodmanSide(podman_engine.context)
    mine = side.bystander({LABEL: "a-run-" + uuid.uuid4().hex})
    bystanders = Bystanders(side)
    try:
        unlabelled, other = bystanders.names
        done = cleanup_cli("--podman-dir", side.where, "--all-dockproof-runs")
        assert done.returncode == 0, done.stderr
        gone = sorted(ln.split()[1] for ln in done.stdout.splitlines())
        assert gone == sorted([mine, other])
        bystanders.names = [unlabelled]
        bystanders.before = {unlabelled: bystanders.before[unlabelled]}
        bystanders.assert_untouched()
    finally:
        bystanders.remove()
        side.remove(mine)
