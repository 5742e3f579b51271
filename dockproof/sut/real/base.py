"""What the Docker and Podman adapters share: stimuli, settling, observation and cleanup.

A subclass supplies the engine: `_command` (a CLI verb; returns the engine's error text or
None), `_inspect` (an `Inspected` or None), `_refusal` (the engine's own error for a stimulus
that cannot be delivered), `_transient`, `_labelled` and `_remove`.

Settling (design §6): `settle()` polls inspect and the kernel until the container is
quiescent — not restarting/removing, a pending exit has happened, a pending allocation is
acknowledged or hung, and a running workload is ready for the next stimulus — or until the
declared window (windows.py) elapses. Then the next observation carries the flag
``inconclusive: True`` (we flag rather than raise, so the harness still sees what the engine
showed and can report an *inconclusive* verdict with it).

Teardown (issue 6 item 7): the adapter remembers every container it created; `close()` removes
the containers carrying *our* run label (listing again until none is left, within
`windows.TEARDOWN`) and returns a `Teardown` naming what it removed and what it could not (an
engine that stopped answering: then the containers it remembers are the leftovers). It never
acts on a container without our label. `close()` may be called any number of times.
"""

from __future__ import annotations

import abc
import time
import uuid
from dataclasses import dataclass

from dockproof.sut.contract import (
    DAEMON_COMMANDS,
    OK,
    STIMULI,
    Command,
    Config,
    Inconclusive,
    Observation,
    Outcome,
)
from dockproof.sut.real import cgroups, evidence, observe, procs, windows, workload
from dockproof.sut.real.errors import EngineUnavailable
from dockproof.sut.real.observe import Inspected

#: The label every container we create carries; cleanup acts only on containers with it.
LABEL = "dockproof.run"


@dataclass(frozen=True, slots=True)
class Pending:
    """A stimulus whose effect the engine or the workload has yet to show."""

    kind: str  # "exit" (the container should exit) or "ack" (the workload should answer)
    pid: int
    started_at: str
    seq: int
    verb: str = ""


def host_cgroup(run_id: str) -> cgroups.HostCgroup:
    """Return the parent cgroup standing for the host of run `run_id`."""
    return cgroups.HostCgroup(f"dockproof-{run_id[:12]}")


def describe(ident: str, name: str) -> str:
    """Return how a container is named in messages: ``name (short id)``."""
    return f"{name} ({ident[:12]})" if name else ident[:12]


def _count(n: int) -> str:
    return f"{n} container" + ("" if n == 1 else "s")


@dataclass(frozen=True, slots=True)
class Teardown:
    """What a cleanup removed, and what it had to leave behind (and why)."""

    run_id: str
    removed: tuple[str, ...] = ()
    leftovers: tuple[str, ...] = ()
    reason: str | None = None
    #: The command that removes the leftovers once the engine answers again.
    hint: str = ""

    def summary(self) -> str:
        """Return one line: what was removed and what was left behind."""
        parts = []
        if self.removed:
            parts.append(f"removed {_count(len(self.removed))} of run {self.run_id}: "
                         + ", ".join(self.removed))
        if self.leftovers:
            parts.append(self.leftover_message())
        return "; ".join(parts) or f"run {self.run_id} left no containers"

    def leftover_message(self) -> str:
        """Return the line that lists the leftovers and how to remove them."""
        why = f" ({self.reason})" if self.reason else ""
        hint = f"; remove them once the engine answers: {self.hint}" if self.hint else ""
        return (f"{_count(len(self.leftovers))} of run {self.run_id} could not be removed"
                f"{why}: {', '.join(self.leftovers)}{hint}")


def memory_bytes(config: Config) -> int | None:
    """Return the `-m` limit in bytes for `config` (None: no limit).

    The contract's limit is the number of units the container may *hold* (the model's
    ``usage <= LIMIT``; the reference interpreter's rule): the LIMIT-th unit fits, the next
    one reaches the kernel. A unit's holder costs about 8.33 MiB resident for 8 MiB of data
    and the workload's init about 0.8 MiB (measured here), so the limit gets 1/16 per unit plus
    half a unit of headroom: 2 units hold 17.5 MiB under 21 MiB, a third needs 25.8 MiB; at
    MAX_UNITS (16), 134 MiB fit under 140 MiB and a 17th unit (142.5 MiB) does not.
    """
    if config.memory is None:
        return None
    return room_bytes(config.memory)


def room_bytes(units: int) -> int:
    """Return the bytes a memory cgroup needs to hold `units` units (see `memory_bytes`)."""
    unit = workload.UNIT_BYTES
    return units * (unit + unit // 16) + unit // 2


def split_policy(policy: str) -> tuple[str, int]:
    """Split a restart policy such as ``on-failure:2`` into (name, maximum retry count).

    >>> split_policy("on-failure:2"), split_policy("always")
    (('on-failure', 2), ('always', 0))
    """
    name, _, count = policy.partition(":")
    return name, int(count) if count.lstrip("-").isdigit() else 0


class RealAdapter(abc.ABC):
    """The `Adapter` Protocol for a real engine; one labelled container at a time."""

    def __init__(self, run_id: str | None = None) -> None:
        self.run_id = run_id or uuid.uuid4().hex
        self.name = f"dockproof-{self.run_id[:12]}"
        self.labels = {LABEL: self.run_id}
        self.host = host_cgroup(self.run_id)
        #: The containers this adapter created and has not seen removed: id -> name.
        self.created: dict[str, str] = {}
        self._seq = 0
        self._pending: Pending | None = None
        self._inconclusive = False
        self.host_units: int | None = None  # set by reset()
        #: The inspection settle() ended on, while nothing was applied since: the container
        #: is quiescent then, so observe() and the next stimulus use it rather than asking
        #: the engine again (a `podman inspect` costs ~0.1 s of CPU; it was 2.3 per step).
        self._settled: Inspected | None = None
        observe.require_cgroup_v1()

    # -- the Protocol -------------------------------------------------------------------------

    def reset(self, host_units: int) -> None:
        """Remove our containers; the host (a parent cgroup) gets `host_units` units."""
        teardown = self._remove_ours()
        if teardown.leftovers:
            raise EngineUnavailable(teardown.leftover_message())
        self.host.remove()
        # The host holds `host_units` units as a container does (S9: an unlimited container
        # may take them all), so it gets the same room as `-m host_units` would.
        self.host.create(room_bytes(host_units))
        self.host_units = host_units
        self._pending, self._inconclusive, self._settled = None, False, None

    def apply(self, command: Command) -> Outcome:
        """Perform one command or stimulus; return `OK` or the engine's error text."""
        self._inconclusive = False
        settled, self._settled = self._settled, None
        if command.verb in STIMULI:
            return self._stimulus(command, settled)
        if command.verb in DAEMON_COMMANDS:
            return self._daemon_restart()
        error = self._command(command)
        return OK if error is None else Outcome(False, error)

    def settle(self) -> None:
        """Wait for the engine to be quiescent, within the declared window (else flag it)."""
        p = self._pending
        window = windows.HANG if p is not None and p.verb == "alloc" else windows.RESTART
        deadline = time.monotonic() + max(window, windows.RESTART)
        while True:
            ins = self._inspect()
            busy = self._busy(ins)
            if busy is None:
                self._pending, self._settled = None, ins
                return
            if time.monotonic() > deadline:
                self._inconclusive = (f"not quiescent within {max(window, windows.RESTART):g}"
                                      f" s: {busy}")
                return
            time.sleep(windows.POLL)

    def observe(self) -> Observation:
        """Return what the engine and the kernel show of the container."""
        ins = self._settled if self._settled is not None else self._inspect()
        return observe.observe(ins, self._inconclusive)

    def close(self) -> Teardown:
        """Remove every container carrying our run label, and the host cgroup; say what went.

        Never raises for an engine that stopped answering: the containers it holds are then
        the `Teardown`'s leftovers (and the host cgroup, which they sit in, stays too).
        """
        teardown = self._remove_ours()
        if not teardown.leftovers:
            self.host.remove()
        return teardown

    def evidence(self) -> dict[str, str]:
        """Return the kernel's readings for the container now, in reading order (`evidence`)."""
        return dict(evidence.kernel(self._inspect()))

    # -- stimuli ------------------------------------------------------------------------------

    def _stimulus(self, command: Command, settled: Inspected | None = None) -> Outcome:
        ins = settled if settled is not None else self._inspect()
        if ins is None or ins.status != "running" or ins.pid <= 0:
            return Outcome(False, self._refusal())
        if cgroups.under_oom(cgroups.of_pid(ins.pid, "memory")):
            # S8: the container hangs at its limit (a holder sleeps in the memcg OOM wait);
            # the models and the reference take no more of its process's actions there, so
            # the harness sends none (init itself, which reads the FIFO, could still read)
            return Outcome(False, f"the workload of {self.name} is hung at its memory limit "
                                  "(memory.oom_control: under_oom 1)")
        if command.verb == "alloc" and self._host_full(ins.pid):
            return Outcome(False, f"the host has no free memory: {self.host_units} units are "
                                  "in use (the harness's host does not back more)")
        self._seq += 1
        arg = command.code if command.code is not None else f"dp{self._seq}"
        if not workload.send(ins.pid, f"{self._seq} {command.verb} {arg}"):
            # Not the engine's refusal: our workload did not take the line in time.
            self._inconclusive = (f"the workload did not read its {command.verb} command "
                                  f"within {windows.WORKLOAD_READY:g} s")
            return Outcome(False, f"workload in {self.name} did not read its command within "
                                  f"{windows.WORKLOAD_READY}s")
        kind = "exit" if command.verb in ("exit", "child_exit") else "ack"
        self._pending = Pending(kind, ins.pid, ins.started_at, self._seq, command.verb)
        if kind == "ack":
            self._await_ack(windows.ACK)
        elif procs.await_gone([ins.pid], windows.EXIT, windows.EXIT_POLL):
            # the model's exit step is the end of the process: a command that follows at
            # once must not overtake it (it would kill a live process instead)
            raise Inconclusive(f"the workload of {self.name} did not exit within "
                               f"{windows.EXIT:g}s of its exit command")
        return OK

    def _host_full(self, pid: int) -> bool:
        """Return whether one more unit would go past the host's memory for a container
        without its own limit.

        The host is a parent cgroup standing for the host's memory (`cgroups.HostCgroup`).
        Past it the kernel would OOM-kill inside that stand-in, an answer about the
        stand-in rather than about the engine; the models (S9: the container may take as
        much memory as the host *has*) and the reference interpreter (ENOMEM) end there, so
        the harness refuses the allocation itself, as a host out of memory refuses it.
        """
        memory = cgroups.of_pid(pid, "memory")
        limit = cgroups.read(memory, "memory.limit_in_bytes")
        usage = cgroups.read(memory, "memory.usage_in_bytes")
        if self.host_units is None or limit is None or usage is None \
                or int(limit) <= room_bytes(self.host_units):
            return False  # a container limit within the host's: the kernel answers (S7, S8)
        return int(usage) // workload.UNIT_BYTES + 1 > self.host_units

    def _await_ack(self, window: float) -> None:
        """Wait for the pending ack, a hang or the process's end; leave the rest to settle."""
        deadline = time.monotonic() + window
        while time.monotonic() < deadline:
            if self._ack_resolved(self._pending):
                self._pending = None
                return
            time.sleep(windows.POLL)

    @staticmethod
    def _ack_resolved(p: Pending | None) -> bool:
        if p is None or p.kind != "ack" or workload.acked(p.pid, p.seq):
            return True
        memory = cgroups.of_pid(p.pid, "memory")
        return memory is None or cgroups.under_oom(memory)

    # -- settling -----------------------------------------------------------------------------

    def _busy(self, ins: Inspected | None) -> str | None:
        """Return what the engine or the workload still owes us (for an inconclusive step's
        note), or None when the container is quiescent."""
        if ins is None:
            return None
        if self._transient(ins):
            return f"the engine shows the container {ins.status}"
        p = self._pending
        same_run = p is not None and (ins.pid, ins.started_at) == (p.pid, p.started_at)
        if p is not None and p.kind == "exit" and same_run and ins.status != "exited":
            return f"the workload exited ({p.verb}); the engine still shows it {ins.status}"
        if p is not None and p.kind == "ack" and same_run and not self._ack_resolved(p):
            return f"the workload has not acknowledged its {p.verb} command (#{p.seq})"
        if ins.status in ("running", "paused") and ins.pid > 0 and not self._frozen_agrees(ins):
            return (f"the engine shows the container {ins.status}; the kernel's freezer "
                    "does not agree")
        if ins.status == "running" and ins.pid > 0:
            memory = cgroups.of_pid(ins.pid, "memory")
            if not (cgroups.under_oom(memory) or workload.try_send(ins.pid, "")):
                return "the workload does not take a command (no reader on its FIFO)"
        return None

    @staticmethod
    def _frozen_agrees(ins: Inspected) -> bool:
        """Return whether the engine's paused / running agrees with the kernel's freezer.

        They disagree for a moment when the engine applies a stale event: dockerd 20.10 sets
        Paused itself when `pause` returns and again on containerd's TaskPaused event
        (daemon/pause.go, monitor.go: EventPaused), so a TaskPaused handled after an `unpause`
        that followed at once says "paused" again, over a THAWED cgroup, until TaskResumed is
        handled. A tour met it (`pause; unpause`: observed paused, the evidence a few ms later
        running). The engine is not quiescent until the two agree; settle() waits for that
        within its window, and an engine that never agrees is an inconclusive step.
        """
        state = cgroups.read(cgroups.of_pid(ins.pid, "freezer"), "freezer.state")
        return state is None or state == ("FROZEN" if ins.status == "paused" else "THAWED")

    # -- cleanup ------------------------------------------------------------------------------

    def _remove_ours(self) -> Teardown:
        """Force-remove the containers labelled with our run id (never any other).

        Lists again after each round, so a container whose create was still under way when
        the first list was taken goes too; stops at `windows.TEARDOWN`.
        """
        removed: dict[str, str] = {}
        found: list[tuple[str, str]] = []
        reason = None
        deadline = time.monotonic() + windows.TEARDOWN
        try:
            found = self._labelled()
            while found and time.monotonic() < deadline:
                for ident, name in found:
                    self._remove(ident)
                    removed[ident] = name
                found = self._labelled()
            if found:
                reason = f"still there after {windows.TEARDOWN:g}s"
            else:
                self.created.clear()  # everything we made is gone, some by a step's `rm`
        except EngineUnavailable as e:
            reason = str(e)
        left = {**{i: n for i, n in self.created.items() if i not in removed}, **dict(found)}
        if not left:
            self.created.clear()
        return Teardown(self.run_id, tuple(sorted(describe(i, n) for i, n in removed.items())),
                        tuple(sorted(describe(i, n) for i, n in left.items())), reason,
                        self.cleanup_hint() if left else "")

    def cleanup_hint(self) -> str:
        """Return the command line that removes this run's containers later."""
        argv = ["python", "-m", "dockproof.sut.real.cleanup", *self._engine_argv(),
                "--run-id", self.run_id]
        return " ".join(argv)

    # -- engine hooks -------------------------------------------------------------------------

    @abc.abstractmethod
    def _command(self, command: Command) -> str | None:
        """Run a user command; return the engine's error text, or None on success."""

    @abc.abstractmethod
    def _daemon_restart(self) -> Outcome:
        """Restart the engine's daemon, or say why this engine cannot."""

    @abc.abstractmethod
    def _inspect(self) -> Inspected | None:
        """Return the container's inspect data, or None if it does not exist."""

    @abc.abstractmethod
    def _refusal(self) -> str:
        """Return the engine's own error for an exec into the container as it is now."""

    @abc.abstractmethod
    def _transient(self, ins: Inspected) -> bool:
        """Return whether the engine is between states (restarting, cleaning up, …)."""

    @abc.abstractmethod
    def _labelled(self) -> list[tuple[str, str]]:
        """Return (id, name) of the containers carrying our run label; raise
        `EngineUnavailable` if the engine cannot say."""

    @abc.abstractmethod
    def _remove(self, ident: str) -> None:
        """Force-remove one container of ours (gone already is fine)."""

    @abc.abstractmethod
    def _engine_argv(self) -> list[str]:
        """Return the `dockproof.sut.real.cleanup` options that reach this engine."""
