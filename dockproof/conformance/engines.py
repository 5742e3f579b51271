"""Engines behind ``--adapter docker`` / ``--adapter podman``: private by default, shared by jobs.

- ``docker``: with `DOCKER_HOST` set, that daemon (the user's; `daemon_restart` is then not
  the tool's to do and is left out of the tests); without it, a **private dockerd** the tool
  starts (`PrivateDockerd`: its own data root, socket and bridge under a temporary folder),
  with the test image imported, and stops at the end of the run.
- ``podman``: always a **private Podman context** (`PrivatePodman`: its own storage, run root
  and events file), with the test image imported, removed at the end of the run. Podman has
  no daemon: `daemon_restart` is left out of the tests.

An `EngineFactory` starts its engine on the first adapter it makes and keeps it for every
further adapter (``--jobs N``: one adapter, one container per worker, one engine); `close()`
stops it. `unsupported` names the commands the adapter cannot perform, with the reason: the
test generators leave their transitions out and the coverage report says why.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Callable, Mapping

#: Why each real engine cannot perform a command (the coverage report quotes it).
NO_DAEMON_RESTART_HOST = ("the daemon at DOCKER_HOST is not the tool's to restart (unset "
                          "DOCKER_HOST: dockproof then starts a private dockerd it can restart)")
NO_DAEMON_RESTART_PODMAN = ("Podman is daemonless: there is no daemon to restart (its "
                            "podman-restart.service at boot is not modelled)")


class EngineFactory:
    """A no-argument factory of adapters for one ``--adapter`` spec; `close()` ends the run's
    engine. Plain factories (reference, exec:, mutant:, module:) have nothing to close."""

    def __init__(self, make: Callable[[], Any], spec: str,
                 unsupported: Mapping[str, str] | None = None,
                 engine: "_Engine | None" = None) -> None:
        self._make = make
        self.spec = spec
        self.unsupported = dict(unsupported or {})
        self._engine = engine

    def __call__(self) -> Any:
        if self._engine is not None:
            return self._make(self._engine.acquire())
        return self._make()

    def close(self) -> None:
        """Stop the private engine, if this factory started one (idempotent)."""
        if self._engine is not None:
            self._engine.close()

    @property
    def private(self) -> bool:
        """Return whether the tool runs the engine (so that --jobs workers may share it)."""
        return self._engine is not None


class _Engine:
    """A private engine started once, on first use, under a lock (jobs start together)."""

    def __init__(self, start: Callable[[], Any], stop: Callable[[Any], None]) -> None:
        self._start, self._stop = start, stop
        self._lock = threading.Lock()
        self.context: Any = None
        self._closed = False

    def acquire(self) -> Any:
        with self._lock:
            if self._closed:
                raise RuntimeError("the private engine of this run is closed")
            if self.context is None:
                self.context = self._start()
            return self.context

    def close(self) -> None:
        with self._lock:
            self._closed = True
            context, self.context = self.context, None
        if context is not None:
            self._stop(context)


def docker_factory(spec: str) -> EngineFactory:
    """Return the factory for ``--adapter docker`` (see the module docstring)."""
    from dockproof.adapters.docker import DockerAdapter

    host = os.environ.get("DOCKER_HOST")
    if host:
        return EngineFactory(lambda: DockerAdapter(base_url=host), spec,
                             {"daemon_restart": NO_DAEMON_RESTART_HOST})
    return EngineFactory(lambda daemon: DockerAdapter(daemon=daemon), spec,
                         engine=_Engine(_start_dockerd, lambda d: d.close()))


def podman_factory(spec: str) -> EngineFactory:
    """Return the factory for ``--adapter podman`` (a private context, always)."""
    from dockproof.adapters.podman import PodmanAdapter

    return EngineFactory(lambda context: PodmanAdapter(context), spec,
                         {"daemon_restart": NO_DAEMON_RESTART_PODMAN},
                         engine=_Engine(_start_podman, lambda c: c.close()))


def _start_dockerd() -> Any:
    from dockproof.adapters.docker import DockerAdapter
    from dockproof.realengine import image
    from dockproof.realengine.daemon import PrivateDockerd
    from dockproof.realengine.errors import EngineUnavailable

    daemon = PrivateDockerd()
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


def _start_podman() -> Any:
    from dockproof.realengine import image
    from dockproof.realengine.daemon import PrivatePodman
    from dockproof.realengine.errors import EngineUnavailable

    context = PrivatePodman()
    try:
        context.start()
        image.import_podman(context)
    except (EngineUnavailable, OSError, RuntimeError):
        context.close()
        raise
    return context


def engine_identity(adapter: Any) -> tuple[str, str]:
    """Return (engine name, version) of an adapter, for matching recorded divergences.

    ``docker`` and ``podman`` report their server version; the reference interpreter is
    ``reference``; any other adapter may set ``engine = (name, version)`` itself.
    """
    declared = getattr(adapter, "engine", None)
    if isinstance(declared, tuple) and len(declared) == 2:
        return str(declared[0]), str(declared[1])
    module = type(adapter).__module__
    if module.startswith("dockproof.adapters.docker"):
        return "docker", str(adapter.client.version().get("Version", "?"))
    if module.startswith("dockproof.adapters.podman"):
        done = adapter.context.run(["version", "--format", "{{.Client.Version}}"])
        return "podman", done.stdout.decode().strip() or "?"
    if module.startswith(("dockproof.adapters.reference", "dockproof.reference")):
        return "reference", "0"
    return type(adapter).__name__, "?"
