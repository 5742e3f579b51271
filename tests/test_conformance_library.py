"""Conformance as a library: a plan built and executed from Python gives the CLI's verdicts."""

from __future__ import annotations

import io
import json
from collections import Counter
from dataclasses import FrozenInstanceError, replace

import pytest

from dockproof.cli import main
from dockproof.conformance.execute import execute
from dockproof.conformance.plan import plan_run
from dockproof.errors import InputError
from dockproof.sut.registry import resolve
from dockproof.verdict import StepVerdict


def _cli(*argv: str) -> dict:
    out = io.StringIO()
    main(["conform", *argv, "--json", "-v"], out=out, err=io.StringIO())
    return json.loads(out.getvalue())


@pytest.mark.parametrize("adapter,options,argv", [
    ("reference", {}, ()),
    ("reference", {"strategy": "random", "seed": 7, "steps": 300},
     ("--strategy", "random", "--seed", "7", "--steps", "300")),
    ("mutant:stop_loses_fs", {}, ()),
])
def test_a_plan_executed_from_python_gives_the_cli_verdicts(adapter, options, argv):
    factory = resolve(adapter)
    plan = plan_run("seed", adapter, unsupported=factory.unsupported, **options)
    run = execute(plan, factory)
    doc = _cli("seed", "--adapter", adapter, *argv)
    assert Counter(v.verdict for v in run.verdicts) == Counter(
        StepVerdict(v["verdict"]) for v in doc["verdicts"])
    assert (run.passed, run.exit_code) == (doc["passed"], doc["exit_status"])
    assert (run.divergence is None) == (doc["divergence"] is None)


def test_a_plan_is_frozen_and_reusable():
    factory = resolve("reference")
    plan = plan_run("seed", strategy="random", seed=3, steps=100)
    with pytest.raises(FrozenInstanceError):
        plan.seed = 4  # type: ignore[misc]
    first = execute(plan, factory)
    again = execute(replace(plan, seed=3), resolve("reference"))
    assert [v.command for v in first.verdicts] == [v.command for v in again.verdicts]
    assert all(isinstance(v.verdict, StepVerdict) for v in first.verdicts)


def test_a_plan_with_bad_options_is_refused_before_any_adapter_is_made():
    with pytest.raises(InputError, match="--top-up -1"):
        plan_run("seed", top_up=-1)
    with pytest.raises(InputError, match="hypothesis runs one worker"):
        plan_run("seed", strategy="hypothesis", jobs=2)
