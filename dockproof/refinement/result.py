"""What a refinement check found, engine-neutral, and why an abstract step does not match."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..engines.compiled import Compiled, predicate
from ..engines.result import PROVED, REFUTED, UNKNOWN, Trace
from ..offline.explain import conjuncts, show
from .mapping import Refinement


@dataclass
class Finding:
    """An unmatched concrete step (or, for a merge, two states), with its explanation."""

    difference: str | None          # the declared difference it confirms; None: undeclared
    traces: tuple[Trace, ...]
    abstract: str = ""              # the abstract state(s) it maps to
    why: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"difference": self.difference, "abstract": self.abstract, "why": self.why,
                "traces": [t.to_itf() for t in self.traces]}


@dataclass
class RefineResult:
    engine: str
    bound: str = ""
    seconds: float = 0.0
    initial: Finding | None = None          # a concrete initial state whose image is not initial
    undeclared: Finding | None = None       # the shortest unmatched step no difference covers
    confirmed: dict[str, Finding] = field(default_factory=dict)
    stale: list[str] = field(default_factory=list)
    unknown: list[tuple[str, str]] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        if self.initial or self.undeclared or self.stale:
            return REFUTED
        return UNKNOWN if self.unknown else PROVED

    def to_json(self) -> dict:
        return {"engine": self.engine, "verdict": self.verdict, "bound": self.bound,
                "seconds": round(self.seconds, 3),
                "initial": self.initial.to_json() if self.initial else None,
                "undeclared": self.undeclared.to_json() if self.undeclared else None,
                "confirmed": {k: v.to_json() for k, v in sorted(self.confirmed.items())},
                "stale": sorted(self.stale),
                "unknown": [{"what": w, "reason": r} for w, r in self.unknown]}


def why_unmatched(ref: Refinement, abs_c: Compiled, action: int, ms: tuple,
                  mt: tuple) -> list[str]:
    """Say, for each abstract step the concrete one may stand for, why it does not match:
    the closest first (enabled steps by how many variables differ, then failing guards)."""
    am = ref.abstract
    out: list[tuple[int, str]] = []
    for b in ref.allowed[action]:
        act = am.actions[b]
        got = abs_c.steps[b](ms)
        if got is None:
            bad = [show(p) for p in conjuncts(act.guard) if not predicate(p)(ms)]
            out.append((100 + len(bad), f"{am.name} {act.name}: its guard fails: "
                        f"{'; '.join(bad)}"))
        else:
            out.append((_distance(got, mt), f"{am.name} {act.name}: leads to "
                        f"{_diff(am, got, mt)}"))
    for seq in ref.sequences[action]:
        names = " ; ".join(am.actions[b].name for b in seq)
        s = ms
        for b in seq:
            s = abs_c.steps[b](s) if s is not None else None
        out.append((200, f"{am.name} {names}: not enabled") if s is None else
                   (_distance(s, mt), f"{am.name} {names}: leads to {_diff(am, s, mt)}"))
    out.sort()
    return [text for _, text in out] or [f"no {am.name} action of an allowed actor"]


def _distance(a: tuple, b: tuple) -> int:
    return sum(1 for x, y in zip(a, b) if x != y)


def _diff(model, got: tuple, want: tuple) -> str:
    slots = tuple(i for i in range(len(got)) if got[i] != want[i])
    return (f"{model.render_state(got, slots)}, where the concrete step's image has "
            f"{model.render_state(want, slots)}")


__all__ = ["Finding", "RefineResult", "why_unmatched", "PROVED", "REFUTED", "UNKNOWN"]
