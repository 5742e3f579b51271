"""Render the daemon for the REPL: status lines, ``docker ps``, ``docker events``, ``inspect``."""

from __future__ import annotations

import json
import re
from typing import Any

from .container import Container
from .daemon import Daemon
from .events import EPOCH_S, Event
from .inspection import ps_status, timestamp
from .sizes import InputError


def status_line(daemon: Daemon, c: Container) -> str:
    """Summarise one container: status, held resources, memory and the telling flags."""
    info = daemon.inspect(c.id)
    extra, state = info["Dockproof"], info["State"]
    held = " ".join(r.upper() for r in ("cpu", "mem", "net", "proc", "fs")
                    if r in extra["Resources"])
    limit = c.config.memory
    memory = f"{extra['MemoryUsage']}/{limit if limit is not None else '-'} units"
    parts = [c.name, c.status, held or "-", f"mem {memory}", f"exit {state['ExitCode']}",
             f"restarts {info['RestartCount']}"]
    if state["OOMKilled"]:
        parts.append("OOMKilled")
    if extra["Hung"]:
        parts.append("hung")
    if c.restart_due is not None:
        parts.append(f"restart due in {c.restart_due - daemon.clock_ms}ms")
    return "  ".join(parts)


def removed_line(name: str) -> str:
    """Summarise a container that no longer exists."""
    return f"{name}  none  -"


def event_short(event: Event) -> str:
    """Render one event compactly: ``+ die web exitCode=137``."""
    extra = " ".join(f"{k}={v}" for k, v in event.extra)
    return " ".join(p for p in ("+", event.action, event.name, extra) if p)


def event_default(event: Event) -> str:
    """Render one event as ``docker events`` prints it without ``--format``."""
    attrs = ", ".join(f"{k}={v}" for k, v in event.attributes().items())
    seconds = timestamp((event.time_nano // 1_000_000_000 - EPOCH_S) * 1000)[:19]
    when = f"{seconds}.{event.time_nano % 1_000_000_000:09d}Z"
    return f"{when} container {event.action} {event.container_id} ({attrs})"


def ps_table(daemon: Daemon, all: bool) -> list[str]:
    """Render ``docker ps [-a]`` with a RESOURCES column; newest container first."""
    rows = [("CONTAINER ID", "IMAGE", "STATUS", "NAMES", "RESOURCES")]
    for c in daemon.ps(all):
        held = " ".join(r.upper() for r in ("cpu", "mem", "net", "proc", "fs")
                        if r in c.resources(daemon.kernel))
        rows.append((c.id[:12], c.image, ps_status(c, daemon.clock_ms), c.name, held))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return ["   ".join([*(cell.ljust(w) for cell, w in zip(r[:4], widths)), r[4]]).rstrip()
            for r in rows]


def apply_format(template: str, data: Any) -> str:
    """Fill a Go-template subset: ``{{json .}}``, ``{{.State.Status}}``, ``{{json .State}}``.

    >>> apply_format("{{.State.Status}} {{json .Id}}", {"State": {"Status": "running"}, "Id": "a"})
    'running "a"'
    """
    def fill(match: re.Match[str]) -> str:
        as_json, path = match.group(1), match.group(2)
        value = data
        for key in [k for k in path.split(".") if k]:
            if not isinstance(value, dict) or key not in value:
                raise InputError(f"template: can't evaluate field {key}")
            value = value[key]
        if as_json or isinstance(value, (dict, list, bool)) or value is None:
            return json.dumps(value, separators=(",", ":"))
        return str(value)

    return re.sub(r"\{\{\s*(json\s+)?(\.[\w.]*)\s*\}\}", fill, template)

