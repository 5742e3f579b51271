"""`dockproof campaign`: the full transition tour of a model on an engine, resumably."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from dockproof import builtin
from dockproof.sut.registry import resolve

from .listing import write_transitions
from .planner import Usage, plan
from .report import print_plan, report
from .session import BASE_LIMIT, SECONDS_PER_COMMAND, session

#: The engines whose divergence entries key a ledger; each has its ledger of record.
ENGINES = ("docker", "podman")
#: Where the project's ledgers of record are (one per engine).
TOURS = Path("benchmarks") / "results" / "tours"

DESCRIPTION = """\
Run the full transition tour of a model on an engine, one configuration at a time, across as
many sessions as it takes. Each configuration (one value per parameter: the model's initial
states) is one child process,

    dockproof conform MODEL --adapter A --json --jobs N --allow-known --config P=V ...

with a time limit of its own, and ends as one JSON line appended to the ledger: the
configuration, the model's hashes, the hash of the divergence entries it was judged with, the
engine's and dockproof's versions, steps pass/known/fail/inconclusive, transitions and states
covered/total and which transitions, the verdict, the wall time, the replay command of a
divergence. The next session runs only what the ledger does not hold for the current model
(its semantic digest: comments and prose do not count), divergence entries and adapter.

Twins: configurations an implementation cannot tell apart (observationally equivalent initial
states, e.g. the Docker model's term, which no Config field sends) are run once per class; a
done run of one counts for its class. Order: smallest planned tour first (cheap coverage
early, and a measured rate for the estimate soon)."""

EPILOG = f"""\
examples:
  dockproof campaign docker --adapter docker --budget 120      # 2 h, then stop
  dockproof campaign docker --adapter docker --config policy=always --config max_retries=1
  dockproof campaign docker --adapter podman --report          # where it stands
  dockproof campaign docker --adapter podman --report --transitions t.tsv   # which ones
  dockproof campaign docker --adapter docker --plan            # the order, the sizes
  dockproof campaign docker --adapter reference --engine docker --ledger /tmp/t.jsonl

--budget: a configuration starts only when its estimate (its planned commands at the seconds
per command the ledger measured for its restart policy, plus the start-up) fits in what is
left; the estimate can be short, and the one running finishes (within its own limit).
Ctrl-C / SIGTERM end the running configuration cleanly (its containers removed) and record
nothing for it. A run stopped at its time limit is recorded as a timeout (not done; skipped
by later sessions unless --retry-timeouts); an engine that failed as an error (not done;
retried by the next session).

--report prints, running nothing: configurations done/total, commands run, transitions and
states covered/total (checked first: the configurations' graphs partition the model's
graph), every divergence with its replay command, the recorded divergences by id, the time
spent and an estimate of the time left, and the stale rows.

The default ledger of docker and podman is {TOURS}/ENGINE.jsonl of the checkout that holds
the built-in models; {TOURS}/README.md describes a row's fields.

exit codes: 0 done as recorded divergences allow (or a report printed), 1 a configuration
diverged, was inconclusive or timed out in this session, 2 bad arguments, 3 an engine failed,
130/143 interrupted"""


def register(sub) -> None:
    """Add the ``campaign`` subcommand."""
    p = sub.add_parser("campaign", help="run a model's full tour on an engine, resumably",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description=DESCRIPTION, epilog=EPILOG)
    p.add_argument("model", nargs="?", default="docker", metavar="MODEL",
                   help="a model file or a built-in model's name (default: docker)")
    p.add_argument("--adapter", "-a", required=True, metavar="ADAPTER",
                   help="the implementation under test, as conform --adapter takes it: docker, "
                   "podman, reference (to try a ledger in seconds), exec:CMD, module:Class")
    p.add_argument("--engine", choices=ENGINES, metavar="ENGINE",
                   help="the engine whose divergence entries judge and key the runs: docker or "
                   "podman (default: the adapter, when it is one of them)")
    p.add_argument("--ledger", type=Path, metavar="FILE",
                   help=f"the ledger file (default: {TOURS}/ENGINE.jsonl; needed when the "
                   "adapter is not the engine)")
    p.add_argument("--config", action="append", default=[], metavar="PARAM=VALUE",
                   help="only the configurations whose parameter has this value (repeat: values "
                   "of one parameter are alternatives, parameters all apply), as conform "
                   "--config, e.g. --config policy=always")
    p.add_argument("--budget", type=float, metavar="MINUTES",
                   help="start a configuration only when it fits in what is left of this many "
                   "minutes, at the rate measured so far (before any: only while some is "
                   "left); default: no limit")
    p.add_argument("--jobs", "-j", type=int, default=2, metavar="N",
                   help="--jobs of each run (default 2; 1 runs tours uncut: Docker's restart "
                   "back-off then makes long restart-policy pieces crawl)")
    p.add_argument("--timeout", type=float, metavar="MINUTES",
                   help=f"time limit per configuration (default {BASE_LIMIT / 60:g} min + "
                   f"{SECONDS_PER_COMMAND:g} s per planned command)")
    p.add_argument("--retry-timeouts", action="store_true",
                   help="run again configurations whose recorded run hit its time limit")
    p.add_argument("--retry-diverged", action="store_true",
                   help="run again configurations whose recorded run diverged or had an "
                   "inconclusive step (after a fix of the model or the harness, or to see a "
                   "time window hold; the new row supersedes the old)")
    p.add_argument("--retry-unlisted", action="store_true",
                   help="run again done configurations whose row does not list its covered "
                   "transitions (rows from before covered_edges), so that --report "
                   "--transitions can list every one")
    p.add_argument("--all-twins", action="store_true",
                   help="run also configurations whose observationally equivalent twin is done "
                   "(by default a run of one counts for its class), to check the equivalence "
                   "on the engine or to keep per-configuration rows")
    p.add_argument("--report", action="store_true",
                   help="print the aggregate of the ledger for the current model; run nothing")
    p.add_argument("--transitions", type=Path, metavar="FILE",
                   help="with --report: also write every transition of the selection, one per "
                   "line, tab-separated: configuration, covered / not covered: <why> / not "
                   "run, action, source state, target state")
    p.add_argument("--plan", action="store_true",
                   help="print the configurations in run order with their planned commands, "
                   "transitions and ledger status; run nothing")
    p.set_defaults(func=cmd_campaign)


def check_args(args) -> Path:
    """Check the arguments against each other; return the ledger's path."""
    if args.engine is None:
        if args.adapter not in ENGINES:
            raise Usage(f"--adapter {args.adapter} is not an engine: give --engine docker or "
                        "podman (whose divergence entries judge the runs) and --ledger FILE")
        args.engine = args.adapter
    if args.adapter != args.engine and args.ledger is None:
        raise Usage(f"--adapter {args.adapter} is not the engine {args.engine}: give --ledger "
                    "FILE (the engine's ledger holds that engine's runs only)")
    if args.budget is not None and not args.budget > 0:
        raise Usage(f"--budget {args.budget:g}: give minutes > 0")
    if args.timeout is not None and not args.timeout > 0:
        raise Usage(f"--timeout {args.timeout:g}: give minutes > 0")
    if args.jobs < 1:
        raise Usage(f"--jobs {args.jobs}: give N >= 1")
    if args.report and args.plan:
        raise Usage("give --report or --plan, not both")
    if args.transitions is not None and not args.report:
        raise Usage("--transitions goes with --report")
    return args.ledger or builtin.root() / TOURS / f"{args.engine}.jsonl"


def cmd_campaign(args, out: TextIO, err: TextIO) -> int:
    """Plan the campaign; print its report or plan, or run a session."""
    ledger = check_args(args)
    unsupported = resolve(args.adapter).unsupported
    p = plan(args.model, args.config, unsupported, engine=args.engine)
    if args.report:
        code = report(p, ledger, args.adapter, unsupported, out, err)
        if args.transitions is not None:
            write_transitions(args.transitions, p, ledger, args.adapter, unsupported, out, err)
        return code
    if args.plan:
        return print_plan(p, ledger, args.adapter, out, err)
    return session(args, p, ledger, out, err)
