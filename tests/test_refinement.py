"""`dockproof refine`: Docker refines the seed except the declared differences, by both engines;
the teeth mapping (an undeclared difference, a stale one) is rejected by both."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from dockproof import builtin
from dockproof.cli import main
from dockproof.engines.result import PROVED, REFUTED
from dockproof.refinement import explicit
from dockproof.refinement.mapping import load_refinement
from dockproof.refinement.run import hints_for
from dockproof.refinement.smt import RefineSmt

ROOT = Path(__file__).resolve().parent.parent
MAPPING = ROOT / "properties" / "refinement.toml"
TEETH = ROOT / "properties" / "refinement-teeth.toml"
DECLARED = {"exit-codes-told-apart", "stop-cancels-a-pending-restart", "removal",
            "daemon-shutdown-is-not-a-manual-stop", "boot-restarts-a-manually-stopped-container",
            "restarting-status", "created-vs-exited"}


@pytest.fixture(scope="module")
def ref():
    return load_refinement(MAPPING, builtin.resolve_model)


@pytest.fixture(scope="module")
def teeth():
    return load_refinement(TEETH, builtin.resolve_model)


@pytest.fixture(scope="module")
def results(ref):
    return explicit.check(ref), RefineSmt(ref, hints_for(ref)).check()


def test_both_engines_prove_refinement_except_the_declared_differences(results):
    for r in results:
        assert r.verdict == PROVED, (r.engine, r.undeclared and r.undeclared.why, r.stale)
        assert set(r.confirmed) == DECLARED and not r.stale and not r.unknown


def test_s11_difference_is_an_exit_0_under_on_failure(results):
    for r in results:
        trace = r.confirmed["exit-codes-told-apart"].traces[0]
        action, last = trace.steps[-1]
        m = trace.model
        assert action == "exit_zero"
        assert m.state_json(last)["policy"] == "on-failure"
        # the process has exited; the daemon has not handled it yet (the seed sees Stopped)
        assert m.state_json(last)["exit_pending"] and m.state_json(last)["exit_class"] == "zero"


def test_explicit_traces_are_shortest_and_explained(results):
    r = results[0]
    f = r.confirmed["removal"]
    assert [a for a, _ in f.traces[0].steps] == [None, "create", "rm"]
    assert "status=none" in f.abstract
    assert any(w.startswith("seed start: leads to") for w in f.why)
    # the two engines find counterexamples of the same length
    for name in DECLARED - {"restarting-status", "created-vs-exited"}:
        assert len(results[0].confirmed[name].traces[0].steps) == \
            len(results[1].confirmed[name].traces[0].steps), name


def test_merge_differences_show_two_states_with_one_seed_image(results, ref):
    m = ref.map_function()
    on = next(d for d in ref.differences if d.name == "created-vs-exited").on
    for r in results:
        a, b = r.confirmed["created-vs-exited"].traces
        sa, sb = a.steps[-1][1], b.steps[-1][1]
        assert a.model.state_json(sa)["status"] == "created"
        assert b.model.state_json(sb)["status"] == "exited"
        assert [m(sa)[k] for k in on] == [m(sb)[k] for k in on]


def test_teeth_an_undeclared_and_a_stale_difference_are_rejected(teeth):
    for r in (explicit.check(teeth), RefineSmt(teeth, hints_for(teeth)).check()):
        assert r.verdict == REFUTED, r.engine
        assert r.stale == ["pause-is-different"]
        assert r.undeclared.traces[0].steps[-1][0] in ("rm", "rm_force")
        assert len(r.undeclared.traces[0].steps) == 3


def run_cli(argv):
    out, err = io.StringIO(), io.StringIO()
    return main(argv, out, err), out.getvalue(), err.getvalue()


def test_cli_exit_codes():
    code, out, _ = run_cli(["refine", "--engine", "explicit"])
    assert code == 0 and "refines seed except 7 declared differences" in out
    code, out, _ = run_cli(["refine", "--engine", "explicit", "--mapping", str(TEETH)])
    assert code == 1 and "UNDECLARED difference" in out and "STALE difference" in out


def test_a_bad_mapping_is_a_located_error(tmp_path):
    f = tmp_path / "m.toml"
    f.write_text(MAPPING.read_text().replace('cpu = "cpu"', 'cpu = "cpuu"'))
    code, _, err = run_cli(["refine", "--engine", "explicit", "--mapping", str(f)])
    assert code == 2 and "[mapping.cpu]: error DP101: unknown name 'cpuu'" in err
