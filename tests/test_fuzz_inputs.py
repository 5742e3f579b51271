"""Fuzz the modelling language's input surfaces: every case ends in a result or in one located
error line with exit 2, never a traceback or a hang.

The default profile runs in CI; ``HYPOTHESIS_PROFILE=fuzz`` runs 5,000 cases per test.
"""

from __future__ import annotations

import random
import re

from helpers import ROOT, SEED, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from dockproof.spec.loader import load_model
from dockproof.spec.parsing import ExprError, parse

MODEL = load_model(SEED)
SCOPE = MODEL.scope(allow_post=True)
TOKENS = ["status", "cpu", "usage", "post.cpu", "post.status", "action", "actor", "LIMIT",
          "'running'", "'pasued'", "'user'", "1", "0", "-3", "True", "and", "or", "not", "==",
          "!=", "<", "<=", "+", "-", "*", "/", "(", ")", "in", "('a', 'b')", "[1]", "implies(",
          "enabled('start')", "enabled(", "min(", ",", "if", "else", "lambda", "x", ".", "**",
          "__import__('os')", "post.", "pre.usage", "'", '"', "\\", "{", "}", "🙂"]


@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=12))
def test_token_soup_expressions(tokens):
    text = " ".join(tokens)
    try:
        parse(text, SCOPE)
    except ExprError as exc:
        assert exc.code.startswith("DP2") or exc.code.startswith("DP1")
        assert exc.message and "\n" not in exc.message


@given(st.text(max_size=60))
def test_arbitrary_text_expressions(text):
    try:
        parse(text, SCOPE)
    except ExprError:
        pass


@given(st.integers(1, 200))
def test_deeply_nested_expressions(depth):
    text = "(" * depth + "cpu" + ")" * depth + " and " + " and ".join(["cpu"] * depth)
    try:
        parse(text, SCOPE)
    except ExprError:
        pass


SEED_LINES = SEED.read_text().splitlines()
PROP_LINES = (ROOT / "properties/seed.toml").read_text().splitlines()


def _mutate(lines: list[str], rnd: random.Random) -> str:
    lines = list(lines)
    for _ in range(rnd.randint(1, 3)):
        i = rnd.randrange(len(lines))
        op = rnd.choice(["drop", "dup", "swap", "token", "truncate", "garbage"])
        if op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = rnd.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "token":
            words = lines[i].split(" ")
            words[rnd.randrange(len(words))] = rnd.choice(TOKENS + ["=", "[x]", '"', "true"])
            lines[i] = " ".join(words)
        elif op == "truncate":
            lines[i] = lines[i][: rnd.randrange(len(lines[i]) + 1)]
        else:
            lines[i] = "".join(rnd.choice("[]{}=\"'.,#\\ az09") for _ in range(rnd.randint(1, 20)))
    return "\n".join(lines) + "\n"


def _assert_clean(code: int, out: str, err: str) -> None:
    assert "Traceback" not in err + out
    assert code in (0, 1, 2), (code, err)
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and " error DP" in lines[0], err


@settings(max_examples=60)
@given(st.randoms(use_true_random=False))
def test_mutated_model_files(tmp_path_factory, rnd):
    path = tmp_path_factory.mktemp("m") / "model.toml"
    path.write_text(_mutate(SEED_LINES, rnd))
    empty = tmp_path_factory.mktemp("p") / "props.toml"
    empty.write_text('[meta]\nmodel = "seed"\n')
    _assert_clean(*run_cli("check", str(path), "--properties", str(empty), "--engine",
                           "explicit"))


@settings(max_examples=40)
@given(st.randoms(use_true_random=False))
def test_mutated_property_files(tmp_path_factory, rnd):
    path = tmp_path_factory.mktemp("p") / "props.toml"
    path.write_text(_mutate(PROP_LINES, rnd))
    _assert_clean(*run_cli("check", str(SEED), "--properties", str(path), "--engine",
                           "explicit"))


def test_binary_and_huge_files(tmp_path):
    (tmp_path / "bin.toml").write_bytes(b"\x00\xff\xfe" * 100)
    _assert_clean(*run_cli("check", str(tmp_path / "bin.toml")))
    (tmp_path / "big.toml").write_text("[model]\nname = 'x'\n" + "# pad\n" * 200_000)
    _assert_clean(*run_cli("check", str(tmp_path / "big.toml")))
    _assert_clean(*run_cli("check", str(tmp_path)))  # a folder, not a file


ARGS = ["check", "--engine", "smt", "explicit", "both", "bogus", "--json", "--max-states",
        "0", "5", "-1", "x", "--timeout", "0.5", "--max-k", "--bmc-depth", "1",
        "--properties", str(ROOT / "tests/data/empty.toml"),
        str(ROOT / "tests/data/mini-model.toml"),
        "--trace-dir", "--all-traces", "--nope", "-p", "diagram", "--help"]


@settings(max_examples=40)
@given(st.lists(st.sampled_from(ARGS), max_size=6))
def test_command_lines(argv):
    argv = ["check", str(ROOT / "tests/data/mini-model.toml"), "-p",
            str(ROOT / "tests/data/empty.toml")] + [a for a in argv if a not in ("--help",
                                                                                  "--trace-dir")]
    try:
        code, out, err = run_cli(*argv)
    except SystemExit as exc:  # argparse: usage error (2) or --help (0)
        assert exc.code in (0, 2)
        return
    _assert_clean(code, out, err)


REPL_WORDS = ["docker", "run", "create", "start", "stop", "kill", "pause", "unpause", "rm",
              "-f", "restart", "inspect", "ps", "-a", "events", "-d", "-m", "500m", "0", "-1m",
              "99999g", "--oom-kill-disable", "--restart=on-failure:3", "--restart=sometimes",
              "--restart", "always", "--name", "web", "busybox", "nosuchimage", "alloc", "200m",
              "write", "mem", "fs", "exit", "3", "abc", "child-exit", "tick", "daemon",
              "help", "web", "'", '"', "\\", "\x00", "🙂", "--", "-s", "HUP", "quit"]


@settings(max_examples=80)
@given(st.lists(st.lists(st.sampled_from(REPL_WORDS), max_size=8), max_size=12))
def test_repl_lines(lines):
    import argparse
    import io

    from dockproof.reference.repl import cmd_repl

    script = "\n".join(" ".join(words) for words in lines) + "\n"
    out, err = io.StringIO(), io.StringIO()
    args = argparse.Namespace(script=None, host_memory="2g", strict=False,
                              input=io.StringIO(script))
    assert cmd_repl(args, out, err) == 0
    assert "Traceback" not in out.getvalue() + err.getvalue()
    for line in err.getvalue().splitlines():
        # A refusal is Docker's own one line ("Error response from daemon: ..."), as the docker
        # CLI prints it, after the CLI's own notes ("Unable to find image 'x:latest' locally"
        # before a missing image's refusal, "WARNING: ..." for a create it accepts); anything
        # else the REPL says on stderr is its own located error.
        docker = line.startswith(("Error response from daemon: ", "WARNING: ")) or \
            re.fullmatch(r"Unable to find image '[^']+' locally", line) is not None
        located = line.startswith(("error", "  ")) or ": error" in line
        assert docker or located, line


def test_repl_missing_script(tmp_path):
    code, out, err = run_cli("repl", str(tmp_path / "nope.txt"))
    assert code == 2 and "cannot read the script" in err and "Traceback" not in err
