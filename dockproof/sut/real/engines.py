"""The engines behind ``--adapter docker`` / ``--adapter podman``: private by default.

- ``docker``: with `DOCKER_HOST` set, that daemon (the user's; `daemon_restart` is then not
  the tool's to do and is left out of the tests); without it, a **private dockerd** the tool
  starts (`PrivateDockerd`: its own data root, socket and bridge under a temporary folder),
  with the test image imported, and stops at the end of the run.
- ``podman``: always a **private Podman context** (`PrivatePodman`: its own storage, run root
  and events file), with the test image imported, removed at the end of the run. Podman has
  no daemon: `daemon_restart` is left out of the tests.
"""

from __future__ import annotations

import os

from dockproof.sut.factory import AdapterFactory, PrivateEngine
from dockproof.sut.real import image
from dockproof.sut.real.docker import DockerAdapter
from dockproof.sut.real.dockerd import PrivateDockerd
from dockproof.sut.real.errors import EngineUnavailable
from dockproof.sut.real.podman import PodmanAdapter
from dockproof.sut.real.podmanctx import PrivatePodman


def docker_factory(spec: str, runtime: str = "runc") -> AdapterFactory:
    """Return the factory for ``--adapter docker`` (see the module docstring); ``runtime``:
    the private dockerd's OCI runtime (the user's daemon keeps its own)."""
    host = os.environ.get("DOCKER_HOST")
    if host:
        if runtime != "runc":
            raise EngineUnavailable(f"--runtime {runtime} configures a private dockerd: unset "
                                    "DOCKER_HOST")
        return AdapterFactory(lambda: DockerAdapter(base_url=host), spec,
                              DockerAdapter.capabilities_for(private=False))
    return AdapterFactory(lambda daemon: DockerAdapter(daemon=daemon), spec,
                          DockerAdapter.capabilities_for(private=True),
                          PrivateEngine(lambda: _start(start_dockerd, runtime),
                                        lambda d: d.close()))


def podman_factory(spec: str, runtime: str = "runc") -> AdapterFactory:
    """Return the factory for ``--adapter podman`` (a private context, always)."""
    return AdapterFactory(lambda context: PodmanAdapter(context), spec,
                          PodmanAdapter.capabilities,
                          PrivateEngine(lambda: _start(start_podman, runtime), lambda c: c.close()))


def _start(start, runtime: str):
    """Start an engine: with no argument for runc, the default (so a test may put its own
    session engine in ``start_dockerd`` / ``start_podman``), else with the runtime."""
    return start() if runtime == "runc" else start(runtime)


def start_dockerd(runtime: str = "runc") -> PrivateDockerd:
    """Start a private dockerd and import the test image into it."""
    daemon = PrivateDockerd(runtime=runtime)
    try:
        daemon.start()
        probe = DockerAdapter(daemon=daemon)
        try:
            image.import_docker(probe.client)
        finally:
            probe.close()
    except (EngineUnavailable, OSError, RuntimeError):
        daemon.close()
        raise
    return daemon


def start_podman(runtime: str = "runc") -> PrivatePodman:
    """Start a private Podman context and import the test image into it."""
    context = PrivatePodman(runtime=runtime)
    try:
        context.start()
        image.import_podman(context)
    except (EngineUnavailable, OSError, RuntimeError):
        context.close()
        raise
    return context
