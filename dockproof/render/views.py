"""Build diagrams from a model and its explored StateSpace: lifecycle, full, around, trace.

Every node and edge comes from ``space.edges``; nothing is drawn by hand. The lifecycle view
groups states by status (S15: the status is what a person draws), the other views draw states.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable

from ..engines.statespace import StateSpace
from ..errors import InputError
from ..spec.model import ACTORS, Model
from ..spec.types import BoolType, EnumType, show
from . import style
from .ir import Diagram, Edge, Group, Node

Key = Hashable


def status_slot(model: Model, required: bool = False) -> int | None:
    """Return the slot of the ``status`` enum variable (None if the model has none)."""
    v = next((v for v in model.state_vars if v.name == "status"), None)
    if v is not None and isinstance(v.type, EnumType):
        return v.slot
    if required:
        raise InputError(model.path, "DP701", "the lifecycle view needs an enum variable "
                         "'status'", "draw --view full instead")
    return None


def hung_slot(model: Model) -> int | None:
    """Return the slot of a boolean ``hung`` variable: S8's condition drawn inside running."""
    v = next((v for v in model.state_vars if v.name == "hung"), None)
    return v.slot if v is not None and isinstance(v.type, BoolType) else None


#: Boolean variables the lifecycle view draws as a sub-state inside their status, with the
#: sub-state's title and the note that explains it.
CONDITIONS = (
    ("hung", "hung", "hung (S8) is a condition of a {status} container: drawn inside it"),
    ("exit_pending", "exit not handled",
     "exit not handled: the process has exited and the daemon has not handled the exit yet; "
     "Docker still says {status}"),
)


def condition_slots(model: Model) -> list[tuple[int, str, str]]:
    """Return (slot, title, note) for each condition variable the model has."""
    by_name = {v.name: v for v in model.state_vars}
    return [(by_name[n].slot, title, note) for n, title, note in CONDITIONS
            if n in by_name and isinstance(by_name[n].type, BoolType)]


def statuses(model: Model) -> tuple[str, ...]:
    slot = status_slot(model)
    return model.variables[slot].type.members if slot is not None else ()


def config_of(model: Model, s: tuple) -> tuple:
    return tuple(s[p.slot] for p in model.params)


def config_label(model: Model, cfg: tuple) -> str:
    """Name a configuration: ``mem_limit=true oom_kill_disable=false restart=true``."""
    return " ".join(f"{p.name}={show(p.type, v)}" for p, v in zip(model.params, cfg))


def config_id(model: Model, cfg: tuple) -> str:
    return "cfg_" + "_".join(str(int(v)) for v in cfg) if cfg else "cfg"


# ---------------------------------------------------------------- the lifecycle view


def lifecycle(model: Model, space: StateSpace) -> Diagram:
    """Draw one node per status (and per condition of a status: hung, an exit not handled
    yet), edges per actor."""
    st, conds = status_slot(model, required=True), condition_slots(model)
    members = model.variables[st].type.members

    def key(s: tuple) -> Key:
        return (s[st], next((k for k, (slot, _t, _n) in enumerate(conds) if s[slot]), -1))

    def name(k: Key) -> str:
        return members[k[0]] + ("" if k[1] < 0 else "_" + conds[k[1]][1].replace(" ", "_"))

    def title(k: Key, idx: list[int]) -> tuple[str, int, tuple[str, ...]]:
        return (members[k[0]] if k[1] < 0 else conds[k[1]][1]), k[0], (_count(len(idx)),)

    nodes, edges = aggregate(model, space, range(len(space.states)), key, name, title)
    groups, nodes = _condition_clusters(nodes, members)
    ids = {n.id for n in nodes}
    notes = tuple(note.format(status=g.label) for g in groups for k, (_s, _t, note)
                  in enumerate(conds) if name((members.index(g.label), k)) in ids)
    return Diagram(model.name, "lifecycle", f"{model.name}: lifecycle ({len(space.states)} "
                   "reachable states by status)", nodes, edges, groups, notes,
                   resources=style.resources(model), statuses=members)


def _condition_clusters(nodes: tuple[Node, ...], members) -> tuple[tuple[Group, ...], tuple]:
    """Put a status and its condition sub-states in one cluster named after the status."""
    with_cond = {n.status for n in nodes if n.id != members[n.status]}
    groups = tuple(Group(f"grp_{members[i]}", members[i]) for i in sorted(with_cond))
    out = tuple(_replace(n, group=f"grp_{members[n.status]}") if n.status in with_cond else n
                for n in nodes)
    return groups, out


def _count(n: int) -> str:
    return f"{n} state" + ("" if n == 1 else "s")


# ---------------------------------------------------------------- grouping states into nodes


def aggregate(model: Model, space: StateSpace, chosen: Iterable[int],
              key: Callable[[tuple], Key], name: Callable[[Key], str],
              title: Callable[[Key, list[int]], tuple[str, int | None, tuple[str, ...]]],
              group: Callable[[Key], str | None] = lambda k: None,
              steps: dict[tuple[int, int, int], int] | None = None,
              touch: set[int] | None = None,
              ) -> tuple[tuple[Node, ...], tuple[Edge, ...]]:
    """Group the chosen states by ``key``: one node per key, one edge per (src, dst, actor).

    A node's badges say which resources all its states hold ("held"), some ("some") or
    none; it is initial if one of its states is, terminal if no step leaves the group.
    ``steps`` numbers the edges ``(src, action, dst)`` a trace takes, to highlight them;
    with ``touch``, only the edges from or to one of those states are drawn.
    """
    chosen = sorted(set(chosen))
    keys = {i: key(space.states[i]) for i in chosen}
    by_key: dict[Key, list[int]] = defaultdict(list)
    for i in chosen:
        by_key[keys[i]].append(i)
    leaves = _leaving(space, keys)
    initial = set(space.initial)
    res = [model.var(r).slot for r in style.resources(model)]
    nodes = []
    for k, idx in sorted(by_key.items(), key=lambda kv: kv[1][0]):
        t, status, details = title(k, idx)
        nodes.append(Node(name(k), t, status, _badges(model, space, idx, res), details,
                          group(k), bool(initial & set(idx)), k not in leaves,
                          count=len(idx), data={"states": idx}))
    return tuple(nodes), _edges(model, space, keys, name, steps or {}, touch)


def _leaving(space: StateSpace, keys: dict[int, Key]) -> set[Key]:
    """Return the keys from which some step (in the whole space) reaches another key."""
    out = set()
    for s, _, d in space.edges:
        if s in keys and (d not in keys or keys[d] != keys[s]):
            out.add(keys[s])
    return out


def _badges(model: Model, space: StateSpace, idx: list[int], slots: list[int]):
    names = style.resources(model)
    out = []
    for name, slot in zip(names, slots):
        held = sum(bool(space.states[i][slot]) for i in idx)
        out.append((name, "held" if held == len(idx) else "some" if held else "none"))
    return tuple(out)


def _edges(model: Model, space: StateSpace, keys: dict[int, Key], name,
           steps: dict, touch: set[int] | None = None) -> tuple[Edge, ...]:
    first: dict[Key, int] = {}
    for i in sorted(keys):
        first.setdefault(keys[i], i)
    order = {k: n for n, k in enumerate(sorted(first, key=first.__getitem__))}
    acts: dict[tuple, set[int]] = defaultdict(set)
    taken: dict[tuple, set[int]] = defaultdict(set)
    for s, a, d in space.edges:
        if s in keys and d in keys and (touch is None or s in touch or d in touch):
            e = (keys[s], keys[d], model.actions[a].actor)
            acts[e].add(a)
            if (s, a, d) in steps:
                taken[e].add(steps[(s, a, d)])
    ordered = sorted(acts, key=lambda e: (order[e[0]], order[e[1]], ACTORS.index(e[2])))
    return tuple(Edge(name(k1), name(k2), actor,
                      tuple(model.actions[a].name for a in sorted(acts[(k1, k2, actor)])),
                      tuple(sorted(taken.get((k1, k2, actor), ()))))
                 for k1, k2, actor in ordered)


def _replace(n: Node, **changes) -> Node:
    from dataclasses import replace
    return replace(n, **changes)
