"""Read a model's ``[conformance]`` table: how its states look to an implementation.

The table is data in the model (one source of truth); this module validates it with located
errors (exit 2) and turns a model state into the `Expected` observation and its parameters
into the container's `Config`. Keys (all under ``[conformance]``):

``host_units``
    The host's memory in units given to ``Adapter.reset``: an integer or a constant's name.
``unobserved``
    Model variables no observation shows (``exit_cause``). Every state variable must be
    either read by some mapping expression below or listed here.
``settle``
    Internal actions the implementation completes by itself before ``settle()`` returns
    (``auto_restart``: the restart manager). Test generation plans with them done eagerly.
``[conformance.status]``
    ``var`` names an enum variable; ``[conformance.status.map]`` maps every member to the
    list of adapter statuses that show it (``stopped = ["created", "exited"]``).
``[conformance.resources]``
    ``resource = "boolean expression"`` for each observed resource among cpu mem net proc fs.
``[conformance.flags]``
    ``flag = "expression"`` (bool or int) for each observed flag (``hung``, ``usage``,
    ``mem_data``, ``fs_data``, ``oom_killed``, ``exit_code``, ``restart_count``). A flag an
    adapter leaves out of its observation is not compared. ``{ value = "expr", saturates =
    "CONST" }``: a counter the model caps at CONST; there any observed value >= it matches.
``faults``
    Commanded actions that only a host fault stages (``rm_fails``: the removal of the
    container's folder fails). Their command is planned for its other outcome; the
    implementation may still take them; the coverage report counts them apart.
``[conformance.triggers]``
    ``internal_action = "commanded_action"``: the command of the second provokes the first
    when the second is refused (``oom_kill = "alloc"``: asking for memory at the limit).
``[conformance.quiet]``
    ``verb = "state predicate"``: where the model refuses the verb but Docker answers 304
    (success, nothing done), e.g. ``start = "status == 'running'"``. There the implementation
    may answer either way; it must change nothing.
``[conformance.config]``
    One entry per `Config` field (``memory``, ``oom_kill_disable``, ``restart``):
    ``{ param = "p" }`` takes the parameter's value as is; with ``values = { <value> = X }``
    each parameter value maps to X: an integer, a constant's name, ``"unlimited"`` (memory:
    no limit), or a restart policy in which ``{name}`` is replaced by parameter ``name``'s
    value (``"on-failure:{max_retries}"``). Instead of one value, a list of cases
    ``[{ when = "parameter condition", value = X }, …, { value = X }]``: the first case
    whose condition holds, else the last (e.g. ``"no"`` when ``max_retries == 0``, else
    ``"no:{max_retries}"``, which Docker refuses). Fields left out keep `Config`'s default.

A Docker-level model uses the same keys: statuses ``removed = ["none"]``,
``restarting = ["restarting"]``, flags ``oom_killed``/``exit_code``/``restart_count``,
``restart = { param = "restart_policy", values = { on-failure = "on-failure:{max_retries}",
… } }``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import InputError, did_you_mean
from ..spec.expr import refs
from ..spec.model import Model
from ..spec.source import Source, read_toml
from ..spec.types import BOOL, EnumType
from ..sut.contract import RESOURCES, STATUSES, Config, Observation
from .mapping_config import ConfigReader, compile_expr

FLAGS = ("hung", "usage", "mem_data", "fs_data", "oom_killed", "exit_code", "restart_count")
_KEYS = ("host_units", "unobserved", "settle", "status", "resources", "flags", "triggers",
         "quiet", "config", "faults", "doc")


@dataclass(frozen=True, slots=True)
class Expected:
    """What an implementation must show in one model state."""

    statuses: tuple[str, ...]
    resources: frozenset[str]
    flags: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"status": list(self.statuses), "resources": sorted(self.resources),
                "flags": {k: str(v) if isinstance(v, AtLeast) else v
                          for k, v in sorted(self.flags.items())}}


@dataclass(frozen=True, slots=True)
class AtLeast:
    """An expected counter the model saturates: any observed value >= ``value`` matches."""

    value: int

    def matches(self, observed: Any) -> bool:
        return isinstance(observed, int) and observed >= self.value

    def __str__(self) -> str:
        return f">={self.value}"

    def __repr__(self) -> str:
        return f">={self.value}"


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One observed field that differs from the expectation."""

    field: str
    expected: Any
    observed: Any

    def __str__(self) -> str:
        return f"{self.field}: expected {_show(self.expected)}, observed {_show(self.observed)}"


def _show(v: Any) -> str:
    if isinstance(v, (tuple, list, frozenset, set)):
        return "{" + ", ".join(sorted(map(str, v))) + "}" if not isinstance(v, tuple) \
            else " or ".join(map(str, v))
    return repr(v) if isinstance(v, str) else str(v)


@dataclass(frozen=True)
class ConformanceMap:
    """The validated ``[conformance]`` table of one model, compiled to Python functions."""

    model: Model
    host_units: int
    unobserved: tuple[str, ...]
    settle: frozenset[int]                       # action indices
    faults: frozenset[int]                       # commanded actions a host fault stages
    triggers: Mapping[int, int]                  # internal action -> commanded action
    quiet: Mapping[str, Callable[[tuple], bool]]
    status_slot: int
    status_map: tuple[tuple[str, ...], ...]      # member index -> adapter statuses
    resources: tuple[tuple[str, Callable[[tuple], bool]], ...]
    flags: tuple[tuple[str, Callable[[tuple], Any]], ...]
    config_fields: tuple[tuple[str, Callable[[tuple], Any]], ...]

    def expected(self, s: tuple) -> Expected:
        """Return what an implementation must show in state ``s``."""
        held = frozenset(r for r, f in self.resources if f(s))
        return Expected(self.status_map[s[self.status_slot]], held,
                        {k: f(s) for k, f in self.flags})

    def config(self, s: tuple) -> Config:
        """Return the container's `Config` for the parameters of state ``s``."""
        return Config(**{name: f(s) for name, f in self.config_fields})

    def is_quiet(self, verb: str, s: tuple) -> bool:
        """Tell whether the model refuses ``verb`` in ``s`` but Docker answers 304 there."""
        f = self.quiet.get(verb)
        return f is not None and f(s)


def compare(expected: Expected, obs: Observation,
            ignore: frozenset[str] = frozenset()) -> list[Mismatch]:
    """List the fields of ``obs`` that differ from ``expected`` (unobserved flags skipped).

    >>> e = Expected(("created", "exited"), frozenset({"fs"}), {"usage": 0})
    >>> [str(m) for m in compare(e, Observation("running", frozenset({"fs"}), {"usage": 0}))]
    ["status: expected created or exited, observed 'running'"]
    """
    out = []
    if obs.status not in expected.statuses and "status" not in ignore:
        out.append(Mismatch("status", expected.statuses, obs.status))
    if obs.resources != expected.resources and "resources" not in ignore:
        out.append(Mismatch("resources", expected.resources, obs.resources))
    for k, v in expected.flags.items():
        if k not in obs.flags or k in ignore:
            continue
        seen = obs.flags[k]
        if not v.matches(seen) if isinstance(v, AtLeast) else seen != v:
            out.append(Mismatch(k, v, seen))
    return out


def load_mapping(model: Model) -> ConformanceMap:
    """Validate ``model.conformance`` and compile it; bad data raises a located `InputError`."""
    src = read_toml(model.path)
    t = model.conformance
    if not t:
        raise InputError(src.where(None), "DP401", "the model has no [conformance] table",
                         "add one: see dockproof/conformance/mapping.py")
    src.check_keys(dict(t), "conformance", _KEYS, required=("status",))
    b = _Builder(model, src)
    return b.build(t)


class _Builder(ConfigReader):
    def __init__(self, model: Model, src: Source) -> None:
        self.m, self.src = model, src
        self.scope = model.scope()
        self.read: set[str] = set()

    def err(self, key: str, msg: str, hint: str | None = None) -> InputError:
        return self.src.error(f"conformance.{key}", "DP401", msg, hint)

    def build(self, t: Mapping[str, Any]) -> ConformanceMap:
        slot, status_map = self.status(t["status"])
        resources = self.exprs(t.get("resources", {}), "resources", RESOURCES, BOOL)
        flags = self.flag_exprs(t.get("flags", {}))
        unobserved = self.unobserved(t.get("unobserved", []))
        return ConformanceMap(self.m, self.host_units(t.get("host_units", 20)), unobserved,
                        self.settle(t.get("settle", [])), self.faults(t.get("faults", [])),
                        self.triggers(t.get("triggers", {})),
                        self.quiet(t.get("quiet", {})), slot, status_map, resources, flags,
                        self.config(t.get("config", {})))

    def table(self, value: Any, key: str) -> dict:
        return self.src.table(value, f"conformance.{key}")

    def status(self, value: Any) -> tuple[int, tuple[tuple[str, ...], ...]]:
        t = self.table(value, "status")
        self.src.check_keys(t, "conformance.status", ("var", "map"), ("var", "map"))
        names = {v.name: v for v in self.m.state_vars}
        var = names.get(t["var"])
        if var is None or not isinstance(var.type, EnumType):
            raise self.err("status.var", f"'{t['var']}' is not an enum state variable",
                           _hint(str(t["var"]), [n for n, v in names.items()
                                                 if isinstance(v.type, EnumType)]))
        self.read.add(var.name)
        m = self.table(t["map"], "status.map")
        out = []
        for member in var.type.members:
            if member not in m:
                raise self.err("status.map", f"status value '{member}' has no mapping")
            shown = self.src.string_list(m[member], f"conformance.status.map.{member}")
            for s in shown:
                if s not in STATUSES:
                    raise self.err(f"status.map.{member}", f"'{s}' is not an adapter status",
                                   _hint(s, STATUSES) or "statuses: " + ", ".join(STATUSES))
            out.append(shown)
        extra = sorted(set(m) - set(var.type.members))
        if extra:
            raise self.err(f"status.map.{extra[0]}", f"'{extra[0]}' is not a value of "
                           f"{var.name}", _hint(extra[0], var.type.members))
        return var.slot, tuple(out)

    def exprs(self, value: Any, key: str, allowed, expect) -> tuple:
        t = self.table(value, key)
        out = []
        for name in sorted(t):
            k = f"{key}.{name}"
            if name not in allowed:
                raise self.err(k, f"unknown {key[:-1]} '{name}'",
                               _hint(name, allowed) or f"known: {', '.join(allowed)}")
            e = self.src.expr(f"conformance.{k}", t[name], self.scope, expect)
            self.read.update(n for n, _ in refs(e))
            out.append((name, compile_expr(e, self.m)))
        return tuple(out)

    def flag_exprs(self, value: Any) -> tuple:
        """Read the flags: ``"expr"``, or ``{ value = "expr", saturates = N }`` for a
        counter the model caps at N (a constant's name or an integer): where the model's
        value is N, any observed value >= N matches (Docker's RestartCount keeps counting)."""
        t = self.table(value, "flags")
        plain = {k: v for k, v in t.items() if not isinstance(v, dict)}
        out = dict(self.exprs(plain, "flags", FLAGS, None))
        for name in sorted(set(t) - set(plain)):
            k = f"flags.{name}"
            spec = self.table(t[name], k)
            self.src.check_keys(spec, f"conformance.{k}", ("value", "saturates"),
                                ("value", "saturates"))
            (_, f), = self.exprs({name: spec["value"]}, "flags", FLAGS, None)
            cap = spec["saturates"]
            cap = self.m.constants.get(cap, cap) if isinstance(cap, str) else cap
            if not isinstance(cap, int) or isinstance(cap, bool):
                raise self.err(f"{k}.saturates", f"expected an integer or a constant's name, "
                               f"got {spec['saturates']!r}", _hint(str(cap), self.m.constants))
            out[name] = _saturating(f, cap)
        return tuple(sorted(out.items()))

    def unobserved(self, value: Any) -> tuple[str, ...]:
        names = self.src.string_list(value, "conformance.unobserved")
        known = [v.name for v in self.m.state_vars]
        for n in names:
            if n not in known:
                raise self.err("unobserved", f"unknown variable '{n}'", _hint(n, known))
        for v in self.m.state_vars:
            if v.name not in self.read and v.name not in names:
                raise self.err("unobserved", f"variable '{v.name}' is neither observed nor "
                               "listed as unobserved", f"add '{v.name}' to unobserved or map it")
        return names

    def host_units(self, value: Any) -> int:
        if isinstance(value, str) and value in self.m.constants:
            value = self.m.constants[value]
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise self.err("host_units", f"expected a positive integer or a constant's name, "
                           f"got {value!r}", _hint(str(value), self.m.constants))
        return value

    def action_index(self, name: str, key: str, internal: bool) -> int:
        names = [a.name for a in self.m.actions]
        if name not in names:
            raise self.err(key, f"unknown action '{name}'", _hint(name, names))
        i = names.index(name)
        if self.m.actions[i].internal != internal:
            kind = "an internal action (no command)" if internal else "a commanded action"
            raise self.err(key, f"'{name}' is not {kind}")
        return i

    def settle(self, value: Any) -> frozenset[int]:
        names = self.src.string_list(value, "conformance.settle")
        return frozenset(self.action_index(n, "settle", True) for n in names)

    def faults(self, value: Any) -> frozenset[int]:
        names = self.src.string_list(value, "conformance.faults")
        return frozenset(self.action_index(n, "faults", False) for n in names)

    def triggers(self, value: Any) -> dict[int, int]:
        t = self.table(value, "triggers")
        return {self.action_index(k, f"triggers.{k}", True):
                self.action_index(str(v), f"triggers.{k}", False) for k, v in sorted(t.items())}

    def quiet(self, value: Any) -> dict[str, Callable[[tuple], bool]]:
        t = self.table(value, "quiet")
        verbs = sorted({a.command for a in self.m.actions if a.command})
        out = {}
        for verb, text in sorted(t.items()):
            if verb not in verbs:
                raise self.err(f"quiet.{verb}", f"'{verb}' is not a command of this model",
                               _hint(verb, verbs))
            out[verb] = compile_expr(self.src.expr(f"conformance.quiet.{verb}", text, self.scope),
                                 self.m)
        return out

def _saturating(f: Callable[[tuple], Any], cap: int) -> Callable[[tuple], Any]:
    def value(s: tuple) -> Any:
        v = f(s)
        return AtLeast(cap) if v == cap else v
    return value


def _hint(name: str, candidates) -> str | None:
    return did_you_mean(name, list(candidates))
