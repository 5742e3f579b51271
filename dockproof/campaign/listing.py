"""What the ledger says of each transition: a row's covered transitions, and a twin's.

A done row lists the transitions its run covered as positions (`ledger.runs_of`) in the
`coverage.ordered` order of its configuration's part of the graph; a configuration done by
a twin's run gets, for each of its transitions, the twin's verdict of the same experiment.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dockproof.conformance.coverage import Coverage
from dockproof.outputs import write

from .ledger import latest, positions_of, read_ledger, standing, unlisted
from .planner import Config, Plan, part_of
from .text import shown

KINDS = ("covered", "not covered", "not run", "not listed")


def twin_verdicts(p: Plan, c: Config, via: str, twin: tuple, twin_says: list[str],
                  mine: tuple) -> list[str]:
    """Return, for each transition of ``c`` (``mine``: its `part_of`), what the run of its
    twin ``via`` says of it (``twin``: the twin's `part_of`; ``twin_says``: its verdict per
    transition, as `Coverage.listing` words them). A transition is the experiment (block,
    action, block) of the equivalence: it is covered when the twin's run covered a transition
    that is the same experiment, else it gets the twin's verdict of one that is."""
    eq = p.equivalence
    t_oracle, t_rows = twin
    says: dict[tuple, str] = {}
    for (e, _text), v in zip(t_rows, twin_says):
        k = eq.class_edge(t_oracle.space.states, e)
        if says.get(k) != "covered":
            says[k] = v
    oracle, rows = mine
    out = []
    for e, _text in rows:
        k = eq.class_edge(oracle.space.states, e)
        if k not in says:  # a bisimulation matches every transition: never
            raise AssertionError(f"{c.id}: transition {e} is no experiment of its twin {via}")
        out.append(says[k])
    return out


def row_verdicts(part: tuple, row: dict | None, full: bool = True) -> list[str] | None:
    """Return the verdict of each transition of a configuration's part (`part_of`) by its
    done row, as `Coverage.listing` words them (``full`` false: only ``covered`` or ``not
    covered``, without the costlier why); None when the row is not done or does not list
    its transitions."""
    if row is None or row.get("status") != "done":
        return None
    oracle, rows = part
    if "covered_edges" not in row:
        if unlisted(row):
            return None
        row = {**row, "covered_edges": []}  # nothing covered: nothing to list
    covered = set(positions_of(row["covered_edges"]))
    if not full:
        return ["covered" if k in covered else "not covered" for k in range(len(rows))]
    cov = Coverage(oracle)
    cov.edges = {rows[k][0] for k in covered}
    for ids, runs in (row.get("diverted_edges") or {}).items():
        cov.divert((rows[k][0] for k in positions_of(runs)), ids.split(", "))
    return [verdict for verdict, *_text in cov.listing(rows)]


def write_transitions(path: Path, p: Plan, ledger: Path, adapter: str, unsupported: dict,
                      out=sys.stdout, err=sys.stderr) -> None:
    """Write every transition of the selection with what the ledger's current rows say of it
    (`--report --transitions FILE`): each configuration's graph is explored again and its
    row's `covered_edges` are positions in `coverage.ordered` order of that graph; a
    configuration done by a twin's run gets the twin's verdicts (`twin_verdicts`), marked."""
    now = latest(read_ledger(ledger, err), p, adapter)
    lines = ["configuration\tverdict\taction\tsource\ttarget"]
    counts = dict.fromkeys(KINDS, 0)
    for c in p.selected:
        row, via = standing(now, c, listed=True)
        mine = part_of(p, c, unsupported)
        if via is None:
            says = row_verdicts(mine, row)
        else:
            twin = part_of(p, p.by_id[via], unsupported)
            says = row_verdicts(twin, row)
            if says is not None:
                says = [f"{v} (its twin's run: {via})"
                        for v in twin_verdicts(p, c, via, twin, says, mine)]
        if says is None:
            word = "not run" if (row or {}).get("status") != "done" else \
                "not listed (its row predates edge lists: run it again to list them)"
            says = [word] * len(mine[1])
        for v, (_e, text) in zip(says, mine[1]):
            counts[next(k for k in KINDS if v.startswith(k))] += 1
            lines.append("\t".join([c.id, v, *text]))
    write(path, "\n".join(lines) + "\n")
    out.write(f"wrote {shown(path)}: {sum(counts.values()):,} transitions: "
              + ", ".join(f"{v:,} {k}" for k, v in counts.items()) + "\n")
