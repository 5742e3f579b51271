"""Tests for the reference adapter (the interpreter behind the adapter contract), and for the
reference interpreter's independence from the rest of dockproof."""

from __future__ import annotations

import ast
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from reference_helpers import HELD, RUN

from dockproof.sut.contract import Adapter, Command, Config
from dockproof.sut.reference import ReferenceAdapter

ROOT = Path(__file__).resolve().parents[1] / "dockproof"


# -- independence from the model -------------------------------------------------------------

def _imported(path: Path) -> list[str]:
    """Return the modules a file imports, relative ones with their dots."""
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append(("." * node.level) + (node.module or ""))
    return names


def test_reference_imports_nothing_of_dockproof_outside_itself():
    for path in sorted((ROOT / "reference").glob("*.py")):
        text = path.read_text()
        assert "model/" not in text and ".toml" not in text, path
        for name in _imported(path):
            assert not name.startswith("dockproof") or name.startswith("dockproof.reference"), \
                (path, name)
            assert not name.startswith(".."), (path, name)


def test_the_reference_adapter_and_mutants_import_nothing_from_the_model():
    for path in (ROOT / "sut" / "reference.py", ROOT / "sut" / "mutants.py"):
        assert "model/" not in path.read_text(), path
        for name in _imported(path):
            assert not name.startswith(("dockproof.spec", "dockproof.engines",
                                        "dockproof.conformance")), (path, name)


# -- the adapter -----------------------------------------------------------------------------

def test_adapter_satisfies_the_protocol():
    assert isinstance(ReferenceAdapter(), Adapter)


def test_adapter_observes_resources_per_status():
    a = ReferenceAdapter()
    a.reset(10)
    assert a.observe().status == "none" and a.observe().resources == frozenset()
    assert a.apply(Command("create", Config(memory=2, restart="always"))).ok
    assert a.observe().resources == {"fs"}
    a.apply(Command("start"))
    a.apply(Command("write_fs"))
    a.apply(Command("alloc"))
    obs = a.observe()
    assert obs.status == "running" and obs.resources == RUN
    assert obs.flags["usage"] == 1 and obs.flags["fs_data"] and obs.flags["exit_code"] == 0
    a.apply(Command("exit", code=2))
    assert a.observe().status == "restarting" and a.observe().resources == {"fs"}
    a.settle()
    assert a.observe().status == "running" and a.observe().flags["restart_count"] == 1
    out = a.apply(Command("rm"))
    assert not out.ok and out.error.startswith("You cannot remove a running container")
    assert a.apply(Command("rm_force")).ok and a.observe().status == "none"


def test_adapter_refuses_a_second_container():
    a = ReferenceAdapter()
    a.reset(10)
    a.apply(Command("run", Config()))
    assert not a.apply(Command("create", Config())).ok


VERBS = ["create", "run", "start", "stop", "kill", "pause", "unpause", "restart", "rm",
         "rm_force", "daemon_restart", "alloc", "write_mem", "write_fs", "exit", "child_exit",
         "settle"]


@settings(max_examples=150, deadline=None)
@given(config=st.builds(Config, memory=st.sampled_from([None, 1, 3]),
                        oom_kill_disable=st.booleans(),
                        restart=st.sampled_from(["no", "on-failure", "on-failure:1", "always",
                                                 "unless-stopped"])),
       steps=st.lists(st.tuples(st.sampled_from(VERBS), st.integers(0, 3)), max_size=25))
def test_adapter_random_walk_invariants(config, steps):
    """Check on random walks: refusals change nothing; held resources follow the status (S15)."""
    a = ReferenceAdapter()
    a.reset(4)
    for verb, code in steps:
        before, n = a.observe(), len(a.daemon.events)
        if verb == "settle":
            a.settle()
        else:
            cfg = config if verb in ("create", "run") else None
            out = a.apply(Command(verb, cfg, code if verb in ("exit", "child_exit", "alloc")
                                  and code else None))
            if not out.ok:
                assert a.observe() == before and len(a.daemon.events) == n, (verb, out)
        obs = a.observe()
        assert obs.resources == HELD[obs.status], obs
        assert not obs.flags.get("hung") or obs.status == "running"
