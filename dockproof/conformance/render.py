"""Show a conformance run: the summary table, the divergence, JSON, JUnit XML and ITF."""

from __future__ import annotations

import shlex
from typing import Any, TextIO

from ..engines.result import Trace
from ..outputs import Case
from ..spec.locate import line_of
from ..verdict import StepVerdict
from .coverage import percent
from .harness import Divergence, JudgedStep, Run
from .oracle import Oracle


def verdict_word(run: Run) -> str:
    """Return ``conformed``, ``diverged``, ``inconclusive``, ``interrupted`` (the steps run
    before Ctrl-C conformed, but the test did not end) or ``known divergences``."""
    if run.divergence is not None:
        return "diverged"
    if run.inconclusive:
        return "inconclusive"
    if run.interrupted:
        return "interrupted"
    return "known divergences" if run.known else "conformed"


def step_line(v: JudgedStep, oracle: Oracle) -> str:
    """Render one verdict: segment.step, command, verdict, the model's answer, the state."""
    after = "" if v.after is None else oracle.model.render_state(
        oracle.space.states[v.after], tuple(x.slot for x in oracle.model.state_vars))
    note = f"  ({v.note})" if v.note else ""
    return f"  {v.segment + 1:>4}.{v.index + 1:<3} {v.command:<44} {v.verdict:<12} " \
           f"{v.kind:<9} {after}{note}"


def write_summary(run: Run, oracle: Oracle, adapter: str, out: TextIO,
                  replay: str | None = None, known: dict | None = None,
                  restricted: str = "", classes: str = "") -> None:
    """Write the run's header, step counts, coverage, the known divergences and the first
    (unrecorded) divergence."""
    m, t = oracle.model, run.test
    seed = f", seed {t.seed}" if t.seed is not None else ""
    out.write(f"dockproof conform: model {m.name} ({m.path}), adapter {adapter}, "
              f"strategy {t.strategy}{seed}\n")
    if known is not None:
        name, version = known["engine"]
        out.write(f"  engine: {name} {version}; recorded divergences: {known['file']}\n")
    if restricted or classes:
        only = "; ".join(x for x in (f"only {restricted}" if restricted else "", classes) if x)
        out.write(f"  configurations: {only} ({len(oracle.space.initial)} initial "
                  "states; coverage counts this part of the model)\n")
    if t.stats and "scenarios" in t.stats:
        out.write(f"  matrix: {len(t.segments)} scenarios (restart policy | manual stop "
                  f"before | how the run ends), {t.steps} commands\n")
    elif t.stats:
        s = t.stats
        ratio = (f" = {(s['length'] - s['probes']) / s['bound']:.2f} x bound (optimal: "
                 "min-cost flow + Euler circuit)") if s["bound"] else ""
        out.write(f"  tour: {s['resets']} resets + {s['length'] - s['resets']} commands "
                  f"({s['probes']} of them refusal probes); {s['transitions']} transitions, "
                  f"{s['commanded']} need a command; lower bound {s['bound']} "
                  f"(commands + {s['min_resets']} resets); length without probes "
                  f"{s['length'] - s['probes']}{ratio}\n")
    if run.top_up:
        out.write(f"  top-up: {run.top_up} short segments after the tour, for transitions it "
                  "did not take (the implementation's timing led it elsewhere)\n")
    if run.interrupted:
        more = " and its top-up" if run.top_up else ""
        out.write(f"  interrupted ({run.interrupted}) after {len(run.verdicts)} steps (the test "
                  f"planned {t.steps}{more}): the counts and the coverage below are of the "
                  "steps run\n")
    rate = len(run.verdicts) / run.seconds if run.seconds else 0.0
    out.write(f"  steps: {run.passed} pass, {len(run.known)} known divergence, "
              f"{int(run.divergence is not None)} fail, {run.inconclusive} inconclusive in "
              f"{run.seconds:.2f} s ({rate:,.2f} steps/s)\n")
    for v in unsure_steps(run)[:SHOWN_UNSURE]:
        out.write(f"  INCONCLUSIVE at {v.segment + 1}.{v.index + 1} `{v.command}`: {v.note} "
                  f"(model state before: {oracle.model.render_state(oracle.space.states[v.state])})"
                  "\n")
        if v.evidence:
            out.write("    kernel: " + "; ".join(f"{k}: {r}" for k, r in v.evidence) + "\n")
    if run.inconclusive > SHOWN_UNSURE:
        out.write(f"  ... and {run.inconclusive - SHOWN_UNSURE} more inconclusive steps (--json "
                  "lists them)\n")
    write_coverage(run, out)
    if known is not None:
        write_known(run, known, out)
    if run.divergence is not None:
        write_divergence(run, oracle, out, replay)
    word = verdict_word(run)
    if known is not None and known["stale"] and run.divergence is None:
        word += ", stale entries"
    out.write(f"{word.upper()}\n")


#: Inconclusive steps the text summary shows (--json lists them all).
SHOWN_UNSURE = 5


def unsure_steps(run: Run) -> list:
    """Return the run's inconclusive steps, in order."""
    return [v for v in run.verdicts if v.verdict is StepVerdict.INCONCLUSIVE]


def write_known(run: Run, known: dict, out: TextIO) -> None:
    """Write each recorded divergence met (with its first step), the stale ones and those
    no step was about."""
    entries, firsts = known["entries"], {}
    for v in run.known:
        firsts.setdefault(v.note.split(":", 1)[0], v)
    for ident, count in known["occurred"].items():
        e = entries.get(ident)
        if e is None:
            continue
        v = firsts.get(ident)
        where = f" first at {v.segment + 1}.{v.index + 1} `{v.command}`" if v else ""
        out.write(f"KNOWN {ident} x{count}{where}: expected {e.expected}; observed "
                  f"{e.observed} ({e.reason}{'; ' + e.link if e.link else ''})\n")
    for ident in known["stale"]:
        e = entries[ident]
        out.write(f"STALE {ident} ({e.line}): it applied to steps that conformed; the engine "
                  "no longer diverges this way: remove the entry\n")
    if known["unexercised"]:
        out.write(f"  recorded, not exercised by this run: {', '.join(known['unexercised'])}\n")


def known_json(run: Run, known: dict | None) -> dict:
    """Return the known divergences, stale and unexercised entries as JSON."""
    if known is None:
        return {"file": None, "occurred": {}, "stale": [], "unexercised": []}
    return {"file": known["file"], "engine": list(known["engine"]),
            "occurred": known["occurred"], "stale": known["stale"],
            "unexercised": known["unexercised"],
            "steps": [{"segment": v.segment + 1, "step": v.index + 1, "command": v.command,
                       "entry": v.note.split(":", 1)[0], "note": v.note} for v in run.known]}


def write_coverage(run: Run, out: TextIO) -> None:
    """Write coverage per action, per status and per seed claim."""
    c = run.coverage.summary()
    out.write(f"coverage: transitions {percent(c['transitions'])}, "
              f"states {percent(c['states'])}, refusals probed {len(c['refusals'])}\n")
    for title, key in (("action", "actions"), ("status", "statuses"), ("claim", "claims")):
        cells = [f"{k} {percent(v)}" for k, v in c[key].items()]
        out.write(f"  per {title}: " + ", ".join(cells) + "\n")
    for why, per_action in run.coverage.uncovered().items():
        cells = ", ".join(f"{a} {n}" for a, n in per_action.items())
        out.write(f"  not covered, {why}: {sum(per_action.values())} ({cells})\n")


def write_divergence(run: Run, oracle: Oracle, out: TextIO, replay: str | None) -> None:
    """Write the divergence expected-versus-observed, its trace and its replay command."""
    d = run.divergence
    m = oracle.model
    shrunk = f" (shrunk from {run.original.length} commands)" \
        if run.original is not None and run.original.length != d.length else ""
    out.write(f"DIVERGENCE after {d.length} commands from a new container{shrunk}:\n")
    for i, cmd in enumerate(d.commands, 1):
        mark = "<-- diverges" if i == len(d.commands) else ""
        out.write(f"  {i:>3}  {str(cmd):<44} {mark}\n")
    out.write(f"  model state before: {m.render_state(oracle.space.states[d.state])}\n")
    answer = {"ok": "accepts it", "triggered": "lets it provoke an internal step",
              "refused": "refuses it", "quiet": "refuses it (Docker's 304: may succeed, must "
              "change nothing)"}[d.response.kind]
    out.write(f"  the model {answer}; expected one of:\n")
    for c in d.candidates[:4]:
        out.write(f"    {_obs(oracle.expected[c].to_json())}\n")
    got = "ok" if d.outcome.ok else f"error {d.outcome.error!r}"
    out.write(f"  observed: {got}; "
              + (_obs(d.observed.to_json()) if d.observed else "(not observed)") + "\n")
    for r in d.reasons:
        out.write(f"  - {r}\n")
    if d.evidence:
        out.write("  kernel evidence at the divergence:\n")
        for what, reading in d.evidence:
            out.write(f"    {what}: {reading}\n")
    if replay:
        out.write(f"  replay: {replay}\n")


def _obs(j: dict[str, Any]) -> str:
    status = j["status"] if isinstance(j["status"], str) else "|".join(j["status"])
    flags = " ".join(f"{k}={v}" for k, v in j["flags"].items())
    return f"status={status} resources={{{','.join(j['resources'])}}} {flags}".rstrip()


def replay_command(d: Divergence, adapter: str, model_arg: str | None) -> str:
    """Return the one shell command that re-runs a divergence."""
    cmds = "; ".join(map(str, d.commands))
    model = f" --model {shlex.quote(model_arg)}" if model_arg else ""
    return f"dockproof replay{model} --commands {shlex.quote(cmds)} " \
           f"--adapter {shlex.quote(adapter)}"


def divergence_trace(d: Divergence, oracle: Oracle) -> Trace:
    """Return the model's run up to the divergence as a `Trace` (for ITF)."""
    steps = tuple((a, oracle.space.states[i]) for a, i in d.model_steps)
    return Trace(oracle.model, steps, title="conformance divergence")


def divergence_itf(d: Divergence, oracle: Oracle, adapter: str) -> dict[str, Any]:
    """Return the divergence as ITF JSON, with the commands to replay it in ``#meta``."""
    return divergence_trace(d, oracle).to_itf({
        "dockproof::commands": [str(c) for c in d.commands],
        "dockproof::adapter": adapter,
        "dockproof::reasons": list(d.reasons)})


def to_json(run: Run, oracle: Oracle, adapter: str, verbose: bool,
            replay: str | None) -> dict[str, Any]:
    """Return the run as one JSON document."""
    d = run.divergence
    out: dict[str, Any] = {
        "model": oracle.model.name, "adapter": adapter, "strategy": run.test.strategy,
        "seed": run.test.seed, "verdict": verdict_word(run), "steps": len(run.verdicts),
        "passed": run.passed, "inconclusive": run.inconclusive,
        "seconds": round(run.seconds, 4), "tour": run.test.stats, "top_up": run.top_up,
        "coverage": {**run.coverage.summary(), "uncovered": run.coverage.uncovered()},
        "divergence": None, "interrupted": run.interrupted,
        "inconclusive_steps": [
            {"segment": v.segment + 1, "step": v.index + 1, "command": v.command,
             "note": v.note, "state": oracle.model.state_json(oracle.space.states[v.state]),
             "evidence": dict(v.evidence)}
            for v in unsure_steps(run)],
    }
    if d is not None:
        out["divergence"] = {
            "commands": [str(c) for c in d.commands], "state": oracle.model.state_json(
                oracle.space.states[d.state]),
            "model_answer": d.response.kind,
            "expected": [oracle.expected[c].to_json() for c in d.candidates],
            "outcome": {"ok": d.outcome.ok, "error": d.outcome.error},
            "observed": d.observed.to_json() if d.observed else None,
            "reasons": list(d.reasons), "replay": replay,
            "evidence": dict(d.evidence),
            "shrunk_from": run.original.length if run.original else d.length}
    if verbose:
        out["verdicts"] = [{"segment": v.segment + 1, "step": v.index + 1,
                            "command": v.command, "verdict": v.verdict, "model": v.kind,
                            "note": v.note} for v in run.verdicts]
    return out


def cases(run: Run, oracle: Oracle, adapter: str):
    """Return one CI `Case` per segment (a new container and its commands), located at the
    model action whose step diverged, for JUnit, SARIF and Markdown (dockproof.outputs)."""
    m = oracle.model
    try:
        text = open(m.path, encoding="utf-8").read()
    except OSError:
        text = ""
    by_segment: dict[int, list[JudgedStep]] = {}
    for v in run.verdicts:
        by_segment.setdefault(v.segment, []).append(v)
    out = []
    suite = f"dockproof.conform.{m.name}.{run.test.strategy}"
    for n, vs in sorted(by_segment.items()):
        failed = next((v for v in vs if v.verdict is StepVerdict.FAIL), None)
        unsure = next((v for v in vs if v.verdict is StepVerdict.INCONCLUSIVE), None)
        verb = failed.command.split()[0] if failed else None
        key = next((f"actions.{a.name}" for a in m.actions if a.command == verb), None)
        out.append(Case(
            id=f"segment {n + 1}: {vs[0].command} (+{len(vs) - 1})", suite=suite,
            ok=failed is None and unsure is None, skipped=failed is None and unsure is not None,
            verdict="fail" if failed else ("inconclusive" if unsure else "pass"),
            message=(failed or unsure).note if (failed or unsure) else f"{len(vs)} steps",
            details="\n".join(f"{v.command}: {v.verdict}" for v in vs),
            file=m.path if failed else None, key=key,
            line=line_of(text, key) if failed and key else None,
            extra={"description": f"{adapter} conforms to {m.name} on this segment"}))
    return out
