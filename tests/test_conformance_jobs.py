"""``--jobs N``: segments on several adapters at once, the same report whatever N is."""

from __future__ import annotations

import json

from helpers import ROOT, SEED, run_cli

from dockproof.conformance.generate import transition_tour
from dockproof.conformance.harness import Harness
from dockproof.conformance.oracle import Oracle
from dockproof.conformance.parallel import run_parallel, split
from dockproof.spec.loader import load_model
from dockproof.sut.reference import ReferenceAdapter

DOCKER = ROOT / "model" / "docker.toml"


def _conform(*extra: str) -> dict:
    code, out, _ = run_cli("conform", *extra, "--json", "-v")
    doc = json.loads(out)
    doc.pop("seconds")
    doc.pop("meta")  # the command line and its parameters (--jobs) differ by design
    doc["exit"] = code
    return doc


def test_jobs_report_the_same_verdicts_in_the_same_order():
    args = ("docker", "--adapter", "reference", "--strategy", "matrix")
    one, three = _conform(*args), _conform(*args, "--jobs", "3")
    assert one == three and one["exit"] == 0 and one["steps"] == 132


def test_jobs_split_the_tour_and_still_cover_every_drivable_transition():
    args = ("docker", "--adapter", "reference", "--config", "policy=always", "--config",
            "term=dies", "--config", "mem_limit=true")
    one, two = _conform(*args), _conform(*args, "--jobs", "2")
    assert one["exit"] == two["exit"] == 0
    assert one["coverage"]["transitions"] == two["coverage"]["transitions"]
    assert two["steps"] >= one["steps"]  # each later piece starts with its shortest prefix
    assert "drivable, not taken by this run" not in two["coverage"]["uncovered"]


def test_split_pieces_start_from_a_reset_and_reach_where_they_begin():
    oracle = Oracle(load_model(SEED))
    tour = transition_tour(oracle)
    pieces = split(oracle, tour, 40)
    assert len(pieces.segments) > len(tour.segments)
    assert all(p.initial in oracle.space.initial for p in pieces.segments)
    run = run_parallel(lambda a: Harness(oracle), pieces, [ReferenceAdapter(),
                                                          ReferenceAdapter()])
    assert run.exit_code == 0 and len(run.coverage.edges) == len(
        Harness(oracle).run(tour, ReferenceAdapter()).coverage.edges)


def test_the_lowest_diverging_segment_is_reported_whatever_the_jobs():
    args = ("--adapter", "mutant:stop_loses_fs", "--no-shrink")
    one, two = _conform(*args), _conform(*args, "--jobs", "2")
    assert one["exit"] == two["exit"] == 1
    assert one["divergence"] == two["divergence"]
    assert one["verdicts"] == two["verdicts"]


def test_jobs_must_be_positive():
    code, _, err = run_cli("conform", "--adapter", "reference", "--jobs", "0")
    assert code == 2 and "DP608" in err
