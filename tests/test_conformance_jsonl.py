"""The jsonl subprocess transport: the Node.js example conforms; broken children exit 3."""

from __future__ import annotations

import shutil
import sys
import textwrap

import pytest
from helpers import ROOT, run_cli

from dockproof.errors import UnavailableError
from dockproof.sut.contract import Command, Config
from dockproof.sut.jsonl import JsonlAdapter

NODE = shutil.which("node")
SUT = ROOT / "examples" / "adapters" / "node" / "sut.js"
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")


@needs_node
@pytest.mark.parametrize("strategy", ["tour", "random"])
def test_node_example_conforms_through_exec(strategy):
    code, out, err = run_cli("conform", "--adapter", f"exec:node {SUT}", "--strategy", strategy,
                             "--seed", "3", "--steps", "1500")
    assert code == 0, out + err
    assert out.rstrip().endswith("CONFORMED")
    if strategy == "tour":
        assert "transitions 1414/1414 (100%)" in out


@needs_node
def test_node_example_speaks_the_documented_protocol():
    a = JsonlAdapter(["node", str(SUT)])
    try:
        a.reset(3)
        assert a.apply(Command("run", Config(memory=2))).ok
        a.settle()
        obs = a.observe()
        assert obs.status == "running" and obs.resources == {"cpu", "mem", "net", "proc", "fs"}
        refused = a.apply(Command("unpause"))
        assert not refused.ok and "not paused" in refused.error
    finally:
        a.close()
    assert a.proc.returncode == 0


def _child(tmp_path, body: str) -> str:
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent("""\
        import json, sys, time
        for line in sys.stdin:
            req = json.loads(line)
    """) + textwrap.indent(textwrap.dedent(body), "    "))
    return f"exec:{sys.executable} {script}"


@pytest.mark.parametrize("body, text", [
    ("print('hello there', flush=True)\n", "reply to reset is not JSON: 'hello there'"),
    ("sys.stderr.write('boom\\n'); sys.exit(4)\n", "exited with status 4 before replying to "
     "reset (stderr: boom)"),
    ("time.sleep(30)\n", "did not reply to reset within 1s"),
    ("print(json.dumps({'ok': True} if req['op'] != 'observe' else {'status': 'hovering'}),"
     " flush=True)\n", "reply to observe is not a status among"),
])
def test_broken_children_are_one_clear_error_exit_3(tmp_path, monkeypatch, body, text):
    monkeypatch.setattr(JsonlAdapter.__init__, "__defaults__", (1.0, None))
    code, out, err = run_cli("conform", "--adapter", _child(tmp_path, body))
    assert code == 3, out + err
    assert text in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_missing_program_is_unavailable():
    with pytest.raises(UnavailableError, match="cannot start it"):
        JsonlAdapter(["/nonexistent/sut"])
