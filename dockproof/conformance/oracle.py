"""Answer, from the model's reachable graph, what an implementation must do with a command.

The oracle is the model seen through its ``[conformance]`` table: for a state and a command
key ``(verb, code)`` it says whether the model takes a commanded action (``ok``), lets the
command provoke an internal step (``triggered``, e.g. ``alloc`` at the limit provokes
``oom_kill``), refuses it (``refused``) or refuses it where Docker answers 304 (``quiet``).
After a command the implementation may also take internal steps by itself: `closure` lists
every state reachable through internal actions, nearest first.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from ..engines.compiled import predicate
from ..engines.statespace import StateSpace, explore
from ..spec.model import Model
from ..sut.contract import Command
from .mapping import ConformanceMap, Expected, load_mapping

Key = tuple[str, "int | None"]       # (verb, code): a command without its config
Edge = tuple[int, int, int]          # (source state, action index, target state)


@dataclass(frozen=True, slots=True)
class Step:
    """One command of a generated test; ``settle`` false: the next command follows at once."""

    key: Key
    settle: bool = True


@dataclass(frozen=True, slots=True)
class Segment:
    """A run on a fresh container: reset, then the steps from the initial state."""

    initial: int
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class Response:
    """The model's answer to a command in a state.

    ``posts`` lists (target state, edges taken); a refusal's only post is the state itself.
    ``errors`` holds the error patterns the model's ``errors`` data gives for a refusal.
    """

    kind: str  # ok | triggered | refused | quiet
    posts: tuple[tuple[int, tuple[Edge, ...]], ...]
    errors: tuple[str, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.kind in ("ok", "triggered")


class Oracle:
    """The model's reachable graph with its conformance mapping, cached per state."""

    def __init__(self, model: Model, mapping: ConformanceMap | None = None,
                 space: StateSpace | None = None,
                 unsupported: Mapping[str, str] | None = None) -> None:
        self.model = model
        self.map = mapping or load_mapping(model)
        self.space = space or explore(model)
        self.out = self.space.out_edges()
        acts = model.actions
        self.key_of = tuple((a.command, a.code) if a.command else None for a in acts)
        #: Commands the adapter cannot perform (verb -> why): never generated.
        self.unsupported = dict(unsupported or {})
        self.keys: tuple[Key, ...] = tuple(sorted(
            {k for k in self.key_of if k and k[0] not in self.unsupported},
            key=lambda k: (k[0], k[1] or 0)))
        self.internal = frozenset(i for i, a in enumerate(acts) if a.internal)
        self._responses: dict[tuple[int, Key], Response] = {}
        self._closures: dict[int, tuple] = {}
        self._errors = [tuple((predicate(e.when), e.message) for e in a.errors) for a in acts]

    # -- states -------------------------------------------------------------------------------

    @cached_property
    def expected(self) -> list[Expected]:
        """Return, per state index, what an implementation must show."""
        return [self.map.expected(s) for s in self.space.states]

    def command(self, i: int, key: Key) -> Command:
        """Return the concrete command for ``key`` in state ``i`` (config from its params)."""
        verb, code = key
        if verb in ("create", "run"):
            return Command(verb, self.map.config(self.space.states[i]))
        return Command(verb, code=code)

    def transient(self, i: int) -> int | None:
        """Return the settle edge's target when the implementation acts at once in ``i``."""
        for a, d in self.out[i]:
            if a in self.map.settle:
                return d
        return None

    def settled(self, i: int) -> int:
        """Follow settle edges until a stable state (what ``settle()`` should leave)."""
        seen = {i}
        while (d := self.transient(i)) is not None and d not in seen:
            seen.add(d)
            i = d
        return i

    # -- commands -----------------------------------------------------------------------------

    def respond(self, i: int, key: Key) -> Response:
        """Return the model's answer to ``key`` in state ``i`` (cached)."""
        r = self._responses.get((i, key))
        if r is None:
            r = self._responses[(i, key)] = self._respond(i, key)
        return r

    def primary(self, r: Response) -> tuple[int, tuple[Edge, ...]]:
        """Return the post a plan follows: the first one no host fault (``faults``) stages."""
        faults = self.map.faults
        return next((p for p in r.posts if not p[1] or p[1][0][1] not in faults), r.posts[0])

    def _respond(self, i: int, key: Key) -> Response:
        key_of, trig = self.key_of, self.map.triggers
        posts = tuple((d, ((i, a, d),)) for a, d in self.out[i] if key_of[a] == key)
        if posts:
            return Response("ok", posts)
        posts = tuple((d, ((i, a, d),)) for a, d in self.out[i]
                      if a in trig and key_of[trig[a]] == key)
        if posts:
            return Response("triggered", posts)
        s = self.space.states[i]
        kind = "quiet" if self.map.is_quiet(key[0], s) else "refused"
        return Response(kind, ((i, ()),), self._error_texts(key, s))

    def _error_texts(self, key: Key, s: tuple) -> tuple[str, ...]:
        out = []
        for a, k in enumerate(self.key_of):
            if k == key:
                msg = next((m for f, m in self._errors[a] if f(s)), None)
                if msg is not None:
                    out.append(msg)
        return tuple(out)

    def closure(self, i: int) -> tuple[tuple[int, tuple[Edge, ...]], ...]:
        """List the states internal actions reach from ``i``, nearest first, with the path."""
        c = self._closures.get(i)
        if c is not None:
            return c
        found = {i: ()}
        queue = deque([i])
        while queue:
            j = queue.popleft()
            for a, d in self.out[j]:
                if a in self.internal and d not in found:
                    found[d] = found[j] + ((j, a, d),)
                    queue.append(d)
        c = self._closures[i] = tuple(found.items())
        return c

    # -- shortest paths -----------------------------------------------------------------------

    def arcs(self, i: int) -> list[tuple[int, Key | None, Edge]]:
        """List the planning arcs of ``i``: (cost, command key or None for settle, edge)."""
        out = []
        for a, d in self.out[i]:
            if a in self.map.settle:
                out.append((0, None, (i, a, d)))
        faults = self.map.faults
        for key in self.keys:
            r = self.respond(i, key)
            posts = [p for p in r.posts if not p[1] or p[1][0][1] not in faults]
            if r.accepted and len(posts) == 1:
                out.append((1, key, posts[0][1][0]))
        return out

    def distances(self, sources: Sequence[int]) -> tuple[dict[int, int], dict[int, tuple]]:
        """Run a 0-1 BFS over planning arcs: commands cost 1, settle edges 0."""
        dist = {s: 0 for s in sources}
        prev: dict[int, tuple] = {}
        dq = deque(sources)
        while dq:
            i = dq.popleft()
            for cost, key, edge in self.arcs(i):
                d, nd = edge[2], dist[i] + cost
                if nd < dist.get(d, 1 << 30):
                    dist[d], prev[d] = nd, (i, key, edge)
                    (dq.appendleft if cost == 0 else dq.append)(d)
        return dist, prev

    def path(self, target: int, prev: dict[int, tuple]) -> tuple[int, list[tuple]]:
        """Return (initial state, [(key or None, edge)]) along ``prev`` to ``target``."""
        arcs = []
        while target in prev:
            i, key, edge = prev[target]
            arcs.append((key, edge))
            target = i
        return target, arcs[::-1]


def segment_of(oracle: Oracle, initial: int, arcs: list[tuple]) -> Segment:
    """Turn planning arcs into steps. A command after which the next command is planned in a
    transient state does not settle: the next command must meet that state before the
    implementation acts on its own (settle arcs in between are internal steps it may take
    first, e.g. handling an exit before a pending restart); otherwise the command settles,
    which takes the settle arcs that follow it."""
    steps: list[Step] = []
    for n, (key, _edge) in enumerate(arcs):
        if key is None:
            continue
        m = next((k for k in range(n + 1, len(arcs)) if arcs[k][0] is not None), None)
        hurry = m is not None and oracle.transient(arcs[m - 1][1][2]) is not None
        steps.append(Step(key, settle=not hurry))
    return Segment(initial, tuple(steps))


def error_pattern(message: str) -> re.Pattern:
    """Compile an ``errors`` message to a regular expression: ``{placeholder}`` matches any
    text, the rest literally; the implementation's error must contain it.

    >>> bool(error_pattern("container {id} is not running").search(
    ...     "Error: container 3f2a is not running"))
    True
    """
    parts = re.split(r"\{[^}]*\}", message)
    return re.compile(".*?".join(re.escape(p) for p in parts), re.S)
