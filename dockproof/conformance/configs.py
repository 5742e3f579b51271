"""Restrict a conformance run to some configurations: ``--config policy=always --config term=dies``.

A model's parameters (restart policy, memory limit, …) are fixed at create: each initial state
is one configuration and the reachable graph splits into one part per configuration. A
restriction keeps the initial states whose parameters take the given values (several values
of one parameter: any of them; different parameters: all of them) and the part of the graph
they reach, re-indexed as a `StateSpace` of its own; the tour, the coverage and the matrix are
then about that part only (the report says so).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from ..engines.statespace import StateSpace
from ..errors import InputError, did_you_mean
from ..spec.model import Model
from ..spec.types import BoolType, EnumType
from .mapping_config import _toml_key


def parse(items: Sequence[str], model: Model) -> dict[int, frozenset]:
    """Read ``NAME=VALUE`` items into {parameter slot: allowed values}; bad ones exit 2."""
    params = {p.name: p for p in model.params}
    out: dict[int, set] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name, text = name.strip(), text.strip()
        p = params.get(name)
        if not sep or p is None:
            raise InputError("--config", "DP606", f"'{item}' is not PARAMETER=VALUE of "
                             f"model {model.name}", did_you_mean(name, params)
                             or "parameters: " + ", ".join(params))
        out.setdefault(p.slot, set()).add(_value(p, text, item))
    return {slot: frozenset(v) for slot, v in out.items()}


def _value(p, text: str, item: str):
    t = p.type
    if isinstance(t, EnumType):
        if text in t.members:
            return t.members.index(text)
        choices = list(t.members)
    elif isinstance(t, BoolType):
        if text in ("true", "false"):
            return text == "true"
        choices = ["true", "false"]
    else:
        if text.lstrip("-").isdigit() and int(text) in t.values():
            return int(text)
        choices = [str(v) for v in t.values()]
    raise InputError("--config", "DP606", f"'{text}' is not a value of {p.name} ({item})",
                     did_you_mean(text, choices) or "values: " + ", ".join(choices))


def describe(selection: dict[int, frozenset], model: Model) -> str:
    """Return the restriction as ``name=v|w`` words (empty: every configuration)."""
    words = []
    for p in model.params:
        if p.slot in selection:
            shown = sorted(_toml_key(p.type, v) for v in selection[p.slot])
            words.append(f"{p.name}={'|'.join(shown)}")
    return " ".join(words)


def restrict(space: StateSpace, selection: dict[int, frozenset]) -> StateSpace:
    """Return the part of ``space`` its selected initial states reach, re-indexed."""
    if not selection:
        return space
    keep = [i for i in space.initial
            if all(space.states[i][slot] in vals for slot, vals in selection.items())]
    if not keep:
        raise InputError("--config", "DP607", "no valid configuration has these values",
                         "each --config narrows the set: check the combination")
    return part(space, keep)


def part(space: StateSpace, keep: Sequence[int]) -> StateSpace:
    """Return the part of ``space`` the initial states ``keep`` (indices) reach, re-indexed."""
    out_edges = space.out_edges()
    new = StateSpace(space.model, space.compiled)
    remap: dict[int, int] = {}

    def add(i: int, parent) -> int:
        remap[i] = len(new.states)
        new.states.append(space.states[i])
        new.index[space.states[i]] = remap[i]
        new.parent.append(parent)
        return remap[i]

    queue = deque()
    for i in keep:
        new.initial.append(add(i, None))
        queue.append(i)
    while queue:
        i = queue.popleft()
        for a, d in out_edges[i]:
            if d not in remap:
                add(d, (remap[i], a))
                queue.append(d)
            new.edges.append((remap[i], a, remap[d]))
    return new
