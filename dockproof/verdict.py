"""Name the verdicts dockproof gives: one enum for a property, one for a conformance step.

Both are `StrEnum`s, so a verdict prints, compares and serialises as the word the reports have
always used (``PROVED``, ``pass``), while code matches on the member, never on a bare string.

>>> Verdict.PROVED == "PROVED", str(StepVerdict.KNOWN)
(True, 'known')
"""

from __future__ import annotations

from enum import StrEnum


class Verdict(StrEnum):
    """What an engine says of a property. UNKNOWN never counts as success."""

    PROVED = "PROVED"
    REFUTED = "REFUTED"
    UNKNOWN = "UNKNOWN"
    #: The engines gave different answers (a soundness alarm: never a pass).
    DISAGREE = "DISAGREE"

    @property
    def holds(self) -> bool:
        """Return whether the property is established (only PROVED is)."""
        return self is Verdict.PROVED


class StepVerdict(StrEnum):
    """What the conformance oracle says of one step of a run against an implementation."""

    PASS = "pass"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"
    #: A difference recorded in the divergences catalogue (an engine's known behaviour).
    KNOWN = "known"
