"""Export to Promela (SPIN), PRISM (Storm) and .aut: the tools accept the files and count the
same states as dockproof. The tool runs are skipped where SPIN, gcc or stormpy are missing."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import ROOT, SEED, run_cli

from dockproof.engines.statespace import explore
from dockproof.scale.exporting import export_text, load_any

HOST = ROOT / "model" / "host.toml"
HAVE_SPIN = shutil.which("spin") and shutil.which("gcc")


def states(path: Path, n: int = 1) -> int:
    model, _ = load_any(path, n, with_props=False)
    return len(explore(model).states)


def test_aut_header_and_edges_match_the_explored_graph():
    text = export_text(SEED, "aut")
    head, *edges = text.splitlines()
    space = explore(load_any(SEED, 1, False)[0])
    n_init = len(space.initial)
    assert head == f"des (0,{len(space.edges) + n_init},{len(space.states) + 1})"
    assert len(edges) == len(space.edges) + n_init
    assert all(re.fullmatch(r'\(\d+,"[a-z0-9_]+",\d+\)', e) for e in edges)


def test_export_cli_writes_a_file(tmp_path):
    out = tmp_path / "host2.pml"
    code, _, err = run_cli("export", "host", "--containers", "2", "--to", "promela",
                           "--out", str(out))
    assert code == 0, err
    text = out.read_text()
    assert "c2_alloc" in text and "assert(" in text and "host_used" in text
    code, _, err = run_cli("export", "nosuchmodel", "--to", "prism")
    assert code == 2 and "DP001" in err


def _spin(tmp_path: Path, text: str) -> str:
    (tmp_path / "m.pml").write_text(text)
    # -o2: keep write-only variables (SPIN hides them by default, which would be a different,
    # smaller model than dockproof's)
    subprocess.run(["spin", "-o2", "-a", "m.pml"], cwd=tmp_path, check=True,
                   capture_output=True)
    subprocess.run(["gcc", "-O1", "-DSAFETY", "-o", "pan", "pan.c"], cwd=tmp_path, check=True,
                   capture_output=True)
    return subprocess.run(["./pan", "-m1000000"], cwd=tmp_path, capture_output=True,
                          text=True).stdout


@pytest.mark.skipif(not HAVE_SPIN, reason="needs spin and gcc (apt-get install spin)")
@pytest.mark.parametrize("path,n", [(SEED, 1), (HOST, 1), (HOST, 2)])
def test_spin_accepts_the_export_and_counts_the_same_states(tmp_path, path, n):
    out = _spin(tmp_path, export_text(path, "promela", n))
    assert "errors: 0" in out, out
    stored = int(re.search(r"(\d+) states, stored", out).group(1))
    assert stored == states(path, n) + 1  # + the state before the parameters are chosen


@pytest.mark.skipif(not HAVE_SPIN, reason="needs spin and gcc (apt-get install spin)")
def test_spin_finds_a_broken_invariant(tmp_path):
    text = export_text(HOST, "promela", 2)
    broken = text.replace("assert((host_used == (c1_usage + c2_usage)));",
                          "assert((host_used < 2));")
    assert broken != text
    out = _spin(tmp_path, broken)
    assert "assertion violated" in out


def _storm(path: Path, text: str):
    stormpy = pytest.importorskip("stormpy")
    path.write_text(text)
    prog = stormpy.parse_prism_program(str(path))
    props = stormpy.parse_properties('Pmax=? [F "bad"]', prog)
    model = stormpy.build_symbolic_model(prog, props)
    res = stormpy.model_checking(model, props[0], only_initial_states=True)
    return model.nr_states, str(res)


@pytest.mark.parametrize("path,n", [(SEED, 1), (HOST, 1), (HOST, 2)])
def test_storm_accepts_the_export_and_counts_the_same_states(tmp_path, path, n):
    count, res = _storm(tmp_path / "m.prism", export_text(path, "prism", n))
    assert count == states(path, n)
    assert res.startswith("[0, 0]"), res  # Pmax of reaching "bad" is 0: the properties hold


def test_storm_finds_a_broken_property(tmp_path):
    text = export_text(HOST, "prism", 1)
    broken = text.replace('label "bad" = ', 'label "bad" = (host_used = 2) | ')
    _, res = _storm(tmp_path / "m.prism", broken)
    assert "1" in res.split("]")[0], res
