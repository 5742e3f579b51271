"""Property catalogues: TOML tables keyed ``[<kind>.<name>]``, parsed into frozen IR."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import did_you_mean
from .expr import Expr
from .loader import _cites
from .model import ACTORS, Model
from .source import Source, read_toml

KINDS = {
    "invariant": ("formula",),
    "transition": ("formula", "actions"),
    "determined": ("of", "by", "where"),
    "equivalent": ("left", "right"),
    "reachable": ("formula",),
    "deadlock-free": ("allow",),
    "always-possible": ("formula",),
    "leads-to": ("from", "to", "fairness"),
    "refines": ("abstract", "mapping"),
}
_REQUIRED = {"invariant": ("formula",), "transition": ("formula",), "determined": ("of", "by"),
             "equivalent": ("left", "right"), "reachable": ("formula",),
             "always-possible": ("formula",), "leads-to": ("from", "to"),
             "refines": ("abstract", "mapping")}
_COMMON = ("cites", "doc", "expect")
VERDICTS = ("proved", "refuted")


@dataclass(frozen=True)
class Property:
    """One property. ``exprs`` holds parsed formulas by field name; ``data`` the rest."""

    id: str
    kind: str
    cites: tuple[str, ...]
    doc: str
    expect: str
    exprs: dict[str, Expr] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    file: str = ""
    key: str = ""


@dataclass(frozen=True)
class Catalogue:
    path: str
    model: str
    properties: tuple[Property, ...]


def catalogue_meta(src: Source) -> tuple[dict, dict, str]:
    """Split a catalogue into its property tables, its ``[meta]`` and the default verdict."""
    d = dict(src.data)
    meta = src.table(d.pop("meta", {}), "meta")
    src.check_keys(meta, "meta", ("model", "expect", "doc"))
    expect = meta.get("expect", "proved")
    if expect not in VERDICTS:
        raise src.error("meta.expect", "DP115", f"expect must be one of {VERDICTS}")
    return d, meta, expect


def load_properties(path: str | Path, model: Model) -> Catalogue:
    """Load a property file and type-check it against ``model``."""
    src = read_toml(path)
    d, meta, expect = catalogue_meta(src)
    props = []
    for kind, table in d.items():
        if kind not in KINDS:
            raise src.error(kind, "DP116", f"unknown property kind '{kind}'",
                            did_you_mean(kind, KINDS) or "kinds: " + ", ".join(KINDS))
        for name, body in src.table(table, kind).items():
            props.append(_property(src, kind, name, body, model, expect))
    return Catalogue(src.path, str(meta.get("model", model.name)), tuple(props))


def _property(src: Source, kind: str, name: str, body: Any, model: Model,
              default_expect: str) -> Property:
    key = f"{kind}.{name}"
    body = src.table(body, key)
    src.check_keys(body, key, KINDS[kind] + _COMMON, _REQUIRED.get(kind, ()))
    expect = body.get("expect", default_expect)
    if expect not in VERDICTS:
        raise src.error(f"{key}.expect", "DP115", f"expect must be one of {VERDICTS}")
    scope = model.scope(allow_post=kind == "transition")
    exprs: dict[str, Expr] = {}
    data: dict[str, Any] = {}
    for f in ("formula", "where", "allow", "from", "to"):
        if f in body:
            exprs[f] = src.expr(f"{key}.{f}", body[f], scope)
    for f in ("actions", "left", "right"):
        if f in body:
            data[f] = _action_names(src, body[f], f"{key}.{f}", model)
    if kind == "determined":
        data["of"] = _var_names(src, body["of"], f"{key}.of", model)[0]
        data["by"] = _var_names(src, body["by"], f"{key}.by", model)
    if kind == "leads-to":
        data["fairness"] = _fairness(src, body.get("fairness", []), f"{key}.fairness", model)
    if kind == "refines":
        data["abstract"] = str(body["abstract"])
        data["mapping"] = src.table(body["mapping"], f"{key}.mapping")
    return Property(f"{kind}.{name}", kind, _cites(src, body.get("cites", []), f"{key}.cites"),
                    str(body.get("doc", "")), expect, exprs, data, f"{src.path} [{key}]",
                    src.path, key)


def _action_names(src: Source, value: Any, key: str, model: Model) -> tuple[str, ...]:
    return _names(src, value, key, [a.name for a in model.actions], "action", "DP105")


def _var_names(src: Source, value: Any, key: str, model: Model) -> tuple[str, ...]:
    return _names(src, value, key, [v.name for v in model.variables], "variable", "DP101")


def _names(src: Source, value: Any, key: str, known: list[str], what: str,
           code: str) -> tuple[str, ...]:
    """Read a list of names at ``key``; each must be one of ``known``."""
    names = src.string_list(value, key)
    for n in names:
        if n not in known:
            raise src.error(key, code, f"unknown {what} '{n}'", did_you_mean(n, known))
    return names


def _fairness(src: Source, value: Any, key: str, model: Model) -> tuple[str, ...]:
    """Weakly fair actions, named directly or by actor."""
    out: list[str] = []
    known = [a.name for a in model.actions]
    for n in src.string_list(value, key):
        if n in ACTORS:
            out.extend(a.name for a in model.actions if a.actor == n)
        elif n in known:
            out.append(n)
        else:
            raise src.error(key, "DP105", f"'{n}' is neither an action nor an actor",
                            did_you_mean(n, known + list(ACTORS)))
    return tuple(dict.fromkeys(out))
