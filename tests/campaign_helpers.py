"""What the campaign tests share: the Docker model's small selections, a campaign run as a
child process (as a user runs it) or in-process, and the ledger's rows."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from helpers import ROOT

from dockproof.cli import main

DOCKER = ROOT / "model" / "docker.toml"
DIVERGENCES = ROOT / "properties" / "divergences.toml"
# Two 17-command configurations (a retry count Docker refuses with --restart=always): twins.
SMALL = ["--config", "policy=always", "--config", "max_retries=1", "--config", "mem_limit=true",
         "--config", "oom_kill_disable=true"]
# One 1,000-command configuration without a restart policy.
NO_POLICY = ["--config", "policy=no", "--config", "max_retries=0", "--config", "term=dies",
             "--config", "mem_limit=false", "--config", "oom_kill_disable=false"]

FAKE_ADAPTERS = '''
import time
from dockproof.sut.contract import Capabilities
from dockproof.sut.reference import ReferenceAdapter

class Limited(ReferenceAdapter):
    """The reference, with an engine's limit of automatic restarts in a row."""
    capabilities = Capabilities(engine="reference", version="0", restarts_before_backoff=3)

class Slow(ReferenceAdapter):
    """The reference at 20 commands a second: a run long enough to interrupt."""
    def apply(self, command):
        time.sleep(0.05)
        return super().apply(command)
'''


def items(argv: list[str]) -> list[str]:
    """Return the PARAM=VALUE items of ``--config`` arguments."""
    return argv[1::2]


def campaign_argv(*args: str) -> list[str]:
    """Return the command line of ``dockproof campaign`` in this Python."""
    return [sys.executable, "-m", "dockproof", "campaign", *args]


def child_env() -> dict[str, str]:
    """Return the environment in which a child imports this checkout's dockproof."""
    path = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path)}


def campaign(*args: str, timeout=300) -> subprocess.CompletedProcess:
    """Run ``dockproof campaign`` as a child process, from the checkout."""
    return subprocess.run(campaign_argv(*args), capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env=child_env())


def rows(path: Path) -> list[dict]:
    """Return the ledger's rows as written."""
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def report(*args: str) -> tuple[int, str, str]:
    """Run ``dockproof campaign docker --report ARGS`` in-process."""
    out, err = io.StringIO(), io.StringIO()
    code = main(["campaign", "docker", "--report", *args], out, err)
    return code, out.getvalue(), err.getvalue()


def install_fake_adapters(tmp_path: Path, monkeypatch) -> Path:
    """Make `FAKE_ADAPTERS` importable as ``fakeadapters`` here and in child processes."""
    (tmp_path / "fakeadapters.py").write_text(FAKE_ADAPTERS)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(tmp_path)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    return tmp_path
