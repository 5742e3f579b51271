"""The campaign's ledger: one JSON line per configuration run, appended, never rewritten.

A configuration is *done* when the ledger has a complete run of it (a report was read) that is
current (`is_current`): about the plan's model (its semantic digest, `keys.model_digest`), the
divergence entries that can apply in it, and the same adapter. Rows that are not current stay
in the ledger and are shown as stale. A run stopped at its time limit is a ``timeout`` row, an
engine that failed an ``error`` row: neither is done.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from .keys import CFG_DIV_KEY, DIV_KEY, MODEL_KEY, SEMANTIC_KEY, aliases
from .planner import Config, Plan


def read_ledger(path: Path, err=sys.stderr) -> list[dict]:
    """Read the ledger's rows; a line that is not a JSON object (a torn write) is skipped,
    with a warning. A row from before semantic digests gets the one the `keys.ALIASES` file
    beside the ledger maps its model file's hash to (in memory only)."""
    if not path.is_file():
        return []
    digests = aliases(path)
    rows = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            row = None
        if not isinstance(row, dict) or "config" not in row:
            err.write(f"warning: {path}:{n}: not a ledger row, skipped\n")
            continue
        if SEMANTIC_KEY not in row and row.get(MODEL_KEY) in digests:
            row[SEMANTIC_KEY] = digests[row[MODEL_KEY]]
        rows.append(row)
    return rows


def append_row(path: Path, row: dict) -> None:
    """Append one row as one write of one line, flushed to disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(row, sort_keys=True) + "\n")
        f.flush()
        os.fsync(f.fileno())


def same_model(row: dict, p: Plan) -> bool:
    """Return whether ``row`` ran the plan's model: its semantic digest, or (a row from
    before them, without an alias) the same model file."""
    if row.get(SEMANTIC_KEY) is not None:
        return row[SEMANTIC_KEY] == p.model_key
    return row.get(MODEL_KEY) == p.model_hash


def is_current(row: dict, p: Plan, adapter: str) -> bool:
    """Return whether ``row`` counts for this model, divergence entries and adapter.

    The entries that matter are those that can apply in the row's configuration
    (`keys.config_entries_hashes`): a row stays current when only entries that never hold
    there change. A row whose every step conformed (no known divergence, no failure, no
    inconclusive step, no stale entry) stays current whatever the entries: entries are
    consulted only for a step that differs from the model (to explain it, to take fields out
    of later comparisons, to carry over an unobserved step), so such a run never depended on
    them. Whether a *new* entry is stale is then judged by the rows run after it.
    """
    if not same_model(row, p) or row.get("adapter") != adapter:
        return False
    if row.get(DIV_KEY) == p.divergences_hash or entry_free(row):
        return True
    # a row judged with the engine's entries E keeps counting when E is exactly what can apply
    # in its configuration now: what could apply then was E's part that can apply, all of E
    c = p.by_id.get(row.get("config_id"))
    return c is not None and c.entries_hash in (row.get(CFG_DIV_KEY), row.get(DIV_KEY))


def entry_free(row: dict) -> bool:
    """Return whether a done row's run never needed a divergence entry (see `is_current`)."""
    s = row.get("steps") or {}
    return (row.get("status") == "done" and row.get("verdict") == "conformed"
            and not row.get("known") and not row.get("stale_entries")
            and s.get("known") == 0 and s.get("fail") == 0 and s.get("inconclusive") == 0)


def stale_reason(row: dict, p: Plan, adapter: str) -> str:
    """Say why a row that is not current does not count."""
    if not same_model(row, p):
        return f"older model (hash {row.get(MODEL_KEY)})"
    if row.get(CFG_DIV_KEY) is not None:
        return (f"older divergence entries about its configuration (hash "
                f"{row.get(CFG_DIV_KEY)})")
    if row.get(DIV_KEY) != p.divergences_hash:
        return f"older divergences file (hash {row.get(DIV_KEY)})"
    return f"another adapter ({row.get('adapter')})"


def latest(rows: list[dict], p: Plan, adapter: str) -> dict[str, dict]:
    """Return, per configuration id, its current rows' outcome: a done row if any (the
    latest), else the latest timeout or error row."""
    out: dict[str, dict] = {}
    for row in rows:
        if not is_current(row, p, adapter):
            continue
        cid = row["config_id"]
        if out.get(cid, {}).get("status") == "done" and row.get("status") != "done":
            continue
        out[cid] = row
    return out


def standing(now: dict[str, dict], c: Config, listed: bool = False
             ) -> tuple[dict | None, str | None]:
    """Return the row ``c`` counts by, and the twin's id when it is a twin's: its own done
    row first, else the first done twin's (`planner.twin_classes`: a run of a twin is a run
    of it), else its own latest row (timeout, error) or None. ``listed``: a twin's row that
    lists its covered transitions goes before an own done row that does not (`unlisted`)."""
    own = now.get(c.id)
    done = [(t, now[t]) for t in c.twins if now.get(t, {}).get("status") == "done"]
    if own is not None and own["status"] == "done":
        if listed and unlisted(own):
            return next(((r, t) for t, r in done if not unlisted(r)), (own, None))
        return own, None
    return (done[0][1], done[0][0]) if done else (own, None)


def unlisted(row: dict) -> bool:
    """Return whether a done row covered transitions but does not say which."""
    return row.get("status") == "done" and "covered_edges" not in row \
        and (row.get("transitions") or [0])[0] > 0


def runs_of(positions: list[int]) -> list[list[int]]:
    """Compress sorted positions into [first, count] runs (a row's `covered_edges`).

    >>> runs_of([0, 1, 2, 5, 7, 8])
    [[0, 3], [5, 1], [7, 2]]
    """
    out: list[list[int]] = []
    for k in positions:
        if out and out[-1][0] + out[-1][1] == k:
            out[-1][1] += 1
        else:
            out.append([k, 1])
    return out


def positions_of(runs: list[list[int]]) -> list[int]:
    """Expand `runs_of` again.

    >>> positions_of([[0, 3], [5, 1], [7, 2]])
    [0, 1, 2, 5, 7, 8]
    """
    return [first + i for first, count in runs for i in range(count)]
