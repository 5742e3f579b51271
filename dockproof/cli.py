"""The `dockproof` command line. Each subcommand is ``cmd_x(args, out, err) -> int``;
`main` only parses arguments and maps errors to exit codes."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from . import __version__, builtin
from .check import raise_on_disagreement, run_check
from .errors import DockproofError
from .outputs import write_ci_outputs
from .report import cases, summary_line, to_json, write_table, write_traces
from .session import Session

EXIT_CODES = """exit codes:
  0  everything as expected (every property PROVED or REFUTED as its catalogue expects)
  1  a property failed, or was UNKNOWN (a solver timeout, the state budget), or an
     implementation diverged from the model
  2  bad input: a malformed model, property, trace, log or command line (one located message)
  3  an engine, solver, binary or adapter unavailable, or an internal error such as the two
     engines disagreeing"""


def _check_parser(sub) -> None:
    p = sub.add_parser(
        "check", help="prove or refute the model's properties",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Check every property of the catalogues against the model with the symbolic "
        "engine (smt: Z3 induction, Houdini lemmas, k-induction, IC3/PDR, BMC for the shortest "
        "counterexample) and the explicit engine (the reachable graph, exhaustive). Invariants "
        "run on both and the answers must agree. A result Z3 cannot decide is UNKNOWN, never "
        "PROVED.",
        epilog=EXIT_CODES + "\n\nexamples:\n  dockproof check\n  dockproof check docker --json\n"
        "  dockproof check model/seed.toml --properties properties/teeth.toml --trace-dir out/")
    p.add_argument("model", nargs="?", metavar="MODEL",
                   help="a model file, or a built-in model's name (seed, docker, podman); "
                   "default: the seed model")
    p.add_argument("--properties", "-p", action="append", type=Path, metavar="FILE",
                   help="a property catalogue (repeatable); default: every file in the "
                   "properties/ folder beside the model whose [meta] model names it, plus the "
                   "refinement mappings whose [meta] concrete names it (as refines.* rows)")
    p.add_argument("--engine", choices=("smt", "explicit", "both"), default="both",
                   help="which engine(s) to run (default: both; they must agree)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON document (results with id, verdict, engine, bound, "
                   "cites, traces) instead of the table")
    p.add_argument("--trace-dir", type=Path, metavar="DIR",
                   help="write every counterexample and witness as ITF JSON into DIR")
    p.add_argument("--all-traces", action="store_true",
                   help="print the traces of expected results too (teeth counterexamples, "
                   "reachability witnesses)")
    _ci_outputs(p)
    p.add_argument("--timeout", type=float, metavar="SECONDS",
                   help="Z3 time limit per query; a query that runs out is UNKNOWN")
    p.add_argument("--max-states", type=int, metavar="N",
                   help="explicit engine state budget; beyond it its results are UNKNOWN")
    p.add_argument("--max-k", type=int, default=4, metavar="K",
                   help="deepest k-induction tried before IC3/PDR (default 4)")
    p.add_argument("--bmc-depth", type=int, default=40, metavar="N",
                   help="deepest BMC run for a counterexample (default 40)")
    p.set_defaults(func=cmd_check)


def _ci_outputs(p) -> None:
    """Add --junit, --sarif and --summary: report files for CI, written besides the table."""
    p.add_argument("--junit", type=Path, metavar="FILE",
                   help="write a JUnit XML report (one testcase per item; failures carry the "
                   "trace)")
    p.add_argument("--sarif", type=Path, metavar="FILE",
                   help="write a SARIF 2.1.0 log whose results point at the file, line and key "
                   "that failed")
    p.add_argument("--summary", type=Path, metavar="FILE",
                   help="write a Markdown summary (e.g. $GITHUB_STEP_SUMMARY)")


def cmd_check(args, out: TextIO, err: TextIO) -> int:
    model_path = builtin.resolve_model(args.model)
    engines = ("smt", "explicit") if args.engine == "both" else (args.engine,)
    session = Session.load(model_path)
    name = session.model.name
    props = args.properties or builtin.catalogues_for(model_path, name)
    refinements = [] if args.properties else builtin.refinements_for(model_path, name)
    report = run_check(session, props, engines, timeout=args.timeout,
                       max_states=args.max_states, max_k=args.max_k, bmc_depth=args.bmc_depth,
                       refinements=refinements)
    if args.trace_dir:
        written = write_traces(report, args.trace_dir)
        if not args.json:
            err.write(f"wrote {len(written)} traces to {args.trace_dir}\n")
    write_ci_outputs(args, cases(report), "check", f"dockproof check: {report.model.name}",
                     summary_line(report))
    if args.json:
        json.dump(to_json(report, args.argv), out, indent=2)
        out.write("\n")
    else:
        write_table(report, out, color=out.isatty(), all_traces=args.all_traces)
    raise_on_disagreement(report)
    return report.exit_code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dockproof", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="The Docker container lifecycle as a checked, executable formal model: "
        "prove its properties, draw its state graph, and test implementations against it.",
        epilog=EXIT_CODES)
    parser.add_argument("--version", action="version", version=f"dockproof {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _check_parser(sub)
    for register in _plugins():
        register(sub)
    return parser


#: Modules that add a subcommand: each has ``register(subparsers)``, which adds its parser and
#: sets ``func=cmd_x``. A module that is not there (yet) is skipped.
SUBCOMMAND_MODULES = (
    "dockproof.render.cli",        # dockproof diagram
    "dockproof.conformance.cli",   # dockproof conform, dockproof replay
    "dockproof.offline.cli",       # dockproof trace
    "dockproof.refinement.cli",    # dockproof refine
    "dockproof.scale.cli",         # dockproof host, dockproof export
    "dockproof.campaign.cli",      # dockproof campaign
    "dockproof.compare.cli",       # dockproof compare
)


def _repl_parser(sub) -> None:
    from .reference import repl

    p = sub.add_parser("repl", help="step the reference interpreter by hand",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="An interactive mini Docker daemon (the reference "
                       "interpreter). Type docker commands and workload stimuli; after each "
                       "one see the status, the held resources and the new events. Type "
                       "'help' for the commands. A script can be piped in.")
    repl.add_arguments(p)
    p.set_defaults(func=repl.cmd_repl)


def _plugins():
    """Yield the ``register`` function of every subcommand module that exists."""
    from importlib import import_module

    yield _repl_parser
    for mod in SUBCOMMAND_MODULES:
        try:
            m = import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name is not None and mod.startswith(exc.name):
                continue
            raise
        yield m.register


def main(argv: list[str] | None = None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        argv = ["check"]
    args = parser.parse_args(argv)
    args.argv = list(argv)  # the command line as given, for "reproduce with" lines
    if not getattr(args, "func", None):
        parser.print_help(out)
        return 2
    try:
        return args.func(args, out, err)
    except DockproofError as exc:
        err.write(exc.render() + "\n")
        return exc.exit_code
    except KeyboardInterrupt:
        err.write("interrupted\n")
        return 3
    except BrokenPipeError as exc:
        try:
            out.flush()
        except BrokenPipeError:
            return 0  # our reader went away (e.g. `| head`): nothing more to say
        # some other pipe broke: not a user's mistake, and never a silent success
        err.write(f"error: internal error: a pipe closed under dockproof: {exc}\n")
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
