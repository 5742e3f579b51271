"""Print where a campaign stands (`--report`) and its run order (`--plan`), running nothing.

The report sums the ledger's current rows: configurations done/total, commands run,
transitions and states covered/total (checked first: the configurations' graphs partition the
model's graph, Σ per configuration == the whole graph), every divergence with its replay
command, the recorded divergences by id, the time spent and an estimate of the time left,
and the stale rows.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .estimate import full_run, time_left
from .ledger import is_current, latest, positions_of, read_ledger, stale_reason, standing, unlisted
from .listing import row_verdicts, twin_verdicts
from .planner import Plan, part_of
from .text import hours, pct, shown


def report(p: Plan, ledger: Path, adapter: str, unsupported: dict, out=sys.stdout,
           err=sys.stderr) -> int:
    """Print the aggregate of the ledger for the current model, divergences file and adapter."""
    rows = read_ledger(ledger, err)
    now = latest(rows, p, adapter)
    done = [now[c.id] for c in p.selected if now.get(c.id, {}).get("status") == "done"]
    stand = {c.id: standing(now, c) for c in p.selected}  # once per configuration
    twinned = [(c, *stand[c.id]) for c in p.selected
               if now.get(c.id, {}).get("status") != "done" and stand[c.id][1]]
    other = [now[c.id] for c in p.selected if c.id in now and now[c.id]["status"] != "done"
             and not stand[c.id][1]]
    left, classes_left = [], set()
    for c in p.selected:  # one per class of twins: the first (smallest tour) runs, not the rest
        r = stand[c.id][0]
        if (r is None or r["status"] != "done") and c.twin_class not in classes_left:
            classes_left.add(c.twin_class)
            left.append(c)
    w = out.write
    w(f"ledger {shown(ledger)}: {len(rows)} rows; adapter {adapter}\n")
    w(f"model {p.model_name} {shown(p.model_path)} hash {p.model_hash}; divergences "
      f"{shown(p.divergences) if p.divergences else '(none)'} hash {p.divergences_hash}\n")
    if p.only:
        w(f"only: {p.only}\n")
    ok, line = p.partition()
    w(("" if ok else "WARNING: ") + line + "\n")
    w(f"configurations: {len(done) + len(twinned)}/{len(p.selected)} done")
    if twinned:
        w(f" ({len(done)} run, {len(twinned)} by an observationally equivalent twin's run)")
    if other:
        kinds = {}
        for r in other:
            kinds[r["status"]] = kinds.get(r["status"], 0) + 1
        w(" (" + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) + " not done)")
    w("\n")
    classes = {c.twin_class for c in p.selected}
    if len(classes) < len(p.selected):
        w(f"  twins: the {len(p.selected)} configurations form {len(classes)} classes that an "
          "implementation cannot tell apart (observational bisimulation of the graph under "
          "the [conformance] mapping and the engine's divergence entries); within a class "
          f"they differ in {', '.join(p.twin_params)}; a run of one counts for its class\n")
        w(twins_both_run(p, now, unsupported))
    verdicts: dict[str, int] = {}
    for r in done:
        verdicts[r["verdict"]] = verdicts.get(r["verdict"], 0) + 1
    if verdicts:
        w("  verdicts: " + ", ".join(f"{n} {v}" for v, n in sorted(verdicts.items())) + "\n")
    steps = {k: sum(r["steps"][k] for r in done) for k in
             ("total", "pass", "known", "fail", "inconclusive")}
    planned_all = sum(c.commands for c in p.selected)
    w(f"commands run: {steps['total']:,} ({steps['pass']:,} pass, {steps['known']:,} known, "
      f"{steps['fail']} fail, {steps['inconclusive']} inconclusive); planned tour of the "
      f"selection {planned_all:,}\n")
    _coverage(w, p, now, done, twinned, unsupported)
    _findings(w, p, done, other)
    versions = sorted({f"{r.get('engine')} {r.get('engine_version')}" for r in done})
    if versions:
        w("engine: " + ", ".join(versions) + ("  (MIXED VERSIONS)" if len(versions) > 1
                                              else "") + "\n")
    spent = sum(r["wall_seconds"] for r in done + other)
    w(f"time spent: {hours(spent)} ({hours(sum(r['wall_seconds'] for r in done))} in done "
      "configurations)\n")
    w(time_left(p, done, left) + "\n")
    if done:
        w(full_run(p, now, done) + "\n")
    stale = [r for r in rows if not is_current(r, p, adapter)]
    if stale:
        reasons: dict[str, list[dict]] = {}
        for r in stale:
            reasons.setdefault(stale_reason(r, p, adapter), []).append(r)
        w(f"stale rows (kept in the ledger, not counted above): {len(stale)}\n")
        for k, rs in sorted(reasons.items()):
            dates = sorted(r.get("date", "?") for r in rs)
            w(f"  {len(rs)} of an {k}, {dates[0]} .. {dates[-1]}\n")
    return 0


def _coverage(w, p: Plan, now: dict[str, dict], done: list[dict], twinned: list,
              unsupported: dict) -> None:
    """Write the transitions and states covered, which ones are listed, why the others are
    not covered, and the coverage per model action."""
    cov_t = sum(r["transitions"][0] for r in done)
    cov_s = sum(r["states"][0] for r in done)
    sel_t = sum(c.transitions for c in p.selected)
    sel_s = sum(c.states for c in p.selected)
    tw_c, unlisted_twins = 0, 0
    for c, row, via in twinned:
        twin = part_of(p, p.by_id[via], unsupported)
        says = row_verdicts(twin, row, full=False)
        if says is None:
            unlisted_twins += 1
            continue
        tw_c += twin_verdicts(p, c, via, twin, says, part_of(p, c, unsupported)).count("covered")
    cov_t += tw_c
    w(f"transitions covered: {cov_t:,}/{sel_t:,} ({pct(cov_t, sel_t)}) of the selection"
      + (f", {tw_c:,} of them as the same experiment in a twin's run" if twinned else "")
      + (f" ({unlisted_twins} configurations done by a twin whose row does not list its "
         "transitions are not counted)" if unlisted_twins else "")
      + f"; the whole graph has {p.global_transitions:,}\n")
    w(f"states covered: {cov_s:,}/{sel_s:,} ({pct(cov_s, sel_s)})"
      + (" (run configurations only)" if twinned else "") + "\n")
    counted = [(c, standing(now, c, listed=True)) for c in p.selected]
    counted = [(c, r, via) for c, (r, via) in counted if r and r["status"] == "done"]
    listed = [(c, via) for c, r, via in counted if not unlisted(r)]
    classes_unlisted = {c.twin_class for c, r, _via in counted if unlisted(r)}
    # listed by a twin's run although the configuration ran too (its row predates edge
    # lists): its count above is its own run's, its listing the twin's
    also_ran = sum(1 for c, via in listed if via and (now.get(c.id) or {}).get("status") == "done")
    w(f"  which transitions: listed for {len(listed)} of the {len(counted)} done "
      f"configurations ({sum(1 for _c, via in listed if via)} by a twin's run"
      + (f"; {also_ran} of those ran too, before rows listed transitions: the count above "
         "is their own run's, the listing their twin's, which can differ where the "
         "engine's timing decides" if also_ran else "") + "); --report "
      "--transitions FILE writes them all" + (
          f"; --retry-unlisted runs {len(classes_unlisted)} configurations again, one per "
          "class of twins none of whose runs lists them" if classes_unlisted else "") + "\n")
    why: dict[str, int] = {}
    for r in done:
        for k, n in (r.get("uncovered") or {}).items():
            why[k] = why.get(k, 0) + n
    for k, n in sorted(why.items(), key=lambda kv: -kv[1]):
        w(f"  not covered in done configurations, {k}: {n:,}\n")
    per_action: dict[str, list[int]] = {}
    for r in done:
        for a, (c, t) in (r.get("actions") or {}).items():
            got = per_action.setdefault(a, [0, 0])
            got[0] += c
            got[1] += t
    if per_action:
        n = sum(1 for r in done if r.get("actions"))
        w(f"  per action ({n} of {len(done)} done configurations record it): " + ", ".join(
            f"{a} {c:,}/{t:,}" for a, (c, t) in sorted(per_action.items()) if t) + "\n")
    bad = [(r["config_id"], r["transitions"][1], p.by_id[r["config_id"]].transitions)
           for r in done if r["transitions"][1] != p.by_id[r["config_id"]].transitions]
    if bad:  # the runs' own totals must be their parts of the graph, or the sums mean nothing
        w(f"WARNING: {len(bad)} runs counted a graph of another size than planned:\n")
    for cid, got, want in bad:
        w(f"WARNING: {cid}: the run counted {got} transitions, its part of the graph has "
          f"{want}\n")


def _findings(w, p: Plan, done: list[dict], other: list[dict]) -> None:
    """Write the divergences with their replay, the inconclusive steps with what they waited
    for, the recorded divergences met, the stale entries and the runs not done."""
    fails = [r for r in done if r["verdict"] == "diverged"]
    w(f"divergences: {len(fails)}\n")
    for r in fails:
        w(f"  {r['config_id']} ({r['date']}): {r['steps']['total']:,} steps before it\n"
          f"    replay: {r.get('replay')}\n")
        for reason in r.get("divergence_reasons") or ():
            w(f"    - {reason}\n")
    for r in [x for x in done if x["steps"]["inconclusive"]]:
        w(f"  inconclusive steps: {r['steps']['inconclusive']} in {r['config_id']} "
          f"({r['date']})\n")
        for step in r.get("inconclusive_steps") or ():
            w(f"    at {step['segment']}.{step['step']} `{step['command']}`: {step['note']}\n")
            if step.get("evidence"):
                w("      kernel: " + "; ".join(f"{k}: {v}" for k, v in step["evidence"].items())
                  + "\n")
    known: dict[str, list[int]] = {}
    for r in done:
        for kid, n in (r.get("known") or {}).items():
            k = known.setdefault(kid, [0, 0])
            k[0] += n
            k[1] += 1
    w(f"known divergences: {sum(k[0] for k in known.values()):,}\n")
    for kid, (n, cfgs) in sorted(known.items(), key=lambda kv: -kv[1][0]):
        w(f"  {kid}: {n:,} steps in {cfgs} configurations\n")
    stale_entries = sorted({e for r in done for e in r.get("stale_entries") or []})
    if stale_entries:
        w("stale divergence entries (applied, then conformed): " + ", ".join(stale_entries)
          + "\n")
    for r in other:
        w(f"  {r['status']}: {r['config_id']} after {r['wall_seconds']:.0f} s (exit "
          f"{r['exit_code']}, {r['date']})\n")


def twins_both_run(p: Plan, now: dict[str, dict], unsupported: dict) -> str:
    """Say how the classes of twins of which two members ran (before twins were run once, or
    with --all-twins) compare on the engine: their verdicts, and the experiments (`class_edge`)
    their listed runs covered: in both, or in one only (a run of either could meet what the
    engine's timing gives only sometimes). Empty when no class has two done members."""
    pairs = agree = 0
    both = one = 0
    for c in p.selected:
        a = now.get(c.id)
        b = next((now[t] for t in c.twins if now.get(t, {}).get("status") == "done"), None)
        if b is None or a is None or a.get("status") != "done" or c.id > b["config_id"]:
            continue  # each pair once: from its member with the smaller id
        pairs += 1
        agree += a["verdict"] == b["verdict"]
        if unlisted(a) or unlisted(b) or "covered_edges" not in a or "covered_edges" not in b:
            continue
        eq = p.equivalence
        got = []
        for row, cfg in ((a, c), (b, p.by_id[b["config_id"]])):
            oracle, rows = part_of(p, cfg, unsupported)
            got.append({eq.class_edge(oracle.space.states, rows[k][0])
                        for k in positions_of(row["covered_edges"])})
        both += len(got[0] & got[1])
        one += len(got[0] ^ got[1])
    if not pairs:
        return ""
    return (f"  twins both run: {pairs} classes; the same verdict in {agree}; the experiments "
            f"their listed runs covered: {both:,} by both, {one:,} by one only\n")


def print_plan(p: Plan, ledger: Path, adapter: str, out=sys.stdout, err=sys.stderr) -> int:
    """Print the selected configurations in run order with their planned commands,
    transitions and ledger status (``twin``: done by a twin's run)."""
    now = latest(read_ledger(ledger, err), p, adapter)
    for n, c in enumerate(p.selected, 1):
        r, via = standing(now, c)
        mark = "twin" if via else r["status"] if r else "-"
        out.write(f"{n:>3}  {c.commands:>6,}  {c.transitions:>6,}  {mark:<8} {c.id}\n")
    out.write(f"     {sum(c.commands for c in p.selected):>6,}  "
              f"{sum(c.transitions for c in p.selected):>6,}  (planned commands, transitions; "
              f"{len(p.selected)} configurations)\n")
    return 0
