"""The implementations beyond Docker and the Podman CLI (issue 21): Podman's Docker-compatible
API (`--adapter podman-api`, the Docker adapter on `podman system service`) against the Docker
model, the crun runtime (`--runtime crun`) under Docker and Podman, and `compare --confirm`
running the models' distinguishing traces on both engines. Each test lets the CLI start its
own private engine (no DOCKER_HOST); the engine fixtures only check the prerequisites and
mark the test. Kept short: one restricted tour, two matrices, two replays."""

from __future__ import annotations

import json
import shutil

import pytest
from helpers import ROOT, run_cli

from dockproof.conformance import known
from dockproof.spec.loader import load_model

ONE = ("--config", "policy=no", "--config", "max_retries=0", "--config", "mem_limit=false",
       "--config", "oom_kill_disable=false", "--config", "term=dies")


def _json(*argv: str) -> tuple[int, dict]:
    code, out, err = run_cli(*argv, "--json")
    assert out, err
    return code, json.loads(out)


def _entries(engine: str) -> set[str]:
    cat = known.load(ROOT / "properties" / "divergences.toml",
                     load_model(ROOT / "model" / "docker.toml"))
    return {e.id for e in cat.entries if e.engine == engine}


@pytest.fixture
def crun():
    if shutil.which("crun") is None:
        pytest.skip("crun is not installed (apt-get install crun)")


@pytest.fixture
def no_docker_host(monkeypatch):
    monkeypatch.delenv("DOCKER_HOST", raising=False)


def test_podman_api_tour_of_the_docker_model_meets_only_its_recorded_divergences(
        podman_engine):
    code, doc = _json("conform", "docker", "--adapter", "podman-api", *ONE, "--no-shrink",
                      "--allow-known")
    assert doc["divergence"] is None, doc["divergence"]
    assert code == 0 and doc["inconclusive"] == 0
    assert doc["known"]["engine"][0] == "podman-api" and doc["known"]["stale"] == []
    occurred = set(doc["known"]["occurred"])
    # where the API differs from Docker as the podman CLI does: libpod's texts, the refused
    # stop and restart of a paused container
    assert {"podman-api-error-texts", "podman-api-stop-paused"} <= occurred
    assert occurred <= _entries("podman-api")
    assert doc["passed"] > 500 and doc["coverage"]["actions"]["rm_force"][0] > 0


def test_podman_api_accepts_a_retry_count_the_cli_refuses(podman_engine):
    """Where the API differs from both Docker and the podman CLI."""
    code, doc = _json("replay", "--model", "docker", "--commands", "create --restart=always:1",
                      "--adapter", "podman-api", "--allow-known")
    assert code == 0 and doc["known"]["occurred"] == {"podman-api-retries-with-any-policy": 1}
    code, out, _ = run_cli("replay", "--model", "podman", "--commands",
                           "create --restart=always:1", "--adapter", "podman")
    assert code == 0, out  # the podman CLI refuses it, as its model says


def test_docker_on_crun_conforms_to_the_docker_model(docker_engine, crun, no_docker_host):
    code, doc = _json("conform", "docker", "--adapter", "docker", "--runtime", "crun",
                      "--strategy", "matrix", "--allow-known")
    assert doc["divergence"] is None, doc["divergence"]
    assert code == 0 and doc["inconclusive"] == 0
    assert " crun " in doc["known"]["engine"][1]
    races = {e for e in _entries("docker")}
    assert set(doc["known"]["occurred"]) <= races
    assert doc["coverage"]["actions"]["oom_kill"][0] > 0


def test_podman_on_crun_conforms_to_the_podman_model_but_for_a_paused_kill(podman_engine,
                                                                          crun):
    code, doc = _json("conform", "podman", "--adapter", "podman", "--runtime", "crun",
                      "--strategy", "matrix", "--allow-known")
    assert doc["divergence"] is None, doc["divergence"]
    assert code == 0 and doc["inconclusive"] == 0
    assert " crun " in doc["known"]["engine"][1]
    # crun 1.8 does not thaw a paused cgroup-v1 container on SIGKILL (runc does:
    # opencontainers/runc#3217): the kill never ends, podman times out waiting for the exit
    code, doc = _json("replay", "--model", "podman", "--commands", "run; pause; kill",
                      "--adapter", "podman", "--runtime", "crun")
    assert code == 1 and doc["inconclusive"] == 1, doc
    evidence = json.dumps(doc["inconclusive_steps"])
    assert "FROZEN" in evidence


def test_compare_confirms_the_answer_differences_on_both_engines(docker_engine, podman_engine,
                                                                  no_docker_host):
    code, doc = _json("compare", "docker", "podman", "--only", "answer", "--confirm")
    assert code == 1  # the models differ; every class was confirmed
    assert doc["classes"] == 3
    assert all(d["confirmed"] is True for d in doc["differences"]), doc["differences"]
    engines = {e for d in doc["differences"] for e in d["confirmation"]["engines"]}
    assert engines == {"docker vs docker", "podman vs podman"}
