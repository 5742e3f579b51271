"""The README shows real, current things: its lifecycle diagram is the generated one, its
quick start is two commands, and its check output names every property of the catalogues."""

from __future__ import annotations

import re

from dockproof.spec.loader import load_model
from dockproof.spec.properties import load_properties

from helpers import ROOT, SEED, SEED_PROPS, TEETH

README = (ROOT / "README.md").read_text()


def test_readme_embeds_the_generated_lifecycle_diagram():
    mmd = (ROOT / "diagrams" / "seed-lifecycle.mmd").read_text()
    body = re.search(r"```mermaid\n(.*?)```", README, re.S)
    assert body, "the README has no mermaid block"
    assert body.group(1).strip() == mmd.strip().removeprefix("```mermaid").removesuffix(
        "```").strip(), "README's diagram is stale: paste diagrams/README-snippet.md again"


def test_quick_start_is_two_commands_and_ci_runs_the_test_command():
    block = re.search(r"## Quick start\n\n```sh\n(.*?)```", README, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert len(commands) == 2 and "dockproof check" in commands[0]
    ci = (ROOT / ".ci" / "run").read_text()
    assert commands[1] in ci.splitlines(), ".ci/run must run exactly the README's test command"


def test_readme_check_output_lists_every_property():
    model = load_model(SEED)
    ids = [p.id for f in (SEED_PROPS, TEETH) for p in load_properties(f, model).properties]
    out = README[README.index("Real output:"):README.index("## The model")]
    missing = [i for i in ids if i not in out]
    assert not missing, f"README output is stale (regenerate it): missing {missing}"
