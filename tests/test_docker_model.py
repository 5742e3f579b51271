"""model/docker.toml: it loads, its catalogues come out as expected on both engines, its error
texts are live data, and its restart rules match the measured tables of engine-facts §3."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockproof.check import run_check
from dockproof.conformance.mapping import load_mapping
from dockproof.engines.compiled import compile_model, predicate
from dockproof.engines.statespace import explore
from dockproof.session import Session
from dockproof.spec.loader import load_model

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "model" / "docker.toml"


@pytest.fixture(scope="module")
def model():
    return load_model(MODEL)


@pytest.fixture(scope="module")
def space(model):
    return explore(model)


def test_every_docker_property_comes_out_as_expected_on_both_engines():
    report = run_check(Session.load(MODEL), [ROOT / "properties" / "docker.toml",
                               ROOT / "properties" / "docker-teeth.toml"], ("smt", "explicit"))
    bad = [(o.prop.id, o.verdict) for o in report.outcomes if not o.ok]
    assert not bad
    assert report.exit_code == 0
    assert sum(o.prop.expect == "refuted" for o in report.outcomes) >= 10


def test_every_status_is_reachable(model, space):
    status = model.var("status")
    assert {s[status.slot] for s in space.states} == set(range(len(status.type.members)))


def test_error_texts_are_live_and_only_where_the_command_is_refused(model, space):
    """Each error case holds in some reachable state, and never where its action is enabled
    or where another action with the same command is enabled."""
    compiled = compile_model(model)
    by_command: dict[str, list[int]] = {}
    for i, a in enumerate(model.actions):
        if a.command:
            by_command.setdefault(a.command, []).append(i)
    for a in model.actions:
        for case in a.errors:
            when = predicate(case.when)
            hits = [s for s in space.states if when(s)]
            assert hits, (a.name, case.message)
            for s in hits:
                assert all(compiled.steps[j](s) is None for j in by_command[a.command]), \
                    (a.name, case.message, model.render_state(s))


def test_docker_error_texts_are_exact(model):
    texts = {c.message for a in model.actions for c in a.errors}
    assert "cannot start a paused container, try unpause instead" in texts
    assert "Container {id} is already paused" in texts
    assert ("You cannot remove a running container {id}. Stop the container before attempting "
            "removal or force remove") in texts
    assert "Cannot kill container: {name}: Container {id} is not running" in texts


def test_the_conformance_table_validates(model):
    cm = load_mapping(model)
    s = next(s for s in model.initial_states()
             if model.state_json(s)["policy"] == "on-failure"
             and model.state_json(s)["max_retries"] == 2)
    assert cm.config(s).restart == "on-failure:2"


def run(model, params: dict, actions: list[str]) -> dict:
    """Run actions from the initial state with the given parameters; return the last state."""
    compiled = compile_model(model)
    names = [a.name for a in model.actions]
    s = next(s for s in model.initial_states()
             if all(model.state_json(s)[k] == v for k, v in params.items()))
    for n in actions:
        t = compiled.steps[names.index(n)](s)
        assert t is not None, (n, model.render_state(s))
        s = t
    return model.state_json(s)


BASE = {"max_retries": 0, "mem_limit": False, "oom_kill_disable": False, "term": "dies"}


@pytest.mark.parametrize("policy,before,after", [
    # engine-facts §3.7, table e15: state before the daemon stop -> status after the restart
    ("no", ["run"], "exited"),
    ("always", ["run"], "running"),
    ("always", ["run", "stop"], "running"),
    ("always", ["run", "pause"], "running"),
    ("always", ["create"], "created"),
    ("unless-stopped", ["run"], "running"),
    ("unless-stopped", ["run", "stop"], "exited"),
    ("unless-stopped", ["run", "kill"], "exited"),
    ("on-failure", ["run"], "running"),            # shutdown exit 143: non-zero
    ("on-failure", ["run", "exit_zero", "handle_exit"], "exited"),
    # the shutdown meets an exit not handled yet: handled as "no restart", the count stays 0,
    # so restore restarts on-failure:1 (met in a tour of the real dockerd)
    ("on-failure", ["run", "child_exit"], "running"),
])
def test_daemon_restart_restores_as_measured(model, policy, before, after):
    params = dict(BASE, policy=policy)
    s = run(model, params, before + ["daemon_shutdown"])
    restored = "restore_start" if predicate_holds(model, params, before, "restores") \
        else "restore_idle"
    assert run(model, params, before + ["daemon_shutdown", restored])["status"] == after
    assert s["daemon_down"]


def predicate_holds(model, params, actions, name) -> bool:
    compiled = compile_model(model)
    names = [a.name for a in model.actions]
    s = next(s for s in model.initial_states()
             if all(model.state_json(s)[k] == v for k, v in params.items()))
    for n in actions + ["daemon_shutdown"]:
        s = compiled.steps[names.index(n)](s)
    return predicate(model.predicates[name])(s)


def test_on_failure_2_runs_three_times(model):
    # engine-facts §3.2, e4: on-failure:N permits N restarts, N+1 runs
    params = dict(BASE, policy="on-failure", max_retries=2)
    s = run(model, params, ["run", "exit_nonzero", "handle_exit", "auto_restart",
                            "exit_nonzero", "handle_exit", "auto_restart", "exit_nonzero",
                            "handle_exit"])
    assert s["status"] == "exited" and s["restart_count"] == 2


def test_oom_killed_is_sticky_across_start(model):
    # engine-facts §4.1 item 2, e7 res-oom5
    params = dict(BASE, policy="no", mem_limit=True)
    s = run(model, params, ["run", "alloc", "alloc", "oom_kill", "handle_exit", "start"])
    assert s["status"] == "running" and s["oom_killed"]
    s = run(model, params, ["run", "alloc", "alloc", "oom_kill", "handle_exit", "start", "stop"])
    assert not s["oom_killed"] and s["exit_class"] == "nonzero"


def test_a_kill_before_the_exit_is_handled_cancels_the_restart(model):
    # daemon/kill.go killWithSignal: ExitOnNext before the exit event is processed; met on the
    # real dockerd in a tour: `run --restart=always; exit 0 &; kill` -> exited, RestartCount 0
    params = dict(BASE, policy="always")
    pending = run(model, params, ["run", "exit_zero"])
    assert pending["status"] == "running" and pending["exit_pending"] and not pending["proc"]
    for verb in ("kill_exiting", "stop_exiting"):
        s = run(model, params, ["run", "exit_zero", verb])
        assert (s["status"], s["restart_count"], s["exit_class"], s["manually_stopped"]) == \
            ("exited", 0, "zero", True)
    s = run(model, params, ["run", "exit_zero", "handle_exit", "kill_restarting"])
    assert (s["status"], s["restart_count"]) == ("exited", 1)
    compiled = compile_model(model)
    names = [a.name for a in model.actions]
    state = model.initial_states()
    for verb in ("kill", "stop", "pause", "alloc", "exit_zero"):  # not while the exit is pending
        s0 = next(x for x in state if model.state_json(x)["policy"] == "always"
                  and all(model.state_json(x)[k] == v for k, v in BASE.items()))
        for n in ("run", "exit_zero"):
            s0 = compiled.steps[names.index(n)](s0)
        assert compiled.steps[names.index(verb)](s0) is None, verb
