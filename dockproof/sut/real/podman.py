"""`PodmanAdapter`: the adapter contract on Podman 4.3, through the podman CLI.

Every command runs in a `PrivatePodman` context (its own storage, run root, tmp dir and
events file; `--cgroup-manager=cgroupfs --runtime runc`; design §7). Containers get the two
ulimits, `--network none` (Podman's bridge would need a shared `podman0` bridge and firewall
rules: with `none` the container still has a network namespace of its own, holding only
`lo`), `--stop-timeout 1`, and our run label. Error texts are Podman's own, without the
leading "Error: ". Statuses are mapped onto Docker's words (`STATUS`); Podman has no
"restarting" (engine-facts §8). A podman process that hangs past `windows.COMMAND` (it is
killed) or is killed by a signal is `EngineUnavailable`, never an error text.
"""

from __future__ import annotations

import json

from dockproof.sut.contract import Capabilities, Command, Config, Outcome
from dockproof.sut.real import image, runtimes, windows
from dockproof.sut.real.base import LABEL, RealAdapter, memory_bytes
from dockproof.sut.real.errors import EngineUnavailable
from dockproof.sut.real.observe import Inspected
from dockproof.sut.real.podmanctx import PrivatePodman

#: Why Podman gets no `daemon_restart` (the coverage report quotes it).
NO_DAEMON_RESTART_PODMAN = ("Podman is daemonless: there is no daemon to restart (its "
                            "podman-restart.service at boot is not modelled)")

#: Podman's status words (libpod/define/containerstate.go) in Docker's: "configured" prints
#: as "created", Podman's "created" (runtime container made) as "initialized"; "stopped" is
#: exited-but-not-cleaned-up and "stopping" is still running.
STATUS = {"created": "created", "configured": "created", "initialized": "created",
          "running": "running", "paused": "paused", "stopping": "running",
          "stopped": "exited", "exited": "exited", "removing": "removing", "unknown": "dead"}
#: Raw statuses in which Podman (conmon's `podman container cleanup`) still has work to do.
TRANSIENT = frozenset({"stopping", "stopped", "removing"})

#: The podman argv for each user verb (the container name is appended).
VERBS = {
    "start": ["start"], "stop": ["stop", "-t", str(windows.STOP_TIMEOUT)], "kill": ["kill"],
    "pause": ["pause"], "unpause": ["unpause"],
    "restart": ["restart", "-t", str(windows.STOP_TIMEOUT)],
    "rm": ["rm"], "rm_force": ["rm", "-f"],
}


def client_version(adapter: PodmanAdapter) -> str:
    """Return the version of the podman the adapter's context runs, with its runtime when
    that is not runc (``4.3.1 crun 1.8.1``)."""
    done = adapter.context.run(["version", "--format", "{{.Client.Version}}"])
    return (done.stdout.decode().strip() or "?") + runtimes.suffix(adapter.context.runtime)


def error_text(stderr: bytes) -> str:
    """Return Podman's error message: its last "Error: " line, without that prefix."""
    lines = [ln for ln in stderr.decode(errors="replace").splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("Error: ")]
    last = errors[-1] if errors else (lines[-1] if lines else "podman failed")
    return last.removeprefix("Error: ")


class PodmanAdapter(RealAdapter):
    """Drive one labelled container in a private Podman context.

    For example (needs root and podman; the tests do this through a fixture)::

        adapter = PodmanAdapter(PrivatePodman())
    """

    capabilities = Capabilities(engine="podman", version=client_version, kernel_evidence=True,
                                needs_session=True,
                                unsupported={"daemon_restart": NO_DAEMON_RESTART_PODMAN})

    def __init__(self, context: PrivatePodman, run_id: str | None = None,
                 image_name: str = "localhost/" + image.IMAGE) -> None:
        super().__init__(run_id)
        self.context = context
        self.image = image_name
        self._raw_status = ""

    # -- commands ---------------------------------------------------------------------------

    def _podman(self, args: list[str]) -> str | None:
        done = self.context.call(args)
        return None if done.returncode == 0 else error_text(done.stderr)

    def _command(self, command: Command) -> str | None:
        verb = command.verb
        if verb in ("create", "run"):
            head = ["run", "-d"] if verb == "run" else ["create"]
            done = self.context.call([*head, *self._create_flags(command.config or Config()),
                                      self.image])
            ids = done.stdout.decode(errors="replace").split()
            if ids:  # podman prints the new container's id, also when `run` cannot start it
                self.created[ids[-1]] = self.name
            return None if done.returncode == 0 else error_text(done.stderr)
        if verb not in VERBS:
            raise ValueError(f"unknown command {verb!r}")
        return self._podman([*VERBS[verb], self.name])

    def _create_flags(self, config: Config) -> list[str]:
        flags = ["--name", self.name, "--label", f"{LABEL}={self.run_id}",
                 *PrivatePodman.CREATE_FLAGS, "--network", "none",
                 "--stop-timeout", str(windows.STOP_TIMEOUT),
                 "--cgroup-parent", self.host.parent, "--restart", config.restart]
        limit = memory_bytes(config)
        if limit is not None:
            flags += ["-m", f"{limit}b", "--memory-swap", f"{limit}b"]
        if config.oom_kill_disable:
            flags.append("--oom-kill-disable")
        return flags

    def _daemon_restart(self) -> Outcome:
        # Podman is daemonless: containers with a restart policy come back after a reboot only
        # through podman-restart.service. There is nothing to restart; the command is refused.
        return Outcome(False, "podman has no daemon to restart")

    # -- inspection -------------------------------------------------------------------------

    def _inspect(self) -> Inspected | None:
        done = self.context.call(["container", "inspect", "--format", "json", self.name])
        if done.returncode != 0:
            if b"no such container" in done.stderr:
                return None
            raise EngineUnavailable(f"podman container inspect failed: "
                                    f"{error_text(done.stderr)}")
        data = _json(done.stdout, "container inspect")[0]
        state = data["State"]
        self._raw_status = state["Status"]
        return Inspected(
            status=STATUS.get(state["Status"], state["Status"]), pid=state["Pid"],
            oom_killed=state["OOMKilled"], exit_code=state["ExitCode"],
            restart_count=data.get("RestartCount", 0),
            upper_dir=(data.get("GraphDriver") or {}).get("Data", {}).get("UpperDir"),
            started_at=state["StartedAt"], address=None)

    def _refusal(self) -> str:
        """Ask podman for an exec, as `podman exec` would; return its refusal."""
        return self._podman(["exec", self.name, "true"]) or \
            f"container {self.name} is not running"

    def _transient(self, ins: Inspected) -> bool:
        return self._raw_status in TRANSIENT

    # -- cleanup ----------------------------------------------------------------------------

    def _labelled(self) -> list[tuple[str, str]]:
        done = self.context.call(["ps", "-a", "--filter", f"label={LABEL}={self.run_id}",
                                  "--format", "json"])
        if done.returncode != 0:
            raise EngineUnavailable(f"podman ps failed: {error_text(done.stderr)}")
        return [(c["Id"], (c.get("Names") or [""])[0]) for c in _json(done.stdout, "ps")
                if (c.get("Labels") or {}).get(LABEL) == self.run_id]

    def _remove(self, ident: str) -> None:
        self.context.call(["rm", "-f", "-t", "0", ident])

    def _engine_argv(self) -> list[str]:
        return ["--podman-dir", str(self.context.dir)]


def _json(data: bytes, what: str):
    """Parse podman's JSON answer, or raise `EngineUnavailable` quoting its start."""
    try:
        return json.loads(data or b"[]")
    except ValueError:
        raise EngineUnavailable(f"podman {what} answered no JSON: {data[:80]!r}") from None
