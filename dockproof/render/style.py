"""The visual language shared by every view and every format: actors, statuses, badges."""

from __future__ import annotations

from ..spec.model import ACTORS, Model
from ..spec.types import BoolType

#: One colour and one line style per actor, so a black-and-white print still tells them apart.
ACTOR_STYLE: dict[str, tuple[str, str]] = {
    "user": ("#1f5fbf", "solid"),
    "daemon": ("#1e8449", "dashed"),
    "kernel": ("#c0392b", "bold"),
    "process": ("#8e44ad", "dotted"),
}
ACTOR_MEANING = {
    "user": "a user's command (docker create/start/stop/...)",
    "daemon": "the daemon acting on its own (restart policy)",
    "kernel": "the host kernel (cgroups: OOM kill, hang)",
    "process": "the container's own processes (alloc, write, exit)",
}
assert tuple(ACTOR_STYLE) == ACTORS

#: Status fill colours, by the status's position in its enum (light, distinct, print-safe).
STATUS_FILLS = ("#f4f4f4", "#fde2c8", "#d5f0d5", "#d6e6fa", "#fff3b0", "#f6d1e0",
                "#e0d7f3", "#d9d9d9", "#cdeeee", "#f0e0c8")

#: The resources a container holds (design.md section 3), in the order badges show them.
DEFAULT_RESOURCES = ("cpu", "mem", "net", "proc", "fs")

HELD_FILL, HELD_TEXT = "#34495e", "#ffffff"
SOME_FILL, SOME_TEXT = "#aab7c4", "#1b2631"
NONE_TEXT = "#c8c8c8"
FOCUS_COLOUR = "#e67e22"


def resources(model: Model) -> tuple[str, ...]:
    """Return the model's resource variables: ``[conformance.resources]`` or the defaults.

    >>> from dockproof.builtin import default_model
    >>> from dockproof.spec.loader import load_model
    >>> resources(load_model(default_model()))
    ('cpu', 'mem', 'net', 'proc', 'fs')
    """
    declared = model.conformance.get("resources")
    if isinstance(declared, dict):  # [conformance.resources]: observed name -> variable
        names = tuple(v for v in declared.values() if isinstance(v, str))
    else:
        names = declared if isinstance(declared, list) else DEFAULT_RESOURCES
    bools = {v.name for v in model.state_vars if isinstance(v.type, BoolType)}
    return tuple(n for n in names if n in bools)


def status_fill(index: int) -> str:
    """Return the fill colour of the status with this enum index."""
    return STATUS_FILLS[index % len(STATUS_FILLS)]


def badge_text(badges: tuple[tuple[str, str], ...]) -> str:
    """Render badges as plain text: held ones by name, partly held with '~', others omitted.

    >>> badge_text((("cpu", "held"), ("mem", "some"), ("fs", "none")))
    'CPU ~MEM'
    """
    out = [("~" if how == "some" else "") + name.upper() for name, how in badges if how != "none"]
    return " ".join(out) or "-"
