"""Compile a model's actions once into Python successor functions (used by every explicit
component: the explorer, the lint, conformance generation)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import InputError
from ..spec.expr import Expr, to_python
from ..spec.model import ACTORS, Model
from ..spec.types import IntType


class RangeViolation(Exception):
    """An action assigned a value outside its variable's range."""

    def __init__(self, action: str, var: str, value: int, state: tuple) -> None:
        super().__init__(action, var, value, state)
        self.action, self.var, self.value, self.state = action, var, value, state


@dataclass(frozen=True)
class Compiled:
    """A model's actions as Python functions: ``steps[i](s)`` is the successor or None."""

    model: Model
    steps: tuple[Callable[[tuple], tuple | None], ...]
    actor_index: tuple[int, ...]

    def successors(self, s: tuple):
        """Yield (action index, successor) for every enabled action, in model order."""
        for i, f in enumerate(self.steps):
            t = f(s)
            if t is not None:
                yield i, t


def predicate(e: Expr) -> Callable[[tuple], bool]:
    """Compile a state predicate to ``f(s) -> bool``."""
    return eval(f"lambda s: bool({to_python(e)})", {})  # noqa: S307 - generated from the IR


def edge_predicate(e: Expr) -> Callable[[tuple, int, int, tuple], bool]:
    """Compile a transition formula to ``f(s, a, r, t) -> bool``."""
    return eval(f"lambda s, a, r, t: bool({to_python(e)})", {})  # noqa: S307


def compile_model(model: Model) -> Compiled:
    """Generate one successor function per action."""
    ns: dict = {"RangeViolation": RangeViolation}
    lines: list[str] = []
    for i, act in enumerate(model.actions):
        assigned = {a.slot: a for a in act.effect}
        parts = []
        checks = []
        for v in model.variables:
            if v.slot in assigned:
                parts.append(f"v{v.slot}")
                checks.append(f"    v{v.slot} = {to_python(assigned[v.slot].value)}")
                if isinstance(v.type, IntType):
                    checks.append(f"    if not {v.type.lo} <= v{v.slot} <= {v.type.hi}: "
                                  f"raise RangeViolation({act.name!r}, {v.name!r}, v{v.slot}, s)")
            else:
                parts.append(f"s[{v.slot}]")
        lines.append(f"def step{i}(s):\n    if not ({to_python(act.guard)}): return None")
        lines.extend(checks)
        lines.append(f"    return ({', '.join(parts)},)")
    code = "\n".join(lines)
    try:
        exec(compile(code, f"<model {model.name}>", "exec"), ns)  # noqa: S102 - from the IR
    except RecursionError:
        raise InputError(model.path, "DP205", "an expression is nested too deeply") from None
    steps = tuple(ns[f"step{i}"] for i in range(len(model.actions)))
    return Compiled(model, steps, tuple(ACTORS.index(a.actor) for a in model.actions))
