"""Write a Diagram as JSON: nodes and edges with every attribute, for other tools."""

from __future__ import annotations

import json

from . import style
from .ir import Diagram


def to_json(d: Diagram) -> str:
    """Return the diagram as indented JSON with sorted keys (deterministic)."""
    doc = {
        "model": d.model, "view": d.view, "title": d.title, "notes": list(d.notes),
        "engine": d.engine, "resources": list(d.resources), "statuses": list(d.statuses),
        "groups": [{"id": g.id, "label": g.label, "parent": g.parent} for g in d.groups],
        "nodes": [{"id": n.id, "title": n.title,
                   "status": d.statuses[n.status] if n.status is not None and d.statuses
                   else None,
                   "badges": {r: how for r, how in n.badges}, "details": list(n.details),
                   "group": n.group, "initial": n.initial, "terminal": n.terminal,
                   "focus": n.focus, "frontier": n.frontier, "count": n.count,
                   "states": list(n.data.get("states", []))} for n in d.nodes],
        "edges": [{"source": e.src, "target": e.dst, "actor": e.actor,
                   "actions": list(e.actions), "trace_steps": list(e.steps),
                   "colour": style.ACTOR_STYLE[e.actor][0],
                   "line": style.ACTOR_STYLE[e.actor][1]} for e in d.edges],
    }
    return json.dumps(doc, indent=1, sort_keys=True) + "\n"
