"""Measure `dockproof check` on the seed catalogue (both engines) and say where the time goes.

Run: python benchmarks/check_speed.py [--runs N]

Prints the wall time of the whole command (interpreter start-up included) over N runs, the
floor a Python process that only imports z3 costs (the peer: what any Z3-based checker pays
before doing anything), and a breakdown measured in-process.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def wall(cmd: list[str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=False)
        out.append(time.perf_counter() - t0)
    return out


def breakdown() -> list[tuple[str, float]]:
    """Time each stage of a check in this process (imports are the first stage)."""
    stages = []
    t = time.perf_counter()
    import z3  # noqa: F401
    stages.append(("import z3", time.perf_counter() - t))
    t = time.perf_counter()
    import networkx  # noqa: F401

    from dockproof.engines import explicit
    from dockproof.engines.smt.engine import SmtEngine
    from dockproof.engines.statespace import explore
    from dockproof.spec.loader import load_model
    from dockproof.spec.properties import load_properties
    stages.append(("import dockproof, networkx", time.perf_counter() - t))
    t = time.perf_counter()
    model = load_model(ROOT / "model/seed.toml")
    cats = [load_properties(ROOT / f"properties/{n}.toml", model) for n in ("seed", "teeth")]
    props = [p for c in cats for p in c.properties]
    stages.append(("load + lint model and catalogues", time.perf_counter() - t))
    t = time.perf_counter()
    space = explore(model)
    stages.append((f"explore ({len(space.states)} states)", time.perf_counter() - t))
    t = time.perf_counter()
    for p in props:
        explicit.check(p, space)
    stages.append(("explicit: all properties", time.perf_counter() - t))
    t = time.perf_counter()
    smt = SmtEngine(model, tuple(p.exprs["formula"] for p in props if p.kind == "invariant"))
    smt.lemmas()
    stages.append((f"smt: Houdini lemmas ({len(smt._lemma_names)} kept)",
                   time.perf_counter() - t))
    t = time.perf_counter()
    for p in props:
        if p.kind in ("invariant", "transition", "determined", "equivalent", "reachable",
                      "deadlock-free"):
            smt.check(p)
    stages.append(("smt: all properties", time.perf_counter() - t))
    return stages


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    check = wall([sys.executable, "-m", "dockproof", "check"], args.runs)
    floor = wall([sys.executable, "-c", "import z3"], args.runs)
    med, fl = statistics.median(check), statistics.median(floor)
    print(f"dockproof check (seed + teeth, both engines), {args.runs} runs, wall clock:")
    print(f"  median {med:.2f} s   min {min(check):.2f} s   max {max(check):.2f} s   "
          f"target < 2 s: {'met' if med < 2 else 'NOT met'}")
    print(f"peer: python -c 'import z3' (the floor of any Z3-based checker): median {fl:.2f} s")
    print(f"  ratio check / floor: {med / fl:.1f}x")
    print("\nwhere the time goes (one run, in-process):")
    for name, secs in breakdown():
        print(f"  {name:<40} {secs * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
