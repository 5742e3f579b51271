"""The model as an event automaton: which sets of model states an event sequence can lead to.

A *configuration* is a model state with, possibly, an action in progress: the action has been
taken (its guard held in ``state``) and part of its word of events has been seen. An idle
configuration has no action in progress; before an event, an idle configuration may take any
number of internal steps (actions whose word is empty there). A container's knowledge is the
set of configurations it may be in; an event maps a set to a set, and the empty set means the
model cannot explain the event.

Configurations and sets are interned as integers and every (set, event) answer is memoized:
containers follow few distinct lifecycles, so a long log costs one dictionary lookup per event.
"""

from __future__ import annotations

from ..engines.statespace import StateSpace, explore
from ..spec.model import Model
from .vocab import Dialect

IDLE = -1


class Automaton:
    def __init__(self, model: Model, dialect: Dialect, space: StateSpace | None = None) -> None:
        self.model, self.d = model, dialect
        self.space = space or explore(model)
        self.states = self.space.states
        self.out = self.space.out_edges()
        self.configs: list[tuple[int, int, int, int]] = []
        self._cfg: dict[tuple, int] = {}
        self.sets: list[frozenset[int]] = []
        self._set: dict[frozenset[int], int] = {}
        self.gone: list[bool] = []
        self._memo: dict[tuple, int] = {}
        self._closure: dict[int, tuple[int, ...]] = {}
        self._words: dict[tuple[int, int], tuple[int, ...]] = {}
        self._idle_memo: dict[tuple, tuple[int, ...]] = {}
        status = model.var("status")
        self._status_slot, self._status_init = status.slot, status.init
        self.empty = self.intern(frozenset())
        self.initial = self.intern(frozenset(self.idle(i) for i in self.space.initial))
        self._anywhere: int | None = None

    # ---------------------------------------------------------------- interning

    def config(self, s: int, a: int, w: int, pos: int) -> int:
        key = (s, a, w, pos)
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
        s, a, _, _ = self.configs[c]
        return a == IDLE and self.states[s][self._status_slot] == self._status_init

    @property
    def anywhere(self) -> int:
        """The set for a container whose history the log does not show: any reachable state."""
        if self._anywhere is None:
            self._anywhere = self.intern(frozenset(self.idle(i) for i in range(len(self.states))))
        return self._anywhere

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

    def step(self, sid: int, name: str, cls: int | None) -> int:
        """Return the set after event ``name`` (exit class ``cls``) from set ``sid``."""
        key = (sid, name, cls)
        got = self._memo.get(key)
        if got is None:
            got = self._memo[key] = self.intern(frozenset(self._step(sid, name, cls)))
        return got

    def _step(self, sid: int, name: str, cls: int | None) -> set[int]:
        out: set[int] = set()
        obs = self.d.observe.get(name)
        for c in self.sets[sid]:
            s, a, w, pos = self.configs[c]
            if a != IDLE:
                if obs is not None and obs(self.states[s]):
                    out.add(c)
                self._advance(out, s, a, w, pos, name, cls)
                continue
            out.update(self._from_idle(s, name, cls))
        return out

    def _from_idle(self, s: int, name: str, cls: int | None) -> tuple[int, ...]:
        """Return the configurations an idle state leads to on an event (memoized: the sets
        of different containers share most of their states)."""
        key = (s, name, cls)
        got = self._idle_memo.get(key)
        if got is None:
            out: set[int] = set()
            obs = self.d.observe.get(name)
            for x in self.closure(s):
                if obs is not None and obs(self.states[x]):
                    out.add(self.idle(x))
                for a2, _ in self.out[x]:
                    for w2 in self.words_at(x, a2):
                        if self.d.words[a2][w2].tokens:
                            self._advance(out, x, a2, w2, 0, name, cls)
            got = self._idle_memo[key] = tuple(out)
        return got

    def _advance(self, out: set[int], s: int, a: int, w: int, pos: int, name: str,
                 cls: int | None) -> None:
        toks = self.d.words[a][w].tokens
        for i in range(pos, len(toks)):
            t = toks[i]
            if t.name == name and (t.cls is None or t.cls == cls) \
                    and self.exit_matches(s, a, name, cls):
                nxt = i if t.quant == "*" else i + 1
                if all(x.optional for x in toks[nxt:]):
                    out.add(self.idle(self.post(s, a)))
                if nxt < len(toks):
                    out.add(self.config(s, a, w, nxt))
            if not t.optional:
                return

    def exit_matches(self, s: int, a: int, name: str, cls: int | None) -> bool:
        """Tell whether an exit event's code agrees with the exit class the step leaves."""
        if cls is None or name not in self.d.exit_events:
            return True
        left = self.states[self.post(s, a)][self.d.exit_slot]
        return left == self.d.exit_unset or left == cls

    def expected_next(self, c: int) -> list[str]:
        """Return the events an in-progress configuration accepts next."""
        s, a, w, pos = self.configs[c]
        out = []
        for t in self.d.words[a][w].tokens[pos:]:
            out.append(t.name)
            if not t.optional:
                break
        return out
