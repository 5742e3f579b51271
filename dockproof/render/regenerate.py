"""Regenerate ``diagrams/`` from every built-in model: ``python -m dockproof.render.regenerate``.

For each ``model/*.toml``: the lifecycle view as svg, png, dot and mmd, and the full view of
each configuration as svg (with its dot source beside it). Graphviz output depends on the
graphviz version, so ``MANIFEST.json`` records, per image, the sha256 of the DOT it was drawn
from and the graphviz version; ``tests/test_diagrams_fresh.py`` compares text byte for byte
and images through the manifest (and byte for byte when the graphviz version matches).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sys
from pathlib import Path

from .. import builtin
from ..analysis.lint import load_checked
from ..spec.types import show
from . import image, states, views
from .build import write
from .dot import to_dot
from .ir import Diagram

LIFECYCLE_FORMATS = (("svg", "svg"), ("png", "png"), ("dot", "dot"), ("mermaid", "mmd"))


def config_name(model, cfg: tuple) -> str:
    """Name a configuration for a file: ``mem_limit-oom_kill_disable-no_restart``."""
    parts = []
    for p, v in zip(model.params, cfg):
        if isinstance(v, bool):
            parts.append(p.name if v else f"no_{p.name}")
        else:
            parts.append(f"{p.name}_{show(p.type, v)}")
    return "-".join(parts) or "all"


MAX_CONFIGS = 8  # beyond this, full views for a subset of the configurations (see planned)


def builtin_models(root: Path | None = None) -> list[Path]:
    """Return the built-in model files: ``model/*.toml`` with a ``[model]`` table.

    Host templates (``[host]``, read by dockproof.scale) are not models of one container.
    """
    import tomllib
    root = root or builtin.root()
    out = []
    for path in sorted((root / "model").glob("*.toml")):
        if "model" in tomllib.loads(path.read_text(encoding="utf-8")):
            out.append(path)
    return out


def planned(root: Path | None = None) -> dict[str, tuple[Diagram, str]]:
    """Return {file name: (diagram, format)} for every diagram of every built-in model."""
    out: dict[str, tuple[Diagram, str]] = {}
    for path in builtin_models(root):
        session = load_checked(path)
        model, space = session.model, session.space()
        life = views.lifecycle(model, space)
        for fmt, suffix in LIFECYCLE_FORMATS:
            out[f"{model.name}-lifecycle.{suffix}"] = (life, fmt)
        configs = list(itertools.product(*(p.type.values() for p in model.params)))
        if len(configs) > MAX_CONFIGS:
            # One picture per configuration stops being a guide beyond a handful (the Docker
            # model has 96): draw one per value of the first parameter (the restart policy),
            # the others at their first value; readers ask for theirs with --config.
            firsts = tuple(p.type.values()[0] for p in model.params[1:])
            configs = [c for c in configs if c[1:] == firsts]
        for cfg in configs:
            chosen = {p.slot: v for p, v in zip(model.params, cfg)}
            if not any(all(s[k] == v for k, v in chosen.items()) for s in space.states):
                continue
            d = states.full(model, space, chosen)
            stem = f"{model.name}-full-{config_name(model, cfg)}"
            out[f"{stem}.svg"] = (d, "svg")
            out[f"{stem}.dot"] = (d, "dot")
    return out


def snippet(root: Path | None = None) -> str:
    """Return README-snippet.md: a section for the main README embedding the seed lifecycle."""
    from .mermaid import to_mermaid
    root = root or builtin.root()
    session = load_checked(root / "model" / "seed.toml")
    mmd = to_mermaid(views.lifecycle(session.model, session.space())).rstrip()
    return f"""## The lifecycle at a glance

`dockproof diagram` draws the seed model's lifecycle from its reachable state graph (every box
and arrow comes from the explored graph, nothing is drawn by hand). Each arrow is labelled with
the actions between two statuses and the actor that takes them; each box lists the resources
its states hold (`~` where only some do). The full picture, with the legend, is
[diagrams/seed-lifecycle.svg](diagrams/seed-lifecycle.svg); every diagram is regenerated with
`python -m dockproof.render.regenerate` (see [diagrams/README.md](diagrams/README.md)).

```mermaid
{mmd}
```

![seed lifecycle](diagrams/seed-lifecycle.svg)
"""


def dot_hash(d: Diagram) -> str:
    return hashlib.sha256(to_dot(d).encode()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    """Write every planned diagram and MANIFEST.json into ``diagrams/``; drop stale ones."""
    folder = builtin.root() / "diagrams"
    folder.mkdir(exist_ok=True)
    plan = planned()
    manifest: dict[str, dict] = {}
    version = image.version()
    for name, (d, fmt) in sorted(plan.items()):
        data = write(d, fmt)
        (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode())
        if isinstance(data, bytes):
            manifest[name] = {"dot_sha256": dot_hash(d), "graphviz": version,
                              "sha256": hashlib.sha256(data).hexdigest()}
        print(f"wrote diagrams/{name}", file=sys.stderr)
    keep = set(plan) | {"MANIFEST.json", "README.md", "README-snippet.md"}
    for old in sorted(folder.iterdir()):
        if old.name not in keep:
            old.unlink()
            print(f"removed stale diagrams/{old.name}", file=sys.stderr)
    (folder / "README-snippet.md").write_text(snippet(), encoding="utf-8")
    (folder / "MANIFEST.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
