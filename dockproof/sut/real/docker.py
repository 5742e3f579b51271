"""`DockerAdapter`: the adapter contract on a Docker Engine, through the docker SDK.

Any daemon the SDK can reach (``base_url``, else `DOCKER_HOST`); give it the
`PrivateDockerd` it runs on to allow `daemon_restart`. Error texts are the daemon's own
(`APIError.explanation`, i.e. what the CLI prints after "Error response from daemon: ").
Stop and restart use `-t 1` and containers get `--stop-timeout 1` (windows.STOP_TIMEOUT).
A daemon that stops answering (killed, socket gone, no answer within `windows.COMMAND`) is
`EngineUnavailable`, never an error text the harness could take for the engine's refusal.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from dockproof.sut.contract import OK, Capabilities, Command, Config, Outcome
from dockproof.sut.real import image, runtimes, windows
from dockproof.sut.real.base import LABEL, RealAdapter, Teardown, memory_bytes, split_policy
from dockproof.sut.real.dockerd import PrivateDockerd
from dockproof.sut.real.errors import EngineUnavailable
from dockproof.sut.real.observe import Inspected

#: Why the daemon at `DOCKER_HOST` gets no `daemon_restart` (the coverage report quotes it).
NO_DAEMON_RESTART_HOST = ("the daemon at DOCKER_HOST is not the tool's to restart (unset "
                          "DOCKER_HOST: dockproof then starts a private dockerd it can restart)")


def _client(base_url: str | None):
    try:
        import docker
    except ImportError as e:  # a leaf import: only this adapter needs the SDK
        raise EngineUnavailable("this needs the docker SDK: pip install docker") from e
    try:
        if base_url is None:
            return docker.from_env(timeout=int(windows.COMMAND))
        return docker.DockerClient(base_url=base_url, timeout=int(windows.COMMAND))
    except docker.errors.DockerException as e:
        where = base_url or os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        raise EngineUnavailable(f"cannot reach the Docker daemon at {where}: "
                                f"{_reason(e)}") from None


def _reason(e: Exception) -> str:
    """Return a short reason for a transport failure of the SDK."""
    import requests

    if isinstance(e, requests.exceptions.Timeout):
        return f"no answer within {windows.COMMAND:g}s"
    text = str(e)
    for needle, says in (("Connection refused", "connection refused"),
                         ("No such file", "its socket is gone"),
                         ("Connection reset", "connection reset"),
                         ("Connection aborted", "connection aborted")):
        if needle in text:
            return says
    return (text.splitlines() or [type(e).__name__])[0][:200]


def server_version(adapter: DockerAdapter) -> str:
    """Return the version the adapter's Docker daemon reports, with its runtime when that is
    not runc (``20.10.24 crun 1.8.1``)."""
    runtime = getattr(adapter.daemon, "runtime", "runc")
    return str(adapter.client.version().get("Version", "?")) + runtimes.suffix(runtime)


#: On a private dockerd: at most 4 automatic restarts in a row per tour piece
#: (`parallel.split`): the restart manager's delay doubles per restart from 100 ms up to
#: 1 min (engine-facts §3.3, windows.RESTART), so 4 in a row wait <= 0.8 s; a user
#: start/restart resets it.
PRIVATE = Capabilities(engine="docker", version=server_version, restarts_before_backoff=4,
                       kernel_evidence=True, needs_session=True)
#: On the user's daemon (`DOCKER_HOST`): the same, without `daemon_restart`.
SHARED = replace(PRIVATE, unsupported={"daemon_restart": NO_DAEMON_RESTART_HOST})


class DockerAdapter(RealAdapter):
    """Drive one labelled container on a Docker daemon.

    For example (needs root and docker.io; the tests do this through a fixture)::

        adapter = DockerAdapter(daemon=PrivateDockerd())
    """

    def __init__(self, base_url: str | None = None, daemon: PrivateDockerd | None = None,
                 run_id: str | None = None, image_name: str = image.IMAGE) -> None:
        super().__init__(run_id)
        self.daemon = daemon
        url = daemon.base_url if daemon is not None else base_url
        self.client = _client(url)
        #: Where the daemon is, for messages and the cleanup hint (None: `DOCKER_HOST`).
        self.base_url = url or os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        self.image = image_name
        self.bridge = daemon is None or daemon.network == "bridge"

    @staticmethod
    def capabilities_for(private: bool) -> Capabilities:
        """Return the capabilities on a private dockerd (``private``) or the user's daemon."""
        return PRIVATE if private else SHARED

    @property
    def capabilities(self) -> Capabilities:
        """Return what this adapter declares: `daemon_restart` only on its own dockerd."""
        return self.capabilities_for(self.daemon is not None)

    # -- commands ---------------------------------------------------------------------------

    @contextmanager
    def _answering(self, what: str) -> Iterator[None]:
        """Turn a transport failure of the SDK into `EngineUnavailable` (not the engine's
        refusal: `APIError` passes through)."""
        import docker
        import requests

        try:
            yield
        except docker.errors.APIError:
            raise
        except (requests.exceptions.RequestException, docker.errors.DockerException) as e:
            raise EngineUnavailable(f"the Docker daemon at {self.base_url} stopped answering "
                                    f"during {what}: {_reason(e)}") from None

    def _command(self, command: Command) -> str | None:
        import docker

        try:
            with self._answering(f"`{command}`"):
                self._call(command)
        except docker.errors.APIError as e:
            return str(e.explanation or e)
        return None

    def _call(self, command: Command) -> None:
        api, name, t = self.client.api, self.name, windows.STOP_TIMEOUT
        verb = command.verb
        if verb in ("create", "run"):
            made = api.create_container(
                self.image, name=name, labels=self.labels, stop_timeout=t,
                host_config=self._host_config(command.config or Config()))
            self.created[made["Id"]] = name
            if verb == "run":
                api.start(name)
        elif verb == "start":
            api.start(name)
        elif verb == "stop":
            api.stop(name, timeout=t)
        elif verb == "restart":
            api.restart(name, timeout=t)
        elif verb in ("kill", "pause", "unpause"):
            getattr(api, verb)(name)
        elif verb in ("rm", "rm_force"):
            api.remove_container(name, force=verb == "rm_force")
        else:
            raise ValueError(f"unknown command {verb!r}")

    def _host_config(self, config: Config) -> dict[str, Any]:
        limit = memory_bytes(config)
        policy, retries = split_policy(config.restart)
        return self.client.api.create_host_config(
            mem_limit=limit, memswap_limit=limit, oom_kill_disable=config.oom_kill_disable,
            restart_policy={"Name": policy, "MaximumRetryCount": retries},
            cgroup_parent=self.host.parent)

    def _daemon_restart(self) -> Outcome:
        if self.daemon is None:
            return Outcome(False, "daemon_restart needs the PrivateDockerd this adapter runs on")
        self.daemon.restart()
        return OK

    # -- inspection -------------------------------------------------------------------------

    def _inspect(self) -> Inspected | None:
        import docker

        try:
            with self._answering("inspect"):
                data = self.client.api.inspect_container(self.name)
        except docker.errors.NotFound:
            return None
        state = data["State"]
        networks = (data.get("NetworkSettings") or {}).get("Networks") or {}
        address = networks.get("bridge", {}).get("IPAddress", "") if self.bridge else None
        return Inspected(
            status=state["Status"], pid=state["Pid"], oom_killed=state["OOMKilled"],
            exit_code=state["ExitCode"], restart_count=data["RestartCount"],
            upper_dir=(data.get("GraphDriver") or {}).get("Data", {}).get("UpperDir"),
            started_at=state["StartedAt"], address=address)

    def _refusal(self) -> str:
        """Ask the daemon for an exec, as `docker exec` would; return its refusal."""
        import docker

        try:
            with self._answering("exec"):
                self.client.api.exec_create(self.name, ["true"])
        except docker.errors.APIError as e:
            return str(e.explanation or e)
        return f"Container {self.name} is not running"

    def _transient(self, ins: Inspected) -> bool:
        return ins.status in ("restarting", "removing")

    # -- cleanup ----------------------------------------------------------------------------

    def _labelled(self) -> list[tuple[str, str]]:
        with self._answering("the list of our containers"):
            found = self.client.api.containers(
                all=True, filters={"label": f"{LABEL}={self.run_id}"})
        return [(c["Id"], (c.get("Names") or ["/"])[0].lstrip("/")) for c in found
                if (c.get("Labels") or {}).get(LABEL) == self.run_id]

    def _remove(self, ident: str) -> None:
        import docker

        try:
            with self._answering(f"the removal of {ident[:12]}"):
                self.client.api.remove_container(ident, force=True)
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError:
            pass  # e.g. "removal already in progress": the next list shows whether it went

    def _engine_argv(self) -> list[str]:
        return ["--docker-host", self.base_url]

    def close(self) -> Teardown:
        """Remove our containers and the host cgroup; close the SDK client; say what went."""
        teardown = super().close()
        self.client.close()
        return teardown
