"""The house's structure, checked: the import contracts hold (lint-imports), ruff is clean, no
module is over 400 lines, nothing dispatches on a module's name, nothing points outside the
repository, and the offline suite is what ``-m "not docker and not podman"`` selects."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from helpers import ROOT

SOURCES = [p for d in ("dockproof", "tests", "benchmarks", "scripts")
           for p in sorted((ROOT / d).rglob("*.py")) if "tests/data" not in p.as_posix()]


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]'", pytrace=False)
    return found


def test_import_contracts_hold():
    done = subprocess.run([_tool("lint-imports")], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout and "broken" not in done.stdout.replace("0 broken", "")


def test_a_broken_layer_is_caught(tmp_path):
    """Teeth: a module of the IR that imports the CLI breaks the layers contract."""
    pkg = tmp_path / "dockproof"
    shutil.copytree(ROOT / "dockproof", pkg, ignore=shutil.ignore_patterns("__pycache__"))
    (pkg / "spec" / "upward.py").write_text("import dockproof.cli\n")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    code = "from importlinter.cli import lint_imports_command; lint_imports_command()"
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, env=env)
    assert done.returncode != 0 and "dockproof.spec.upward -> dockproof.cli" in done.stdout


def test_ruff_is_clean():
    done = subprocess.run([_tool("ruff"), "check", "--no-cache", "."], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_module_is_at_most_400_lines(path):
    assert len(path.read_text().splitlines()) <= 400, "split it by meaning"


def test_nothing_dispatches_on_a_module_name():
    hits = [p.relative_to(ROOT).as_posix() for p in SOURCES
            if p.parent.name != "tests" and "__module__" in p.read_text()]
    assert hits == []


def test_nothing_points_outside_the_repository():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True,
                             text=True).stdout.split()
    if not tracked:
        pytest.skip("not a git checkout")
    sibling = "shared"  # the folder beside a checkout that a clone does not have
    outside = re.compile(rf"\.\./{sibling}|(?<![\w/.]){sibling}/(?:docs|seed)/")
    hits = []
    for name in tracked:
        path = ROOT / name
        if name == "tests/test_layers.py" or not path.is_file() or \
                path.suffix not in {".py", ".md", ".toml", ".txt", ".sh", ".json", ".jsonl", ""}:
            continue
        text = path.read_text(errors="replace")
        hits += [f"{name}:{n}" for n, line in enumerate(text.splitlines(), 1)
                 if outside.search(line)]
    assert hits == []


def test_engine_tests_are_marked():
    """``-m "not docker and not podman"`` leaves out exactly the tests that start an engine."""
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                           "-p", "no:cacheprovider", "-m", "docker or podman", "tests"],
                          cwd=ROOT, capture_output=True, text=True)
    engine = {line.split("::")[0] for line in done.stdout.splitlines() if "::" in line}
    assert engine >= {"tests/test_realengine_docker.py", "tests/test_realengine_podman.py",
                      "tests/test_realengine_conformance.py", "tests/test_realengine_hangs.py"}
    assert not any("test_reference" in f or "test_conformance" in f for f in engine)
