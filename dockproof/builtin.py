"""Locate the built-in models and property catalogues (a checkout, or the installed copy)."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def root() -> Path:
    """Return the folder that holds ``model/`` and ``properties/``: the checkout this package
    runs from, or the copy an installation put under ``<prefix>/share/dockproof``."""
    import sys

    for folder in (_HERE.parent, Path(sys.prefix) / "share" / "dockproof"):
        if (folder / "model").is_dir() and (folder / "properties").is_dir():
            return folder
    return _HERE.parent


def default_model() -> Path:
    return root() / "model" / "seed.toml"


def resolve_model(arg: str | None) -> Path:
    """Map the MODEL argument to a file: a path, or a built-in model's name (``docker``)."""
    if arg is None:
        return default_model()
    p = Path(arg)
    if p.suffix != ".toml" and not p.exists():
        named = root() / "model" / f"{arg}.toml"
        if named.exists():
            return named
    return p


def catalogues_for(model_path: Path, model_name: str) -> list[Path]:
    """Find the property files beside a model (``../properties/*.toml``) that name it."""
    return _beside(model_path, "model", model_name)


def refinements_for(model_path: Path, model_name: str) -> list[Path]:
    """Find the refinement mappings beside a model whose ``[meta] concrete`` names it."""
    return _beside(model_path, "concrete", model_name)


def _beside(model_path: Path, key: str, model_name: str) -> list[Path]:
    """Return the files of the properties/ folder beside a model whose ``[meta] key`` is
    the model's name (the installed copy's folder when the model has none beside it)."""
    from .spec.source import read_toml

    folder = model_path.resolve().parent.parent / "properties"
    if not folder.is_dir():
        folder = root() / "properties"
    out = []
    for f in sorted(folder.glob("*.toml")):
        meta = read_toml(f).data.get("meta", {})
        if isinstance(meta, dict) and meta.get(key) == model_name:
            out.append(f)
    return out
