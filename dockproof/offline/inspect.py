"""Show model states as `docker inspect` names a container's state and configuration: the
vocabulary's ``[inspect]`` table maps each field to a model variable (shown by its values, or
through a ``show`` table) or to a predicate (true/false)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..engines.compiled import predicate
from ..spec.model import Model
from ..spec.source import Source
from ..spec.types import show as show_value


@dataclass(frozen=True)
class Field:
    name: str
    value: Callable[[tuple], str]
    config: bool          # a parameter (HostConfig): fixed at create, often not in the log


def load_inspect(src: Source, table, model: Model) -> tuple[Field, ...]:
    t = src.table(table, "inspect")
    scope = model.scope()
    params = {p.name for p in model.params}
    out = []
    for name, spec in t.items():
        key = f"inspect.{name}"
        shown: dict = {}
        if isinstance(spec, dict):
            src.check_keys(spec, key, ("var", "show"), required=("var",))
            shown = {str(k): str(v) for k, v in src.table(spec.get("show", {}), key).items()}
            spec = spec["var"]
        if not isinstance(spec, str):
            raise src.error(key, "DP103", "expected a variable name, a predicate or "
                            "{ var, show }")
        var = next((v for v in model.variables if v.name == spec), None)
        if var is not None:
            out.append(Field(name, _shower(var, shown), var.name in params))
            continue
        f = predicate(src.expr(key, spec, scope))
        out.append(Field(name, lambda s, f=f: "true" if f(s) else "false", False))
    return tuple(out)


def _shower(var, shown: dict) -> Callable[[tuple], str]:
    def value(s: tuple) -> str:
        text = show_value(var.type, s[var.slot])
        return shown.get(text, text)
    return value


def inspect_view(auto, states: list[tuple]) -> dict:
    """Return {field: value or [values]} over model ``states`` (tuples); configuration fields
    every value of which is possible are left out (the log does not tell them)."""
    out: dict = {}
    every = getattr(auto, "_inspect_all", None)
    if every is None:
        every = auto._inspect_all = all_values(auto.d.inspect, auto.states)
    for f in auto.d.inspect:
        vals = sorted({f.value(s) for s in states})
        if f.config and len(vals) > 1 and len(vals) == len(every[f.name]):
            continue
        out[f.name] = vals[0] if len(vals) == 1 else vals
    return out


def all_values(fields: tuple[Field, ...], states: list[tuple]) -> dict[str, frozenset[str]]:
    return {f.name: frozenset(f.value(s) for s in states) for f in fields}


def render_inspect(view: dict, fields: tuple[Field, ...]) -> list[str]:
    """Two lines: the state fields, then the configuration the log tells."""
    config = {f.name for f in fields if f.config}

    def one(k, v):
        short = k.rsplit(".", 1)[-1]
        return f"{short}={v}" if isinstance(v, str) else f"{short}={'|'.join(v)}"
    state = " ".join(one(k, v) for k, v in view.items() if k not in config)
    conf = " ".join(one(k, v) for k, v in view.items() if k in config)
    return [state, conf or "not in the log"]
