"""Read ``[conformance.config]``: how a model's parameters become a container's `Config`.

Mixed into the mapping's builder (`dockproof.conformance.mapping` documents the keys): one
entry per `Config` field, a parameter's value as is, or a ``values`` table with one value
(or a list of ``{ when, value }`` cases) per parameter value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..errors import did_you_mean
from ..spec.expr import Expr, refs, to_python, type_of
from ..spec.model import Model
from ..spec.types import BoolType, EnumType, IntType
from ..sut.contract import Config

_CONFIG_FIELDS = ("memory", "oom_kill_disable", "restart")
_POLICIES = ("no", "on-failure", "always", "unless-stopped")


class ConfigReader:
    """The builder's methods for ``[conformance.config]`` (needs ``m``, ``src``, ``scope``,
    ``err`` and ``table`` of the builder)."""

    def config(self, value: Any) -> tuple[tuple[str, Callable[[tuple], Any]], ...]:
        t = self.table(value, "config")
        out = []
        for name in sorted(t):
            if name not in _CONFIG_FIELDS:
                raise self.err(f"config.{name}", f"unknown Config field '{name}'",
                               _hint(name, _CONFIG_FIELDS))
            out.append((name, self.config_field(name, self.table(t[name], f"config.{name}"))))
        return tuple(out)

    def config_field(self, name: str, t: dict) -> Callable[[tuple], Any]:
        key = f"conformance.config.{name}"
        self.src.check_keys(t, key, ("param", "values"), ("param",))
        params = {p.name: p for p in self.m.params}
        p = params.get(t["param"])
        if p is None:
            raise self.err(f"config.{name}.param", f"'{t['param']}' is not a parameter",
                           _hint(str(t["param"]), params))
        if "values" not in t:
            return self.identity(name, p)
        values = self.table(t["values"], f"config.{name}.values")
        table = {}
        for v in p.type.values():
            shown = _toml_key(p.type, v)
            if shown not in values:
                raise self.err(f"config.{name}.values", f"no value for {p.name} = {shown}")
            table[v] = self.cases(name, values[shown], f"config.{name}.values.{shown}")
        slots = {q.name: (q.slot, q.type) for q in self.m.params}
        return lambda s: _fill(_pick(table[s[p.slot]], s), s, slots)

    def cases(self, name: str, v: Any, key: str) -> tuple[tuple[Any, Any], ...]:
        """Read one value, or a list of ``{ when = "expr", value = X }`` cases (the first
        whose parameter condition holds wins; the last one, without ``when``, is the
        default): e.g. ``no = [{ when = "max_retries == 0", value = "no" },
        { value = "no:{max_retries}" }]`` sends Docker's refused ``no:N``."""
        if not isinstance(v, list):
            return ((None, self.field_value(name, v, key)),)
        if not v:
            raise self.err(key, "expected a value or a non-empty list of cases")
        params = {q.name for q in self.m.params}
        out = []
        for n, case in enumerate(v):
            k = f"{key}[{n}]"
            case = self.src.table(case, f"conformance.{k}")
            last = n == len(v) - 1
            self.src.check_keys(case, f"conformance.{k}", ("when", "value"),
                                ("value",) if last else ("when", "value"))
            if last and "when" in case:
                raise self.err(k, "the last case is the default: it takes no 'when'")
            when = None
            if "when" in case:
                e = self.src.expr(f"conformance.{k}.when", case["when"], self.scope)
                stray = sorted(r for r, _ in refs(e) if r not in params)
                if stray:
                    raise self.err(f"{k}.when", f"'{stray[0]}' is not a parameter: a "
                                   "configuration depends on parameters only")
                when = compile_expr(e, self.m)
            out.append((when, self.field_value(name, case["value"], f"{k}.value")))
        return tuple(out)

    def identity(self, name: str, p) -> Callable[[tuple], Any]:
        want = BoolType if name == "oom_kill_disable" else IntType
        if name == "restart" or not isinstance(p.type, want):
            raise self.err(f"config.{name}", f"parameter '{p.name}' ({p.type}) cannot be "
                           f"used as {name} as it is", "give a values table")
        return lambda s: s[p.slot]

    def field_value(self, name: str, v: Any, key: str) -> Any:
        if name == "memory":
            if v == "unlimited":
                return None
            v = self.m.constants.get(v, v) if isinstance(v, str) else v
            if isinstance(v, int) and not isinstance(v, bool) and v >= 1:
                return v
            raise self.err(key, f"expected units, a constant's name or 'unlimited', got {v!r}")
        if name == "oom_kill_disable":
            if isinstance(v, bool):
                return v
            raise self.err(key, f"expected true or false, got {v!r}")
        if not isinstance(v, str) or v.partition(":")[0] not in _POLICIES:
            raise self.err(key, f"expected a restart policy, got {v!r}",
                           _hint(str(v), _POLICIES))
        return v


def _pick(cases: tuple[tuple[Any, Any], ...], s: tuple) -> Any:
    return next(value for when, value in cases if when is None or when(s))


def _fill(value: Any, s: tuple, slots: Mapping[str, tuple]) -> Any:
    if not isinstance(value, str) or "{" not in value:
        return value
    shown = {n: _toml_key(t, s[i]) for n, (i, t) in slots.items()}
    return value.format(**shown)


def _toml_key(t, v) -> str:
    if isinstance(t, EnumType):
        return t.members[v]
    if isinstance(t, BoolType):
        return "true" if v else "false"
    return str(v)


def compile_expr(e: Expr, model: Model) -> Callable[[tuple], Any]:
    """Return a mapping expression as a function of a model state (enum values as their
    member names)."""
    f = eval(f"lambda s: {to_python(e)}", {})  # noqa: S307 - generated from the IR
    t = type_of(e)
    if isinstance(t, EnumType):
        return lambda s: t.members[f(s)]
    return f


def _hint(name: str, candidates) -> str | None:
    return did_you_mean(name, list(candidates))


__all__ = ["Config", "ConfigReader"]
