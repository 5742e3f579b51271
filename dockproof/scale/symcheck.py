"""Check host properties with the `symmetric` engine; rebuild concrete traces for violations.

Invariants are evaluated on every canonical state, transition properties on every edge leaving
one, with numpy over whole levels. A property that names a container is evaluated on every
permutation of the containers (sound, N! times slower, and said in a warning).
"""

from __future__ import annotations

import itertools

import numpy as np

from ..engines.result import PROVED, REFUTED, UNKNOWN, Result, Trace
from ..spec.expr import Const
from ..spec.model import ACTORS, Model
from .hostprops import HostProperty
from .instantiate import Host, layout, prefix
from .local import LocalTables, build_tables
from .specialize import specialise
from .symmetric import NAME, Exploration, _where, explore
from .vector import compile_vector

SUPPORTED = ("invariant", "transition")


class _Cols:
    """Lazy columns of a batch, by instantiated slot; ``local(i)`` gives container i's
    local-state indices."""

    def __init__(self, t: LocalTables, where: dict, local, g) -> None:
        self.t, self.where, self.local, self.g = t, where, local, g
        self.cache: dict[int, np.ndarray] = {}

    def __getitem__(self, slot: int) -> np.ndarray:
        col = self.cache.get(slot)
        if col is None:
            kind, i, k = self.where[slot]
            col = self.t.values[k][self.local(i)] if kind == "c" else \
                self.t.shared_values[k][self.g]
            self.cache[slot] = col
        return col


class Check:
    """One property watched during exploration; ``violation`` records the first failure."""

    def __init__(self, hp: HostProperty, model: Model, t: LocalTables, ex_where: dict,
                 n: int) -> None:
        self.hp, self.prop, self.t, self.where = hp, hp.prop, t, ex_where
        self.f = compile_vector(hp.prop.exprs["formula"])
        self.perms = [tuple(range(n))] if hp.symmetric else \
            list(itertools.permutations(range(n)))
        names = [a.name for a in model.actions]
        wanted = hp.prop.data.get("actions")
        self.allowed = {names.index(a) for a in wanted} if wanted else None
        self.actors = np.array([ACTORS.index(a.actor) for a in t.model.actions])
        self.n_act = len(t.model.actions)
        self.violation: tuple | None = None
        self.model = model
        self.cache: dict[int, object] = {}

    def on_states(self, depth: int, level) -> None:
        if self.prop.kind != "invariant" or self.violation:
            return
        for perm in self.perms:
            cols = _Cols(self.t, self.where, lambda i, perm=perm: level.rows[:, perm[i]],
                         level.shared)
            bad = _false(self.f(cols, None, None, None), len(level.rows))
            if len(bad):
                self.violation = ("state", depth, int(bad[0]), perm)
                return

    def on_edges(self, depth, level, pos, src, act, post, ng) -> None:
        if self.prop.kind != "transition" or self.violation:
            return
        for perm in self.perms:
            who = perm.index(pos)
            for a in np.unique(act):
                f = self.specialised(who * self.n_act + int(a))
                if f is None:
                    continue
                sel = np.flatnonzero(act == a)
                rows = src[sel]
                pre = _Cols(self.t, self.where,
                            lambda i, rows=rows, perm=perm: level.rows[rows, perm[i]],
                            level.shared[rows])
                bad = _false(f(pre, None, None, None), len(rows))
                if len(bad):
                    b = int(sel[bad[0]])
                    self.violation = ("edge", depth, int(src[b]), perm, pos, int(act[b]))
                    return

    def specialised(self, action: int):
        """Return the formula compiled for one global action, or None when it is true there."""
        if action not in self.cache:
            e = specialise(self.prop.exprs["formula"], self.model, action)
            skip = (isinstance(e, Const) and e.value) or \
                (self.allowed is not None and action not in self.allowed)
            self.cache[action] = None if skip else compile_vector(e)
        return self.cache[action]


def _false(ok, size: int) -> np.ndarray:
    return np.flatnonzero(~np.broadcast_to(np.asarray(ok, dtype=bool), (size,)))


def check_host(host: Host, model: Model, n: int, props: list[HostProperty],
               max_states: int | None = None,
               tables: LocalTables | None = None) -> tuple[Exploration, list[Result]]:
    """Explore once up to symmetry and decide every supported property."""
    t = tables or build_tables(host)
    where = _where(layout(host, n))
    checks = [Check(hp, model, t, where, n) for hp in props if hp.prop.kind in SUPPORTED]
    ex = explore(host, n, checks, max_states, t)
    by_id = {c.prop.id: c for c in checks}
    results = []
    for hp in props:
        c = by_id.get(hp.prop.id)
        results.append(_result(hp, c, ex, model))
        if c is not None and not hp.symmetric:
            ex.warnings.append(f"{hp.prop.id} names a container: symmetry reduction is sound "
                               f"for it only by checking all {len(c.perms)} permutations of "
                               "every canonical state, which this engine did")
    return ex, results


def _result(hp: HostProperty, c: Check | None, ex: Exploration, model: Model) -> Result:
    pid = hp.prop.id
    if c is None:
        return Result(pid, UNKNOWN, NAME, "-", 0.0, (), f"the {NAME} engine decides "
                      f"{' and '.join(SUPPORTED)} properties; symmetry reduction is not sound "
                      f"for {hp.prop.kind} properties as it is done here")
    if c.violation:
        return Result(pid, REFUTED, NAME, f"BFS depth {c.violation[1]}", ex.seconds,
                      (concrete_trace(ex, model, c.violation),))
    if not ex.complete:
        return Result(pid, UNKNOWN, NAME, "-", ex.seconds, (), "state budget exhausted "
                      f"after {ex.canonical} canonical states")
    return Result(pid, PROVED, NAME, f"exhaustive over {ex.canonical:,} canonical states "
                  f"({ex.concrete:,} states) up to symmetry", ex.seconds)


# ---------------------------------------------------------------- traces


def _path(ex: Exploration, depth: int, row: int) -> list[tuple[int, int, int, int]]:
    """Return [(depth, row, pos, action)] from an initial state to (depth, row)."""
    out = []
    while depth > 0:
        lv = ex.levels[depth]
        out.append((depth, row, int(lv.pos[row]), int(lv.action[row])))
        row, depth = int(lv.parent[row]), depth - 1
    out.append((0, row, -1, -1))
    return out[::-1]


def _step(t: LocalTables, l: int, g: int, act: int) -> tuple[int, int]:
    k = int(np.flatnonzero(t.succ_action[l, g] == act)[0])
    return int(t.succ_local[l, g, k]), int(t.succ_shared[l, g, k])


def concrete_trace(ex: Exploration, model: Model, v: tuple) -> Trace:
    """Turn a canonical path into a run of the instantiated model ending in the violation."""
    t = ex.tables
    kind, depth, row = v[0], v[1], v[2]
    perm = v[3]
    path = _path(ex, depth, row)
    x = [int(c) for c in ex.levels[0].rows[path[0][1]]]
    g = int(ex.levels[0].shared[path[0][1]])
    runs = [(None, None, list(x), g)]
    moves = [(ex.levels[d - 1].rows[ex.levels[d].parent[r]], p, a) for d, r, p, a in path[1:]]
    if kind == "edge":
        moves.append((ex.levels[depth].rows[row], v[4], v[5]))
    for canon, pos, act in moves:
        c = x.index(int(canon[pos]))
        x[c], g = _step(t, x[c], g, act)
        runs.append((c, act, list(x), g))
    target = [int(ex.levels[depth].rows[row][perm[i]]) for i in range(ex.n)]
    mover = perm.index(v[4]) if kind == "edge" else None
    at = runs[-2] if kind == "edge" else runs[-1]
    sigma = _relabel(at[2], target, mover, runs[-1][0] if kind == "edge" else None)
    steps = []
    for c, act, locs, gg in runs:
        name = None if act is None else prefix(sigma.index(c)) + t.model.actions[act].name
        steps.append((name, _state(ex, model, [locs[sigma[i]] for i in range(ex.n)], gg)))
    what = "its last step violates it" if kind == "edge" else "reaches a state that violates it"
    return Trace(model, tuple(steps), what)


def _relabel(have: list, want: list, mover: int | None, actor: int | None) -> list[int]:
    """Return sigma with have[sigma[i]] == want[i] (and sigma[mover] == actor)."""
    sigma: list[int | None] = [None] * len(want)
    used = set()
    if mover is not None:
        sigma[mover] = actor
        used.add(actor)
    for i, w in enumerate(want):
        if sigma[i] is None:
            j = next(j for j in range(len(have)) if j not in used and have[j] == w)
            sigma[i] = j
            used.add(j)
    return sigma  # type: ignore[return-value]


def _state(ex: Exploration, model: Model, locs: list[int], g: int) -> tuple:
    s = [None] * len(model.variables)
    for i, l in enumerate(locs):
        for k, slot in enumerate(ex.layout.slots[i]):
            s[slot] = ex.tables.locals[l][k]
    for j, slot in enumerate(ex.layout.shared):
        s[slot] = ex.tables.shared[g][j]
    return tuple(s)
