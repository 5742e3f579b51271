"""Measure `dockproof trace` throughput and memory on large Docker event logs.

    python benchmarks/trace_speed.py [--events 100000 300000 1000000] [--live 50]

Builds each log by replaying the recorded Docker lifecycles (tests/data/events/docker) under
fresh container ids, ``--live`` containers interleaved at once, streamed to a temporary file.
Each measurement runs in a fresh subprocess so that its peak RSS is its own. The peer, measured
in the same run on the same file, is the parsing floor: a loop that only calls ``json.loads``
on every line. Prints events/second, the ratio to the floor, and peak RSS per log size. The
checker keeps one state set per live container and one tombstone (an id and a line number) per
removed one, so memory grows with the number of containers the log names (every lifecycle
here has fresh ids), not with its events. Rates are per second of the process's CPU time
(time.process_time), so that other load on the machine does not skew the ratio. The checker
decodes each line with json's C scanner (what json.loads runs, without its encoding detection),
so a second peer is that scanner alone.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "tests" / "data" / "events" / "docker"


def templates() -> list[tuple[list[str], list[str]]]:
    """Return each recorded log's lines with the container ids it uses."""
    out = []
    for f in sorted(LOGS.glob("*.jsonl")):
        lines = f.read_text().splitlines()
        ids: dict[str, None] = {}
        for line in lines:
            e = json.loads(line)
            cid = e["Actor"]["ID"] if e["Type"] == "container" else \
                e["Actor"]["Attributes"].get("container")
            if cid:
                ids.setdefault(cid, None)
        out.append((lines, list(ids)))
    return out


def build(path: Path, n_events: int, live: int) -> int:
    """Write ``n_events`` lines: ``live`` lifecycles at a time, round robin, fresh ids."""
    tpls = templates()
    counter = 0
    slots: list[list] = []

    def fresh():
        nonlocal counter
        lines, ids = tpls[counter % len(tpls)]
        names = {}
        for cid in ids:
            counter += 1
            names[cid] = f"{counter:064x}"
        return [lines, 0, names]

    written = 0
    with path.open("w") as f:
        slots = [fresh() for _ in range(live)]
        while written < n_events:
            for slot in slots:
                lines, pos, names = slot
                line = lines[pos]
                for old, new in names.items():
                    line = line.replace(old, new)
                f.write(line + "\n")
                written += 1
                slot[1] += 1
                if slot[1] == len(lines):
                    slot[:] = fresh()
                if written >= n_events:
                    break
    return written


CHILD_TRACE = """
import sys, time, resource
from dockproof.offline.checker import Checker, bounded
from dockproof.spec.loader import load_model
c = Checker(load_model(sys.argv[1])); c.automaton("docker")
t0 = time.process_time()
with open(sys.argv[2], "rb") as f:
    s, r = c.check(bounded(f), sys.argv[2])
dt = time.process_time() - t0
assert r is None, r.reasons
print(s.lines, dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, s.max_live, s.removed)
"""

CHILD_FLOOR = """
import sys, time, json, resource
loads = json.loads
t0 = time.process_time()
n = 0
with open(sys.argv[2], "rb") as f:
    for line in f:
        loads(line); n += 1
dt = time.process_time() - t0
print(n, dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, 0, 0)
"""


CHILD_SCANNER = """
import sys, time, json, json.scanner, resource
scan = json.scanner.make_scanner(json.JSONDecoder())
t0 = time.process_time()
n = 0
with open(sys.argv[2], "rb") as f:
    for line in f:
        scan(line.decode(), 0); n += 1
dt = time.process_time() - t0
print(n, dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, 0, 0)
"""


CHILD_FOLLOW = """
import io, json, sys, time, resource
from dockproof.offline.checker import Checker
from dockproof.offline.follow import follow
from dockproof.spec.loader import load_model
c = Checker(load_model(sys.argv[1])); c.automaton("docker")
with open(sys.argv[2], "rb") as f:
    events = [json.loads(x) for x in f]
t0 = time.process_time()
s, r = follow(c.run("<docker events>", "docker"), iter(events), io.StringIO())
dt = time.process_time() - t0
assert not r
print(s.lines, dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, s.max_live, s.removed)
"""


def measure(code: str, log: Path) -> tuple[int, float, int, int, int]:
    p = subprocess.run([sys.executable, "-c", code, str(ROOT / "model" / "docker.toml"),
                        str(log)], capture_output=True, text=True, check=True, cwd=ROOT)
    n, dt, rss, live, removed = p.stdout.split()
    return int(n), float(dt), int(rss), int(live), int(removed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    ap.add_argument("--live", type=int, default=50, help="containers alive at once")
    args = ap.parse_args()
    print(f"{'events':>9} {'log MiB':>8} {'trace ev/s':>11} {'json.loads ev/s':>16} "
          f"{'trace/floor':>11} {'trace peak RSS':>15} {'floor peak RSS':>15} {'live':>5} "
          f"{'removed ids':>11} {'scanner ev/s':>13} {'trace/scanner':>13}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.events:
            log = Path(tmp) / f"events-{n}.jsonl"
            build(log, n, args.live)
            size = log.stat().st_size / 2**20
            tn, tdt, trss, live, removed = measure(CHILD_TRACE, log)
            fn, fdt, frss, _, _ = measure(CHILD_FLOOR, log)
            sn, sdt, _, _, _ = measure(CHILD_SCANNER, log)
            print(f"{tn:>9} {size:>8.1f} {tn / tdt:>11,.0f} {fn / fdt:>16,.0f} "
                  f"{(tn / tdt) / (fn / fdt):>11.2f} {trss / 1024:>12.1f} MiB "
                  f"{frss / 1024:>11.1f} MiB {live:>5} {removed:>11} {sn / sdt:>13,.0f} "
                  f"{(tn / tdt) / (sn / sdt):>13.2f}", flush=True)
            if n == args.events[0]:
                # --follow's side of a live stream: decoded events through follow() (the
                # daemon's own publishing rate is the engine's, not measured here)
                fo, fodt, _, _, _ = measure(CHILD_FOLLOW, log)
                print(f"--follow: {fo} decoded events checked as they come: "
                      f"{fo / fodt:,.0f} events/s (goal: >= 1,000 from a live daemon)")
            log.unlink()


if __name__ == "__main__":
    main()
