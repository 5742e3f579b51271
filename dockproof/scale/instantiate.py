"""Instantiate a host model: the container template N times, coupled through shared variables.

``model/host.toml`` names a container template (an ordinary model such as ``seed.toml``),
declares ``[shared.*]`` host variables and ``[couple.ACTION]`` additions (an extra guard
conjunct, extra effects on shared variables) to the template's actions. ``instantiate(host, n)``
returns an ordinary `Model`, so every engine runs it unchanged; ``layout(host, n)`` says which
slots belong to which container, for the engines that exploit symmetry.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..analysis.lint import load_checked
from ..errors import InputError, Location
from ..spec.expr import And, Arith, Cmp, Expr, Implies, Ite, Not, Or, Ref
from ..spec.loader import _cites, _literal, _name, _type
from ..spec.model import Action, Assign, ErrorCase, Model, Variable
from ..spec.parsing import Scope
from ..spec.source import Source, read_toml

_TOP = ("host", "shared", "couple")
_SHARED_KEYS = ("type", "values", "range", "init", "doc", "cites")
MAX_CONTAINERS = 100_000


@dataclass(frozen=True)
class Coupling:
    """What a host adds to one template action: a guard conjunct and shared effects."""

    guard: Expr | None
    effect: tuple[Assign, ...]
    cites: tuple[str, ...]


@dataclass(frozen=True)
class Host:
    """A loaded host file: the template model, the shared variables and the couplings.

    Slots in ``shared`` and in coupling expressions are *local*: the template's slots first,
    then the shared variables.
    """

    name: str
    path: str
    title: str
    template: Model
    shared: tuple[Variable, ...]
    couplings: dict[str, Coupling]
    digest: str

    @property
    def width(self) -> int:
        """Return the number of template slots (a container's local variables)."""
        return len(self.template.variables)


@dataclass(frozen=True)
class Layout:
    """Where container ``i``'s template variable ``k`` sits: ``slots[i][k]``; shared slots."""

    n: int
    slots: tuple[tuple[int, ...], ...]
    shared: tuple[int, ...]
    actions: tuple[tuple[int, int], ...]  # global action index -> (container, template action)


def load_host(path: str | Path) -> Host:
    """Load a host file and its template; every error is located."""
    src = read_toml(path)
    d = src.data
    src.check_keys(d, "", _TOP, required=("host",))
    meta = src.table(d["host"], "host")
    src.check_keys(meta, "host", ("name", "title", "template", "doc"),
                   required=("name", "template"))
    tpath = Path(src.path).parent / str(meta["template"])
    if not tpath.exists():
        raise src.error("host.template", "DP001", f"no such template model: {tpath}")
    template = load_checked(tpath).model
    shared = _shared(src, d.get("shared", {}), template)
    couplings = _couplings(src, d.get("couple", {}), template, shared)
    digest = hashlib.sha256((src.text + template.digest).encode()).hexdigest()[:16]
    return Host(str(meta["name"]), src.path, str(meta.get("title", "")), template, shared,
                couplings, digest)


def _shared(src: Source, table, template: Model) -> tuple[Variable, ...]:
    out: list[Variable] = []
    k = len(template.variables)
    for name, body in src.table(table, "shared").items():
        key = f"shared.{name}"
        _name(src, name, key)
        if any(v.name == name for v in template.variables):
            raise src.error(key, "DP108", f"'{name}' is already a variable of the template")
        body = src.table(body, key)
        src.check_keys(body, key, _SHARED_KEYS, required=("type", "init"))
        t = _type(src, name, body, key, dict(template.constants))
        init = _literal(src, body["init"], t, f"{key}.init")
        out.append(Variable(name, t, k + len(out), init, False, str(body.get("doc", "")),
                            _cites(src, body.get("cites", []), f"{key}.cites")))
    return tuple(out)


def local_scope(template: Model, shared: tuple[Variable, ...]) -> Scope:
    """Return the scope of one container seen from the host: its variables and the shared."""
    scope = template.scope()
    vars_ = dict(scope.vars)
    vars_.update({v.name: (v.slot, v.type) for v in shared})
    return Scope(vars=vars_, constants=scope.constants, predicates=scope.predicates,
                 guards=scope.guards)


def _couplings(src: Source, table, template: Model, shared) -> dict[str, Coupling]:
    from ..spec.loader import _effect

    scope = local_scope(template, shared)
    names = [a.name for a in template.actions]
    out = {}
    for name, body in src.table(table, "couple").items():
        key = f"couple.{name}"
        if name not in names:
            from ..errors import did_you_mean
            raise src.error(key, "DP105", f"the template has no action '{name}'",
                            did_you_mean(name, names))
        body = src.table(body, key)
        src.check_keys(body, key, ("guard", "effect", "cites", "doc"))
        guard = src.expr(f"{key}.guard", body["guard"], scope) if "guard" in body else None
        effect = _effect(src, body.get("effect", {}), f"{key}.effect", scope,
                         template.variables + shared)
        mine = {a.var for a in template.action(name).effect}
        for a in effect:
            if a.var in mine:
                raise src.error(f"{key}.effect.{a.var}", "DP108", f"the template's '{name}' "
                                f"already assigns '{a.var}'")
        out[name] = Coupling(guard, effect, _cites(src, body.get("cites", []), f"{key}.cites"))
    return out


# ---------------------------------------------------------------- instantiation


def check_n(n: int, where: str = "--containers") -> int:
    """Reject a container count outside 1..MAX_CONTAINERS with a located message."""
    if not isinstance(n, int) or not 1 <= n <= MAX_CONTAINERS:
        raise InputError(Location(where), "DP120", f"the number of containers must be between "
                         f"1 and {MAX_CONTAINERS}, got {n}")
    return n


def layout(host: Host, n: int) -> Layout:
    """Return the slot layout of ``instantiate(host, n)``: parameters first, then state."""
    tpl = host.template
    params = [v.slot for v in tpl.params]
    state = [v.slot for v in tpl.state_vars]
    slots = [[0] * host.width for _ in range(n)]
    nxt = 0
    for group in (params, state):
        for i in range(n):
            for k in group:
                slots[i][k] = nxt
                nxt += 1
    shared = tuple(range(nxt, nxt + len(host.shared)))
    acts = tuple((i, j) for i in range(n) for j in range(len(tpl.actions)))
    return Layout(n, tuple(map(tuple, slots)), shared, acts)


def prefix(i: int) -> str:
    """Name container ``i`` (0-based) as the instantiated model does: ``c1_`` for i = 0."""
    return f"c{i + 1}_"


def instantiate(host: Host, n: int) -> Model:
    """Return the host with ``n`` containers as an ordinary model.

    >>> from dockproof.builtin import root
    >>> m = instantiate(load_host(root() / "model" / "host.toml"), 2)
    >>> [v.name for v in m.variables][:4], m.actions[0].name, len(m.actions)
    (['c1_mem_limit', 'c1_oom_kill_disable', 'c1_restart', 'c2_mem_limit'], 'c1_create', 32)
    """
    check_n(n)
    lay = layout(host, n)
    names = {}
    for i in range(n):
        for v in host.template.variables:
            names[lay.slots[i][v.slot]] = (prefix(i) + v.name, v)
    for v, slot in zip(host.shared, lay.shared):
        names[slot] = (v.name, v)
    variables = tuple(Variable(nm, v.type, slot, v.init, v.is_param, v.doc, v.cites)
                      for slot, (nm, v) in sorted(names.items()))
    actions, predicates = [], {}
    for i in range(n):
        ren = Renamer(_slot_map(host, lay, i), variables)
        actions.extend(_action(host, a, i, ren) for a in host.template.actions)
        for pname, e in host.template.predicates.items():
            predicates[prefix(i) + pname] = ren(e)
    return Model(name=host.name, path=host.path, title=f"{host.title}, N = {n}",
                 variables=variables, actions=tuple(actions),
                 constants=dict(host.template.constants), predicates=predicates,
                 digest=f"{host.digest}-{n}")


def local_model(host: Host) -> Model:
    """Return one container with the shared variables, unprefixed (the engines' local view)."""
    variables = host.template.variables + host.shared
    ren = Renamer({v.slot: v.slot for v in variables}, variables)
    actions = tuple(_action(host, a, None, ren) for a in host.template.actions)
    return Model(name=f"{host.name}-local", path=host.path, title=host.title,
                 variables=variables, actions=actions, constants=dict(host.template.constants),
                 predicates=dict(host.template.predicates), digest=host.digest)


def _slot_map(host: Host, lay: Layout, i: int) -> dict[int, int]:
    out = {k: lay.slots[i][k] for k in range(host.width)}
    out.update({v.slot: g for v, g in zip(host.shared, lay.shared)})
    return out


def _action(host: Host, act: Action, i: int | None, ren: Renamer) -> Action:
    c = host.couplings.get(act.name)
    guard = act.guard if c is None or c.guard is None else And((act.guard, c.guard))
    effect = act.effect + (c.effect if c else ())
    name = act.name if i is None else prefix(i) + act.name
    cites = tuple(dict.fromkeys(act.cites + (c.cites if c else ())))
    return Action(name, act.actor, ren(guard),
                  tuple(Assign(ren.name(x.slot), ren.slot(x.slot), ren(x.value)) for x in effect),
                  cites, act.doc, act.command, act.code,
                  tuple(ErrorCase(ren(e.when), e.message) for e in act.errors), act.source)


class Renamer:
    """Move an expression over one container's local slots to the instantiated model's."""

    def __init__(self, slots: dict[int, int], variables: tuple[Variable, ...]) -> None:
        self.slots = slots
        self.vars = {v.slot: v for v in variables}

    def slot(self, local: int) -> int:
        return self.slots[local]

    def name(self, local: int) -> str:
        return self.vars[self.slots[local]].name

    def __call__(self, e: Expr) -> Expr:
        match e:
            case Ref(slot=k, post=p):
                v = self.vars[self.slots[k]]
                return Ref(v.name, v.slot, v.type, p)
            case Not(arg=a):
                return Not(self(a))
            case And(args=xs):
                return And(tuple(map(self, xs)))
            case Or(args=xs):
                return Or(tuple(map(self, xs)))
            case Implies(left=a, right=b):
                return Implies(self(a), self(b))
            case Cmp(op=op, left=a, right=b):
                return Cmp(op, self(a), self(b))
            case Arith(op=op, left=a, right=b):
                return Arith(op, self(a), self(b))
            case Ite(cond=c, then=a, other=b):
                return Ite(self(c), self(a), self(b))
        return e  # Const, Label
