"""Plan a campaign: the model's configurations, their parts of the graph, tours and twins.

A configuration is one initial state (one value per parameter); its part of the reachable
graph is what a run of it can cover, and the parts partition the model's graph. Twins are
configurations an implementation cannot tell apart (`twin_classes`): a done run of one counts
for its class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dockproof import builtin
from dockproof.conformance import configs, equivalence, known
from dockproof.conformance.coverage import ordered
from dockproof.conformance.generate import transition_tour
from dockproof.conformance.mapping_config import _toml_key
from dockproof.conformance.oracle import Oracle
from dockproof.engines.statespace import explore
from dockproof.errors import DockproofError
from dockproof.spec.loader import load_model

from .keys import config_entries_hashes, divergences_file, entries_hash, model_digest


class Usage(DockproofError):
    """A bad argument: one readable line, exit 2."""

    exit_code = 2


@dataclass
class Config:
    """One configuration of the model: its parameter values and its part of the graph."""

    values: dict[str, str]          # parameter -> value as --config takes it
    state: tuple                    # its initial state
    transitions: int                # transitions of its part of the reachable graph
    states: int
    commands: int = 0               # commands of its planned tour (before --jobs pieces)
    entries_hash: str = ""          # hash of the engine's divergence entries that can apply here
    #: the other configurations an implementation cannot tell from this one (`twin_classes`)
    twins: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return " ".join(f"{k}={v}" for k, v in self.values.items())

    @property
    def twin_class(self) -> frozenset[str]:
        """This configuration and its twins: the class one run stands for."""
        return frozenset((self.id, *self.twins))

    @property
    def argv(self) -> list[str]:
        out = []
        for k, v in self.values.items():
            out += ["--config", f"{k}={v}"]
        return out


@dataclass
class Plan:
    """The model's configurations, their graph sizes, and the digests that key the ledger."""

    model_arg: str
    model_path: Path
    model_name: str
    model_hash: str                 # the model file's hash (shown; the --json report's)
    model_key: str                  # its semantic digest (`keys.model_digest`): rows count by it
    divergences: Path | None
    configs: list[Config]
    global_transitions: int
    global_states: int
    selected: list[Config] = field(default_factory=list)
    only: str = ""
    engine: str = ""
    divergences_hash: str = ""
    #: the observational equivalence of the whole graph (`twin_classes`), None when not computed
    equivalence: object = None
    #: the parameters whose values differ within some class of twins (the Docker model: term)
    twin_params: tuple[str, ...] = ()
    #: each configuration's part of the graph (by id), re-indexed (`configs.part`)
    spaces: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.divergences_hash = entries_hash(self.divergences, self.engine)
        self.by_id = {c.id: c for c in self.configs}
        #: `part_of`'s results, by configuration and the adapter's unsupported commands
        self.parts: dict[tuple, tuple] = {}

    def partition(self) -> tuple[bool, str]:
        """Check that the configurations' graphs add up to the model's whole graph."""
        t = sum(c.transitions for c in self.configs)
        s = sum(c.states for c in self.configs)
        ok = t == self.global_transitions and s == self.global_states
        word = "partition" if ok else "DO NOT partition"
        return ok, (f"the {len(self.configs)} configurations {word} the model's graph: "
                    f"Σ per configuration {t:,} transitions, {s:,} states; the whole graph "
                    f"{self.global_transitions:,} transitions, {self.global_states:,} states")


def plan(model_arg: str, only: list[str], unsupported: dict, tours: bool = True,
         engine: str = "") -> Plan:
    """Enumerate the model's configurations (valid and invalid: one per initial state) with
    dockproof's own code; ``only``: PARAM=VALUE items as `conform --config` takes them;
    ``tours``: also plan each one's tour (its length orders the run)."""
    path = builtin.resolve_model(model_arg)
    if not path.is_file():
        raise Usage(f"model {model_arg}: no such model file or built-in model")
    model = load_model(path)
    selection = configs.parse(only, model)
    space = explore(model)
    params = list(model.params)
    divergences = divergences_file(path, model.name)
    out, chosen, parts = [], [], []
    for i in space.initial:
        s = space.states[i]
        values = {p.name: _toml_key(p.type, s[p.slot]) for p in params}
        part = configs.part(space, [i])
        parts.append(part)
        c = Config(values, s, len(part.edges), len(part.states))
        out.append(c)
        if all(s[slot] in vals for slot, vals in selection.items()):
            chosen.append(c)
            if tours:  # the tour the child plans (before --jobs cuts it into pieces)
                oracle = Oracle(model, space=part, unsupported=unsupported)
                c.commands = transition_tour(oracle).steps
    if not chosen:
        raise Usage(f"--config {' '.join(only)}: no configuration of model {model.name} has "
                    "these values")
    for c, h in zip(out, config_entries_hashes(divergences, engine, model, parts)):
        c.entries_hash = h
    eq, twin_params = twin_classes(model, space, out, unsupported, divergences, engine)
    order = sorted(out, key=lambda c: (c.commands, c.transitions, c.state))
    return Plan(model_arg, path, model.name, model.digest, model_digest(path), divergences,
                order, len(space.edges), len(space.states),
                [c for c in order if c in chosen], configs.describe(selection, model), engine,
                equivalence=eq, twin_params=twin_params,
                spaces={c.id: part for c, part in zip(out, parts)})


def twin_classes(model, space, cfgs: list[Config], unsupported: dict, divergences: Path | None,
                 engine: str):
    """Group the configurations an implementation cannot tell apart, setting each one's
    ``twins``; return the equivalence and the parameters that differ within a class.

    Twins are configurations whose initial states are observationally equivalent
    (`dockproof.conformance.equivalence`: a bisimulation of the whole graph over what the
    adapter contract shows, including the ``when`` of the engine's divergence entries): the
    engine receives the same commands with the same `Config` and every run of one is judged
    as it would be for the other, so a done run of one counts for all. A divergences file
    that does not load makes no twins (its error is the child's)."""
    whens = []
    if divergences is not None:
        try:
            whens = [e.when for e in known.load(divergences, model).entries
                     if e.engine == engine and e.when is not None]
        except (OSError, ValueError, DockproofError):
            return None, ()
    eq = equivalence.verified(Oracle(model, space=space, unsupported=unsupported), whens)
    groups = eq.twins(space.index[c.state] for c in cfgs)
    by_state = {space.index[c.state]: c for c in cfgs}
    for g in groups:
        for i in g:
            by_state[i].twins = tuple(by_state[j].id for j in g if j != i)
    return eq, tuple(eq.differ(groups))


def part_of(p: Plan, c: Config, unsupported: dict):
    """Return the oracle of ``c``'s part of the graph and its transitions in
    `coverage.ordered` order (the order of a row's `covered_edges` positions)."""
    key = (c.id, tuple(sorted(unsupported.items())))
    if key not in p.parts:  # a report asks for a twin's part up to three times
        oracle = Oracle(p.equivalence.oracle.model, space=p.spaces[c.id],
                        unsupported=unsupported)
        p.parts[key] = oracle, ordered(oracle)
    return p.parts[key]
