"""What a log's reader knows of a container's configuration: `--config NAME=VALUE` for every
container, and the create event's labels ``<prefix>NAME=VALUE`` for one container. What is not
known stays open: every value of the parameter is possible (partial observation).

>>> from dockproof import builtin
>>> from dockproof.spec.loader import load_model
>>> m = load_model(builtin.resolve_model("docker"))
>>> known_of(m, {"policy": "always", "mem_limit": "true"}, Location("--config"))
((0, 2), (2, True))
"""

from __future__ import annotations

from ..errors import InputError, Location, did_you_mean
from ..spec.model import Model
from ..spec.types import BoolType, EnumType, IntType


def parse_assignments(items: list[str]) -> dict[str, str]:
    """Parse ``--config`` items (``NAME=VALUE``, each possibly comma-separated)."""
    out: dict[str, str] = {}
    for item in items:
        for part in filter(None, (x.strip() for x in item.split(","))):
            name, eq, value = (x.strip() for x in part.partition("="))
            if not eq or not name:
                raise InputError(Location("--config", None, part), "DP414",
                                 f"expected NAME=VALUE, got '{part}'",
                                 "e.g. --config policy=always --config mem_limit=true")
            out[name] = value
    return out


def known_of(model: Model, values: dict[str, str], where: Location,
             base: tuple = ()) -> tuple[tuple[int, int], ...]:
    """Return the (slot, value) pairs ``values`` fix, merged with ``base``; a contradiction
    with ``base`` or an unknown name or value is a located error."""
    params = {p.name: p for p in model.params}
    out = dict(base)
    for name, raw in values.items():
        if name not in params:
            raise InputError(where, "DP414", f"'{name}' is not a parameter of model "
                             f"'{model.name}'", did_you_mean(name, params)
                             or f"parameters: {', '.join(params)}")
        p = params[name]
        v = _value(p.type, raw)
        if v is None:
            raise InputError(where, "DP414", f"{name}={raw}: '{raw}' is not a value of "
                             f"{p.type}")
        if out.get(p.slot, v) != v:
            raise InputError(where, "DP414", f"{name}={raw} contradicts --config")
        out[p.slot] = v
    return tuple(sorted(out.items()))


def _value(t, raw: str):
    if isinstance(t, BoolType) and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    if isinstance(t, EnumType) and raw in t.members:
        return t.members.index(raw)
    if isinstance(t, IntType) and raw.isdigit() and t.lo <= int(raw) <= t.hi:
        return int(raw)
    return None


def labels_of(obj: dict, prefix: str) -> dict[str, str]:
    """Return the configuration a create event's labels carry (Docker: Actor.Attributes;
    Podman: Attributes), by parameter name."""
    attrs = obj.get("Actor", {}).get("Attributes") if "Actor" in obj else obj.get("Attributes")
    if not isinstance(attrs, dict):
        return {}
    return {k[len(prefix):]: str(v) for k, v in attrs.items()
            if isinstance(k, str) and k.startswith(prefix)}
