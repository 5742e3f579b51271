"""Read the diagram command's choices: ``--config``, ``--state`` and a ``--trace`` file.

Each bad value is one located error (exit 2): the option or file, the key, a code and a hint.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..engines.compiled import predicate
from ..engines.statespace import StateSpace
from ..errors import InputError, Location, did_you_mean
from ..spec.model import Model
from ..spec.parsing import ExprError, parse
from ..spec.types import BoolType, EnumType, IntType


def parse_config(model: Model, text: str | None) -> dict[int, int] | None:
    """Parse ``mem_limit=true,restart=false`` into {parameter slot: encoded value}.

    >>> from dockproof.builtin import default_model
    >>> from dockproof.spec.loader import load_model
    >>> parse_config(load_model(default_model()), "restart=true")
    {2: True}
    """
    if text is None:
        return None
    params = {p.name: p for p in model.params}
    out: dict[int, int] = {}
    for part in filter(None, (x.strip() for x in text.split(","))):
        name, eq, raw = (x.strip() for x in part.partition("="))
        where = Location("--config", None, name or part)
        if not eq or not name:
            raise InputError(where, "DP731", f"expected name=value, got '{part}'",
                             "e.g. --config mem_limit=true,oom_kill_disable=false")
        if name not in params:
            raise InputError(where, "DP731", f"'{name}' is not a parameter of model "
                             f"'{model.name}'", did_you_mean(name, params) or
                             f"parameters: {', '.join(params) or 'none'}")
        out[params[name].slot] = _value(params[name].type, raw, where)
    return out


def _value(t, raw: str, where: Location):
    if isinstance(t, BoolType) and raw.lower() in ("true", "false", "1", "0"):
        return raw.lower() in ("true", "1")
    if isinstance(t, EnumType) and raw in t.members:
        return t.members.index(raw)
    if isinstance(t, IntType) and raw.lstrip("-").isdigit() and t.lo <= int(raw) <= t.hi:
        return int(raw)
    raise InputError(where, "DP732", f"'{raw}' is not a value of {t}",
                     "use true or false" if isinstance(t, BoolType) else None)


def find_state(model: Model, space: StateSpace, text: str,
               config: dict[int, int] | None = None) -> int:
    """Return a state's index: ``text`` is an index, or a predicate (first match in BFS)."""
    where = Location("--state", None, None)
    if text.strip().isdigit():
        i = int(text)
        if i >= len(space.states):
            raise InputError(where, "DP721", f"no state {i}: the model has "
                             f"{len(space.states)} reachable states (0..{len(space.states) - 1})")
        return i
    try:
        f = predicate(parse(text, model.scope()))
    except ExprError as exc:
        raise InputError(where, exc.code, exc.message, exc.hint) from None
    for i, s in enumerate(space.states):
        if all(s[k] == v for k, v in (config or {}).items()) and f(s):
            return i
    raise InputError(where, "DP722", f"no reachable state satisfies {text!r}" +
                     (" in that configuration" if config else ""))


def load_trace(model: Model, space: StateSpace, path: Path) -> list[tuple[int | None, int]]:
    """Read an ITF trace and map it onto the graph: ``[(action index or None, state)]``."""
    text = _read(path)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(Location(str(path), exc.lineno), "DP710",
                         f"not JSON: {exc.msg}") from None
    states = doc.get("states") if isinstance(doc, dict) else None
    if not isinstance(states, list) or not states:
        raise InputError(Location(str(path), None, "states"), "DP710",
                         "not an ITF trace: no list 'states'",
                         "write one with dockproof check --trace-dir DIR")
    _same_model(model, doc, path)
    names = [a.name for a in model.actions]
    out: list[tuple[int | None, int]] = []
    edges = set(space.edges)
    for n, st in enumerate(states):
        where = Location(str(path), _line_of_state(text, n), f"states[{n}]")
        i = _state_index(model, space, st, where)
        a = _action(st, names, where) if n else None
        if n and (out[-1][1], a, i) not in edges:
            raise InputError(where, "DP713", f"action '{names[a]}' does not lead from state "
                             f"{n - 1} to state {n} in model '{model.name}'")
        out.append((a, i))
    return out


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Location(str(path)), "DP001", "cannot read the trace: "
                         f"{getattr(exc, 'strerror', None) or exc}") from None


def _same_model(model: Model, doc: dict, path: Path) -> None:
    meta = doc.get("#meta") if isinstance(doc.get("#meta"), dict) else {}
    named = meta.get("model")
    if named is not None and named != model.name:
        raise InputError(Location(str(path), None, "#meta.model"), "DP714",
                         f"the trace is of model '{named}', not '{model.name}'",
                         f"dockproof diagram {named} --view trace --trace {path}")


def _line_of_state(text: str, n: int) -> int | None:
    """Find the line of the n-th state's ``mbt::actionTaken`` (how write_traces lays it out)."""
    at = -1
    for _ in range(n + 1):
        at = text.find('"mbt::actionTaken"', at + 1)
        if at < 0:
            return None
    return text.count("\n", 0, at) + 1


def _state_index(model: Model, space: StateSpace, st, where: Location) -> int:
    if not isinstance(st, dict):
        raise InputError(where, "DP711", "a trace state must be an object")
    values = []
    for v in model.variables:
        if v.name not in st:
            raise InputError(where, "DP711", f"variable '{v.name}' is missing")
        values.append(_itf_value(v, st[v.name], where))
    s = tuple(values)
    if s not in space.index:
        raise InputError(where, "DP712", f"state {model.render_state(s)} is not reachable in "
                         f"model '{model.name}'", "was the trace written for another model "
                         "version?")
    return space.index[s]


def _itf_value(v, raw, where: Location):
    if isinstance(raw, dict) and "#bigint" in raw:
        raw = int(raw["#bigint"])
    t = v.type
    if isinstance(t, EnumType) and raw in t.members:
        return t.members.index(raw)
    if isinstance(t, BoolType) and isinstance(raw, bool):
        return raw
    if isinstance(t, IntType) and isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    raise InputError(Location(where.file, where.line, f"{where.key}.{v.name}"), "DP711",
                     f"{raw!r} is not a value of {t}")


def _action(st: dict, names: list[str], where: Location) -> int:
    a = st.get("mbt::actionTaken")
    if a not in names:
        raise InputError(Location(where.file, where.line, f"{where.key}.mbt::actionTaken"),
                         "DP711", f"unknown action {a!r}", did_you_mean(str(a), names))
    return names.index(a)
