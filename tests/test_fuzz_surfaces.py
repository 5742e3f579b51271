"""Fuzz the other input surfaces: `docker events` / `podman events` lines, ITF trace files and
the replies of a jsonl adapter. Every case ends in a result, or in one clear error with exit 2
(bad input) or 3 (an adapter that misbehaves): never a traceback, never a hang."""

from __future__ import annotations

import json
import random

from helpers import ROOT, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

EVENTS = ROOT / "tests" / "data" / "events"
DOCKER_LINES = [line for f in sorted((EVENTS / "docker").glob("*.jsonl"))
                for line in f.read_text().splitlines()]
JUNK = [None, 0, -1, 2**70, "", "x" * 300, [], {}, True, 1.5, "start", "\u0000"]


def _assert_clean(code: int, out: str, err: str, allowed=(0, 1, 2)) -> None:
    assert "Traceback" not in out + err
    assert code in allowed, (code, err[-500:])
    if code == 2:
        assert len(err.strip().splitlines()) == 1 and "error" in err, err


def _mutate_event(line: str, rnd: random.Random) -> str:
    op = rnd.choice(["truncate", "field", "drop", "action", "garbage", "time", "nest"])
    if op == "truncate":
        return line[: rnd.randrange(len(line) + 1)]
    if not line.strip():
        op = "garbage"
    if op == "garbage":
        return "".join(rnd.choice('{}[]":,x0 \\') for _ in range(rnd.randint(0, 40)))
    try:
        ev = json.loads(line)
    except ValueError:
        return line[::-1]
    if not isinstance(ev, dict) or not ev:
        return "{}"
    if op == "field":
        ev[rnd.choice(sorted(ev))] = rnd.choice(JUNK)
    elif op == "drop":
        ev.pop(rnd.choice(sorted(ev)))
    elif op == "action":
        ev["Action"] = ev["status"] = rnd.choice(["bogus", "exec_start: sh", "die", "",
                                                  "health_status: healthy", "start"])
    elif op == "time":
        ev["timeNano"], ev["time"] = rnd.choice(JUNK), rnd.choice(JUNK)
    else:
        ev.setdefault("Actor", {})
        if isinstance(ev["Actor"], dict):
            ev["Actor"]["Attributes"] = rnd.choice(JUNK)
    return json.dumps(ev)


_CHECKER = {}


def _checker():
    """One checker for all cases (building it explores the Docker model once)."""
    if not _CHECKER:
        from dockproof import builtin
        from dockproof.offline.checker import Checker
        from dockproof.spec.loader import load_model

        _CHECKER["c"] = Checker(load_model(builtin.resolve_model("docker")))
    return _CHECKER["c"]


@settings(max_examples=60)
@given(st.randoms(use_true_random=False), st.sampled_from(["docker", "podman"]))
def test_mutated_event_logs(rnd, dialect):
    from dockproof.errors import InputError

    files = sorted((EVENTS / dialect).glob("*.jsonl"))
    lines = rnd.choice(files).read_text().splitlines()
    for _ in range(rnd.randint(1, 3)):
        i = rnd.randrange(len(lines))
        lines[i] = _mutate_event(lines[i], rnd) if dialect == "docker" else \
            lines[i][: rnd.randrange(len(lines[i]) + 1)]
    if rnd.random() < 0.2:
        rnd.shuffle(lines)  # out of order
    try:
        summary, rejection = _checker().check([x.encode() for x in lines], "log.jsonl", dialect)
    except InputError as exc:
        text = exc.render()
        assert text.startswith("log.jsonl:") and " error DP4" in text and "\n" not in text
        return
    assert summary is not None


def test_mutated_log_through_the_cli(tmp_path):
    path = tmp_path / "log.jsonl"
    lines = (EVENTS / "docker" / "exit-3.jsonl").read_text().splitlines()
    lines[2] = lines[2][:17]
    path.write_text("\n".join(lines) + "\n")
    code, out, err = run_cli("trace", str(path))
    _assert_clean(code, out, err)
    assert code == 2 and err.startswith(f"{path}:3:")


def test_huge_and_empty_logs(tmp_path):
    (tmp_path / "empty.jsonl").write_text("")
    _assert_clean(*run_cli("trace", str(tmp_path / "empty.jsonl")))
    (tmp_path / "long.jsonl").write_text('{"Type": "container", "Action": "' + "a" * 2_000_000
                                         + '"}\n')
    _assert_clean(*run_cli("trace", str(tmp_path / "long.jsonl")))
    (tmp_path / "bin.jsonl").write_bytes(b"\xff\xfe\x00\x01" * 1000)
    _assert_clean(*run_cli("trace", str(tmp_path / "bin.jsonl")))


def _itf(tmp_path) -> dict:
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('[meta]\nmodel = "seed"\n[invariant.never-hung]\nformula = "not hung"\n')
    run_cli("check", "-p", str(wrong), "--engine", "explicit", "--trace-dir", str(tmp_path))
    return json.loads((tmp_path / "invariant.never-hung.explicit.itf.json").read_text())


@settings(max_examples=40)
@given(st.randoms(use_true_random=False))
def test_mutated_itf_traces(tmp_path_factory, rnd):
    d = tmp_path_factory.mktemp("itf")
    doc = _itf(d)
    op = rnd.choice(["state-var", "drop-key", "top", "action", "states", "text"])
    if op == "state-var":
        st_ = rnd.choice(doc["states"])
        st_[rnd.choice(sorted(st_))] = rnd.choice(JUNK + ["paused", "running"])
    elif op == "drop-key":
        st_ = rnd.choice(doc["states"])
        st_.pop(rnd.choice(sorted(st_)))
    elif op == "top":
        doc[rnd.choice(sorted(doc))] = rnd.choice(JUNK)
    elif op == "action":
        rnd.choice(doc["states"])["mbt::actionTaken"] = rnd.choice(["pause", "fly", 3, None])
    elif op == "states":
        rnd.shuffle(doc["states"])
    path = d / "t.itf.json"
    text = json.dumps(doc)
    path.write_text(text[: rnd.randrange(len(text))] if op == "text" else text)
    _assert_clean(*run_cli("replay", str(path), "--adapter", "reference"))
    _assert_clean(*run_cli("diagram", "--view", "trace", "--trace", str(path), "--format",
                           "dot", "--out", str(d / "t.dot")))


CHILD = r'''
import json, random, sys
rnd = random.Random(int(sys.argv[1]))
mode = sys.argv[2]
for n, line in enumerate(sys.stdin):
    req = json.loads(line)
    if n >= int(sys.argv[3]):
        if mode == "exit":
            sys.exit(rnd.choice([0, 1, 137]))
        if mode == "garbage":
            print(rnd.choice(["not json", "{", "[]", "null", '{"ok": "yes"}', '{"status": 5}',
                              json.dumps({"ok": True, "observation": {"status": 3}})]),
                  flush=True)
            continue
    if req["op"] == "observe":
        print(json.dumps({"ok": True, "observation": {"status": "none", "resources": [],
                                                      "flags": {}}}), flush=True)
    else:
        print(json.dumps({"ok": True}), flush=True)
'''


@settings(max_examples=25)
@given(st.integers(0, 10**6), st.sampled_from(["exit", "garbage"]), st.integers(0, 6))
def test_misbehaving_jsonl_children(tmp_path_factory, seed, mode, after):
    child = tmp_path_factory.mktemp("c") / "child.py"
    child.write_text(CHILD)
    import sys
    cmd = f"exec:{sys.executable} {child} {seed} {mode} {after}"
    code, out, err = run_cli("conform", "--adapter", cmd, "--strategy", "random", "--seed",
                             "1", "--steps", "20")
    _assert_clean(code, out, err, allowed=(1, 3))
    if code == 3:
        assert len(err.strip().splitlines()) >= 1 and "Traceback" not in err
