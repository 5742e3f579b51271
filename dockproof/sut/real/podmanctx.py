"""A Podman context of our own: storage, run root, tmp dir, network config and events file.

Never the host's default storage: every path lives under one temporary directory, which
`close()` unmounts and removes. See design §7 for the command lines measured here.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
from pathlib import Path

from dockproof.sut.real import procs, runtimes, windows
from dockproof.sut.real.errors import EngineUnavailable
from dockproof.sut.real.private import remove_tree, require_binary


class PrivatePodman:
    """A Podman context of our own: storage, run root, tmp dir, network config and events file.

    Podman has no daemon; every command is ``podman GLOBALS ARGS`` (design §7). Create/run
    also need `CREATE_FLAGS` (the default ulimits exceed this machine's hard limits). The
    events file is set through a private ``containers.conf`` (``CONTAINERS_CONF``), which
    conmon's exit command (`podman container cleanup`) inherits. Commands run in `dir`: conmon
    2.1.6 writes its ``oom`` file into its working directory (engine-facts §8.3).
    """

    CREATE_FLAGS = ("--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024")

    def __init__(self, base_dir: Path | None = None, binary: str = "podman",
                 runtime: str = "runc", conf_extra: str = "") -> None:
        self.dir = Path(base_dir) if base_dir else Path(tempfile.mkdtemp(prefix="dockproof-p."))
        #: The podman executable (a path or a name on PATH; tests put a faulty one here).
        self.binary = binary
        #: The OCI runtime (`runtimes.RUNTIMES`), and the program podman runs for it.
        self.runtime = runtimes.check(runtime)
        self.runtime_binary = runtime
        #: More containers.conf text (the API service's container defaults).
        self.conf_extra = conf_extra
        self.events_file = self.dir / "events.log"
        self.conf = self.dir / "containers.conf"

    def globals(self) -> list[str]:
        """Return podman's global flags for this context."""
        d = self.dir
        return ["--root", f"{d}/storage", "--runroot", f"{d}/run", "--tmpdir", f"{d}/tmp",
                "--network-config-dir", f"{d}/net", "--cgroup-manager=cgroupfs",
                "--events-backend=file", "--runtime", self.runtime_binary]

    def env(self) -> dict[str, str]:
        """Return the environment podman runs with (the private containers.conf)."""
        return {**os.environ, "CONTAINERS_CONF": str(self.conf)}

    def argv(self, args: list[str]) -> list[str]:
        """Return the full command line for podman `args`."""
        return [require_binary(self.binary), *self.globals(), *args]

    def run(self, args: list[str], input: bytes | None = None,
            timeout: float | None = None) -> subprocess.CompletedProcess[bytes]:
        """Run podman `args` in this context; return the completed process (never raises).

        Past `timeout` (default `windows.COMMAND`) podman is killed and the answer is exit
        124 with ``Error: timed out after Ns``.
        """
        return self._execute(args, input, timeout)[0]

    def call(self, args: list[str], input: bytes | None = None,
             timeout: float | None = None) -> subprocess.CompletedProcess[bytes]:
        """Run podman `args` like `run`; raise `EngineUnavailable` if podman hung or died.

        A podman that is still running after `timeout`, or that a signal killed, is not an
        answer of the engine (its error text would pass for a refusal): the run must end.
        """
        done, timed_out = self._execute(args, input, timeout)
        what = " ".join(["podman", *args[:1]])
        if timed_out:
            raise EngineUnavailable(f"`{what}` did not finish within "
                                    f"{self._window(timeout):g}s and was killed")
        if done.returncode < 0:
            raise EngineUnavailable(f"`{what}` was killed by "
                                    f"{signal.Signals(-done.returncode).name}")
        return done

    @staticmethod
    def _window(timeout: float | None) -> float:
        return windows.COMMAND if timeout is None else timeout

    def _execute(self, args: list[str], input: bytes | None,
                 timeout: float | None) -> tuple[subprocess.CompletedProcess[bytes], bool]:
        """Run podman in a process group of its own; kill the group if it outlives `timeout`.

        Its own session also keeps a terminal's Ctrl-C from killing podman halfway through a
        command: on KeyboardInterrupt podman gets `windows.INTERRUPT_GRACE` to finish.
        (conmon puts itself in a session of its own, so containers never die with the group.)
        """
        window = self._window(timeout)
        proc = subprocess.Popen(self.argv(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                                env=self.env(), cwd=self.dir, start_new_session=True)
        try:
            out, err = proc.communicate(input, timeout=window)
        except subprocess.TimeoutExpired:
            procs.kill_group(proc)
            return subprocess.CompletedProcess(proc.args, 124, b"", f"Error: timed out after "
                                               f"{window:g}s".encode()), True
        except BaseException:
            try:
                proc.wait(timeout=windows.INTERRUPT_GRACE)
            except subprocess.TimeoutExpired:
                pass
            procs.kill_group(proc)
            raise
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), False

    def start(self) -> None:
        """Check the binaries and that podman answers, or raise `EngineUnavailable`."""
        if os.geteuid() != 0:
            raise EngineUnavailable("a private Podman context needs root")
        for name in ("podman", "conmon"):
            require_binary(name)
        self.runtime_binary = runtimes.binary(self.runtime, self.dir)
        (self.dir / "net").mkdir(parents=True, exist_ok=True)
        self.conf.write_text(f'[engine]\nevents_logfile_path = "{self.events_file}"\n'
                             + self.conf_extra)
        done = self.run(["info", "--format", "{{.Host.CgroupsVersion}}"])
        if done.returncode != 0:
            raise EngineUnavailable("podman info failed:\n" + done.stderr.decode()[-2000:])

    def close(self) -> None:
        """Remove dockproof-labelled containers, unmount what is left, remove the directory."""
        if (self.dir / "storage").is_dir():
            done = self.run(["ps", "-a", "-q", "--filter", "label=dockproof.run"])
            ids = done.stdout.decode().split()
            if ids:
                self.run(["rm", "-f", "-t", "0", *ids])
        remove_tree(self.dir)

    def __enter__(self) -> PrivatePodman:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
