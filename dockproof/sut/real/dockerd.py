"""A dockerd of our own: private data root, exec root, socket, containerd and bridge.

Never the host's default daemon: every path (data root, exec root, socket, pid file) lives
under one temporary directory, which `close()` unmounts and removes. See design §7 for the
command lines measured here.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from dockproof.sut.real import procs, runtimes, windows
from dockproof.sut.real.cgroups import HostCgroup
from dockproof.sut.real.errors import EngineUnavailable
from dockproof.sut.real.private import log_tail, remove_tree, require_binary, terminate


class PrivateBridge:
    """A Linux bridge of our own, so that a private dockerd never shares `docker0`.

    The name and the /24 are picked at random among those not in use on this host; the
    daemon gets `--bridge NAME --iptables=false --ip-masq=false` (no NAT: no registry is
    reachable anyway, and rules of ours must not mix with another daemon's).
    """

    def __init__(self) -> None:
        self.name = "dp" + uuid.uuid4().hex[:10]
        self.gateway = ""

    def create(self) -> None:
        """Create the bridge with a free 10.213.N.1/24 address and bring it up."""
        require_binary("ip")
        used = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True).stdout
        octet = next((n for n in range(10, 250) if f" 10.213.{n}." not in used), None)
        if octet is None:
            raise EngineUnavailable("no free 10.213.N.0/24 subnet for a private bridge")
        self.gateway = f"10.213.{octet}.1"
        for argv in (["ip", "link", "add", self.name, "type", "bridge"],
                     ["ip", "addr", "add", f"{self.gateway}/24", "dev", self.name],
                     ["ip", "link", "set", self.name, "up"]):
            done = subprocess.run(argv, capture_output=True, text=True)
            if done.returncode != 0:
                self.delete()
                raise EngineUnavailable(f"{' '.join(argv)}: {done.stderr.strip()}")

    def delete(self) -> None:
        """Delete the bridge (a missing one is fine)."""
        subprocess.run(["ip", "link", "del", self.name], capture_output=True, check=False)


class PrivateDockerd:
    """A dockerd on a private data root, exec root, socket and (optional) bridge, with a
    containerd of its own beside it (`--containerd`, as Debian's and Docker's service units
    run it) rather than one dockerd manages: a dockerd that manages its containerd stops it
    at every shutdown and polls it once a second until it is gone (moby v20.10.24
    libcontainerd/supervisor/remote_daemon_linux.go: stopDaemon), so each `daemon_restart`
    of a tour took a second more. Containers are stopped by dockerd's shutdown either way.

    For example (needs root and docker.io)::

        d = PrivateDockerd()
        d.start()
        d.base_url          # 'unix:///tmp/dockproof-…/docker.sock'
        d.close()

    ``network`` is ``"bridge"`` (a private bridge: containers get an address) or ``"none"``
    (`--bridge none`: containers get a network namespace with only `lo`).
    """

    def __init__(self, base_dir: Path | None = None, network: str = "bridge",
                 runtime: str = "runc") -> None:
        if network not in ("bridge", "none"):
            raise ValueError(f"network must be 'bridge' or 'none', not {network!r}")
        #: The OCI runtime containers run with (`runtimes.RUNTIMES`; crun through
        #: ``--add-runtime crun=… --default-runtime crun``).
        self.runtime = runtimes.check(runtime)
        self.dir = Path(base_dir) if base_dir else Path(tempfile.mkdtemp(prefix="dockproof-d."))
        self.network = network
        self.bridge = PrivateBridge() if network == "bridge" else None
        self.proc: subprocess.Popen[bytes] | None = None
        self.containerd: subprocess.Popen[bytes] | None = None
        self.log = self.dir / "dockerd.log"
        self.containerd_log = self.dir / "containerd.log"

    @property
    def base_url(self) -> str:
        """Return the daemon's address, for `DOCKER_HOST` or the SDK's ``base_url``."""
        return f"unix://{self.dir}/docker.sock"

    def argv(self) -> list[str]:
        """Return the dockerd command line."""
        d = self.dir
        net = ["--bridge", self.bridge.name if self.bridge else "none",
               "--iptables=false", "--ip-masq=false"]
        rt = [] if self.runtime == "runc" else [
            "--add-runtime", f"{self.runtime}={runtimes.binary(self.runtime, d)}",
            "--default-runtime", self.runtime]
        return [require_binary("dockerd"), "--data-root", f"{d}/data", "--exec-root",
                f"{d}/exec", "-H", f"unix://{d}/docker.sock", "--pidfile", f"{d}/docker.pid",
                "--containerd", self.containerd_socket, *net, *rt]

    @property
    def containerd_socket(self) -> str:
        return f"{self.dir}/containerd/containerd.sock"

    def containerd_config(self) -> str:
        """Return the private containerd's configuration: every path under our directory,
        the CRI plugin (Kubernetes) off."""
        c = self.dir / "containerd"
        return (f'version = 2\nroot = "{c}/root"\nstate = "{c}/state"\n'
                'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n'
                f'[grpc]\n  address = "{c}/containerd.sock"\n'
                f'[ttrpc]\n  address = "{c}/containerd.sock.ttrpc"\n'
                '[debug]\n  address = ""\n[metrics]\n  address = ""\n'
                f'[plugins."io.containerd.internal.v1.opt"]\n  path = "{c}/opt"\n')

    def start(self) -> None:
        """Start the daemon and wait until it answers, or raise `EngineUnavailable`."""
        if os.geteuid() != 0:
            raise EngineUnavailable("a private dockerd needs root")
        if self.bridge is not None and not self.bridge.gateway:
            self.bridge.create()
        self._start_containerd()
        try:
            self._spawn()
            self._wait_ready()
        except BaseException:
            self._stop_containerd()
            raise

    def _start_containerd(self) -> None:
        """Start our containerd (unless it runs) and wait for its socket."""
        if self.containerd is not None and self.containerd.poll() is None:
            return
        conf = self.dir / "containerd" / "config.toml"
        conf.parent.mkdir(parents=True, exist_ok=True)
        conf.write_text(self.containerd_config())
        with open(self.containerd_log, "ab") as log:
            self.containerd = subprocess.Popen(
                [require_binary("containerd"), "--config", str(conf), "--log-level", "warn"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
        deadline = time.monotonic() + windows.DAEMON_READY
        while not Path(self.containerd_socket).exists():
            if self.containerd.poll() is not None or time.monotonic() > deadline:
                tail = log_tail(self.containerd_log)
                self._stop_containerd()
                raise EngineUnavailable(f"containerd did not come up within "
                                        f"{windows.DAEMON_READY}s:\n{tail}")
            time.sleep(windows.POLL)

    def _stop_containerd(self) -> None:
        """Stop our containerd (SIGTERM, then SIGKILL); the shims it started live on."""
        proc, self.containerd = self.containerd, None
        if proc is None:
            return
        terminate(proc)
        if proc.poll() is None:
            proc.kill()
        proc.wait()

    def _spawn(self) -> None:
        with open(self.log, "ab") as log:
            # A session of its own: stop() can signal dockerd's whole process group without
            # touching anything else (our containerd has a session of its own).
            self.proc = subprocess.Popen(self.argv(), stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + windows.DAEMON_READY
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                break
            if self.ping():
                return
            time.sleep(windows.POLL)
        tail = log_tail(self.log)
        self.stop()
        raise EngineUnavailable(f"dockerd did not come up within {windows.DAEMON_READY}s:\n"
                                f"{tail}")

    def ping(self) -> bool:
        """Return whether the daemon answers `GET /_ping` with 200 OK on its socket.

        A bare HTTP/1.0 request on the unix socket: a docker SDK client per poll cost ~30 ms
        of CPU each (it asks for the API version first), ~0.2 s per `daemon_restart`.
        """
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(5)
                s.connect(self.base_url.removeprefix("unix://"))
                s.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
                answer = b""
                while chunk := s.recv(4096):
                    answer += chunk
        except OSError:
            return False
        return answer.startswith((b"HTTP/1.0 200", b"HTTP/1.1 200"))

    def kill(self) -> None:
        """SIGKILL dockerd alone, as a crash would; its containers and shims live on.

        `start()` brings a daemon up again on the same roots; `close()` still removes all.
        """
        proc, self.proc = self.proc, None
        if proc is not None:
            proc.kill()
            proc.wait()

    def stop(self) -> None:
        """Shut the daemon down (SIGTERM, as a service manager would), then its group."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        terminate(proc)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()

    def restart(self) -> None:
        """Stop the daemon and start it again on the same roots (`daemon_restart`)."""
        self.stop()
        self._spawn()
        self._wait_ready()

    def sweep(self) -> None:
        """Kill what a dead daemon left running under our roots: containers, shims, containerd.

        After `kill()` (or a crash) the containers live on under their shims. `runc delete
        --force` on our own runc state root kills each one's processes and removes its
        cgroups; then every process whose command line names our directory goes.
        """
        root = self.dir / "exec" / f"runtime-{self.runtime}" / "moby"
        runc = runtimes.binary(self.runtime, self.dir) if shutil.which(self.runtime) else None
        parents: set[str] = set()
        if runc and root.is_dir():
            for state in sorted(root.iterdir()):
                parents |= procs.host_cgroups(state / "state.json")
                subprocess.run([runc, "--root", str(root), "delete", "--force", state.name],
                               capture_output=True, check=False, timeout=windows.COMMAND)
        pids = procs.pids_mentioning(str(self.dir))
        procs.kill_all(pids)
        procs.await_gone(pids, windows.DAEMON_STOP)
        # The adapters' host cgroups these containers sat in: left by a run whose daemon died.
        for name in sorted(parents):
            HostCgroup(name).remove()

    def close(self) -> None:
        """Stop the daemon and its containerd, kill what they left, delete the bridge,
        unmount, remove the dir."""
        self.stop()
        self._stop_containerd()
        self.sweep()
        if self.bridge is not None:
            self.bridge.delete()
        remove_tree(self.dir)

    def __enter__(self) -> PrivateDockerd:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
