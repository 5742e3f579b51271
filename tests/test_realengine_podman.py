"""Drive `PodmanAdapter` in a private Podman context through the same scenarios as Docker.

The scenarios are test_realengine_docker.py's; this module overrides the engine fixtures, the
bystander helpers (podman CLI instead of the docker SDK) and `EXPECT`.
"""

from __future__ import annotations

import json

import pytest
import test_realengine_docker as shared
from test_realengine_docker import (  # noqa: F401  (collected again, on Podman)
    test_child_exit_takes_init_down,
    test_create_start_stop_start_keeps_fs_data_loses_mem_data,
    test_exit_code,
    test_init_holds_its_fifo_open_and_no_line_is_lost,
    test_observe_after_settle_reuses_its_inspection_and_a_command_forgets_it,
    test_on_failure_2_restarts_twice,
    test_oom_kill_at_the_limit,
    test_oom_kill_disable_hangs_at_the_limit,
    test_oom_kill_exit_and_flag,
    test_pause_keeps_memory_charged_and_withdraws_cpu,
    test_refused_command_passes_the_engine_error_through,
    test_the_hang_at_the_limit_comes_every_time,
)

from dockproof.sut.real.base import LABEL

#: Podman 4.3.1 reports OOMKilled=false with exit 137: conmon 2.1.6 writes its `oom` file
#: into its working directory, not the bundle Podman reads (engine-facts §8.3).
EXPECT = {"oom_killed_after_oom_kill": False}


@pytest.fixture(autouse=True)
def podman_expectations(monkeypatch):
    """Make the shared scenarios expect Podman's measured values."""
    monkeypatch.setattr(shared, "EXPECT", EXPECT)


@pytest.fixture
def adapter(podman_adapter):  # noqa: F811
    """The adapter under test."""
    return podman_adapter


@pytest.fixture
def engine(podman_engine):  # noqa: F811
    """The engine under test."""
    return podman_engine


def _ps(engine, *filters: str) -> list[dict]:
    args = ["ps", "-a", "--format", "json"]
    for f in filters:
        args += ["--filter", f]
    done = engine.context.run(args)
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout or b"[]")


def test_unlabelled_container_survives_cleanup(engine):
    name = "dockproof-unlabelled-bystander"
    done = engine.context.run(["create", "--name", name, "--network", "none",
                               "localhost/dockproof-busybox:latest"])
    assert done.returncode == 0, done.stderr.decode()
    try:
        adapter = engine.adapter()
        adapter.reset(8)
        shared.step(adapter, "run", shared.Config())
        adapter.reset(8)
        adapter.close()
        assert [c["Names"] for c in _ps(engine, f"name={name}")] == [[name]]
    finally:
        engine.context.run(["rm", "-f", name])


def test_zero_leftover_containers(engine):
    """Runs last in this module: every adapter above has been closed by its fixture."""
    assert _ps(engine, f"label={LABEL}") == []
