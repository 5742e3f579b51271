"""`dockproof compare`: a model is equivalent to itself, a changed copy differs in exactly the
change, and Docker vs Podman finds the differences measured on the two engines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockproof.cli import main
from dockproof.compare.events import vocabulary_for
from dockproof.compare.product import compare
from dockproof.spec.loader import load_model

ROOT = Path(__file__).resolve().parent.parent
DOCKER = ROOT / "model" / "docker.toml"
PODMAN = ROOT / "model" / "podman.toml"


def run(*argv):
    import io
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def docker_vs_podman():
    a, b = load_model(DOCKER), load_model(PODMAN)
    return compare(a, b, vocabulary_for(a), vocabulary_for(b))


@pytest.mark.parametrize("name", ["docker", "podman", "seed"])
def test_a_model_is_equivalent_to_itself(name):
    code, out, _ = run("compare", name, name)
    assert code == 0, out
    assert "equivalent over the adapter contract" in out


def changed_copy(tmp_path, old: str, new: str) -> Path:
    text = DOCKER.read_text()
    assert text.count(old) == 1, old
    path = tmp_path / "docker-changed.toml"
    path.write_text(text.replace(old, new))
    return path


def test_a_changed_error_text_is_exactly_one_error_class(tmp_path):
    path = changed_copy(tmp_path, '"Container {id} is already paused"',
                        '"Container {id} is paused already"')
    a, b = load_model(DOCKER), load_model(path)
    c = compare(a, b, vocabulary_for(a), None)
    assert [(d.dimension, d.verb, d.before) for d in c.differences] == \
        [("error", "pause", ("paused", "paused"))]
    assert c.differences[0].trace == ("run", "pause", "pause")


def test_a_refused_stop_of_a_paused_container_is_found_with_its_shortest_trace(tmp_path):
    path = changed_copy(tmp_path, "guard = \"up and status in ('running', 'paused') and not "
                        "exit_pending\"\neffect = { status = \"exited\", cpu = false, mem = "
                        "false, net = false, proc = false, usage = 0, hung = false, mem_data "
                        "= false, exit_class = \"'killed' if stop_exit_killed",
                        "guard = \"up and status in ('running',) and not "
                        "exit_pending\"\neffect = { status = \"exited\", cpu = false, mem = "
                        "false, net = false, proc = false, usage = 0, hung = false, mem_data "
                        "= false, exit_class = \"'killed' if stop_exit_killed")
    code, out, _ = run("compare", str(DOCKER), str(path), "--json")
    assert code == 1
    doc = json.loads(out)
    assert [(d["dimension"], d["verb"], d["values"], d["commands"])
            for d in doc["differences"]] == \
        [("answer", "stop", ["accepted", "refused"], "run; pause; stop")]


def test_docker_and_podman_differ_where_the_engines_were_measured_to(docker_vs_podman):
    found = {(d.dimension, d.verb, d.before[0], d.values) for d in docker_vs_podman.differences}
    # engine-facts §8.1: Podman refuses stop and restart of a paused container
    assert ("answer", "stop", "paused", ("accepted", "refused")) in found
    assert ("answer", "restart", "paused", ("accepted", "refused")) in found
    # podman rm -f of a missing container succeeds
    assert ("answer", "rm_force", "none", ("refused", "accepted")) in found
    # OOMKilled is never set by Podman 4.3 (conmon 2.1.6)
    assert ("observation", "alloc", "running", ("oom_killed=True", "oom_killed=False")) in found
    # Podman logs init before start, and cleanup after a stop
    assert ("events", "start", "created", ("start", "init start")) in found
    assert any(d[:3] == ("error", "pause", "created") for d in found)
    shortest = {(d.dimension, d.verb, d.before[0]): d.trace
                for d in docker_vs_podman.differences}
    assert shortest[("answer", "stop", "paused")] == ("run", "pause", "stop")
    assert shortest[("answer", "rm_force", "none")] == ("rm_force",)
    assert "daemon_restart: only docker has it" in docker_vs_podman.unstated["commands"]


def test_every_class_trace_ends_where_the_models_first_differ(docker_vs_podman):
    """Replaying a class's trace minus its last step, both models agree on everything."""
    from dockproof.compare.product import _differ, _Side
    from dockproof.conformance.replay import from_commands

    a, b = docker_vs_podman.a, docker_vs_podman.b
    A, B = _Side(a, vocabulary_for(a)), _Side(b, vocabulary_for(b))
    for d in docker_vs_podman.differences[:12]:
        sa = from_commands("; ".join(d.trace), A.o)[0]
        sb = from_commands("; ".join(d.trace), B.o)[0]
        pa, pb = A.o.settled(sa.initial), B.o.settled(sb.initial)
        for n, (ka, kb) in enumerate(zip(sa.steps, sb.steps)):
            found = _differ(A, B, pa, pb, ka.key, {})
            if n == len(sa.steps) - 1:
                assert (d.dimension, d.values) in found, d.name
            else:
                assert not any(dim in ("answer", "observation") for dim, _ in found), d.name
                pa, pb = A.step(pa, ka.key)[0], B.step(pb, kb.key)[0]


def test_docker_vs_podman_json_lists_every_class_with_a_trace():
    code, out, _ = run("compare", "docker", "podman", "--json")
    assert code == 1
    doc = json.loads(out)
    assert doc["equivalent"] is False and doc["classes"] == len(doc["differences"]) > 10
    assert all(d["trace"] and d["confirmed"] is None for d in doc["differences"])
    assert len({d["name"] for d in doc["differences"]}) == doc["classes"]


@pytest.mark.parametrize("argv,needle", [
    (["compare", "docker", "nosuch"], "DP802"),
    (["compare", "docker", "podman", "--only", "colour"], "DP801"),
])
def test_bad_input_exits_2(argv, needle):
    code, _, err = run(*argv)
    assert code == 2 and needle in err and "Traceback" not in err
