"""The host and its kernel: processes, memory cgroups, the freezer and the OOM killer.

The kernel is deliberately separate from the daemon (S7, S16): it charges memory, kills at a
cgroup's limit or puts the allocating task to sleep when the OOM killer is disabled (S8), and
freezes cgroups for pause (S14). It never calls the daemon; it queues notifications (``oom``,
``exit``) that the daemon drains, as dockerd reads containerd's event stream (engine-facts §4.1,
§6.3), so a ``kill`` event precedes the ``die`` it causes.

The workload in every container is a small init process with one child (S10). Init traps
SIGTERM and exits 128+15; as PID 1 of its namespace it ignores every other signal it has no
handler for; SIGKILL kills any task, including one asleep at the memory limit (§4.3).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from .signals import SIGKILL, SIGTERM


@dataclass(frozen=True, slots=True)
class Host:
    """Describe the machine: CPUs and memory in units (one unit is `sizes.UNIT_BYTES`, 100 MiB)."""

    memory_units: int = 20
    cpus: int = 1


@dataclass(frozen=True, slots=True)
class Notice:
    """Tell the daemon what happened in a cgroup: ``oom``, or ``exit`` with init's code."""

    kind: str
    cgroup: str
    code: int = 0


@dataclass(slots=True)
class Process:
    """Hold one task: pid, parent pid, and what it keeps in memory."""

    pid: int
    ppid: int
    mem_data: bool = False
    blocked: bool = False  # D state in mem_cgroup_oom_synchronize (S8)
    pending: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Cgroup:
    """Hold a container's cgroup: memory limit, charge, freezer state and its tasks."""

    name: str
    limit: int | None
    oom_kill_disable: bool
    usage: int = 0
    frozen: bool = False
    under_oom: bool = False
    oom_kills: int = 0
    tasks: list[Process] = field(default_factory=list)

    @property
    def init(self) -> Process | None:
        """Return the init task, or None once it has exited."""
        return self.tasks[0] if self.tasks else None


class Kernel:
    """Run the host's processes and cgroups; report to whoever drains `notices`."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self.cgroups: dict[str, Cgroup] = {}
        self.notices: deque[Notice] = deque()
        self._next_pid = 1000

    def free_units(self) -> int:
        """Return the host memory not charged to any cgroup."""
        return self.host.memory_units - sum(cg.usage for cg in self.cgroups.values())

    def spawn(self, name: str, limit: int | None, oom_kill_disable: bool) -> int:
        """Create cgroup ``name`` with init and one child; return init's pid."""
        init = Process(self._pid(), 0)
        child = Process(self._pid(), init.pid)
        self.cgroups[name] = Cgroup(name, limit, oom_kill_disable, tasks=[init, child])
        return init.pid

    def _pid(self) -> int:
        self._next_pid += 1
        return self._next_pid

    def remove(self, name: str) -> None:
        """Delete an empty cgroup (the runtime's cleanup after exit)."""
        self.cgroups.pop(name, None)

    def allocate(self, name: str, units: int) -> str:
        """Charge ``units`` more to init; return ``ok``, ``oom-killed``, ``hung`` or ``enomem``.

        Past the limit the kernel OOM-kills (S7) unless the killer is disabled, in which case
        the task sleeps at the limit with ``under_oom`` set (S8). Without a limit the task may
        grow to the host's memory (S9); beyond it the allocation fails and nothing changes
        (the reference's choice: it does not model the global OOM killer).
        """
        cg = self.cgroups[name]
        room = cg.usage + self.free_units()
        if cg.limit is None or cg.limit > room:
            if cg.usage + units > room:
                return "enomem"
        if cg.limit is None or cg.usage + units <= cg.limit:
            cg.usage += units
            return "ok"
        cg.under_oom = True
        self.notices.append(Notice("oom", name))
        if cg.oom_kill_disable:
            cg.usage = cg.limit
            cg.tasks[0].blocked = True
            return "hung"
        cg.oom_kills += 1
        self._kill_all(cg, 128 + SIGKILL)
        return "oom-killed"

    def write_mem(self, name: str) -> None:
        """Let init keep data in memory; it dies with the process (S6)."""
        self.cgroups[name].tasks[0].mem_data = True

    def exit(self, name: str, code: int) -> None:
        """Let init exit with ``code``: the container's processes are gone (S10)."""
        self._kill_all(self.cgroups[name], code)

    def child_exit(self, name: str, code: int) -> None:
        """Let init's child exit; its parent follows with the same code, up to init (S10)."""
        cg = self.cgroups[name]
        cg.tasks = [t for t in cg.tasks if t.ppid == 0]
        self._kill_all(cg, code)

    def signal(self, name: str, signum: int) -> None:
        """Send ``signum`` to init; a frozen cgroup holds it until thawed (cgroup v1)."""
        cg = self.cgroups[name]
        if cg.init is None:
            return
        if cg.frozen:
            cg.init.pending.append(signum)
            return
        self._deliver(cg, signum)

    def _deliver(self, cg: Cgroup, signum: int) -> None:
        if signum == SIGKILL:
            self._kill_all(cg, 128 + SIGKILL)
        elif signum == SIGTERM and not cg.init.blocked:
            self._kill_all(cg, 128 + SIGTERM)
        # Any other signal: PID 1 has no handler, so the kernel ignores it; a task asleep in
        # mem_cgroup_oom_synchronize only wakes for SIGKILL (§4.3).

    def freeze(self, name: str) -> None:
        """Freeze the cgroup: its tasks get no CPU, their memory stays charged (S14)."""
        self.cgroups[name].frozen = True

    def thaw(self, name: str) -> None:
        """Thaw the cgroup and deliver the signals that waited while it was frozen."""
        cg = self.cgroups[name]
        cg.frozen = False
        while cg.init is not None and cg.init.pending:
            self._deliver(cg, cg.init.pending.pop(0))

    def _kill_all(self, cg: Cgroup, code: int) -> None:
        # Every task ends and the cgroup's memory is uncharged; only the init's exit is
        # reported, as containerd reports TaskExit for the init process (§3.2).
        cg.tasks = []
        cg.usage = 0
        cg.under_oom = False
        cg.frozen = False
        self.notices.append(Notice("exit", cg.name, code))
