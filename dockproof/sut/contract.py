"""The adapter contract: what every implementation under test offers the harness.

One Protocol, several transports (in-process Python, the reference interpreter, a `jsonl`
subprocess, real engines), and the `Capabilities` an adapter declares instead of the harness
guessing them from its class or module. The vocabulary is Docker's: statuses are
`State.Status` words (plus ``"none"`` when no container exists, before `create` or after
`rm`), commands are CLI verbs, and process-level stimuli are what the workload inside the
container can be told to do. This module imports nothing else of dockproof.

Memory is counted in *units*: the harness tells the adapter how many units the container's limit
and the host hold (``Config.memory`` and ``host_units``); an adapter maps a unit onto bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

#: Commands a user gives through the daemon (the CLI verbs).
USER_COMMANDS = frozenset(
    {"create", "run", "start", "stop", "kill", "pause", "unpause", "restart", "rm", "rm_force"}
)
#: Daemon-level commands (the daemon itself is restarted: shutdown, then boot and restore).
DAEMON_COMMANDS = frozenset({"daemon_restart"})
#: Stimuli delivered to the workload inside the container (the container's own process acts).
STIMULI = frozenset({"alloc", "write_mem", "write_fs", "exit", "child_exit"})
COMMANDS = USER_COMMANDS | DAEMON_COMMANDS | STIMULI

#: The run resources of S3/S4/S14/S15 plus the file system.
RESOURCES = ("cpu", "mem", "net", "proc", "fs")

#: Statuses an observation may report (Docker's seven, plus "none": no container).
STATUSES = ("none", "created", "running", "paused", "restarting", "removing", "exited", "dead")

RESTART_POLICIES = ("no", "on-failure", "always", "unless-stopped")


@dataclass(frozen=True, slots=True)
class Config:
    """The container's configuration, fixed at `create`/`run` (Docker's `HostConfig`).

    ``memory`` is the limit in units (``-m``), ``None`` for no limit. ``restart`` is a
    Docker restart policy string: ``no``, ``on-failure``, ``on-failure:N``, ``always``,
    ``unless-stopped``.
    """

    memory: int | None = None
    oom_kill_disable: bool = False
    restart: str = "no"

    def to_json(self) -> dict[str, Any]:
        return {"memory": self.memory, "oom_kill_disable": self.oom_kill_disable,
                "restart": self.restart}


@dataclass(frozen=True, slots=True)
class Command:
    """One step the harness asks for: a CLI verb, a daemon command or a stimulus.

    ``config`` is set for ``create`` and ``run``; ``code`` for ``exit`` and ``child_exit``.
    """

    verb: str
    config: Config | None = None
    code: int | None = None

    def __str__(self) -> str:
        if self.config is not None:
            c = self.config
            opts = []
            if c.memory is not None:
                opts.append(f"-m {c.memory}u")
            if c.oom_kill_disable:
                opts.append("--oom-kill-disable")
            if c.restart != "no":
                opts.append(f"--restart={c.restart}")
            return " ".join([self.verb, *opts])
        if self.code is not None:
            return f"{self.verb} {self.code}"
        return self.verb

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"verb": self.verb}
        if self.config is not None:
            out["config"] = self.config.to_json()
        if self.code is not None:
            out["code"] = self.code
        return out


@dataclass(frozen=True, slots=True)
class Outcome:
    """What `apply` answered: success, or Docker's error text."""

    ok: bool
    error: str | None = None


OK = Outcome(True)


class Inconclusive(Exception):
    """Raised by an adapter that cannot tell what happened within its declared window."""


@dataclass(frozen=True, slots=True)
class Observation:
    """What the harness can see of the one container under test.

    ``resources`` is the set of held resources among `RESOURCES`. ``flags`` carries what the
    adapter can observe of: ``hung`` (bool), ``oom_killed`` (bool), ``exit_code`` (int or
    None), ``restart_count`` (int), ``usage`` (units, int), ``mem_data`` and ``fs_data``
    (bool: the data written to memory / to the file system is still there). A key the adapter
    cannot observe is left out; the harness then does not compare it.
    """

    status: str
    resources: frozenset[str] = frozenset()
    flags: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "resources": sorted(self.resources),
                "flags": dict(sorted(self.flags.items()))}


@runtime_checkable
class Adapter(Protocol):
    """An implementation under test, holding at most one container at a time.

    - ``reset(host_units)``: forget everything; no container exists; the host has
      ``host_units`` units of memory.
    - ``apply(command)``: perform one command or stimulus; return `OK` or the error text;
      a refused command must change nothing.
    - ``settle()``: let the implementation's own activity (restart back-off, OOM handling)
      run until it is quiescent or its declared time window has elapsed.
    - ``observe()``: the current `Observation`.
    - ``close()``: release everything the adapter made.
    """

    def reset(self, host_units: int) -> None: ...

    def apply(self, command: Command) -> Outcome: ...

    def settle(self) -> None: ...

    def observe(self) -> Observation: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What an adapter can do and needs, declared as its ``capabilities`` attribute or property.

    - ``engine``: the engine's name for matching recorded divergences (``docker``,
      ``podman``, ``reference``); empty: the adapter's class name.
    - ``version``: the engine's version, or a callable taking the adapter and returning it
      (a real engine asks its server, so the answer is read only when needed); ``"?"``
      when unknown.
    - ``unsupported``: command verb -> why the adapter cannot perform it; the test
      generators leave those transitions out and the coverage report quotes the reason.
    - ``restarts_before_backoff``: how many automatic restarts in a row the engine performs
      before its restart back-off grows long (Docker: 4); a tour is cut into pieces that
      take at most that many. ``None``: no such limit.
    - ``kernel_evidence``: the adapter's ``evidence() -> dict[str, str]`` reads the kernel
      (cgroup files, /proc) of its container; the report quotes it at a divergence.
    - ``needs_session``: a run must own the adapter through a session that removes what it
      created on Ctrl-C, SIGTERM or a dead engine and names any leftovers (`owned`); its
      ``close()`` then returns a ``Teardown`` and it offers ``cleanup_hint()``.
    - ``parallel_safe``: several adapters of one factory may run at once (``--jobs N``).

    ``daemon_restart`` is possible unless it is among ``unsupported`` (`can_restart_daemon`).

    >>> caps = Capabilities("demo", "1.0", {"daemon_restart": "no daemon"})
    >>> caps.identity(object()), caps.can_restart_daemon
    (('demo', '1.0'), False)
    """

    engine: str = ""
    version: str | Callable[[Any], str] = "?"
    unsupported: Mapping[str, str] = field(default_factory=dict)
    restarts_before_backoff: int | None = None
    kernel_evidence: bool = False
    needs_session: bool = False
    parallel_safe: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "unsupported", MappingProxyType(dict(self.unsupported)))

    @property
    def can_restart_daemon(self) -> bool:
        """Return whether ``daemon_restart`` is tested on this adapter."""
        return "daemon_restart" not in self.unsupported

    def identity(self, adapter: Any) -> tuple[str, str]:
        """Return (engine name, version) of ``adapter``; a lazy version is read now."""
        name = self.engine or type(adapter).__name__
        version = self.version(adapter) if callable(self.version) else self.version
        return name, str(version)


#: What an adapter that declares nothing can do: every command, no evidence, no session.
DEFAULT_CAPABILITIES = Capabilities()


def capabilities_of(adapter: Any) -> Capabilities:
    """Return the `Capabilities` an adapter (or adapter class) declares, else the defaults.

    A wrapper (``__wrapped__``, as ``--jobs`` wraps each worker's adapter) is seen through.

    >>> capabilities_of(object()).needs_session
    False
    """
    while getattr(adapter, "__wrapped__", None) is not None:
        adapter = adapter.__wrapped__
    declared = getattr(adapter, "capabilities", None)
    return declared if isinstance(declared, Capabilities) else DEFAULT_CAPABILITIES
