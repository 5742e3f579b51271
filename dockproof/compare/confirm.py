"""`compare --confirm`: run each difference class's shortest trace on both real engines.

Each trace is replayed, as `dockproof replay --commands` does, on the adapter of model A
against model A and on the adapter of model B against model B, strictly (no recorded
divergence excuses a step). A class is *confirmed* when both engines conform to their own
model along the whole trace: as the two models answer or show the last step differently, so
do the two engines. One adapter per side serves every trace (one private dockerd, one private
Podman context), and every container it made is removed at the end, also on Ctrl-C.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TextIO

from ..conformance.generate import Test
from ..conformance.harness import Harness
from ..conformance.oracle import Oracle
from ..conformance.replay import from_commands
from ..sut.contract import capabilities_of
from ..sut.ownership import owned
from ..sut.registry import resolve
from .product import Comparison


@dataclass
class Confirmation:
    """How the two engines ran one class's trace."""

    commands: str
    sides: dict[str, str] = field(default_factory=dict)   # adapter -> "conforms" / why not

    @property
    def confirmed(self) -> bool:
        return bool(self.sides) and all(v == "conforms" for v in self.sides.values())

    def lines(self) -> list[str]:
        return [f"{name}: {what}" for name, what in self.sides.items()]

    def to_json(self) -> dict:
        return {"commands": self.commands, "engines": dict(self.sides),
                "confirmed": self.confirmed}


def confirm_all(result: Comparison, adapters: tuple[str, str], err: TextIO,
                runtime: str | None = None) -> dict[str, Confirmation]:
    """Return, per difference class name, how both engines ran its shortest trace."""
    out = {d.name: Confirmation("; ".join(d.trace)) for d in result.differences}
    for model, spec in zip((result.a, result.b), adapters):
        factory = resolve(spec, runtime)
        oracle = Oracle(model, unsupported=factory.unsupported)
        harness = Harness(oracle)
        try:
            adapter = factory()
            with owned(adapter, err):
                harness.engine = capabilities_of(adapter).identity(adapter)
                for d in result.differences:
                    out[d.name].sides[f"{spec} vs {model.name}"] = \
                        _run(harness, adapter, oracle, out[d.name].commands)
        finally:
            factory.close()
    return out


def _run(harness: Harness, adapter, oracle: Oracle, commands: str) -> str:
    """Replay ``commands``; "conforms", or the first divergence of the last initial state."""
    last = None
    for seg in from_commands(commands, oracle):
        run = harness.run(Test("confirm", (seg,)), adapter, shrink=False)
        if run.exit_code == 0:
            return "conforms"
        last = run
    if last is None or last.divergence is None:
        return "inconclusive"
    div = last.divergence
    return f"diverged at `{div.commands[-1]}`: " + "; ".join(div.reasons)
