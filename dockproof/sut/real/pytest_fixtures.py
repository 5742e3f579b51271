"""Pytest fixtures for real engines: import them into tests/conftest.py.

    from dockproof.sut.real.pytest_fixtures import (docker_adapter, docker_engine,
                                                      podman_adapter, podman_engine)

- ``docker_engine`` (session): a `PrivateDockerd` with the test image imported; an `Engine`.
- ``podman_engine`` (session): a `PrivatePodman` context with the test image; an `Engine`.
- ``docker_adapter`` / ``podman_adapter`` (function): a fresh adapter on that engine, reset to
  a host of `HOST_UNITS` units and closed (its labelled containers removed) after the test,
  pass or fail.

They skip only when not running as root or when the engine's binary is missing, and only when
the `CI` environment variable is unset: in CI an engine that cannot run fails the tests.
An engine that is installed but does not come up always fails, with its log tail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from dockproof.sut.real import image
from dockproof.sut.real.dockerd import PrivateDockerd
from dockproof.sut.real.errors import EngineUnavailable
from dockproof.sut.real.podmanctx import PrivatePodman

#: The host memory the adapters' parent cgroup gets, in units (8 MiB each: 256 MiB).
HOST_UNITS = 32


@dataclass
class Engine:
    """A running private engine and a factory of adapters on it."""

    name: str
    context: Any  # PrivateDockerd or PrivatePodman
    make: Callable[..., Any]

    def adapter(self, **kwargs: Any) -> Any:
        """Return a new adapter on this engine (the caller closes it)."""
        return self.make(self.context, **kwargs)


def _unavailable(reason: str) -> None:
    """Skip, or fail under CI, for a missing prerequisite."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: a missing engine fails)", pytrace=False)
    pytest.skip(reason)


def _prerequisites(binary: str) -> None:
    if os.geteuid() != 0:
        _unavailable(f"{binary} tests need root")
    if shutil.which(binary) is None or not image.BUSYBOX.is_file():
        _unavailable(f"{binary} or {image.BUSYBOX} is not installed")


def _docker_adapter(daemon: PrivateDockerd, **kwargs: Any) -> Any:
    from dockproof.sut.real.docker import DockerAdapter

    return DockerAdapter(daemon=daemon, **kwargs)


def _podman_adapter(context: PrivatePodman, **kwargs: Any) -> Any:
    from dockproof.sut.real.podman import PodmanAdapter

    return PodmanAdapter(context, **kwargs)


def _running(name: str, context: Any, prepare: Callable[[Any], None],
             make: Callable[..., Any]) -> Iterator[Engine]:
    """Start ``context``, ``prepare`` it (import the test image), yield it as an `Engine` and
    close it at the end; an engine that does not come up fails the test with its reason."""
    try:
        context.start()
        prepare(context)
    except EngineUnavailable as e:
        context.close()
        pytest.fail(str(e), pytrace=False)
    try:
        yield Engine(name, context, make)
    finally:
        context.close()


def _import_into_dockerd(daemon: PrivateDockerd) -> None:
    adapter = _docker_adapter(daemon)
    image.import_docker(adapter.client)
    adapter.close()


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[Engine]:
    """Run a private dockerd with the test image for the whole session."""
    _prerequisites("dockerd")
    yield from _running("docker", PrivateDockerd(), _import_into_dockerd, _docker_adapter)


@pytest.fixture(scope="session")
def podman_engine() -> Iterator[Engine]:
    """Set up a private Podman context with the test image for the whole session."""
    _prerequisites("podman")
    yield from _running("podman", PrivatePodman(), image.import_podman, _podman_adapter)


def _adapter(engine: Engine) -> Iterator[Any]:
    adapter = engine.adapter()
    try:
        adapter.reset(HOST_UNITS)
        yield adapter
    finally:
        adapter.close()


@pytest.fixture
def docker_adapter(docker_engine: Engine) -> Iterator[Any]:
    """Yield a `DockerAdapter` reset to `HOST_UNITS`; its containers go after the test."""
    yield from _adapter(docker_engine)


@pytest.fixture
def podman_adapter(podman_engine: Engine) -> Iterator[Any]:
    """Yield a `PodmanAdapter` reset to `HOST_UNITS`; its containers go after the test."""
    yield from _adapter(podman_engine)
