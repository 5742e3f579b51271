"""Houdini for the smt engine: generate candidate lemmas, keep the largest inductive subset."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from ...spec.types import BoolType, EnumType, IntType
from ..compiled import predicate

if TYPE_CHECKING:
    from .engine import SmtEngine


def candidates(engine: SmtEngine):
    """Generate candidate lemmas as (name, z3 function, Python function) triples: the
    catalogue's invariants, literals, two-literal clauses and literal-or-bound clauses."""
    z3, enc, m = engine.z3, engine.enc, engine.model
    out = [(f"hint {i}", (lambda e: lambda s: enc.expr(e, s))(h), predicate(h))
           for i, h in enumerate(engine.hints)]
    lits = []
    for v in m.variables:
        k = v.slot
        if isinstance(v.type, BoolType):
            lits += [(v.name, lambda s, k=k: s[k], lambda s, k=k: s[k], v),
                     (f"not {v.name}", lambda s, k=k: z3.Not(s[k]),
                      lambda s, k=k: not s[k], v)]
        elif isinstance(v.type, EnumType):
            for i, mem in enumerate(v.type.members):
                lits += [(f"{v.name}=={mem}", lambda s, k=k, i=i: s[k] == i,
                          lambda s, k=k, i=i: s[k] == i, v),
                         (f"{v.name}!={mem}", lambda s, k=k, i=i: s[k] != i,
                          lambda s, k=k, i=i: s[k] != i, v)]
    out += [lit[:3] for lit in lits]
    for (n1, f1, p1, v1), (n2, f2, p2, v2) in itertools.combinations(lits, 2):
        if v1 == v2 or (v1.is_param and v2.is_param):
            continue  # tautologies, or facts about the configuration alone
        out.append((f"{n1} or {n2}", lambda s, f1=f1, f2=f2: z3.Or(f1(s), f2(s)),
                    lambda s, p1=p1, p2=p2: p1(s) or p2(s)))
    for v in m.variables:
        if isinstance(v.type, IntType) and v.type.hi - v.type.lo <= 8:
            k = v.slot
            for c in range(v.type.lo, v.type.hi):
                for n, f, p, _ in lits:
                    out.append((f"{n} or {v.name}<={c}",
                                lambda s, f=f, k=k, c=c: z3.Or(f(s), s[k] <= c),
                                lambda s, p=p, k=k, c=c: p(s) or s[k] <= c))
                    out.append((f"{n} or {v.name}>={c + 1}",
                                lambda s, f=f, k=k, c=c: z3.Or(f(s), s[k] >= c + 1),
                                lambda s, p=p, k=k, c=c: p(s) or s[k] >= c + 1))
    return out


def houdini(engine: SmtEngine, candidates):
    """Keep the largest subset of candidates that holds initially and is inductive.

    Each round asks Z3 for a state (or step) that breaks some live candidate and drops every
    candidate that the state breaks, evaluated in Python on the state Z3 returned.
    """
    enc = engine.enc
    s, t = enc.state("H0"), enc.state("H1")
    alive = list(candidates)
    init = engine.solver()
    init.add(enc.init(s))
    alive = _prune(engine, init, alive, s, t, False)
    step = engine.solver()
    step.add(enc.range(s), enc.trans(s, t))
    alive = _prune(engine, step, alive, s, t, True)
    return [f for _, f, _ in alive], [n for n, _, _ in alive]


def fast_bool(z3, mk, terms):
    """Build a large And/Or through the C API: z3.And/z3.Or re-check every argument's sort in
    Python, which dominates the time for thousands of candidate lemmas."""
    ctx = terms[0].ctx
    arr = (z3.Ast * len(terms))()
    for i, x in enumerate(terms):
        arr[i] = x.as_ast()
    return z3.BoolRef(mk(ctx.ref(), len(terms), arr), ctx)


def _prune(engine, solver, alive, s, t, inductive: bool):
    """Drop candidates falsified by models of the solver until none is (a greatest fixpoint
    for the inductive case: each round assumes the survivors at ``s``)."""
    z3, enc = engine.z3, engine.enc
    target = t if inductive else s
    at_s = {id(c): c[1](s) for c in alive} if inductive else {}
    neg_t = {id(c): z3.Not(c[1](target)) for c in alive}
    while alive:
        solver.push()
        if inductive:
            solver.add(fast_bool(z3, z3.Z3_mk_and, [at_s[id(c)] for c in alive]))
        solver.add(fast_bool(z3, z3.Z3_mk_or, [neg_t[id(c)] for c in alive]))
        r = solver.check()
        if r != z3.sat:
            solver.pop()
            return alive if r == z3.unsat else []  # unknown: keep no unchecked lemma
        state = enc.read_state(solver.model(), target)
        solver.pop()
        alive = [c for c in alive if c[2](state)]
    return alive
