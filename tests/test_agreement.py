"""The two engines read one IR: their semantics must agree, step by step and verdict by verdict.

Hypothesis draws arbitrary states (reachable or not) of the seed model; for each action the Z3
transition relation must admit exactly the successor the compiled Python function computes, and
every expression of the model and the catalogues must evaluate alike in Python and in Z3.
"""

from __future__ import annotations

import pytest
from helpers import SEED, SEED_PROPS, TEETH
from hypothesis import given, settings
from hypothesis import strategies as st

from dockproof.check import run_check
from dockproof.engines.compiled import compile_model, edge_predicate, predicate
from dockproof.engines.smt.encode import Encoding
from dockproof.session import Session
from dockproof.spec.loader import load_model
from dockproof.spec.properties import load_properties
from dockproof.spec.types import BoolType

MODEL = load_model(SEED)
COMPILED = compile_model(MODEL)
ENC = Encoding(MODEL)
Z3 = ENC.z3
PROPS = [p for f in (SEED_PROPS, TEETH) for p in load_properties(f, MODEL).properties]


def any_state():
    """Draw any state within the variables' types, reachable or not."""
    parts = [st.booleans() if isinstance(v.type, BoolType) else st.sampled_from(v.type.values())
             for v in MODEL.variables]
    return st.tuples(*parts)


def z3_state(s):
    return tuple(ENC.value(x) for x in s)


@settings(max_examples=300, deadline=None)
@given(any_state(), st.integers(0, len(MODEL.actions) - 1))
def test_transition_relation_matches_successor_function(s, i):
    expected = COMPILED.steps[i](s)
    t = ENC.state("t")
    solver = Z3.Solver()
    solver.add(ENC.step(i, z3_state(s), t))
    if expected is None:
        assert solver.check() == Z3.unsat, \
            f"{MODEL.actions[i].name}: Z3 allows a step Python refuses"
        return
    assert solver.check() == Z3.sat, f"{MODEL.actions[i].name}: Z3 refuses a step Python takes"
    assert ENC.read_state(solver.model(), t) == expected
    solver.add(Z3.Or([a != b for a, b in zip(t, z3_state(expected))]))
    assert solver.check() == Z3.unsat, "Z3 admits a second successor: the step is not a function"


@settings(max_examples=150, deadline=None)
@given(any_state())
def test_state_formulas_evaluate_alike(s):
    exprs = [a.guard for a in MODEL.actions] + list(MODEL.predicates.values())
    exprs += [e for p in PROPS if p.kind != "transition" for e in p.exprs.values()]
    for e in exprs:
        py = predicate(e)(s) if not isinstance(ENC.expr(e, z3_state(s)), Z3.ArithRef) else None
        if py is None:
            continue
        z = Z3.simplify(ENC.expr(e, z3_state(s)))
        assert Z3.is_true(z) == py, f"{e} differs on {MODEL.render_state(s)}"


@settings(max_examples=150, deadline=None)
@given(any_state(), st.integers(0, len(MODEL.actions) - 1))
def test_transition_formulas_evaluate_alike(s, i):
    t = COMPILED.steps[i](s)
    if t is None:
        return
    actor = COMPILED.actor_index[i]
    for p in (p for p in PROPS if p.kind == "transition"):
        e = p.exprs["formula"]
        py = edge_predicate(e)(s, i, actor, t)
        z = Z3.simplify(ENC.expr(e, z3_state(s), z3_state(t), Z3.IntVal(i)))
        assert Z3.is_true(z) == py, f"{p.id} differs on {MODEL.actions[i].name}"


def test_engines_agree_on_every_property():
    report = run_check(Session.load(SEED), [SEED_PROPS, TEETH], ("smt", "explicit"))
    for o in report.outcomes:
        verdicts = {r.engine: r.verdict for r in o.results}
        assert len(set(verdicts.values())) == 1, f"{o.prop.id}: {verdicts}"
        if o.prop.kind == "invariant":
            assert set(verdicts) == {"smt", "explicit"}, f"{o.prop.id} must run on both"


@pytest.mark.parametrize("engine", ["smt", "explicit"])
def test_every_teeth_property_is_refuted(engine):
    report = run_check(Session.load(SEED), [TEETH], (engine,))
    ran = [o for o in report.outcomes if o.results[0].engine == engine]
    assert ran, "no teeth property ran"
    for o in ran:
        assert o.verdict == "REFUTED", f"{o.prop.id}: {engine} said {o.verdict}"


def test_counterexamples_are_shortest_and_replay():
    """A counterexample's every step must be a real transition, and no shorter one exists."""
    from dockproof.engines.statespace import explore

    space = explore(MODEL)
    depth = {}
    for i, s in enumerate(space.states):
        depth[s] = len(space.path_to(i)) - 1
    report = run_check(Session.load(SEED), [TEETH], ("smt", "explicit"))
    names = [a.name for a in MODEL.actions]
    for o in report.outcomes:
        for r in o.results:
            for t in r.traces:
                assert t.steps[0][1] in MODEL.initial_states()
                for (_, s), (action, nxt) in zip(t.steps, t.steps[1:]):
                    assert COMPILED.steps[names.index(action)](s) == nxt, f"{o.prop.id}: bad step"
                if o.prop.kind == "invariant":
                    bad = predicate(o.prop.exprs["formula"])
                    shortest = min(d for s, d in depth.items() if not bad(s))
                    assert len(t) == shortest, f"{o.prop.id} ({r.engine}) not shortest"
