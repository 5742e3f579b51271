"""Check an event log against the Docker model, streaming: one set of possible model states
per container, and a tombstone for each removed one until the end of the log.

A log is read line by line (never as a whole): memory grows with the containers the log names
(one small entry each once removed), not with its events. The first event the model cannot
explain stops the check with a `Rejection`; a malformed line raises a located `InputError`.
`Run` checks one event at a time, for files and for live streams (`--follow`) alike.
"""

from __future__ import annotations

import json
import json.scanner
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, Location
from ..spec.model import Model
from .automaton import Automaton
from .config import known_of, labels_of
from .events import PARSERS, bad, detect
from .explain import Rejection, rejection
from .vocab import DEFAULT, load_dialect

CREATE = "create"
_SCAN = json.scanner.make_scanner(json.JSONDecoder())
HISTORY = 6          # the earlier events of a container a rejection shows


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
    joined_inside: Counter = field(default_factory=Counter)   # command -> containers
    max_live: int = 0
    live_at_end: int = 0
    rejected: int = 0
    malformed: int = 0     # --follow: malformed events reported and skipped
    config: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"file": self.file, "dialect": self.dialect, "lines": self.lines,
                "blank_lines": self.blank, "events_checked": self.checked,
                "ignored": [{"type": t, "action": a, "count": n, "reason": self.reasons[(t, a)]}
                            for (t, a), n in sorted(self.ignored.items())],
                "containers": self.containers, "removed": self.removed,
                "joined_mid_life": self.joined_mid_life,
                "joined_inside": dict(sorted(self.joined_inside.items())),
                "max_live": self.max_live, "live_at_end": self.live_at_end,
                "rejected": self.rejected, "malformed": self.malformed,
                "config": self.config}


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

    def run(self, file: str = "-", dialect: str | None = None,
            config: dict[str, str] | None = None, explain: bool = True) -> Run:
        return Run(self, file, dialect, config or {}, explain)

    def check(self, lines: Iterable[bytes | str], file: str = "-",
              dialect: str | None = None, config: dict[str, str] | None = None,
              explain: bool = True) -> tuple[Summary, Rejection | None]:
        """Check a stream of lines; return the summary and the first rejection, if any
        (``explain=False``: only where it is, not why)."""
        run = self.run(file, dialect, config, explain)
        loads, scan, sm, feed = json.loads, _SCAN, run.summary, run.event
        live, hist, ignored, reasons = run.live, run.history, sm.ignored, sm.reasons
        parse = memo = empty = gone = None
        n = 0
        for n, raw in enumerate(lines, 1):
            try:
                # json's own C scanner on the decoded line (what json.loads runs, without its
                # encoding detection); anything unusual goes through json.loads itself
                text = raw if type(raw) is str else raw.decode()
                obj, end = scan(text, 0)
                if end != len(text) and not text[end:].isspace():
                    obj = loads(raw)
            except (ValueError, StopIteration, RecursionError):
                if not raw.strip():
                    sm.blank += 1
                    continue
                sm.lines = n
                if len(raw) > MAX_LINE:     # see bounded()
                    raise bad(file, n, "DP410", "not a JSON event: a line longer than "
                              f"{MAX_LINE} bytes") from None
                try:
                    obj = loads(raw)
                except (ValueError, RecursionError) as exc:
                    raise bad(file, n, "DP410", f"not a JSON event: {_short(exc)}") from None
            if parse is not None and type(obj) is dict:
                # the fast path: a live container, a known step (see Run.event)
                ev = parse(obj, file, n)
                if ev[0] != "container":
                    key = (ev[0], "*")
                    if key in reasons:          # a type already ignored once (see _ignore)
                        ignored[key] += 1
                        continue
                elif ev[1]:
                    sid = live.get(ev[1])
                    if sid is not None and sid >= 0:
                        new = memo.get((sid, ev[3], ev[4]))
                        if new is not None and new != empty:
                            sm.checked += 1
                            if gone[new]:       # removed: a tombstone (see Run.event)
                                live[ev[1]] = -n
                                run.n_live -= 1
                                sm.removed += 1
                                del hist[ev[1]]
                            else:
                                live[ev[1]] = new
                                hist[ev[1]].append((n, ev[3]))
                            continue
                rej = feed(obj, n, ev)
            else:
                rej = feed(obj, n)
                if run.auto is not None:
                    parse, memo, empty, gone = run.parse, run.auto.memo, run.auto.empty, \
                        run.auto.gone
            if rej is not None:
                sm.lines = n
                return run.finish(), rej
        sm.lines = n
        return run.finish(), None


class Run:
    """One log being checked, event by event."""

    def __init__(self, checker: Checker, file: str, dialect: str | None,
                 config: dict[str, str], explain: bool = True) -> None:
        self.checker, self.file, self.dialect, self.explain = checker, file, dialect, explain
        self.summary = Summary(file, config=dict(config))
        self.config = config
        self.live: dict[str, int] = {}     # set id, or -line of its destroy (a tombstone)
        self.history: dict[str, deque[tuple[int, str]]] = {}
        self.auto: Automaton | None = None
        self.parse = None
        self.known: tuple = ()
        self.n_live = 0

    def _start(self, obj: dict, n: int) -> None:
        dialect = self.dialect or detect(obj)
        if dialect not in PARSERS:
            raise bad(self.file, n, "DP411", "neither a Docker nor a Podman event",
                      "Docker events have Type, Action and Actor; Podman's have Type, "
                      "Status and ID")
        self.dialect = self.summary.dialect = dialect
        self.parse, self.auto = PARSERS[dialect], self.checker.automaton(dialect)
        self.known = known_of(self.auto.model, self.config, Location("--config"))

    def event(self, obj, n: int, parsed: tuple | None = None) -> Rejection | None:
        """Check one decoded event (line ``n``; ``parsed``: its `events.Event`, if known);
        return its rejection, if the model cannot explain it."""
        if not isinstance(obj, dict):
            raise bad(self.file, n, "DP411", "an event must be a JSON object")
        if self.parse is None:
            self._start(obj, n)
        auto, sm = self.auto, self.summary
        kind, cid, name, action, code = parsed or self.parse(obj, self.file, n)
        if kind != "container" or not cid or action in auto.d.ignore_actions:
            self._ignore(kind, cid, action, n)
            return None
        if action not in auto.d.known:
            raise bad(self.file, n, "DP412", f"unknown container event '{action}'",
                      f"known: {', '.join(sorted(auto.d.known))}; or list it with its "
                      "reason under ignore.actions in the vocabulary (--vocab)")
        sm.checked += 1
        sid = self.live.get(cid)
        if sid is None or sid < 0:
            sid, rej = self._enter(obj, cid, name, action, code, n, sid)
            if rej is not None:
                return rej
        else:
            new = auto.memo.get((sid, action, code))
            if new is None:
                new = auto.step(sid, action, code)
            if new == auto.empty:
                return self._reject(sid, obj, n, cid, name, action, code, None)
            sid = new
        h = self.history[cid]
        if auto.gone[sid]:
            self.live[cid] = -n
            self.n_live -= 1
            sm.removed += 1
            del self.history[cid]
        else:
            self.live[cid] = sid
            h.append((n, action))
        return None

    def _enter(self, obj, cid, name, action, code, n, tomb) -> tuple[int, Rejection | None]:
        """A container's first event, or its first after a removal: a create starts it from
        the initial states; any other event joins it mid-life (impossible after a removal)."""
        auto, sm = self.auto, self.summary
        known = self.known
        if action == CREATE and auto.d.label_prefix:
            known = known_of(auto.model, labels_of(obj, auto.d.label_prefix),
                             Location(self.file, n), self.known)
        if action == CREATE or tomb is not None:
            start = auto.narrow(auto.initial, known)
            sid = auto.step(start, action, code)
            if sid == auto.empty:
                return sid, self._reject(start, obj, n, cid, name, action, code, tomb)
        else:
            sid, inside = auto.join(action, code, known)
            if sid == auto.empty:
                return sid, self._reject(auto.narrow(auto.anywhere()[0], known), obj, n, cid,
                                         name, action, code, None)
            sm.joined_mid_life += 1
            if inside:
                sm.joined_inside[self._commands(inside)] += 1
        sm.containers += 1
        self.n_live += 1
        sm.max_live = max(sm.max_live, self.n_live)
        self.history[cid] = deque(maxlen=HISTORY)
        return sid, None

    def _commands(self, actions: tuple[int, ...]) -> str:
        from .explain import command_of

        return " or ".join(sorted({command_of(self.auto, a) for a in actions}))

    def _ignore(self, kind: str, cid, action: str, n: int) -> None:
        sm, auto = self.summary, self.auto
        if kind == "container" and not cid:
            key = (kind, f"{action} (no container id)")
            reason = auto.d.ignore_actions.get(action, "a container event without a "
                                               "container id: about no one container")
        elif kind == "container":
            key, reason = (kind, action), auto.d.ignore_actions[action]
        else:
            reason = auto.d.ignore_types.get(kind)
            if reason is None:
                raise bad(self.file, n, "DP412", f"unknown event type '{kind}'",
                          "list it with its reason under ignore.types in the vocabulary "
                          "(--vocab)")
            key = (kind, "*")
        sm.ignored[key] += 1
        sm.reasons[key] = reason

    def _reject(self, sid, obj, n, cid, name, action, code, tomb) -> Rejection:
        self.summary.rejected += 1
        if not self.explain:
            return Rejection(self.file, n, cid, name, obj, action, code, {}, [], [], {}, [],
                             -tomb if tomb is not None else None)
        return rejection(self.auto, self.file, n, cid, name, obj, action, code, sid,
                         self.history.get(cid, []), tomb)

    def forget(self, cid: str) -> None:
        """After a rejection in a live stream: know nothing more of the container."""
        if self.live.pop(cid, -1) >= 0:
            self.n_live -= 1
        self.history.pop(cid, None)

    def finish(self) -> Summary:
        self.summary.live_at_end = self.n_live
        return self.summary


def _short(exc: ValueError) -> str:
    text = str(exc)
    return text if len(text) <= 120 else text[:117] + "..."


MAX_LINE = 1 << 20    # an event is a few hundred bytes; a longer line is not an event


def bounded(stream, limit: int = MAX_LINE):
    """Iterate over a binary stream's lines in pieces of at most ``limit`` + 1 bytes (a binary
    file without newlines is never read whole): `Checker.check` refuses a longer piece that is
    not an event."""
    from functools import partial

    return iter(partial(stream.readline, limit + 1), b"")


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
