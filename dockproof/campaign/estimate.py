"""Predict how long configurations take, from the runs the ledger measured."""

from __future__ import annotations

from .ledger import standing
from .planner import Config, Plan
from .text import hours


class Rates:
    """Seconds a configuration takes, from the measured runs: a start-up (the fastest done
    configuration's wall time: engine start, image, teardown) plus its planned commands x the
    seconds per command run, measured on runs of >= 200 commands (a divergence ends a run
    early: its steps, not its plan, count) per value of the model's first parameter (the
    restart policy) where measured, else over all of them."""

    def __init__(self, p: Plan, done: list[dict]) -> None:
        self.first = next(iter(p.configs[0].values))
        self.start = min((r["wall_seconds"] for r in done), default=None)
        big = [r for r in done if r["steps"]["total"] >= 200]
        self.overall = self._rate(big) if big else None
        self.per = {v: self._rate([r for r in big if r["config"][self.first] == v])
                    for v in sorted({r["config"][self.first] for r in big})}

    def _rate(self, rows: list[dict]) -> float:
        return max(0.0, sum(r["wall_seconds"] - self.start for r in rows)) / sum(
            r["steps"]["total"] for r in rows)

    def seconds(self, c: Config) -> float | None:
        """Return the estimate for ``c``, or None while no rate is measured."""
        if self.overall is None:
            return None
        return self.start + c.commands * self.per.get(c.values[self.first], self.overall)


def time_left(p: Plan, done: list[dict], left: list[Config]) -> str:
    """Estimate the time left from the measured runs (`Rates`)."""
    if not left:
        return "time left: none (every selected configuration is done)"
    if not done:
        return (f"time left: unknown (nothing measured yet); {len(left)} configurations, "
                f"{sum(c.commands for c in left):,} planned commands")
    r = Rates(p, done)
    if r.overall is None:
        return (f"time left: at least {hours(r.start * len(left))} ({len(left)} "
                f"configurations x {r.start:.0f} s start-up) + "
                f"{sum(c.commands for c in left):,} planned commands at a rate not measured "
                "yet (no run of >= 200 commands done)")
    seconds = sum(r.seconds(c) for c in left)
    rates = ", ".join(f"{k} {v:.2f}" for k, v in r.per.items())
    return (f"time left: about {hours(seconds)} for {len(left)} configurations "
            f"({sum(c.commands for c in left):,} planned commands; {r.start:.0f} s start-up "
            f"each; s per command run: overall {r.overall:.2f}, by {r.first}: {rates}; the "
            "pieces' prefixes add a few % of commands)")


def full_run(p: Plan, now: dict[str, dict], done: list[dict]) -> str:
    """Say how long a full run of the selection takes: one configuration per class of twins
    (the first in run order), at its run's measured wall time where one ran (its own or a
    twin's), else at the `Rates` estimate."""
    r = Rates(p, done)
    seconds, measured, seen = 0.0, 0, set()
    for c in p.selected:
        cls = c.twin_class
        if cls in seen:
            continue
        seen.add(cls)
        row = standing(now, c)[0]
        if row is not None and row["status"] == "done":
            seconds += row["wall_seconds"]
            measured += 1
        else:
            seconds += r.seconds(c) or 0.0
    return (f"a full run: about {hours(seconds)} for {len(seen)} configurations (one per "
            f"class of twins; {measured} measured, {len(seen) - measured} estimated)")
