"""Known divergences: real differences of an engine from the model, recorded as data.

``properties/divergences.toml`` lists them (``[meta] about = "docker"``: the model's name; not
``model``, which would make `dockproof check` read it as a property catalogue; then one
``[[divergence]]`` table each):

``id``, ``engine`` (``docker``, ``podman``, ``reference``…), ``versions`` (version prefixes the
entry holds for, e.g. ``["4.3"]``), ``command`` (the verb of the diverging step, or a list of
verbs), optional
``action`` (the model action the step takes there, when the command has several) and ``when``
(a condition on the model state before the step), ``fields`` (what differs: ``outcome`` —
accepted versus refused —, ``error`` — the error text —, ``status``, ``resources`` or a flag
such as ``oom_killed``), ``then`` (how the run goes on), ``expected``, ``observed``, ``reason``
and ``link`` (upstream issue or source, where one exists); ``intermittent = true`` for one met
in some runs only (a race): it is never reported stale.

``then``:
    ``ignore``: the listed fields are not compared for the rest of that container's run
    (e.g. Podman's ``OOMKilled`` stays false); the model follows the state that matches;
    ``refused``: the engine refused a command the model takes: the model stays where it was;
    ``reset``: the rest of that container's run is skipped (the model cannot follow).

A step that diverges only in an entry's fields, where the entry applies, is a *known
divergence*: reported and counted apart from a pass, and the run goes on. An entry that
applied to some step which then conformed is *stale* (the engine changed: remove the entry).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..engines.compiled import predicate
from ..errors import InputError, Location, did_you_mean
from ..spec.model import Model
from ..spec.source import read_toml
from .mapping import FLAGS, compare

FIELDS = ("outcome", "error", "status", "resources") + FLAGS
THEN = ("ignore", "refused", "reset")
_KEYS = ("id", "engine", "versions", "command", "action", "when", "fields", "then",
         "expected", "observed", "reason", "link", "intermittent")


@dataclass(frozen=True)
class Entry:
    """One recorded divergence."""

    id: str
    engine: str
    versions: tuple[str, ...]
    commands: tuple[str, ...]
    action: int | None
    when: Callable[[tuple], bool] | None
    fields: frozenset[str]
    then: str
    expected: str
    observed: str
    reason: str
    link: str
    line: str  # file:line, for messages
    intermittent: bool = False  # met in some runs only: never reported stale

    def applies(self, engine: tuple[str, str], verb: str, state: tuple, actions,
                refusal: bool = True) -> bool:
        """Tell whether this entry is about ``verb`` in ``state`` on ``engine``; an entry
        about error texts only is about refusals that have a text (``refusal``)."""
        name, version = engine
        if name != self.engine or verb not in self.commands:
            return False
        if self.fields == {"error"} and not refusal:
            return False
        if self.versions and not any(version.startswith(v) for v in self.versions):
            return False
        if self.action is not None and self.action not in actions:
            return False
        return self.when is None or bool(self.when(state))


@dataclass
class Catalogue:
    """The recorded divergences of one model, with what a run saw of each."""

    path: str
    entries: tuple[Entry, ...]
    applied: dict[str, int] = field(default_factory=dict)   # id -> steps it applied to
    occurred: dict[str, int] = field(default_factory=dict)  # id -> known divergences

    def for_engine(self, engine: tuple[str, str]) -> list[Entry]:
        """List the entries about ``engine`` (name and version)."""
        return [e for e in self.entries if e.engine == engine[0] and (
            not e.versions or any(engine[1].startswith(v) for v in e.versions))]

    def stale(self, engine: tuple[str, str]) -> list[Entry]:
        """List this engine's entries that applied to some step and never occurred."""
        return [e for e in self.for_engine(engine) if not e.intermittent
                and self.applied.get(e.id, 0) and not self.occurred.get(e.id, 0)]

    def unexercised(self, engine: tuple[str, str]) -> list[Entry]:
        """List this engine's entries no step of the run was about."""
        return [e for e in self.for_engine(engine) if not self.applied.get(e.id, 0)]

    def merge(self, other: Catalogue) -> None:
        """Add another worker's counts (``--jobs``)."""
        for mine, theirs in ((self.applied, other.applied), (self.occurred, other.occurred)):
            for k, v in theirs.items():
                mine[k] = mine.get(k, 0) + v

    def fresh(self) -> Catalogue:
        """Return the same entries with zero counts (one per worker)."""
        return Catalogue(self.path, self.entries)


def explain(entries: list[Entry], oracle, state: int, r, candidates, outcome_field: str | None,
            observed, ignore: frozenset[str]):
    """Return (entry, synchronised state or None, edges) for the first entry that explains a
    failed step, else None. ``candidates``: the states the model allows after the step."""
    for entry in entries:
        if outcome_field is not None and outcome_field not in entry.fields:
            continue
        mask = ignore | entry.fields
        if entry.then == "reset":
            if observed is None or any(not compare(oracle.expected[j], observed, mask)
                                       for j, _ in candidates):
                return entry, None, ()
            continue
        pool = [(state, ())] if entry.then == "refused" else candidates
        for j, edges in pool:
            if observed is None or not compare(oracle.expected[j], observed, mask):
                return entry, j, edges
    return _together(entries, oracle, candidates, outcome_field, observed, ignore)


def _together(entries: list[Entry], oracle, candidates, outcome_field: str | None, observed,
              ignore: frozenset[str]):
    """Return (a combined entry, state, edges) when the ``ignore`` entries explain the step
    only together (e.g. Podman's error text *and* its OOMKilled after an OOM kill the step
    before did not observe); the combined entry's id joins theirs with ``+``."""
    some = [e for e in entries if e.then == "ignore"]
    fields = frozenset().union(*(e.fields for e in some)) if some else frozenset()
    if len(some) < 2 or (outcome_field is not None and outcome_field not in fields):
        return None
    for j, edges in candidates:
        if observed is None or not compare(oracle.expected[j], observed, ignore | fields):
            used = [e for e in some if e.fields & _differing(oracle, j, observed, ignore)
                    or outcome_field in e.fields]
            if len(used) < 2:
                return None  # one entry alone would have explained it
            return replace(used[0], id="+".join(e.id for e in used),
                           fields=frozenset().union(*(e.fields for e in used))), j, edges
    return None


def _differing(oracle, j: int, observed, ignore: frozenset[str]) -> frozenset[str]:
    """Return the fields in which the observation differs from state ``j``."""
    if observed is None:
        return frozenset()
    return frozenset(m.field for m in compare(oracle.expected[j], observed, ignore))


def applicable(catalogue: Catalogue | None, engine, verb: str, s: tuple, r,
               count: bool = True) -> list[Entry]:
    """List the entries about this step (and, with ``count``, count them as applied)."""
    if catalogue is None:
        return []
    actions = {e[1] for _d, edges in r.posts for e in edges}
    refusal = not r.accepted and bool(r.errors)
    found = [e for e in catalogue.entries if e.applies(engine, verb, s, actions, refusal)]
    if count:
        for e in found:
            catalogue.applied[e.id] = catalogue.applied.get(e.id, 0) + 1
    return found


def about(path: str | Path) -> str | None:
    """Return the model a divergences file is about (``[meta] about``), if it says."""
    meta = read_toml(path).data.get("meta", {})
    return meta.get("about") if isinstance(meta, dict) else None


def load(path: str | Path, model: Model) -> Catalogue:
    """Read and validate a divergences file for ``model``; bad data exits 2, located."""
    src = read_toml(path)
    data = src.data
    src.check_keys(data, "", ("meta", "divergence"))
    meta = src.table(data.get("meta", {}), "meta")
    if meta.get("about") != model.name:
        raise src.error("meta.about", "DP620", f"the file is about model {meta.get('about')!r}, "
                        f"not {model.name!r}", f'[meta] about = "{model.name}"')
    rows = data.get("divergence", [])
    if not isinstance(rows, list):
        raise src.error("divergence", "DP103", "expected [[divergence]] tables")
    entries, seen = [], set()
    for n, row in enumerate(rows):
        e = _entry(src, model, src.table(row, f"divergence[{n}]"), n)
        if e.id in seen:
            raise src.error(f"divergence[{n}].id", "DP620", f"duplicate id '{e.id}'")
        seen.add(e.id)
        entries.append(e)
    return Catalogue(src.path, tuple(entries))


class _Located:
    """The source, with errors located at the line of the n-th ``[[divergence]]``."""

    def __init__(self, src, n: int) -> None:
        self.src, self.path, self.text = src, src.path, src.text
        heads = [i + 1 for i, ln in enumerate(src.text.splitlines())
                 if ln.strip().startswith("[[divergence]]")]
        self.line = heads[n] if n < len(heads) else None

    def error(self, key, code, msg, hint=None) -> InputError:
        return InputError(Location(self.path, self.line, key), code, msg, hint)

    def check_keys(self, table, key, allowed, required=()):
        try:
            self.src.check_keys(table, key, allowed, required)
        except InputError as e:
            raise self.error(e.location.key, e.code, e.message, e.hint) from None

    def string_list(self, value, key):
        try:
            return self.src.string_list(value, key)
        except InputError as e:
            raise self.error(key, e.code, e.message, e.hint) from None

    def expr(self, key, text, scope):
        try:
            return self.src.expr(key, text, scope)
        except InputError as e:
            raise self.error(key, e.code, e.message, e.hint) from None


def _entry(src, model: Model, t: dict[str, Any], n: int) -> Entry:
    key = f"divergence[{n}]"
    src = _Located(src, n)
    src.check_keys(t, key, _KEYS, ("id", "engine", "command", "fields", "then", "expected",
                                   "observed", "reason"))
    for k in ("id", "engine", "then", "expected", "observed", "reason"):
        if not isinstance(t[k], str) or not t[k]:
            raise src.error(f"{key}.{k}", "DP103", "expected a non-empty string")
    verbs = sorted({a.command for a in model.actions if a.command})
    commands = src.string_list(t["command"], f"{key}.command")
    for c in commands:
        if c not in verbs:
            raise _bad(src, f"{key}.command", f"'{c}' is not a command of the model", c, verbs)
    fields = src.string_list(t["fields"], f"{key}.fields")
    for f in fields:
        if f not in FIELDS:
            raise _bad(src, f"{key}.fields", f"unknown field '{f}'", f, FIELDS)
    if t["then"] not in THEN:
        raise _bad(src, f"{key}.then", f"'{t['then']}' is not one of {', '.join(THEN)}",
                   t["then"], THEN)
    action = None
    if "action" in t:
        names = [a.name for a in model.actions]
        if t["action"] not in names:
            raise _bad(src, f"{key}.action", f"unknown action '{t['action']}'", t["action"],
                       names)
        action = names.index(t["action"])
    when = predicate(src.expr(f"{key}.when", t["when"], model.scope())) if "when" in t else None
    return Entry(t["id"], t["engine"], src.string_list(t.get("versions", []),
                                                       f"{key}.versions"),
                 commands, action, when, frozenset(fields), t["then"], t["expected"],
                 t["observed"], t["reason"], str(t.get("link", "")),
                 f"{src.path}:{src.line}", _flag(src, t, f"{key}.intermittent"))


def _flag(src, t: dict[str, Any], key: str) -> bool:
    v = t.get("intermittent", False)
    if not isinstance(v, bool):
        raise src.error(key, "DP103", f"expected true or false, got {v!r}")
    return v


def _bad(src, key: str, msg: str, got: str, choices) -> InputError:
    return src.error(key, "DP620", msg, did_you_mean(str(got), list(choices)))
