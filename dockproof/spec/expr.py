"""Expressions: Python syntax, parsed with `ast` against a whitelist into a frozen, typed IR.

Guards, effects, predicates and property formulas are strings such as
``status == 'running' and not hung``. Enum values are string literals; they are checked against
the enum at parse time and encoded as the member's index. In transition formulas ``post.x`` is
the value of ``x`` after the step, ``action`` and ``actor`` name the step.

>>> from dockproof.spec.parsing import Scope, parse
>>> from dockproof.spec.types import BOOL, EnumType
>>> st = EnumType("status", ("stopped", "running"))
>>> scope = Scope(vars={"status": (0, st), "cpu": (1, BOOL)})
>>> e = parse("status == 'running' and not cpu", scope)
>>> to_python(e)
'((s[0] == 1) and (not s[1]))'
"""

from __future__ import annotations

from dataclasses import dataclass

from .types import BOOL, INT, EnumType, IntType, Type

# ---------------------------------------------------------------- the IR


@dataclass(frozen=True, slots=True)
class Const:
    value: bool | int | str
    type: Type | None  # None: a string literal not yet resolved against an enum


@dataclass(frozen=True, slots=True)
class Ref:
    """A variable (state variable or parameter); ``post`` reads the state after the step."""

    name: str
    slot: int
    type: Type
    post: bool = False


@dataclass(frozen=True, slots=True)
class Label:
    """The step's ``action`` or ``actor`` (transition formulas only)."""

    which: str
    type: EnumType


@dataclass(frozen=True, slots=True)
class Not:
    arg: Expr


@dataclass(frozen=True, slots=True)
class And:
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Implies:
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Cmp:
    op: str  # == != < <= > >=
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Arith:
    op: str  # + - *
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Ite:
    cond: Expr
    then: Expr
    other: Expr


Expr = Const | Ref | Label | Not | And | Or | Implies | Cmp | Arith | Ite
TRUE = Const(True, BOOL)
FALSE = Const(False, BOOL)


def type_of(e: Expr) -> Type | None:
    """Return the type of a typed expression."""
    match e:
        case Const(type=t) | Ref(type=t) | Label(type=t):
            return t
        case Arith():
            return INT
        case Ite(then=a, other=b):
            ta, tb = type_of(a), type_of(b)
            return ta if ta is not None and not _is_plain_int(ta) else (tb or ta)
        case _:
            return BOOL


def _is_plain_int(t) -> bool:
    return isinstance(t, IntType)


# ---------------------------------------------------------------- use


def refs(e: Expr) -> set[tuple[str, bool]]:
    """Return the (variable, post) pairs an expression reads."""
    out: set[tuple[str, bool]] = set()
    _walk_refs(e, out)
    return out


def _walk_refs(e: Expr, out: set) -> None:
    match e:
        case Ref(name=n, post=p):
            out.add((n, p))
        case Not(arg=a):
            _walk_refs(a, out)
        case And(args=xs) | Or(args=xs):
            for x in xs:
                _walk_refs(x, out)
        case Implies(left=a, right=b) | Cmp(left=a, right=b) | Arith(left=a, right=b):
            _walk_refs(a, out)
            _walk_refs(b, out)
        case Ite(cond=c, then=a, other=b):
            for x in (c, a, b):
                _walk_refs(x, out)


@dataclass(frozen=True)
class Dialect:
    """How source code in some target spells the IR's names and connectives."""

    pre: str = "s"
    post: str = "t"
    action: str = "a"
    actor: str = "r"
    not_: str = "(not {})"
    and_: str = "({})"
    and_sep: str = " and "
    or_: str = "({})"
    or_sep: str = " or "
    ite: str = "({then} if {cond} else {other})"


PYTHON = Dialect()


def render(e: Expr, d: Dialect = PYTHON) -> str:
    """Compile ``e`` to source code in dialect ``d``: Python by default, over ``s``
    (pre-state), ``t`` (post-state), ``a``/``r`` (the step's action and actor index)."""
    match e:
        case Const(value=v):
            return repr(v)
        case Ref(slot=i, post=p):
            return f"{d.post if p else d.pre}[{i}]"
        case Label(which=w):
            return d.action if w == "action" else d.actor
        case Not(arg=x):
            return d.not_.format(render(x, d))
        case And(args=xs):
            return d.and_.format(d.and_sep.join(render(x, d) for x in xs)) if xs else "True"
        case Or(args=xs):
            return d.or_.format(d.or_sep.join(render(x, d) for x in xs)) if xs else "False"
        case Implies(left=a, right=b):
            return d.or_.format(d.or_sep.join((d.not_.format(render(a, d)), render(b, d))))
        case Cmp(op=op, left=a, right=b) | Arith(op=op, left=a, right=b):
            return f"({render(a, d)} {op} {render(b, d)})"
        case Ite(cond=c, then=a, other=b):
            return d.ite.format(cond=render(c, d), then=render(a, d), other=render(b, d))
    raise TypeError(f"not an expression: {e!r}")


def to_python(e: Expr) -> str:
    """Compile to Python source (see `render`)."""
    return render(e, PYTHON)
