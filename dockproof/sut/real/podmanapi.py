"""``--adapter podman-api``: Podman's Docker-compatible API, driven by the Docker adapter.

`PrivatePodmanService` runs ``podman system service --time=0 unix://S`` over a private
Podman context (`PrivatePodman`: its own storage, run root and events file), on a socket in
that context's directory. `PodmanApiAdapter` is `DockerAdapter` (the same docker SDK calls as
``--adapter docker``) on that socket; what differs is declared, not dispatched on: its
`Capabilities` (engine ``podman-api``, no daemon to restart, no restart back-off) and the
private engine it runs on. The container defaults the podman CLI adapter passes as flags
(the two ulimits, ``--network none``) are the service's ``containers.conf`` defaults here, so
the SDK's requests are Docker's own.

Statuses: the compat API speaks Docker's words for most states, but libpod's transient
``stopped``/``stopping`` can leak through (podman#2962, #5336); they are read as Podman's
CLI adapter reads them (`podman.STATUS`) and waited out as transient.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import time

from dockproof.sut.contract import Capabilities
from dockproof.sut.factory import AdapterFactory, PrivateEngine
from dockproof.sut.real import image, runtimes, windows
from dockproof.sut.real.docker import DockerAdapter
from dockproof.sut.real.errors import EngineUnavailable
from dockproof.sut.real.observe import Inspected
from dockproof.sut.real.podman import STATUS, TRANSIENT
from dockproof.sut.real.podmanctx import PrivatePodman
from dockproof.sut.real.private import log_tail

#: The service's container defaults: what the CLI adapter gives every `podman create`.
CONF = ('[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n'
        'netns = "none"\n')

NO_DAEMON_RESTART_API = ("the Podman API service is not a daemon that owns its containers "
                         "(conmon does): restarting it is not a daemon restart")


class PrivatePodmanService:
    """``podman system service`` over a private Podman context, on a private socket.

    For example (needs root and podman)::

        with PrivatePodmanService() as service:
            service.base_url   # 'unix:///tmp/dockproof-p.…/podman.sock'
    """

    #: Containers get a network namespace with only `lo` (containers.conf ``netns``).
    network = "none"

    def __init__(self, runtime: str = "runc") -> None:
        self.context = PrivatePodman(runtime=runtime, conf_extra=CONF)
        self.runtime = self.context.runtime
        self.socket = self.context.dir / "podman.sock"
        self.log = self.context.dir / "service.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> None:
        """Start the context and the service; wait until the socket answers."""
        self.context.start()
        argv = self.context.argv(["system", "service", "--time=0", self.base_url])
        with open(self.log, "ab") as log:
            # run in the context's directory, as every podman command of ours (conmon's oom
            # file, engine-facts §8.3), in a session of its own (Ctrl-C reaches us first)
            self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                         env=self.context.env(), cwd=self.context.dir,
                                         start_new_session=True)
        deadline = time.monotonic() + windows.DAEMON_READY
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise EngineUnavailable("podman system service exited:\n" + log_tail(self.log))
            if self.socket.exists() and self._ping():
                return
            time.sleep(0.05)
        raise EngineUnavailable(f"podman system service did not answer within "
                                f"{windows.DAEMON_READY:g}s:\n" + log_tail(self.log))

    def _ping(self) -> bool:
        import socket

        s = socket.socket(socket.AF_UNIX)
        try:
            s.settimeout(2)
            s.connect(str(self.socket))
            s.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
            return b" 200 " in s.recv(64)
        except OSError:
            return False
        finally:
            s.close()

    def restart(self) -> None:
        raise EngineUnavailable(NO_DAEMON_RESTART_API)

    def close(self) -> None:
        """Stop the service, then remove the context (its containers, storage, directory)."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(windows.DAEMON_STOP)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.context.close()

    def __enter__(self) -> PrivatePodmanService:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def service_version(adapter: PodmanApiAdapter) -> str:
    """Return the Podman version the service reports, with a runtime other than runc."""
    return str(adapter.client.version().get("Version", "?")) + \
        runtimes.suffix(adapter.daemon.runtime)


class PodmanApiAdapter(DockerAdapter):
    """`DockerAdapter` on a `PrivatePodmanService` (see the module docstring)."""

    capabilities = Capabilities(engine="podman-api", version=service_version,
                                kernel_evidence=True, needs_session=True,
                                unsupported={"daemon_restart": NO_DAEMON_RESTART_API})

    def __init__(self, service: PrivatePodmanService, run_id: str | None = None) -> None:
        super().__init__(daemon=service, run_id=run_id, image_name="localhost/" + image.IMAGE)
        self._raw_status = ""

    def _inspect(self) -> Inspected | None:
        ins = super()._inspect()
        if ins is None:
            return None
        self._raw_status = ins.status
        return dataclasses.replace(ins, status=STATUS.get(ins.status, ins.status))

    def _transient(self, ins: Inspected) -> bool:
        return self._raw_status in TRANSIENT or super()._transient(ins)


def podman_api_factory(spec: str, runtime: str = "runc") -> AdapterFactory:
    """Return the factory for ``--adapter podman-api`` (a private service, always)."""
    return AdapterFactory(lambda service: PodmanApiAdapter(service), spec,
                          PodmanApiAdapter.capabilities,
                          PrivateEngine(lambda: start_service(runtime), lambda s: s.close()))


def start_service(runtime: str = "runc") -> PrivatePodmanService:
    """Start a private Podman API service and import the test image into its storage."""
    service = PrivatePodmanService(runtime)
    try:
        service.start()
        image.import_podman(service.context)
    except (EngineUnavailable, OSError, RuntimeError):
        service.close()
        raise
    return service
