"""The `smt` engine: Z3 decides properties symbolically, over all configurations at once.

A property is turned into a *goal* (a bad state, or a bad step) and the goal is decided:

1. BMC at depth 0 (an initial state is already bad);
2. plain induction (the goal's negation is inductive on its own);
3. induction relative to lemmas found by Houdini: the catalogue's invariants and generated
   two-literal clauses, pruned to the largest inductive subset; no hand-written lemma needed;
4. k-induction (k = 1..K), whose base cases are BMC: the first depth where the goal is hit gives
   the shortest counterexample;
5. Z3's IC3/PDR engine (Spacer, constrained Horn clauses), which returns its inductive
   invariant: the certificate of the proof;
6. if Spacer says the goal is reachable, BMC beyond K finds the shortest trace.

Z3 `unknown` or a timeout at any stage yields UNKNOWN with the reason, never PROVED.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

from ..spec.expr import Expr
from ..spec.model import Model
from ..spec.properties import Property
from ..spec.types import BoolType, EnumType, IntType
from .encode import Encoding
from .result import PROVED, REFUTED, UNKNOWN, Result, Trace

NAME = "smt"
SUPPORTED = ("invariant", "transition", "determined", "equivalent", "reachable",
             "deadlock-free")


def supports(kind: str) -> bool:
    return kind in SUPPORTED


@dataclass
class Outcome:
    """What deciding a goal found: ``reachable`` (with a trace), ``unreachable`` or
    ``unknown``."""

    status: str
    bound: str
    trace: Trace | None = None
    certificate: str | None = None
    reason: str = ""


class SmtEngine:
    def __init__(self, model: Model, hints: tuple[Expr, ...] = (), timeout: float | None = None,
                 max_k: int = 4, bmc_depth: int = 40) -> None:
        self.model = model
        self.enc = Encoding(model)
        self.z3 = self.enc.z3
        self.hints = hints
        self.timeout_ms = int(timeout * 1000) if timeout else 0
        self.max_k = max_k
        self.bmc_depth = bmc_depth
        self._lemmas: list | None = None
        self._lemma_names: list[str] = []
        self._lemma_z3: list = []
        self._lemma_tpl: tuple = ()
        self._lsolver = None

    # ------------------------------------------------------------ plumbing

    def solver(self):
        s = self.z3.Solver()
        if self.timeout_ms:
            s.set("timeout", self.timeout_ms)
        return s

    def _unknown(self, solver, stage: str) -> Outcome:
        why = solver.reason_unknown() or "no reason given"
        if self.timeout_ms and why in ("canceled", "timeout"):
            why = f"timed out (--timeout {self.timeout_ms / 1000:g} s)"
        return Outcome("unknown", stage, reason=f"Z3 answered unknown at {stage}: {why}")

    # ------------------------------------------------------------ properties

    def check(self, prop: Property) -> Result:
        t0 = time.perf_counter()
        out = getattr(self, "_" + prop.kind.replace("-", "_"))(prop)
        verdict, traces = self._verdict(prop, out)
        return Result(prop.id, verdict, NAME, out.bound, time.perf_counter() - t0, traces,
                      out.reason, out.certificate)

    def _verdict(self, prop: Property, out: Outcome):
        traces = (out.trace,) if out.trace else ()
        if out.status == "unknown":
            return UNKNOWN, traces
        if prop.kind == "reachable":
            return (PROVED if out.status == "reachable" else REFUTED), traces
        if prop.kind == "determined" and isinstance(out.trace, tuple):
            return REFUTED, out.trace
        return (REFUTED if out.status == "reachable" else PROVED), traces

    def _invariant(self, prop):
        p = prop.exprs["formula"]
        return self.decide(lambda s, t, a: self.z3.Not(self.enc.expr(p, s)), title="reaches a "
                           "state that violates it")

    def _deadlock_free(self, prop):
        allow = prop.exprs.get("allow")

        def goal(s, t, a):
            ok = self.enc.enabled_any(s)
            if allow is not None:
                ok = self.z3.Or(ok, self.enc.expr(allow, s))
            return self.z3.Not(ok)
        return self.decide(goal, title="reaches a state with no enabled action")

    def _reachable(self, prop):
        p = prop.exprs["formula"]
        return self.decide(lambda s, t, a: self.enc.expr(p, s), title="witness")

    def _transition(self, prop):
        z3, enc = self.z3, self.enc
        f = prop.exprs["formula"]
        names = [a.name for a in self.model.actions]
        wanted = prop.data.get("actions")
        allowed = [names.index(n) for n in wanted] if wanted else None

        def goal(s, t, a):
            cs = [enc.trans(s, t, a), z3.Not(enc.expr(f, s, t, a))]
            if allowed is not None:
                cs.append(z3.Or([a == i for i in allowed]))
            return z3.And(cs)
        return self.decide(goal, with_step=True, title="its last step violates it")

    def _equivalent(self, prop):
        left, right = prop.data["left"], prop.data["right"]

        def goal(s, t, a):
            ok_l, end_l = self.run_sequence(s, left)
            ok_r, end_r = self.run_sequence(s, right)
            z3 = self.z3
            return z3.Or(ok_l != ok_r, z3.And(ok_l, ok_r, z3.Or([x != y for x, y in
                                                                  zip(end_l, end_r)])))
        return self.decide(goal, title="from its last state the two sequences differ")

    def run_sequence(self, s: tuple, names: tuple[str, ...]):
        """Return (enabled, final state terms) of running the actions in order from ``s``."""
        z3, enc = self.z3, self.enc
        oks = []
        for n in names:
            act = self.model.action(n)
            oks.append(enc.expr(act.guard, s))
            assigned = {x.slot: enc.expr(x.value, s) for x in act.effect}
            s = tuple(assigned.get(k, s[k]) for k in range(len(s)))
            oks.append(enc.range(s))
        return z3.And(oks), s

    def _determined(self, prop):
        z3, enc, m = self.z3, self.enc, self.model
        of = m.var(prop.data["of"]).slot
        by = [m.var(n).slot for n in prop.data["by"]]
        where = prop.exprs.get("where")

        def conflict(s1, s2):
            cs = [s1[of] != s2[of]] + [s1[k] == s2[k] for k in by]
            if where is not None:
                cs += [enc.expr(where, s1), enc.expr(where, s2)]
            return z3.And(cs)
        lemmas = self.lemmas()
        a, b = enc.state("d1"), enc.state("d2")
        solver = self.solver()
        solver.add(enc.range(a), enc.range(b), *(l(a) for l in lemmas), *(l(b) for l in lemmas),
                   conflict(a, b))
        r = solver.check()
        if r == z3.unsat:
            return Outcome("unreachable", f"inductive, {len(self._lemma_z3)} lemmas")
        if r != z3.sat:
            return self._unknown(solver, "the determinacy query")
        return self._two_paths(conflict)

    def _two_paths(self, conflict) -> Outcome:
        """Search two runs (each up to the BMC depth) whose last states conflict."""
        z3, enc = self.z3, self.enc
        solver = self.solver()
        runs = []
        for side in ("x", "y"):
            s0 = enc.state(f"{side}0")
            solver.add(enc.init(s0))
            runs.append([s0])
        acts: dict[str, list] = {"x": [], "y": []}
        for depth in range(self.bmc_depth + 1):
            solver.push()
            solver.add(conflict(runs[0][-1], runs[1][-1]))
            r = solver.check()
            if r == z3.sat:
                zm = solver.model()
                traces = tuple(self._trace(zm, run, acts[side], f"run {side}", stutter=True)
                               for run, side in zip(runs, ("x", "y")))
                return Outcome("reachable", f"BMC depth {depth}", trace=traces)
            solver.pop()
            if r != z3.unsat:
                return self._unknown(solver, f"BMC depth {depth}")
            for run, side in zip(runs, ("x", "y")):
                t, a = enc.state(f"{side}{depth + 1}"), enc.action_var(f"{side}{depth}")
                stutter = z3.And(a == -1, *(x == y for x, y in zip(run[-1], t)))
                solver.add(z3.Or(enc.trans(run[-1], t, a), stutter))
                run.append(t)
                acts[side].append(a)
        return Outcome("unknown", f"BMC depth {self.bmc_depth}", reason="the lemmas allow a "
                       "conflict but no reachable one was found within the BMC depth")

    # ------------------------------------------------------------ deciding a goal

    def decide(self, goal, with_step: bool = False, title: str = "") -> Outcome:
        """Decide whether a state (or, ``with_step``, a step) satisfying ``goal`` is
        reachable."""
        bmc = _Bmc(self, goal, with_step, title)
        hit = bmc.at(0)
        if hit is not None:
            return hit
        if not with_step:
            out = self._plain_induction(goal)
            if out is not None:
                return out
        out = self._relative_induction(goal, with_step)
        if out is not None:
            return out
        for k in range(1, self.max_k + 1):  # the base cases of k-induction, cheap first
            hit = bmc.at(k)
            if hit is not None:
                return hit
        for k in range(1, self.max_k + 1):
            if not with_step and self._k_step(goal, k):
                return Outcome("unreachable", f"k-induction, k={k + 1}")
        out = self._spacer(goal, with_step)
        if out.status == "reachable":
            for k in range(self.max_k + 1, self.bmc_depth + 1):
                hit = bmc.at(k)
                if hit is not None:
                    return hit
            return Outcome("reachable", "spacer", reason="a counterexample exists (Spacer) but "
                           f"is longer than the BMC depth {self.bmc_depth}")
        return out

    def _plain_induction(self, goal) -> Outcome | None:
        z3, enc = self.z3, self.enc
        s, t = enc.state("i0"), enc.state("i1")
        solver = self.solver()
        solver.add(enc.range(s), z3.Not(goal(s, None, None)), enc.trans(s, t),
                   goal(t, None, None))
        return Outcome("unreachable", "inductive") if solver.check() == z3.unsat else None

    def _relative_induction(self, goal, with_step: bool) -> Outcome | None:
        """Try to exclude the goal with the Houdini lemmas (and, for a state goal, its own
        negation as one more inductive conjunct)."""
        z3, enc = self.z3, self.enc
        solver, marks, (s, t, a) = self._lemma_solver()
        solver.push()
        try:
            if solver.check(*marks, goal(s, t, a) if with_step else goal(s, None, None)) \
                    == z3.unsat:
                return Outcome("unreachable", f"inductive, {len(marks)} lemmas",
                               certificate=self._core(solver, marks))
            if with_step:
                return None
            solver.add(z3.Not(goal(s, None, None)), enc.trans(s, t), goal(t, None, None))
            if solver.check(*marks) == z3.unsat:
                return Outcome("unreachable", f"inductive, {len(marks)} lemmas",
                               certificate=self._core(solver, marks))
            return None
        finally:
            solver.pop()

    def _lemma_solver(self):
        """Return a solver holding each lemma behind a marker literal, built once."""
        if self._lsolver is None:
            z3, enc = self.z3, self.enc
            self.lemmas()
            s, t, a = enc.state("r0"), enc.state("r1"), enc.action_var("r0")
            solver = self.solver()
            solver.add(enc.range(s))
            marks = [z3.Bool(f"lemma{i}") for i in range(len(self._lemma_z3))]
            for mk, lem in zip(marks, self._lemma_z3):
                solver.add(z3.Implies(mk, enc.at(self._lemma_tpl, lem, s)))
            self._lsolver = (solver, marks, (s, t, a))
        return self._lsolver

    def _core(self, solver, marks) -> str:
        names = {mk.get_id(): n for mk, n in zip(marks, self._lemma_names)}
        used = sorted(names[c.get_id()] for c in solver.unsat_core() if c.get_id() in names)
        return "lemmas used: " + ("; ".join(used) if used else "none (the type ranges suffice)")

    def _k_step(self, goal, k: int) -> bool:
        """k-induction step: k+1 distinct non-goal states in a row are never followed by a
        goal state."""
        z3, enc = self.z3, self.enc
        lemmas = self.lemmas()
        path = [enc.state(f"k{i}") for i in range(k + 2)]
        solver = self.solver()
        for i, s in enumerate(path):
            solver.add(enc.range(s), *(l(s) for l in lemmas))
            if i <= k:
                solver.add(z3.Not(goal(s, None, None)), enc.trans(s, path[i + 1]))
        solver.add(goal(path[-1], None, None))
        for x, y in itertools.combinations(path[:-1], 2):
            solver.add(z3.Or([p != q for p, q in zip(x, y)]))
        return solver.check() == z3.unsat

    def _spacer(self, goal, with_step: bool) -> Outcome:
        z3, enc = self.z3, self.enc
        inv = z3.Function("Reach", *enc._sorts, z3.BoolSort())
        s, t, a = enc.state("h0"), enc.state("h1"), enc.action_var("h0")
        solver = z3.SolverFor("HORN")
        if self.timeout_ms:
            solver.set("timeout", self.timeout_ms)
        solver.add(z3.ForAll(list(s), z3.Implies(enc.init(s), inv(*s))))
        solver.add(z3.ForAll(list(s) + list(t), z3.Implies(z3.And(inv(*s), enc.trans(s, t)),
                                                            inv(*t))))
        bad = goal(s, t, a) if with_step else goal(s, None, None)
        qv = list(s) + (list(t) + [a] if with_step else [])
        solver.add(z3.ForAll(qv, z3.Implies(z3.And(inv(*s), bad), z3.BoolVal(False))))
        r = solver.check()
        if r == z3.sat:
            named = tuple(z3.Const(v.name, sort) for v, sort in zip(self.model.variables,
                                                                     enc._sorts))
            cert = solver.model().eval(inv(*named))
            return Outcome("unreachable", "IC3/PDR (Spacer)",
                           certificate=f"inductive invariant: {z3.simplify(cert)}")
        if r == z3.unsat:
            return Outcome("reachable", "IC3/PDR (Spacer)")
        return self._unknown(solver, "IC3/PDR (Spacer)")

    # ------------------------------------------------------------ Houdini lemmas

    def lemmas(self) -> list:
        """Return the inductive lemmas as one function state -> Z3 conjunction (a list of
        one, empty when there are none), computed once."""
        if self._lemmas is None:
            enc = self.enc
            fs, self._lemma_names = houdini(self, self.candidates())
            self._lemma_tpl = tpl = enc.state("L")
            self._lemma_z3 = [f(tpl) for f in fs]
            conj = self.z3.And(self._lemma_z3)
            self._lemmas = [lambda s: enc.at(tpl, conj, s)] if fs else []
        return self._lemmas

    def candidates(self):
        """Generate candidate lemmas as (name, z3 function, Python function) triples: the
        catalogue's invariants, literals, two-literal clauses and literal-or-bound clauses."""
        from .compiled import predicate

        z3, enc, m = self.z3, self.enc, self.model
        out = [(f"hint {i}", (lambda e: lambda s: enc.expr(e, s))(h), predicate(h))
               for i, h in enumerate(self.hints)]
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


class _Bmc:
    """Incremental bounded model checking from the initial states."""

    def __init__(self, engine: SmtEngine, goal, with_step: bool, title: str) -> None:
        self.e, self.goal, self.with_step, self.title = engine, goal, with_step, title
        enc = engine.enc
        self.solver = engine.solver()
        self.states = [enc.state("b0")]
        self.actions: list = []
        self.solver.add(enc.init(self.states[0]))

    def at(self, depth: int) -> Outcome | None:
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
                trace = self.e._trace(zm, states, acts, self.title)
                return Outcome("reachable", f"BMC depth {len(trace)}", trace=trace)
            if r != z3.unsat:
                return self.e._unknown(self.solver, f"BMC depth {depth}")
            return None
        finally:
            self.solver.pop()


def _trace(self, zm, states, acts, title, stutter=False) -> Trace:
    names = [a.name for a in self.model.actions]
    steps = [(None, self.enc.read_state(zm, states[0]))]
    for s, a in zip(states[1:], acts):
        idx = zm.eval(a, model_completion=True).as_long()
        if stutter and idx == -1:
            continue
        steps.append((names[idx], self.enc.read_state(zm, s)))
    return Trace(self.model, tuple(steps), title)


SmtEngine._trace = _trace
