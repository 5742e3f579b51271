"""A Hypothesis stateful test of an adapter against the model: failures shrink to short traces.

`conformance_machine` builds a ``RuleBasedStateMachine`` whose ``initialize`` rule picks a
configuration (an initial state: the container's `Config`) and whose one rule sends any
command the model knows, accepted or refused. Each step is judged by the `Harness`; a
divergence fails the example and Hypothesis shrinks it (fewer, simpler commands).
`run_hypothesis` runs it and returns the shrunk divergence, or None.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import require
from ..sut.contract import Adapter
from .coverage import Coverage
from .harness import Divergence, Harness
from .judge import Walk
from .oracle import Segment, Step


class DivergenceFound(AssertionError):
    """An example diverged; ``divergence`` says how."""

    def __init__(self, divergence: Divergence, text: str) -> None:
        super().__init__(text)
        self.divergence = divergence


def conformance_machine(harness: Harness, adapter: Adapter, coverage: Coverage | None = None,
                        describe: Callable[[Divergence], str] = lambda d: "; ".join(d.reasons)):
    """Return a ``RuleBasedStateMachine`` class that tests ``adapter`` (reset per example)."""
    require("hypothesis", extra="test")
    from hypothesis import strategies as st
    from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

    o = harness.oracle
    cov = coverage or Coverage(o)

    class Conformance(RuleBasedStateMachine):
        last: list[Divergence] = []

        @initialize(initial=st.sampled_from(sorted(o.space.initial)))
        def reset(self, initial: int) -> None:
            adapter.reset(o.map.host_units)
            self.initial, self.state = initial, initial
            self.steps: tuple[Step, ...] = ()
            self.walk = Walk(0, Segment(initial, ()), adapter, cov, [(None, initial)])
            cov.visit(initial)

        @rule(key=st.sampled_from(o.keys))
        def command(self, key) -> None:
            step = Step(key)
            self.steps += (step,)
            self.walk.seg = Segment(self.initial, self.steps)
            verdict, self.state, div = harness.judge(self.walk, len(self.steps) - 1, step,
                                                     self.state)
            if harness.on_step is not None:
                harness.on_step(verdict)
            if div is not None:
                Conformance.last.append(div)
                raise DivergenceFound(div, describe(div))

    Conformance.__name__ = Conformance.__qualname__ = f"Conformance_{o.model.name}"
    return Conformance


def run_hypothesis(harness: Harness, adapter: Adapter, seed: int | None = None,
                   examples: int = 200, steps: int = 50,
                   coverage: Coverage | None = None) -> Divergence | None:
    """Run the state machine; return the shrunk divergence, or None when all examples passed."""
    hypothesis = require("hypothesis", extra="test")
    from hypothesis import HealthCheck, settings
    from hypothesis.stateful import run_state_machine_as_test

    machine = conformance_machine(harness, adapter, coverage)
    if seed is not None:
        machine = hypothesis.seed(seed)(machine)
    cfg = settings(max_examples=examples, stateful_step_count=steps, deadline=None,
                   database=None, derandomize=seed is None, print_blob=False,
                   suppress_health_check=list(HealthCheck))
    try:
        run_state_machine_as_test(machine, settings=cfg)
    except DivergenceFound:
        return machine.last[-1]
    return None
