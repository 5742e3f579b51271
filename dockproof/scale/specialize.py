"""Specialise a transition formula to one action: the step's labels become constants and
``post.x`` becomes the action's effect on ``x`` (or ``x`` itself when the action leaves it).

The result reads only the pre-state, and usually folds to ``true`` (``implies(action ==
'c2_pause', ...)`` on an edge of c1_alloc): an engine then skips that action's edges.

>>> from dockproof.spec.expr import And, Not, Ref
>>> from dockproof.spec.types import BOOL
>>> x = Ref("x", 0, BOOL)
>>> simplify(And((x, Not(x))))
Const(value=False, type=BoolType())
"""

from __future__ import annotations

from ..spec.expr import FALSE, TRUE, And, Arith, Cmp, Const, Expr, Implies, Ite, Label, Not, Or, Ref
from ..spec.model import ACTORS, Model

_OPS = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
        "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b}


def specialise(e: Expr, model: Model, action: int) -> Expr:
    """Return ``e`` on a step of ``model.actions[action]``, over the pre-state only."""
    act = model.actions[action]
    return specialise_step(e, {a.slot: a.value for a in act.effect}, action,
                           ACTORS.index(act.actor))


def specialise_step(e: Expr, post: dict[int, Expr], action: int, actor: int) -> Expr:
    """Return ``e`` on a step with the given labels whose post-state is ``post`` by slot."""
    return simplify(_subst(e, post, {"action": action, "actor": actor}))


def _subst(e: Expr, post: dict, labels: dict) -> Expr:
    match e:
        case Ref(name=n, slot=k, type=t, post=True):
            return post.get(k, Ref(n, k, t))
        case Label(which=w, type=t):
            return Const(labels[w], t)
        case Not(arg=a):
            return Not(_subst(a, post, labels))
        case And(args=xs):
            return And(tuple(_subst(x, post, labels) for x in xs))
        case Or(args=xs):
            return Or(tuple(_subst(x, post, labels) for x in xs))
        case Implies(left=a, right=b):
            return Implies(_subst(a, post, labels), _subst(b, post, labels))
        case Cmp(op=op, left=a, right=b):
            return Cmp(op, _subst(a, post, labels), _subst(b, post, labels))
        case Arith(op=op, left=a, right=b):
            return Arith(op, _subst(a, post, labels), _subst(b, post, labels))
        case Ite(cond=c, then=a, other=b):
            return Ite(_subst(c, post, labels), _subst(a, post, labels), _subst(b, post, labels))
    return e


def simplify(e: Expr) -> Expr:
    """Fold constants, ``x == x`` and ``x and not x``; keep everything else."""
    match e:
        case Not(arg=a):
            a = simplify(a)
            return Const(not a.value, a.type) if isinstance(a, Const) else Not(a)
        case And(args=xs):
            return _junction(xs, absorbing=False)
        case Or(args=xs):
            return _junction(xs, absorbing=True)
        case Implies(left=a, right=b):
            return _junction((Not(a), b), absorbing=True)
        case Cmp(op=op, left=a, right=b) | Arith(op=op, left=a, right=b):
            a, b = simplify(a), simplify(b)
            if isinstance(a, Const) and isinstance(b, Const):
                v = _OPS[op](a.value, b.value)
                return Const(v, TRUE.type if isinstance(e, Cmp) else a.type)
            if isinstance(e, Cmp) and a == b and op in ("==", "<=", ">=", "!="):
                return FALSE if op == "!=" else TRUE
            return Cmp(op, a, b) if isinstance(e, Cmp) else Arith(op, a, b)
        case Ite(cond=c, then=a, other=b):
            c = simplify(c)
            if isinstance(c, Const):
                return simplify(a if c.value else b)
            return Ite(c, simplify(a), simplify(b))
    return e


def _junction(xs, absorbing: bool) -> Expr:
    """Simplify an or (``absorbing`` = true absorbs) or an and (false absorbs)."""
    out: list[Expr] = []
    for x in xs:
        x = simplify(x)
        if isinstance(x, Const):
            if bool(x.value) == absorbing:
                return Const(absorbing, TRUE.type)
            continue
        if (Not(x) in out) or (isinstance(x, Not) and x.arg in out):
            return Const(absorbing, TRUE.type)
        if x not in out:
            out.append(x)
    if not out:
        return Const(not absorbing, TRUE.type)
    if len(out) == 1:
        return out[0]
    return Or(tuple(out)) if absorbing else And(tuple(out))
