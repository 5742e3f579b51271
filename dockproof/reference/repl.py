"""``dockproof repl``: step the reference daemon by hand with Docker-like commands.

Each line is one command; after it the REPL prints what Docker would print, then the status
line of each container concerned (status, held resources, memory, exit code, restart count)
and the events the command caused. Reading from a pipe prints no prompt; the exit status is 0
at end of input, or 1 with ``--strict`` when any command failed.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from .daemon import Daemon
from .errors import DockerError
from .kernel import Host
from .render import event_short, removed_line, status_line
from .repl_docker import DOCKER_COMMANDS
from .sizes import UNIT_TEXT, InputError, parse_duration, parse_int, parse_size

HELP = f"""\
commands (one unit of memory is {UNIT_TEXT}; sizes: 500m, 1g, or a bare number of units;
sizes round to the nearest unit, so 1g is 10 units):
  docker run [-d] [-m SIZE] [--oom-kill-disable] [--restart POLICY] [--name NAME] IMAGE [CMD...]
  docker create [same options as run] IMAGE [CMD...]
  docker start NAME...              docker stop [-t SECONDS] NAME...
  docker kill [-s SIGNAL] NAME...   docker restart [-t SECONDS] NAME...
  docker pause NAME...              docker unpause NAME...
  docker rm [-f] NAME...            docker ps [-a]
  docker inspect [-f TEMPLATE] NAME...
  docker events [--format TEMPLATE]     (replays every event so far; '{{{{json .}}}}' for JSON)
  docker images
  alloc NAME [SIZE]          the workload asks for memory (default 1 unit)
  write NAME mem|fs          the workload writes data to memory or to its file system
  exit NAME CODE             init exits with CODE
  child-exit NAME CODE       init's child exits with CODE; init follows (S10)
  tick [DURATION]            advance the virtual clock (100ms, 2s, 1m); no argument: until
                             every pending restart has fired
  daemon restart             stop the daemon (stopping its containers) and start it again
  chattr +i|-i NAME          make the container's file system unremovable (rm leaves it dead)
  help                       this text
  quit                       leave (end of input does too)
POLICY is no, on-failure[:N], always or unless-stopped. The image store holds busybox only."""


@dataclass
class Session:
    """Hold the daemon and the output streams; run one line at a time."""

    daemon: Daemon
    out: TextIO
    err: TextIO
    failures: int = 0
    done: bool = False
    _targets: list[str] = field(default_factory=list)

    def execute(self, line: str) -> None:
        """Run one line: print its output, the status lines concerned and the new events."""
        seen = len(self.daemon.events)
        self._targets = []
        try:
            words = shlex.split(line, comments=True)
            if words:
                self._dispatch(words)
        except (InputError, ValueError) as exc:
            self.fail(f"error: {exc}")
        self._report(seen)

    def fail(self, message: str) -> None:
        """Count a failed command and print its one-line error (control characters the
        user typed are shown escaped, so the error stays one line)."""
        self.failures += 1
        print("".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in message),
              file=self.err)

    def _report(self, seen: int) -> None:
        names = {c.name: c for c in self.daemon.containers.values()}
        for name in dict.fromkeys(self._targets):
            c = names.get(name)
            print(status_line(self.daemon, c) if c else removed_line(name), file=self.out)
        for event in self.daemon.events.since(seen):
            print(f"  {event_short(event)}", file=self.out)

    def _dispatch(self, words: list[str]) -> None:
        head, rest = words[0], words[1:]
        if head == "docker":
            if not rest or rest[0] not in DOCKER_COMMANDS:
                hint = f"'docker {rest[0]}'" if rest else "'docker' alone"
                raise InputError(f"{hint} is not a command here; type 'help'")
            DOCKER_COMMANDS[rest[0]](self, rest[1:])
            return
        handler = _COMMANDS.get(head)
        if handler is None:
            raise InputError(f"unknown command '{head}'; type 'help'")
        handler(self, rest)

    def call(self, ref: str, action: Callable[[], object]) -> object:
        """Run one daemon call for container ``ref``; print Docker's error if it refuses."""
        target = self._name_of(ref)
        if target is not None:
            self._targets.append(target)
        try:
            return action()
        except DockerError as exc:
            self.fail(f"Error response from daemon: {exc.message}")
            return None

    def _name_of(self, ref: str) -> str | None:
        try:
            return self.daemon.get(ref).name
        except DockerError:
            return None

    def show(self, name: str) -> None:
        """Ask for ``name``'s status line after this command."""
        self._targets.append(name)

    def show_all(self) -> None:
        """Ask for every container's status line after this command."""
        self._targets.extend(c.name for c in self.daemon.containers.values())


def _need(words: list[str], count: int, usage: str) -> None:
    if len(words) != count:
        raise InputError(f"usage: {usage}")


def _alloc(s: Session, words: list[str]) -> None:
    if len(words) not in (1, 2):
        raise InputError("usage: alloc NAME [SIZE]")
    units = parse_size(words[1]) if len(words) == 2 else 1
    outcome = s.call(words[0], lambda: s.daemon.alloc(words[0], units))
    if outcome is not None:
        print(f"alloc {units} units: {outcome}", file=s.out)


def _write(s: Session, words: list[str]) -> None:
    _need(words, 2, "write NAME mem|fs")
    if words[1] not in ("mem", "fs"):
        raise InputError(f"write where? '{words[1]}': use mem or fs")
    act = s.daemon.write_mem if words[1] == "mem" else s.daemon.write_fs
    s.call(words[0], lambda: act(words[0]))


def _exit(s: Session, words: list[str]) -> None:
    _need(words, 2, "exit NAME CODE")
    code = parse_int(words[1], "exit code")
    s.call(words[0], lambda: s.daemon.exit(words[0], code))


def _child_exit(s: Session, words: list[str]) -> None:
    _need(words, 2, "child-exit NAME CODE")
    code = parse_int(words[1], "exit code")
    s.call(words[0], lambda: s.daemon.child_exit(words[0], code))


def _tick(s: Session, words: list[str]) -> None:
    if len(words) > 1:
        raise InputError("usage: tick [DURATION]")
    if words:
        s.daemon.tick(parse_duration(words[0]))
    else:
        s.daemon.settle()
    print(f"clock {s.daemon.clock_ms}ms", file=s.out)
    s.show_all()


def _daemon(s: Session, words: list[str]) -> None:
    if words != ["restart"]:
        raise InputError("usage: daemon restart")
    s.daemon.daemon_restart()
    s.show_all()


def _chattr(s: Session, words: list[str]) -> None:
    _need(words, 2, "chattr +i|-i NAME")
    if words[0] not in ("+i", "-i"):
        raise InputError(f"chattr: use +i or -i, not '{words[0]}'")
    s.call(words[1], lambda: s.daemon.chattr(words[1], words[0] == "+i"))


def _help(s: Session, words: list[str]) -> None:
    print(HELP, file=s.out)


def _quit(s: Session, words: list[str]) -> None:
    s.done = True


_COMMANDS: dict[str, Callable[[Session, list[str]], None]] = {
    "alloc": _alloc, "write": _write, "exit": _exit, "child-exit": _child_exit,
    "tick": _tick, "settle": _tick, "daemon": _daemon, "chattr": _chattr,
    "help": _help, "quit": _quit,
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``dockproof repl`` options to ``parser``."""
    parser.add_argument("script", nargs="?", default=None,
                        help="read commands from this file instead of standard input")
    parser.add_argument("--host-memory", default="2g", metavar="SIZE",
                        help=f"the host's memory (default 2g; one unit is {UNIT_TEXT})")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 if any command failed")


def cmd_repl(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run the REPL over ``args.script``, ``args.input`` (a stream) or standard input."""
    try:
        host = Host(parse_size(args.host_memory))
    except InputError as exc:
        print(f"error: --host-memory: {exc}", file=err)
        return 2
    session = Session(Daemon(host), out, err)
    if getattr(args, "script", None):
        try:
            with open(args.script, encoding="utf-8") as stream:
                _loop(session, stream, interactive=False)
        except (OSError, UnicodeDecodeError) as exc:
            print(f"{args.script}: error: cannot read the script: "
                  f"{getattr(exc, 'strerror', None) or exc}", file=err)
            return 2
    else:
        stream = getattr(args, "input", None) or sys.stdin
        _loop(session, stream, interactive=stream.isatty())
    return 1 if args.strict and session.failures else 0


def _loop(session: Session, stream: TextIO, interactive: bool) -> None:
    while not session.done:
        if interactive:
            print("dockproof> ", end="", file=session.out, flush=True)
        line = stream.readline()
        if not line:
            break
        session.execute(line)


def main(argv: list[str] | None = None) -> int:
    """Run ``python -m dockproof.reference.repl``."""
    parser = argparse.ArgumentParser(prog="dockproof repl", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return cmd_repl(parser.parse_args(argv), sys.stdout, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
