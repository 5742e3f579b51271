"""One campaign session: run the pending configurations, smallest first, within a budget.

A configuration is pending when the ledger has no current done row of it or of a twin (and,
when asked, when its row timed out, diverged, was inconclusive or does not list its covered
transitions). Each run is appended to the ledger as it ends; an interrupt ends the running
child cleanly and records nothing for it.
"""

from __future__ import annotations

import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from .estimate import Rates
from .keys import MODEL_KEY, divergences_file, entries_hash
from .ledger import append_row, latest, read_ledger, standing, unlisted
from .planner import Config, Plan
from .runner import Interrupted, Runner, child_argv, row_of
from .text import shown

#: Default per-configuration time limit: this much, plus SECONDS_PER_COMMAND per planned
#: command (the slowest single-configuration rate measured was 1.2 commands/s, a restart-policy
#: tour before the back-off cut; 0.5 command/s leaves room).
BASE_LIMIT = 300.0
SECONDS_PER_COMMAND = 2.0
#: Stop the session after this many engine failures in a row (exit 3 from the child).
MAX_ERRORS = 2


def pending(args, p: Plan, now: dict[str, dict]) -> tuple[list[Config], int]:
    """Return the selected configurations to run, and how many count by a twin's run."""
    out, by_twin = [], 0
    for c in p.selected:
        r, via = standing(now, c, listed=args.retry_unlisted)
        if via is not None:
            if not args.all_twins:
                by_twin += 1  # its twin's run is its run (retried, if asked, as the twin)
                continue
            r = now.get(c.id)  # its own row decides
        if r is not None and (r["status"] == "done"
                              or (r["status"] == "timeout" and not args.retry_timeouts)):
            if not (args.retry_diverged and r.get("verdict") in ("diverged", "inconclusive")) \
                    and not (args.retry_unlisted and unlisted(r)):
                continue
        out.append(c)
    return out, by_twin


def session(args, p: Plan, ledger: Path, out=sys.stdout, err=sys.stderr) -> int:
    """Run the pending configurations of the selection, smallest first, within the budget."""
    now = latest(read_ledger(ledger, err), p, args.adapter)
    todo, by_twin = pending(args, p, now)
    skipped = len(p.selected) - len(todo)
    out.write(f"{p.model_name} (model hash {p.model_hash}, divergences hash "
              f"{p.divergences_hash}) on {args.adapter}: {len(p.selected)} configurations"
              f"{' (only ' + p.only + ')' if p.only else ''}, {skipped} already recorded, "
              f"{len(todo)} to run; ledger {shown(ledger)}\n")
    if by_twin:
        out.write(f"  (of those recorded, {by_twin} by an observationally equivalent twin's "
                  f"run: they differ in {', '.join(p.twin_params)}, which the engine cannot "
                  "see; --all-twins runs them too)\n")
    runner = Runner(err)
    runner.install()
    t0 = time.monotonic()
    worst, errors = 0, 0
    done = [r for r in now.values() if r["status"] == "done"]
    rates = Rates(p, done)
    ran_here: set[str] = set()  # configurations done in this session
    for k, c in enumerate(todo, 1):
        if runner.signal is not None:
            out.write(f"interrupted ({signal.Signals(runner.signal).name})\n")
            return 128 + runner.signal
        ran = next((t for t in c.twins if t in ran_here), None)
        if ran is not None and not args.all_twins:
            out.write(f"[{k}/{len(todo)}] {c.id}: done by its twin's run this session "
                      f"({ran})\n")
            continue
        if args.budget is not None:
            left = args.budget * 60 - (time.monotonic() - t0)
            need = rates.seconds(c)
            if left <= 0:
                out.write(f"budget of {args.budget:g} min spent: {len(todo) - k + 1} "
                          "configurations left for the next session\n")
                break
            if need is not None and need > left:
                out.write(f"budget of {args.budget:g} min: {left / 60:.0f} min left, and the "
                          f"next configuration takes about {need / 60:.0f} min at the measured "
                          f"rate: {len(todo) - k + 1} configurations left for the next "
                          "session\n")
                break
        limit = args.timeout * 60 if args.timeout else BASE_LIMIT + SECONDS_PER_COMMAND * c.commands
        div_hash = entries_hash(divergences_file(p.model_path, p.model_name), p.engine)
        if div_hash != p.divergences_hash:
            err.write(f"the divergences file changed during the session (hash {div_hash}, "
                      f"planned with {p.divergences_hash}): stopping; start again\n")
            return 1
        out.write(f"[{k}/{len(todo)}] {c.id} ({c.commands:,} planned commands, limit "
                  f"{limit / 60:.1f} min)\n")
        out.flush()
        listing = Path(tempfile.mkdtemp(prefix="dockproof-tour.")) / "transitions.tsv"
        try:
            code, stdout, stderr, seconds, timed_out = runner.run(
                child_argv(p, c, args.adapter, args.jobs, listing), limit)
            row = row_of(p, c, args.adapter, args.jobs, div_hash, code, stdout, stderr,
                         seconds, timed_out, limit, listing)
        except Interrupted as exc:
            name = signal.Signals(exc.args[0]).name
            out.write(f"interrupted ({name}): nothing recorded for {c.id}\n")
            return 128 + exc.args[0]
        finally:
            shutil.rmtree(listing.parent, ignore_errors=True)
        append_row(ledger, row)
        out.write("  " + row_line(row) + "\n")
        if row["status"] == "done":
            ran_here.add(c.id)
            done.append(row)
            rates = Rates(p, done)
        out.flush()
        if row["status"] == "error":
            err.write(row.get("stderr_tail", "") + "\n")
            if code == 2:
                err.write("error: the child refused its command line (exit 2): stopping\n")
                return 3
            errors += 1
            if errors >= MAX_ERRORS:
                err.write(f"error: {errors} configurations in a row failed on the engine: "
                          "stopping\n")
                return 3
            continue
        errors = 0
        if row[MODEL_KEY] != p.model_hash:
            err.write(f"the model changed during the session (hash {row[MODEL_KEY]}, planned "
                      f"for {p.model_hash}): stopping; start again to plan for it\n")
            return 1
        if row["status"] == "timeout" or row["verdict"] in ("diverged", "inconclusive"):
            worst = 1
    return worst


def row_line(row: dict) -> str:
    """Say in a line (two with a replay) how one configuration's run went."""
    if row["status"] != "done":
        return f"{row['status']} (exit {row['exit_code']}) after {row['wall_seconds']:.0f} s"
    s = row["steps"]
    t = row["transitions"]
    known = f", known {s['known']}" if s["known"] else ""
    line = (f"{row['verdict']}: {s['total']:,} steps ({s['pass']:,} pass{known}, {s['fail']} "
            f"fail, {s['inconclusive']} inconclusive), transitions {t[0]:,}/{t[1]:,}, "
            f"{row['wall_seconds']:.1f} s")
    if row.get("replay"):
        line += f"\n  replay: {row['replay']}"
    return line
