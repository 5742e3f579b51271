"""Judge a run as a whole: its recorded-divergence verdicts, its exit status, the listing of
the transitions it took."""

from __future__ import annotations

from pathlib import Path

from ..outputs import write
from .coverage import Coverage
from .harness import Run


def write_transitions(path: Path, coverage: Coverage) -> None:
    """Write `Coverage.listing` as a tab-separated file with a header line."""
    rows = coverage.listing()
    lines = ["verdict\taction\tsource\ttarget"] + ["\t".join(r) for r in rows]
    write(path, "\n".join(lines) + "\n")


def known_verdicts(run: Run) -> dict | None:
    """Return the recorded-divergence verdicts of the run's engine (None: no catalogue)."""
    cat, engine = run.catalogue, run.engine
    if cat is None:
        return None
    return {"engine": engine, "file": cat.path, "occurred": dict(sorted(cat.occurred.items())),
            "entries": {e.id: e for e in cat.for_engine(engine)},
            "stale": [e.id for e in cat.stale(engine)],
            "unexercised": [e.id for e in cat.unexercised(engine)]}


def exit_status(run: Run, verdicts: dict | None, allow_known: bool) -> int:
    """Return 1 for a divergence, an inconclusive step, a stale entry or (without
    ``allow_known``) a known divergence; 3 for a run interrupted before its end; else 0."""
    if run.exit_code:
        return run.exit_code
    if verdicts is not None and verdicts["stale"]:
        return 1
    return 1 if run.known and not allow_known else 0
