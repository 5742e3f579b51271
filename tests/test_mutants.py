"""Every seed property can fail: a deliberately broken model makes each engine REFUTE it."""

from __future__ import annotations

import tomllib

import pytest
from helpers import ROOT, SEED, SEED_PROPS, edited_model

from dockproof.engines import explicit
from dockproof.engines.smt.engine import SmtEngine
from dockproof.engines.statespace import explore
from dockproof.spec.loader import load_model
from dockproof.spec.properties import load_properties

MUTANTS = tomllib.loads((ROOT / "tests/data/mutants/seed.toml").read_text())


def test_every_seed_property_has_a_mutant():
    props = load_properties(SEED_PROPS, load_model(SEED)).properties
    broken = {pid for m in MUTANTS.values() for pid in m["breaks"]}
    missing = sorted(p.id for p in props if p.id not in broken)
    assert not missing, f"properties no mutant breaks: {missing}"
    unknown = sorted(broken - {p.id for p in props})
    assert not unknown, f"mutants name unknown properties: {unknown}"


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_mutant_refutes_what_it_breaks(name):
    mutant = MUTANTS[name]
    model = edited_model(SEED, mutant.get("set"), mutant.get("delete"))
    cat = load_properties(SEED_PROPS, model)
    space = explore(model)
    hints = tuple(p.exprs["formula"] for p in cat.properties if p.kind == "invariant")
    smt = SmtEngine(model, hints)
    for prop in (p for p in cat.properties if p.id in mutant["breaks"]):
        verdicts = {"explicit": explicit.check(prop, space)}
        if prop.kind in ("invariant", "transition", "determined", "equivalent", "reachable",
                         "deadlock-free"):
            verdicts["smt"] = smt.check(prop)
        # A reachability claim fails by being unreachable; everything else by a trace.
        for engine, r in verdicts.items():
            assert r.verdict == "REFUTED", f"{prop.id} under {name}: {engine} said {r.verdict}"
            if prop.kind != "reachable":
                assert r.traces, f"{prop.id} under {name}: {engine} gave no counterexample"
