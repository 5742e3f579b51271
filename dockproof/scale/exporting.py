"""Load any model (a plain model or a host with N containers) and render it for a tool."""

from __future__ import annotations

from pathlib import Path

from .. import builtin
from ..analysis.lint import load_checked
from ..session import Session
from ..spec.model import Model
from ..spec.properties import load_properties
from ..spec.source import read_toml


def is_host(path: Path) -> bool:
    """Tell whether a model file is a host file (it has a [host] table)."""
    return isinstance(read_toml(path).data.get("host"), dict)


def load_any(path: Path, n: int, with_props: bool = True) -> tuple[Model, list]:
    """Return the model (a host instantiated for ``n``) and its provable properties."""
    session, props = _load(path, n, with_props)
    return session.model, props


def _load(path: Path, n: int, with_props: bool) -> tuple[Session, list]:
    """Return a session on the model (a host instantiated for ``n``) and its provable
    properties."""
    if is_host(path):
        from .hostprops import load_host_properties
        from .instantiate import instantiate, load_host

        session = Session(instantiate(load_host(path), n))
        model = session.model
        cats = builtin.catalogues_for(path, model.name) if with_props else []
        props = [hp.prop for c in cats for hp in load_host_properties(c, model, n)]
    else:
        session = load_checked(path)
        model = session.model
        cats = builtin.catalogues_for(path, model.name) if with_props else []
        props = [p for c in cats for p in load_properties(c, model).properties]
    return session, [p for p in props if p.expect == "proved"]


def export_text(path: Path, fmt: str, n: int = 1, with_props: bool = True,
                max_states: int | None = None) -> str:
    """Return the model at ``path`` in ``fmt`` (promela, prism, aut)."""
    from .instantiate import check_n

    check_n(n)
    session, props = _load(path, n, with_props)
    model = session.model
    if fmt == "promela":
        from .export.promela import to_promela
        return to_promela(model, props)
    if fmt == "prism":
        from .export.prism import to_prism
        return to_prism(model, props)
    from .export.aut import to_aut
    return to_aut(session.space(max_states))
