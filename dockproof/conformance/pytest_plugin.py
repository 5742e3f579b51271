"""Run the conformance suite from an implementer's own tests.

Either call `run_conformance_test` (in the manner of Hypothesis's
``run_conformance_test(Provider)``)::

    from dockproof.conformance.pytest_plugin import run_conformance_test

    def test_my_runtime_conforms():
        run_conformance_test(MyAdapter, strategy="tour")

or subclass `ConformanceTest` and set ``adapter_factory``: pytest collects a tour, a random
walk and a Hypothesis test for it::

    class TestMyRuntime(ConformanceTest):
        adapter_factory = MyAdapter
        model = "seed"          # a built-in model's name or a file; the default is seed

A divergence fails the test with the expected-versus-observed report and the command that
replays it. Both run the library's one path (`plan.plan_run`, `execute.execute`), as
``dockproof conform`` does, without a catalogue of recorded divergences and without top-up
rounds.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from .. import builtin
from ..sut.contract import Adapter
from ..sut.factory import AdapterFactory
from .execute import execute
from .plan import STRATEGIES, RunPlan, plan_run
from .render import write_summary

_CACHE: dict[str, RunPlan] = {}


class ConformanceFailure(AssertionError):
    """An implementation diverged from the model (or a step stayed inconclusive)."""


def _plan(model: str | Path | None) -> RunPlan:
    """Return the model's plan (explored once per model file), judged without a catalogue:
    an implementer's own runtime has no recorded divergences."""
    key = str(builtin.resolve_model(None if model is None else str(model)).resolve())
    if key not in _CACHE:
        _CACHE[key] = plan_run(key, use_divergences=False, top_up=0, seed=0)
    return _CACHE[key]


def run_conformance_test(adapter_factory: Callable[[], Adapter], model: str | Path | None = None,
                         strategy: str = "tour", seed: int = 0, steps: int | None = None,
                         examples: int = 100) -> None:
    """Run one strategy against a fresh adapter; raise `ConformanceFailure` on divergence.

    >>> from dockproof.sut.reference import ReferenceAdapter
    >>> run_conformance_test(ReferenceAdapter, strategy="random", steps=200)
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}: {', '.join(STRATEGIES)}")
    name = getattr(adapter_factory, "__qualname__", repr(adapter_factory))
    plan = replace(_plan(model), adapter=name, strategy=strategy, seed=seed, steps=steps,
                   examples=examples)
    run = execute(plan, AdapterFactory(adapter_factory, name))
    if run.exit_code:
        text = io.StringIO()
        write_summary(run, plan.oracle, name, text)
        raise ConformanceFailure(text.getvalue())


class ConformanceTest:
    """Subclass, set ``adapter_factory`` (and optionally ``model``, ``seed``): get three tests."""

    adapter_factory: Callable[[], Adapter] | None = None
    model: str | Path | None = None
    seed: int = 0
    random_steps: int = 2000
    hypothesis_examples: int = 100

    def _run(self, strategy: str, **kw) -> None:
        factory = type(self).adapter_factory
        if factory is None:
            raise TypeError(f"{type(self).__name__} must set adapter_factory")
        run_conformance_test(factory, self.model, strategy, self.seed, **kw)

    def test_transition_tour(self) -> None:
        self._run("tour")

    def test_random_walk(self) -> None:
        self._run("random", steps=self.random_steps)

    def test_hypothesis(self) -> None:
        self._run("hypothesis", examples=self.hypothesis_examples)
