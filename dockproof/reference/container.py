"""A container as the daemon keeps it: configuration, ``State`` flags and bookkeeping.

The flags and the status priority function follow moby's ``container/state.go`` (engine-facts
§1.1–1.3). Which run resources a container holds is read off the objects that exist (the
cgroup and its tasks in the kernel, the network namespace, the root file system), never off the
status, so S15 is something the reference exhibits rather than assumes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .kernel import Kernel
from .restart import RestartManager, RestartPolicy


@dataclass(frozen=True, slots=True)
class HostConfig:
    """Hold the settings fixed at create: ``-m`` in units, ``--oom-kill-disable``, ``--restart``."""

    memory: int | None = None
    oom_kill_disable: bool = False
    restart: RestartPolicy = RestartPolicy()


@dataclass(slots=True)
class RootFS:
    """Hold the container's writable layer: whether data was written, whether it is removable."""

    data: bool = False
    immutable: bool = False  # `chattr +i` on a file inside it: removal fails (§1.4 e16b)


@dataclass(slots=True)
class Container:
    """Hold one container's identity, ``State`` flags and the daemon's per-container records."""

    id: str
    name: str
    image: str
    config: HostConfig
    rootfs: RootFS = field(default_factory=RootFS)
    running: bool = False
    paused: bool = False
    restarting: bool = False
    oom_killed: bool = False
    dead: bool = False
    pid: int = 0
    exit_code: int = 0
    error: str = ""
    started_at: int | None = None  # virtual ms; None is Docker's zero time
    finished_at: int | None = None
    restart_count: int = 0
    started_before: bool = False
    manually_stopped: bool = False
    manager: RestartManager | None = None
    restart_due: int | None = None  # virtual ms of the pending restart timer
    network: bool = False  # the network namespace and its address
    oom_this_run: bool = False  # containerd's sticky per-run oom mark (§4.1)

    @property
    def status(self) -> str:
        """Return ``State.Status`` by moby's priority function (§1.2)."""
        if self.running:
            if self.paused:
                return "paused"
            return "restarting" if self.restarting else "running"
        if self.dead:
            return "dead"
        return "created" if self.started_at is None else "exited"

    def resources(self, kernel: Kernel) -> frozenset[str]:
        """Return the resources this container holds, read off the host's objects (S15)."""
        held = {"fs"}
        cgroup = kernel.cgroups.get(self.id)
        if cgroup is not None and cgroup.tasks:
            held |= {"mem", "proc"}
            if not cgroup.frozen:
                held.add("cpu")
        if self.network:
            held.add("net")
        return frozenset(held)

    def new_manager(self, restart_count: int = 0) -> None:
        """Give the container a fresh restart manager (a user start or a daemon boot)."""
        self.manager = RestartManager(self.config.restart, restart_count)
