"""`dockproof trace` checks Podman logs with the Podman model (model/podman.toml and
dockproof/offline/events-podman.toml): every recorded real Podman log, and every suffix of one
that starts at an event which can begin a step's word, is accepted; corrupted logs are
rejected. (A suffix that starts inside a word, e.g. at the `start` of `init start`, needs a
checker that enters words mid-way: the trace checker's own tests cover that.)"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from dockproof.cli import main
from dockproof.offline.checker import Checker
from dockproof.spec.loader import load_model

ROOT = Path(__file__).resolve().parent.parent
LOGS = sorted((ROOT / "tests" / "data" / "events" / "podman").glob("*.jsonl"))
VOCAB = ROOT / "dockproof" / "offline" / "events-podman.toml"


@pytest.fixture(scope="module")
def checker():
    return Checker(load_model(ROOT / "model" / "podman.toml"), VOCAB)


def verdict(checker, lines: list[bytes]):
    return checker.check(io.BytesIO(b"".join(lines)), "log.jsonl", "podman")[1]


def test_trace_picks_the_podman_model_for_a_podman_log():
    out = io.StringIO()
    assert main(["trace", str(LOGS[0]), "--json"], out, io.StringIO()) == 0
    assert json.loads(out.getvalue())["model"] == "podman"


def word_starts(checker) -> set[str]:
    """Return the event names that can begin some action's word."""
    from dockproof.offline.vocab import load_dialect

    out = set()
    for words in load_dialect(checker.model, "podman", VOCAB).words:
        for w in words or ():
            for t in w.tokens:
                out.add(t.name)
                if not t.optional:
                    break
    return out


@pytest.mark.parametrize("log", LOGS, ids=lambda p: p.stem)
def test_every_suffix_of_a_real_podman_log_from_a_word_start_is_accepted(checker, log):
    lines = log.read_bytes().splitlines(keepends=True)
    starts = word_starts(checker)
    assert {"create", "died", "cleanup", "remove", "init", "restart"} <= starts
    from_starts = [k for k in range(len(lines))
                   if json.loads(lines[k])["Status"] in starts]
    assert len(from_starts) >= 3
    for k in from_starts:
        rejection = verdict(checker, lines[k:])
        assert rejection is None, (log.name, k, rejection and rejection.reasons)


def _events(log: Path) -> list[dict]:
    return [json.loads(ln) for ln in log.read_text().splitlines() if ln.strip()]


def _lines(events: list[dict]) -> list[bytes]:
    return [(json.dumps(e) + "\n").encode() for e in events]


@pytest.mark.parametrize("log", LOGS, ids=lambda p: p.stem)
def test_a_start_after_the_removal_is_rejected(checker, log):
    events = _events(log)
    last = events[-1]
    assert last["Status"] == "remove"
    assert verdict(checker, _lines(events + [{**last, "Status": "start"}])) is not None


def test_an_oom_event_is_rejected_podman_has_none(checker):
    log = ROOT / "tests" / "data" / "events" / "podman" / "oom-kill.jsonl"
    events = _events(log)
    i = next(i for i, e in enumerate(events) if e["Status"] == "died")
    bad = events[:i] + [{**events[i], "Status": "oom"}] + events[i:]
    from dockproof.errors import InputError
    with pytest.raises(InputError, match="unknown container event 'oom'"):
        verdict(checker, _lines(bad))


def test_a_pause_after_the_exit_is_rejected(checker):
    """An exited container cannot be paused: Podman pauses only a running one."""
    log = ROOT / "tests" / "data" / "events" / "podman" / "run-pause-unpause-kill.jsonl"
    events = _events(log)
    i = next(i for i, e in enumerate(events) if e["Status"] == "died")
    assert verdict(checker, _lines(events[:i + 1])) is None
    pause = {**events[i], "Status": "pause"}
    pause.pop("ContainerExitCode")
    assert verdict(checker, _lines(events[:i + 1] + [pause])) is not None
