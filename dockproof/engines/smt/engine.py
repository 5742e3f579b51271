"""The `smt` engine: each property kind as a goal (a bad state or a bad step), decided in
stages (the package's docstring lists them)."""

from __future__ import annotations

import time

from ...spec.expr import Expr
from ...spec.model import Model
from ...spec.properties import Property
from ...verdict import Verdict
from ..result import Result
from .bmc import Bmc, two_paths
from .decision import Decision, unknown
from .encode import Encoding
from .houdini import candidates, houdini
from .induction import k_step, plain_induction, relative_induction
from .spacer import spacer

NAME = "smt"
SUPPORTED = ("invariant", "transition", "determined", "equivalent", "reachable",
             "deadlock-free")


def supports(kind: str) -> bool:
    return kind in SUPPORTED


class SmtEngine:
    """Decide properties of one model with Z3 (the package's docstring lists the stages)."""

    name = NAME

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

    def supports(self, kind: str) -> bool:
        return supports(kind)

    # ------------------------------------------------------------ properties

    def check(self, prop: Property) -> Result:
        t0 = time.perf_counter()
        out = getattr(self, "_" + prop.kind.replace("-", "_"))(prop)
        verdict, traces = self._verdict(prop, out)
        return Result(prop.id, verdict, NAME, out.bound, time.perf_counter() - t0, traces,
                      out.reason, out.certificate)

    def _verdict(self, prop: Property, out: Decision):
        traces = (out.trace,) if out.trace else ()
        if out.status == "unknown":
            return Verdict.UNKNOWN, traces
        if prop.kind == "reachable":
            return (Verdict.PROVED if out.status == "reachable" else Verdict.REFUTED), traces
        if prop.kind == "determined" and isinstance(out.trace, tuple):
            return Verdict.REFUTED, out.trace
        return (Verdict.REFUTED if out.status == "reachable" else Verdict.PROVED), traces

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
        solver.add(enc.range(a), enc.range(b), *(lem(a) for lem in lemmas),
                   *(lem(b) for lem in lemmas),
                   conflict(a, b))
        r = solver.check()
        if r == z3.unsat:
            return Decision("unreachable", f"inductive, {len(self._lemma_z3)} lemmas")
        if r != z3.sat:
            return unknown(solver, "the determinacy query", self.timeout_ms)
        return two_paths(self, conflict)

    def decide(self, goal, with_step: bool = False, title: str = "") -> Decision:
        """Decide whether a state (or, ``with_step``, a step) satisfying ``goal`` is
        reachable."""
        bmc = Bmc(self, goal, with_step, title)
        hit = bmc.at(0)
        if hit is not None:
            return hit
        if not with_step:
            out = plain_induction(self, goal)
            if out is not None:
                return out
        out = relative_induction(self, goal, with_step)
        if out is not None:
            return out
        for k in range(1, self.max_k + 1):  # the base cases of k-induction, cheap first
            hit = bmc.at(k)
            if hit is not None:
                return hit
        for k in range(1, self.max_k + 1):
            if not with_step and k_step(self, goal, k):
                return Decision("unreachable", f"k-induction, k={k + 1}")
        out = spacer(self, goal, with_step)
        if out.status == "reachable":
            for k in range(self.max_k + 1, self.bmc_depth + 1):
                hit = bmc.at(k)
                if hit is not None:
                    return hit
            return Decision("reachable", "spacer", reason="a counterexample exists (Spacer) but "
                            f"is longer than the BMC depth {self.bmc_depth}")
        return out

    def lemmas(self) -> list:
        """Return the inductive lemmas as one function state -> Z3 conjunction (a list of
        one, empty when there are none), computed once."""
        if self._lemmas is None:
            enc = self.enc
            fs, self._lemma_names = houdini(self, candidates(self))
            self._lemma_tpl = tpl = enc.state("L")
            self._lemma_z3 = [f(tpl) for f in fs]
            conj = self.z3.And(self._lemma_z3)
            self._lemmas = [lambda s: enc.at(tpl, conj, s)] if fs else []
        return self._lemmas
