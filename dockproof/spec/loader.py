"""Turn a model TOML file into the frozen `Model` IR, checking everything on the way."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from ..errors import did_you_mean
from .expr import Const, Expr
from .model import ACTORS, Action, Assign, ErrorCase, Model, Variable
from .parsing import ExprError, Scope, coerce
from .source import Source, read_toml
from .types import BOOL, BoolType, EnumType, IntType, Type

_TOP = ("model", "constants", "parameters", "variables", "predicates", "actions", "conformance")
_VAR_KEYS = ("type", "values", "range", "init", "doc", "cites")
_ACTION_KEYS = ("actor", "guard", "effect", "cites", "doc", "command", "code", "errors")
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
CLAIM = re.compile(r"^S([1-9]|1[0-6])$")
COMMAND_VERBS = ("create", "run", "start", "stop", "kill", "pause", "unpause", "restart", "rm",
                 "rm_force", "daemon_restart", "alloc", "write_mem", "write_fs", "exit",
                 "child_exit")


def load_model(path: str | Path) -> Model:
    """Load and type-check a model file (no engine runs; the lint is `analysis.lint`)."""
    return build_model(read_toml(path))


def build_model(src: Source) -> Model:
    d = src.data
    if "host" in d:
        raise src.error("host", "DP118", "this is a host template (a container model used N "
                        "times with shared host variables), not a plain model",
                        "check it with: dockproof host --containers N")
    src.check_keys(d, "", _TOP, required=("model", "variables", "actions"))
    meta = src.table(d["model"], "model")
    src.check_keys(meta, "model", ("name", "title", "source", "doc"), required=("name",))
    constants = _constants(src, d.get("constants", {}))
    variables = _variables(src, d.get("parameters", {}), d["variables"], constants)
    scope = Scope(vars={v.name: (v.slot, v.type) for v in variables}, constants=constants)
    predicates = _predicates(src, d.get("predicates", {}), scope)
    scope = Scope(vars=scope.vars, constants=constants, predicates=predicates)
    actions = tuple(_action(src, name, body, scope, variables)
                    for name, body in src.table(d["actions"], "actions").items())
    if not actions:
        raise src.error("actions", "DP106", "a model needs at least one action")
    return Model(name=str(meta["name"]), path=src.path, title=str(meta.get("title", "")),
                 variables=variables, actions=actions, constants=constants,
                 predicates=predicates, conformance=src.table(d.get("conformance", {}),
                                                              "conformance"),
                 digest=hashlib.sha256(src.text.encode()).hexdigest()[:16])


def _name(src: Source, name: str, key: str) -> str:
    if not _IDENT.match(name):
        raise src.error(key, "DP107", f"'{name}' is not a valid name (lower case, digits, _)")
    return name


def _constants(src: Source, table: Any) -> dict[str, int]:
    out = {}
    for k, v in src.table(table, "constants").items():
        if not isinstance(v, int) or isinstance(v, bool):
            raise src.error(f"constants.{k}", "DP103", "a constant must be an integer")
        out[k] = v
    return out


def _variables(src: Source, params: Any, state: Any, constants: dict) -> tuple[Variable, ...]:
    out: list[Variable] = []
    for section, table, is_param in (("parameters", params, True), ("variables", state, False)):
        for name, body in src.table(table, section).items():
            key = f"{section}.{name}"
            _name(src, name, key)
            if any(v.name == name for v in out):
                raise src.error(key, "DP108", f"duplicate name '{name}' (a parameter and a "
                                "variable cannot share a name)")
            body = src.table(body, key)
            src.check_keys(body, key, _VAR_KEYS, required=("type",))
            t = _type(src, name, body, key, constants)
            init = None
            if not is_param:
                if "init" not in body:
                    raise src.error(key, "DP102", "missing key 'init'")
                init = _literal(src, body["init"], t, f"{key}.init")
            elif "init" in body:
                raise src.error(f"{key}.init", "DP109", "a parameter has no initial value: "
                                "every engine checks all its values")
            out.append(Variable(name, t, len(out), init, is_param, str(body.get("doc", "")),
                                _cites(src, body.get("cites", []), f"{key}.cites")))
    return tuple(out)


def _type(src: Source, name: str, body: dict, key: str, constants: dict) -> Type:
    kind = body["type"]
    if kind == "bool":
        return BOOL
    if kind == "enum":
        vals = src.string_list(body.get("values"), f"{key}.values")
        if len(set(vals)) != len(vals) or not vals:
            raise src.error(f"{key}.values", "DP108", "enum values must be distinct and "
                            "non-empty")
        return EnumType(name, vals)
    if kind == "int":
        rng = body.get("range")
        rng = [constants.get(x, x) if isinstance(x, str) else x for x in (rng or [])]
        if len(rng) != 2 or not all(isinstance(x, int) for x in rng) or rng[0] > rng[1]:
            raise src.error(f"{key}.range", "DP103", "an int needs range = [lo, hi] with lo <= "
                            "hi (integers or constant names)")
        return IntType(rng[0], rng[1])
    raise src.error(f"{key}.type", "DP103", f"unknown type '{kind}'",
                    "types are bool, int, enum")


def _literal(src: Source, value: Any, t: Type, key: str):
    if isinstance(t, BoolType) and isinstance(value, bool):
        return value
    if isinstance(t, IntType) and isinstance(value, int) and not isinstance(value, bool):
        if not t.lo <= value <= t.hi:
            raise src.error(key, "DP110", f"value {value} is outside {t}")
        return value
    if isinstance(t, EnumType) and isinstance(value, str):
        return coerce_literal(src, value, t, key)
    raise src.error(key, "DP202", f"type error: {value!r} is not a value of {t}")


def coerce_literal(src: Source, value: str, t: EnumType, key: str) -> int:
    try:
        c = coerce(Const(value, None), t)
    except ExprError as exc:
        raise src.error(key, getattr(exc, "code", "DP104"), getattr(exc, "message", str(exc)),
                        getattr(exc, "hint", None)) from None
    return c.value


def _predicates(src: Source, table: Any, scope: Scope) -> dict[str, Expr]:
    out: dict[str, Expr] = {}
    for name, text in src.table(table, "predicates").items():
        key = f"predicates.{name}"
        _name(src, name, key)
        if name in scope.vars:
            raise src.error(key, "DP108", f"predicate '{name}' has the name of a variable")
        sc = Scope(vars=scope.vars, constants=scope.constants, predicates=out)
        out[name] = src.expr(key, text, sc, expect=None)
    return out


def _cites(src: Source, value: Any, key: str) -> tuple[str, ...]:
    cites = src.string_list(value, key)
    for c in cites:
        if not CLAIM.match(c):
            raise src.error(key, "DP111", f"'{c}' is not a seed claim id (S1 to S16)")
    return cites


def _action(src: Source, name: str, body: Any, scope: Scope,
            variables: tuple[Variable, ...]) -> Action:
    key = f"actions.{name}"
    _name(src, name, key)
    body = src.table(body, key)
    src.check_keys(body, key, _ACTION_KEYS, required=("actor", "guard", "effect"))
    actor = body["actor"]
    if actor not in ACTORS:
        raise src.error(f"{key}.actor", "DP112", f"unknown actor '{actor}'",
                        did_you_mean(str(actor), ACTORS) or "actors: " + ", ".join(ACTORS))
    guard = src.expr(f"{key}.guard", body["guard"], scope)
    effect = _effect(src, body["effect"], f"{key}.effect", scope, variables)
    command = body.get("command")
    if command is not None and command not in COMMAND_VERBS:
        raise src.error(f"{key}.command", "DP113", f"unknown command '{command}'",
                        did_you_mean(str(command), COMMAND_VERBS))
    code = body.get("code")
    if code is not None and (not isinstance(code, int) or isinstance(code, bool)):
        raise src.error(f"{key}.code", "DP103", "code must be an integer exit code")
    return Action(name, actor, guard, effect,
                  _cites(src, body.get("cites", []), f"{key}.cites"), str(body.get("doc", "")),
                  command, code, _errors(src, body.get("errors", []), f"{key}.errors", scope),
                  f"{src.path} [{key}]")


def _effect(src: Source, table: Any, key: str, scope: Scope,
            variables: tuple[Variable, ...]) -> tuple[Assign, ...]:
    by_name = {v.name: v for v in variables}
    out = []
    for var, value in src.table(table, key).items():
        k = f"{key}.{var}"
        v = by_name.get(var)
        if v is None:
                raise src.error(k, "DP101", f"unknown variable '{var}'", did_you_mean(var, by_name))
        if v.is_param:
            raise src.error(k, "DP114", f"'{var}' is a parameter, fixed at creation: an action "
                            "cannot assign it")
        out.append(Assign(var, v.slot, _effect_value(src, value, v, k, scope)))
    return tuple(out)


def _effect_value(src: Source, value: Any, v: Variable, key: str, scope: Scope) -> Expr:
    if isinstance(value, bool) or (isinstance(value, int) and not isinstance(value, bool)):
        return Const(_literal(src, value, v.type, key), v.type)
    if isinstance(v.type, EnumType) and isinstance(value, str):
        if value in v.type.members:
            return Const(v.type.members.index(value), v.type)
        if _IDENT.match(value) and value not in scope.names():
                raise src.error(key, "DP104", f"unknown {v.name} '{value}'",
                            did_you_mean(value, v.type.members)
                            or f"values: {', '.join(v.type.members)}")
    e = src.expr(key, value, scope, v.type)
    if isinstance(e, Const) and isinstance(v.type, IntType) and \
            not v.type.lo <= e.value <= v.type.hi:
        raise src.error(key, "DP110", f"value {e.value} is outside {v.type}")
    return e


def _errors(src: Source, value: Any, key: str, scope: Scope) -> tuple[ErrorCase, ...]:
    if not isinstance(value, list):
        raise src.error(key, "DP103", "errors must be a list of {when, message, status} tables")
    out = []
    for i, item in enumerate(value):
        k = f"{key}[{i}]"
        item = src.table(item, key)
        src.check_keys(item, key, ("when", "message", "status"), required=("when", "message"))
        status = item.get("status")
        if status is not None and (not isinstance(status, int) or isinstance(status, bool)):
            raise src.error(f"{k}.status", "DP103", "status must be an integer exit status")
        out.append(ErrorCase(src.expr(k, item["when"], scope), str(item["message"]), status))
    return tuple(out)
