"""Check an event log against the Docker model, streaming: one set of possible model states
per live container, dropped when the container is destroyed.

A log is read line by line (never as a whole), so memory grows with the number of containers
alive at once, not with the log. The first event the model cannot explain stops the check
with a `Rejection`; a malformed line raises a located `InputError`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, Location
from ..spec.model import Model
from .automaton import Automaton
from .events import PARSERS, bad, detect
from .explain import before_states, reasons, summarize
from .vocab import DEFAULT, load_dialect

CREATE = "create"


@dataclass
class Summary:
    """What a check saw: counts only, deterministic."""

    file: str
    dialect: str = ""
    lines: int = 0
    blank: int = 0
    checked: int = 0
    ignored: Counter = field(default_factory=Counter)   # (type, action) -> count
    reasons: dict = field(default_factory=dict)          # (type, action) -> reason
    containers: int = 0
    removed: int = 0
    joined_mid_life: int = 0
    max_live: int = 0
    live_at_end: int = 0

    def to_json(self) -> dict:
        return {"file": self.file, "dialect": self.dialect, "lines": self.lines,
                "blank_lines": self.blank, "events_checked": self.checked,
                "ignored": [{"type": t, "action": a, "count": n, "reason": self.reasons[(t, a)]}
                            for (t, a), n in sorted(self.ignored.items())],
                "containers": self.containers, "removed": self.removed,
                "joined_mid_life": self.joined_mid_life, "max_live": self.max_live,
                "live_at_end": self.live_at_end}


@dataclass
class Rejection:
    """The first event the model cannot explain, with what the model knew before it."""

    file: str
    line: int
    container: str
    name: str
    event: dict
    action: str
    exit_code: int | None
    states: dict
    reasons: list[str]
    history: list[str]

    def to_json(self) -> dict:
        return {"file": self.file, "line": self.line, "container": self.container,
                "name": self.name, "action": self.action, "exit_code": self.exit_code,
                "event": self.event, "states_before": self.states, "reasons": self.reasons,
                "history": self.history}


class Checker:
    """Check logs against one model; automata (one per dialect) are built once and reused."""

    def __init__(self, model: Model, vocab: str | Path = DEFAULT) -> None:
        self.model, self.vocab = model, vocab
        self._autos: dict[str, Automaton] = {}
        self._space = None

    def automaton(self, dialect: str) -> Automaton:
        auto = self._autos.get(dialect)
        if auto is None:
            auto = Automaton(self.model, load_dialect(self.model, dialect, self.vocab),
                             self._space)
            self._space = auto.space
            self._autos[dialect] = auto
        return auto

    def check(self, lines: Iterable[bytes | str], file: str = "-",
              dialect: str | None = None) -> tuple[Summary, Rejection | None]:
        """Check a stream of lines; return the summary and the first rejection, if any."""
        sm = Summary(file)
        live: dict[str, int] = {}
        history: dict[str, list[int]] = {}
        auto = parse = None
        loads = json.loads
        for n, raw in enumerate(lines, 1):
            sm.lines = n
            if not raw.strip():
                sm.blank += 1
                continue
            try:
                obj = loads(raw.decode() if isinstance(raw, bytes) else raw)
            except ValueError as exc:
                raise bad(file, n, "DP410", f"not a JSON event: {exc}") from None
            if not isinstance(obj, dict):
                raise bad(file, n, "DP411", "an event must be a JSON object")
            if parse is None:
                dialect = dialect or detect(obj)
                if dialect not in PARSERS:
                    raise bad(file, n, "DP411", "neither a Docker nor a Podman event",
                              "Docker events have Type, Action and Actor; Podman's have Type, "
                              "Status and ID")
                sm.dialect, parse, auto = dialect, PARSERS[dialect], self.automaton(dialect)
            kind, cid, name, action, code = parse(obj, file, n)
            if kind != "container" or action in auto.d.ignore_actions:
                self._ignore(sm, auto, kind, action, file, n)
                continue
            if action not in auto.d.known:
                raise bad(file, n, "DP412", f"unknown container event '{action}'",
                          f"known: {', '.join(sorted(auto.d.known))}; or list it with its "
                          "reason under ignore.actions in the vocabulary (--vocab)")
            sm.checked += 1
            sid = live.get(cid)
            if sid is None:
                sm.containers += 1
                if action == CREATE:
                    sid = auto.initial
                else:
                    sm.joined_mid_life += 1
                    sid = auto.anywhere
                history[cid] = []
                sm.max_live = max(sm.max_live, len(live) + 1)
            cls = _class(auto, action, code)
            new = auto.step(sid, action, cls)
            if new == auto.empty:
                return sm, self._reject(auto, sm, sid, obj, n, cid, name, action, code,
                                        history.get(cid, []))
            if auto.gone[new]:
                live.pop(cid, None)
                history.pop(cid, None)
                sm.removed += 1
            else:
                live[cid] = new
                h = history[cid]
                h.append(n)
                if len(h) > 20:
                    del h[:-20]
        sm.live_at_end = len(live)
        return sm, None

    def _ignore(self, sm: Summary, auto: Automaton, kind: str, action: str, file: str,
                n: int) -> None:
        if kind == "container":
            key, reason = (kind, action), auto.d.ignore_actions[action]
        else:
            reason = auto.d.ignore_types.get(kind)
            if reason is None:
                raise bad(file, n, "DP412", f"unknown event type '{kind}'",
                          "list it with its reason under ignore.types in the vocabulary "
                          "(--vocab)")
            key = (kind, "*")
        sm.ignored[key] += 1
        sm.reasons[key] = reason

    def _reject(self, auto, sm, sid, obj, n, cid, name, action, code, lines) -> Rejection:
        cls = _class(auto, action, code)
        states = before_states(auto, sid)
        return Rejection(sm.file, n, cid, name, obj, action, code, summarize(auto, states),
                         reasons(auto, sid, action, cls), [f"line {x}" for x in lines])


def _class(auto, action: str, code: int | None) -> int | None:
    """Return what a token's ``=`` value is matched with: an exit event's exit-code class, or
    another event's number as it is (a kill event's signal)."""
    if code is None:
        return None
    return auto.d.exit_class(code) if action in auto.d.exit_events else code


def open_lines(path: str):
    """Open a log for streaming: ``-`` is standard input. Lines are bytes."""
    import sys

    if path == "-":
        return sys.stdin.buffer
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise InputError(Location(path), "DP001", "no such file") from None
    except OSError as exc:
        raise InputError(Location(path), "DP001", f"cannot read the file: {exc}") from None
