"""Bad input gets one located line and exit 2: golden messages for broken models and catalogues.

Regenerate the goldens with ``pytest tests/test_errors.py --update-goldens`` (never by hand).
"""

from __future__ import annotations

import json

import pytest
from helpers import ROOT, run_cli

BROKEN = ROOT / "tests" / "data" / "broken"
GOLDEN = BROKEN / "golden.json"
CASES = sorted(p.name for p in BROKEN.glob("*.toml"))


def _run(name: str) -> tuple[int, str, str]:
    rel = str((BROKEN / name).relative_to(ROOT))
    if name.startswith("props-"):
        return run_cli("check", str(ROOT / "model" / "seed.toml"), "--properties", rel)
    return run_cli("check", rel, "--properties", str(BROKEN.parent / "empty.toml"))


@pytest.fixture(scope="module")
def goldens(request):
    update = request.config.getoption("--update-goldens")
    data = {} if update or not GOLDEN.exists() else json.loads(GOLDEN.read_text())
    yield data
    if update:
        GOLDEN.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


@pytest.mark.parametrize("name", CASES)
def test_broken_input_gets_one_located_line(name, goldens, request, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out, err = _run(name)
    assert code == 2, f"{name}: exit {code}, stderr {err!r}"
    assert out == "", "nothing may be printed on stdout for bad input"
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"{name}: expected one line, got {lines}"
    assert "Traceback" not in err
    assert lines[0].startswith(f"tests/data/broken/{name}"), lines[0]
    assert " error DP" in lines[0]
    if request.config.getoption("--update-goldens"):
        goldens[name] = lines[0]
    else:
        assert name in goldens, f"no golden for {name}: run with --update-goldens"
        assert lines[0] == goldens[name]


def test_every_golden_has_a_case():
    if GOLDEN.exists():
        assert sorted(json.loads(GOLDEN.read_text())) == CASES


def test_missing_model_file(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("check", "nope.toml")
    assert code == 2 and err.strip() == "nope.toml: error DP001: no such file"


def test_bad_command_line_is_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        run_cli("check", "--engine", "magic")
    assert exc.value.code == 2
    assert "--engine" in capsys.readouterr().err


def test_the_unbroken_baseline_loads(monkeypatch):
    """Each broken model is tests/data/mini-model.toml with one edit; the original is fine."""
    monkeypatch.chdir(ROOT)
    code, out, err = run_cli("check", "tests/data/mini-model.toml", "--properties",
                             "tests/data/empty.toml")
    assert code == 0, err
    assert "0 properties" in out


def test_a_pipe_that_breaks_inside_is_an_error_not_a_silent_success(monkeypatch):
    """BrokenPipeError from our own stdout (`| head`) ends quietly with 0; one from any other
    pipe (a container's FIFO) is exit 3 with one line, never a silent 0."""
    import io

    from dockproof import cli

    def broken(args, out, err):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(cli, "cmd_check", broken)
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["check"], out, err) == 3
    assert err.getvalue() == "error: internal error: a pipe closed under dockproof: [Errno 32] " \
                             "Broken pipe\n"

    class ClosedStdout(io.StringIO):
        def flush(self):
            raise BrokenPipeError(32, "Broken pipe")

    err = io.StringIO()
    assert cli.main(["check"], ClosedStdout(), err) == 0 and err.getvalue() == ""


def test_workload_send_to_a_fifo_whose_reader_just_left(tmp_path, monkeypatch):
    """init closing its FIFO between our open and our write (it is ending) is "not
    delivered", not an exception that would end the run."""
    import os

    from dockproof.sut.real import workload

    (tmp_path / "dp").mkdir()
    fifo = tmp_path / "dp" / "ctl"
    os.mkfifo(fifo)
    monkeypatch.setattr(workload, "_root", lambda pid: tmp_path)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    real_open = os.open

    def open_then_reader_leaves(path, flags, *rest):
        fd = real_open(path, flags, *rest)
        os.close(reader)
        return fd

    monkeypatch.setattr(workload.os, "open", open_then_reader_leaves)
    assert workload.try_send(os.getpid(), "1 alloc dp1") is False
    monkeypatch.setattr(workload.os, "open", real_open)
    assert workload.try_send(os.getpid(), "2 alloc dp2") is False  # no reader: ENXIO
