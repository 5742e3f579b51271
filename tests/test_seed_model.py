"""The seed model formalises the seed's claims: every claim is cited, the lifecycle is the
seed's, and catalogue-level load checks hold."""

from __future__ import annotations

import re

from helpers import ROOT, SEED, SEED_PROPS, run_cli

from dockproof.engines.statespace import explore
from dockproof.spec.loader import load_model
from dockproof.spec.properties import load_properties

CLAIMS = re.findall(r"^\| (S\d+) \|", (ROOT / "docs/seed/claims.md").read_text(), re.M)
MODEL = load_model(SEED)


def test_every_claim_is_cited_by_an_action_or_variable_and_a_property():
    props = load_properties(SEED_PROPS, MODEL).properties
    in_model = {c for a in MODEL.actions for c in a.cites} | \
        {c for v in MODEL.variables for c in v.cites}
    in_props = {c for p in props for c in p.cites}
    assert len(CLAIMS) == 16
    assert sorted(set(CLAIMS) - in_props, key=lambda c: int(c[1:])) == []
    assert sorted(set(CLAIMS) - in_model - {"S15"}, key=lambda c: int(c[1:])) == []


def test_the_seed_lifecycle():
    """Statuses and who does what, as the seed says (S2-S14)."""
    status = MODEL.var("status").type.members
    assert status == ("none", "stopped", "running", "paused")
    actors = {a.name: a.actor for a in MODEL.actions}
    assert actors["oom_kill"] == "kernel" and actors["hang"] == "kernel"
    assert actors["auto_restart"] == "daemon"
    assert {actors[a] for a in ("create", "run", "start", "stop", "kill", "pause")} == {"user"}
    assert {actors[a] for a in ("alloc", "exit_ok", "exit_error", "child_exit")} == {"process"}
    space = explore(MODEL)
    reached = {MODEL.var("status").type.members[s[MODEL.var("status").slot]]
               for s in space.states}
    assert reached == set(status)
    assert len(MODEL.initial_states()) == 8  # every configuration of the three parameters


def test_duplicate_property_ids_across_catalogues(tmp_path):
    code, out, err = run_cli("check", "-p", str(SEED_PROPS), "-p", str(SEED_PROPS))
    assert code == 2
    assert "error DP117: duplicate property id 'invariant.no-running-without-cpu'" in err


def test_model_by_name_and_missing_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli("check", "seed", "--engine", "explicit")
    assert code == 0 and "model 'seed'" in out
    code, _, err = run_cli("check", "nosuchmodel")
    assert code == 2 and "nosuchmodel: error DP001: no such file" in err
