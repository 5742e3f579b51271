"""One model loaded once: its IR, compiled tables, explored state space and catalogues.

Loading parses and type-checks the model and runs no engine; the state space is explored on
first use and kept, so every command that needs it (the lint, the explicit engine, a diagram,
a refinement of this model) shares one exploration.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from .engines.compiled import Compiled, compile_model
from .engines.statespace import StateBudgetExceeded, StateSpace, explore
from .spec.loader import build_model, load_model
from .spec.model import Model
from .spec.properties import Catalogue, load_properties
from .spec.source import Source, read_toml


class Session:
    """A model with what is derived from it, each computed once and on demand."""

    def __init__(self, model: Model, source: Source | None = None) -> None:
        self.model = model
        self.source = source
        self._space: StateSpace | None = None
        self._exceeded: int | None = None  # the largest budget known to be too small
        self._catalogues: dict[Path, Catalogue] = {}

    @classmethod
    def load(cls, path: str | Path) -> Session:
        """Read, parse and type-check the model file (no engine runs)."""
        src = read_toml(path)
        return cls(build_model(src), src)

    @cached_property
    def compiled(self) -> Compiled:
        """Return the model's actions compiled into successor functions."""
        return compile_model(self.model)

    def space(self, max_states: int | None = None) -> StateSpace:
        """Return the reachable state space, explored once; raise StateBudgetExceeded exactly
        as `explore` would with this budget."""
        if self._space is not None:
            sp = self._space
            if max_states is not None and len(sp.states) > max(max_states, len(sp.initial)):
                raise StateBudgetExceeded(max_states)
            return sp
        if max_states is not None and self._exceeded is not None and \
                max_states <= self._exceeded:
            raise StateBudgetExceeded(max_states)
        try:
            self._space = explore(self.model, max_states, self.compiled)
        except StateBudgetExceeded:
            self._exceeded = max(max_states, self._exceeded or 0)
            raise
        return self._space

    def catalogue(self, path: str | Path) -> Catalogue:
        """Return the property catalogue at ``path``, parsed against this model once."""
        key = Path(path)
        if key not in self._catalogues:
            self._catalogues[key] = load_properties(key, self.model)
        return self._catalogues[key]

    def model_for(self, path: str | Path) -> Model:
        """Return this session's model if ``path`` is its file, else load that model."""
        if Path(path).resolve() == Path(self.model.path).resolve():
            return self.model
        return load_model(path)
