"""Run the full transition tour of a model on a real engine, one configuration at a time, resumably.

Run: python benchmarks/real_engine_tours.py --engine docker|podman [--budget MINUTES] [--jobs N]
                                           [--only PARAM=VALUE ...] [--report] [--plan]

The tour of model/docker.toml covers every configuration (restart policy x retry count x memory
limit x --oom-kill-disable x stop-signal answer: 96, of which 48 are retry counts Docker refuses
at create): 174,448 commands on Docker, 149,308 on Podman (no daemon to restart); run once per
class of twins (below), 87,000 and 75,000, measured at about 5.5 h and 4.0 h here. This script
runs it configuration by configuration across as many sessions as it takes. Each configuration
is one child process,

    dockproof conform MODEL --adapter ENGINE --json --jobs N --allow-known --config P=V ...

with a time limit of its own, and ends as one JSON line appended to the ledger
benchmarks/results/tours/ENGINE.jsonl (the configuration, the model's hash as the --json report
carries it, the hash of the divergences file the run judged with, the engine's and dockproof's
versions, steps pass/known/fail/inconclusive, transitions and states covered/total, the verdict,
the exit code, the wall time, the date, the replay command of a divergence, the recorded
divergences met with their counts).

A configuration is *done* when the ledger has a complete run of it (exit 0 or 1 with a report)
for the current model hash, the current divergence entries and the same adapter; the next session
skips it. "The current entries" is the narrowest that is sound: the hash of the engine's entries
that can apply in the configuration (whose `when` holds in some state of its graph) is the
current one, or that of all the engine's entries is, or the run needed no entry at all (every
step conformed). Rows of an older model or entries stay in the ledger and are shown as stale.
A run stopped at its time limit is recorded as ``timeout`` (not done; skipped by later sessions
unless --retry-timeouts, since it would take as long again); an engine that failed is recorded
as ``error`` (not done; retried by the next session).

Twins: configurations an implementation cannot tell apart are run once. Two are twins when
their initial states are observationally equivalent (dockproof/conformance/equivalence.py: a
bisimulation of the whole graph over what the adapter contract shows: the container's state and
resources, the Config a create sends, each command's answer and error texts, and which of the
engine's divergence entries hold), checked again after it is computed. The Docker model's `term`
is such a parameter: no Config field sends it, and what it changes (the exit's class after a
stop) is unobserved; its 96 configurations form 48 classes. A done run of one member counts for
its class: --plan marks the others `twin`, --report counts them apart ("by an observationally
equivalent twin's run") and --transitions lists their transitions with the twin's verdict of
the same experiment. --all-twins runs them anyway (to check the equivalence on the engine).

Order: smallest planned tour first (the 17-command configurations Docker refuses at create, then
the others by tour length): cheap coverage early, and a measured rate for the estimate soon.

Interrupting (Ctrl-C, SIGTERM): the running child gets SIGINT (its Ctrl-C path removes its
containers and stops its private engine; SIGTERM, then SIGKILL, only if it does not end within
a grace period) and nothing is recorded for it. The script then exits 130 (SIGINT) or 143.

--report prints, running nothing: configurations done/total, commands run, transitions and states
covered/total summed over the configurations (checked: the configurations' graphs partition the
model's graph, Σ per configuration == the global graph), every divergence with its replay
command, the recorded divergences by id, the time spent and an estimate of the time left (the
planned commands left x the seconds per planned command measured so far, per restart policy
where measured), and the stale rows.

Exit codes: 0 done (or report printed), 1 a configuration diverged, was inconclusive or timed out
in this session, 2 bad arguments, 3 an engine failed, 130/143 interrupted.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This checkout's dockproof, here and in the children (run from ROOT with -m): both must judge
# with the same code and model, whatever other copy is installed.
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results" / "tours"
ENGINES = ("docker", "podman")
#: Default per-configuration time limit: this much, plus SECONDS_PER_COMMAND per planned
#: command (the slowest single-configuration rate measured was 1.2 commands/s, a restart-policy
#: tour before the back-off cut; 0.5 command/s leaves room).
BASE_LIMIT = 300.0
SECONDS_PER_COMMAND = 2.0
#: After its SIGINT, how long the child may take to remove its containers and stop its engine
#: (sut/real/windows.py: TEARDOWN 30 s + DAEMON_STOP 30 s + a command under way, COMMAND 60 s).
GRACE = 150.0
#: Stop the session after this many engine failures in a row (exit 3 from the child).
MAX_ERRORS = 2
#: A row keeps the first this many inconclusive steps of its run (command, note).
UNSURE_KEPT = 10

# The ledger row's fields that say which model, divergence entries and adapter it is about:
# the engine's entries (DIV_KEY), those of them that can apply in the row's configuration
# (CFG_DIV_KEY; rows from before it have DIV_KEY only).
MODEL_KEY, DIV_KEY = "model_sha256_16", "divergences_sha256_16"
CFG_DIV_KEY = "config_divergences_sha256_16"


class Usage(Exception):
    """A bad argument: one readable line, exit 2."""


# -- the configurations ----------------------------------------------------------------------


@dataclass
class Config:
    """One configuration of the model: its parameter values and its part of the graph."""

    values: dict[str, str]          # parameter -> value as --config takes it
    state: tuple                    # its initial state
    transitions: int                # transitions of its part of the reachable graph
    states: int
    commands: int = 0               # commands of its planned tour (before --jobs pieces)
    entries_hash: str = ""          # hash of the engine's divergence entries that can apply here
    #: the other configurations an implementation cannot tell from this one (`twin_classes`)
    twins: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return " ".join(f"{k}={v}" for k, v in self.values.items())

    @property
    def twin_class(self) -> frozenset[str]:
        """This configuration and its twins: the class one run stands for."""
        return frozenset((self.id, *self.twins))

    @property
    def argv(self) -> list[str]:
        out = []
        for k, v in self.values.items():
            out += ["--config", f"{k}={v}"]
        return out


@dataclass
class Plan:
    """The model's configurations, their graph sizes, and the hashes that key the ledger."""

    model_arg: str
    model_path: Path
    model_name: str
    model_hash: str
    divergences: Path | None
    configs: list[Config]
    global_transitions: int
    global_states: int
    selected: list[Config] = field(default_factory=list)
    only: str = ""
    engine: str = ""
    divergences_hash: str = ""
    #: the observational equivalence of the whole graph (`twin_classes`), None when not computed
    equivalence: object = None
    #: the parameters whose values differ within some class of twins (the Docker model: term)
    twin_params: tuple[str, ...] = ()
    #: each configuration's part of the graph (by id), re-indexed (`configs.part`)
    spaces: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.divergences_hash = entries_hash(self.divergences, self.engine)
        self.by_id = {c.id: c for c in self.configs}
        #: `part_of`'s results, by configuration and the adapter's unsupported commands
        self.parts: dict[tuple, tuple] = {}

    def partition(self) -> tuple[bool, str]:
        """Check that the configurations' graphs add up to the model's whole graph."""
        t = sum(c.transitions for c in self.configs)
        s = sum(c.states for c in self.configs)
        ok = t == self.global_transitions and s == self.global_states
        word = "partition" if ok else "DO NOT partition"
        return ok, (f"the {len(self.configs)} configurations {word} the model's graph: "
                    f"Σ per configuration {t:,} transitions, {s:,} states; the whole graph "
                    f"{self.global_transitions:,} transitions, {self.global_states:,} states")


def file_hash(path: Path | None) -> str:
    """Return the first 16 hex digits of a file's sha256 (as the model's hash), or "none"."""
    if path is None:
        return "none"
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def entries_hash(path: Path | None, engine: str) -> str:
    """Return a hash of the divergence entries about ``engine`` (the others do not change
    how its runs are judged), or "none"."""
    if path is None:
        return "none"
    import tomllib

    try:
        rows = tomllib.loads(path.read_text()).get("divergence", [])
    except (OSError, ValueError):
        return file_hash(path)
    return entries_digest([r for r in rows if isinstance(r, dict) and r.get("engine") == engine])


def entries_digest(rows: list[dict]) -> str:
    """Return the hash of divergence entries (their TOML tables, in file order): one formula
    for the engine's whole set and a configuration's part, so equal sets hash alike."""
    import json

    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()[:16]


def config_entries_hashes(path: Path | None, engine: str, model, parts: list) -> list[str]:
    """Return, per configuration (``parts``: each one's part of the reachable graph), a hash of
    the engine's divergence entries that can apply in it: those whose ``when`` holds in some
    state of the part. An entry is consulted only for a step whose state satisfies its
    ``when`` (`known.Entry.applies`), so the others cannot change how the configuration's runs
    are judged; an entry without ``when`` applies everywhere. A file that does not load gives
    every configuration the whole file's hash."""
    import tomllib

    from dockproof.conformance import known
    from dockproof.errors import DockproofError

    if path is None:
        return ["none"] * len(parts)
    try:
        rows = {r.get("id"): r for r in tomllib.loads(path.read_text()).get("divergence", [])
                if isinstance(r, dict)}
        mine = [e for e in known.load(path, model).entries if e.engine == engine]
    except (OSError, ValueError, DockproofError):  # a bad file: its error is the child's
        return [file_hash(path)] * len(parts)
    return [entries_digest([rows[e.id] for e in mine
                            if e.when is None or any(e.when(s) for s in part.states)])
            for part in parts]


def divergences_file(model_path: Path, model_name: str) -> Path | None:
    """Return the divergences file `dockproof conform` judges with by default (as its
    `_catalogue`: properties/divergences.toml beside the model, else the built-in one, when
    it is about this model)."""
    from dockproof import builtin
    from dockproof.conformance import known

    for folder in (model_path.resolve().parent.parent / "properties",
                   builtin.root() / "properties"):
        f = folder / "divergences.toml"
        if f.is_file() and known.about(f) == model_name:
            return f
    return None


def plan(model_arg: str, only: list[str], unsupported: dict, tours: bool = True,
         engine: str = "") -> Plan:
    """Enumerate the model's configurations (valid and invalid: one per initial state) with
    dockproof's own code; ``tours``: also plan each one's tour (its length orders the run)."""
    from dockproof import builtin
    from dockproof.conformance import configs
    from dockproof.conformance.generate import transition_tour
    from dockproof.conformance.mapping_config import _toml_key
    from dockproof.conformance.oracle import Oracle
    from dockproof.engines.statespace import explore
    from dockproof.spec.loader import load_model

    path = builtin.resolve_model(model_arg)
    if not path.is_file():
        raise Usage(f"--model {model_arg}: no such model file or built-in model")
    model = load_model(path)
    selection = configs.parse(only, model)
    space = explore(model)
    params = list(model.params)
    divergences = divergences_file(path, model.name)
    out, chosen, parts = [], [], []
    for i in space.initial:
        s = space.states[i]
        values = {p.name: _toml_key(p.type, s[p.slot]) for p in params}
        part = configs.part(space, [i])
        parts.append(part)
        c = Config(values, s, len(part.edges), len(part.states))
        out.append(c)
        if all(s[slot] in vals for slot, vals in selection.items()):
            chosen.append(c)
            if tours:  # the tour the child plans (before --jobs cuts it into pieces)
                oracle = Oracle(model, space=part, unsupported=unsupported)
                c.commands = transition_tour(oracle).steps
    if not chosen:
        raise Usage(f"--only {' '.join(only)}: no configuration of model {model.name} has "
                    "these values")
    for c, h in zip(out, config_entries_hashes(divergences, engine, model, parts)):
        c.entries_hash = h
    eq, twin_params = twin_classes(model, space, out, unsupported, divergences, engine)
    order = sorted(out, key=lambda c: (c.commands, c.transitions, c.state))
    return Plan(model_arg, path, model.name, model.digest, divergences,
                order, len(space.edges), len(space.states),
                [c for c in order if c in chosen], configs.describe(selection, model), engine,
                equivalence=eq, twin_params=twin_params,
                spaces={c.id: part for c, part in zip(out, parts)})


def twin_classes(model, space, cfgs: list[Config], unsupported: dict, divergences: Path | None,
                 engine: str):
    """Group the configurations an implementation cannot tell apart, setting each one's
    ``twins``; return the equivalence and the parameters that differ within a class.

    Twins are configurations whose initial states are observationally equivalent
    (`dockproof.conformance.equivalence`: a bisimulation of the whole graph over what the
    adapter contract shows, including the ``when`` of the engine's divergence entries): the
    engine receives the same commands with the same `Config` and every run of one is judged
    as it would be for the other, so a done run of one counts for all. A divergences file
    that does not load makes no twins (its error is the child's)."""
    from dockproof.conformance import equivalence, known
    from dockproof.conformance.oracle import Oracle
    from dockproof.errors import DockproofError

    whens = []
    if divergences is not None:
        try:
            whens = [e.when for e in known.load(divergences, model).entries
                     if e.engine == engine and e.when is not None]
        except (OSError, ValueError, DockproofError):
            return None, ()
    eq = equivalence.verified(Oracle(model, space=space, unsupported=unsupported), whens)
    groups = eq.twins(space.index[c.state] for c in cfgs)
    by_state = {space.index[c.state]: c for c in cfgs}
    for g in groups:
        for i in g:
            by_state[i].twins = tuple(by_state[j].id for j in g if j != i)
    return eq, tuple(eq.differ(groups))


# -- the ledger ------------------------------------------------------------------------------


def read_ledger(path: Path, err=sys.stderr) -> list[dict]:
    """Read the ledger's rows; a line that is not a JSON object (a torn write) is skipped,
    with a warning."""
    if not path.is_file():
        return []
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
        rows.append(row)
    return rows


def append_row(path: Path, row: dict) -> None:
    """Append one row as one write of one line, flushed to disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(row, sort_keys=True) + "\n")
        f.flush()
        os.fsync(f.fileno())


def is_current(row: dict, p: Plan, adapter: str) -> bool:
    """Return whether ``row`` counts for this model, divergence entries and adapter.

    The entries that matter are those that can apply in the row's configuration
    (`config_entries_hashes`): a row stays current when only entries that never hold there
    change. A row whose every step conformed (no known divergence, no failure, no
    inconclusive step, no stale entry) stays current whatever the entries: entries are
    consulted only for a step that differs from the model (to explain it, to take fields out
    of later comparisons, to carry over an unobserved step), so such a run never depended on
    them. Whether a *new* entry is stale is then judged by the rows run after it.
    """
    if row.get(MODEL_KEY) != p.model_hash or row.get("adapter") != adapter:
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
    if row.get(MODEL_KEY) != p.model_hash:
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
    row first, else the first done twin's (`twin_classes`: a run of a twin is a run of it),
    else its own latest row (timeout, error) or None. ``listed``: a twin's row that lists its
    covered transitions goes before an own done row that does not (`unlisted`)."""
    own = now.get(c.id)
    done = [(t, now[t]) for t in c.twins if now.get(t, {}).get("status") == "done"]
    if own is not None and own["status"] == "done":
        if listed and unlisted(own):
            return next(((r, t) for t, r in done if not unlisted(r)), (own, None))
        return own, None
    return (done[0][1], done[0][0]) if done else (own, None)


def part_of(p: Plan, c: Config, unsupported: dict):
    """Return the oracle of ``c``'s part of the graph and its transitions in
    `coverage.ordered` order (the order of a row's `covered_edges` positions)."""
    from dockproof.conformance.coverage import ordered
    from dockproof.conformance.oracle import Oracle

    key = (c.id, tuple(sorted(unsupported.items())))
    if key not in p.parts:  # a report asks for a twin's part up to three times
        oracle = Oracle(p.equivalence.oracle.model, space=p.spaces[c.id],
                        unsupported=unsupported)
        p.parts[key] = oracle, ordered(oracle)
    return p.parts[key]


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


# -- one configuration -----------------------------------------------------------------------


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
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            t0 = time.monotonic()
            self.child = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                          start_new_session=True, cwd=ROOT)
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
    return ["conform", p.model_arg, "--adapter", adapter, "--json", "--jobs", str(jobs),
            "--allow-known", *c.argv]


def row_of(p: Plan, c: Config, adapter: str, jobs: int, div_hash: str, code: int | None,
           stdout: str, stderr: str, seconds: float, timed_out: bool, limit: float,
           listing: Path | None = None) -> dict:
    """Turn one child's run into a ledger row; ``listing``: the child's ``--transitions``
    file, whose covered lines go into the row as `covered_edges`."""
    from dockproof import __version__

    row = {"config": c.values, "config_id": c.id, "model": p.model_name,
           MODEL_KEY: p.model_hash, DIV_KEY: div_hash, CFG_DIV_KEY: c.entries_hash,
           "adapter": adapter, "jobs": jobs,
           "dockproof_version": __version__, "exit_code": code,
           "wall_seconds": round(seconds, 2), "time_limit_seconds": round(limit),
           "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
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
    row.update({
        "status": "done", "verdict": doc["verdict"],
        MODEL_KEY: (meta.get("model_file") or {}).get("sha256_16", p.model_hash),
        "dockproof_version": meta.get("version", __version__),
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
    listed = listed_lines(listing)
    if listed is not None and len(listed[0]) == doc["coverage"]["transitions"][0]:
        row["covered_edges"] = runs_of(listed[0])
        if listed[1]:  # entry ids -> the commanded transitions the engine did not take
            row["diverted_edges"] = {ids: runs_of(k) for ids, k in listed[1].items()}
    return row


def unlisted(row: dict) -> bool:
    """Return whether a done row covered transitions but does not say which."""
    return row.get("status") == "done" and "covered_edges" not in row \
        and (row.get("transitions") or [0])[0] > 0


def listed_lines(listing: Path | None) -> tuple[list[int], dict[str, list[int]]] | None:
    """Return the positions of the ``covered`` lines of a ``conform --transitions`` file (its
    order is `dockproof.conformance.coverage.ordered`), and those of the lines of transitions
    the engine did not take when commanded, per the recorded divergences' ids that say so;
    None without a file."""
    from dockproof.conformance.coverage import DIVERTED

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


def runs_of(positions: list[int]) -> list[list[int]]:
    """Compress sorted positions into [first, count] runs.

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


# -- the session -----------------------------------------------------------------------------


def session(args, p: Plan, ledger: Path, out=sys.stdout, err=sys.stderr) -> int:
    """Run the pending configurations of the selection, smallest first, within the budget."""
    rows = read_ledger(ledger, err)
    now = latest(rows, p, args.adapter)
    pending, by_twin = [], 0
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
        pending.append(c)
    skipped = len(p.selected) - len(pending)
    out.write(f"{p.model_name} (model hash {p.model_hash}, divergences hash "
              f"{p.divergences_hash}) on {args.adapter}: {len(p.selected)} configurations"
              f"{' (only ' + p.only + ')' if p.only else ''}, {skipped} already recorded, "
              f"{len(pending)} to run; ledger {_shown(ledger)}\n")
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
    for k, c in enumerate(pending, 1):
        if runner.signal is not None:
            out.write(f"interrupted ({signal.Signals(runner.signal).name})\n")
            return 128 + runner.signal
        ran = next((t for t in c.twins if t in ran_here), None)
        if ran is not None and not args.all_twins:
            out.write(f"[{k}/{len(pending)}] {c.id}: done by its twin's run this session "
                      f"({ran})\n")
            continue
        if args.budget is not None:
            left = args.budget * 60 - (time.monotonic() - t0)
            need = rates.seconds(c)
            if left <= 0:
                out.write(f"budget of {args.budget:g} min spent: {len(pending) - k + 1} "
                          "configurations left for the next session\n")
                break
            if need is not None and need > left:
                out.write(f"budget of {args.budget:g} min: {left / 60:.0f} min left, and the "
                          f"next configuration takes about {need / 60:.0f} min at the measured "
                          f"rate: {len(pending) - k + 1} configurations left for the next "
                          "session\n")
                break
        limit = args.timeout * 60 if args.timeout else BASE_LIMIT + SECONDS_PER_COMMAND * c.commands
        div_hash = entries_hash(divergences_file(p.model_path, p.model_name), p.engine)
        if div_hash != p.divergences_hash:
            err.write(f"the divergences file changed during the session (hash {div_hash}, "
                      f"planned with {p.divergences_hash}): stopping; start again\n")
            return 1
        out.write(f"[{k}/{len(pending)}] {c.id} ({c.commands:,} planned commands, limit "
                  f"{limit / 60:.1f} min)\n")
        out.flush()
        listing = Path(tempfile.mkdtemp(prefix="dockproof-tour.")) / "transitions.tsv"
        argv = [sys.executable, "-m", "dockproof", *conform_argv(p, c, args.adapter, args.jobs),
                "--transitions", str(listing)]
        try:
            code, stdout, stderr, seconds, timed_out = runner.run(argv, limit)
            row = row_of(p, c, args.adapter, args.jobs, div_hash, code, stdout, stderr,
                         seconds, timed_out, limit, listing)
        except Interrupted as exc:
            name = signal.Signals(exc.args[0]).name
            out.write(f"interrupted ({name}): nothing recorded for {c.id}\n")
            return 128 + exc.args[0]
        finally:
            shutil.rmtree(listing.parent, ignore_errors=True)
        append_row(ledger, row)
        out.write("  " + _row_line(row) + "\n")
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


def write_transitions(args, p: Plan, ledger: Path, unsupported: dict, out=sys.stdout,
                      err=sys.stderr) -> None:
    """Write every transition of the selection with what the ledger's current rows say of it
    (`--report --transitions FILE`): each configuration's graph is explored again and its
    row's `covered_edges` are positions in `coverage.ordered` order of that graph; a
    configuration done by a twin's run gets the twin's verdicts (`twin_verdicts`), marked."""
    from dockproof.outputs import write

    now = latest(read_ledger(ledger, err), p, args.adapter)
    lines = ["configuration\tverdict\taction\tsource\ttarget"]
    counts = {"covered": 0, "not covered": 0, "not run": 0, "not listed": 0}
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
            counts[next(k for k in ("covered", "not covered", "not run", "not listed")
                        if v.startswith(k))] += 1
            lines.append("\t".join([c.id, v, *text]))
    write(args.transitions, "\n".join(lines) + "\n")
    out.write(f"wrote {_shown(args.transitions)}: {sum(counts.values()):,} transitions: "
              + ", ".join(f"{v:,} {k}" for k, v in counts.items()) + "\n")


def row_verdicts(part: tuple, row: dict | None, full: bool = True) -> list[str] | None:
    """Return the verdict of each transition of a configuration's part (`part_of`) by its
    done row, as `Coverage.listing` words them (``full`` false: only ``covered`` or ``not
    covered``, without the costlier why); None when the row is not done or does not list
    its transitions."""
    from dockproof.conformance.coverage import Coverage

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


def _row_line(row: dict) -> str:
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


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


# -- the report ------------------------------------------------------------------------------


def report(args, p: Plan, ledger: Path, unsupported: dict, out=sys.stdout,
           err=sys.stderr) -> int:
    """Print the aggregate of the ledger for the current model, divergences file and adapter."""
    rows = read_ledger(ledger, err)
    now = latest(rows, p, args.adapter)
    by_id = {c.id: c for c in p.configs}
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
    w(f"ledger {_shown(ledger)}: {len(rows)} rows; adapter {args.adapter}\n")
    w(f"model {p.model_name} {_shown(p.model_path)} hash {p.model_hash}; divergences "
      f"{_shown(p.divergences) if p.divergences else '(none)'} hash {p.divergences_hash}\n")
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
    cov_t = sum(r["transitions"][0] for r in done)
    cov_s = sum(r["states"][0] for r in done)
    sel_t = sum(c.transitions for c in p.selected)
    sel_s = sum(c.states for c in p.selected)
    tw_c, unlisted_twins = 0, 0
    for c, row, via in twinned:
        twin = part_of(p, by_id[via], unsupported)
        says = row_verdicts(twin, row, full=False)
        if says is None:
            unlisted_twins += 1
            continue
        tw_c += twin_verdicts(p, c, via, twin, says, part_of(p, c, unsupported)).count("covered")
    cov_t += tw_c
    w(f"transitions covered: {cov_t:,}/{sel_t:,} ({_pct(cov_t, sel_t)}) of the selection"
      + (f", {tw_c:,} of them as the same experiment in a twin's run" if twinned else "")
      + (f" ({unlisted_twins} configurations done by a twin whose row does not list its "
         "transitions are not counted)" if unlisted_twins else "")
      + f"; the whole graph has {p.global_transitions:,}\n")
    w(f"states covered: {cov_s:,}/{sel_s:,} ({_pct(cov_s, sel_s)})"
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
    bad = [(r["config_id"], r["transitions"][1], by_id[r["config_id"]].transitions)
           for r in done if r["transitions"][1] != by_id[r["config_id"]].transitions]
    if bad:  # the runs' own totals must be their parts of the graph, or the sums mean nothing
        w(f"WARNING: {len(bad)} runs counted a graph of another size than planned:\n")
    for cid, got, want in bad:
        w(f"WARNING: {cid}: the run counted {got} transitions, its part of the graph has "
          f"{want}\n")
    fails = [r for r in done if r["verdict"] == "diverged"]
    w(f"divergences: {len(fails)}\n")
    for r in fails:
        w(f"  {r['config_id']} ({r['date']}): {r['steps']['total']:,} steps before it\n"
          f"    replay: {r.get('replay')}\n")
        for reason in r.get("divergence_reasons") or ():
            w(f"    - {reason}\n")
    inconclusive = [r for r in done if r["steps"]["inconclusive"]]
    for r in inconclusive:
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
    versions = sorted({f"{r.get('engine')} {r.get('engine_version')}" for r in done})
    if versions:
        w("engine: " + ", ".join(versions) + ("  (MIXED VERSIONS)" if len(versions) > 1
                                              else "") + "\n")
    spent = sum(r["wall_seconds"] for r in done + other)
    w(f"time spent: {_hours(spent)} ({_hours(sum(r['wall_seconds'] for r in done))} in done "
      "configurations)\n")
    w(_estimate(p, done, left) + "\n")
    if done:
        w(_full_run(p, now, done) + "\n")
    stale = [r for r in rows if not is_current(r, p, args.adapter)]
    if stale:
        reasons: dict[str, list[dict]] = {}
        for r in stale:
            reasons.setdefault(stale_reason(r, p, args.adapter), []).append(r)
        w(f"stale rows (kept in the ledger, not counted above): {len(stale)}\n")
        for k, rs in sorted(reasons.items()):
            dates = sorted(r.get("date", "?") for r in rs)
            w(f"  {len(rs)} of an {k}, {dates[0]} .. {dates[-1]}\n")
    return 0


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


class Rates:
    """Seconds a configuration takes, from the measured runs: a start-up (the fastest done
    configuration's wall time: engine start, image, teardown) plus its planned commands x the
    seconds per command run, measured on runs of >= 200 commands (a divergence ends a run
    early: its steps, not its plan, count) per value of the model's first parameter (the
    restart policy) where measured, else over all of them."""

    def __init__(self, p: Plan, done: list[dict]) -> None:
        self.first = next(iter(p.configs[0].values))
        self.start = min((r["wall_seconds"] for r in done), default=None)
        big = [r for r in done if r["steps"]["total"] >= 200]
        self.overall = self._rate(big) if big else None
        self.per = {v: self._rate([r for r in big if r["config"][self.first] == v])
                    for v in sorted({r["config"][self.first] for r in big})}

    def _rate(self, rows: list[dict]) -> float:
        return max(0.0, sum(r["wall_seconds"] - self.start for r in rows)) / sum(
            r["steps"]["total"] for r in rows)

    def seconds(self, c: Config) -> float | None:
        """Return the estimate for ``c``, or None while no rate is measured."""
        if self.overall is None:
            return None
        return self.start + c.commands * self.per.get(c.values[self.first], self.overall)


def _estimate(p: Plan, done: list[dict], left: list[Config]) -> str:
    """Estimate the time left from the measured runs (`Rates`)."""
    if not left:
        return "time left: none (every selected configuration is done)"
    if not done:
        return (f"time left: unknown (nothing measured yet); {len(left)} configurations, "
                f"{sum(c.commands for c in left):,} planned commands")
    r = Rates(p, done)
    if r.overall is None:
        return (f"time left: at least {_hours(r.start * len(left))} ({len(left)} "
                f"configurations x {r.start:.0f} s start-up) + "
                f"{sum(c.commands for c in left):,} planned commands at a rate not measured "
                "yet (no run of >= 200 commands done)")
    seconds = sum(r.seconds(c) for c in left)
    rates = ", ".join(f"{k} {v:.2f}" for k, v in r.per.items())
    return (f"time left: about {_hours(seconds)} for {len(left)} configurations "
            f"({sum(c.commands for c in left):,} planned commands; {r.start:.0f} s start-up "
            f"each; s per command run: overall {r.overall:.2f}, by {r.first}: {rates}; the "
            "pieces' prefixes add a few % of commands)")


def _full_run(p: Plan, now: dict[str, dict], done: list[dict]) -> str:
    """Say how long a full run of the selection takes: one configuration per class of twins
    (the first in run order), at its run's measured wall time where one ran (its own or a
    twin's), else at the `Rates` estimate."""
    r = Rates(p, done)
    seconds, measured, seen = 0.0, 0, set()
    for c in p.selected:
        cls = c.twin_class
        if cls in seen:
            continue
        seen.add(cls)
        row = standing(now, c)[0]
        if row is not None and row["status"] == "done":
            seconds += row["wall_seconds"]
            measured += 1
        else:
            seconds += r.seconds(c) or 0.0
    return (f"a full run: about {_hours(seconds)} for {len(seen)} configurations (one per "
            f"class of twins; {measured} measured, {len(seen) - measured} estimated)")


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f}%" if b else "-"


def _hours(s: float) -> str:
    return f"{s / 3600:.2f} h" if s >= 3600 else f"{s / 60:.1f} min"


def print_plan(args, p: Plan, ledger: Path, out=sys.stdout, err=sys.stderr) -> int:
    now = latest(read_ledger(ledger, err), p, args.adapter)
    for n, c in enumerate(p.selected, 1):
        r, via = standing(now, c)
        mark = "twin" if via else r["status"] if r else "-"
        out.write(f"{n:>3}  {c.commands:>6,}  {c.transitions:>6,}  {mark:<8} {c.id}\n")
    out.write(f"     {sum(c.commands for c in p.selected):>6,}  "
              f"{sum(c.transitions for c in p.selected):>6,}  (planned commands, transitions; "
              f"{len(p.selected)} configurations)\n")
    return 0


# -- the command line ------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python benchmarks/real_engine_tours.py",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run the full transition tour of the docker model on a real engine, one "
        "configuration at a time, resumably: each configuration's result is appended to "
        "benchmarks/results/tours/ENGINE.jsonl, keyed by the model's hash and the divergences "
        "file's hash; the next session runs only what is not recorded for them.",
        epilog="examples:\n"
        "  python benchmarks/real_engine_tours.py --engine docker --budget 120   # 2 h, then stop\n"
        "  python benchmarks/real_engine_tours.py --engine docker --only policy=always "
        "--only max_retries=1\n"
        "  python benchmarks/real_engine_tours.py --engine podman --report\n"
        "  python benchmarks/real_engine_tours.py --engine docker --plan     # the order, sizes\n"
        "\nOrder: smallest planned tour first. --budget: a configuration starts only when its "
        "estimate (its\nplanned commands at the seconds per command the ledger measured for its "
        "restart policy, plus\nthe start-up) fits in what is left; the estimate can be short, "
        "and the one running finishes\n(within its own limit). Ctrl-C / SIGTERM end the "
        "running configuration cleanly (its containers\nremoved) and record nothing for "
        "it.\n\nexit codes: 0 all ran as recorded divergences allow, 1 a divergence, "
        "inconclusive step or time\nlimit, 2 bad arguments, 3 an engine failed, 130/143 "
        "interrupted")
    ap.add_argument("--engine", required=True, metavar="ENGINE",
                    help="docker or podman: the engine, and the ledger's name")
    ap.add_argument("--budget", type=float, metavar="MINUTES",
                    help="start a configuration only when it fits in what is left of this "
                    "many minutes, at the rate measured so far (before any: only while some "
                    "is left); default: no limit")
    ap.add_argument("--jobs", type=int, default=2, metavar="N",
                    help="--jobs of each run (default 2; 1 runs tours uncut: Docker's restart "
                    "back-off then makes long restart-policy pieces crawl)")
    ap.add_argument("--only", action="append", default=[], metavar="PARAM=VALUE",
                    help="only configurations with this value (repeat; as conform --config: "
                    "values of one parameter are alternatives), e.g. --only policy=always")
    ap.add_argument("--timeout", type=float, metavar="MINUTES",
                    help=f"time limit per configuration (default {BASE_LIMIT / 60:g} min + "
                    f"{SECONDS_PER_COMMAND:g} s per planned command)")
    ap.add_argument("--retry-timeouts", action="store_true",
                    help="run again configurations whose recorded run hit its time limit")
    ap.add_argument("--retry-diverged", action="store_true",
                    help="run again configurations whose recorded run diverged or had an "
                    "inconclusive step (after a fix of the model or the harness, or to see a "
                    "time window hold; the new row supersedes the old)")
    ap.add_argument("--retry-unlisted", action="store_true",
                    help="run again done configurations whose row does not list its covered "
                    "transitions (rows from before covered_edges), so that --report "
                    "--transitions can list every one")
    ap.add_argument("--all-twins", action="store_true",
                    help="run also configurations whose observationally equivalent twin is "
                    "done (by default a run of one counts for its class: they differ only in "
                    "what the engine cannot see, e.g. the Docker model's term); to check the "
                    "equivalence on the engine, or to keep per-configuration rows")
    ap.add_argument("--report", action="store_true",
                    help="print the aggregate of the ledger for the current model; run nothing")
    ap.add_argument("--transitions", type=Path, metavar="FILE",
                    help="with --report: also write every transition of the selection, one "
                    "per line, tab-separated: configuration, covered / not covered: <why> / "
                    "not run, action, source state, target state")
    ap.add_argument("--plan", action="store_true",
                    help="print the configurations in run order with their planned commands "
                    "and ledger status; run nothing")
    ap.add_argument("--adapter", metavar="SPEC",
                    help="the dockproof adapter (default: the engine), e.g. reference to try "
                    "the ledger in seconds; any other than the engine needs --ledger")
    ap.add_argument("--ledger", type=Path, metavar="FILE",
                    help="the ledger file (default: benchmarks/results/tours/ENGINE.jsonl)")
    ap.add_argument("--model", default="docker", metavar="MODEL",
                    help="a model file or built-in model's name (default: docker)")
    return ap


def check_args(args) -> None:
    if args.engine not in ENGINES:
        raise Usage(f"--engine {args.engine}: give docker or podman")
    if args.adapter is None:
        args.adapter = args.engine
    if args.adapter != args.engine and args.ledger is None:
        raise Usage(f"--adapter {args.adapter} is not the engine {args.engine}: give --ledger "
                    "FILE (the engine's ledger holds that engine's runs only)")
    if args.budget is not None and not args.budget > 0:
        raise Usage(f"--budget {args.budget:g}: give minutes > 0")
    if args.timeout is not None and not args.timeout > 0:
        raise Usage(f"--timeout {args.timeout:g}: give minutes > 0")
    if args.jobs < 1:
        raise Usage(f"--jobs {args.jobs}: give N >= 1")
    if args.report and args.plan:
        raise Usage("give --report or --plan, not both")
    if args.transitions is not None and not args.report:
        raise Usage("--transitions goes with --report")


def main(argv: list[str] | None = None, out=sys.stdout, err=sys.stderr) -> int:
    from dockproof.sut.registry import resolve
    from dockproof.errors import DockproofError

    ap = parser()
    try:
        args = ap.parse_args(argv)
    except SystemExit as exc:  # argparse printed its message; its code is 2 (0 for --help)
        return int(exc.code or 0)
    try:
        check_args(args)
        ledger = args.ledger or RESULTS / f"{args.engine}.jsonl"
        unsupported = resolve(args.adapter).unsupported
        p = plan(args.model, args.only, unsupported, engine=args.engine)
    except Usage as exc:
        err.write(f"error: {exc}\n")
        return 2
    except DockproofError as exc:
        text = exc.render().replace("--config", "--only")
        err.write(text + "\n")
        return exc.exit_code
    if args.report:
        code = report(args, p, ledger, unsupported, out, err)
        if args.transitions is not None:
            write_transitions(args, p, ledger, unsupported, out, err)
        return code
    if args.plan:
        return print_plan(args, p, ledger, out, err)
    return session(args, p, ledger, out, err)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # e.g. --report | head
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
