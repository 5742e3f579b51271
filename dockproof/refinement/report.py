"""Print a refinement result as text: the verdict per engine, then each difference with its
claim, its reason, its shortest trace, the abstract states and why no abstract step matches."""

from __future__ import annotations

from typing import TextIO

from .mapping import Refinement


def write_text(ref: Refinement, results, out: TextIO) -> None:
    conc, abst = ref.concrete, ref.abstract
    out.write(f"dockproof refine: {conc.path} -> {abst.path} ({ref.path})\n")
    for r in results:
        out.write(f"  {r.engine:<8} {r.verdict:<8} {r.bound}  {r.seconds:.2f}s\n")
    first = results[0]
    if first.initial:
        _finding(out, "an initial state does not map to an initial state", first.initial)
    for r in results:
        if r.undeclared:
            _finding(out, f"UNDECLARED difference ({r.engine}): a {conc.name} step with no "
                     f"{abst.name} step and no stutter", r.undeclared)
            break
    stale = sorted({n for r in results for n in r.stale})
    for name in stale:
        out.write(f"\nSTALE difference {name}: declared, but no engine finds it "
                  f"({', '.join(r.engine for r in results if name in r.stale)})\n")
    for r in results:
        for what, reason in r.unknown:
            out.write(f"\nUNKNOWN ({r.engine}) {what}: {reason}\n")
    confirmed = [d for d in ref.differences if all(d.name in r.confirmed for r in results)]
    if confirmed and all(r.verdict == "PROVED" for r in results):
        out.write(f"\n{conc.name} refines {abst.name} except {len(confirmed)} declared "
                  "differences, each confirmed to occur:\n")
    elif confirmed:
        out.write(f"\n{conc.name} does NOT refine {abst.name} as declared; these declared "
                  "differences are confirmed:\n")
    for d in confirmed:
        f = first.confirmed[d.name]
        out.write(f"\n  {d.name} [{' '.join(d.cites)}] ({d.kind}): {d.reason}\n")
        for t in f.traces:
            _trace(out, t)
        if f.abstract:
            out.write(f"    {abst.name}: {f.abstract}\n")
        for w in f.why[:4]:
            out.write(f"    - {w}\n")
        if len(f.why) > 4:
            out.write(f"    - ... and {len(f.why) - 4} more {abst.name} steps that do not match\n")


def _finding(out: TextIO, title: str, f) -> None:
    out.write(f"\n{title}\n")
    for t in f.traces:
        _trace(out, t)
    if f.abstract:
        out.write(f"    abstract: {f.abstract}\n")
    for w in f.why:
        out.write(f"    - {w}\n")


def _trace(out: TextIO, t) -> None:
    if t.title:
        out.write(f"    {t.title}:\n")
    for line in t.render(indent="      "):
        out.write(line + "\n")
