"""Tour pieces that respect an engine's restart back-off (`parallel.split` with ``restarts``):
a campaign's runs cut tours with ``--jobs``, and Docker stops restarting a container for a while
after four automatic restarts in a row."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from campaign_helpers import DOCKER, install_fake_adapters
from helpers import SEED, run_cli

from dockproof.conformance import configs, parallel
from dockproof.conformance.generate import transition_tour
from dockproof.conformance.harness import Harness
from dockproof.conformance.oracle import Oracle, Segment, segment_of
from dockproof.conformance.parallel import run_parallel, split
from dockproof.engines.statespace import explore
from dockproof.spec.loader import load_model
from dockproof.sut.real.docker import DockerAdapter
from dockproof.sut.real.podman import PodmanAdapter
from dockproof.sut.reference import ReferenceAdapter

ALWAYS = ["policy=always", "max_retries=0", "mem_limit=true", "oom_kill_disable=false",
          "term=dies"]
# Commands that give the container a fresh restart manager (or a new container).
FRESH = {"start", "restart", "create", "run", "rm", "rm_force", "daemon_restart"}


def _oracle(items=ALWAYS):
    model = load_model(DOCKER)
    return Oracle(model, space=configs.restrict(explore(model), configs.parse(items, model)))


def _longest_run(oracle: Oracle, seg: Segment) -> int:
    """Count, apart from split's own code, the most automatic restarts in a row in a piece:
    the auto_restart edges along each settled step's settle edges, back to 0 after an
    accepted command that gives a fresh restart manager."""
    auto = [a.name for a in oracle.model.actions].index("auto_restart")
    state, run, worst = seg.initial, 0, 0
    for step in seg.steps:
        r = oracle.respond(state, step.key)
        state = oracle.primary(r)[0]
        if r.accepted and step.key[0] in FRESH:
            run = 0
        if step.settle:
            target = oracle.settled(state)
            while state != target:
                a, state = next((a, d) for a, d in oracle.out[state] if a in oracle.map.settle)
                run += a == auto
        worst = max(worst, run)
    return worst


def _old_split(oracle, test, size):
    """`split` as it was before the restart limit (commit 4445bf1), verbatim."""
    _dist, prev = oracle.distances(list(oracle.space.initial))
    out = []
    for seg in test.segments:
        state, start, piece_initial, prefix = seg.initial, 0, seg.initial, ()
        for n, step in enumerate(seg.steps):
            post = oracle.primary(oracle.respond(state, step.key))[0]
            state = oracle.settled(post) if step.settle else post
            reachable = state in prev or state in oracle.space.initial
            if step.settle and reachable and size <= n + 1 - start < len(seg.steps) - start:
                out.append(Segment(piece_initial, prefix + seg.steps[start:n + 1]))
                piece_initial, arcs = oracle.path(state, prev)
                prefix, start = segment_of(oracle, piece_initial, arcs).steps, n + 1
        out.append(Segment(piece_initial, prefix + seg.steps[start:]))
    return replace(test, segments=tuple(out))


@pytest.fixture(scope="module")
def always():
    oracle = _oracle()
    return oracle, transition_tour(oracle)


@pytest.mark.parametrize("limit", [3, 4])
def test_pieces_never_take_more_automatic_restarts_in_a_row_than_the_limit(always, limit):
    oracle, tour = always
    assert max(_longest_run(oracle, s) for s in tour.segments) > limit  # else nothing to show
    size = max(50, tour.steps // 8 + 1)  # as --jobs 2 cuts it
    plain = split(oracle, tour, size)
    assert max(_longest_run(oracle, s) for s in plain.segments) > limit
    pieces = split(oracle, tour, size, restarts=limit)
    assert max(_longest_run(oracle, s) for s in pieces.segments) <= limit
    assert len(pieces.segments) > len(plain.segments)
    assert all(p.initial in oracle.space.initial for p in pieces.segments)
    assert all(p.steps[-1].settle for p in pieces.segments)  # cut at settled steps only
    # every command of the tour is still sent, in order, once outside the prefixes
    assert pieces.steps >= tour.steps


@pytest.mark.parametrize("limit", [1, 4])
def test_a_split_tour_covers_what_the_whole_tour_covers(always, limit):
    oracle, tour = always
    pieces = split(oracle, tour, max(50, tour.steps // 8 + 1), restarts=limit)
    whole = Harness(oracle).run(tour, ReferenceAdapter())
    cut = Harness(oracle).run(pieces, ReferenceAdapter())
    assert whole.exit_code == cut.exit_code == 0
    assert cut.coverage.edges == whole.coverage.edges and len(whole.coverage.edges) > 1000
    two = run_parallel(lambda a: Harness(oracle), pieces, [ReferenceAdapter(), ReferenceAdapter()])
    assert two.exit_code == 0 and two.coverage.edges == whole.coverage.edges


def test_without_a_limit_split_cuts_as_before():
    for oracle in (Oracle(load_model(SEED)), _oracle(ALWAYS[:1] + ["mem_limit=true"])):
        tour = transition_tour(oracle)
        for size in (40, 300):
            before = _old_split(oracle, tour, size)
            assert split(oracle, tour, size) == before
            assert split(oracle, tour, size, restarts=None) == before
            # a limit no piece reaches changes nothing either
            longest = max(_longest_run(oracle, s) for s in tour.segments)
            assert split(oracle, tour, size, restarts=longest) == before


@pytest.fixture
def fake_adapters(tmp_path, monkeypatch):
    return install_fake_adapters(tmp_path, monkeypatch)


def test_conform_jobs_takes_the_limit_from_the_adapter(fake_adapters, monkeypatch):
    seen, real = [], parallel.split

    def spy(oracle, test, size, restarts=None):
        seen.append(restarts)
        return real(oracle, test, size, restarts=restarts)

    monkeypatch.setattr(parallel, "split", spy)
    args = ["docker", "--json", "--jobs", "2"] + [f"--config={c}" for c in ALWAYS]
    runs = {}
    for adapter in ("fakeadapters:Limited", "reference"):
        code, out, _ = run_cli("conform", *args, "--adapter", adapter)
        runs[adapter] = json.loads(out)
        assert code == 0
    assert seen == [3, None]
    assert runs["fakeadapters:Limited"]["steps"] > runs["reference"]["steps"]
    assert (runs["fakeadapters:Limited"]["coverage"]["transitions"]
            == runs["reference"]["coverage"]["transitions"])


def test_docker_declares_its_back_off_and_podman_none():
    assert DockerAdapter.capabilities_for(private=True).restarts_before_backoff == 4
    assert PodmanAdapter.capabilities.restarts_before_backoff is None
