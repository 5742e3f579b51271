"""The ``docker …`` commands of the REPL: Docker's flags, parsed without tracebacks."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, NoReturn

from .errors import DockerError
from .render import apply_format, event_default, ps_table
from .sizes import InputError, parse_int, parse_size

if TYPE_CHECKING:
    from .repl import Session


class _Parser(argparse.ArgumentParser):
    """Parse one docker subcommand; a bad flag raises `InputError` instead of exiting."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog=f"docker {prog}", add_help=False, exit_on_error=False)

    def error(self, message: str) -> NoReturn:
        raise InputError(f"{self.prog}: {message}")


def _creating(prog: str) -> _Parser:
    p = _Parser(prog)
    for flag in ("-d", "--detach", "-i", "--interactive", "-t", "--tty"):
        p.add_argument(flag, action="store_true")  # accepted; the reference never attaches
    p.add_argument("-m", "--memory", type=parse_size)
    p.add_argument("--oom-kill-disable", action="store_true")
    p.add_argument("--restart", default="no")
    p.add_argument("--name")
    p.add_argument("image")
    p.add_argument("cmd", nargs=argparse.REMAINDER)  # the workload is fixed (kernel.py)
    return p


def _names(prog: str, *flags: tuple[tuple[str, ...], dict]) -> _Parser:
    p = _Parser(prog)
    for names, kwargs in flags:
        p.add_argument(*names, **kwargs)
    p.add_argument("names", nargs="+", metavar="NAME")
    return p


_TIME = (("-t", "--time"), {"type": lambda t: parse_int(t, "timeout"), "default": 10})
PARSERS = {
    "run": _creating("run"), "create": _creating("create"),
    "start": _names("start"), "stop": _names("stop", _TIME), "restart": _names("restart", _TIME),
    "kill": _names("kill", (("-s", "--signal"), {"default": "KILL"})),
    "pause": _names("pause"), "unpause": _names("unpause"),
    "rm": _names("rm", (("-f", "--force"), {"action": "store_true"})),
    "inspect": _names("inspect", (("-f", "--format"), {"default": None})),
}


def _parse(prog: str, words: list[str]) -> argparse.Namespace:
    try:
        return PARSERS[prog].parse_args(words)
    except argparse.ArgumentError as exc:
        raise InputError(f"docker {prog}: {exc}") from None


def _create(s: Session, words: list[str], start: bool) -> None:
    a = _parse("run" if start else "create", words)
    make = s.daemon.run if start else s.daemon.create
    try:
        cid = make(a.image, memory=a.memory, oom_kill_disable=a.oom_kill_disable,
                   restart=a.restart, name=a.name)
    except DockerError as exc:
        if exc.message.startswith("No such image: "):
            print(f"Unable to find image '{exc.message[15:]}' locally", file=s.err)
        s.fail(f"Error response from daemon: {exc.message}")
        return
    for warning in s.daemon.warnings:
        print(f"WARNING: {warning}", file=s.err)
    print(cid, file=s.out)
    s.show(s.daemon.get(cid).name)


def _each(verb: str, act: Callable[[Session, argparse.Namespace, str], object]) -> Callable:
    def run(s: Session, words: list[str]) -> None:
        a = _parse(verb, words)
        for ref in a.names:
            if s.call(ref, lambda ref=ref: act(s, a, ref)) is True:
                print(ref, file=s.out)
    return run


def _ok(call: Callable[[], None]) -> bool:
    call()
    return True


def _rm(s: Session, a: argparse.Namespace, ref: str) -> bool:
    name = s.daemon.get(ref).name
    s.daemon.rm(ref, force=a.force)
    s.show(name)
    return True


def _ps(s: Session, words: list[str]) -> None:
    if words not in ([], ["-a"], ["--all"]):
        raise InputError("usage: docker ps [-a]")
    for row in ps_table(s.daemon, all=bool(words)):
        print(row, file=s.out)


def _inspect(s: Session, words: list[str]) -> None:
    a = _parse("inspect", words)
    found = []
    for ref in a.names:
        try:
            found.append(s.daemon.inspect(ref))
        except DockerError as exc:
            s.fail(f"Error: {exc.message}")
    if a.format is not None:
        for info in found:
            print(apply_format(a.format, info), file=s.out)
    elif found:
        print(json.dumps(found, indent=4), file=s.out)


def _events(s: Session, words: list[str]) -> None:
    fmt = None
    if words and words[0] == "--format" and len(words) == 2:
        fmt = words[1]
    elif words:
        raise InputError("usage: docker events [--format TEMPLATE]")
    for event in s.daemon.events.events:
        line = event_default(event) if fmt is None else apply_format(fmt, event.to_json())
        print(line, file=s.out)


def _images(s: Session, words: list[str]) -> None:
    if words:
        raise InputError("usage: docker images")
    print("REPOSITORY   TAG", file=s.out)
    for image in sorted(s.daemon.images):
        repo, tag = image.rsplit(":", 1)
        print(f"{repo.ljust(10)}   {tag}", file=s.out)


DOCKER_COMMANDS: dict[str, Callable[[Session, list[str]], None]] = {
    "run": lambda s, w: _create(s, w, start=True),
    "create": lambda s, w: _create(s, w, start=False),
    "start": _each("start", lambda s, a, r: _ok(lambda: s.daemon.start(r))),
    "stop": _each("stop", lambda s, a, r: _ok(lambda: s.daemon.stop(r, a.time))),
    "restart": _each("restart", lambda s, a, r: _ok(lambda: s.daemon.restart(r, a.time))),
    "kill": _each("kill", lambda s, a, r: _ok(lambda: s.daemon.kill(r, a.signal))),
    "pause": _each("pause", lambda s, a, r: _ok(lambda: s.daemon.pause(r))),
    "unpause": _each("unpause", lambda s, a, r: _ok(lambda: s.daemon.unpause(r))),
    "rm": _each("rm", _rm),
    "ps": _ps, "inspect": _inspect, "events": _events, "images": _images,
}
