"""``dockproof conform`` and ``dockproof replay``: test an implementation against a model."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import TextIO

from ..errors import InputError
from ..outputs import run_meta, write_ci_outputs
from ..sut.registry import resolve
from .execute import execute, replay
from .harness import Run
from .plan import STRATEGIES, RunPlan, plan_run
from .render import (
    cases,
    divergence_itf,
    known_json,
    replay_command,
    step_line,
    to_json,
    verdict_word,
    write_summary,
)
from .replay import from_commands, from_itf
from .report import exit_status, known_verdicts, write_transitions

EPILOG = """adapters:
  reference        the reference interpreter (in-process)
  docker           a real Docker Engine: the daemon at DOCKER_HOST if it is set, else a
                   private dockerd that dockproof starts (own data root, socket, bridge
                   under /tmp; needs root, docker.io, busybox-static) and stops at the end
  podman           a real Podman, in a private context dockproof sets up (own storage,
                   run root, events file) and removes at the end
  podman-api       Podman's Docker-compatible API: `podman system service` on a private
                   socket over such a context, driven by the docker adapter
                   (--runtime crun: docker, podman and podman-api run crun instead of runc)
  exec:CMD         any program speaking the jsonl protocol on stdin/stdout
                   (docs/adapter-protocol.md), e.g. exec:"node examples/adapters/node/sut.js"
  mutant:NAME      a deliberately broken reference daemon (dockproof.sut.mutants)
  module:Class     any importable Python class (or function) that returns an adapter

recorded divergences (properties/divergences.toml or divergences-MODEL.toml beside the model,
or --divergences):
  a step that fails only the way a recorded entry of this engine and version says is a
  KNOWN divergence: counted apart, never a pass; the run goes on. An entry that applied to
  some step which then conformed is STALE (the engine changed: remove the entry).

exit codes:
  0  every step conformed (with --allow-known: or diverged only as recorded), no entry stale
  1  a divergence (expected versus observed is shown, with the command that replays it),
     an inconclusive step (an adapter's time window elapsed), a stale entry, or a known
     divergence without --allow-known
  2  bad input (model, trace, command line)
  3  the adapter is unavailable or stopped answering, or Ctrl-C / SIGTERM ended the run: a
     real engine's containers are removed first, then the steps that ran are reported
     (INTERRUPTED, never CONFORMED)"""


def register(sub) -> None:
    """Add the ``conform`` and ``replay`` subcommands."""
    p = sub.add_parser(
        "conform", help="test an implementation against the model",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Generate tests from the model's reachable graph and run them against an "
        "implementation through an adapter. After each command the harness lets the "
        "implementation settle, observes status, resources and flags, and accepts any state "
        "the model reaches through internal steps (OOM kill, hang, automatic restart). "
        "Commands the model refuses are sent too: the implementation must refuse them and "
        "change nothing. The first divergence is shrunk to a shortest trace.",
        epilog=EPILOG + "\n\nreal engines: the full transition tour of the docker model is "
        "174,448 commands in 96\nconfigurations, which form 48 classes an engine cannot "
        "tell apart (they differ in term,\nwhich no Config field sends). "
        "dockproof campaign runs one per class, one at\na time, resumably "
        "(measured: about 5.5 h on Docker, 4.0 h on Podman, --jobs 2, 2 cores);\n"
        "conform --one-per-class does the same in one run.\n"
        "CI runs the matrix and short walks:\n"
        "  dockproof campaign docker --adapter docker --budget 120   # resumes\n"
        "  dockproof conform docker --adapter docker --strategy matrix --jobs 2\n"
        "  dockproof conform docker --adapter docker --jobs 2 --allow-known --config policy=no "
        "\\\n      --config max_retries=0 --config mem_limit=true --config "
        "oom_kill_disable=false --config term=dies   # one configuration: 2,097 commands\n"
        "\nexamples:\n  dockproof conform --adapter reference\n"
        "  dockproof conform --adapter mutant:stop_loses_fs\n"
        "  dockproof conform --adapter 'exec:node examples/adapters/node/sut.js' "
        "--strategy random --seed 7\n  dockproof conform --strategy hypothesis --junit "
        "conform.xml")
    p.add_argument("model", nargs="?", metavar="MODEL",
                   help="a model file or a built-in model's name (default: seed)")
    _common(p)
    p.add_argument("--strategy", choices=STRATEGIES,
                   default="tour",
                   help="tour: every transition at least once, with resets (default); random: "
                   "seeded random walks; hypothesis: Hypothesis stateful testing (shrinks); "
                   "matrix: every restart policy x exit 0 / exit 1 / OOM kill x with or "
                   "without a manual stop before (short scenarios)")
    p.add_argument("--config", action="append", default=[], metavar="PARAM=VALUE",
                   help="only the configurations whose parameter has this value (repeat: "
                   "values of one parameter are alternatives, parameters all apply), e.g. "
                   "--config term=dies --config policy=always")
    p.add_argument("--one-per-class", action="store_true",
                   help="run one configuration of each class an implementation cannot tell "
                   "apart (observationally equivalent initial states: they differ only in "
                   "what the adapter contract does not show, as the docker model's term); "
                   "halves a whole-model tour of the docker model. The classes respect the "
                   "'when' of every recorded divergence entry; the report names what was "
                   "left out, and the coverage is of the configurations run")
    p.add_argument("--jobs", "-j", type=int, default=1, metavar="N",
                   help="run independent segments (tour pieces between resets, matrix "
                   "scenarios, random walks' containers) on N adapters at once, each with "
                   "its own container; the report's order does not depend on N")

    p.add_argument("--seed", type=int, metavar="N",
                   help="seed for random and hypothesis (default: a fresh one, printed)")
    p.add_argument("--steps", type=int, metavar="N",
                   help="random: commands in all (default 2000); hypothesis: commands per "
                   "example (default 50)")
    p.add_argument("--examples", type=int, default=200, metavar="N",
                   help="hypothesis: examples to run (default 200)")
    p.add_argument("--top-up", type=int, default=2, metavar="N",
                   help="tour: after the tour, up to N rounds of short segments for the "
                   "transitions it did not take because the implementation's timing (or a "
                   "recorded divergence) led it elsewhere; not for those a recorded divergence "
                   "that is not intermittent refused (default 2; 0: none)")
    p.add_argument("--no-probes", action="store_true",
                   help="tour: leave out the refused commands (refusal probes)")
    p.add_argument("--no-shrink", action="store_true",
                   help="report the divergence as met, without searching a shorter one")
    p.add_argument("--junit", type=Path, metavar="FILE",
                   help="also write JUnit XML (one test case per new container)")
    p.add_argument("--sarif", type=Path, metavar="FILE",
                   help="also write a SARIF 2.1.0 log; a divergence points at the model "
                   "action (file, line, key) whose step diverged")
    p.add_argument("--summary", type=Path, metavar="FILE",
                   help="also write a Markdown summary (e.g. $GITHUB_STEP_SUMMARY)")
    p.add_argument("--transitions", type=Path, metavar="FILE",
                   help="also write every transition of the (selected) graph, one per line, "
                   "tab-separated: covered or 'not covered: <why>', action, source state, "
                   "target state")
    p.set_defaults(func=cmd_conform)

    r = sub.add_parser(
        "replay", help="re-run a trace or a list of commands against an implementation",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Re-run an ITF trace (from 'dockproof check --trace-dir' or 'dockproof "
        "conform --trace-dir') or the commands a conform divergence printed, judging every "
        "step against the model.",
        epilog=EPILOG + "\n\nexamples:\n  dockproof replay out/divergence.itf.json --adapter "
        "docker\n  dockproof replay --commands 'run; alloc; pause' --adapter reference")
    r.add_argument("trace", nargs="?", type=Path, metavar="TRACE", help="an ITF JSON trace")
    r.add_argument("--commands", metavar="'CMD; CMD; ...'",
                   help="commands instead of a trace, e.g. 'run -m 2u; alloc; exit 1'")
    r.add_argument("--model", "-M", dest="model", metavar="MODEL",
                   help="a model file or a built-in model's name (default: seed)")
    _common(r)
    r.set_defaults(func=cmd_replay)


def _common(p) -> None:
    p.add_argument("--adapter", "-a", default="reference", metavar="ADAPTER",
                   help="the implementation under test (default: reference); see below")
    p.add_argument("--runtime", choices=("runc", "crun"),
                   help="the OCI runtime of the real engine's private daemon (docker, podman, "
                   "podman-api; default: runc)")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument("--divergences", type=Path, metavar="FILE",
                   help="recorded engine divergences (default: divergences.toml in the "
                   "properties folder beside the model, when it names the model)")
    p.add_argument("--no-divergences", action="store_true",
                   help="judge without recorded divergences: every difference fails")
    p.add_argument("--allow-known", action="store_true",
                   help="exit 0 when every divergence is a recorded one (none stale)")
    p.add_argument("--trace-dir", type=Path, metavar="DIR",
                   help="write a divergence as ITF JSON into DIR (divergence.itf.json)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="print the verdict of every step (pass / fail / inconclusive)")


def _plan(args, factory) -> RunPlan:
    """Build the run's plan from the command line (``replay`` has no strategy options)."""
    options = dict(strategy=args.strategy, seed=args.seed, jobs=args.jobs, top_up=args.top_up,
                   probes=not args.no_probes, shrink=not args.no_shrink, steps=args.steps,
                   examples=args.examples, config=args.config,
                   one_per_class=args.one_per_class) if args.command == "conform" else {}
    return plan_run(args.model, args.adapter, unsupported=factory.unsupported,
                    divergences=args.divergences, use_divergences=not args.no_divergences,
                    **options)


def _live(args, plan: RunPlan, out: TextIO):
    """Return the step printer of ``--verbose`` (text output only), else None."""
    if args.verbose and not args.json:
        return lambda v: out.write(step_line(v, plan.oracle) + "\n")
    return None


def cmd_conform(args, out: TextIO, err: TextIO) -> int:
    factory = resolve(args.adapter, args.runtime)
    plan = _plan(args, factory)
    try:
        run = execute(plan, factory, _live(args, plan, out), err)
    except KeyboardInterrupt as exc:
        # Ctrl-C / SIGTERM: the engine's containers are removed by now (`owned`); report
        # the steps that ran, marked INTERRUPTED, and end as the CLI's Ctrl-C does (exit 3)
        run = getattr(exc, "partial_run", None)
        if run is None:
            raise
        _report(run, plan, args, out, err)
        err.write(f"interrupted ({run.interrupted}) after {len(run.verdicts)} steps: the "
                  "report covers those steps only\n")
        return 3
    code = _report(run, plan, args, out, err)
    if plan.strategy in ("random", "hypothesis") and not args.json:
        err.write(f"reproduce with: {rerun_command(getattr(args, 'argv', None), plan.seed)}\n")
    return code


def cmd_replay(args, out: TextIO, err: TextIO) -> int:
    if (args.trace is None) == (args.commands is None):
        raise InputError("replay", "DP605", "give either a TRACE file or --commands",
                         "dockproof replay --commands 'run; pause' --adapter reference")
    factory = resolve(args.adapter, args.runtime)
    plan = _plan(args, factory)
    segments = from_commands(args.commands, plan.oracle) if args.commands is not None \
        else from_itf(args.trace, plan.oracle)
    run = replay(plan, factory, segments, _live(args, plan, out), err)
    return _report(run, plan, args, out, err)


def rerun_command(argv: list[str] | None, seed: int) -> str:
    """Return this very command line with its seed fixed, to replay a randomised run."""
    argv = list(sys.argv[1:] if argv is None else argv)
    for i, a in enumerate(argv):
        if a == "--seed" and i + 1 < len(argv):
            argv[i + 1] = str(seed)
            break
        if a.startswith("--seed="):
            argv[i] = f"--seed={seed}"
            break
    else:
        argv += ["--seed", str(seed)]
    return shlex.join(["dockproof", *argv])


def _report(run: Run, plan: RunPlan, args, out: TextIO, err: TextIO) -> int:
    """Write the run as text or JSON (and the trace, CI files, transitions); return the
    exit status."""
    oracle, verdicts = plan.oracle, known_verdicts(run)
    d = run.divergence
    replay_cmd = replay_command(d, args.adapter, args.model) if d is not None else None
    if d is not None and args.trace_dir:
        args.trace_dir.mkdir(parents=True, exist_ok=True)
        path = args.trace_dir / "divergence.itf.json"
        path.write_text(json.dumps(divergence_itf(d, oracle, args.adapter), indent=2) + "\n")
        err.write(f"wrote {path}\n")
    code = exit_status(run, verdicts, args.allow_known)
    if args.json:
        doc = to_json(run, oracle, args.adapter, args.verbose, replay_cmd)
        doc["meta"] = run_meta(args.command, oracle.model, _parameters(args, plan),
                               getattr(args, "argv", None))
        doc.update({"known": known_json(run, verdicts), "exit_status": code})
        json.dump(doc, out, indent=2)
        out.write("\n")
    else:
        write_summary(run, oracle, args.adapter, out, replay_cmd, verdicts, plan.restricted,
                      plan.classes)
    if getattr(args, "transitions", None):
        write_transitions(args.transitions, run.coverage)
    write_ci_outputs(args, cases(run, oracle, args.adapter), "conform",
                     f"dockproof conform: {oracle.model.name} against {args.adapter}",
                     f"{verdict_word(run)}: {run.passed} steps passed, strategy "
                     f"{run.test.strategy}")
    return code


def _parameters(args, plan: RunPlan) -> dict:
    """Return the command-line parameters of a run as plain JSON values, with what the plan
    made of the configuration options (``restricted``, ``classes``; ``catalogue`` null when
    the run had none)."""
    out = {}
    for k, v in vars(args).items():
        if isinstance(v, Path):
            v = str(v)
        if k in ("func", "command", "json", "argv") or not isinstance(v, (str, int, float, bool,
                                                                    list, type(None))):
            continue
        out[k] = [str(x) for x in v] if isinstance(v, list) else v
    out.update(restricted=plan.restricted, classes=plan.classes)
    if plan.catalogue is None:
        out["catalogue"] = None
    return out
