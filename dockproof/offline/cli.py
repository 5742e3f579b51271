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
        "back-off). The log is streamed: memory grows with the containers alive at once, not "
        "with the log. The first event the model cannot explain is reported with the "
        "container, the line, the model states before it and the guards that reject it.",
        epilog="exit codes: 0 the model explains the whole log, 1 an event it cannot explain, "
        "2 a malformed line (FILE:LINE: error DP41x), 3 internal error\n\nexamples:\n"
        "  dockproof trace tests/data/events/docker/oom-kill.jsonl\n"
        "  docker events --format '{{json .}}' | dockproof trace -\n"
        "  dockproof trace podman.jsonl --dialect podman --json")
    p.add_argument("log", metavar="FILE", help="the event log, one JSON event per line; - "
                   "reads standard input")
    p.add_argument("--model", metavar="MODEL",
                   help="the model file or built-in name (default: the log's engine's model: "
                   "docker, or podman for a Podman log)")
    p.add_argument("--dialect", choices=("docker", "podman"),
                   help="the log's format (default: told by the first event)")
    p.add_argument("--vocab", type=Path, metavar="FILE",
                   help="the event vocabulary: how each model action shows in the log "
                   "(default: the built-in dockproof/offline/events.toml, or events-podman.toml "
                   "for the podman model)")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(func=cmd_trace)


def cmd_trace(args, out: TextIO, err: TextIO) -> int:
    from .. import builtin
    from ..spec.loader import load_model
    from .checker import Checker, open_lines

    _model_for_dialect(args)
    model = load_model(builtin.resolve_model(args.model))
    checker = Checker(model, args.vocab)
    stream = open_lines(args.log)
    try:
        summary, rejection = checker.check(stream, args.log, args.dialect)
    finally:
        if args.log != "-":
            stream.close()
    if args.json:
        from ..outputs import run_meta
        doc = {"verdict": "rejected" if rejection else "accepted", "model": model.name,
               "summary": summary.to_json(),
               "rejection": rejection.to_json() if rejection else None,
               "meta": run_meta("trace", model, {"log": args.log, "dialect": args.dialect,
                                                 "vocab": str(args.vocab) if args.vocab
                                                 else None}, getattr(args, "argv", None))}
        json.dump(doc, out, indent=2, sort_keys=True)
        out.write("\n")
    else:
        write_text(summary, rejection, out)
    return 1 if rejection else 0


#: The built-in model and vocabulary of each engine's logs (a Podman log: model/podman.toml).
BY_DIALECT = {"docker": ("docker", DEFAULT), "podman": ("podman", PODMAN)}


def _model_for_dialect(args) -> None:
    """Fill in --model and --vocab left out: the model of the log's engine (--dialect, else
    told by the file's first event; standard input without --dialect: docker)."""
    if args.model is not None:
        args.vocab = args.vocab or DEFAULT
        return
    dialect = args.dialect
    if dialect is None and args.log != "-":
        from .events import detect
        try:
            with open(args.log, "rb") as f:
                first = next((ln for ln in f if ln.strip()), b"")
            dialect = detect(json.loads(first)) if first else None
        except (OSError, ValueError, AttributeError):
            dialect = None  # the checker reports the file's own problem, located
    args.model, vocab = BY_DIALECT.get(dialect or "docker", BY_DIALECT["docker"])
    args.vocab = args.vocab or vocab


def write_text(summary, rejection, out: TextIO) -> None:
    from .explain import render_summary

    s = summary
    if rejection is None:
        out.write(f"{s.file}: accepted: the Docker model explains all {s.checked} container "
                  f"events ({s.dialect}, {s.containers} containers, {s.removed} removed, "
                  f"{s.live_at_end} alive at the end, at most {s.max_live} at once)\n")
    else:
        r = rejection
        out.write(f"{r.file}:{r.line}: rejected: container {r.name} ({r.container[:12]}): "
                  f"event '{r.action}'" + (f" exit code {r.exit_code}" if r.exit_code is not None
                                           else "") + " cannot happen here\n")
        out.write(f"  model states before it ({r.states['count']}):\n")
        for line in render_summary(r.states):
            out.write(f"    {line}\n")
        out.write("  why no model step explains it:\n")
        for line in r.reasons:
            out.write(f"    - {line}\n")
        if r.history:
            out.write(f"  this container's earlier events: {', '.join(r.history)}\n")
    if s.joined_mid_life:
        out.write(f"  {s.joined_mid_life} containers appear without a create: checked from any "
                  "reachable state\n")
    for (t, a), n in sorted(s.ignored.items()):
        what = f"{t} events" if a == "*" else f"container '{a}' events"
        out.write(f"  ignored {n} {what}: {s.reasons[(t, a)]}\n")
    if s.blank:
        out.write(f"  skipped {s.blank} blank lines\n")
