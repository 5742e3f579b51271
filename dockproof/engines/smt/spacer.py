"""IC3/PDR for the smt engine: the goal as constrained Horn clauses, solved by Z3's Spacer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .decision import Decision, unknown

if TYPE_CHECKING:
    from .engine import SmtEngine


def spacer(engine: SmtEngine, goal, with_step: bool) -> Decision:
    """Decide the goal with Z3's IC3/PDR (Spacer); its inductive invariant is the
    certificate."""
    z3, enc = engine.z3, engine.enc
    inv = z3.Function("Reach", *enc._sorts, z3.BoolSort())
    s, t, a = enc.state("h0"), enc.state("h1"), enc.action_var("h0")
    solver = z3.SolverFor("HORN")
    if engine.timeout_ms:
        solver.set("timeout", engine.timeout_ms)
    solver.add(z3.ForAll(list(s), z3.Implies(enc.init(s), inv(*s))))
    solver.add(z3.ForAll(list(s) + list(t), z3.Implies(z3.And(inv(*s), enc.trans(s, t)),
                                                        inv(*t))))
    bad = goal(s, t, a) if with_step else goal(s, None, None)
    qv = list(s) + (list(t) + [a] if with_step else [])
    solver.add(z3.ForAll(qv, z3.Implies(z3.And(inv(*s), bad), z3.BoolVal(False))))
    r = solver.check()
    if r == z3.sat:
        named = tuple(z3.Const(v.name, sort) for v, sort in zip(engine.model.variables,
                                                                 enc._sorts))
        cert = solver.model().eval(inv(*named))
        return Decision("unreachable", "IC3/PDR (Spacer)",
                        certificate=f"inductive invariant: {z3.simplify(cert)}")
    if r == z3.unsat:
        return Decision("reachable", "IC3/PDR (Spacer)")
    return unknown(solver, "IC3/PDR (Spacer)", engine.timeout_ms)
