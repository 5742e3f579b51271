"""The README shows real, current things: its lifecycle diagram is the generated one, its
quick start is two commands that CI runs, its check output is what `dockproof check` prints
now, it names the system packages CI installs, and it stays short (the depth is in docs/)."""

from __future__ import annotations

import re

import pytest
from helpers import ROOT, run_cli

README = (ROOT / "README.md").read_text()
CI = (ROOT / ".ci" / "run").read_text()
TIME = re.compile(r"\d+\.\d+s\b")


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
    assert commands[1] in CI.splitlines(), ".ci/run must run exactly the README's test command"


def test_readme_check_output_is_what_check_prints_now(monkeypatch):
    """The block after "Real output:" is `dockproof check`'s output, timings aside."""
    shown = re.search(r"Real output:\n\n```\n(.*?)```", README, re.S)
    assert shown, "the README has no 'Real output:' block"
    monkeypatch.chdir(ROOT)
    code, out, _ = run_cli("check")
    assert code == 0
    assert TIME.sub("T", shown.group(1)) == TIME.sub("T", out), \
        "README's check output is stale: paste `dockproof check`'s output again"


def test_readme_names_every_system_package_ci_installs_and_says_root():
    ci = re.search(r"apt-get install -y -q --no-install-recommends \\\n(.*?)>/dev/null", CI, re.S)
    packages = set(ci.group(1).split()) - {"\\", "ca-certificates"}
    section = README[README.index("## What the tests need"):README.index("## The lifecycle")]
    assert packages <= set(section.replace("\\", " ").split()), \
        f"README misses packages .ci/run installs: {sorted(packages - set(section.split()))}"
    assert "root" in section


@pytest.mark.parametrize("command", ["check", "diagram", "conform", "trace", "refine", "host",
                                     "export", "repl", "campaign"])
def test_readme_shows_each_command_once_by_example(command):
    assert re.search(rf"^\*\*{command}\*\*: ", README, re.M), f"no example of {command}"
    assert re.search(rf"dockproof {command}\b", README), f"no command line of {command}"


def test_readme_is_short():
    assert len(README.splitlines()) <= 350, "the README is a front page: move depth to docs/"
