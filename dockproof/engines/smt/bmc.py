"""Bounded model checking for the smt engine: shortest counterexamples and witnesses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...spec.model import Model
from ..result import Trace
from .decision import Decision, unknown
from .encode import Encoding

if TYPE_CHECKING:
    from .engine import SmtEngine


class Bmc:
    """Incremental bounded model checking from the initial states."""

    def __init__(self, engine: SmtEngine, goal, with_step: bool, title: str) -> None:
        self.e, self.goal, self.with_step, self.title = engine, goal, with_step, title
        enc = engine.enc
        self.solver = engine.solver()
        self.states = [enc.state("b0")]
        self.actions: list = []
        self.solver.add(enc.init(self.states[0]))

    def at(self, depth: int) -> Decision | None:
        """Look for the goal at exactly ``depth`` steps; None if there is none."""
        z3, enc = self.e.z3, self.e.enc
        while len(self.states) <= depth:
            i = len(self.states)
            t, a = enc.state(f"b{i}"), enc.action_var(f"b{i - 1}")
            self.solver.add(enc.trans(self.states[-1], t, a))
            self.states.append(t)
            self.actions.append(a)
        s = self.states[depth]
        self.solver.push()
        if self.with_step:
            t, a = enc.state(f"g{depth}"), enc.action_var(f"g{depth}")
            self.solver.add(self.goal(s, t, a))
        else:
            self.solver.add(self.goal(s, None, None))
        r = self.solver.check()
        try:
            if r == z3.sat:
                zm = self.solver.model()
                states = self.states[:depth + 1] + ([t] if self.with_step else [])
                acts = self.actions[:depth] + ([a] if self.with_step else [])
                trace = read_trace(self.e.model, self.e.enc, zm, states, acts, self.title)
                return Decision("reachable", f"BMC depth {len(trace)}", trace=trace)
            if r != z3.unsat:
                return unknown(self.solver, f"BMC depth {depth}", self.e.timeout_ms)
            return None
        finally:
            self.solver.pop()


def read_trace(model: Model, enc: Encoding, zm, states, acts, title: str,
               stutter: bool = False) -> Trace:
    """Read a run of the model out of a Z3 model of a BMC unrolling."""
    names = [a.name for a in model.actions]
    steps = [(None, enc.read_state(zm, states[0]))]
    for s, a in zip(states[1:], acts):
        idx = zm.eval(a, model_completion=True).as_long()
        if stutter and idx == -1:
            continue
        steps.append((names[idx], enc.read_state(zm, s)))
    return Trace(model, tuple(steps), title)


def two_paths(engine: SmtEngine, conflict) -> Decision:
    """Search two runs (each up to the BMC depth) whose last states conflict."""
    z3, enc = engine.z3, engine.enc
    solver = engine.solver()
    runs = []
    for side in ("x", "y"):
        s0 = enc.state(f"{side}0")
        solver.add(enc.init(s0))
        runs.append([s0])
    acts: dict[str, list] = {"x": [], "y": []}
    for depth in range(engine.bmc_depth + 1):
        solver.push()
        solver.add(conflict(runs[0][-1], runs[1][-1]))
        r = solver.check()
        if r == z3.sat:
            zm = solver.model()
            traces = tuple(read_trace(engine.model, enc, zm, run, acts[side], f"run {side}",
                                      stutter=True) for run, side in zip(runs, ("x", "y")))
            return Decision("reachable", f"BMC depth {depth}", trace=traces)
        solver.pop()
        if r != z3.unsat:
            return unknown(solver, f"BMC depth {depth}", engine.timeout_ms)
        for run, side in zip(runs, ("x", "y")):
            t, a = enc.state(f"{side}{depth + 1}"), enc.action_var(f"{side}{depth}")
            stutter = z3.And(a == -1, *(x == y for x, y in zip(run[-1], t)))
            solver.add(z3.Or(enc.trans(run[-1], t, a), stutter))
            run.append(t)
            acts[side].append(a)
    return Decision("unknown", f"BMC depth {engine.bmc_depth}", reason="the lemmas allow a "
                    "conflict but no reachable one was found within the BMC depth")
