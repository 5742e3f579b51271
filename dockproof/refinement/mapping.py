"""Load a refinement mapping (``properties/refinement.toml``): the concrete and abstract models,
one expression per abstract variable over the concrete ones, the actors and action sequences
a concrete step may stand for, and the declared differences."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..engines.compiled import predicate
from ..errors import did_you_mean
from ..spec.expr import Expr, to_python
from ..spec.loader import _cites, load_model
from ..spec.model import ACTORS, Model
from ..spec.source import Source, read_toml
from ..spec.types import EnumType


@dataclass(frozen=True)
class Difference:
    """A declared place where the concrete model does what the abstract one does not."""

    name: str
    kind: str                      # "step" or "merge"
    cites: tuple[str, ...]
    reason: str
    actions: tuple[str, ...] = ()  # step: the concrete actions whose unmatched steps it covers
    when: Expr | None = None       # step: on the state before
    variable: str = ""             # merge: two values of this variable map to one state
    values: tuple[int, int] = (0, 0)
    on: tuple[int, ...] = ()       # merge: the abstract slots compared (default: all)
    key: str = ""


@dataclass(frozen=True)
class Refinement:
    path: str
    concrete: Model
    abstract: Model
    mapping: tuple[Expr, ...]                       # by abstract variable slot
    allowed: tuple[tuple[int, ...], ...]            # by concrete action: abstract actions
    sequences: tuple[tuple[tuple[int, ...], ...], ...]  # by concrete action
    differences: tuple[Difference, ...]
    doc: str = ""
    expect: str = "proved"  # a teeth mapping (deliberately wrong) says "refuted"

    def map_function(self) -> Callable[[tuple], tuple]:
        """Compile the mapping to ``f(concrete state) -> abstract state``."""
        body = ", ".join(to_python(e) for e in self.mapping)
        return eval(f"lambda s: ({body},)", {})  # noqa: S307 - generated from the IR

    def covering(self, action: str, s: tuple) -> Difference | None:
        """Return the first declared step difference that covers this concrete step."""
        for d in self.differences:
            if d.kind == "step" and action in d.actions and (d.when is None or
                                                             predicate(d.when)(s)):
                return d
        return None


def load_refinement(path: str | Path, resolve: Callable[[str], Path],
                    load: Callable[[Path], Model] = load_model) -> Refinement:
    """Load a mapping file; ``resolve(name)`` turns a model name or path into a file and
    ``load(file)`` gives its model (a session passes its own model instead of a second
    parse)."""
    src = read_toml(path)
    d = src.data
    src.check_keys(d, "", ("meta", "mapping", "actors", "sequences", "differences"),
                   required=("meta", "mapping"))
    meta = src.table(d["meta"], "meta")
    src.check_keys(meta, "meta", ("concrete", "abstract", "doc", "expect"),
                   required=("concrete", "abstract"))
    if meta.get("expect", "proved") not in ("proved", "refuted"):
        raise src.error("meta.expect", "DP115", "expect must be one of ('proved', 'refuted')")
    conc = load(resolve(str(meta["concrete"])))
    abst = load(resolve(str(meta["abstract"])))
    mapping = _mapping(src, src.table(d["mapping"], "mapping"), conc, abst)
    allowed = _allowed(src, src.table(d.get("actors", {}), "actors"), conc, abst)
    seqs = _sequences(src, src.table(d.get("sequences", {}), "sequences"), conc, abst)
    diffs = tuple(_difference(src, n, b, conc, abst) for n, b in
                  src.table(d.get("differences", {}), "differences").items())
    return Refinement(src.path, conc, abst, mapping, allowed, seqs, diffs,
                      str(meta.get("doc", "")), str(meta.get("expect", "proved")))


def _mapping(src: Source, table: dict, conc: Model, abst: Model) -> tuple[Expr, ...]:
    names = [v.name for v in abst.variables]
    for k in table:
        if k not in names:
            raise src.error(f"mapping.{k}", "DP101", f"'{k}' is not a variable of model "
                            f"'{abst.name}'", did_you_mean(k, names))
    out = []
    for v in abst.variables:
        if v.name not in table:
            raise src.error("mapping", "DP102", f"no expression for {abst.name}'s '{v.name}'")
        out.append(src.expr(f"mapping.{v.name}", table[v.name], conc.scope(), v.type))
    return tuple(out)


def _allowed(src: Source, table: dict, conc: Model, abst: Model):
    by_actor = {}
    for actor in ACTORS:
        names = src.string_list(table.get(actor, [actor]), f"actors.{actor}")
        for n in names:
            if n not in ACTORS:
                raise src.error(f"actors.{actor}", "DP112", f"unknown actor '{n}'",
                                did_you_mean(n, ACTORS))
        by_actor[actor] = tuple(i for i, a in enumerate(abst.actions) if a.actor in names)
    for k in table:
        if k not in ACTORS:
            raise src.error(f"actors.{k}", "DP112", f"unknown actor '{k}'",
                            did_you_mean(k, ACTORS))
    return tuple(by_actor[a.actor] for a in conc.actions)


def _sequences(src: Source, table: dict, conc: Model, abst: Model):
    cnames = [a.name for a in conc.actions]
    anames = [a.name for a in abst.actions]
    out: dict[str, list] = {}
    for k, seqs in table.items():
        if k not in cnames:
            raise src.error(f"sequences.{k}", "DP105", f"unknown action '{k}' of model "
                            f"'{conc.name}'", did_you_mean(k, cnames))
        for text in src.string_list(seqs, f"sequences.{k}"):
            steps = text.split()
            for n in steps:
                if n not in anames:
                    raise src.error(f"sequences.{k}", "DP105", f"unknown action '{n}' of "
                                    f"model '{abst.name}'", did_you_mean(n, anames))
            out.setdefault(k, []).append(tuple(anames.index(n) for n in steps))
    return tuple(tuple(out.get(n, ())) for n in cnames)


def _difference(src: Source, name: str, body, conc: Model, abst: Model) -> Difference:
    key = f"differences.{name}"
    body = src.table(body, key)
    kind = body.get("kind", "step")
    common = ("kind", "cites", "reason")
    if kind == "step":
        src.check_keys(body, key, common + ("actions", "when"), required=("reason", "actions"))
        cnames = [a.name for a in conc.actions]
        acts = src.string_list(body["actions"], f"{key}.actions")
        for n in acts:
            if n not in cnames:
                raise src.error(f"{key}.actions", "DP105", f"unknown action '{n}'",
                                did_you_mean(n, cnames))
        when = src.expr(f"{key}.when", body["when"], conc.scope()) if "when" in body else None
        return Difference(name, kind, _cites(src, body.get("cites", []), f"{key}.cites"),
                          str(body["reason"]), acts, when, key=key)
    if kind != "merge":
        raise src.error(f"{key}.kind", "DP103", f"unknown difference kind '{kind}'",
                        "kinds: step, merge")
    src.check_keys(body, key, common + ("variable", "values", "on"),
                   required=("reason", "variable", "values"))
    anames = [v.name for v in abst.variables]
    on = src.string_list(body.get("on", anames), f"{key}.on")
    for n in on:
        if n not in anames:
            raise src.error(f"{key}.on", "DP101", f"'{n}' is not a variable of model "
                            f"'{abst.name}'", did_you_mean(n, anames))
    var = next((v for v in conc.state_vars if v.name == body["variable"]), None)
    if var is None or not isinstance(var.type, EnumType):
        raise src.error(f"{key}.variable", "DP101", f"'{body['variable']}' is not an enum "
                        "state variable")
    vals = src.string_list(body["values"], f"{key}.values")
    if len(vals) != 2 or any(v not in var.type.members for v in vals):
        raise src.error(f"{key}.values", "DP104", f"expected two values of {var.name}",
                        f"values: {', '.join(var.type.members)}")
    return Difference(name, kind, _cites(src, body.get("cites", []), f"{key}.cites"),
                      str(body["reason"]), variable=var.name,
                      values=tuple(var.type.members.index(v) for v in vals),
                      on=tuple(anames.index(n) for n in on), key=key)
