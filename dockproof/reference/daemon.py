"""The mini Docker daemon: containers from images, the user commands and the restart manager.

Written from engine-facts §1–3 without reference to dockproof's model. The daemon owns the
containers' records, network namespaces and file systems; the `Kernel` owns processes, cgroups
and the OOM killer (S7, S16). Every refusal raises a `DockerError` with Docker's text and
changes nothing; Docker's 304 answers (start on running, stop on exited) return quietly.

The busybox workload has no ``STOPSIGNAL``, so every signal that `kill` sends cancels the
restart manager and unpauses (§2.2 kill, step 2). Time is a virtual clock in milliseconds:
`tick` and `settle` advance it and fire due restarts; a `stop` whose process ignores SIGTERM
advances it by the stop timeout before sending SIGKILL.
"""

from __future__ import annotations

import hashlib
from typing import Any

from . import errors
from .container import Container, HostConfig
from .events import EventLog
from .inspection import inspect_dict
from .kernel import Host, Kernel
from .restart import parse_policy
from .signals import SIGKILL, SIGTERM, parse_signal

DEFAULT_STOP_TIMEOUT_S = 10
OOM_DISABLE_WARNING = ("OOM killer is disabled for the container, but no memory limit is set, "
                       "this can result in the system running out of resources.")


def normalize_image(ref: str) -> str:
    """Add the default tag: ``busybox`` names ``busybox:latest``.

    >>> normalize_image("busybox"), normalize_image("busybox:1.36")
    ('busybox:latest', 'busybox:1.36')
    """
    return ref if ":" in ref.rsplit("/", 1)[-1] else f"{ref}:latest"


class Daemon:
    """Run containers on one `Host` and answer Docker's commands (S1, S16).

    >>> d = Daemon()
    >>> cid = d.run("busybox", memory=5, name="web")
    >>> d.inspect("web")["State"]["Status"], [e.action for e in d.events.events]
    ('running', ['create', 'start'])
    """

    def __init__(self, host: Host | None = None, images: tuple[str, ...] = ("busybox",)) -> None:
        self.kernel = Kernel(host or Host())
        self.events = EventLog()
        self.images = frozenset(normalize_image(i) for i in images)
        self.containers: dict[str, Container] = {}
        self.clock_ms = 0
        self.shutting_down = False
        self.warnings: tuple[str, ...] = ()
        self._serial = 0

    # -- lookup -----------------------------------------------------------------------------

    def get(self, ref: str) -> Container:
        """Find a container by full ID, name or unique ID prefix, as Docker does."""
        if ref in self.containers:
            return self.containers[ref]
        by_name = [c for c in self.containers.values() if c.name == ref.lstrip("/")]
        if by_name:
            return by_name[0]
        by_prefix = [c for c in self.containers.values() if ref and c.id.startswith(ref)]
        if len(by_prefix) == 1:
            return by_prefix[0]
        raise errors.no_such_container(ref)

    def ps(self, all: bool = False) -> list[Container]:
        """List containers newest first; without ``all`` only the running ones (``docker ps``)."""
        listed = [c for c in self.containers.values() if all or c.running]
        return listed[::-1]

    def inspect(self, ref: str) -> dict[str, Any]:
        """Return ``docker inspect``'s answer for one container."""
        return inspect_dict(self.get(ref), self.kernel)

    # -- create, start, run -----------------------------------------------------------------

    def create(self, image: str, memory: int | None = None, oom_kill_disable: bool = False,
               restart: str = "no", name: str | None = None) -> str:
        """Build a container's file system only (S3): status ``created``; return its ID."""
        config = self._validate(image, memory, oom_kill_disable, restart)
        self._serial += 1
        name = name or f"c{self._serial}"
        clash = [c for c in self.containers.values() if c.name == name]
        if clash:
            raise errors.name_in_use(name, clash[0].id)
        cid = hashlib.sha256(f"dockproof-reference:{self._serial}:{name}".encode()).hexdigest()
        container = Container(cid, name, image, config)
        self.containers[cid] = container
        self.events.log("create", container, self.clock_ms)
        return cid

    def _validate(self, image: str, memory: int | None, oom_kill_disable: bool,
                  restart: str) -> HostConfig:
        if normalize_image(image) not in self.images:
            raise errors.no_such_image(normalize_image(image))
        if memory is not None and memory < 1:
            raise errors.DockerError(400, "Minimum memory limit allowed is 6MB")
        policy = parse_policy(restart)
        # §4.3: accepted with a warning; without -m the flag changes nothing (S9).
        self.warnings = (OOM_DISABLE_WARNING,) if oom_kill_disable and memory is None else ()
        return HostConfig(memory, oom_kill_disable, policy)

    def run(self, image: str, memory: int | None = None, oom_kill_disable: bool = False,
            restart: str = "no", name: str | None = None) -> str:
        """Create, then start (S5); return the new container's ID."""
        cid = self.create(image, memory, oom_kill_disable, restart, name)
        self.start(cid)
        return cid

    def start(self, ref: str) -> None:
        """Allocate the run resources (S4); 304 on running or restarting (§2.2 start)."""
        c = self.get(ref)
        if c.paused:
            raise errors.start_paused()
        if c.running:
            return
        if c.dead:
            raise errors.marked_for_removal()
        self._start(c, reset=True)

    def _start(self, c: Container, reset: bool) -> None:
        # A user start (reset) gets a new restart manager, RestartCount 0 and clears the manual
        # mark; the restart manager's own start keeps them (§3.2, step 7).
        if reset:
            c.new_manager()
            c.restart_count = 0
            c.manually_stopped = False
        c.network = True
        c.pid = self.kernel.spawn(c.id, c.config.memory, c.config.oom_kill_disable)
        c.running, c.paused, c.restarting = True, False, False
        c.exit_code, c.error, c.restart_due = 0, "", None
        c.started_at = self.clock_ms
        c.started_before = True
        c.oom_this_run = False  # OOMKilled itself stays as it was until the next exit (§4.4)
        self.events.log("start", c, self.clock_ms)

    # -- stop, kill, restart ----------------------------------------------------------------

    def stop(self, ref: str, timeout: int = DEFAULT_STOP_TIMEOUT_S) -> None:
        """Send SIGTERM, wait ``timeout`` virtual seconds, then SIGKILL (S6; §2.2 stop)."""
        self._stop(self.get(ref), timeout)

    def _stop(self, c: Container, timeout: int) -> None:
        if not c.running:
            return  # 304: created, exited and dead are already stopped
        self._signal(c, SIGTERM)
        if c.pid:
            # The process ignored SIGTERM (asleep at its limit, S8): wait, then kill.
            self.clock_ms += timeout * 1000
            self._signal(c, SIGKILL)
        self.events.log("stop", c, self.clock_ms)

    def kill(self, ref: str, signal: str | int = "KILL") -> None:
        """Send a signal to init (§2.2 kill); refused unless the container is running."""
        c = self.get(ref)
        signum = parse_signal(signal, ref)
        if not c.running:
            raise errors.kill_not_running(ref, c.id)
        self._signal(c, signum)

    def _signal(self, c: Container, signum: int) -> None:
        # killWithSignal (§2.2): no STOPSIGNAL is set, so every signal cancels the restart
        # manager and unpauses; the manual mark is set unless the daemon is shutting down.
        c.manager.cancel()
        if not self.shutting_down:
            c.manually_stopped = True
        if c.restarting:
            self._cancel_pending_restart(c)  # no signal, no event (§3.4)
            return
        unpause = c.paused
        if signum == SIGKILL and c.paused:
            self.kernel.thaw(c.id)  # runc thaws a v1 freezer itself for SIGKILL; no event
            unpause = False
        self.kernel.signal(c.id, signum)
        self.events.log("kill", c, self.clock_ms, signal=str(signum))
        if unpause:
            self._resume(c)
        self._drain()

    def _cancel_pending_restart(self, c: Container) -> None:
        # The back-off goroutine sees the cancel and calls SetStopped with the last exit (§3.4).
        c.running = c.restarting = False
        c.restart_due = None

    def restart(self, ref: str, timeout: int = DEFAULT_STOP_TIMEOUT_S) -> None:
        """Stop if running, then start with a fresh restart manager (§2.2 restart)."""
        c = self.get(ref)
        if c.dead:
            raise errors.restart_failed(ref, errors.marked_for_removal())
        self._stop(c, timeout)
        self._start(c, reset=True)
        self.events.log("restart", c, self.clock_ms)

    # -- pause ------------------------------------------------------------------------------

    def pause(self, ref: str) -> None:
        """Freeze the container: CPU withdrawn, memory and network kept (S14)."""
        c = self.get(ref)
        if not c.running:
            raise errors.not_running(c.id)
        if c.paused:
            raise errors.already_paused(c.id)
        if c.restarting:
            raise errors.is_restarting(c.id)
        if self.kernel.cgroups[c.id].init.blocked:
            raise errors.pause_hung(c.id)
        self.kernel.freeze(c.id)
        c.paused = True
        self.events.log("pause", c, self.clock_ms)

    def unpause(self, ref: str) -> None:
        """Thaw a paused container: the CPU comes back (S14)."""
        c = self.get(ref)
        if not c.paused:
            raise errors.not_paused(c.id)
        self._resume(c)
        self._drain()

    def _resume(self, c: Container) -> None:
        c.paused = False
        self.events.log("unpause", c, self.clock_ms)
        self.kernel.thaw(c.id)

    # -- rm ---------------------------------------------------------------------------------

    def rm(self, ref: str, force: bool = False) -> None:
        """Remove a container and its file system; ``force`` kills it first (§2.2 rm)."""
        c = self.get(ref)
        if c.running and not force:
            raise errors.remove_live(c.status, c.id)
        if c.running:
            self._signal(c, SIGKILL)  # SIGKILL without SIGTERM grace; a pending restart ends
        if c.rootfs.immutable:
            c.dead, c.error = True, errors.removal_failed(c.id).message
            raise errors.removal_failed(c.id)
        del self.containers[c.id]
        self.events.log("destroy", c, self.clock_ms)

    def chattr(self, ref: str, immutable: bool) -> None:
        """Make the file system unremovable (``chattr +i``, §1.4) or removable again."""
        self.get(ref).rootfs.immutable = immutable

    # -- exits and restarts -----------------------------------------------------------------

    def _drain(self) -> None:
        while self.kernel.notices:
            notice = self.kernel.notices.popleft()
            c = self.containers.get(notice.cgroup)
            if c is None:
                continue
            if notice.kind == "oom":
                c.oom_this_run = True  # the flag itself is set at exit (§4.1)
                self.events.log("oom", c, self.clock_ms)
            else:
                self._handle_exit(c, notice.code)

    def _handle_exit(self, c: Container, code: int) -> None:
        # handleContainerExit (§3.2): decide, count the restart at die time, log die, clean up.
        self.kernel.remove(c.id)
        ran = self.clock_ms - (c.started_at or 0)
        manual = self.shutting_down or c.manually_stopped
        again = c.manager.should_restart(code, manual, ran)
        c.pid, c.paused, c.exit_code = 0, False, code
        c.oom_killed, c.finished_at = c.oom_this_run, self.clock_ms
        c.running = c.restarting = again
        if again:
            c.restart_count += 1
            c.restart_due = self.clock_ms + c.manager.delay_ms
        self.events.log("die", c, self.clock_ms, exitCode=str(code))
        c.network = False

    def pending_restarts(self) -> list[Container]:
        """List restarting containers by due time (then creation order)."""
        waiting = [c for c in self.containers.values() if c.restart_due is not None]
        return sorted(waiting, key=lambda c: c.restart_due)

    def tick(self, ms: int) -> None:
        """Advance the virtual clock by ``ms`` and fire the restarts that fall due."""
        target = self.clock_ms + ms
        for c in self.pending_restarts():
            if c.restart_due > target:
                break
            self.clock_ms = max(self.clock_ms, c.restart_due)
            self._start(c, reset=False)
        self.clock_ms = target

    def settle(self) -> None:
        """Advance the clock until no restart is pending: every restarting container runs."""
        while pending := self.pending_restarts():
            self.tick(max(0, pending[0].restart_due - self.clock_ms))

    # -- the workload's own actions (stimuli) -----------------------------------------------

    def _workload(self, ref: str) -> Container:
        # Refused like `docker exec` (§2.1): the workload acts only while it runs.
        c = self.get(ref)
        if c.paused:
            raise errors.paused_exec(ref)
        if c.restarting:
            raise errors.is_restarting(c.id)
        if not c.running:
            raise errors.not_running(c.id)
        if self.kernel.cgroups[c.id].init.blocked:
            raise errors.workload_hung(c.id)
        return c

    def alloc(self, ref: str, units: int = 1) -> str:
        """Let the workload ask for memory; return ``ok``, ``oom-killed`` or ``hung`` (S7–S9)."""
        c = self._workload(ref)
        if units < 1:
            raise errors.DockerError(400, f"cannot allocate {units} units: ask for at least 1")
        free = self.kernel.free_units()
        outcome = self.kernel.allocate(c.id, units)
        if outcome == "enomem":
            raise errors.host_exhausted(c.id, units, free)
        self._drain()
        return outcome

    def write_mem(self, ref: str) -> None:
        """Let the workload keep data in memory; a stop destroys it (S6)."""
        self.kernel.write_mem(self._workload(ref).id)

    def write_fs(self, ref: str) -> None:
        """Let the workload write to its file system; it survives stop and start (S6)."""
        self._workload(ref).rootfs.data = True

    def exit(self, ref: str, code: int = 0) -> None:
        """Let init exit with ``code`` (S10, S12)."""
        c = self._workload(ref)
        self.kernel.exit(c.id, _exit_code(code))
        self._drain()

    def child_exit(self, ref: str, code: int = 0) -> None:
        """Let init's child exit with ``code``; init follows (S10)."""
        c = self._workload(ref)
        self.kernel.child_exit(c.id, _exit_code(code))
        self._drain()

    # -- the daemon's own restart -----------------------------------------------------------

    def daemon_restart(self) -> None:
        """Shut down (stop every running container), then boot and restore (§3.6–3.7)."""
        self.shutting_down = True
        for c in list(self.containers.values()):
            self._stop(c, DEFAULT_STOP_TIMEOUT_S)
        self.shutting_down = False
        for c in self.containers.values():
            self._restore(c)

    def _restore(self, c: Container) -> None:
        # A fresh manager that remembers RestartCount decides; a restored start is a full
        # start that resets the count (§3.7 step 4).
        c.new_manager(c.restart_count)
        if c.dead or not c.started_before:
            return
        ran = (c.finished_at or 0) - (c.started_at or 0)
        if c.manager.should_restart(c.exit_code, c.manually_stopped, ran):
            self._start(c, reset=True)


def _exit_code(code: int) -> int:
    if not 0 <= code <= 255:
        raise errors.DockerError(400, f"exit code {code} is out of range 0..255")
    return code
