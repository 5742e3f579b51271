"""Verdicts, results and traces: one shape for every engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..spec.model import Model

PROVED, REFUTED, UNKNOWN = "PROVED", "REFUTED", "UNKNOWN"


@dataclass(frozen=True)
class Trace:
    """A run of the model: the initial state, then (action, state) steps.

    ``steps[0]`` has action None. ``loop`` is the index a lasso returns to (liveness).
    """

    model: Model
    steps: tuple[tuple[str | None, tuple], ...]
    title: str = ""
    loop: int | None = None

    def __len__(self) -> int:
        return len(self.steps) - 1

    def __bool__(self) -> bool:
        return True  # a trace of zero steps (an initial state) is still a trace

    def render(self, indent: str = "  ") -> list[str]:
        """Render one line a step: index, action, actor, the variables that changed."""
        m = self.model
        lines = []
        prev = None
        width = max([len(a or "init") for a, _ in self.steps] + [4])
        for i, (action, s) in enumerate(self.steps):
            if prev is None:
                params = tuple(v.slot for v in m.params)
                state = tuple(v.slot for v in m.state_vars)
                cfg = m.render_state(s, params)
                lines.append(f"{indent}{i:>2}  {'init':<{width}}  {'':<7}  "
                             f"{m.render_state(s, state)}" + (f"  [{cfg}]" if cfg else ""))
            else:
                changed = tuple(k for k in range(len(s)) if s[k] != prev[k])
                actor = m.action(action).actor
                delta = m.render_state(s, changed) or "(no change)"
                lines.append(f"{indent}{i:>2}  {action:<{width}}  {actor:<7}  {delta}")
            if self.loop is not None and i == len(self.steps) - 1:
                lines.append(f"{indent}    ... and back to step {self.loop}, forever")
            prev = s
        return lines

    def to_itf(self, meta: dict[str, Any] | None = None) -> dict[str, Any]:
        """Return the trace in the Informal Trace Format (ITF), with the action per state."""
        m = self.model
        states = []
        for i, (action, s) in enumerate(self.steps):
            st: dict[str, Any] = {"#meta": {"index": i}}
            st.update(m.state_json(s))
            st["mbt::actionTaken"] = action or "init"
            st["mbt::actor"] = m.action(action).actor if action else "none"
            states.append(st)
        out: dict[str, Any] = {
            "#meta": {"format": "ITF", "source": m.path, "model": m.name,
                      "description": self.title, **(meta or {})},
            "vars": [v.name for v in m.variables],
            "params": [v.name for v in m.params],
            "states": states,
        }
        if self.loop is not None:
            out["loop"] = self.loop
        return out


@dataclass(frozen=True)
class Result:
    """One engine's answer for one property."""

    prop: str
    verdict: str
    engine: str
    bound: str
    seconds: float = 0.0
    traces: tuple[Trace, ...] = ()
    reason: str = ""
    certificate: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
