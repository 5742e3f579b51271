"""Parse expression strings (guards, effects, predicates, properties) into the frozen IR of
`dockproof.spec.expr`: Python's own `ast` (mode "eval"), checked against a whitelist of
node types, resolved in a `Scope` and type-checked; a bad expression raises `ExprError`."""

from __future__ import annotations

import ast
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

from .expr import And, Arith, Cmp, Const, Expr, Implies, Ite, Label, Not, Or, Ref, type_of
from .types import BOOL, INT, EnumType, IntType, Type, same_kind


class ExprError(Exception):
    """A problem with one expression; the loader adds the file and key."""

    def __init__(self, code: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.hint = code, message, hint


@dataclass(frozen=True)
class Scope:
    """The names an expression may use."""

    vars: Mapping[str, tuple[int, Type]] = field(default_factory=dict)
    constants: Mapping[str, int] = field(default_factory=dict)
    predicates: Mapping[str, Expr] = field(default_factory=dict)
    labels: Mapping[str, EnumType] = field(default_factory=dict)  # action / actor
    guards: Mapping[str, Expr] = field(default_factory=dict)  # for enabled('x')
    allow_post: bool = False

    def names(self) -> list[str]:
        return [*self.vars, *self.constants, *self.predicates, *self.labels]


_CMP = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_ARITH = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*"}
_FUNCS = ("implies", "enabled", "min", "max")


def parse(text: str, scope: Scope, expect: Type | None = BOOL) -> Expr:
    """Parse and type-check ``text``; with ``expect`` the result must have that type."""
    if not isinstance(text, str):
        raise ExprError("DP201", f"expected an expression string, got {type(text).__name__}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. invalid escapes: the whitelist decides
            tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError) as exc:  # ValueError: NUL bytes
        msg = getattr(exc, "msg", str(exc))
        col = f" at column {exc.offset}" if getattr(exc, "offset", None) else ""
        raise ExprError("DP201", f"syntax error in expression {text!r}: {msg}{col}") from None
    e = _Parser(scope).visit(tree.body)
    return coerce(e, expect) if expect is not None else e


def coerce(e: Expr, t: Type) -> Expr:
    """Check that ``e`` has type ``t``, resolving string literals against an enum."""
    if isinstance(e, Const) and e.type is None:
        if not isinstance(t, EnumType):
            raise ExprError("DP202", f"string {e.value!r} used where {t} is expected")
        if e.value not in t.members:
            from ..errors import did_you_mean
            raise ExprError("DP104", f"unknown {t.name} '{e.value}'",
                            did_you_mean(e.value, t.members))
        return Const(t.members.index(e.value), t)
    if isinstance(e, Ite):
        return Ite(e.cond, coerce(e.then, t), coerce(e.other, t))
    actual = type_of(e)
    if actual is None or not same_kind(actual, t):
        raise ExprError("DP202", f"type error: {describe(e)} is {actual}, expected {t}")
    return e


def describe(e: Expr) -> str:
    """Name an expression in an error message."""
    match e:
        case Ref(name=n, post=p):
            return f"'post.{n}'" if p else f"'{n}'"
        case Const(value=v):
            return repr(v)
        case Label(which=w):
            return f"'{w}'"
        case _:
            return "the expression"


class _Parser:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    def visit(self, node: ast.AST) -> Expr:
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is None:
            raise ExprError("DP203", f"'{ast.unparse(node)}' uses {type(node).__name__}, which "
                            "expressions do not allow (allowed: and or not, comparisons, in, "
                            "+ - *, x if c else y, implies(), enabled(), min(), max())")
        return method(node)

    def visit_Constant(self, node: ast.Constant) -> Expr:
        v = node.value
        if isinstance(v, bool):
            return Const(v, BOOL)
        if isinstance(v, int):
            return Const(v, INT)
        if isinstance(v, str):
            return Const(v, None)
        raise ExprError("DP203", f"literal {v!r} is not a bool, an integer or a string")

    def visit_Name(self, node: ast.Name) -> Expr:
        return self.lookup(node.id, post=False)

    def lookup(self, name: str, post: bool) -> Expr:
        sc = self.scope
        if name in ("true", "false"):
            return Const(name == "true", BOOL)
        if name in sc.vars and not post:
            slot, t = sc.vars[name]
            return Ref(name, slot, t)
        if post and name in sc.vars:
            slot, t = sc.vars[name]
            return Ref(name, slot, t, post=True)
        if name in sc.constants and not post:
            return Const(sc.constants[name], INT)
        if name in sc.predicates and not post:
            return sc.predicates[name]
        if name in sc.labels and not post:
            return Label(name, sc.labels[name])
        from ..errors import did_you_mean
        pool = list(sc.vars) if post else sc.names()
        raise ExprError("DP101", f"unknown name '{'post.' if post else ''}{name}'",
                        did_you_mean(name, pool))

    def visit_Attribute(self, node: ast.Attribute) -> Expr:
        if not (isinstance(node.value, ast.Name) and node.value.id in ("post", "pre")):
            raise ExprError("DP203", f"'{ast.unparse(node)}': only post.<var> and pre.<var> "
                            "may be written with a dot")
        if node.value.id == "post" and not self.scope.allow_post:
            raise ExprError("DP204", f"'{ast.unparse(node)}': post-state values are allowed "
                            "only in transition properties")
        return self.lookup(node.attr, post=node.value.id == "post")

    def visit_BoolOp(self, node: ast.BoolOp) -> Expr:
        args = tuple(coerce(self.visit(v), BOOL) for v in node.values)
        return And(args) if isinstance(node.op, ast.And) else Or(args)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Expr:
        arg = self.visit(node.operand)
        if isinstance(node.op, ast.Not):
            return Not(coerce(arg, BOOL))
        if isinstance(node.op, ast.USub):
            return Arith("-", Const(0, INT), self.int_operand(arg))
        raise ExprError("DP203", f"operator in '{ast.unparse(node)}' is not allowed")

    def int_operand(self, e: Expr) -> Expr:
        if not isinstance(type_of(e), IntType):
            raise ExprError("DP202", f"type error: {describe(e)} is {type_of(e)}, expected int")
        return e

    def visit_BinOp(self, node: ast.BinOp) -> Expr:
        op = _ARITH.get(type(node.op))
        if op is None:
            raise ExprError("DP203", f"operator in '{ast.unparse(node)}' is not allowed "
                            "(allowed: + - *)")
        return Arith(op, self.int_operand(self.visit(node.left)),
                     self.int_operand(self.visit(node.right)))

    def visit_IfExp(self, node: ast.IfExp) -> Expr:
        cond = coerce(self.visit(node.test), BOOL)
        a, b = self.visit(node.body), self.visit(node.orelse)
        ta, tb = type_of(a), type_of(b)
        if ta is None and tb is not None:
            a = coerce(a, tb)
        elif tb is None and ta is not None:
            b = coerce(b, ta)
        elif ta is not None and tb is not None and not same_kind(ta, tb):
            raise ExprError("DP202", f"type error: branches of '{ast.unparse(node)}' differ "
                            f"({ta} and {tb})")
        return Ite(cond, a, b)

    def visit_Compare(self, node: ast.Compare) -> Expr:
        parts, left = [], self.visit(node.left)
        for op, comp in zip(node.ops, node.comparators):
            if isinstance(op, (ast.In, ast.NotIn)):
                e = self.membership(left, comp)
                parts.append(Not(e) if isinstance(op, ast.NotIn) else e)
                continue
            right = self.visit(comp)
            if type(op) in _CMP:
                parts.append(self.compare(_CMP[type(op)], left, right))
            else:
                raise ExprError("DP203", f"comparison in '{ast.unparse(node)}' is not allowed")
            left = right
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def compare(self, op: str, a: Expr, b: Expr) -> Expr:
        ta, tb = type_of(a), type_of(b)
        if ta is None and tb is None:
            raise ExprError("DP202", "type error: comparing two string literals")
        if ta is None:
            a = coerce(a, tb)
        elif tb is None:
            b = coerce(b, ta)
        elif not same_kind(ta, tb):
            raise ExprError("DP202", f"type error: cannot compare {describe(a)} ({ta}) with "
                            f"{describe(b)} ({tb})")
        t = type_of(a) or type_of(b)
        if op not in ("==", "!=") and not isinstance(t, IntType):
            raise ExprError("DP202", f"type error: '{op}' needs integers, not {t}")
        return Cmp(op, a, b)

    def membership(self, item: Expr, options: ast.AST) -> Expr:
        if not isinstance(options, (ast.Tuple, ast.List, ast.Set)):
            raise ExprError("DP203", f"'in' needs a literal list, e.g. x in ('a', 'b'); got "
                            f"'{ast.unparse(options)}'")
        return Or(tuple(self.compare("==", item, self.visit(o)) for o in options.elts))

    def visit_Call(self, node: ast.Call) -> Expr:
        fn = node.func.id if isinstance(node.func, ast.Name) else None
        if fn not in _FUNCS or node.keywords:
            raise ExprError("DP203", f"call '{ast.unparse(node.func)}' is not allowed "
                            f"(functions: {', '.join(_FUNCS)})")
        if fn == "enabled":
            return self.enabled(node)
        args = [self.visit(a) for a in node.args]
        if fn == "implies":
            if len(args) != 2:
                raise ExprError("DP203", "implies() takes two arguments")
            return Implies(coerce(args[0], BOOL), coerce(args[1], BOOL))
        if len(args) != 2:
            raise ExprError("DP203", f"{fn}() takes two arguments")
        a, b = (self.int_operand(x) for x in args)
        op = "<=" if fn == "min" else ">="
        return Ite(Cmp(op, a, b), a, b)

    def enabled(self, node: ast.Call) -> Expr:
        if len(node.args) != 1 or not isinstance(node.args[0], ast.Constant) \
                or not isinstance(node.args[0].value, str):
            raise ExprError("DP203", "enabled() takes one action name in quotes")
        name = node.args[0].value
        if name not in self.scope.guards:
            from ..errors import did_you_mean
            raise ExprError("DP105", f"unknown action '{name}' in enabled()",
                            did_you_mean(name, self.scope.guards))
        return self.scope.guards[name]
