"""Execute a `RunPlan` on the adapters a factory makes: the one path of every conformance run
(``dockproof conform``, ``dockproof replay``, the pytest plugin, library code).

>>> from dockproof.sut.registry import resolve
>>> from dockproof.conformance.plan import plan_run
>>> factory = resolve("reference")
>>> run = execute(plan_run("seed", strategy="random", seed=7, steps=100), factory)
>>> run.exit_code, run.passed, run.engine
(0, 100, ('reference', '0'))
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TextIO

from ..sut.contract import capabilities_of
from ..sut.ownership import owned
from ..verdict import StepVerdict
from . import parallel
from .coverage import Coverage
from .generate import Test, random_walk, top_up, transition_tour
from .harness import Harness, JudgedStep, Run
from .matrix import matrix
from .oracle import Segment
from .plan import RunPlan
from .stateful import run_hypothesis

OnStep = Callable[[JudgedStep], None]


def execute(plan: RunPlan, factory, on_step: OnStep | None = None,
            err: TextIO | None = None) -> Run:
    """Run the plan's test on adapters ``factory()`` makes (``plan.jobs`` of them), then
    close them and the factory (an `AdapterFactory`: ``resolve(spec)``, or
    ``AdapterFactory(make, name)`` around any adapter class). ``on_step`` sees every
    judged step as it is judged (one job only); ``err`` gets a real engine's clean-up notes.

    Ctrl-C / SIGTERM: the `KeyboardInterrupt` goes on with the steps run so far as its
    ``partial_run`` (marked ``interrupted``), the engine's containers removed first."""
    err = sys.stderr if err is None else err
    catalogue = plan.catalogue.fresh() if plan.catalogue is not None else None
    harness = Harness(plan.oracle, on_step=on_step if plan.jobs == 1 else None,
                      known=catalogue)
    try:
        run = _parallel(plan, harness, factory, err) if plan.jobs > 1 \
            else _serial(plan, harness, factory, err)
    except KeyboardInterrupt as exc:
        partial = getattr(exc, "partial_run", None)
        if partial is not None:
            partial.engine, partial.catalogue = harness.engine, catalogue
        raise
    finally:
        factory.close()
    run.engine, run.catalogue = harness.engine, catalogue
    return run


def replay(plan: RunPlan, factory, segments: list[Segment], on_step: OnStep | None = None,
           err: TextIO | None = None) -> Run:
    """Run each segment (the initial states a trace leaves open) until one conforms; return
    that run, else the longest one."""
    err = sys.stderr if err is None else err
    catalogue = plan.catalogue.fresh() if plan.catalogue is not None else None
    harness = Harness(plan.oracle, on_step=on_step, known=catalogue)
    try:
        adapter = factory()
        with owned(adapter, err):
            harness.engine = _identity(adapter)
            runs = []
            for seg in segments:
                runs.append(harness.run(Test("replay", (seg,)), adapter, shrink=False))
                if runs[-1].exit_code == 0:
                    break
    finally:
        factory.close()
    run = runs[-1] if runs[-1].exit_code == 0 else max(runs, key=lambda r: len(r.verdicts))
    run.engine, run.catalogue = harness.engine, catalogue
    return run


def _test(plan: RunPlan) -> Test:
    if plan.strategy == "tour":
        return transition_tour(plan.oracle, probes=plan.probes)
    if plan.strategy == "matrix":
        return matrix(plan.oracle)
    return random_walk(plan.oracle, plan.seed, plan.steps or 2000)


def _serial(plan: RunPlan, harness: Harness, factory, err: TextIO) -> Run:
    adapter = factory()
    with owned(adapter, err):
        harness.engine = _identity(adapter)
        if plan.strategy == "hypothesis":
            return _hypothesis(plan, harness, adapter)
        run = harness.run(_test(plan), adapter, shrink=plan.shrink)
        return _top_up(plan, run, lambda t: harness.run(t, adapter, shrink=plan.shrink))


def _parallel(plan: RunPlan, harness: Harness, factory, err: TextIO) -> Run:
    oracle, test = plan.oracle, _test(plan)
    with contextlib.ExitStack() as stack:
        adapters = [stack.enter_context(owned(factory(), err)) for _ in range(plan.jobs)]
        if plan.strategy == "tour":
            # An engine whose restart back-off grows (Docker) declares how many automatic
            # restarts in a row a piece may take; none: no such limit.
            limit = capabilities_of(adapters[0]).restarts_before_backoff
            test = parallel.split(oracle, test, max(50, test.steps // (4 * plan.jobs) + 1),
                                  restarts=limit)
        engine = _identity(adapters[0])
        harness.engine = engine

        def make(adapter: Any) -> Harness:
            if adapter is adapters[0]:
                return harness
            return Harness(oracle, known=harness.known.fresh() if harness.known else None,
                           engine=engine)
        run = parallel.run_parallel(make, test, adapters, shrink=plan.shrink)
        return _top_up(plan, run,
                       lambda t: parallel.run_parallel(make, t, adapters,
                                                         shrink=plan.shrink))


def _top_up(plan: RunPlan, run: Run, again: Callable[[Test], Run]) -> Run:
    """Run up to ``plan.top_up`` more rounds of a tour: one short segment per drivable
    transition still not taken (the implementation's timing can lead a tour off its plan),
    but those a recorded divergence that is not intermittent says the engine never takes;
    stop at a divergence, or when a round covers nothing new."""
    if plan.strategy != "tour":
        return run
    for _ in range(plan.top_up):
        if run.divergence is not None:
            break
        test = top_up(plan.oracle, run.coverage.edges | run.coverage.final)
        if not test.segments:
            break
        before = len(run.coverage.edges)
        try:
            more = again(test)
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


def _add_round(run: Run, more: Run, segments: int) -> Run:
    """Append a top-up round's run to the tour's run (segments numbered after its own)."""
    offset = 1 + max((v.segment for v in run.verdicts), default=-1)
    run.verdicts.extend(replace(v, segment=v.segment + offset) for v in more.verdicts)
    run.coverage.merge(more.coverage)
    run.divergence, run.original = more.divergence, more.original
    run.seconds += more.seconds
    run.top_up += segments
    return run


def _hypothesis(plan: RunPlan, harness: Harness, adapter) -> Run:
    cov = Coverage(harness.oracle)
    verdicts: list[JudgedStep] = []
    prev = harness.on_step
    harness.on_step = lambda v: (verdicts.append(v), prev and prev(v))
    t0 = time.perf_counter()
    div = run_hypothesis(harness, adapter, seed=plan.seed, examples=plan.examples,
                         steps=plan.steps or 50, coverage=cov)
    run = Run(Test("hypothesis", (), seed=plan.seed), verdicts, div, div, cov,
              time.perf_counter() - t0)
    if div is not None:  # the examples before the shrunk one failed too; keep the last only
        run.verdicts = [v for v in verdicts if v.verdict is not StepVerdict.FAIL]
        run.verdicts.append(next(v for v in reversed(verdicts)
                                 if v.verdict is StepVerdict.FAIL))
    return run


def _identity(adapter) -> tuple[str, str]:
    """Return the (engine, version) the adapter declares, for matching recorded divergences."""
    return capabilities_of(adapter).identity(adapter)
