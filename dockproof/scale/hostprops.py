"""Host property catalogues: formulas over "every container", expanded for N containers.

A property of ``properties/host.toml`` may declare ``forall = ["c"]`` (or ``["c", "d"]`` for
ordered pairs of distinct containers); its formula, with ``{c}`` standing for a container's
prefix (``{c}_usage`` becomes ``c1_usage``), is expanded into the conjunction over all
containers. Aggregates range over all containers with the placeholder ``{*}``:
``sum({*}_usage)``, ``all({*}_proc)``, ``any({*}_hung)``; ``actions = ["{*}_pause"]`` names an
action of every container. A formula naming one container (``c1_usage``) is *asymmetric*; the
symmetry-reducing engines say so and check every permutation.

>>> expand_text("sum({*}_usage) <= HOST", 3, {})
'(c1_usage + c2_usage + c3_usage) <= HOST'
>>> expand_text("any({*}_hung and {c}_restart)", 2, {"c": "c1"})
'((c1_hung and c1_restart) or (c2_hung and c1_restart))'
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

from ..spec.model import Model
from ..spec.properties import Property, _property, catalogue_meta
from ..spec.source import Source, read_toml

_AGG = {"sum": " + ", "all": " and ", "any": " or "}
_EMPTY = {"sum": "0", "all": "true", "any": "false"}
_NAMED = re.compile(r"\bc[0-9]+_[a-z]")
_FIELDS = ("formula", "where", "from", "to")


@dataclass(frozen=True)
class HostProperty:
    """A property as written (``text``) and as expanded for the model at hand (``prop``)."""

    prop: Property
    forall: tuple[str, ...]
    text: dict[str, str]
    actions_text: tuple[str, ...] = ()

    @property
    def symmetric(self) -> bool:
        """Tell whether the property treats every container alike (names none of them)."""
        return not any(_NAMED.search(t) for t in self.text.values()) and \
            not any(_NAMED.search(a) for a in self.actions_text)


def expand_text(text: str, n: int, binding: dict[str, str]) -> str:
    """Expand aggregates over ``n`` containers, then the bound placeholders."""
    out = _aggregates(text, n)
    for var, pre in binding.items():
        out = out.replace("{" + var + "}", pre)
    return out


class ViewUnsupported(Exception):
    """An aggregate the parametric view cannot express (it sees only some containers)."""


def _aggregates(text: str, n: int, sums: dict[str, str] | None = None) -> str:
    """Expand aggregates; with ``sums`` (view mode) ``sum({*}_u)`` is the shared variable
    that counts ``u`` and any other aggregate raises `ViewUnsupported`."""
    pat = re.compile(r"\b(sum|all|any)\(")
    while (m := pat.search(text)) is not None:
        start, depth, i = m.end(), 1, m.end()
        while depth and i < len(text):
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        inner = text[start:i - 1]
        if sums is not None:
            var = inner.strip()[4:] if inner.strip().startswith("{*}_") else None
            if m.group(1) != "sum" or var not in sums:
                raise ViewUnsupported(f"{m.group(0)}{inner})")
            text = text[:m.start()] + sums[var] + text[i:]
            continue
        parts = [_aggregates(inner, n).replace("{*}", f"c{j + 1}") for j in range(n)]
        joined = _AGG[m.group(1)].join(f"({p})" if m.group(1) != "sum" else p for p in parts)
        text = text[:m.start()] + (f"({joined})" if parts else _EMPTY[m.group(1)]) + text[i:]
    return text


def expand_view(text: str, k: int, binding: dict[str, str], sums: dict[str, str]) -> str:
    """Expand for a view of ``k`` containers, sums replaced by their counting variables."""
    out = _aggregates(text, k, sums)
    for var, pre in binding.items():
        out = out.replace("{" + var + "}", pre)
    return out


def bindings(forall: tuple[str, ...], n: int) -> list[dict[str, str]]:
    """Return every assignment of distinct containers to the quantified names."""
    return [dict(zip(forall, (f"c{i + 1}" for i in combo)))
            for combo in itertools.permutations(range(n), len(forall))]


def load_host_properties(path: str | Path, model: Model, n: int) -> list[HostProperty]:
    """Load a host catalogue and expand it for ``model`` (the host with ``n`` containers)."""
    src = read_toml(path)
    d, _, expect = catalogue_meta(src)
    out = []
    for kind, table in d.items():
        for name, body in src.table(table, kind).items():
            out.append(_one(src, kind, name, body, model, n, expect))
    return out


def _one(src: Source, kind: str, name: str, body, model: Model, n: int,
         expect: str) -> HostProperty:
    key = f"{kind}.{name}"
    body = dict(src.table(body, key))
    forall = src.string_list(body.pop("forall", []), f"{key}.forall")
    for v in forall:
        if not re.fullmatch(r"[a-z]", v):
            raise src.error(f"{key}.forall", "DP121", f"'{v}' is not a container name: use "
                            "one letter, such as c or d")
    text = {f: body[f] for f in _FIELDS if isinstance(body.get(f), str)}
    binds = bindings(forall, n)
    for f, t in text.items():
        parts = [expand_text(t, n, b) for b in binds]
        body[f] = " and ".join(f"({p})" for p in parts) if parts else "true"
    actions_text = ()
    if isinstance(body.get("actions"), list):
        actions_text = tuple(body["actions"])
        body["actions"] = [a.replace("{*}", f"c{i + 1}") for a in actions_text
                           for i in (range(n) if "{*}" in a else (0,))]
    return HostProperty(_property(src, kind, name, body, model, expect), forall, text,
                        actions_text)
