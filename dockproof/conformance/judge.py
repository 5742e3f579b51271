"""Judge one step's answer against the model: the segment it is part of (`Walk`), the
outcome's problem, the states the observation may show, the first that matches it, and the
reasons a step diverged."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..sut.contract import Adapter, Observation, Outcome
from .coverage import Coverage
from .mapping import Mismatch, compare
from .oracle import Edge, Oracle, Response, Segment, error_pattern


@dataclass
class Walk:
    """One segment being run on an adapter: what the judge of each step reads and adds to."""

    n: int                 # the segment's index in the test
    seg: Segment           # its reset and steps (those run so far, for Hypothesis)
    adapter: Adapter
    cov: Coverage          # the transitions passed through
    trail: list[tuple[str | None, int]]  # the model's (action, state) steps
    ignore: set[str] = field(default_factory=set)  # fields known divergences took out

    def follow(self, oracle: Oracle, edges: Iterable[Edge]) -> None:
        """Add the model's steps along ``edges`` to the trail."""
        self.trail.extend((oracle.model.actions[e[1]].name, e[2]) for e in edges)


def outcome_problem(r: Response, outcome: Outcome, verb: str) -> str | None:
    """Return what is wrong with the implementation's answer to ``verb`` (accepted, refused,
    the refusal's text), or None when the model allows it."""
    if r.accepted and not outcome.ok:
        return f"the model accepts '{verb}' here; the implementation refused it: " \
               f"{outcome.error!r}"
    if r.kind == "refused" and outcome.ok:
        return f"the model refuses '{verb}' here; the implementation accepted it"
    if not outcome.ok and r.errors:
        if not any(error_pattern(e).search(outcome.error or "") for e in r.errors):
            return f"error text: expected {' or '.join(map(repr, r.errors))}, " \
                   f"got {outcome.error!r}"
    return None


def outcome_field(r: Response, outcome: Outcome) -> str | None:
    """Return which part of the answer differs: ``outcome`` (accepted versus refused),
    ``error`` (the refusal's text), or None."""
    if r.accepted != outcome.ok and not (r.kind == "quiet" and outcome.ok):
        return "outcome"
    if not outcome.ok and r.errors and not any(
            error_pattern(e).search(outcome.error or "") for e in r.errors):
        return "error"
    return None


def unsure_note(observed: Observation) -> str:
    """Return an inconclusive observation's note: the adapter's own words when its flag
    ``inconclusive`` carries them, else that its time window elapsed."""
    why = observed.flags.get("inconclusive")
    return f"the adapter's time window elapsed: {why}" if isinstance(why, str) and why \
        else "the adapter's time window elapsed"


def candidates(o: Oracle, r: Response) -> list[tuple[int, tuple]]:
    """List the states the observation after settle() may show, nearest first: the closure
    under internal actions, less the transient states (a settle action is still due)."""
    seen: dict[int, tuple] = {}
    for dst, edges in r.posts:
        for j, path in o.closure(dst):
            if j not in seen:
                seen[j] = edges + path
    stable = [(j, p) for j, p in seen.items() if o.transient(j) is None]
    return stable or list(seen.items())


def match(o: Oracle, candidates, observed: Observation, ignore: frozenset[str] = frozenset()):
    """Return the first candidate (state, edges) whose expectation the observation meets."""
    expected = o.expected
    for j, edges in candidates:
        if not compare(expected[j], observed, ignore):
            return j, edges
    return None


def reasons(o: Oracle, r: Response, candidates, outcome: Outcome, observed: Observation,
             bad_outcome: str | None) -> list[str]:
    """List why a step diverged: the outcome's problem, then the observation's mismatches
    against the nearest settled candidate."""
    out = [bad_outcome] if bad_outcome else []
    nearest = o.settled(candidates[0][0])
    if nearest not in dict(candidates):
        nearest = candidates[0][0]
    mismatches: list[Mismatch] = compare(o.expected[nearest], observed)
    out.extend(f"observation {m}" for m in mismatches)
    if not out:
        out.append("the observation matches no state the model allows here")
    return out
