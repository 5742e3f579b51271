"""Run one configuration as a child ``dockproof conform`` and turn its report into a ledger row.

Each configuration is one child process, ``dockproof conform MODEL --adapter A --json --jobs N
--allow-known --config P=V ...``, with a time limit of its own: a child that hangs or is
interrupted takes only its own run with it, and its Ctrl-C path removes its containers and
stops its private engine.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dockproof
from dockproof.conformance.coverage import DIVERTED

from .keys import CFG_DIV_KEY, DIV_KEY, MODEL_KEY, SEMANTIC_KEY
from .ledger import runs_of
from .planner import Config, Plan

#: After its SIGINT, how long the child may take to remove its containers and stop its engine
#: (sut/real/windows.py: TEARDOWN 30 s + DAEMON_STOP 30 s + a command under way, COMMAND 60 s).
GRACE = 150.0
#: A row keeps the first this many inconclusive steps of its run (command, note).
UNSURE_KEPT = 10
#: The folder this dockproof is imported from: the children judge with the same code.
PACKAGE_ROOT = Path(dockproof.__file__).resolve().parent.parent


class Interrupted(Exception):
    """The session was interrupted (the signal number is the argument)."""


class Runner:
    """Run configurations as child processes; forward an interrupt to the running child."""

    def __init__(self, err=sys.stderr) -> None:
        self.err = err
        self.signal: int | None = None
        self.child: subprocess.Popen | None = None

    def install(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum, frame) -> None:
        first = self.signal is None
        self.signal = self.signal or signum
        child = self.child
        if child is not None and child.poll() is None:
            # first: the child's Ctrl-C path (it tears down); again: SIGTERM at once
            try:
                os.kill(child.pid, signal.SIGINT if first else signal.SIGTERM)
            except ProcessLookupError:
                pass

    def run(self, argv: list[str], limit: float) -> tuple[int | None, str, str, float, bool]:
        """Run ``argv``; return (exit code, stdout, stderr, seconds, timed out). Raises
        `Interrupted` when the session was interrupted while it ran (nothing to record)."""
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(PACKAGE_ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))])}
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            t0 = time.monotonic()
            self.child = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                          start_new_session=True, env=env)
            timed_out = False
            try:
                if self.signal is not None:  # it arrived just before the child started
                    self._end(signal.SIGINT)
                while self.child.poll() is None:
                    if self.signal is not None:
                        self._end(None)  # the handler sent the SIGINT
                    elif time.monotonic() - t0 > limit:
                        timed_out = True
                        self.err.write(f"  time limit {limit / 60:.1f} min reached: "
                                       "stopping the run\n")
                        self._end(signal.SIGINT)
                    else:
                        time.sleep(0.2)
                code = self.child.wait()
            finally:
                self.child = None
            seconds = time.monotonic() - t0
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read()
        if self.signal is not None:
            raise Interrupted(self.signal)
        return code, stdout, stderr, seconds, timed_out

    def _end(self, first: int | None) -> None:
        """End the child: ``first`` (SIGINT: its Ctrl-C path tears the run down; None: it
        was sent already), then SIGTERM after `GRACE` seconds, then SIGKILL."""
        child = self.child
        assert child is not None
        for sig, wait in ((first, GRACE), (signal.SIGTERM, 30.0), (signal.SIGKILL, 10.0)):
            if child.poll() is not None:
                return
            if sig == signal.SIGKILL:
                self.err.write("  the child did not end: SIGKILL (its containers or private "
                               "engine may be left behind)\n")
            if sig is not None:
                try:
                    os.kill(child.pid, sig)
                except ProcessLookupError:
                    return
            try:
                child.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue


def conform_argv(p: Plan, c: Config, adapter: str, jobs: int) -> list[str]:
    """Return the ``dockproof conform`` arguments that run configuration ``c``."""
    return ["conform", p.model_arg, "--adapter", adapter, "--json", "--jobs", str(jobs),
            "--allow-known", *c.argv]


def child_argv(p: Plan, c: Config, adapter: str, jobs: int, listing: Path) -> list[str]:
    """Return the child's command line: `conform_argv` in this Python, with ``--transitions``
    into ``listing`` (its covered lines go into the row)."""
    return [sys.executable, "-m", "dockproof", *conform_argv(p, c, adapter, jobs),
            "--transitions", str(listing)]


def row_of(p: Plan, c: Config, adapter: str, jobs: int, div_hash: str, code: int | None,
           stdout: str, stderr: str, seconds: float, timed_out: bool, limit: float,
           listing: Path | None = None) -> dict:
    """Turn one child's run into a ledger row; ``listing``: the child's ``--transitions``
    file, whose covered lines go into the row as `covered_edges`."""
    row = {"config": c.values, "config_id": c.id, "model": p.model_name,
           MODEL_KEY: p.model_hash, SEMANTIC_KEY: p.model_key, DIV_KEY: div_hash,
           CFG_DIV_KEY: c.entries_hash, "adapter": adapter, "jobs": jobs,
           "dockproof_version": dockproof.__version__, "exit_code": code,
           "wall_seconds": round(seconds, 2), "time_limit_seconds": round(limit),
           "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
           "planned_commands": c.commands,
           "command": shlex.join(["dockproof", *conform_argv(p, c, adapter, jobs)])}
    doc = None
    if code in (0, 1) and not timed_out:
        try:
            doc = json.loads(stdout)
        except json.JSONDecodeError:
            doc = None
    if doc is None or not isinstance(doc, dict) or "coverage" not in doc:
        row["status"] = "timeout" if timed_out else "error"
        row["verdict"] = row["status"]
        row["stderr_tail"] = "\n".join(stderr.strip().splitlines()[-8:])
        return row
    known = doc.get("known") or {}
    n_known = len(known.get("steps") or [])
    steps = doc["steps"]
    fail = steps - doc["passed"] - doc["inconclusive"] - n_known
    engine = known.get("engine") or [adapter, "?"]
    div = doc.get("divergence")
    meta = doc.get("meta") or {}
    ran = (meta.get("model_file") or {}).get("sha256_16", p.model_hash)
    row.update({
        "status": "done", "verdict": doc["verdict"], MODEL_KEY: ran,
        "dockproof_version": meta.get("version", dockproof.__version__),
        "engine": engine[0], "engine_version": engine[1],
        "steps": {"total": steps, "pass": doc["passed"], "known": n_known, "fail": fail,
                  "inconclusive": doc["inconclusive"]},
        "transitions": doc["coverage"]["transitions"], "states": doc["coverage"]["states"],
        # [covered, total] per model action: the report sums them over configurations
        "actions": doc["coverage"].get("actions"),
        "uncovered": {why: sum(per.values())
                      for why, per in (doc["coverage"].get("uncovered") or {}).items()},
        "replay": div.get("replay") if div else None,
        "divergence_shrunk_from": div.get("shrunk_from") if div else None,
        # what differed, and the kernel's evidence: the replay alone may not meet it again
        "divergence_reasons": div.get("reasons") if div else None,
        "divergence_observed": div.get("observed") if div else None,
        "divergence_evidence": div.get("evidence") if div else None,
        "known": dict(known.get("occurred") or {}),
        "stale_entries": list(known.get("stale") or []),
        "divergences_file": known.get("file"),
        "child_seconds": doc.get("seconds"),
        # what each inconclusive step waited for (the first few): a window is not a verdict
        "inconclusive_steps": [{k: v for k, v in step.items() if k != "state"}
                               for step in (doc.get("inconclusive_steps") or [])[:UNSURE_KEPT]]
        or None,
    })
    if ran != p.model_hash:  # the file changed under the session: the plan's digest is not its
        del row[SEMANTIC_KEY]
    listed = listed_lines(listing)
    if listed is not None and len(listed[0]) == doc["coverage"]["transitions"][0]:
        row["covered_edges"] = runs_of(listed[0])
        if listed[1]:  # entry ids -> the commanded transitions the engine did not take
            row["diverted_edges"] = {ids: runs_of(k) for ids, k in listed[1].items()}
    return row


def listed_lines(listing: Path | None) -> tuple[list[int], dict[str, list[int]]] | None:
    """Return the positions of the ``covered`` lines of a ``conform --transitions`` file (its
    order is `dockproof.conformance.coverage.ordered`), and those of the lines of transitions
    the engine did not take when commanded, per the recorded divergences' ids that say so;
    None without a file."""
    if listing is None:
        return None
    try:
        lines = listing.read_text().splitlines()[1:]
    except OSError:
        return None
    covered, diverted = [], {}
    for k, line in enumerate(lines):
        verdict = line.split("\t", 1)[0]
        if verdict == "covered":
            covered.append(k)
        elif verdict.startswith("not covered: " + DIVERTED):
            diverted.setdefault(verdict[len("not covered: " + DIVERTED):], []).append(k)
    return covered, diverted
