"""What deciding a goal found, shared by every stage of the smt engine."""

from __future__ import annotations

from dataclasses import dataclass

from ..result import Trace


@dataclass
class Decision:
    """What deciding a goal found: ``reachable`` (with a trace), ``unreachable`` or
    ``unknown``."""

    status: str
    bound: str
    trace: Trace | tuple[Trace, ...] | None = None
    certificate: str | None = None
    reason: str = ""


def unknown(solver, stage: str, timeout_ms: int) -> Decision:
    """Say why Z3 answered unknown at ``stage`` (a timeout in the user's words)."""
    why = solver.reason_unknown() or "no reason given"
    if timeout_ms and why in ("canceled", "timeout"):
        why = f"timed out (--timeout {timeout_ms / 1000:g} s)"
    return Decision("unknown", stage, reason=f"Z3 answered unknown at {stage}: {why}")
