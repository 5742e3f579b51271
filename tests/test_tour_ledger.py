"""The resumable real-engine tour (benchmarks/real_engine_tours.py) and the tour pieces that
respect an engine's restart back-off (`parallel.split` with ``restarts``), without a real engine:
the reference adapter runs each configuration in a child process in about a second."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from dockproof.sut.reference import ReferenceAdapter
from dockproof.conformance import configs
from dockproof.conformance.coverage import DIVERTED
from dockproof.conformance.generate import transition_tour
from dockproof.conformance.harness import Harness
from dockproof.conformance.oracle import Oracle, Segment, segment_of
from dockproof.conformance.parallel import run_parallel, split
from dockproof.engines.statespace import explore
from dockproof.spec.loader import load_model

from helpers import ROOT, SEED, run_cli

DOCKER = ROOT / "model" / "docker.toml"
SCRIPT = ROOT / "benchmarks" / "real_engine_tours.py"
ALWAYS = ["policy=always", "max_retries=0", "mem_limit=true", "oom_kill_disable=false",
          "term=dies"]
# Two 17-command configurations (a retry count Docker refuses with --restart=always).
SMALL = ["--only", "policy=always", "--only", "max_retries=1", "--only", "mem_limit=true",
         "--only", "oom_kill_disable=true"]
# Commands that give the container a fresh restart manager (or a new container).
FRESH = {"start", "restart", "create", "run", "rm", "rm_force", "daemon_restart"}

FAKE_ADAPTERS = '''
import time
from dockproof.sut.contract import Capabilities
from dockproof.sut.reference import ReferenceAdapter

class Limited(ReferenceAdapter):
    """The reference, with an engine's limit of automatic restarts in a row."""
    capabilities = Capabilities(engine="reference", version="0", restarts_before_backoff=3)

class Slow(ReferenceAdapter):
    """The reference at 20 commands a second: a run long enough to interrupt."""
    def apply(self, command):
        time.sleep(0.05)
        return super().apply(command)
'''


def _module():
    spec = importlib.util.spec_from_file_location("real_engine_tours", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


tours = _module()


# -- split: pieces within an engine's restart back-off ---------------------------------------


def _oracle(items=ALWAYS):
    model = load_model(DOCKER)
    return Oracle(model, space=configs.restrict(explore(model), configs.parse(items, model)))


def _longest_run(oracle: Oracle, seg: Segment) -> int:
    """Count, apart from split's own code, the most automatic restarts in a row in a piece:
    the auto_restart edges along each settled step's settle edges, back to 0 after an
    accepted command that gives a fresh restart manager."""
    auto = [a.name for a in oracle.model.actions].index("auto_restart")
    state, run, worst = seg.initial, 0, 0
    for step in seg.steps:
        r = oracle.respond(state, step.key)
        state = oracle.primary(r)[0]
        if r.accepted and step.key[0] in FRESH:
            run = 0
        if step.settle:
            target = oracle.settled(state)
            while state != target:
                a, state = next((a, d) for a, d in oracle.out[state] if a in oracle.map.settle)
                run += a == auto
        worst = max(worst, run)
    return worst


def _old_split(oracle, test, size):
    """`split` as it was before the restart limit (commit 4445bf1), verbatim."""
    _dist, prev = oracle.distances(list(oracle.space.initial))
    out = []
    for seg in test.segments:
        state, start, piece_initial, prefix = seg.initial, 0, seg.initial, ()
        for n, step in enumerate(seg.steps):
            post = oracle.primary(oracle.respond(state, step.key))[0]
            state = oracle.settled(post) if step.settle else post
            reachable = state in prev or state in oracle.space.initial
            if step.settle and reachable and size <= n + 1 - start < len(seg.steps) - start:
                out.append(Segment(piece_initial, prefix + seg.steps[start:n + 1]))
                piece_initial, arcs = oracle.path(state, prev)
                prefix, start = segment_of(oracle, piece_initial, arcs).steps, n + 1
        out.append(Segment(piece_initial, prefix + seg.steps[start:]))
    return replace(test, segments=tuple(out))


@pytest.fixture(scope="module")
def always():
    oracle = _oracle()
    return oracle, transition_tour(oracle)


@pytest.mark.parametrize("limit", [3, 4])
def test_pieces_never_take_more_automatic_restarts_in_a_row_than_the_limit(always, limit):
    oracle, tour = always
    assert max(_longest_run(oracle, s) for s in tour.segments) > limit  # else nothing to show
    size = max(50, tour.steps // 8 + 1)  # as --jobs 2 cuts it
    plain = split(oracle, tour, size)
    assert max(_longest_run(oracle, s) for s in plain.segments) > limit
    pieces = split(oracle, tour, size, restarts=limit)
    assert max(_longest_run(oracle, s) for s in pieces.segments) <= limit
    assert len(pieces.segments) > len(plain.segments)
    assert all(p.initial in oracle.space.initial for p in pieces.segments)
    assert all(p.steps[-1].settle for p in pieces.segments)  # cut at settled steps only
    # every command of the tour is still sent, in order, once outside the prefixes
    assert pieces.steps >= tour.steps


@pytest.mark.parametrize("limit", [1, 4])
def test_a_split_tour_covers_what_the_whole_tour_covers(always, limit):
    oracle, tour = always
    pieces = split(oracle, tour, max(50, tour.steps // 8 + 1), restarts=limit)
    whole = Harness(oracle).run(tour, ReferenceAdapter())
    cut = Harness(oracle).run(pieces, ReferenceAdapter())
    assert whole.exit_code == cut.exit_code == 0
    assert cut.coverage.edges == whole.coverage.edges and len(whole.coverage.edges) > 1000
    two = run_parallel(lambda a: Harness(oracle), pieces, [ReferenceAdapter(), ReferenceAdapter()])
    assert two.exit_code == 0 and two.coverage.edges == whole.coverage.edges


def test_without_a_limit_split_cuts_as_before():
    for oracle in (Oracle(load_model(SEED)), _oracle(ALWAYS[:1] + ["mem_limit=true"])):
        tour = transition_tour(oracle)
        for size in (40, 300):
            before = _old_split(oracle, tour, size)
            assert split(oracle, tour, size) == before
            assert split(oracle, tour, size, restarts=None) == before
            # a limit no piece reaches changes nothing either
            longest = max(_longest_run(oracle, s) for s in tour.segments)
            assert split(oracle, tour, size, restarts=longest) == before


@pytest.fixture
def fake_adapters(tmp_path, monkeypatch):
    (tmp_path / "fakeadapters.py").write_text(FAKE_ADAPTERS)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(tmp_path)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    return tmp_path


def test_conform_jobs_takes_the_limit_from_the_adapter(fake_adapters, monkeypatch):
    from dockproof.conformance import parallel

    seen, real = [], parallel.split

    def spy(oracle, test, size, restarts=None):
        seen.append(restarts)
        return real(oracle, test, size, restarts=restarts)

    monkeypatch.setattr(parallel, "split", spy)
    args = ["docker", "--json", "--jobs", "2"] + [f"--config={c}" for c in ALWAYS]
    runs = {}
    for adapter in ("fakeadapters:Limited", "reference"):
        code, out, _ = run_cli("conform", *args, "--adapter", adapter)
        runs[adapter] = json.loads(out)
        assert code == 0
    assert seen == [3, None]
    assert runs["fakeadapters:Limited"]["steps"] > runs["reference"]["steps"]
    assert (runs["fakeadapters:Limited"]["coverage"]["transitions"]
            == runs["reference"]["coverage"]["transitions"])


def test_docker_declares_its_back_off_and_podman_none():
    from dockproof.sut.real.docker import DockerAdapter
    from dockproof.sut.real.podman import PodmanAdapter

    assert DockerAdapter.capabilities_for(private=True).restarts_before_backoff == 4
    assert PodmanAdapter.capabilities.restarts_before_backoff is None


# -- the ledger --------------------------------------------------------------------------------


def _script(*args, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def _rows(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def _report(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = tours.main(["--engine", "docker", "--report", *args], out, err)
    return code, out.getvalue(), err.getvalue()


def test_a_session_records_each_configuration_and_the_next_skips_them(tmp_path):
    ledger = tmp_path / "t.jsonl"
    base = ("--engine", "docker", "--adapter", "reference", "--ledger", str(ledger), *SMALL)
    twin = "policy=always max_retries=1 mem_limit=true oom_kill_disable=true term=ignores"
    first = _script(*base)
    assert first.returncode == 0, first.stderr
    # term is not sent to the engine: the second is the first's experiment (its twin)
    assert f"[2/2] {twin}: done by its twin's run this session" in first.stdout
    rows = _rows(ledger)
    assert [r["config_id"] for r in rows] == [
        "policy=always max_retries=1 mem_limit=true oom_kill_disable=true term=dies"]
    model = load_model(DOCKER)
    for r in rows:
        assert r["status"] == "done" and r["verdict"] == "conformed" and r["exit_code"] == 0
        assert r["model_sha256_16"] == model.digest
        assert r["divergences_sha256_16"] == tours.entries_hash(
            ROOT / "properties" / "divergences.toml", "docker")
        # no Docker entry can apply where Docker refuses the container at create
        assert r[tours.CFG_DIV_KEY] == _hash_of([])
        assert r["steps"] == {"total": 17, "pass": 17, "known": 0, "fail": 0,
                              "inconclusive": 0}
        assert r["transitions"] == [2, 2] and r["engine"] == "reference"
        assert r["command"].startswith("dockproof conform docker --adapter reference --json "
                                       "--jobs 2 --allow-known --config policy=always")
    again = _script(*base)
    assert again.returncode == 0 and "2 already recorded, 0 to run" in again.stdout
    assert "of those recorded, 1 by an observationally equivalent twin's run: they differ " \
        "in term" in again.stdout
    assert len(_rows(ledger)) == 1
    _code, out, _ = _report(*base[2:])
    assert "configurations: 2/2 done (1 run, 1 by an observationally equivalent twin's run)" \
        in out and "transitions covered: 4/4 (100.0%) of the selection, 2 of them as the " \
        "same experiment in a twin's run" in out
    assert "for 1 configurations (one per class of twins; 1 measured, 0 estimated)" in out
    plan = _script(*base, "--plan").stdout.splitlines()
    assert plan[1].split()[3:5] == ["twin", "policy=always"] and plan[1].endswith(twin)
    wider = _script(*base[:-2])  # oom_kill_disable=true|false: one more class to run
    assert "2 already recorded, 2 to run" in wider.stdout and len(_rows(ledger)) == 2
    both = _script(*base, "--all-twins")
    assert "1 already recorded, 1 to run" in both.stdout and _rows(ledger)[-1]["config_id"] == twin
    # both members ran: the report compares them (same verdict, same experiments covered)
    assert "twins both run: 1 classes; the same verdict in 1; the experiments their listed " \
        "runs covered: 2 by both, 0 by one only" in _report(*base[2:])[1]


def test_a_changed_model_makes_the_rows_stale_and_runs_them_again(tmp_path):
    (tmp_path / "model").mkdir()
    model = tmp_path / "model" / "docker.toml"
    model.write_text(DOCKER.read_text())
    ledger = tmp_path / "t.jsonl"
    base = ("--engine", "docker", "--adapter", "reference", "--ledger", str(ledger),
            "--model", str(model), *SMALL)
    assert _script(*base).returncode == 0
    code, out, _ = _report(*base[2:])
    assert code == 0 and "configurations: 2/2 done" in out and "stale rows" not in out
    old = load_model(model).digest
    model.write_text(model.read_text() + "\n# an edit\n")
    code, out, _ = _report(*base[2:])
    assert "configurations: 0/2 done" in out
    assert f"1 of an older model (hash {old})" in out  # the other was its twin's run
    rerun = _script(*base)
    assert "0 already recorded, 2 to run" in rerun.stdout
    rows = _rows(ledger)
    assert len(rows) == 2 and rows[0]["model_sha256_16"] == old != rows[1]["model_sha256_16"]
    assert "configurations: 2/2 done" in _report(*base[2:])[1]


def test_the_report_sums_the_current_rows_only(tmp_path):
    only = ["policy=no", "max_retries=0", "term=dies"]
    p = tours.plan("docker", only, {}, tours=False, engine="docker")
    a, b, c, d = p.selected
    ledger = tmp_path / "t.jsonl"

    def row(cfg, **kw):
        r = {"config": cfg.values, "config_id": cfg.id, "adapter": "reference",
             "model_sha256_16": p.model_hash, "divergences_sha256_16": p.divergences_hash,
             "status": "done", "verdict": "conformed", "exit_code": 0, "wall_seconds": 100.0,
             "date": "2030-01-01T00:00:00+00:00", "planned_commands": 1000,
             "engine": "docker", "engine_version": "20.10.24", "known": {}, "replay": None,
             "uncovered": {}, "stale_entries": [], "states": [10, cfg.states],
             "steps": {"total": 1000, "pass": 1000, "known": 0, "fail": 0, "inconclusive": 0},
             "transitions": [300, cfg.transitions]}
        r.update(kw)
        return r

    rows = [
        row(a, steps={"total": 1100, "pass": 1000, "known": 90, "fail": 1, "inconclusive": 9},
            verdict="diverged", exit_code=1, known={"k-one": 60, "k-two": 30},
            replay="dockproof replay --commands 'run; kill' --adapter docker",
            inconclusive_steps=[{"segment": 3, "step": 17, "command": "stop",
                                 "note": "the adapter's time window elapsed: x",
                                 "evidence": {"/proc/7": "dd state D wchan y"}}]),
        row(b, known={"k-one": 5}, transitions=[250, b.transitions], wall_seconds=200.0,
            steps={"total": 1000, "pass": 995, "known": 5, "fail": 0, "inconclusive": 0}),
        row(c, status="timeout", verdict="timeout", steps=None, transitions=None,
            wall_seconds=50.0),
        row(d, model_sha256_16="0123456789abcdef", wall_seconds=9999.0,
            steps={"total": 7777, "pass": 7777, "known": 0, "fail": 0, "inconclusive": 0}),
        # an older entries file matters only to a run that needed an entry
        row(d, divergences_sha256_16="fedcba9876543210", known={"k-one": 1},
            verdict="known divergences",
            steps={"total": 1000, "pass": 999, "known": 1, "fail": 0, "inconclusive": 0}),
    ]
    ledger.write_text("".join(json.dumps(r) + "\n" for r in rows) + "not json\n")
    code, out, err = _report("--adapter", "reference", "--ledger", str(ledger),
                             *[x for o in only for x in ("--only", o)])
    assert code == 0
    assert "configurations: 2/4 done (1 timeout not done)" in out
    assert "commands run: 2,100 (1,995 pass, 95 known, 1 fail, 9 inconclusive)" in out
    total = sum(x.transitions for x in p.selected)
    assert f"transitions covered: 550/{total:,} " in out
    assert "divergences: 1\n" in out
    assert "replay: dockproof replay --commands 'run; kill' --adapter docker" in out
    assert (f"  inconclusive steps: 9 in {a.id} (2030-01-01T00:00:00+00:00)\n"
            "    at 3.17 `stop`: the adapter's time window elapsed: x\n"
            "      kernel: /proc/7: dd state D wchan y\n") in out
    assert "known divergences: 95" in out and "k-one: 65 steps in 2 configurations" in out
    assert "time spent: 5.8 min" in out  # 100 + 200 + 50 s: the stale rows do not count
    # start-up: the fastest done run (100 s); then (0 + 100 s) / (1,100 + 1,000) commands run
    assert "time left: about " in out and " for 2 configurations " in out
    assert "100 s start-up each; s per command run: overall 0.05, by policy: no 0.05" in out
    assert "stale rows (kept in the ledger, not counted above): 2" in out
    assert "1 of an older model (hash 0123456789abcdef)" in out
    assert "1 of an older divergences file (hash fedcba9876543210)" in out
    assert "the 96 configurations partition the model's graph" in out
    assert "not a ledger row, skipped" in err


def test_the_configurations_partition_the_graph_as_the_report_says():
    p = tours.plan("docker", [], {}, tours=False, engine="docker")
    ok, _line = p.partition()
    space = explore(load_model(DOCKER))
    assert ok and len(p.configs) == len(space.initial) == 96
    assert sum(c.transitions for c in p.configs) == len(space.edges)
    broken = replace(p, global_transitions=p.global_transitions + 1)
    assert broken.partition()[0] is False and "DO NOT partition" in broken.partition()[1]


@pytest.mark.parametrize("args, says", [
    (["--only", "polcy=always"], "did you mean 'policy'?"),
    (["--only", "policy=sometimes"], "'sometimes' is not a value of policy"),
    (["--only", "policy"], "'policy' is not PARAMETER=VALUE"),
    (["--engine", "dockr"], "--engine dockr: give docker or podman"),
    (["--adapter", "reference"], "give --ledger FILE"),
    (["--budget", "0"], "--budget 0: give minutes > 0"),
    (["--jobs", "0"], "--jobs 0: give N >= 1"),
    (["--model", "nosuchmodel"], "no such model file or built-in model"),
])
def test_bad_arguments_exit_2_with_one_clear_line(args, says):
    argv = ["--engine", "docker", *args] if "--engine" not in args else args
    out, err = io.StringIO(), io.StringIO()
    code = tours.main(argv, out, err)
    assert code == 2 and says in err.getvalue() and "Traceback" not in err.getvalue()
    assert len(err.getvalue().strip().splitlines()) == 1 and out.getvalue() == ""


def test_bad_only_from_the_command_line():
    proc = _script("--engine", "docker", "--only", "polcy=always")
    assert proc.returncode == 2 and "--only" in proc.stderr and "Traceback" not in proc.stderr


# -- interrupts and time limits ----------------------------------------------------------------


def _children(marker: str) -> list[int]:
    """The pids of processes whose command line holds ``marker``."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if marker in cmd and "conform" in cmd:
                out.append(int(d.name))
    return out


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_an_interrupt_ends_the_child_and_records_nothing(fake_adapters, sig, code):
    model = fake_adapters / "docker.toml"
    model.write_text(DOCKER.read_text())
    ledger = fake_adapters / "t.jsonl"
    proc = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--engine", "docker", "--adapter",
         "fakeadapters:Slow", "--ledger", str(ledger), "--model", str(model),
         "--only", "policy=no", "--only", "max_retries=0", "--only", "term=dies",
         "--only", "mem_limit=false", "--only", "oom_kill_disable=false"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    deadline = time.monotonic() + 60
    while not _children(str(model)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _children(str(model)), "the child never started"
    time.sleep(2)  # well into its 1,000-command run (about a minute at 20 commands/s)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == code, (out, err)
    assert f"interrupted ({sig.name}): nothing recorded" in out
    assert _rows(ledger) == [] and _children(str(model)) == []


def test_a_run_past_its_time_limit_is_recorded_as_such_and_not_done(fake_adapters):
    ledger = fake_adapters / "t.jsonl"
    base = ("--engine", "docker", "--adapter", "fakeadapters:Slow", "--ledger",
            str(ledger), "--only", "policy=no", "--only", "max_retries=0", "--only",
            "term=dies", "--only", "mem_limit=false", "--only", "oom_kill_disable=false")
    first = _script(*base, "--timeout", "0.05")
    assert first.returncode == 1 and "time limit 0.1 min reached" in first.stderr
    (row,) = _rows(ledger)
    assert row["status"] == "timeout" and "steps" not in row and row["wall_seconds"] < 60
    _code, out, _ = _report(*base[2:])
    assert "configurations: 0/1 done (1 timeout not done)" in out
    again = _script(*base, "--timeout", "0.05")
    assert "1 already recorded, 0 to run" in again.stdout and len(_rows(ledger)) == 1
    retry = _script(*base, "--timeout", "0.05", "--retry-timeouts")
    assert "0 already recorded, 1 to run" in retry.stdout and len(_rows(ledger)) == 2


def test_only_the_engines_own_divergence_entries_key_its_rows(tmp_path):
    # editing a Podman entry must not make a Docker row stale (a full re-run is hours)
    src = (ROOT / "properties" / "divergences.toml").read_text()
    f = tmp_path / "divergences.toml"
    f.write_text(src)
    docker, podman = tours.entries_hash(f, "docker"), tours.entries_hash(f, "podman")
    f.write_text(src.replace('id = "podman-oomkilled-false"', 'id = "podman-oomkilled-lost"'))
    assert tours.entries_hash(f, "docker") == docker
    assert tours.entries_hash(f, "podman") != podman
    f.write_text(src.replace('id = "docker-oomkilled-without-its-oom-event"', 'id = "x"'))
    assert tours.entries_hash(f, "docker") != docker


def test_a_diverged_configuration_runs_again_only_when_asked(tmp_path):
    ledger = tmp_path / "t.jsonl"
    base = ("--engine", "docker", "--adapter", "reference", "--ledger", str(ledger), *SMALL,
            "--only", "term=dies")
    assert _script(*base).returncode == 0
    (row,) = _rows(ledger)
    row.update(verdict="diverged", exit_code=1)  # as a run before a harness fix recorded it
    ledger.write_text(json.dumps(row) + "\n")
    again = _script(*base)
    assert again.returncode == 0 and "1 already recorded, 0 to run" in again.stdout
    retry = _script(*base, "--retry-diverged")
    assert retry.returncode == 0 and "0 already recorded, 1 to run" in retry.stdout
    rows = _rows(ledger)
    assert [r["verdict"] for r in rows] == ["diverged", "conformed"]
    assert "configurations: 1/1 done" in _report("--adapter", "reference", "--ledger",
                                                  str(ledger), *SMALL[0:], "--only",
                                                  "term=dies")[1]
    # an inconclusive step (a time window ran out) is run again the same way
    row.update(verdict="inconclusive", steps={**row["steps"], "pass": 16, "inconclusive": 1})
    ledger.write_text(json.dumps(row) + "\n")
    assert "1 already recorded, 0 to run" in _script(*base).stdout
    assert "0 already recorded, 1 to run" in _script(*base, "--retry-diverged").stdout
    assert [r["verdict"] for r in _rows(ledger)] == ["inconclusive", "conformed"]


def test_the_report_lists_every_transition_with_the_rows_covered_edges(tmp_path):
    ledger, listing = tmp_path / "t.jsonl", tmp_path / "transitions.tsv"
    only = ("--only", "policy=no", "--only", "max_retries=0", "--only", "mem_limit=false",
            "--only", "term=dies")  # oom_kill_disable=false|true: two configurations
    base = ("--engine", "docker", "--adapter", "reference", "--ledger", str(ledger))
    ran = _script(*base, *only[:-2], "--only", "oom_kill_disable=false", *only[-2:])
    assert ran.returncode == 0, ran.stderr
    [row] = _rows(ledger)
    covered, total = row["transitions"]
    row_edges = row["covered_edges"]
    assert sum(n for _first, n in row_edges) == covered
    code, out, err = _report(*base[2:], *only, "--transitions", str(listing))
    assert code == 0, err
    lines = [ln.split("\t") for ln in listing.read_text().splitlines()]
    assert lines[0] == ["configuration", "verdict", "action", "source", "target"]
    mine = [ln for ln in lines[1:] if ln[0] == row["config_id"]]
    other = [ln for ln in lines[1:] if ln[0] != row["config_id"]]
    assert len(mine) == total and sum(ln[1] == "covered" for ln in mine) == covered
    assert all(ln[1] == "covered" or ln[1].startswith("not covered: ") for ln in mine)
    assert other and {ln[1] for ln in other} == {"not run"}
    # the listing agrees with what the run itself wrote
    own = tmp_path / "own.tsv"
    from dockproof.cli import main as dockproof

    assert dockproof(["conform", "docker", "--adapter", "reference", "--config", "policy=no",
                      "--config", "max_retries=0", "--config", "mem_limit=false", "--config",
                      "oom_kill_disable=false", "--config", "term=dies", "--transitions",
                      str(own)], io.StringIO(), io.StringIO()) == 0
    assert [ln.split("\t") for ln in own.read_text().splitlines()[1:]] == [ln[1:] for ln in mine]
    # a row from before edge lists is listed as such
    del row["covered_edges"]
    ledger.write_text(json.dumps(row) + "\n")
    _report(*base[2:], *only, "--transitions", str(listing))
    verdicts = {ln.split("\t")[1] for ln in listing.read_text().splitlines()[1:]
                if ln.startswith(row["config_id"] + "\t")}
    assert verdicts == {"not listed (its row predates edge lists: run it again to list them)"}
    again = _script(*base, *only[:-2], "--only", "oom_kill_disable=false", *only[-2:],
                    "--retry-unlisted")
    assert "0 already recorded, 1 to run" in again.stdout, again.stdout
    assert _rows(ledger)[-1]["covered_edges"] == row_edges
    err = io.StringIO()
    assert tours.main([*base[2:], "--engine", "docker", "--transitions", str(listing)],
                      io.StringIO(), err) == 2
    assert err.getvalue() == "error: --transitions goes with --report\n"


def test_a_row_that_needed_no_entry_outlives_an_entry_change(tmp_path):
    """Entries are consulted only for steps that differ from the model: a row whose every
    step conformed stays current when the entries change; one that met a known divergence
    (or failed, or was inconclusive) is run again."""
    p = tours.plan("docker", SMALL[1::2], {}, tours=False, engine="docker")
    clean = {"config_id": "c", tours.MODEL_KEY: p.model_hash, tours.DIV_KEY: "older",
             "adapter": "docker", "status": "done", "verdict": "conformed", "known": {},
             "stale_entries": [], "steps": {"total": 5, "pass": 5, "known": 0, "fail": 0,
                                            "inconclusive": 0}}
    assert tours.is_current(clean, p, "docker")
    assert not tours.is_current({**clean, tours.MODEL_KEY: "other"}, p, "docker")
    assert not tours.is_current(clean, p, "podman")
    for change in ({"known": {"podman-error-texts": 1}, "verdict": "known divergences",
                    "steps": {**clean["steps"], "pass": 4, "known": 1}},
                   {"verdict": "diverged", "steps": {**clean["steps"], "pass": 4, "fail": 1}},
                   {"verdict": "inconclusive",
                    "steps": {**clean["steps"], "pass": 4, "inconclusive": 1}},
                   {"stale_entries": ["docker-oomkilled-without-its-oom-event"]}):
        assert not tours.is_current({**clean, **change}, p, "docker"), change
        assert tours.is_current({**clean, **change, tours.DIV_KEY: p.divergences_hash}, p,
                                "docker")


def _hash_of(entries: list) -> str:
    return tours.hashlib.sha256(json.dumps(entries, sort_keys=True).encode()).hexdigest()[:16]


def _parts(model, *items):
    space = explore(model)
    return [configs.restrict(space, configs.parse(list(i), model)) for i in items]


def test_a_configuration_is_keyed_by_the_entries_that_can_apply_in_it(tmp_path):
    model = load_model(DOCKER)
    oom = ("policy=always", "max_retries=0", "mem_limit=true", "oom_kill_disable=false",
           "term=dies")
    no_limit = ("policy=always", "max_retries=0", "mem_limit=false", "oom_kill_disable=false",
                "term=dies")
    parts = _parts(model, oom, no_limit)
    src = (ROOT / "properties" / "divergences.toml").read_text()
    f = tmp_path / "divergences.toml"
    f.write_text(src)
    before = tours.config_entries_hashes(f, "docker", model, parts)
    # the OOM entry's `when` needs a memory limit: the configuration without one ignores it
    f.write_text(src.replace('id = "docker-oomkilled-without-its-oom-event"', 'id = "x"'))
    after = tours.config_entries_hashes(f, "docker", model, parts)
    assert after[0] != before[0] and after[1] == before[1]
    # the kill race needs a restart policy: both configurations have one
    f.write_text(src.replace('id = "docker-kill-loses-to-a-policy-restart"', 'id = "y"'))
    assert all(a != b for a, b in zip(tours.config_entries_hashes(f, "docker", model, parts),
                                      before))
    # a Podman entry keys no Docker configuration
    f.write_text(src.replace('id = "podman-oomkilled-false"', 'id = "z"'))
    assert tours.config_entries_hashes(f, "docker", model, parts) == before
    # a configuration where every entry can apply is keyed like the whole file
    assert tours.config_entries_hashes(f, "docker", model, [explore(model)]) == [
        tours.entries_hash(f, "docker")]
    # a file that does not load keys every configuration by its bytes
    f.write_text("[[divergence]]\nid = 1\n")
    assert tours.config_entries_hashes(f, "docker", model, parts) == [tours.file_hash(f)] * 2


def test_a_row_outlives_a_change_of_entries_that_cannot_apply_in_its_configuration():
    p = tours.plan("docker", ["--only", "policy=always", "--only", "max_retries=0"][1::2], {},
                   tours=False, engine="docker")
    c = next(c for c in p.configs if c.values["mem_limit"] == "false")
    row = {"config_id": c.id, tours.MODEL_KEY: p.model_hash, tours.DIV_KEY: "older",
           "adapter": "docker", "status": "done", "verdict": "known divergences",
           "known": {"docker-kill-loses-to-a-policy-restart": 1}, "stale_entries": [],
           "steps": {"total": 5, "pass": 4, "known": 1, "fail": 0, "inconclusive": 0}}
    assert not tours.is_current(row, p, "docker")
    assert tours.stale_reason(row, p, "docker") == "older divergences file (hash older)"
    # judged with the entries that can apply here now: current, whatever the others are
    assert tours.is_current({**row, tours.CFG_DIV_KEY: c.entries_hash}, p, "docker")
    # a row from before the key, judged with a file whose entries are exactly those
    assert tours.is_current({**row, tours.DIV_KEY: c.entries_hash}, p, "docker")
    stale = {**row, tours.CFG_DIV_KEY: "0123456789abcdef"}
    assert not tours.is_current(stale, p, "docker")
    assert tours.stale_reason(stale, p, "docker") == (
        "older divergence entries about its configuration (hash 0123456789abcdef)")
    other = next(x for x in p.configs if x.entries_hash != c.entries_hash)
    assert not tours.is_current({**row, "config_id": other.id,
                                 tours.CFG_DIV_KEY: c.entries_hash}, p, "docker")


def test_the_ledger_keeps_the_transitions_a_recorded_refusal_stopped(tmp_path):
    """A row says which commanded transitions the engine did not take, as a recorded
    divergence said (`diverted_edges`), and the report's listing words them as the run's
    own listing did."""
    adapter = "podmanlike_adapter:PodmanLikeAdapter"  # refuses stop of a paused container
    only = ["policy=no", "max_retries=0", "mem_limit=false", "oom_kill_disable=false",
            "term=dies"]
    f = tmp_path / "divergences.toml"
    f.write_text('[meta]\nabout = "docker"\n\n[[divergence]]\nid = "stop-paused"\n'
                 'engine = "podmanlike"\ncommand = ["stop", "restart"]\n'
                 "when = \"status == 'paused'\"\nfields = [\"outcome\"]\nthen = \"refused\"\n"
                 'expected = "a"\nobserved = "b"\nreason = "c"\n')
    own, listing, ledger = tmp_path / "own.tsv", tmp_path / "all.tsv", tmp_path / "t.jsonl"
    code, out, err = run_cli("conform", "docker", "--adapter", adapter, "--json",
                             "--allow-known", "--divergences", str(f), "--transitions", str(own),
                             *[a for o in only for a in ("--config", o)])
    assert code == 0, err
    p = tours.plan("docker", only, {}, tours=False, engine="docker")
    [c] = p.selected
    row = tours.row_of(p, c, adapter, 1, p.divergences_hash, code, out, err, 1.0, False, 60.0,
                       own)
    lines = [ln.split("\t") for ln in own.read_text().splitlines()[1:]]
    why = "not covered: " + DIVERTED + "stop-paused"
    stopped = [k for k, ln in enumerate(lines) if ln[0] == why]
    assert stopped and row["diverted_edges"] == {"stop-paused": tours.runs_of(stopped)}
    ledger.write_text(json.dumps(row) + "\n")
    assert tours.main(["--engine", "docker", "--adapter", adapter, "--ledger", str(ledger),
                       "--report", "--transitions", str(listing),
                       *[a for o in only for a in ("--only", o)]],
                      io.StringIO(), io.StringIO()) == 0
    mine = [ln.split("\t")[1:] for ln in listing.read_text().splitlines()[1:]
            if ln.startswith(c.id + "\t")]
    assert mine == lines


def test_the_budget_starts_only_a_configuration_that_fits_at_the_measured_rate(tmp_path):
    """--budget starts a configuration only when its estimate (start-up + planned commands
    x measured seconds per command) fits in what is left of it."""
    ledger = tmp_path / "t.jsonl"
    p = tours.plan("docker", [], {}, tours=False, engine="docker")
    other = next(c for c in p.configs if c.values["max_retries"] == "0")  # not in SMALL
    measured = {"config": other.values, "config_id": other.id, tours.MODEL_KEY: p.model_hash,
                tours.DIV_KEY: p.divergences_hash, "adapter": "reference", "status": "done",
                "verdict": "conformed", "known": {}, "stale_entries": [], "wall_seconds": 600.0,
                "steps": {"total": 1000, "pass": 1000, "known": 0, "fail": 0,
                          "inconclusive": 0}}
    ledger.write_text(json.dumps(measured) + "\n")  # a 10-minute start-up, measured
    base = ("--engine", "docker", "--adapter", "reference", "--ledger", str(ledger), *SMALL,
            "--all-twins")  # SMALL is a pair of twins: both run
    short = _script(*base, "--budget", "5")
    assert short.returncode == 0, short.stderr
    assert "0 already recorded, 2 to run" in short.stdout
    assert ("budget of 5 min: 5 min left, and the next configuration takes about 10 min at "
            "the measured rate: 2 configurations left for the next session") in short.stdout
    assert len(_rows(ledger)) == 1
    # 11 min fit the first; its run (seconds) then measures the start-up anew: the second fits
    enough = _script(*base, "--budget", "11")
    assert enough.returncode == 0, enough.stderr
    assert "left for the next session" not in enough.stdout
    assert [r["status"] for r in _rows(ledger)] == ["done", "done", "done"]


def test_a_row_keeps_what_its_inconclusive_steps_waited_for():
    p = tours.plan("docker", SMALL[1::2], {}, tours=False, engine="docker")
    c = p.selected[0]
    unsure = [{"segment": 1, "step": k, "command": "stop", "note": f"window {k}",
               "state": {"status": "running"}} for k in range(1, 14)]
    doc = {"verdict": "inconclusive", "steps": 20, "passed": 7, "inconclusive": 13,
           "coverage": {"transitions": [2, 2], "states": [2, 2]},
           "inconclusive_steps": unsure}
    row = tours.row_of(p, c, "reference", 1, p.divergences_hash, 1, json.dumps(doc), "", 1.0,
                       False, 60.0)
    assert row["steps"]["inconclusive"] == 13
    assert row["inconclusive_steps"] == [{k: v for k, v in s.items() if k != "state"}
                                         for s in unsure[:tours.UNSURE_KEPT]]
    doc.update(inconclusive=0, passed=20, inconclusive_steps=[])
    row = tours.row_of(p, c, "reference", 1, p.divergences_hash, 0, json.dumps(doc), "", 1.0,
                       False, 60.0)
    assert row["inconclusive_steps"] is None


def test_a_twin_is_listed_with_its_twins_verdicts_and_they_cover_its_own_run(tmp_path):
    """A configuration done by its twin's run lists the twin's verdict of the same
    experiment for each of its transitions; what its own run covers (on the reference
    daemon, which does not see term either) is covered there too."""
    ledger, listing = tmp_path / "t.jsonl", tmp_path / "transitions.tsv"
    only = ("--only", "policy=no", "--only", "max_retries=0", "--only", "mem_limit=false",
            "--only", "oom_kill_disable=false")
    base = ("--engine", "docker", "--adapter", "reference", "--ledger", str(ledger))
    ran = _script(*base, *only)
    assert ran.returncode == 0, ran.stderr
    [row] = _rows(ledger)
    assert row["config"]["term"] == "dies"
    code, out, err = _report(*base[2:], *only, "--transitions", str(listing))
    assert code == 0, err
    lines = [ln.split("\t") for ln in listing.read_text().splitlines()[1:]]
    twin = [ln for ln in lines if ln[0] != row["config_id"]]
    assert twin and all(ln[1].endswith(f" (its twin's run: {row['config_id']})") for ln in twin)
    from dockproof.cli import main as dockproof

    own = tmp_path / "own.tsv"
    cfg = [x for pair in zip(["--config"] * 5, [o for o in only if o != "--only"]
                             + ["term=ignores"]) for x in pair]
    assert dockproof(["conform", "docker", "--adapter", "reference", *cfg, "--transitions",
                      str(own)], io.StringIO(), io.StringIO()) == 0
    mine = [ln.split("\t") for ln in own.read_text().splitlines()[1:]]
    assert [ln[2:] for ln in twin] == [ln[1:] for ln in mine]  # the same transitions, in order
    covered_own = {tuple(ln[1:]) for ln in mine if ln[0] == "covered"}
    covered_twin = {tuple(ln[2:]) for ln in twin if ln[1].startswith("covered ")}
    assert covered_own and covered_own <= covered_twin
    n_twin = len(covered_twin)
    assert f"transitions covered: {row['transitions'][0] + n_twin:,}/" in out


def test_a_twins_listed_row_lists_a_configuration_whose_own_row_does_not():
    p = tours.plan("docker", SMALL[1::2], {}, tours=False, engine="docker")
    a, b = p.selected
    assert a.twins == (b.id,) and b.twins == (a.id,)
    old = {"config_id": a.id, "status": "done", "verdict": "conformed", "transitions": [2, 2]}
    new = {**old, "config_id": b.id, "covered_edges": [[0, 2]]}
    now = {a.id: old, b.id: new}
    assert tours.standing(now, a) == (old, None)  # its own run counts first
    assert tours.standing(now, a, listed=True) == (new, b.id)  # the twin's run lists it
    assert tours.standing({a.id: old}, a, listed=True) == (old, None)  # no listed twin
    assert tours.standing({b.id: new}, a) == (new, b.id)
    assert tours.standing({}, a) == (None, None)


def test_retry_unlisted_runs_one_twin_of_a_class_whose_rows_both_predate_edge_lists(tmp_path):
    """Both members of a class done, neither row listing its transitions (rows from before
    edge lists): --retry-unlisted runs the first only; the second then counts by it."""
    ledger = tmp_path / "t.jsonl"
    base = ("--engine", "docker", "--adapter", "reference", "--ledger", str(ledger), *SMALL)
    assert _script(*base, "--all-twins").returncode == 0
    rows = _rows(ledger)
    assert len(rows) == 2
    for r in rows:
        del r["covered_edges"]
    ledger.write_text("".join(json.dumps(r) + "\n" for r in rows))
    again = _script(*base, "--retry-unlisted")
    assert again.returncode == 0, again.stderr
    assert "0 already recorded, 2 to run" in again.stdout
    assert f"[2/2] {rows[1]['config_id']}: done by its twin's run this session" in again.stdout
    new = _rows(ledger)
    assert len(new) == 3 and new[2]["config_id"] == rows[0]["config_id"] \
        and "covered_edges" in new[2]
    # the twin's own (unlisted) row still counts its coverage; its listing is the twin's
    assert "listed for 2 of the 2 done configurations (1 by a twin's run; 1 of those ran " \
        "too, before rows listed transitions: the count above is their own run's" in \
        _report(*base[2:])[1]
