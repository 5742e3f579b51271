"""The Z3 encoding of a model, derived from the IR: states, ranges, init, transitions."""

from __future__ import annotations

from ...errors import require
from ...spec.expr import And, Arith, Cmp, Const, Expr, Implies, Ite, Label, Not, Or, Ref
from ...spec.model import ACTORS, Model
from ...spec.types import BoolType, EnumType, IntType


class Encoding:
    """Z3 terms for one model. A state is a tuple of Z3 constants, one per variable."""

    def __init__(self, model: Model) -> None:
        self.z3 = z3 = require("z3", "smt", "z3-solver")
        self.model = model
        self._sorts = [z3.BoolSort() if isinstance(v.type, BoolType) else z3.IntSort()
                       for v in model.variables]
        self.actor_of = [ACTORS.index(a.actor) for a in model.actions]
        self._trans = None

    # -- states

    def state(self, tag: str) -> tuple:
        z3 = self.z3
        return tuple(z3.Const(f"{v.name}@{tag}", sort)
                     for v, sort in zip(self.model.variables, self._sorts))

    def action_var(self, tag: str):
        return self.z3.Int(f"action@{tag}")

    def range(self, s: tuple):
        """The type constraints of a state: enums and ints within their bounds."""
        z3 = self.z3
        cs = []
        for v, x in zip(self.model.variables, s):
            if isinstance(v.type, EnumType):
                cs += [x >= 0, x < len(v.type.members)]
            elif isinstance(v.type, IntType):
                cs += [x >= v.type.lo, x <= v.type.hi]
        return z3.And(cs)

    def init(self, s: tuple):
        z3 = self.z3
        cs = [self.range(s)]
        cs += [x == self.value(v.init) for v, x in zip(self.model.variables, s) if not v.is_param]
        return z3.And(cs)

    def value(self, v):
        return self.z3.BoolVal(v) if isinstance(v, bool) else self.z3.IntVal(v)

    # -- expressions

    def expr(self, e: Expr, s: tuple, t: tuple | None = None, a=None):
        """Translate an IR expression; ``t`` and ``a`` serve post-state and action labels."""
        z3 = self.z3
        match e:
            case Const(value=v):
                return self.value(v)
            case Ref(slot=i, post=p):
                return (t if p else s)[i]
            case Label(which="action"):
                return a
            case Label(which="actor"):
                return self._actor_term(a)
            case Not(arg=x):
                return z3.Not(self.expr(x, s, t, a))
            case And(args=xs):
                return z3.And([self.expr(x, s, t, a) for x in xs])
            case Or(args=xs):
                return z3.Or([self.expr(x, s, t, a) for x in xs])
            case Implies(left=x, right=y):
                return z3.Implies(self.expr(x, s, t, a), self.expr(y, s, t, a))
            case Cmp(op=op, left=x, right=y):
                return _CMP[op](self.expr(x, s, t, a), self.expr(y, s, t, a))
            case Arith(op=op, left=x, right=y):
                return _ARITH[op](self.expr(x, s, t, a), self.expr(y, s, t, a))
            case Ite(cond=c, then=x, other=y):
                return z3.If(self.expr(c, s, t, a), self.expr(x, s, t, a),
                             self.expr(y, s, t, a))
        raise TypeError(f"not an expression: {e!r}")

    def _actor_term(self, a):
        z3 = self.z3
        term = z3.IntVal(self.actor_of[-1])
        for i in range(len(self.actor_of) - 2, -1, -1):
            term = z3.If(a == i, self.actor_of[i], term)
        return term

    # -- transitions

    def step(self, i: int, s: tuple, t: tuple):
        """Action ``i`` taken from ``s`` leads to ``t`` (guard, effect, frame, post range)."""
        z3 = self.z3
        act = self.model.actions[i]
        assigned = {x.slot: x.value for x in act.effect}
        cs = [self.expr(act.guard, s)]
        for k in range(len(s)):
            cs.append(t[k] == (self.expr(assigned[k], s) if k in assigned else s[k]))
        cs.append(self.range(t))
        return z3.And(cs)

    def trans(self, s: tuple, t: tuple, a=None):
        """Some action leads from ``s`` to ``t``; with ``a``, ``a`` is its index.

        The relation is built once over template states and then instantiated by
        substitution, which is far cheaper than building Z3 terms from Python again.
        """
        z3 = self.z3
        if self._trans is None:
            ts, tt, ta = self.state("T0"), self.state("T1"), self.action_var("T")
            steps = [self.step(i, ts, tt) for i in range(len(self.model.actions))]
            self._trans = (ts, tt, ta, z3.Or(steps),
                           z3.Or([z3.And(ta == i, st) for i, st in enumerate(steps)]))
        ts, tt, ta, plain, labelled = self._trans
        pairs = list(zip(ts, s)) + list(zip(tt, t))
        if a is None:
            return z3.substitute(plain, *pairs)
        return z3.substitute(labelled, *pairs, (ta, a))

    def at(self, template_state: tuple, formula, s: tuple):
        """Instantiate a formula written over ``template_state`` at state ``s``."""
        return self.z3.substitute(formula, *zip(template_state, s))

    def enabled_any(self, s: tuple):
        return self.z3.Or([self.expr(a.guard, s) for a in self.model.actions])

    def read_state(self, zm, s: tuple) -> tuple:
        """Read a state out of a Z3 model."""
        out = []
        for v, x in zip(self.model.variables, s):
            val = zm.eval(x, model_completion=True)
            out.append(self.z3.is_true(val) if isinstance(v.type, BoolType) else val.as_long())
        return tuple(out)


_CMP = {"==": lambda x, y: x == y, "!=": lambda x, y: x != y, "<": lambda x, y: x < y,
        "<=": lambda x, y: x <= y, ">": lambda x, y: x > y, ">=": lambda x, y: x >= y}
_ARITH = {"+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y}
