"""The ``reference`` adapter: the reference interpreter behind the adapter contract.

The adapter holds at most one container (named ``sut``) on a fresh `Daemon` per `reset`.
Commands map onto the Docker-like API one to one: ``kill`` sends SIGKILL, ``rm_force`` is
``rm -f``, ``alloc`` asks for ``command.code`` units (one when unset), ``exit`` and
``child_exit`` take ``command.code``. A refusal comes back as ``Outcome(False, <Docker's text>)``.
"""

from __future__ import annotations

from collections.abc import Callable

from dockproof.reference import Daemon, DockerError, Host
from dockproof.sut.contract import OK, Capabilities, Command, Observation, Outcome

NAME = "sut"
IMAGE = "busybox"


class ReferenceAdapter:
    """Drive one container of the reference `Daemon` (satisfies the `Adapter` Protocol).

    >>> from dockproof.sut.contract import Command, Config
    >>> a = ReferenceAdapter()
    >>> a.reset(10)
    >>> a.apply(Command("run", Config(memory=2))).ok, a.observe().status
    (True, 'running')
    """

    #: Every command, ``daemon_restart`` included (the daemon is in this process).
    capabilities = Capabilities(engine="reference", version="0")

    def __init__(self, host_units: int = 20) -> None:
        self.daemon = Daemon(Host(host_units))

    def reset(self, host_units: int) -> None:
        """Forget everything: a new daemon on a host of ``host_units`` memory units."""
        self.daemon = Daemon(Host(host_units))

    def apply(self, command: Command) -> Outcome:
        """Perform one command or stimulus; a refusal returns Docker's text and changes nothing."""
        try:
            self._dispatch(command)
        except DockerError as exc:
            return Outcome(False, exc.message)
        return OK

    def _dispatch(self, command: Command) -> None:
        verb = command.verb
        if verb in ("create", "run"):
            self._create(command)
            return
        if verb == "daemon_restart":
            self.daemon.daemon_restart()
            return
        action = self._actions().get(verb)
        if action is None:
            raise DockerError(400, f"unknown command: {verb}")
        action(command)

    def _actions(self) -> dict[str, Callable[[Command], object]]:
        d, code = self.daemon, _code
        return {
            "start": lambda c: d.start(NAME), "stop": lambda c: d.stop(NAME),
            "kill": lambda c: d.kill(NAME), "pause": lambda c: d.pause(NAME),
            "unpause": lambda c: d.unpause(NAME), "restart": lambda c: d.restart(NAME),
            "rm": lambda c: d.rm(NAME), "rm_force": lambda c: d.rm(NAME, force=True),
            "alloc": lambda c: d.alloc(NAME, 1 if c.code is None else c.code),
            "write_mem": lambda c: d.write_mem(NAME), "write_fs": lambda c: d.write_fs(NAME),
            "exit": lambda c: d.exit(NAME, code(c)),
            "child_exit": lambda c: d.child_exit(NAME, code(c)),
        }

    def _create(self, command: Command) -> None:
        if self._exists():
            raise DockerError(409, f"the reference adapter holds one container; "
                                   f"remove '{NAME}' before '{command.verb}'")
        config = command.config
        kwargs = {} if config is None else {"memory": config.memory,
                                            "oom_kill_disable": config.oom_kill_disable,
                                            "restart": config.restart}
        create = self.daemon.run if command.verb == "run" else self.daemon.create
        create(IMAGE, name=NAME, **kwargs)

    def _exists(self) -> bool:
        return any(c.name == NAME for c in self.daemon.containers.values())

    def settle(self) -> None:
        """Fire every pending restart on the virtual clock (the back-off window elapses)."""
        self.daemon.settle()

    def observe(self) -> Observation:
        """Report status, held resources and flags; ``none`` when no container exists."""
        if not self._exists():
            return Observation("none")
        info = self.daemon.inspect(NAME)
        state, extra = info["State"], info["Dockproof"]
        flags = {
            "hung": extra["Hung"], "oom_killed": state["OOMKilled"],
            "exit_code": state["ExitCode"], "restart_count": info["RestartCount"],
            "usage": extra["MemoryUsage"], "mem_data": extra["MemData"],
            "fs_data": extra["FsData"],
        }
        return Observation(state["Status"], frozenset(extra["Resources"]), flags)

    def close(self) -> None:
        """Release everything: the daemon lives in this process only."""
        self.daemon = Daemon(Host(self.daemon.kernel.host.memory_units))


def _code(command: Command) -> int:
    return 0 if command.code is None else command.code
