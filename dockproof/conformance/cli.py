"""``dockproof conform`` and ``dockproof replay``: test an implementation against a model."""

from __future__ import annotations

import argparse
import contextlib
import json
import random
from pathlib import Path
from typing import TextIO

EPILOG = """adapters:
  reference        the reference interpreter (in-process)
  docker, podman   real engines (dockproof.adapters.docker / .podman)
  exec:CMD         any program speaking the jsonl protocol on stdin/stdout
                   (docs/adapter-protocol.md), e.g. exec:"node examples/adapters/node/sut.js"
  mutant:NAME      a deliberately broken reference daemon (dockproof.reference.mutants)
  module:Class     any importable Python class (or function) that returns an adapter

exit codes:
  0  every step conformed
  1  a divergence (expected versus observed is shown, with the command that replays it),
     or an inconclusive step (an adapter's time window elapsed)
  2  bad input (model, trace, command line)
  3  the adapter is unavailable or stopped answering"""


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
        epilog=EPILOG + "\n\nexamples:\n  dockproof conform --adapter reference\n"
        "  dockproof conform --adapter mutant:stop_loses_fs\n"
        "  dockproof conform --adapter 'exec:node examples/adapters/node/sut.js' "
        "--strategy random --seed 7\n  dockproof conform --strategy hypothesis --junit "
        "conform.xml")
    p.add_argument("model", nargs="?", metavar="MODEL",
                   help="a model file or a built-in model's name (default: seed)")
    _common(p)
    p.add_argument("--strategy", choices=("tour", "random", "hypothesis"), default="tour",
                   help="tour: every transition at least once, with resets (default); random: "
                   "seeded random walks; hypothesis: Hypothesis stateful testing (shrinks)")
    p.add_argument("--seed", type=int, metavar="N",
                   help="seed for random and hypothesis (default: a fresh one, printed)")
    p.add_argument("--steps", type=int, metavar="N",
                   help="random: commands in all (default 2000); hypothesis: commands per "
                   "example (default 50)")
    p.add_argument("--examples", type=int, default=200, metavar="N",
                   help="hypothesis: examples to run (default 200)")
    p.add_argument("--no-probes", action="store_true",
                   help="tour: leave out the refused commands (refusal probes)")
    p.add_argument("--no-shrink", action="store_true",
                   help="report the divergence as met, without searching a shorter one")
    p.add_argument("--junit", type=Path, metavar="FILE",
                   help="also write JUnit XML (one test case per new container)")
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
    p.add_argument("--trace-dir", type=Path, metavar="DIR",
                   help="write a divergence as ITF JSON into DIR (divergence.itf.json)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="print the verdict of every step (pass / fail / inconclusive)")


@contextlib.contextmanager
def owned(adapter, err: TextIO):
    """Own an adapter for one run: a real engine's run goes through `RunSession`, so that
    Ctrl-C, SIGTERM or a dead daemon still remove what it created and name any leftovers;
    any other adapter is simply closed at the end."""
    if type(adapter).__module__.startswith(("dockproof.adapters.docker",
                                             "dockproof.adapters.podman")):
        from ..realengine.session import RunSession

        with RunSession(adapter, err=err):
            yield adapter
        return
    try:
        yield adapter
    finally:
        adapter.close()


def _setup(args):
    from .. import builtin
    from ..adapters.resolve import resolve
    from ..spec.loader import load_model
    from .harness import Harness
    from .oracle import Oracle

    model = load_model(builtin.resolve_model(args.model))
    oracle = Oracle(model)
    factory = resolve(args.adapter)
    return oracle, Harness(oracle), factory


def cmd_conform(args, out: TextIO, err: TextIO) -> int:
    from . import generate
    from .harness import Run

    oracle, harness, factory = _setup(args)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    _live(args, harness, oracle, out)
    adapter = factory()
    with owned(adapter, err):
        if args.strategy == "hypothesis":
            run = _hypothesis(harness, adapter, seed, args)
        else:
            test = generate.transition_tour(oracle, probes=not args.no_probes) \
                if args.strategy == "tour" else \
                generate.random_walk(oracle, seed, args.steps or 2000)
            run = harness.run(test, adapter, shrink=not args.no_shrink)
    assert isinstance(run, Run)
    return _report(run, oracle, args, out, err)


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


def _report(run, oracle, args, out: TextIO, err: TextIO) -> int:
    from .render import (divergence_itf, replay_command, to_json, write_junit,
                         write_summary)

    d = run.divergence
    replay = replay_command(d, args.adapter, args.model) if d is not None else None
    if d is not None and args.trace_dir:
        args.trace_dir.mkdir(parents=True, exist_ok=True)
        path = args.trace_dir / "divergence.itf.json"
        path.write_text(json.dumps(divergence_itf(d, oracle, args.adapter), indent=2) + "\n")
        err.write(f"wrote {path}\n")
    if args.json:
        json.dump(to_json(run, oracle, args.adapter, args.verbose, replay), out, indent=2)
        out.write("\n")
    else:
        write_summary(run, oracle, args.adapter, out, replay)
    if getattr(args, "junit", None):
        write_junit(run, oracle, args.adapter, args.junit)
    return run.exit_code


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
    adapter = factory()
    with owned(adapter, err):
        # Parameters the configuration does not show leave several initial states: the
        # implementation conforms if it conforms to one of them (else: the longest run).
        runs = []
        for seg in segments:
            runs.append(harness.run(Test("replay", (seg,)), adapter, shrink=False))
            if runs[-1].exit_code == 0:
                break
    run = runs[-1] if runs[-1].exit_code == 0 else max(runs, key=lambda r: len(r.verdicts))
    return _report(run, oracle, args, out, err)
