"""Build a diagram from a model file and the diagram command's choices; write any format."""

from __future__ import annotations

from pathlib import Path

from ..analysis.lint import load_checked
from ..engines.statespace import StateSpace
from ..errors import InputError, Location
from ..spec.model import Model
from . import states, views
from .ir import Diagram
from .select import find_state, load_trace, parse_config


def build(model_path: Path, view: str = "lifecycle", config: str | None = None,
          state: str | None = None, depth: int = 2, trace: Path | None = None,
          collapse: str = "auto", space: StateSpace | None = None) -> Diagram:
    """Load the model, explore it, and build the asked-for view."""
    session = load_checked(model_path)
    model = session.model
    space = space or session.space()
    cfg = parse_config(model, config)
    if view == "lifecycle":
        if cfg:
            raise InputError(Location("--config"), "DP741", "the lifecycle view shows every "
                             "configuration", "use --view full --config ...")
        return views.lifecycle(model, space)
    if view == "full":
        return _full(model, space, cfg, collapse, config)
    if view == "around":
        return _around(model, space, cfg, state, depth, collapse)
    if view == "trace":
        if trace is None:
            raise InputError(Location("--trace"), "DP741", "the trace view needs --trace FILE",
                             "write traces with dockproof check --trace-dir DIR")
        return states.trace(model, space, load_trace(model, space, trace), trace.name,
                            collapse)
    raise InputError(Location("--view"), "DP741", f"unknown view '{view}'")


def _full(model: Model, space: StateSpace, cfg, collapse: str, text) -> Diagram:
    if cfg and not any(all(s[k] == v for k, v in cfg.items()) for s in space.states):
        raise InputError(Location("--config", None, text), "DP733",
                         "no reachable state has this configuration")
    return states.full(model, space, cfg, collapse)


def _around(model: Model, space: StateSpace, cfg, state, depth: int, collapse) -> Diagram:
    if state is None:
        raise InputError(Location("--state"), "DP741", "the around view needs --state",
                         "an index, or a predicate such as \"status == 'paused'\"")
    if depth < 0:
        raise InputError(Location("--depth"), "DP741", f"depth must be 0 or more, not {depth}")
    return states.around(model, space, find_state(model, space, state, cfg), depth, collapse)


def write(d: Diagram, fmt: str) -> str | bytes:
    """Render a diagram in one format: text for dot/mermaid/json, bytes for images."""
    from .dot import to_dot
    if fmt == "dot":
        return to_dot(d)
    if fmt == "mermaid":
        from .mermaid import to_mermaid
        return to_mermaid(d)
    if fmt == "json":
        from .jsonout import to_json
        return to_json(d)
    from .image import render
    return render(to_dot(d), fmt, d.engine)
