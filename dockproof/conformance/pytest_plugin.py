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
replays it.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Callable

from ..sut.contract import Adapter

_CACHE: dict[str, object] = {}


class ConformanceFailure(AssertionError):
    """An implementation diverged from the model (or a step stayed inconclusive)."""


def _harness(model: str | Path | None):
    from .. import builtin
    from ..analysis.lint import load_checked
    from .harness import Harness
    from .oracle import Oracle

    path = builtin.resolve_model(None if model is None else str(model))
    key = str(Path(path).resolve())
    if key not in _CACHE:
        _CACHE[key] = Harness(Oracle(load_checked(path).model))
    return _CACHE[key]


def run_conformance_test(adapter_factory: Callable[[], Adapter], model: str | Path | None = None,
                         strategy: str = "tour", seed: int = 0, steps: int | None = None,
                         examples: int = 100) -> None:
    """Run one strategy against a fresh adapter; raise `ConformanceFailure` on divergence.

    >>> from dockproof.sut.reference import ReferenceAdapter
    >>> run_conformance_test(ReferenceAdapter, strategy="random", steps=200)
    """
    from .coverage import Coverage
    from .generate import Test, random_walk, transition_tour
    from .harness import Run
    from .render import write_summary
    from .stateful import run_hypothesis

    harness = _harness(model)
    oracle = harness.oracle
    adapter = adapter_factory()
    try:
        if strategy == "hypothesis":
            cov = Coverage(oracle)
            div = run_hypothesis(harness, adapter, seed=seed, examples=examples,
                                 steps=steps or 50, coverage=cov)
            run = Run(Test("hypothesis", (), seed=seed), [], div, div, cov)
        elif strategy in ("tour", "random"):
            test = transition_tour(oracle) if strategy == "tour" \
                else random_walk(oracle, seed, steps or 2000)
            run = harness.run(test, adapter)
        else:
            raise ValueError(f"unknown strategy {strategy!r}: tour, random or hypothesis")
    finally:
        adapter.close()
    if run.exit_code:
        text = io.StringIO()
        name = getattr(adapter_factory, "__qualname__", repr(adapter_factory))
        write_summary(run, oracle, name, text)
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
