"""The conformance harness: mapping, generation, the reference conforms, CLI, pytest entry."""

from __future__ import annotations

import contextlib
import io
import json
import re
from dataclasses import replace

import pytest
from helpers import ROOT, SEED, edited_model, run_cli

from dockproof.conformance.coverage import Coverage
from dockproof.conformance.generate import minimum_resets, random_walk
from dockproof.conformance.harness import Harness, Inconclusive, Run
from dockproof.conformance.mapping import compare, load_mapping
from dockproof.conformance.oracle import Oracle
from dockproof.conformance.pytest_plugin import (
    ConformanceFailure,
    ConformanceTest,
    run_conformance_test,
)
from dockproof.conformance.render import SHOWN_UNSURE, to_json, write_summary
from dockproof.conformance.stateful import run_hypothesis
from dockproof.errors import InputError
from dockproof.spec.loader import load_model
from dockproof.sut.contract import Config, Observation, Outcome
from dockproof.sut.mutants import MUTANTS
from dockproof.sut.reference import ReferenceAdapter
from dockproof.verdict import StepVerdict

# -- the mapping ---------------------------------------------------------------------------

def test_mapping_turns_states_into_observations_and_configs(oracle):
    m = oracle.map
    assert m.host_units == 3
    configs = {m.config(oracle.space.states[i]) for i in oracle.space.initial}
    assert Config(2, True, "unless-stopped") in configs and Config(None, False, "no") in configs
    assert len(configs) == 8
    running = next(s for s in oracle.space.states if oracle.model.state_json(s)["status"]
                   == "running")
    e = m.expected(running)
    assert e.statuses == ("running",) and e.resources == {"cpu", "mem", "net", "proc", "fs"}


def test_compare_ignores_flags_the_adapter_cannot_see(oracle):
    e = oracle.expected[oracle.space.initial[0]]
    assert compare(e, Observation("none")) == []
    bad = compare(e, Observation("none", flags={"usage": 1}))
    assert [m.field for m in bad] == ["usage"]


@pytest.mark.parametrize("edit, key", [
    ({"conformance.status.map.stopped": ["stoped"]}, "conformance.status.map.stopped"),
    ({"conformance.resources.cpuu": "cpu"}, "conformance.resources.cpuu"),
    ({"conformance.unobserved": []}, "conformance.unobserved"),
    ({"conformance.triggers.oom_kill": "stop_it"}, "conformance.triggers.oom_kill"),
    ({"conformance.settle": ["alloc"]}, "conformance.settle"),
    ({"conformance.config.memory": {"param": "mem_limit", "values": {"true": "lots",
                                                                       "false": "unlimited"}}},
     "conformance.config.memory.values.true"),
    ({"conformance.quiet.start": "status == 'runing'"}, "conformance.quiet.start"),
])
def test_bad_mapping_is_a_located_error(edit, key):
    with pytest.raises(InputError) as exc:
        load_mapping(edited_model(SEED, set_=edit))
    assert exc.value.location.key == key, exc.value.render()
    assert exc.value.exit_code == 2


def test_bad_mapping_through_the_cli_exits_2(tmp_path):
    text = SEED.read_text().replace('stopped = ["created", "exited"]',
                                    'stopped = ["created", "exitted"]')
    bad = tmp_path / "seed.toml"
    bad.write_text(text)
    code, _out, err = run_cli("conform", str(bad))
    assert code == 2
    assert re.search(r"seed\.toml:\d+ \[conformance\.status\.map\.stopped\]: error DP401: "
                     r"'exitted' is not an adapter status \(did you mean 'exited'\?\)", err)


# -- generation ----------------------------------------------------------------------------

def test_tour_covers_every_transition_and_is_optimal_for_its_cost(oracle, tour):
    s = tour.stats
    assert s["drivable"] == s["transitions"] == len(oracle.space.edges)
    assert s["min_resets"] == minimum_resets(oracle) <= s["resets"]
    # Each reset starts from an initial state with create or run.
    assert all(seg.initial in oracle.space.initial for seg in tour.segments)
    assert s["length"] == tour.steps + len(tour.segments)
    assert s["bound"] <= s["length"] - s["probes"]


def test_tour_includes_refused_commands(oracle, tour):
    kinds = set()
    for seg in tour.segments:
        state = seg.initial
        for step in seg.steps:
            r = oracle.respond(state, step.key)
            kinds.add(r.kind)
            state = oracle.settled(r.posts[0][0]) if step.settle else r.posts[0][0]
    assert kinds == {"ok", "triggered", "refused", "quiet"}


def test_random_walk_is_reproducible_from_its_seed(oracle):
    a, b, c = (random_walk(oracle, s, 300) for s in (5, 5, 6))
    assert a.segments == b.segments != c.segments
    assert a.steps == 300


# -- the reference conforms on every strategy ----------------------------------------------

def test_reference_conforms_on_the_tour_with_full_coverage(oracle, tour):
    run = Harness(oracle).run(tour, ReferenceAdapter())
    assert run.exit_code == 0 and run.divergence is None
    cov = run.coverage.summary()
    assert cov["transitions"] == [len(oracle.space.edges)] * 2
    assert all(c == t for c, t in cov["claims"].values())
    assert {v.verdict for v in run.verdicts} == {"pass"}


def test_reference_conforms_on_random_walks(oracle):
    run = Harness(oracle).run(random_walk(oracle, 11, 3000), ReferenceAdapter())
    assert run.exit_code == 0, run.divergence and run.divergence.reasons


def test_reference_conforms_under_hypothesis(oracle):
    assert run_hypothesis(Harness(oracle), ReferenceAdapter(), seed=3, examples=60) is None


def test_internal_steps_are_covered_by_passing_through(oracle, tour):
    run = Harness(oracle).run(tour, ReferenceAdapter())
    acts = run.coverage.summary()["actions"]
    for name in ("auto_restart", "oom_kill", "hang"):
        assert acts[name][0] == acts[name][1] > 0


# -- verdicts ------------------------------------------------------------------------------

class _Flaky(ReferenceAdapter):
    """Raises Inconclusive on every pause: the harness must not call it a pass."""

    def apply(self, command):
        if command.verb == "pause":
            raise Inconclusive("pause took longer than its window")
        return super().apply(command)


class _Flagged(ReferenceAdapter):
    def observe(self):
        o = super().observe()
        return Observation(o.status, o.resources, {**o.flags, "inconclusive": True})


def test_inconclusive_steps_are_reported_and_fail_the_run(oracle, tour):
    for adapter in (_Flaky(), _Flagged()):
        run = Harness(oracle).run(tour, adapter)
        assert run.divergence is None
        assert run.inconclusive > 0 and run.exit_code == 1


class _FlaggedWhy(ReferenceAdapter):
    """Flags every observation of a paused container inconclusive, saying why."""

    def evidence(self):
        return {"freezer.state": "FREEZING"}

    def observe(self):
        o = super().observe()
        if o.status != "paused":
            return o
        return Observation(o.status, o.resources,
                           {**o.flags, "inconclusive": "the freezer does not agree"})


def test_an_inconclusive_step_says_what_was_outstanding(oracle, tour):
    run = Harness(oracle).run(tour, _FlaggedWhy())
    unsure = [v for v in run.verdicts if v.verdict is StepVerdict.INCONCLUSIVE]
    assert len(unsure) == run.inconclusive > SHOWN_UNSURE
    assert {v.note for v in unsure} == {
        "the adapter's time window elapsed: the freezer does not agree"}
    doc = to_json(run, oracle, "x", False, None)
    assert [(s["segment"], s["step"], s["command"], s["note"])
            for s in doc["inconclusive_steps"]] == [
        (v.segment + 1, v.index + 1, v.command, v.note) for v in unsure]
    assert all(s["state"] == oracle.model.state_json(oracle.space.states[v.state])
               and s["evidence"] == {"freezer.state": "FREEZING"}
               for s, v in zip(doc["inconclusive_steps"], unsure))
    out = io.StringIO()
    write_summary(run, oracle, "x", out)
    lines = [ln for ln in out.getvalue().splitlines() if "INCONCLUSIVE at" in ln]
    first = unsure[0]
    assert len(lines) == SHOWN_UNSURE and lines[0].startswith(
        f"  INCONCLUSIVE at {first.segment + 1}.{first.index + 1} `{first.command}`: the "
        "adapter's time window elapsed: the freezer does not agree (model state before: ")
    assert f"... and {len(unsure) - SHOWN_UNSURE} more inconclusive steps" in out.getvalue()
    assert out.getvalue().count("\n    kernel: freezer.state: FREEZING\n") == SHOWN_UNSURE
    plain = Harness(oracle).run(tour, _Flagged())  # a flag without words
    assert {v.note for v in plain.verdicts if v.verdict is StepVerdict.INCONCLUSIVE} == {
        "the adapter's time window elapsed"}


class _Refuses(ReferenceAdapter):
    """Refuses write_fs: a command the model accepts."""

    def apply(self, command):
        if command.verb == "write_fs":
            return Outcome(False, "read-only file system")
        return super().apply(command)


def test_a_refused_accepted_command_diverges(oracle, tour):
    run = Harness(oracle).run(tour, _Refuses())
    d = run.divergence
    assert d is not None and d.commands == ("run", "write_fs")
    assert "refused it: 'read-only file system'" in d.reasons[0]


def _with_unpause_error(tmp_path, message: str):
    text = SEED.read_text().replace(
        'guard = "status == \'paused\'"\neffect = { status = "running", cpu = true }',
        'guard = "status == \'paused\'"\neffect = { status = "running", cpu = true }\n'
        f'errors = [{{ when = "status == \'running\'", message = "{message}" }}]')
    assert message in text
    model = tmp_path / "seed.toml"
    model.write_text(text)
    return model


@pytest.mark.parametrize("message, code", [("Container {id} is not paused", 0),
                                           ("Container {id} is not frozen", 1)])
def test_error_texts_from_the_model_are_compared(tmp_path, message, code):
    model = _with_unpause_error(tmp_path, message)
    got, out, _ = run_cli("replay", "--model", str(model), "--commands", "run; unpause")
    assert got == code, out
    if code:
        assert f"error text: expected {message!r}, got 'Container " in out
    o = Oracle(load_model(model))
    assert o.respond(o.space.initial[0], ("unpause", None)).errors == ()  # only when running


# -- CLI -----------------------------------------------------------------------------------

def test_cli_conform_reference_passes_with_coverage():
    code, out, _ = run_cli("conform", "--adapter", "reference")
    assert code == 0
    assert "transitions 1414/1414 (100%)" in out and out.rstrip().endswith("CONFORMED")
    assert "per claim: S1 " in out and "per status: none " in out


def test_cli_conform_mutant_shows_divergence_and_replay(tmp_path):
    code, out, err = run_cli("conform", "--adapter", "mutant:stop_loses_fs", "--trace-dir",
                             str(tmp_path), "--junit", str(tmp_path / "j.xml"))
    assert code == 1
    assert "observation fs_data: expected True, observed False" in out
    replay = re.search(r"replay: (.*)", out).group(1)
    assert replay == ("dockproof replay --commands 'run; write_fs; stop' "
                      "--adapter mutant:stop_loses_fs")
    code, out2, _ = run_cli("replay", "--commands", "run; write_fs; stop", "--adapter",
                            "mutant:stop_loses_fs")
    assert code == 1 and "DIVERGED" in out2
    code, _out, _ = run_cli("replay", str(tmp_path / "divergence.itf.json"), "--adapter",
                            "mutant:stop_loses_fs")
    assert code == 1
    code, _out, _ = run_cli("replay", str(tmp_path / "divergence.itf.json"))
    assert code == 0
    assert 'failures="1"' in (tmp_path / "j.xml").read_text()


def test_cli_json_and_verbose(tmp_path):
    code, out, _ = run_cli("conform", "--strategy", "random", "--seed", "4", "--steps", "200",
                           "--json", "-v")
    doc = json.loads(out)
    assert code == 0 and doc["verdict"] == "conformed" and doc["seed"] == 4
    assert len(doc["verdicts"]) == 200 and doc["verdicts"][0]["verdict"] == "pass"
    code, out, _ = run_cli("conform", "--strategy", "random", "--seed", "4", "--steps", "5",
                           "-v")
    assert len(re.findall(r"^\s+\d+\.\d+\s+\S.* pass ", out, re.M)) == 5


def test_cli_replays_a_check_trace(tmp_path):
    code, _out, _err = run_cli("check", str(SEED), "--properties",
                               str(ROOT / "properties" / "teeth.toml"), "--engine", "explicit",
                               "--trace-dir", str(tmp_path))
    traces = sorted(tmp_path.glob("*.itf.json"))
    assert traces
    for t in traces[:5]:
        code, out, err = run_cli("replay", str(t), "--adapter", "reference")
        assert code == 0, out + err


@pytest.mark.parametrize("argv, code, text", [
    (["conform", "--adapter", "nosuch"], 2, "unknown adapter 'nosuch'"),
    (["conform", "--adapter", "mutant:stop_loses"], 2, "did you mean 'stop_loses_fs'"),
    (["conform", "--adapter", "nosuchmod:Thing"], 2, "no module 'nosuchmod'"),
    (["conform", "--adapter", "dockproof.sut.reference:Nope"], 2, "has no class 'Nope'"),
    (["replay", "--commands", "run -m 9u"], 2, "--commands"),
    (["replay", "--commands", "run; fly"], 2, "no command 'fly'"),
    (["replay"], 2, "give either a TRACE file or --commands"),
])
def test_cli_bad_input(argv, code, text):
    got, _out, err = run_cli(*argv)
    assert got == code and text in err and "Traceback" not in err


def test_cli_help_mentions_every_option():
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), pytest.raises(SystemExit):
        run_cli("conform", "--help")
    text = buf.getvalue()
    for opt in ("--adapter", "--strategy", "--seed", "--steps", "--json", "--junit", "exec:CMD",
                "exit codes"):
        assert opt in text


# -- pytest entry point --------------------------------------------------------------------

class TestReferenceThroughTheBaseClass(ConformanceTest):
    adapter_factory = ReferenceAdapter
    random_steps = 500
    hypothesis_examples = 20


def test_run_conformance_test_raises_on_a_mutant():
    with pytest.raises(ConformanceFailure, match="fs_data: expected True, observed False"):
        run_conformance_test(MUTANTS["stop_loses_fs"][1], strategy="tour")



def test_summary_of_a_tour_with_nothing_to_drive(oracle, tour):
    """A configuration whose transitions the adapter cannot drive (Podman's invalid
    configurations: no daemon to restart) has a tour of refusal probes only, lower bound 0;
    its summary says so without a ratio."""

    test = replace(tour, stats={**tour.stats, "bound": 0, "min_resets": 0})
    out = io.StringIO()
    write_summary(Run(test, coverage=Coverage(oracle)), oracle, "reference", out)
    assert "lower bound 0 (commands + 0 resets)" in out.getvalue()
    assert " x bound" not in out.getvalue()
