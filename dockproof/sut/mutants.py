"""Deliberately broken variants of the reference interpreter: the conformance harness's teeth.

Each mutant subclasses the reference `Daemon` (or its `Kernel` / restart manager) and breaks
one rule of the seed; `MUTANTS` maps its name to ``(what is broken, adapter class)``, the
reference adapter on the broken daemon (``--adapter mutant:NAME``). Like the reference itself,
this module never imports the model or the engines: whether a mutant is caught is for the
harness to find out.

>>> sorted(MUTANTS)[:3]
['alloc_ignores_limit', 'child_exit_keeps_init', 'create_starts']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dockproof.reference.daemon import Daemon
from dockproof.reference.kernel import Host, Kernel
from dockproof.reference.restart import RestartManager
from dockproof.reference.signals import SIGKILL
from dockproof.sut.reference import ReferenceAdapter


class _Daemon(Daemon):
    """A daemon whose kernel class can be swapped."""

    kernel_class: type[Kernel] = Kernel

    def __init__(self, host: Host | None = None, images: tuple[str, ...] = ("busybox",)) -> None:
        super().__init__(host, images)
        self.kernel = self.kernel_class(self.kernel.host)


# -- kernel mutants --------------------------------------------------------------------------


class _KillDespiteDisable(Kernel):
    def allocate(self, name: str, units: int) -> str:
        cg = self.cgroups[name]
        disabled, cg.oom_kill_disable = cg.oom_kill_disable, False
        try:
            return super().allocate(name, units)
        finally:
            cg.oom_kill_disable = disabled


class _IgnoresLimit(Kernel):
    def allocate(self, name: str, units: int) -> str:
        cg = self.cgroups[name]
        limit, cg.limit = cg.limit, None
        try:
            return super().allocate(name, units)
        finally:
            cg.limit = limit


class _ChildExitKeepsInit(Kernel):
    def child_exit(self, name: str, code: int) -> None:
        cg = self.cgroups[name]
        cg.tasks = [t for t in cg.tasks if t.ppid == 0]  # the child is gone, init lives on


# -- daemon mutants --------------------------------------------------------------------------


class PauseFreesMemory(_Daemon):
    """pause uncharges the container's memory and drops what it held (S14 broken)."""

    def pause(self, ref: str) -> None:
        super().pause(ref)
        cg = self.kernel.cgroups[self.get(ref).id]
        cg.usage = 0
        cg.tasks[0].mem_data = False


class RestartWithoutPolicy(_Daemon):
    """the daemon restarts a container whose process exited although --restart is unset."""

    def _start(self, c, reset: bool) -> None:
        super()._start(c, reset)
        c.manager = _EagerManager(c.manager.policy, c.manager.restart_count)


class _EagerManager(RestartManager):
    def should_restart(self, exit_code: int, manually_stopped: bool, ran_ms: int) -> bool:
        if self.policy.name == "no" and not self.canceled and not manually_stopped:
            self.delay_ms = 100
            self.restart_count += 1
            return True
        return super().should_restart(exit_code, manually_stopped, ran_ms)


class OomKillDespiteDisable(_Daemon):
    """the kernel OOM-kills at the limit although --oom-kill-disable is set (S8 broken)."""

    kernel_class = _KillDespiteDisable


class AllocIgnoresLimit(_Daemon):
    """the memory limit is not enforced: the process grows past -m (S7 broken)."""

    kernel_class = _IgnoresLimit


class StopLosesFs(_Daemon):
    """stop throws away what was written to the file system (S6 broken)."""

    def stop(self, ref: str, timeout: int = 10) -> None:
        super().stop(ref, timeout)
        self.get(ref).rootfs.data = False


class StartForgetsNetwork(_Daemon):
    """a user start of a container that ran before does not set up its network (S4 broken)."""

    def _start(self, c, reset: bool) -> None:
        again = reset and c.started_before
        super()._start(c, reset)
        if again:
            c.network = False


class KillKeepsMemData(_Daemon):
    """kill keeps the memory's data: it is shown after the kill and back after a start (S6)."""

    def kill(self, ref: str, signal: str | int = "KILL") -> None:
        c = self.get(ref)
        cg = self.kernel.cgroups.get(c.id)
        kept = bool(cg and cg.tasks and cg.tasks[0].mem_data)
        super().kill(ref, signal)
        c.error = "kept-mem-data" if kept else c.error

    def inspect(self, ref: str) -> dict[str, Any]:
        info = super().inspect(ref)
        if self.get(ref).error == "kept-mem-data":
            info["Dockproof"]["MemData"] = True
        return info


class UnpauseKeepsCpuWithdrawn(_Daemon):
    """unpause reports the container running but leaves its cgroup frozen (S14 broken)."""

    def _resume(self, c) -> None:
        c.paused = False
        self.events.log("unpause", c, self.clock_ms)


class HungDies(_Daemon):
    """a process hung at its limit (S8) is killed when the daemon settles."""

    def settle(self) -> None:
        for c in list(self.containers.values()):
            cg = self.kernel.cgroups.get(c.id)
            if cg is not None and cg.init is not None and cg.init.blocked:
                self.kernel.signal(c.id, SIGKILL)
                self._drain()
        super().settle()


class ChildExitKeepsInit(_Daemon):
    """a child's exit does not take init down: the container keeps running (S10 broken)."""

    kernel_class = _ChildExitKeepsInit


class CreateStarts(_Daemon):
    """create also starts the container (S2, S3 broken)."""

    def create(self, image: str, memory: int | None = None, oom_kill_disable: bool = False,
               restart: str = "no", name: str | None = None) -> str:
        cid = super().create(image, memory, oom_kill_disable, restart, name)
        self.start(cid)
        return cid

    def run(self, image: str, memory: int | None = None, oom_kill_disable: bool = False,
            restart: str = "no", name: str | None = None) -> str:
        return super().create(image, memory, oom_kill_disable, restart, name)


class StopRestarts(_Daemon):
    """a user's stop counts as a failure: --restart brings the container back (S13 broken)."""

    def _stop(self, c, timeout: int) -> None:
        self.shutting_down = True  # the manual mark is not set while "shutting down"
        try:
            super()._stop(c, timeout)
        finally:
            self.shutting_down = False

    def _signal(self, c, signum: int) -> None:
        super()._signal(c, signum)
        if c.restart_due is None and not c.running and c.config.restart.name != "no":
            c.running = c.restarting = True
            c.restart_due = self.clock_ms + 100


class ExitZeroStaysDown(_Daemon):
    """--restart brings the container back only after a non-zero exit (on-failure, not S13)."""

    def _handle_exit(self, c, code: int) -> None:
        if code == 0:
            c.manager.cancel()
        super()._handle_exit(c, code)


class PauseTwiceAccepted(_Daemon):
    """pause on a paused container succeeds instead of being refused."""

    def pause(self, ref: str) -> None:
        if self.get(ref).paused:
            return
        super().pause(ref)


def _adapter(daemon_class: type[Daemon]) -> type[ReferenceAdapter]:
    class MutantAdapter(ReferenceAdapter):
        __doc__ = f"The reference adapter on the broken daemon `{daemon_class.__name__}`."

        def __init__(self, host_units: int = 20) -> None:
            super().__init__(host_units)
            self.daemon = daemon_class(Host(host_units))

        def reset(self, host_units: int) -> None:
            self.daemon = daemon_class(Host(host_units))

    MutantAdapter.__name__ = MutantAdapter.__qualname__ = f"{daemon_class.__name__}Adapter"
    return MutantAdapter


_CLASSES: dict[str, type[Daemon]] = {
    "pause_frees_memory": PauseFreesMemory,
    "restart_without_policy": RestartWithoutPolicy,
    "oom_kill_despite_disable": OomKillDespiteDisable,
    "alloc_ignores_limit": AllocIgnoresLimit,
    "stop_loses_fs": StopLosesFs,
    "start_forgets_network": StartForgetsNetwork,
    "kill_keeps_mem_data": KillKeepsMemData,
    "unpause_keeps_cpu_withdrawn": UnpauseKeepsCpuWithdrawn,
    "hung_dies": HungDies,
    "child_exit_keeps_init": ChildExitKeepsInit,
    "create_starts": CreateStarts,
    "stop_restarts": StopRestarts,
    "exit_zero_stays_down": ExitZeroStaysDown,
    "pause_twice_accepted": PauseTwiceAccepted,
}

#: name -> (what is broken, adapter class)
MUTANTS: dict[str, tuple[str, Callable[[], ReferenceAdapter]]] = {
    name: ((cls.__doc__ or "").strip(), _adapter(cls)) for name, cls in _CLASSES.items()
}
