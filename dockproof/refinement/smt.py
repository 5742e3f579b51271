"""Decide a refinement symbolically with Z3: for every concrete state allowed by the Houdini
lemmas, every concrete step maps to an abstract step (of an allowed actor) or a stutter.

The goal "a concrete step whose image is no abstract step" is handed to the smt engine's
`decide` (BMC, induction relative to the lemmas, k-induction, IC3/PDR), so an unmatched step
is either excluded by an inductive argument or found by BMC with its shortest trace.
"""

from __future__ import annotations

import time

from ..engines.compiled import compile_model
from ..engines.smt.bmc import two_paths
from ..engines.smt.encode import Encoding
from ..engines.smt.engine import SmtEngine
from .mapping import Refinement
from .result import Finding, RefineResult, why_unmatched

NAME = "smt"


class RefineSmt:
    def __init__(self, ref: Refinement, hints=(), timeout: float | None = None,
                 max_k: int = 4, bmc_depth: int = 30) -> None:
        self.ref = ref
        self.eng = SmtEngine(ref.concrete, tuple(hints), timeout=timeout, max_k=max_k,
                             bmc_depth=bmc_depth)
        self.z3, self.enc = self.eng.z3, self.eng.enc
        self.aenc = Encoding(ref.abstract)
        self.abs_c = compile_model(ref.abstract)

    # ---------------------------------------------------------------- terms

    def image(self, s: tuple) -> tuple:
        return tuple(self.enc.expr(e, s) for e in self.ref.mapping)

    def matched(self, i: int, s: tuple, t: tuple):
        """The concrete step ``i`` from ``s`` to ``t`` is a stutter or an allowed abstract step."""
        z3 = self.z3
        ms, mt = self.image(s), self.image(t)
        opts = [z3.And([x == y for x, y in zip(ms, mt)])]
        opts += [self.aenc.step(b, ms, mt) for b in self.ref.allowed[i]]
        for seq in self.ref.sequences[i]:
            ok, end = self._run(ms, seq)
            opts.append(z3.And(ok, *(x == y for x, y in zip(end, mt))))
        return z3.Or(opts)

    def _run(self, s: tuple, seq: tuple[int, ...]):
        z3, aenc = self.z3, self.aenc
        oks = []
        for b in seq:
            act = self.ref.abstract.actions[b]
            oks.append(aenc.expr(act.guard, s))
            assigned = {x.slot: aenc.expr(x.value, s) for x in act.effect}
            s = tuple(assigned.get(k, s[k]) for k in range(len(s)))
            oks.append(aenc.range(s))
        return z3.And(oks), s

    def unmatched_goal(self, actions: list[int], when=None):
        """Goal: a step of one of ``actions`` (from a state where ``when`` holds) is unmatched."""
        z3, enc = self.z3, self.enc

        def goal(s, t, a):
            parts = []
            for i in actions:
                cond = [a == i, enc.step(i, s, t), z3.Not(self.matched(i, s, t))]
                w = when(i) if when else None
                if w is not None:
                    cond.append(w(s))
                parts.append(z3.And(cond))
            return z3.Or(parts) if parts else z3.BoolVal(False)
        return goal

    # ---------------------------------------------------------------- the check

    def check(self) -> RefineResult:
        t0 = time.perf_counter()
        res = RefineResult(NAME)
        bounds = []
        res.initial = self._initial()
        undeclared = self._undeclared()
        out = self.eng.decide(undeclared, with_step=True, title="its last step has no "
                              f"{self.ref.abstract.name} counterpart")
        bounds.append(out.bound)
        self._record(res, None, out)
        for d in self.ref.differences:
            out = self._difference(d)
            bounds.append(out.bound)
            self._record(res, d.name, out)
        res.bound = ", ".join(sorted(set(bounds)))
        res.seconds = time.perf_counter() - t0
        return res

    def _initial(self) -> Finding | None:
        z3 = self.z3
        s = self.enc.state("ri")
        solver = self.eng.solver()
        solver.add(self.enc.init(s), z3.Not(self.aenc.init(self.image(s))))
        if solver.check() != z3.sat:
            return None
        from ..engines.result import Trace
        st = self.enc.read_state(solver.model(), s)
        return Finding(None, (Trace(self.ref.concrete, ((None, st),), "an initial state"),),
                       why=[f"its image is not an initial {self.ref.abstract.name} state"])

    def _undeclared(self):
        """Unmatched steps that no declared step difference covers."""
        enc, z3 = self.enc, self.z3
        names = [a.name for a in self.ref.concrete.actions]
        steps = [d for d in self.ref.differences if d.kind == "step"]

        def not_covered(i):
            covers = [d for d in steps if names[i] in d.actions]
            if not covers:
                return None
            return lambda s: z3.Not(z3.Or([z3.BoolVal(True) if d.when is None
                                           else enc.expr(d.when, s) for d in covers]))
        return self.unmatched_goal(list(range(len(names))), not_covered)

    def _difference(self, d):
        if d.kind == "merge":
            return self._merge(d)
        names = [a.name for a in self.ref.concrete.actions]
        acts = [names.index(n) for n in d.actions]
        when = (lambda i: (lambda s: self.enc.expr(d.when, s))) if d.when is not None else None
        return self.eng.decide(self.unmatched_goal(acts, when), with_step=True,
                               title=f"difference {d.name}: an unmatched step")

    def _merge(self, d):
        z3 = self.z3
        slot = self.ref.concrete.var(d.variable).slot

        def conflict(s1, s2):
            m1, m2 = self.image(s1), self.image(s2)
            return z3.And(s1[slot] == d.values[0], s2[slot] == d.values[1],
                          *(m1[k] == m2[k] for k in d.on))
        return two_paths(self.eng, conflict)

    def _record(self, res: RefineResult, name: str | None, out) -> None:
        if out.status == "unknown":
            res.unknown.append((name or "undeclared steps", out.reason))
            return
        if out.status == "unreachable":
            if name is not None:
                res.stale.append(name)
            return
        traces = out.trace if isinstance(out.trace, tuple) else (out.trace,)
        f = Finding(name, traces)
        if name is None or len(traces) == 1:
            self._explain(f)
        if name is None:
            res.undeclared = f
        else:
            res.confirmed[name] = f

    def _explain(self, f: Finding) -> None:
        """Fill in the abstract states and the reasons from the trace's last step."""
        trace = f.traces[0]
        if len(trace.steps) < 2:
            return
        m = self.ref.map_function()
        (_, s), (a, t) = trace.steps[-2], trace.steps[-1]
        i = [x.name for x in self.ref.concrete.actions].index(a)
        ms, mt = m(s), m(t)
        am = self.ref.abstract
        changed = tuple(k for k in range(len(ms)) if ms[k] != mt[k])
        f.abstract = f"{am.render_state(ms)}  ->  {am.render_state(mt, changed)}"
        f.why = why_unmatched(self.ref, self.abs_c, i, ms, mt)
