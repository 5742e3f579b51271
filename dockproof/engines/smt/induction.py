"""Induction for the smt engine: plain, relative to the Houdini lemmas, and k-induction."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from .decision import Decision

if TYPE_CHECKING:
    from .engine import SmtEngine


def plain_induction(engine: SmtEngine, goal) -> Decision | None:
    """Try the goal's negation as an inductive invariant on its own."""
    z3, enc = engine.z3, engine.enc
    s, t = enc.state("i0"), enc.state("i1")
    solver = engine.solver()
    solver.add(enc.range(s), z3.Not(goal(s, None, None)), enc.trans(s, t),
               goal(t, None, None))
    return Decision("unreachable", "inductive") if solver.check() == z3.unsat else None

def relative_induction(engine: SmtEngine, goal, with_step: bool) -> Decision | None:
    """Try to exclude the goal with the Houdini lemmas (and, for a state goal, its own
    negation as one more inductive conjunct)."""
    z3, enc = engine.z3, engine.enc
    solver, marks, (s, t, a) = _lemma_solver(engine)
    solver.push()
    try:
        if solver.check(*marks, goal(s, t, a) if with_step else goal(s, None, None)) \
                == z3.unsat:
            return Decision("unreachable", f"inductive, {len(marks)} lemmas",
                            certificate=_core(engine, solver, marks))
        if with_step:
            return None
        solver.add(z3.Not(goal(s, None, None)), enc.trans(s, t), goal(t, None, None))
        if solver.check(*marks) == z3.unsat:
            return Decision("unreachable", f"inductive, {len(marks)} lemmas",
                            certificate=_core(engine, solver, marks))
        return None
    finally:
        solver.pop()

def _lemma_solver(engine: SmtEngine):
    """Return a solver holding each lemma behind a marker literal, built once."""
    if engine._lsolver is None:
        z3, enc = engine.z3, engine.enc
        engine.lemmas()
        s, t, a = enc.state("r0"), enc.state("r1"), enc.action_var("r0")
        solver = engine.solver()
        solver.add(enc.range(s))
        marks = [z3.Bool(f"lemma{i}") for i in range(len(engine._lemma_z3))]
        for mk, lem in zip(marks, engine._lemma_z3):
            solver.add(z3.Implies(mk, enc.at(engine._lemma_tpl, lem, s)))
        engine._lsolver = (solver, marks, (s, t, a))
    return engine._lsolver

def _core(engine: SmtEngine, solver, marks) -> str:
    """Name the lemmas of the unsat core."""
    names = {mk.get_id(): n for mk, n in zip(marks, engine._lemma_names)}
    used = sorted(names[c.get_id()] for c in solver.unsat_core() if c.get_id() in names)
    return "lemmas used: " + ("; ".join(used) if used else "none (the type ranges suffice)")

def k_step(engine: SmtEngine, goal, k: int) -> bool:
    """k-induction step: k+1 distinct non-goal states in a row are never followed by a
    goal state."""
    z3, enc = engine.z3, engine.enc
    lemmas = engine.lemmas()
    path = [enc.state(f"k{i}") for i in range(k + 2)]
    solver = engine.solver()
    for i, s in enumerate(path):
        solver.add(enc.range(s), *(lem(s) for lem in lemmas))
        if i <= k:
            solver.add(z3.Not(goal(s, None, None)), enc.trans(s, path[i + 1]))
    solver.add(goal(path[-1], None, None))
    for x, y in itertools.combinations(path[:-1], 2):
        solver.add(z3.Or([p != q for p, q in zip(x, y)]))
    return solver.check() == z3.unsat
