"""Every committed file in diagrams/ is what `python -m dockproof.render.regenerate` writes.

Text (DOT, Mermaid) is compared byte for byte. Images depend on the graphviz version, so
diagrams/MANIFEST.json records per image the sha256 of the DOT it was drawn from, the graphviz
version and the image's own sha256: the DOT hash must match the DOT regenerated now, the image
must be the one recorded, and when the local graphviz is that version (graphviz 2.43 output is
byte-stable here: two runs give identical svg, png and pdf) the image is re-rendered and
compared byte for byte too (the lifecycle pictures only: the full views take dot a minute).
"""

from __future__ import annotations

import hashlib
import json

import pytest

from dockproof import builtin
from dockproof.render import image
from dockproof.render.build import write
from dockproof.render.regenerate import dot_hash, planned, snippet

FOLDER = builtin.root() / "diagrams"
HINT = "stale diagrams: run python -m dockproof.render.regenerate and commit diagrams/"
PLAN = planned()
MANIFEST = json.loads((FOLDER / "MANIFEST.json").read_text()) \
    if (FOLDER / "MANIFEST.json").exists() else {}


def test_the_folder_holds_exactly_the_planned_files():
    extra = {"MANIFEST.json", "README.md", "README-snippet.md"}
    have = {p.name for p in FOLDER.iterdir()} - extra
    assert have == set(PLAN), HINT
    assert set(MANIFEST) == {n for n, (_, fmt) in PLAN.items() if fmt in image.IMAGE_FORMATS}


@pytest.mark.parametrize("name", sorted(n for n, (_, f) in PLAN.items()
                                        if f not in image.IMAGE_FORMATS))
def test_text_diagram_is_current(name):
    d, fmt = PLAN[name]
    assert (FOLDER / name).read_text(encoding="utf-8") == write(d, fmt), f"{name}: {HINT}"


@pytest.mark.parametrize("name", sorted(n for n, (_, f) in PLAN.items()
                                        if f in image.IMAGE_FORMATS))
def test_image_is_current(name):
    d, fmt = PLAN[name]
    rec = MANIFEST[name]
    data = (FOLDER / name).read_bytes()
    assert rec["dot_sha256"] == dot_hash(d), f"{name} was drawn from an older DOT: {HINT}"
    assert rec["sha256"] == hashlib.sha256(data).hexdigest(), f"{name} changed by hand: {HINT}"
    # Re-render only the small lifecycle pictures: the full views take dot a minute (the
    # DOT hash above already ties them to the current model).
    if image.version() == rec["graphviz"] and d.view == "lifecycle":
        assert write(d, fmt) == data, f"{name}: {HINT}"


def test_readme_snippet_embeds_the_current_lifecycle():
    assert (FOLDER / "README-snippet.md").read_text(encoding="utf-8") == snippet(), HINT
