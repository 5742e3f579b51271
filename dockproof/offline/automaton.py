"""The model as an event automaton: which sets of model states an event sequence can lead to.

A *configuration* is a model state with, possibly, an action in progress: the action has been
taken (its guard held in ``state``) and part of its word of events has been seen, with the
signals its kill events sent so far. An idle configuration has no action in progress; before an
event, an idle configuration may take any number of internal steps (actions whose word is empty
there). A container's knowledge is the set of configurations it may be in; an event maps a set
to a set, and the empty set means the model cannot explain the event.

Configurations and sets are interned as integers and every (set, event) answer is memoized:
containers follow few distinct lifecycles, so a long log costs one dictionary lookup per event.
"""

from __future__ import annotations

from ..engines.statespace import StateSpace, explore
from ..spec.model import Model
from .vocab import Dialect

IDLE = -1
NOSIG, UNSEEN = 0, -1   # a word's signals: none sent yet; unknown (the word was entered mid-way)


def signal_state(first: int, later_kill: bool) -> int:
    """Encode the signals a word has sent: the first one, and whether SIGKILL came later."""
    return 2 * (first + 1) + int(later_kill)


def signals_of(sig: int) -> tuple[int, bool]:
    return sig // 2 - 1, bool(sig & 1)


class Automaton:
    def __init__(self, model: Model, dialect: Dialect, space: StateSpace | None = None) -> None:
        self.model, self.d = model, dialect
        self.space = space or explore(model)
        self.states = self.space.states
        self.out = self.space.out_edges()
        self.configs: list[tuple[int, int, int, int, int]] = []
        self._cfg: dict[tuple, int] = {}
        self.sets: list[frozenset[int]] = []
        self._set: dict[frozenset[int], int] = {}
        self.gone: list[bool] = []
        self.memo: dict[tuple, int] = {}
        self._closure: dict[int, tuple[int, ...]] = {}
        self._words: dict[tuple[int, int], tuple[int, ...]] = {}
        self._idle_memo: dict[tuple, tuple[int, ...]] = {}
        self._narrow: dict[tuple, int] = {}
        self._observed: dict[int, tuple] = {}
        self._accepts: dict[tuple, frozenset[str]] = {}
        self._start_index: dict[int, dict[str, list[tuple[int, int, int]]]] = {}
        self._mid_index: dict[str, int] | None = None
        self._join: dict[tuple, tuple[int, tuple[int, ...]]] = {}
        status = model.var("status")
        self._status_slot, self._status_init = status.slot, status.init
        self.empty = self.intern(frozenset())
        self.initial = self.intern(frozenset(self.idle(i) for i in self.space.initial))
        self._anywhere: tuple[int, int] | None = None

    # ---------------------------------------------------------------- interning

    def config(self, s: int, a: int, w: int, pos: int, sig: int = NOSIG) -> int:
        key = (s, a, w, pos, sig)
        c = self._cfg.get(key)
        if c is None:
            c = self._cfg[key] = len(self.configs)
            self.configs.append(key)
        return c

    def idle(self, s: int) -> int:
        return self.config(s, IDLE, IDLE, 0)

    def intern(self, configs: frozenset[int]) -> int:
        i = self._set.get(configs)
        if i is None:
            i = self._set[configs] = len(self.sets)
            self.sets.append(configs)
            self.gone.append(bool(configs) and all(self._is_gone(c) for c in configs))
        return i

    def _is_gone(self, c: int) -> bool:
        s, a = self.configs[c][:2]
        return a == IDLE and self.states[s][self._status_slot] == self._status_init

    # ---------------------------------------------------------------- what the log does not show

    def anywhere(self) -> tuple[int, int]:
        """Return the sets for a container whose history the log does not show: every reachable
        state idle, and every action under way with part of its word already emitted."""
        if self._anywhere is None:
            idle = frozenset(self.idle(i) for i in range(len(self.states)))
            mid = set()
            for s in range(len(self.states)):
                for a, _ in self.out[s]:
                    for w in self.words_at(s, a):
                        for pos in range(1, len(self.d.words[a][w].tokens)):
                            mid.add(self.config(s, a, w, pos, UNSEEN))
            self._anywhere = (self.intern(idle), self.intern(frozenset(mid)))
        return self._anywhere

    def _mid_for(self, name: str) -> int:
        """Return the set of the mid-word configurations whose next event may be ``name``."""
        if self._mid_index is None:
            index: dict[str, list[int]] = {}
            for c in self.sets[self.anywhere()[1]]:
                _, a, w, pos, _ = self.configs[c]
                for n in self.accepts(a, w, pos):
                    index.setdefault(n, []).append(c)
            self._mid_index = {n: self.intern(frozenset(cs)) for n, cs in index.items()}
        return self._mid_index.get(name, self.empty)

    def narrow(self, sid: int, known: tuple[tuple[int, int], ...]) -> int:
        """Keep the configurations whose state has the known (slot, value) pairs."""
        if not known:
            return sid
        key = (sid, known)
        got = self._narrow.get(key)
        if got is None:
            st, cf = self.states, self.configs
            got = self._narrow[key] = self.intern(frozenset(
                c for c in self.sets[sid] if all(st[cf[c][0]][i] == v for i, v in known)))
        return got

    def join(self, name: str, code: int | None, known: tuple = ()) -> tuple[int, tuple[int, ...]]:
        """Enter a container first seen mid-life at event ``name``: return its set, and the
        actions it was entered inside of when only a word already under way explains it."""
        key = (name, code, known)
        got = self._join.get(key)
        if got is None:
            idle, mid = (self.narrow(x, known) for x in self.anywhere())
            if name not in self.d.observe or not self.d.observe_inside:
                mid = self.narrow(self._mid_for(name), known)   # only words that take it
            a, b = self.step(idle, name, code), self.step(mid, name, code)
            inside: tuple[int, ...] = ()
            if not self.sets[a] and self.sets[b]:
                acts = set()
                for c in self.sets[mid]:
                    s, act, w, pos, sig = self.configs[c]
                    out: set[int] = set()
                    self._advance(out, s, act, w, pos, sig, name, code)
                    if out:
                        acts.add(act)
                inside = tuple(sorted(acts))
            got = self._join[key] = (self.intern(self.sets[a] | self.sets[b]), inside)
        return got

    # ---------------------------------------------------------------- words and internal steps

    def words_at(self, s: int, a: int) -> tuple[int, ...]:
        """Return the indices of action ``a``'s words that apply in state ``s``."""
        key = (s, a)
        got = self._words.get(key)
        if got is None:
            ws = self.d.words[a]
            st = self.states[s]
            got = () if ws is None else tuple(i for i, w in enumerate(ws)
                                              if w.when is None or w.when(st))
            self._words[key] = got
        return got

    def accepts(self, a: int, w: int, pos: int) -> frozenset[str]:
        """Return the event names a word can match next at ``pos`` (an index: most events
        of most configurations cannot advance them, and are skipped at once)."""
        key = (a, w, pos)
        got = self._accepts.get(key)
        if got is None:
            names = set()
            for t in self.d.words[a][w].tokens[pos:]:
                names.add(t.name)
                if not t.optional:
                    break
            got = self._accepts[key] = frozenset(names)
        return got

    def is_internal(self, s: int, a: int) -> bool:
        ws = self.d.words[a]
        return any(not ws[i].tokens for i in self.words_at(s, a))

    def closure(self, s: int) -> tuple[int, ...]:
        """Return the states reachable from ``s`` by internal steps (``s`` first)."""
        got = self._closure.get(s)
        if got is None:
            seen, todo = {s: None}, [s]
            while todo:
                x = todo.pop()
                for a, y in self.out[x]:
                    if y not in seen and self.is_internal(x, a):
                        seen[y] = None
                        todo.append(y)
            got = self._closure[s] = tuple(seen)
        return got

    def post(self, s: int, a: int) -> int:
        t = self.space.compiled.steps[a](self.states[s])
        return self.space.index[t]

    # ---------------------------------------------------------------- events

    def step(self, sid: int, name: str, code: int | None) -> int:
        """Return the set after event ``name`` (its exit code or signal ``code``) from ``sid``."""
        key = (sid, name, code)
        got = self.memo.get(key)
        if got is None:
            got = self.memo[key] = self.intern(frozenset(self._step(sid, name, code)))
        return got

    def _step(self, sid: int, name: str, code: int | None) -> set[int]:
        out: set[int] = set()
        obs = self.d.observe.get(name)
        for c in self.sets[sid]:
            s, a, w, pos, sig = self.configs[c]
            if a != IDLE:
                if obs is not None and self.d.observe_inside and obs(self.observed_at(c)):
                    out.add(c)
                if name in self.accepts(a, w, pos):
                    self._advance(out, s, a, w, pos, sig, name, code)
                continue
            out.update(self._from_idle(s, name, code))
        return out

    def observed_at(self, c: int) -> tuple:
        """Return the state an observation event is judged on in the middle of a word: the
        state before the action until its exit event; from the exit event on, that state with
        the vocabulary's stopped status (the engine records the exit before it logs it); once
        the word has started the container again (``resume_events``), the state after it."""
        got = self._observed.get(c)
        if got is None:
            s, a, w, pos, _ = self.configs[c]
            names = [t.name for t in self.d.words[a][w].tokens[:pos]]
            ex = next((i for i, n in enumerate(names) if n in self.d.exit_events), None)
            got = self.states[s]
            if ex is not None and any(n in self.d.resume_events for n in names[ex:]):
                got = self.states[self.post(s, a)]
            elif ex is not None and self.d.stopped_status is not None:
                st = list(got)
                st[self._status_slot] = self.d.stopped_status
                got = tuple(st)
            self._observed[c] = got
        return got

    def _from_idle(self, s: int, name: str, code: int | None) -> tuple[int, ...]:
        """Return the configurations an idle state leads to on an event (memoized: the sets
        of different containers share most of their states)."""
        key = (s, name, code)
        got = self._idle_memo.get(key)
        if got is None:
            out: set[int] = set()
            obs = self.d.observe.get(name)
            if obs is not None:
                out.update(self.idle(x) for x in self.closure(s) if obs(self.states[x]))
            for x, a2, w2 in self._starters(s).get(name, ()):
                self._advance(out, x, a2, w2, 0, NOSIG, name, code)
            got = self._idle_memo[key] = tuple(out)
        return got

    def _starters(self, s: int) -> dict[str, list[tuple[int, int, int]]]:
        """Return, by event name, the words an idle state (after internal steps) may start
        with that event: (state, action, word)."""
        got = self._start_index.get(s)
        if got is None:
            got = self._start_index[s] = {}
            for x in self.closure(s):
                for a2, _ in self.out[x]:
                    for w2 in self.words_at(x, a2):
                        for n in self.accepts(a2, w2, 0):
                            got.setdefault(n, []).append((x, a2, w2))
        return got

    def _advance(self, out: set[int], s: int, a: int, w: int, pos: int, sig: int, name: str,
                 code: int | None) -> None:
        toks = self.d.words[a][w].tokens
        for i in range(pos, len(toks)):
            t = toks[i]
            if t.name == name and self.token_matches(t, name, code) \
                    and self.exit_matches(s, a, name, code) \
                    and self.signal_matches(s, sig, name, code):
                nxt = i if t.quant == "*" else i + 1
                if all(x.optional for x in toks[nxt:]):
                    out.add(self.idle(self.post(s, a)))
                if nxt < len(toks):
                    out.add(self.config(s, a, w, nxt, self.sent(sig, name, code)))
            if not t.optional:
                return

    def token_matches(self, t, name: str, code: int | None) -> bool:
        """``die=killed`` takes an exit code of that class; ``kill=9`` that signal."""
        if t.cls is None:
            return True
        if code is None:
            return False
        return (self.d.exit_class(code) if name in self.d.exit_events else code) == t.cls

    def exit_matches(self, s: int, a: int, name: str, code: int | None) -> bool:
        """Tell whether an exit event's code agrees with the exit class the step leaves."""
        if code is None or name not in self.d.exit_events:
            return True
        left = self.states[self.post(s, a)][self.d.exit_slot]
        return left == self.d.exit_unset or left == self.d.exit_class(code)

    def sent(self, sig: int, name: str, code: int | None) -> int:
        """Return a word's signal record after event ``name``."""
        sg = self.d.signals
        if sg is None or name not in sg.events or sig == UNSEEN:
            return sig
        if code is None:
            return UNSEEN
        if sig == NOSIG:
            return signal_state(code, False)
        first, later = signals_of(sig)
        return signal_state(first, later or code == sg.kill)

    def signal_matches(self, s: int, sig: int, name: str, code: int | None) -> bool:
        """Tie an exit code to the signals its word sent (the vocabulary's [signals] rule)."""
        return name not in self.d.exit_events or code is None \
            or self.exit_codes(s, sig)(code)

    def exit_codes(self, s: int, sig: int):
        """Return the test an exit code must pass after signals ``sig`` from state ``s``
        (the state before the action): SIGKILL first gives 128+9; a signal n the process dies
        of gives 128+n (or, with SIGKILL after it, 128+9); one it ignores needs SIGKILL; one it
        traps leaves its own code; a process that had already exited keeps its own code (of
        the class the model recorded at that exit)."""
        sg = self.d.signals
        if sg is None or sig == UNSEEN:
            return _any
        if sg.already_exited(self.states[s]):
            own = self.states[s][self.d.exit_slot]
            if own == self.d.exit_unset:
                return _any
            return lambda c: self.d.exit_class(c) == own
        if sig == NOSIG:
            return _any
        first, later = signals_of(sig)
        killed = 128 + sg.kill
        if first == sg.kill:
            return killed.__eq__
        st = self.states[s]
        if sg.dies(st):
            return (lambda c: c in (128 + first, killed)) if later else (128 + first).__eq__
        if sg.ignores(st):
            return killed.__eq__ if later else _none
        return _any

    def expected_next(self, c: int) -> list[str]:
        """Return the events an in-progress configuration accepts next."""
        s, a, w, pos, _ = self.configs[c]
        out = []
        for t in self.d.words[a][w].tokens[pos:]:
            out.append(str(t))
            if not t.optional:
                break
        return out


def _any(code: int) -> bool:
    return True


def _none(code: int) -> bool:
    return False
