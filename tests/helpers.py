"""Shared test helpers: build models from edited TOML, run the CLI in-process."""

from __future__ import annotations

import copy
import io
import tomllib
from pathlib import Path

from dockproof.analysis.lint import lint
from dockproof.cli import main
from dockproof.session import Session
from dockproof.spec.loader import build_model
from dockproof.spec.source import Source

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "model" / "seed.toml"
SEED_PROPS = ROOT / "properties" / "seed.toml"
TEETH = ROOT / "properties" / "teeth.toml"


def edited_model(path: Path, set_: dict | None = None, delete: list[str] | None = None):
    """Load a model after editing its TOML: ``set_`` maps dotted paths to values."""
    text = path.read_text()
    data = copy.deepcopy(tomllib.loads(text))
    for dotted, value in (set_ or {}).items():
        *parents, last = dotted.split(".")
        node = data
        for p in parents:
            node = node[p]
        node[last] = value
    for dotted in delete or []:
        *parents, last = dotted.split(".")
        node = data
        for p in parents:
            node = node[p]
        del node[last]
    src = Source(str(path), text, data)
    return lint(Session(build_model(src), src)).model


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()
