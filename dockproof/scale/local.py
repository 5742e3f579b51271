"""One container's transition tables, compiled once from the host's local model.

A container's local state (its parameters and variables) is numbered; the shared variables'
valuations are numbered too. ``succ[l, g]`` lists every (template action, next local state,
next shared valuation) of a container in local state ``l`` when the shared valuation is ``g``,
padded with -1: the symmetric explicit engine moves whole batches of states through these
arrays with numpy.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ..engines.compiled import RangeViolation, compile_model
from ..spec.model import Model
from ..spec.types import BoolType
from .instantiate import Host, local_model

RANGE_ERROR = -2


@dataclass(frozen=True)
class LocalTables:
    """The numbered local states and shared valuations, and the padded successor arrays."""

    host: Host
    model: Model               # the local model: template variables, then shared ones
    locals: tuple[tuple, ...]  # local states (template slots), sorted
    shared: tuple[tuple, ...]  # shared valuations
    succ_local: np.ndarray     # [l, g, k] -> next local index, -1 none, RANGE_ERROR
    succ_shared: np.ndarray    # [l, g, k] -> next shared index
    succ_action: np.ndarray    # [l, g, k] -> template action index
    values: tuple[np.ndarray, ...]         # per template slot: value per local index
    shared_values: tuple[np.ndarray, ...]  # per shared variable: value per shared index
    initial_locals: tuple[int, ...]
    initial_shared: int

    @property
    def width(self) -> int:
        return self.host.width

    def flat(self, which: str) -> tuple[np.ndarray, ...]:
        """Return, per successor slot k, ``succ_<which>`` indexed by ``l * len(shared) + g``."""
        arr = getattr(self, "succ_" + which)
        return tuple(np.ascontiguousarray(arr[:, :, k].reshape(-1)) for k in range(arr.shape[2]))


def build_tables(host: Host) -> LocalTables:
    """Number every local state a container can reach whatever the shared values are."""
    lm = local_model(host)
    c = compile_model(lm)
    w = host.width
    shared = tuple(itertools.product(*(v.type.values() for v in host.shared)))
    inits = sorted({s[:w] for s in lm.initial_states()})
    seen, order = set(inits), list(inits)
    edges: dict[tuple, list] = {}
    for l in order:  # grows while iterating: a breadth-first closure
        out = edges.setdefault(l, [])
        for gi, g in enumerate(shared):
            for a, f in enumerate(c.steps):
                try:
                    t = f(l + g)
                except RangeViolation:
                    out.append((gi, a, None, None))
                    continue
                if t is not None:
                    out.append((gi, a, t[:w], t[w:]))
                    if t[:w] not in seen:
                        seen.add(t[:w])
                        order.append(t[:w])
    return _tables(host, lm, sorted(seen), shared, edges, inits)


def _tables(host, lm, locs, shared, edges, inits) -> LocalTables:
    li = {l: i for i, l in enumerate(locs)}
    gi_of = {g: i for i, g in enumerate(shared)}
    per = {}
    for l, es in edges.items():
        for g, a, t, sh in es:
            per.setdefault((li[l], g), []).append((a, t, sh))
    k = max((len(v) for v in per.values()), default=1)
    shape = (len(locs), len(shared), k)
    sl, sg, sa = (np.full(shape, -1, dtype=np.int32) for _ in range(3))
    for (l, g), es in per.items():
        for j, (a, t, sh) in enumerate(es):
            sa[l, g, j] = a
            sl[l, g, j] = RANGE_ERROR if t is None else li[t]
            sg[l, g, j] = 0 if sh is None else gi_of[sh]
    values = tuple(_column([l[v.slot] for l in locs], v.type)
                   for v in host.template.variables)
    svals = tuple(_column([g[j] for g in shared], v.type) for j, v in enumerate(host.shared))
    init_g = gi_of[tuple(v.init for v in host.shared)]
    return LocalTables(host, lm, tuple(locs), shared, sl, sg, sa, values, svals,
                       tuple(li[l] for l in inits), init_g)


def _column(vals: list, t) -> np.ndarray:
    return np.array(vals, dtype=bool if isinstance(t, BoolType) else np.int64)
