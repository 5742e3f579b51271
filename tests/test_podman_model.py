"""model/podman.toml: its catalogues come out as expected on both engines, each proved property
can fail (a mutant of the model refutes it), its error texts are live data, its restart rules
match the measurements the model cites, and it refines the seed as properties/
refinement-podman.toml declares."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_docker_model import run
from test_docker_model import (
    test_error_texts_are_live_and_only_where_the_command_is_refused as error_texts_are_live,
)

from dockproof.check import run_check
from dockproof.cli import main
from dockproof.engines.statespace import explore
from dockproof.session import Session
from dockproof.spec.loader import load_model

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "model" / "podman.toml"
CATALOGUE = ROOT / "properties" / "podman.toml"
#: model text substitutions, each a deliberately wrong Podman
MUTANTS = json.loads((ROOT / "tests" / "data" / "podman-mutants.json").read_text())


@pytest.fixture(scope="module")
def model():
    return load_model(MODEL)


@pytest.fixture(scope="module")
def space(model):
    return explore(model)


def test_every_podman_property_comes_out_as_expected_on_both_engines():
    report = run_check(Session.load(MODEL), [CATALOGUE, ROOT / "properties" /
                                             "podman-teeth.toml"], ("smt", "explicit"))
    assert [(o.prop.id, o.verdict) for o in report.outcomes if not o.ok] == []
    assert report.exit_code == 0
    assert sum(o.prop.expect == "refuted" for o in report.outcomes) >= 8


def test_check_podman_by_name_passes_with_the_refinement():
    import io
    out = io.StringIO()
    assert main(["check", "podman"], out, io.StringIO()) == 0, out.getvalue()
    assert "refines.seed-podman" in out.getvalue()


def test_each_proved_property_is_refuted_by_some_mutant(tmp_path):
    text = MODEL.read_text()
    (tmp_path / "model").mkdir()
    refuted: dict[str, list[str]] = {}
    for name, subs in MUTANTS.items():
        body = text
        for old, new in subs:
            assert body.count(old) == 1, (name, old)
            body = body.replace(old, new)
        path = tmp_path / "model" / "podman.toml"
        path.write_text(body)
        report = run_check(Session.load(path), [CATALOGUE], ("explicit",))
        bad = [o.prop.id for o in report.outcomes if not o.ok]
        assert bad, f"mutant {name} breaks no property: the catalogue misses it"
        for p in bad:
            refuted.setdefault(p, []).append(name)
    proved = run_check(Session.load(MODEL), [CATALOGUE], ("explicit",))
    assert [o.prop.id for o in proved.outcomes if o.prop.id not in refuted] == []


def test_every_status_is_reachable(model, space):
    status = model.var("status")
    assert {s[status.slot] for s in space.states} == set(range(len(status.type.members)))


def test_error_texts_are_live_and_only_where_the_command_is_refused(model, space):
    """As for Docker's, and each carries the CLI's exit status (125, 2 for rm, 1 for a missing
    container's rm)."""
    error_texts_are_live(model, space)
    assert {c.status for a in model.actions for c in a.errors} == {1, 2, 125}


BASE = {"max_retries": 0, "mem_limit": False, "oom_kill_disable": False, "term": "dies"}


@pytest.mark.parametrize("params,actions,status,count", [
    # measured: on-failure:2 with exit 1 ran three times, RestartCount 2, exited
    ({"policy": "on-failure", "max_retries": 2},
     ["run", "exit_nonzero", "cleanup", "exit_nonzero", "cleanup", "exit_nonzero", "cleanup"],
     "exited", 2),
    # measured: on-failure with exit 0 is not restarted
    ({"policy": "on-failure"}, ["run", "exit_zero", "cleanup"], "exited", 0),
    # measured: unless-stopped restarts after exit 0, as always
    ({"policy": "unless-stopped"}, ["run", "exit_zero", "cleanup"], "running", 1),
    # measured: an always container killed is not restarted
    ({"policy": "always"}, ["run", "kill"], "exited", 0),
    # measured: stop of a created container succeeds and it stays created
    ({"policy": "no"}, ["create", "stop_idle"], "created", 0),
    # measured: an OOM kill with on-failure:1 is restarted once (RestartCount 1)
    ({"policy": "on-failure", "max_retries": 1, "mem_limit": True},
     ["run", "alloc", "alloc", "oom_kill", "cleanup", "alloc", "alloc", "oom_kill", "cleanup"],
     "exited", 1),
])
def test_restart_rules_as_measured(model, params, actions, status, count):
    end = run(model, {**BASE, **params}, actions)
    assert (end["status"], end["restart_count"]) == (status, count)


def test_refine_podman_seed_proves_with_the_declared_differences():
    import io
    out = io.StringIO()
    assert main(["refine", "podman", "seed", "--json"], out, io.StringIO()) == 0
    doc = json.loads(out.getvalue())
    assert doc["mapping"].endswith("properties/refinement-podman.toml")
    assert {r["engine"] for r in doc["results"]} == {"explicit", "smt"}
    assert all(r["verdict"] == "PROVED" for r in doc["results"])


def test_the_podman_refinement_has_teeth(tmp_path):
    """Without its OOM difference the mapping does not refine: the engines find the step."""
    import io
    text = (ROOT / "properties" / "refinement-podman.toml").read_text()
    start = text.index("[differences.oom-kill-is-an-ordinary-exit]")
    end = text.index("[differences.removal]")
    broken = tmp_path / "refinement.toml"
    broken.write_text(text[:start] + text[end:])
    out = io.StringIO()
    code = main(["refine", "podman", "seed", "--mapping", str(broken), "--engine",
                 "explicit"], out, io.StringIO())
    assert code == 1 and "oom_kill" in out.getvalue()


def test_a_policy_restart_keeps_shm_and_a_stop_does_not(model):
    """Measured in a tour of always (13 times): the restarted run still has the /dev/shm file
    of the last one; libpod's Cleanup returns after the restart, before the unmount."""
    base = {**BASE, "policy": "always"}
    end = run(model, base, ["run", "write_mem", "exit_zero", "cleanup"])
    assert (end["status"], end["mem_data"], end["restart_count"]) == ("running", True, 1)
    end = run(model, base, ["run", "write_mem", "stop", "start"])
    assert (end["status"], end["mem_data"]) == ("running", False)
