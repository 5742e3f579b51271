"""Render IR expressions in another tool's syntax: one operator table per target.

>>> from dockproof.spec.parsing import Scope, parse
>>> from dockproof.spec.types import BOOL, IntType
>>> e = parse("implies(on, x <= 2)", Scope(vars={"on": (0, BOOL), "x": (1, IntType(0, 3))}))
>>> render(e, PROMELA), render(e, PRISM)
('(!(on) || (x <= 2))', '((on) => (x <= 2))')
"""

from __future__ import annotations

from dataclasses import dataclass

from ...spec.expr import And, Arith, Cmp, Const, Expr, Implies, Ite, Label, Not, Or, Ref


@dataclass(frozen=True)
class Syntax:
    and_: str
    or_: str
    not_: str
    eq: str
    implies: str | None  # None: write (!a || b)
    ite: str             # format with c, a, b


PROMELA = Syntax("&&", "||", "!", "==", None, "({c} -> {a} : {b})")
PRISM = Syntax("&", "|", "!", "=", "=>", "({c} ? {a} : {b})")


def render(e: Expr, sx: Syntax) -> str:
    """Return ``e`` in the target syntax (labels must have been specialised away)."""
    match e:
        case Const(value=v):
            return ("true" if v else "false") if isinstance(v, bool) else str(v)
        case Ref(name=n, post=False):
            return n
        case Not(arg=a):
            return f"{sx.not_}({render(a, sx)})"
        case And(args=xs):
            return "(" + f" {sx.and_} ".join(render(x, sx) for x in xs) + ")" if xs else "true"
        case Or(args=xs):
            return "(" + f" {sx.or_} ".join(render(x, sx) for x in xs) + ")" if xs else "false"
        case Implies(left=a, right=b):
            if sx.implies is None:
                return f"({sx.not_}({render(a, sx)}) {sx.or_} {render(b, sx)})"
            return f"(({render(a, sx)}) {sx.implies} {render(b, sx)})"
        case Cmp(op=op, left=a, right=b):
            return f"({render(a, sx)} {sx.eq if op == '==' else op} {render(b, sx)})"
        case Arith(op=op, left=a, right=b):
            return f"({render(a, sx)} {op} {render(b, sx)})"
        case Ite(cond=c, then=a, other=b):
            return sx.ite.format(c=render(c, sx), a=render(a, sx), b=render(b, sx))
        case Label() | Ref():
            raise ValueError("a step label or post-state value left in a state formula")
    raise TypeError(f"not an expression: {e!r}")


def bad_conditions(model, props) -> list[tuple[str, Expr, int | None]]:
    """Return (property id, state formula that must hold, action index or None) for every
    invariant and, per action, every transition property specialised to that action's step
    (to be checked where the action's guard holds)."""
    from ..specialize import specialise

    out = []
    for p in props:
        if p.kind == "invariant":
            out.append((p.id, p.exprs["formula"], None))
        elif p.kind == "transition":
            wanted = p.data.get("actions")
            for i, act in enumerate(model.actions):
                if wanted and act.name not in wanted:
                    continue
                spec = specialise(p.exprs["formula"], model, i)
                if not (isinstance(spec, Const) and spec.value):
                    out.append((p.id, spec, i))
    return out
