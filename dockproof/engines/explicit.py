"""The explicit engine: properties decided on the reachable graph (exhaustive, shortest
counterexamples by BFS order)."""

from __future__ import annotations

import time
from collections import deque

from ..spec.properties import Property
from .compiled import edge_predicate, predicate
from .result import PROVED, REFUTED, Result, Trace
from .statespace import StateSpace

NAME = "explicit"


def check(prop: Property, space: StateSpace) -> Result:
    """Decide ``prop`` on the explored state space."""
    t0 = time.perf_counter()
    fn = _KINDS[prop.kind]
    verdict, traces, reason = fn(prop, space)
    bound = f"exhaustive, {len(space.states)} states"
    return Result(prop.id, verdict, NAME, bound, time.perf_counter() - t0, tuple(traces), reason)


def supports(kind: str) -> bool:
    return kind in _KINDS


def trace_to(space: StateSpace, i: int, extra: list[tuple[int, tuple]] = (), title: str = "",
             loop: int | None = None) -> Trace:
    """Build the shortest trace to state ``i``, then the given extra (action, state) steps."""
    names = [a.name for a in space.model.actions]
    steps = [(names[a] if a is not None else None, space.states[j])
             for a, j in space.path_to(i)]
    steps += [(names[a], s) for a, s in extra]
    return Trace(space.model, tuple(steps), title, loop)


def _invariant(prop, space):
    p = predicate(prop.exprs["formula"])
    for i, s in enumerate(space.states):
        if not p(s):
            return REFUTED, [trace_to(space, i, title="reaches a state that violates it")], ""
    return PROVED, [], ""


def _transition(prop, space):
    f = edge_predicate(prop.exprs["formula"])
    wanted = prop.data.get("actions")
    names = [a.name for a in space.model.actions]
    actor = space.compiled.actor_index
    states = space.states
    for src, a, dst in space.edges:
        if wanted and names[a] not in wanted:
            continue
        if not f(states[src], a, actor[a], states[dst]):
            return REFUTED, [trace_to(space, src, [(a, states[dst])],
                                      title=f"its last step ({names[a]}) violates it")], ""
    return PROVED, [], ""


def _determined(prop, space):
    m = space.model
    of = m.var(prop.data["of"]).slot
    by = [m.var(n).slot for n in prop.data["by"]]
    where = predicate(prop.exprs["where"]) if "where" in prop.exprs else None
    seen: dict[tuple, int] = {}
    for i, s in enumerate(space.states):
        if where is not None and not where(s):
            continue
        key = tuple(s[k] for k in by)
        j = seen.setdefault(key, i)
        if space.states[j][of] != s[of]:
            return REFUTED, [trace_to(space, j, title="first state"),
                             trace_to(space, i, title="second state: same "
                                      f"{', '.join(prop.data['by'])}, other {prop.data['of']}")], ""
    return PROVED, [], ""


def run_sequence(space: StateSpace, s: tuple, names: tuple[str, ...]):
    """Apply actions in order; return the (action index, state) steps, or None if one is
    disabled."""
    idx = {a.name: i for i, a in enumerate(space.model.actions)}
    out = []
    for n in names:
        s = space.compiled.steps[idx[n]](s)
        if s is None:
            return None
        out.append((idx[n], s))
    return out


def _equivalent(prop, space):
    left, right = prop.data["left"], prop.data["right"]
    for i, s in enumerate(space.states):
        a, b = run_sequence(space, s, left), run_sequence(space, s, right)
        end_a = a[-1][1] if a else None
        end_b = b[-1][1] if b else None
        if end_a != end_b:
            why = _why_differ(space, left, right, end_a, end_b)
            traces = [trace_to(space, i, a or [], title=f"{' ; '.join(left)}: {why[0]}"),
                      trace_to(space, i, b or [], title=f"{' ; '.join(right)}: {why[1]}")]
            return REFUTED, traces, why[2]
    return PROVED, [], ""


def _why_differ(space, left, right, end_a, end_b):
    if end_a is None or end_b is None:
        dis = "disabled" if end_a is None else "enabled"
        dis_b = "disabled" if end_b is None else "enabled"
        return dis, dis_b, f"{' ; '.join(left)} is {dis} where {' ; '.join(right)} is {dis_b}"
    m = space.model
    diff = [k for k in range(len(end_a)) if end_a[k] != end_b[k]]
    return ("ends in " + m.render_state(end_a, tuple(diff)),
            "ends in " + m.render_state(end_b, tuple(diff)), "they end in different states")


def _reachable(prop, space):
    p = predicate(prop.exprs["formula"])
    for i, s in enumerate(space.states):
        if p(s):
            return PROVED, [trace_to(space, i, title="witness")], ""
    return REFUTED, [], "no reachable state satisfies it"


def _deadlock_free(prop, space):
    allow = predicate(prop.exprs["allow"]) if "allow" in prop.exprs else (lambda s: False)
    has_out = [False] * len(space.states)
    for src, _, _ in space.edges:
        has_out[src] = True
    for i, s in enumerate(space.states):
        if not has_out[i] and not allow(s):
            return REFUTED, [trace_to(space, i, title="reaches a state with no enabled "
                                      "action")], ""
    return PROVED, [], ""


def _backward(space, targets: set[int], allowed=None) -> set[int]:
    """Return the states that can reach ``targets`` (through ``allowed`` states only)."""
    preds: list[list[int]] = [[] for _ in space.states]
    for src, _, dst in space.edges:
        preds[dst].append(src)
    seen, queue = set(targets), deque(targets)
    while queue:
        j = queue.popleft()
        for i in preds[j]:
            if i not in seen and (allowed is None or allowed(i)):
                seen.add(i)
                queue.append(i)
    return seen


def _always_possible(prop, space):
    p = predicate(prop.exprs["formula"])
    good = _backward(space, {i for i, s in enumerate(space.states) if p(s)})
    for i in range(len(space.states)):
        if i not in good:
            return REFUTED, [trace_to(space, i, title="reaches a state from which no path "
                                      "leads to it")], ""
    return PROVED, [], ""


def _leads_to(prop, space):
    from .liveness import leads_to
    return leads_to(prop, space)


_KINDS = {
    "invariant": _invariant, "transition": _transition, "determined": _determined,
    "equivalent": _equivalent, "reachable": _reachable, "deadlock-free": _deadlock_free,
    "always-possible": _always_possible, "leads-to": _leads_to,
}
