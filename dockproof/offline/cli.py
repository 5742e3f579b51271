"""`dockproof trace`: check a recorded or live event log against the Docker model."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TextIO

from .vocab import DEFAULT

PODMAN = DEFAULT.with_name("events-podman.toml")


def register(sub) -> None:
    """Add the ``trace`` subcommand."""
    p = sub.add_parser(
        "trace", help="check a docker/podman event log against the Docker model",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Check a `docker events --format '{{json .}}'` stream (or `podman events "
        "--format json`) against the Docker model: every container's events must be a run of "
        "the model, allowing the steps a log does not show (allocations, the restart "
        "back-off). A log may start and end anywhere: a container first seen mid-life (even "
        "inside one command's events) is checked from every state it may have been in, and "
        "what the log does not tell (restart policy, memory limit) stays open unless --config "
        "or the create event's labels say it. A removed container's id is kept to the end: "
        "after its destroy only a new create is possible. The log is streamed. The first "
        "event the model cannot explain is reported with the container, the line, what the "
        "container was (as docker inspect names it) and why the event cannot happen.",
        epilog="exit codes: 0 the model explains the whole log, 1 an event it cannot explain, "
        "2 a malformed line (FILE:LINE: error DP41x) or option, 3 internal error\n\n"
        "examples:\n"
        "  dockproof trace tests/data/events/docker/oom-kill.jsonl\n"
        "  docker events --format '{{json .}}' | dockproof trace -\n"
        "  dockproof trace podman.jsonl --dialect podman --json\n"
        "  dockproof trace --follow docker --config policy=always")
    p.add_argument("log", metavar="FILE", nargs="?", help="the event log, one JSON event per "
                   "line; - reads standard input (not with --follow)")
    p.add_argument("--model", metavar="MODEL",
                   help="the model file or built-in name (default: the log's engine's model: "
                   "docker, or podman for a Podman log or --follow podman)")
    p.add_argument("--dialect", choices=("docker", "podman"),
                   help="the log's format (default: told by the first event)")
    p.add_argument("--vocab", type=Path, metavar="FILE",
                   help="the event vocabulary: how each model action shows in the log "
                   "(default: the built-in dockproof/offline/events.toml, or events-podman.toml "
                   "for the podman model)")
    p.add_argument("--config", action="append", default=[], metavar="NAME=VALUE",
                   help="a model parameter every container of the log has (repeatable), e.g. "
                   "--config policy=always; a create event's label "
                   "dockproof.config.NAME=VALUE sets it for one container")
    p.add_argument("--follow", choices=("docker", "podman"), metavar="ENGINE",
                   help="read a running engine's event stream (docker or podman) instead of "
                   "FILE: each event is checked as it comes, each rejection printed at once "
                   "(the container is then checked afresh); Ctrl-C prints the summary")
    p.add_argument("--url", metavar="URL", help="with --follow docker: the daemon (default: "
                   "DOCKER_HOST or the local socket)")
    p.add_argument("--podman", metavar="CMD", default="podman",
                   help="with --follow podman: the podman command with its global options "
                   "(default: podman), run as CMD events --format json")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="with a rejection, also show the model's states and guards")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(func=cmd_trace)


def cmd_trace(args, out: TextIO, err: TextIO) -> int:
    from .. import builtin
    from ..errors import InputError
    from ..spec.loader import load_model
    from .checker import Checker, bounded, open_lines
    from .config import parse_assignments

    config = parse_assignments(args.config)
    if (args.log is None) == (args.follow is None):
        raise InputError("trace", "DP415", "give a FILE (or -) or --follow ENGINE, not both")
    _model_for_dialect(args)
    model = load_model(builtin.resolve_model(args.model))
    checker = Checker(model, args.vocab)
    if args.follow:
        from .follow import follow, stream_of

        run = checker.run(f"<{args.follow} events>", args.follow, config)
        checker.automaton(args.follow)
        stream = stream_of(args.follow, args.url, args.podman)
        err.write(f"following {args.follow} events; Ctrl-C prints the summary\n")
        err.flush()
        summary, rejections = follow(run, stream, out, args.verbose, args.json)
        if args.json:
            _json(out, model, args, summary, rejections)
        else:
            write_summary(summary, out, not rejections, model.name)
        return 1 if rejections else 2 if summary.malformed else 0
    stream = open_lines(args.log)
    try:
        summary, rejection = checker.check(bounded(stream), args.log, args.dialect,
                                           config)
    finally:
        if args.log != "-":
            stream.close()
    if args.json:
        _json(out, model, args, summary, [rejection] if rejection else [])
    else:
        if rejection is not None:
            write_rejection(rejection, out, args.verbose, checker.automaton(summary.dialect))
        write_summary(summary, out, rejection is None, model.name)
    return 1 if rejection else 0


#: The built-in model and vocabulary of each engine's logs (a Podman log: model/podman.toml).
BY_DIALECT = {"docker": ("docker", DEFAULT), "podman": ("podman", PODMAN)}


def _model_for_dialect(args) -> None:
    """Fill in --model and --vocab left out: the model of the log's engine (--follow, else
    --dialect, else told by the file's first event; standard input without --dialect: docker)."""
    if args.model is not None:
        args.vocab = args.vocab or DEFAULT
        return
    dialect = args.follow or args.dialect
    if dialect is None and args.log not in (None, "-"):
        from .checker import bounded
        from .events import detect
        try:
            with open(args.log, "rb") as f:
                first = next((ln for ln in bounded(f) if ln.strip()), b"")
            dialect = detect(json.loads(first)) if first else None
        except (OSError, ValueError, RecursionError):
            dialect = None  # the checker reports the file's own problem, located
    args.model, vocab = BY_DIALECT.get(dialect or "docker", BY_DIALECT["docker"])
    args.vocab = args.vocab or vocab


def _json(out, model, args, summary, rejections) -> None:
    from ..outputs import run_meta

    doc = {"verdict": "rejected" if rejections else "accepted", "model": model.name,
           "summary": summary.to_json(),
           "rejection": rejections[0].to_json() if rejections else None,
           "meta": run_meta("trace", model, {"log": args.log, "dialect": args.dialect,
                                             "follow": args.follow, "config": args.config,
                                             "vocab": str(args.vocab) if args.vocab
                                             else None}, getattr(args, "argv", None))}
    if args.follow:
        doc["rejections"] = [r.to_json() for r in rejections]
    json.dump(doc, out, indent=2, sort_keys=True)
    out.write("\n")


def write_rejection(r, out: TextIO, verbose: bool, auto) -> None:
    """At most about eight lines: the event, what the container was, why, its history."""
    from .explain import render_summary
    from .inspect import render_inspect

    ev = f"'{r.action}'" + (f" with exit code {r.exit_code}" if r.exit_code is not None and
                            r.action in auto.d.exit_events else
                            f" with signal {r.exit_code}" if r.exit_code is not None else "")
    out.write(f"{r.file}:{r.line}: rejected: container {r.name} ({r.container[:12]}): "
              f"event {ev} cannot happen here\n")
    state, conf = render_inspect(r.inspect, auto.d.inspect)
    out.write(f"  the container was: {state}\n  its configuration: {conf}\n")
    for line in r.reasons:
        out.write(f"  - {line}\n")
    if r.history:
        out.write(f"  its earlier events: {', '.join(r.history)}\n")
    if verbose:
        out.write(f"  model states before it ({r.states['count']}):\n")
        for line in render_summary(r.states):
            out.write(f"    {line}\n")
        out.write("  the model's steps:\n")
        for line in r.detail:
            out.write(f"    - {line}\n")


def write_summary(s, out: TextIO, accepted: bool = True, model: str = "docker") -> None:
    if s.checked == 0 and accepted:
        out.write(f"{s.file}: no container events ({s.lines} lines)\n")
    elif accepted or s.rejected:
        shown = {"docker": "Docker", "podman": "Podman"}.get(model, model)
        verdict = f"accepted: the {shown} model explains all" if accepted else \
            f"{_n(s.rejected, 'event')} rejected of"
        out.write(f"{s.file}: {verdict} {s.checked} container "
                  f"events ({s.dialect}, {_n(s.containers, 'container')}, {s.removed} removed, "
                  f"{s.live_at_end} alive at the end, at most {s.max_live} at once)\n")
    if s.malformed:
        out.write(f"  skipped {_n(s.malformed, 'malformed event')}\n")
    if s.config:
        out.write(f"  configuration given: {' '.join(f'{k}={v}' for k, v in s.config.items())}"
                  "\n")
    if s.joined_mid_life:
        out.write(f"  {_n(s.joined_mid_life, 'container')} appear without a create: checked "
                  "from every state they may have been in\n")
    for cmd, n in sorted(s.joined_inside.items()):
        out.write(f"  {n} of them joined inside {cmd}\n")
    for (t, a), n in sorted(s.ignored.items()):
        what = f"{t} events" if a == "*" else f"container '{a}' events"
        out.write(f"  ignored {n} {what}: {s.reasons[(t, a)]}\n")
    if s.blank:
        out.write(f"  skipped {s.blank} blank lines\n")


def _n(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")
