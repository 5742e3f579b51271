"""The events a model's step logs, for comparing two models: its event vocabulary (the data
`dockproof trace` checks logs with) rendered in one spelling for both engines.

A model's vocabulary is the file among ``dockproof/offline/events*.toml`` whose ``[meta] model``
names it, in the dialect named like the model (``docker``, ``podman``) or else its first one.
Podman's names for the same events are spelled as Docker's (`ALIASES`: ``died`` is ``die``,
``remove`` is ``destroy``), so that what differs is which events a step logs, not their
names; the attributes (exit-code class, signal) are left out.
"""

from __future__ import annotations

from pathlib import Path

from ..offline.vocab import DEFAULT, DIALECTS, Dialect, load_dialect
from ..spec.model import Model
from ..spec.source import read_toml

#: Podman's event names with the Docker name of the same event (engine-facts §8.4).
ALIASES = {"died": "die", "remove": "destroy"}


class Vocabulary:
    """One model's event words in one dialect."""

    def __init__(self, dialect: Dialect, path: Path) -> None:
        self.dialect = dialect
        self.path = path

    def render(self, steps: list[tuple[int, tuple]]) -> str:
        """Return the events of a run of steps ``(action index, state before)``, spelled
        as Docker's, with the optional (``?``) and repeated (``*``) marks."""
        out = []
        for a, s in steps:
            words = self.dialect.words[a]
            if words is None:
                out.append("(no such step)")
                continue
            word = next((w for w in words if w.when is None or w.when(s)), None)
            if word is None:
                continue
            out += [ALIASES.get(t.name, t.name) + t.quant for t in word.tokens]
        return " ".join(out)


def vocabulary_files() -> list[Path]:
    """Return the built-in vocabulary files."""
    return sorted(DEFAULT.parent.glob("events*.toml"))


def vocabulary_for(model: Model) -> Vocabulary | None:
    """Return the built-in vocabulary of ``model`` (None: it has none)."""
    for path in vocabulary_files():
        data = read_toml(path).data
        meta = data.get("meta", {})
        if not isinstance(meta, dict) or meta.get("model") != model.name:
            continue
        present = [d for d in DIALECTS if d in data]
        if not present:
            continue
        dialect = model.name if model.name in present else present[0]
        return Vocabulary(load_dialect(model, dialect, path), path)
    return None
