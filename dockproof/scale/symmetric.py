"""The `symmetric` engine: explicit breadth-first exploration of N interchangeable containers.

A state is packed as the shared valuation's index and the *sorted* tuple of the containers'
local-state indices (its canonical form: containers are interchangeable, so every permutation
of a state has the same future). A canonical state is numbered by its combinatorial rank
(``g * C(L + N - 1, N) + rank``), the visited set is a byte map over those numbers, and a whole
BFS level moves at once through the local successor arrays (`local.py`) with numpy.

Sound for the host's properties because they are symmetric (they name no container). A property
that names a container is checked on every permutation of every canonical state (N! times the
work; the engine says so). Liveness is not decided here: symmetry reduction with fairness needs
more care than this engine takes.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError, Location
from .instantiate import Host, Layout, layout
from .local import RANGE_ERROR, LocalTables, build_tables

NAME = "symmetric"
BYTEMAP_LIMIT = 1 << 30


@dataclass
class Level:
    """The canonical states first reached at one BFS depth, and how they were reached."""

    rows: np.ndarray     # (F, N) sorted local indices
    shared: np.ndarray   # (F,) shared index
    parent: np.ndarray   # (F,) row in the previous level, -1 for initial states
    pos: np.ndarray      # (F,) sorted position of the container that moved
    action: np.ndarray   # (F,) template action index


@dataclass
class Exploration:
    tables: LocalTables
    n: int
    layout: Layout
    levels: list[Level] = field(default_factory=list)
    canonical: int = 0
    concrete: int = 0
    edges: int = 0
    seconds: float = 0.0
    complete: bool = True
    warnings: list[str] = field(default_factory=list)


def binomials(top: int, n: int) -> np.ndarray:
    """Return C[x, j] for x < top, j <= n as int64 (colex ranks of sorted tuples)."""
    c = np.zeros((top, n + 1), dtype=np.int64)
    for x in range(top):
        for j in range(n + 1):
            c[x, j] = math.comb(x, j)
    return c


class _Packer:
    """Number canonical states densely: ``g * M + sum_i C(rows[i] + i, i + 1)``."""

    def __init__(self, n_local: int, n_shared: int, n: int) -> None:
        self.m = math.comb(n_local + n - 1, n)
        if n_shared * self.m >= 1 << 62:
            raise InputError(Location("--containers"), "DP122", f"{n} containers are too many "
                             "for the explicit engine", "use --engine parametric")
        c = binomials(n_local + n, n)
        self.ranks = [c[i:i + n_local, i + 1].copy() for i in range(n)]
        self.n = n
        self.size = n_shared * self.m
        self.bytemap = np.zeros(self.size, dtype=np.uint8) if self.size <= BYTEMAP_LIMIT else None
        self.sorted: np.ndarray = np.zeros(0, dtype=np.int64)

    def code(self, cols: list, g: np.ndarray) -> np.ndarray:
        """Number canonical states given as sorted columns."""
        out = g.astype(np.int64) * self.m
        for i, col in enumerate(cols):
            out += self.ranks[i][col]
        return out

    def unseen(self, codes: np.ndarray) -> np.ndarray:
        """Return a mask of the codes not marked yet."""
        if self.bytemap is not None:
            return self.bytemap[codes] == 0
        if not len(self.sorted):
            return np.ones(len(codes), bool)
        pos = np.searchsorted(self.sorted, codes)
        pos[pos == len(self.sorted)] = 0
        return self.sorted[pos] != codes

    def mark(self, codes: np.ndarray) -> None:
        """Mark distinct, unseen codes as seen."""
        if self.bytemap is not None:
            self.bytemap[codes] = 1
        else:
            self.sorted = np.union1d(self.sorted, codes)

    def fresh(self, codes: np.ndarray) -> None:
        self.mark(np.unique(codes))


def _where(lay: Layout) -> dict:
    out = {}
    for i, slots in enumerate(lay.slots):
        for k, s in enumerate(slots):
            out[s] = ("c", i, k)
    for j, s in enumerate(lay.shared):
        out[s] = ("s", j, j)
    return out


# ---------------------------------------------------------------- exploration


def _successors(t: LocalTables, rows: np.ndarray, g: np.ndarray):
    """Yield (pos, src rows, template actions, post rows unsorted, post shared) per position
    and successor slot.

    A container whose local state equals its left neighbour's is skipped: swapping the two
    gives the same canonical successors.
    """
    n, n_g = rows.shape[1], len(t.shared)
    k_max = t.succ_local.shape[2]
    flat_local, flat_shared, flat_action = t.flat("local"), t.flat("shared"), t.flat("action")
    for pos in range(n):
        col = rows[:, pos]
        idx = None if pos == 0 else np.flatnonzero(col != rows[:, pos - 1])
        flat = col * n_g + g if idx is None else col[idx] * n_g + g[idx]
        for k in range(k_max):
            nl = flat_local[k][flat]
            hit = np.flatnonzero(nl != -1)
            if not len(hit):
                continue
            new_l = nl[hit]
            f = flat[hit]
            if (new_l == RANGE_ERROR).any():
                bad = f[new_l == RANGE_ERROR][0]
                _range_error(t, bad // n_g, bad % n_g, flat_action[k][bad])
            src = hit if idx is None else idx[hit]
            yield pos, src, flat_action[k][f], new_l, flat_shared[k][f]


def _range_error(t: LocalTables, l: int, g: int, a: int):
    act = t.model.actions[a]
    state = t.model.render_state(t.locals[l] + t.shared[g])
    raise InputError(Location(t.host.path, None, f"couple.{act.name}"), "DP301",
                     f"action '{act.name}' leaves a variable's range from the reachable local "
                     f"state {state}", "tighten the guard or widen the range")


def post_columns(rows: np.ndarray, src: np.ndarray, pos: int, new_l: np.ndarray) -> list:
    """Return the successors' columns, unsorted: ``rows[src]`` with ``pos`` replaced."""
    return [new_l if i == pos else rows[src, i] for i in range(rows.shape[1])]


def sort_columns(cols: list, pos: int) -> list:
    """Sort rows whose only misplaced entry is at ``pos`` (one min/max pass each way)."""
    cols = list(cols)
    for j in range(pos, len(cols) - 1):
        a, b = cols[j], cols[j + 1]
        cols[j], cols[j + 1] = np.minimum(a, b), np.maximum(a, b)
    for j in range(pos, 0, -1):
        a, b = cols[j - 1], cols[j]
        cols[j - 1], cols[j] = np.minimum(a, b), np.maximum(a, b)
    return cols


def _orbit_sizes(rows: np.ndarray) -> np.ndarray:
    """Return how many concrete states each canonical state stands for (N! / prod m_i!)."""
    n = rows.shape[1]
    run = np.ones(len(rows), dtype=np.int64)
    div = np.ones(len(rows), dtype=np.int64)
    for i in range(1, n):
        run = np.where(rows[:, i] == rows[:, i - 1], run + 1, 1)
        div *= run
    return math.factorial(n) // div


def initial_level(t: LocalTables, n: int) -> Level:
    combos = itertools.combinations_with_replacement(sorted(t.initial_locals), n)
    init = np.array(list(combos), dtype=np.int32).reshape(-1, n)
    minus = np.full(len(init), -1, dtype=np.int32)
    return Level(init, np.full(len(init), t.initial_shared, dtype=np.int32), minus, minus, minus)


def explore(host: Host, n: int, checks: list | None = None, max_states: int | None = None,
            tables: LocalTables | None = None) -> Exploration:
    """Explore the host with ``n`` containers up to symmetry, checking ``checks`` on the way."""
    t0 = time.perf_counter()
    t = tables or build_tables(host)
    ex = Exploration(t, n, layout(host, n))
    pk = _Packer(len(t.locals), len(t.shared), n)
    level = initial_level(t, n)
    pk.fresh(pk.code([level.rows[:, i] for i in range(n)], level.shared))
    checks = checks or []
    while len(level.rows):
        ex.levels.append(level)
        ex.canonical += len(level.rows)
        ex.concrete += int(_orbit_sizes(level.rows).sum())
        for c in checks:
            c.on_states(len(ex.levels) - 1, level)
        if max_states is not None and ex.canonical > max_states:
            ex.complete = False
            break
        level = _next_level(ex, pk, level, checks)
    ex.seconds = time.perf_counter() - t0
    return ex


def _next_level(ex: Exploration, pk: _Packer, level: Level, checks) -> Level:
    parts = []
    for pos, src, act, new_l, ng in _successors(ex.tables, level.rows, level.shared):
        ex.edges += len(src)
        post = post_columns(level.rows, src, pos, new_l)
        for c in checks:
            c.on_edges(len(ex.levels) - 1, level, pos, src, act, post, ng)
        cols = sort_columns(post, pos)
        codes = pk.code(cols, ng)
        fresh = np.flatnonzero(pk.unseen(codes))
        if len(fresh):
            parts.append((codes[fresh], np.stack([c[fresh] for c in cols], axis=1), ng[fresh],
                          src[fresh], np.full(len(fresh), pos, np.int32), act[fresh]))
    if not parts:
        empty = np.zeros(0, np.int32)
        return Level(np.zeros((0, ex.n), np.int32), empty, empty, empty, empty)
    codes, rows, g, src, pos, act = (np.concatenate(x) for x in zip(*parts))
    codes, first = np.unique(codes, return_index=True)
    pk.mark(codes)
    return Level(rows[first].astype(np.int32), g[first].astype(np.int32),
                 src[first].astype(np.int32), pos[first], act[first].astype(np.int32))
