"""Shared fixtures: the private real engines (started once per session, torn down at the end,
never a default daemon), the seed model's conformance oracle and tour, and the goldens switch."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dockproof.sut.real.pytest_fixtures import (  # noqa: E402,F401
    docker_adapter,
    docker_engine,
    podman_adapter,
    podman_engine,
)


@pytest.fixture(scope="module")
def oracle():
    """The seed model's conformance oracle (its explored graph), once per module."""
    from helpers import SEED

    from dockproof.conformance.oracle import Oracle
    from dockproof.spec.loader import load_model

    return Oracle(load_model(SEED))


@pytest.fixture(scope="module")
def tour(oracle):
    """The seed model's transition tour."""
    from dockproof.conformance.generate import transition_tour

    return transition_tour(oracle)


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true",
                     help="rewrite the golden files from the current output instead of "
                     "comparing against them")


def pytest_configure(config):
    config.addinivalue_line("markers", "goldens: compares output with committed goldens")


#: The fixtures that start a real engine: a test that uses one (directly or through another
#: fixture) is marked for that engine, and slow, so that
#: ``pytest -m "not docker and not podman"`` runs the whole offline suite.
ENGINE_FIXTURES = {
    "docker": {"docker_engine", "docker_adapter", "own_dockerd"},
    "podman": {"podman_engine", "podman_adapter"},
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        for marker, fixtures in ENGINE_FIXTURES.items():
            if used & fixtures:
                item.add_marker(getattr(pytest.mark, marker))
                item.add_marker(pytest.mark.slow)


# Hypothesis profiles: the default runs in CI; `HYPOTHESIS_PROFILE=fuzz pytest tests/test_fuzz*`
# runs the fuzzers much longer on demand.
import os  # noqa: E402

from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("ci", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", deadline=None, max_examples=5000,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
