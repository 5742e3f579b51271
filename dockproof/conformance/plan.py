"""Plan a conformance run: the model's oracle, the configurations, the strategy and its options.

A `RunPlan` is everything `execute` needs besides the adapters: built once by `plan_run`,
frozen, and reusable (a plan is never changed by a run; vary it with `dataclasses.replace`).

>>> plan = plan_run("seed", strategy="random", seed=7, steps=100)
>>> plan.strategy, plan.seed, plan.oracle.model.name, plan.catalogue is None
('random', 7, 'seed', True)
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import builtin
from ..analysis.lint import load_checked
from ..errors import InputError
from . import configs, equivalence, known
from .known import Catalogue
from .oracle import Oracle

#: The ways a test is generated from the model (see ``dockproof conform --help``).
STRATEGIES = ("tour", "random", "hypothesis", "matrix")


@dataclass(frozen=True)
class RunPlan:
    """One conformance run, fixed before any adapter is made."""

    path: Path                 # the model file
    oracle: Oracle             # the model's (selected) reachable graph, as the judge sees it
    adapter: str               # the adapter's name, as reports and replay commands quote it
    catalogue: Catalogue | None = None  # recorded divergences (None: every difference fails)
    strategy: str = "tour"
    seed: int = 0              # random and hypothesis
    jobs: int = 1              # adapters at once (tour, random, matrix)
    top_up: int = 2            # tour: rounds for the transitions the tour did not take
    probes: bool = True        # tour: send the refused commands too
    shrink: bool = True        # search a shorter divergence than the one met
    steps: int | None = None   # random: commands in all; hypothesis: per example
    examples: int = 200        # hypothesis: examples to run
    restricted: str = ""       # what the configuration selection kept (empty: all)
    classes: str = ""          # what one-per-class left out (empty: not asked)


def plan_run(model: str | Path | None = None, adapter: str = "reference", *,
             unsupported: Mapping[str, str] | None = None, strategy: str = "tour",
             seed: int | None = None, jobs: int = 1, top_up: int = 2, probes: bool = True,
             shrink: bool = True, steps: int | None = None, examples: int = 200,
             config: Sequence[str] = (), one_per_class: bool = False,
             divergences: Path | None = None, use_divergences: bool = True) -> RunPlan:
    """Return the plan of a run of ``model`` (a file or a built-in model's name; default
    seed) against ``adapter`` (only named here). ``unsupported``: the commands the adapter
    cannot perform, with why (an adapter factory's ``unsupported``). ``config``:
    ``PARAM=VALUE`` selections; ``divergences``: a catalogue file (default: the one beside
    the model that names it; ``use_divergences=False``: none). ``seed`` None: a fresh one.
    Bad options raise `InputError` (exit 2)."""
    _check(strategy, jobs, top_up)
    path = builtin.resolve_model(None if model is None else str(model))
    session = load_checked(path)
    m = session.model
    selection = configs.parse(list(config), m)
    oracle = Oracle(m, space=configs.restrict(session.space(), selection),
                    unsupported=unsupported)
    catalogue = _catalogue(m, path, divergences) if use_divergences else None
    classes = ""
    if one_per_class:
        oracle, classes = reduce_to_classes(oracle, catalogue)
    return RunPlan(path, oracle, adapter, catalogue, strategy,
                   random.SystemRandom().randrange(2**31) if seed is None else seed,
                   jobs, top_up, probes, shrink, steps, examples,
                   configs.describe(selection, m), classes)


def _check(strategy: str, jobs: int, top_up: int) -> None:
    if strategy not in STRATEGIES:
        raise InputError("--strategy", "DP608", f"unknown strategy '{strategy}'",
                         "give " + ", ".join(STRATEGIES))
    if top_up < 0:
        raise InputError("--top-up", "DP608", f"--top-up {top_up}: give N >= 0",
                         "e.g. --top-up 0 for the tour alone")
    if jobs < 1 or (jobs > 1 and strategy == "hypothesis"):
        raise InputError("--jobs", "DP608", f"--jobs {jobs}: give N >= 1 (hypothesis "
                         "runs one worker)", "e.g. --jobs 2")


def reduce_to_classes(oracle: Oracle, catalogue: Catalogue | None) -> tuple[Oracle, str]:
    """Keep one configuration of each class of observationally equivalent ones
    (`equivalence`); return the oracle of their part of the graph and a line that says what
    was left out. The classes respect every recorded entry's ``when`` whatever its engine (a
    finer partition than one engine's: never a twin too many)."""
    whens = [e.when for e in (catalogue.entries if catalogue else ()) if e.when is not None]
    eq = equivalence.verified(oracle, whens)
    space = oracle.space
    groups = eq.twins(space.initial)
    n = len(space.initial)
    if len(groups) == n:
        return oracle, f"one per class: all {n} configurations (no two alike)"
    part = configs.part(space, [g[0] for g in groups])
    return (Oracle(oracle.model, mapping=oracle.map, space=part,
                   unsupported=oracle.unsupported),
            f"one per class: {len(groups)} of {n} configurations; the other "
            f"{n - len(groups)} differ from one run only in {', '.join(eq.differ(groups))}, "
            "which an implementation cannot observe")


def _catalogue(model, path: Path, given: Path | None) -> Catalogue | None:
    """Load the given catalogue, else the ``divergences.toml`` (or ``divergences-<model>.toml``)
    beside the model (or among the built-in properties) whose ``[meta] about`` names it."""
    if given is not None:
        return known.load(given, model)
    for folder in (path.resolve().parent.parent / "properties", builtin.root() / "properties"):
        for f in (folder / "divergences.toml", folder / f"divergences-{model.name}.toml"):
            if f.is_file() and known.about(f) == model.name:
                return known.load(f, model)
    return None
