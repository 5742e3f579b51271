"""Compile expressions of the IR to numpy: one call evaluates a formula on a batch of states.

Columns come from a provider indexed by slot (``S[slot]``, ``T[slot]`` for the post-state), so
an engine can store states packed and decode only the columns a formula reads.

>>> import numpy as np
>>> from dockproof.spec.parsing import Scope, parse
>>> from dockproof.spec.types import BOOL, IntType
>>> e = parse("implies(on, x <= 2)", Scope(vars={"on": (0, BOOL), "x": (1, IntType(0, 3))}))
>>> f = compile_vector(e)
>>> f({0: np.array([True, True, False]), 1: np.array([1, 3, 3])}, None, None, None).tolist()
[True, False, True]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..spec.expr import Dialect, Expr, render

#: numpy over columns ``S``/``T`` and label arrays ``A``/``R``: element-wise connectives.
NUMPY = Dialect(pre="S", post="T", action="A", actor="R", not_="_not({})", and_="_and({})",
                and_sep=", ", or_="_or({})", or_sep=", ",
                ite="_np.where({cond}, {then}, {other})")


def to_numpy(e: Expr) -> str:
    """Return numpy source for ``e`` over ``S``/``T`` (columns), ``A``/``R`` (labels)."""
    return render(e, NUMPY)


def _and(*xs):
    out = xs[0]
    for x in xs[1:]:
        out = np.logical_and(out, x)
    return out


def _or(*xs):
    out = xs[0]
    for x in xs[1:]:
        out = np.logical_or(out, x)
    return out


_NS = {"_np": np, "_and": _and, "_or": _or, "_not": np.logical_not}


def compile_vector(e: Expr) -> Callable:
    """Compile ``e`` to ``f(S, T, A, R) -> bool array`` (a constant is not broadcast)."""
    return eval(f"lambda S, T, A, R: {to_numpy(e)}", dict(_NS))  # noqa: S307 - from the IR
