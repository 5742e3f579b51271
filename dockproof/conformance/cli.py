"""``dockproof conform`` and ``dockproof replay``: test an implementation against a model."""

from __future__ import annotations

import argparse
import contextlib
import json
import random
from pathlib import Path
from typing import TextIO

from ..outputs import run_meta
from ..sut.contract import capabilities_of
from ..sut.ownership import owned

EPILOG = """adapters:
  reference        the reference interpreter (in-process)
  docker           a real Docker Engine: the daemon at DOCKER_HOST if it is set, else a
                   private dockerd that dockproof starts (own data root, socket, bridge
                   under /tmp; needs root, docker.io, busybox-static) and stops at the end
  podman           a real Podman, in a private context dockproof sets up (own storage,
                   run root, events file) and removes at the end
  exec:CMD         any program speaking the jsonl protocol on stdin/stdout
                   (docs/adapter-protocol.md), e.g. exec:"node examples/adapters/node/sut.js"
  mutant:NAME      a deliberately broken reference daemon (dockproof.sut.mutants)
  module:Class     any importable Python class (or function) that returns an adapter

recorded divergences (properties/divergences.toml beside the model, or --divergences):
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
        "benchmarks/real_engine_tours.py runs one per class, one at\na time, resumably "
        "(measured: about 5.5 h on Docker, 4.0 h on Podman, --jobs 2, 2 cores);\n"
        "conform --one-per-class does the same in one run.\n"
        "CI runs the matrix and short walks:\n"
        "  python benchmarks/real_engine_tours.py --engine docker --budget 120   # resumes\n"
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
    p.add_argument("--strategy", choices=("tour", "random", "hypothesis", "matrix"),
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


def _setup(args):
    from .. import builtin
    from ..engines.statespace import explore
    from ..analysis.lint import load_checked
    from ..sut.registry import resolve
    from . import configs
    from .harness import Harness
    from .oracle import Oracle

    path = builtin.resolve_model(args.model)
    model = load_checked(path).model
    selection = configs.parse(getattr(args, "config", []), model)
    factory = resolve(args.adapter)
    oracle = Oracle(model, space=configs.restrict(explore(model), selection),
                    unsupported=factory.unsupported)
    args.restricted = configs.describe(selection, model)
    args.catalogue = _catalogue(args, model, path)
    args.classes = ""
    if getattr(args, "one_per_class", False):
        oracle, args.classes = one_per_class(oracle, args.catalogue)
    return oracle, Harness(oracle, known=args.catalogue), factory


def one_per_class(oracle, catalogue):
    """Keep one configuration of each class of observationally equivalent ones
    (`equivalence`); return the oracle of their part of the graph and a line that says what
    was left out. The classes respect every recorded entry's ``when`` whatever its engine (a
    finer partition than one engine's: never a twin too many)."""
    from . import configs, equivalence
    from .oracle import Oracle

    whens = [e.when for e in (catalogue.entries if catalogue else ()) if e.when is not None]
    eq = equivalence.verified(oracle, whens)
    space = oracle.space
    groups = eq.twins(space.initial)
    n = len(space.initial)
    if len(groups) == n:
        return oracle, f"one per class: all {n} configurations (no two alike)"
    part = configs.part(space, [g[0] for g in groups])
    return (Oracle(oracle.model, mapping=oracle.map, space=part,
                   unsupported=oracle.unsupported),
            f"one per class: {len(groups)} of {n} configurations; the other "
            f"{n - len(groups)} differ from one run only in {', '.join(eq.differ(groups))}, "
            "which an implementation cannot observe")


def _catalogue(args, model, path):
    from .. import builtin
    from . import known

    if getattr(args, "no_divergences", False):
        return None
    given = getattr(args, "divergences", None)
    if given is not None:
        return known.load(given, model)
    for folder in (path.resolve().parent.parent / "properties", builtin.root() / "properties"):
        f = folder / "divergences.toml"
        if f.is_file() and known.about(f) == model.name:
            return known.load(f, model)
    return None


def _test(args, oracle, seed: int):
    from . import generate
    from .matrix import matrix

    if args.strategy == "tour":
        return generate.transition_tour(oracle, probes=not args.no_probes)
    if args.strategy == "matrix":
        return matrix(oracle)
    return generate.random_walk(oracle, seed, args.steps or 2000)


def cmd_conform(args, out: TextIO, err: TextIO) -> int:
    from ..errors import InputError
    from .harness import Run

    if args.top_up < 0:
        raise InputError("--top-up", "DP608", f"--top-up {args.top_up}: give N >= 0",
                         "e.g. --top-up 0 for the tour alone")
    if args.jobs < 1 or (args.jobs > 1 and args.strategy == "hypothesis"):
        raise InputError("--jobs", "DP608", f"--jobs {args.jobs}: give N >= 1 (hypothesis "
                         "runs one worker)", "e.g. --jobs 2")
    oracle, harness, factory = _setup(args)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    if args.jobs == 1:
        _live(args, harness, oracle, out)
    try:
        run = _execute(args, oracle, harness, factory, seed, err)
    except KeyboardInterrupt as exc:
        # Ctrl-C / SIGTERM: the engine's containers are removed by now (`owned`); report
        # the steps that ran, marked INTERRUPTED, and end as the CLI's Ctrl-C does (exit 3)
        run = getattr(exc, "partial_run", None)
        if run is None:
            raise
        _report(run, oracle, args, out, err, harness)
        err.write(f"interrupted ({run.interrupted}) after {len(run.verdicts)} steps: the "
                  "report covers those steps only\n")
        return 3
    assert isinstance(run, Run)
    code = _report(run, oracle, args, out, err, harness)
    if args.strategy in ("random", "hypothesis") and not args.json:
        err.write(f"reproduce with: {rerun_command(getattr(args, 'argv', None), seed)}\n")
    return code


def _execute(args, oracle, harness, factory, seed: int, err: TextIO):
    """Run the test the arguments ask for on the adapters the factory makes; close them."""
    try:
        if args.jobs > 1:
            run = _parallel(args, oracle, harness, factory, seed, err)
        else:
            adapter = factory()
            with owned(adapter, err):
                harness.engine = _identity(adapter)
                if args.strategy == "hypothesis":
                    run = _hypothesis(harness, adapter, seed, args)
                else:
                    run = harness.run(_test(args, oracle, seed), adapter,
                                      shrink=not args.no_shrink)
                    run = _top_up(args, oracle, run, lambda t: harness.run(
                        t, adapter, shrink=not args.no_shrink))
    finally:
        factory.close()
    return run


def _parameters(args) -> dict:
    """Return the command-line parameters of a run as plain JSON values."""
    out = {}
    for k, v in vars(args).items():
        if isinstance(v, Path):
            v = str(v)
        if k in ("func", "command", "json", "argv") or not isinstance(v, (str, int, float, bool,
                                                                    list, type(None))):
            continue
        out[k] = [str(x) for x in v] if isinstance(v, list) else v
    return out


def rerun_command(argv: list[str] | None, seed: int) -> str:
    """Return this very command line with its seed fixed, to replay a randomised run."""
    import shlex
    import sys

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


def _identity(adapter) -> tuple[str, str]:
    return capabilities_of(adapter).identity(adapter)


def _parallel(args, oracle, harness, factory, seed: int, err: TextIO):
    from .harness import Harness
    from .parallel import run_parallel, split

    test = _test(args, oracle, seed)
    with contextlib.ExitStack() as stack:
        adapters = []
        for _ in range(args.jobs):
            adapters.append(stack.enter_context(owned(factory(), err)))
        if args.strategy == "tour":
            # An engine whose restart back-off grows (Docker) says how many automatic
            # restarts in a row a piece may take (`restarts_before_backoff` in its
            # capabilities); none: no such limit.
            limit = capabilities_of(adapters[0]).restarts_before_backoff
            test = split(oracle, test, max(50, test.steps // (4 * args.jobs) + 1),
                         restarts=limit)
        engine = _identity(adapters[0])
        harness.engine = engine

        def make(adapter):
            if adapter is adapters[0]:
                return harness
            return Harness(oracle, known=harness.known.fresh() if harness.known else None,
                           engine=engine)
        run = run_parallel(make, test, adapters, shrink=not args.no_shrink)
        return _top_up(args, oracle, run,
                       lambda t: run_parallel(make, t, adapters, shrink=not args.no_shrink))


def _top_up(args, oracle, run, execute):
    """Run up to ``--top-up`` more rounds of a tour: one short segment per drivable
    transition still not taken (the implementation's timing can lead a tour off its plan),
    but those a recorded divergence that is not intermittent says the engine never takes;
    stop at a divergence, or when a round covers nothing new."""
    from .generate import top_up

    if args.strategy != "tour":
        return run
    for _ in range(args.top_up):
        if run.divergence is not None:
            break
        test = top_up(oracle, run.coverage.edges | run.coverage.final)
        if not test.segments:
            break
        before = len(run.coverage.edges)
        try:
            more = execute(test)
        except KeyboardInterrupt as exc:
            more = getattr(exc, "partial_run", None)
            if more is not None:  # the tour's run, with the round's steps before it
                exc.partial_run = _add_round(run, more, len(test.segments))
                run.interrupted = more.interrupted
            raise
        _add_round(run, more, len(test.segments))
        if len(run.coverage.edges) == before:
            break
    return run


def _add_round(run, more, segments: int):
    """Append a top-up round's run to the tour's run (segments numbered after its own)."""
    from dataclasses import replace

    offset = 1 + max((v.segment for v in run.verdicts), default=-1)
    run.verdicts.extend(replace(v, segment=v.segment + offset) for v in more.verdicts)
    run.coverage.merge(more.coverage)
    run.divergence, run.original = more.divergence, more.original
    run.seconds += more.seconds
    run.top_up += segments
    return run


def _hypothesis(harness, adapter, seed: int, args):
    import time

    from .coverage import Coverage
    from .generate import Test
    from .harness import Run
    from .stateful import run_hypothesis

    cov = Coverage(harness.oracle)
    verdicts: list = []
    prev = harness.on_step
    harness.on_step = lambda v: (verdicts.append(v), prev and prev(v))
    t0 = time.perf_counter()
    div = run_hypothesis(harness, adapter, seed=seed, examples=args.examples,
                         steps=args.steps or 50, coverage=cov)
    run = Run(Test("hypothesis", (), seed=seed), verdicts, div, div, cov,
              time.perf_counter() - t0)
    if div is not None:  # the examples before the shrunk one failed too; keep the last only
        run.verdicts = [v for v in verdicts if v.verdict != "fail"]
        run.verdicts.append(next(v for v in reversed(verdicts) if v.verdict == "fail"))
    return run


def _live(args, harness, oracle, out: TextIO) -> None:
    if args.verbose and not args.json:
        from .render import step_line
        harness.on_step = lambda v: out.write(step_line(v, oracle) + "\n")


def _report(run, oracle, args, out: TextIO, err: TextIO, harness=None) -> int:
    from .render import divergence_itf, replay_command, to_json, write_summary

    verdicts = _known_verdicts(harness)

    d = run.divergence
    replay = replay_command(d, args.adapter, args.model) if d is not None else None
    if d is not None and args.trace_dir:
        args.trace_dir.mkdir(parents=True, exist_ok=True)
        path = args.trace_dir / "divergence.itf.json"
        path.write_text(json.dumps(divergence_itf(d, oracle, args.adapter), indent=2) + "\n")
        err.write(f"wrote {path}\n")
    if args.json:
        doc = to_json(run, oracle, args.adapter, args.verbose, replay)
        doc["meta"] = run_meta(args.command, oracle.model, _parameters(args),
                               getattr(args, "argv", None))
        doc.update(_known_json(run, verdicts, args))
        json.dump(doc, out, indent=2)
        out.write("\n")
    else:
        write_summary(run, oracle, args.adapter, out, replay, verdicts,
                      getattr(args, "restricted", ""), getattr(args, "classes", ""))
    from ..cli import write_ci_outputs
    from .render import cases, verdict_word

    if getattr(args, "transitions", None):
        write_transitions(args.transitions, run.coverage)
    write_ci_outputs(args, cases(run, oracle, args.adapter), "conform",
                     f"dockproof conform: {oracle.model.name} against {args.adapter}",
                     f"{verdict_word(run)}: {run.passed} steps passed, strategy "
                     f"{run.test.strategy}")
    return exit_status(run, verdicts, getattr(args, "allow_known", False))


def write_transitions(path: Path, coverage) -> None:
    """Write `Coverage.listing` as a tab-separated file with a header line."""
    from ..outputs import write

    rows = coverage.listing()
    lines = ["verdict\taction\tsource\ttarget"] + ["\t".join(r) for r in rows]
    write(path, "\n".join(lines) + "\n")


def _known_verdicts(harness) -> dict | None:
    """Return the recorded-divergence verdicts of the run's engine (None: no catalogue)."""
    if harness is None or harness.known is None:
        return None
    cat, engine = harness.known, harness.engine
    return {"engine": engine, "file": cat.path, "occurred": dict(sorted(cat.occurred.items())),
            "entries": {e.id: e for e in cat.for_engine(engine)},
            "stale": [e.id for e in cat.stale(engine)],
            "unexercised": [e.id for e in cat.unexercised(engine)]}


def _known_json(run, verdicts, args) -> dict:
    from .render import known_json

    return {"known": known_json(run, verdicts),
            "exit_status": exit_status(run, verdicts, getattr(args, "allow_known", False))}


def exit_status(run, verdicts: dict | None, allow_known: bool) -> int:
    """Return 1 for a divergence, an inconclusive step, a stale entry or (without
    ``allow_known``) a known divergence; 3 for a run interrupted before its end; else 0."""
    if run.exit_code:
        return run.exit_code
    if verdicts is not None and verdicts["stale"]:
        return 1
    return 1 if run.known and not allow_known else 0


def cmd_replay(args, out: TextIO, err: TextIO) -> int:
    from ..errors import InputError
    from .generate import Test
    from .replay import from_commands, from_itf

    if (args.trace is None) == (args.commands is None):
        raise InputError("replay", "DP605", "give either a TRACE file or --commands",
                         "dockproof replay --commands 'run; pause' --adapter reference")
    oracle, harness, factory = _setup(args)
    segments = from_commands(args.commands, oracle) if args.commands is not None \
        else from_itf(args.trace, oracle)
    _live(args, harness, oracle, out)
    try:
        adapter = factory()
        with owned(adapter, err):
            harness.engine = _identity(adapter)
            # Parameters the configuration does not show leave several initial states: the
            # implementation conforms if it conforms to one of them (else: the longest run).
            runs = []
            for seg in segments:
                runs.append(harness.run(Test("replay", (seg,)), adapter, shrink=False))
                if runs[-1].exit_code == 0:
                    break
    finally:
        factory.close()
    run = runs[-1] if runs[-1].exit_code == 0 else max(runs, key=lambda r: len(r.verdicts))
    return _report(run, oracle, args, out, err, harness)
