"""The `parametric` engine: prove host properties for every number of containers at once.

1. *Counting invariants*, found, not written: for each shared integer ``g`` and each local
   integer ``u`` of the template, ``g == sum_i u_i`` is kept when it holds initially for every
   N (both start at 0) and every local step changes ``g`` and ``u`` by the same amount.
2. *Local invariant* ``R``: the local states one container reaches when the others may hold any
   amount the counting invariant allows (``g - u >= 0``): a thread-modular fixpoint, computed
   from the compiled local tables.
3. ``I(N) = counting invariants and every container's local state in R`` is inductive for
   every N >= 1: a step of container i changes only its local state (which stays in R, by
   construction) and the shared variables (by the same amount as its counted variable, checked;
   within range, checked). ``I`` is the certificate.
4. A property over ``k`` quantified containers (``forall``) is checked on the *view*: k
   containers in R and the shared valuation, with ``sum({*}_u)`` replaced by ``g``; steps of
   the other containers are the local steps of any state of R whose counted amount fits in
   what the view leaves over. Every reachable state and step of every N projects into the
   view, so a property true on the view holds for all N >= 1. A violation in the view may be
   unreachable: the verdict is then UNKNOWN, never REFUTED.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..engines.result import PROVED, UNKNOWN, Result
from ..spec.expr import Const
from ..spec.model import ACTORS
from ..spec.parsing import parse
from ..spec.types import IntType
from .hostprops import HostProperty, ViewUnsupported, bindings, expand_view
from .instantiate import Host, instantiate, layout
from .local import RANGE_ERROR, LocalTables
from .specialize import specialise, specialise_step
from .symcheck import _Cols, _false
from .symmetric import _where
from .vector import compile_vector

NAME = "parametric"


@dataclass(frozen=True)
class Invariant:
    """The inductive invariant I(N), valid for every N >= 1: the proof's certificate."""

    counting: tuple[tuple[int, int], ...]  # (shared index, template slot)
    reach: tuple[int, ...]                 # local-state indices of R

    def describe(self, t: LocalTables) -> str:
        h = t.host
        sums = [f"{h.shared[j].name} == sum(ci_{h.template.variables[u].name})"
                for j, u in self.counting]
        return (f"for every N >= 1: {' and '.join(sums)}, and every container's local state "
                f"is one of {len(self.reach)} (of {len(t.locals)} numbered; the fixpoint R)")


def _usage(t: LocalTables, inv_pairs, l) -> np.ndarray:
    return np.array([t.values[u][l] for _, u in inv_pairs]).reshape(len(inv_pairs), -1)


def discover(t: LocalTables) -> Invariant | str:
    """Find I(N) or return why not."""
    pairs = _counting(t)
    counted = {j for j, _ in pairs}
    missing = [v.name for j, v in enumerate(t.host.shared) if j not in counted]
    if missing:
        return f"no counting invariant covers the shared variable(s) {', '.join(missing)}"
    pairs = tuple(next(p for p in pairs if p[0] == j) for j in sorted(counted))
    reach, frontier = set(t.initial_locals), list(t.initial_locals)
    while frontier:
        l = frontier.pop()
        for g in _consistent(t, pairs, l):
            for k in range(t.succ_local.shape[2]):
                nl = int(t.succ_local[l, g, k])
                if nl == RANGE_ERROR:
                    state = t.model.render_state(t.locals[l] + t.shared[g])
                    return f"a local step leaves a variable's range from {state}"
                if nl >= 0 and nl not in reach:
                    reach.add(nl)
                    frontier.append(nl)
    return Invariant(pairs, tuple(sorted(reach)))


def _consistent(t: LocalTables, pairs, l: int) -> list[int]:
    """Return the shared valuations g with g_j >= u_j(l) for every counted pair."""
    return [g for g in range(len(t.shared))
            if all(t.shared[g][j] >= t.values[u][l] for j, u in pairs)]


def _counting(t: LocalTables) -> list[tuple[int, int]]:
    host, out = t.host, []
    for j, sv in enumerate(host.shared):
        for v in host.template.state_vars:
            if not (isinstance(sv.type, IntType) and isinstance(v.type, IntType)):
                continue
            if sv.init != 0 or v.init != 0 or v.type.lo < 0:
                continue
            if _preserves(t, j, v.slot):
                out.append((j, v.slot))
    return out


def _preserves(t: LocalTables, j: int, u: int) -> bool:
    sl, sg = t.succ_local, t.succ_shared
    for l in range(len(t.locals)):
        for g in range(len(t.shared)):
            if t.shared[g][j] < t.values[u][l]:
                continue
            for k in range(sl.shape[2]):
                nl = int(sl[l, g, k])
                if nl == RANGE_ERROR:
                    return False
                if nl >= 0 and t.shared[int(sg[l, g, k])][j] - t.shared[g][j] != \
                        t.values[u][nl] - t.values[u][l]:
                    return False
    return True


# ---------------------------------------------------------------- the view


class View:
    """All states of k containers in R with a shared valuation that I allows."""

    def __init__(self, host: Host, t: LocalTables, inv: Invariant, k: int) -> None:
        self.host, self.t, self.inv, self.k = host, t, inv, k
        self.model = instantiate(host, k)
        self.where = _where(layout(host, k))
        reach = np.array(inv.reach, dtype=np.int32)
        grids = np.meshgrid(*([reach] * k), np.arange(len(t.shared), dtype=np.int32),
                            indexing="ij")
        rows = np.stack([x.reshape(-1) for x in grids[:k]], axis=1)
        g = grids[k].reshape(-1)
        shared = np.array(t.shared, dtype=np.int64).reshape(len(t.shared), -1)
        left = np.stack([shared[g, j] - sum(t.values[u][rows[:, i]].astype(np.int64)
                                            for i in range(k))
                         for j, u in inv.counting], axis=1)
        keep = np.all(left >= 0, axis=1)
        self.rows, self.g, self.left = rows[keep], g[keep], left[keep]

    def cols(self, sel=slice(None)):
        return _Cols(self.t, self.where, lambda i: self.rows[sel, i], self.g[sel])


def check(hp: HostProperty, host: Host, t: LocalTables, inv: Invariant,
          views: dict[int, View]) -> Result:
    """Decide one property for every N >= 1 on the view of its quantified containers."""
    t0 = time.perf_counter()
    pid, kind = hp.prop.id, hp.prop.kind
    if kind not in ("invariant", "transition") or not hp.symmetric or hp.actions_text:
        return Result(pid, UNKNOWN, NAME, "-", 0.0, (), "the parametric engine decides "
                      "invariant and transition properties over every container (forall, sum), "
                      "without an actions list")
    k = max(1, len(hp.forall))
    if k not in views:
        views[k] = View(host, t, inv, k)
    view = views[k]
    sums = {host.template.variables[u].name: host.shared[j].name for j, u in inv.counting}
    try:
        text = " and ".join(f"({expand_view(hp.text['formula'], k, b, sums)})"
                            for b in bindings(hp.forall, k))
    except ViewUnsupported as exc:
        return Result(pid, UNKNOWN, NAME, "-", 0.0, (), f"{exc} cannot be seen from a view of "
                      f"{k} containers")
    e = parse(text, view.model.scope(allow_post=kind == "transition"))
    bad = _invariant_bad(view, e) if kind == "invariant" else _transition_bad(view, e)
    secs = time.perf_counter() - t0
    if bad is not None:
        return Result(pid, UNKNOWN, NAME, f"view of {k}", secs, (), "not proved for every N: "
                      f"the invariant allows {bad}, which may be unreachable; check a small N "
                      "with --engine symmetric")
    return Result(pid, PROVED, NAME, f"every N >= 1 (inductive invariant, view of {k})", secs,
                  certificate=inv.describe(t))


def _invariant_bad(view: View, e) -> str | None:
    bad = _false(compile_vector(e)(view.cols(), None, None, None), len(view.rows))
    return _show(view, bad[0]) if len(bad) else None


def _transition_bad(view: View, e) -> str | None:
    m = view.model
    for ai, act in enumerate(m.actions):
        spec = specialise(e, m, ai)
        if isinstance(spec, Const) and spec.value:
            continue
        ok = compile_vector(spec)(view.cols(), None, None, None)
        en = compile_vector(act.guard)(view.cols(), None, None, None)
        bad = np.flatnonzero(np.broadcast_to(en, len(view.rows)) &
                             ~np.broadcast_to(np.asarray(ok, bool), len(view.rows)))
        if len(bad):
            return f"{_show(view, bad[0])} --{act.name}-->"
    return _others_bad(view, e)


def _others_bad(view: View, e) -> str | None:
    """Check steps of containers outside the view: they move only the shared variables.

    A step of another container in local state l needs the view to leave at least l's counted
    amounts over; steps are grouped by (shared before, shared after, actor)."""
    t, inv = view.t, view.inv
    lay = layout(view.host, view.k)
    groups: dict[tuple, set] = {}
    for l in inv.reach:
        need = tuple(int(t.values[u][l]) for _, u in inv.counting)
        for g in range(len(t.shared)):
            for k in range(t.succ_local.shape[2]):
                if t.succ_local[l, g, k] >= 0:
                    a = t.model.actions[int(t.succ_action[l, g, k])]
                    key = (g, int(t.succ_shared[l, g, k]), ACTORS.index(a.actor), a.name)
                    groups.setdefault(key, set()).add(need)
    for (g, g2, actor, name), needs in sorted(groups.items()):
        post = {s: Const(t.shared[g2][j], t.host.shared[j].type)
                for j, s in enumerate(lay.shared)}
        spec = specialise_step(e, post, len(view.model.actions), actor)
        if isinstance(spec, Const) and spec.value:
            continue
        fits = np.zeros(len(view.rows), dtype=bool)
        for need in needs:
            fits |= np.all(view.left >= np.array(need), axis=1)
        sel = np.flatnonzero((view.g == g) & fits)
        bad = _false(compile_vector(spec)(view.cols(sel), None, None, None), len(sel))
        if len(bad):
            return f"{_show(view, sel[bad[0]])} --another container's {name}-->"
    return None


def _show(view: View, i: int) -> str:
    t, w = view.t, view.t.width
    parts = [f"c{j + 1}: " + t.model.render_state(t.locals[int(view.rows[i, j])], tuple(range(w)))
             for j in range(view.k)]
    shared = t.locals[0] + t.shared[int(view.g[i])]
    return "; ".join(parts + [t.model.render_state(shared, tuple(range(w, len(shared))))])
