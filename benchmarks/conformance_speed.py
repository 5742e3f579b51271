"""Measure the conformance harness against the in-process reference adapter.

Run: python benchmarks/conformance_speed.py [--steps N] [--runs R]

Prints conformance steps per second (tour, random walk) next to the peer measured in the
same run: the same random commands sent to the reference adapter with apply + settle +
observe but no model (no oracle, no matching); the ratio is what judging costs. Then the
transition tour's length against the number of transitions plus the resets it needs, and
against a greedy nearest-uncovered-transition tour (the usual heuristic) as a peer.
Target (issue 4): >= 10,000 steps/s; tour within 1.2x of transitions + resets.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from dockproof.conformance.generate import minimum_resets, random_walk, transition_tour
from dockproof.conformance.harness import Harness
from dockproof.conformance.oracle import Oracle
from dockproof.spec.loader import load_model
from dockproof.sut.reference import ReferenceAdapter

ROOT = Path(__file__).resolve().parent.parent


def judged(harness: Harness, test, runs: int) -> float:
    """Return the best steps/s of ``runs`` harness runs of ``test``."""
    rates = []
    for _ in range(runs):
        run = harness.run(test, ReferenceAdapter())
        assert run.exit_code == 0, "the reference must conform"
        rates.append(len(run.verdicts) / run.seconds)
    return max(rates)


def unjudged(oracle: Oracle, test, runs: int) -> float:
    """Drive the same commands without the model: apply, settle, observe (the peer)."""
    rates = []
    for _ in range(runs):
        a = ReferenceAdapter()
        t0 = time.perf_counter()
        n = 0
        for seg in test.segments:
            a.reset(oracle.map.host_units)
            state = seg.initial
            for step in seg.steps:  # the config of create/run needs the state's parameters
                a.apply(oracle.command(state, step.key))
                a.settle()
                a.observe()
                n += 1
        rates.append(n / (time.perf_counter() - t0))
    return max(rates)


def greedy_tour_length(oracle: Oracle) -> int:
    """Return commands + resets of a greedy tour: always the nearest uncovered transition."""
    arcs = {i: oracle.arcs(i) for i in range(len(oracle.space.states))}
    todo = {e for lst in arcs.values() for _c, _k, e in lst}
    length, cur = 0, None
    while todo:
        sources = [cur] if cur is not None else list(oracle.space.initial)
        dist, prev = oracle.distances(sources)
        best = min(((dist[e[0]], e) for e in todo if e[0] in dist), default=None)
        if best is None:
            cur = None
            length += 1  # a reset
            continue
        if cur is None:
            length += 1
        d, edge = best
        target = edge[0]
        _init, path = oracle.path(target, prev)
        for _key, e in path:
            todo.discard(e)
        cost = next(c for c, _k, e in arcs[edge[0]] if e == edge)
        length += d + cost
        todo.discard(edge)
        cur = edge[2]
    return length


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=20000, help="random-walk commands")
    ap.add_argument("--runs", type=int, default=3, help="runs per figure (best is kept)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    oracle = Oracle(load_model(ROOT / "model" / "seed.toml"))
    t_oracle = time.perf_counter() - t0
    t0 = time.perf_counter()
    tour = transition_tour(oracle)
    t_tour = time.perf_counter() - t0
    walk = random_walk(oracle, seed=1, steps=args.steps)
    harness = Harness(oracle)
    print(f"seed model: {len(oracle.space.states)} states, {len(oracle.space.edges)} "
          f"transitions; oracle {t_oracle * 1e3:.0f} ms, tour planning {t_tour * 1e3:.0f} ms")
    for name, test in (("tour", tour), ("random", walk)):
        j = judged(harness, test, args.runs)
        u = unjudged(oracle, test, args.runs)
        print(f"{name:>6}: {test.steps:>6} steps  judged {j:>9,.0f} steps/s   peer (no model) "
              f"{u:>9,.0f} steps/s   judging costs {u / j:.2f}x   target 10,000: "
              f"{'met' if j >= 10_000 else 'MISSED'}")
    s = tour.stats
    greedy = greedy_tour_length(oracle)
    plain = s["length"] - s["probes"]
    print(f"tour: {plain} (commands + resets, without {s['probes']} refusal probes) for "
          f"{s['transitions']} transitions ({s['commanded']} need a command, "
          f"{s['transitions'] - s['commanded']} happen in settle)")
    print(f"  lower bound commanded + fewest resets = {s['commanded']} + {minimum_resets(oracle)}"
          f" = {s['bound']}: ratio {plain / s['bound']:.2f} (target 1.2)")
    print(f"  peer greedy nearest-uncovered tour: {greedy} ({greedy / plain:.2f}x ours); ours is "
          f"the min-cost-flow optimum, so {plain / s['bound']:.2f} is the least any tour needs")
    print(f"  median segment {statistics.median(len(x.steps) for x in tour.segments):.0f} "
          f"commands, {s['resets']} resets")


if __name__ == "__main__":
    main()
