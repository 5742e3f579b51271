"""Measure the host model (N containers on one host) against SPIN and Storm, side by side.

Run: python benchmarks/host_scale.py [--max-n 6] [--peer-timeout 300] [--out FILE]

For N = 1..max-n the script exports model/host.toml with N containers (and the invariants and
transition properties of properties/host.toml) to Promela and PRISM, then runs on the same
model and the same properties:

- SPIN 6.5 (explicit, exact): ``spin -o2 -a`` (-o2 keeps write-only variables, so SPIN explores
  the same states as dockproof), ``gcc -O2 -DSAFETY -DMEMLIM=...``, ``./pan -m10000000 -wB``
  (B = 21, 24, 25 for N = 1, 2, >= 3);
  the time is pan's run alone (generating and compiling the verifier is reported apart);
- Storm (stormpy, symbolic BDD engine): a fresh Python process that parses the PRISM file,
  builds the model symbolically and checks ``Pmax=? [F "bad"]`` = 0; wall clock with start-up;
- dockproof ``host --engine parametric`` (every property, for every N) and, while it fits,
  ``host --engine symmetric`` (exhaustive explicit exploration up to symmetry); wall clock of
  the command, start-up included.

Every process's peak memory is its maximum resident set (wait4). Peers get a memory ceiling
(--peer-mem-gb) and a time limit; the machine is shared, so figures are noisy. Then dockproof
alone for N = 10, 100, 1000. The table is printed and written to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STORM = """
import sys, stormpy
prog = stormpy.parse_prism_program(sys.argv[1])
props = stormpy.parse_properties('Pmax=? [F "bad"]', prog)
model = stormpy.build_symbolic_model(prog, props)
res = stormpy.model_checking(model, props[0], only_initial_states=True)
print("states", model.nr_states)
print("result", res)
"""


@dataclass
class Run:
    seconds: float
    peak_mb: float
    out: str
    status: str  # ok, timeout, failed (exit code), memory


def run(cmd: list[str], timeout: float, cwd=None, mem_gb: float | None = None) -> Run:
    """Run a command; return its wall time, peak RSS, output and how it ended."""
    def limit():
        if mem_gb:
            cap = int(mem_gb * 2**30)
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    with tempfile.TemporaryFile("w+") as log:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                             preexec_fn=limit)
        timer = threading.Timer(timeout, p.kill)
        timer.start()
        _, status, usage = os.wait4(p.pid, 0)
        secs = time.perf_counter() - t0
        timed_out = not timer.is_alive()
        timer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        out = log.read()
    state = "timeout" if timed_out else "ok" if p.returncode == 0 else f"exit {p.returncode}"
    if state != "ok" and re.search(r"out of memory|bad_alloc|MemoryError|memory limit", out):
        state = "memory"
    return Run(secs, usage.ru_maxrss / 1024, out, state)


def export(n: int, folder: Path) -> tuple[Path, Path, float]:
    from dockproof.scale.exporting import export_text

    t0 = time.perf_counter()
    pml, prism = folder / f"host{n}.pml", folder / f"host{n}.prism"
    pml.write_text(export_text(ROOT / "model" / "host.toml", "promela", n))
    prism.write_text(export_text(ROOT / "model" / "host.toml", "prism", n))
    return pml, prism, time.perf_counter() - t0


def hash_bits(pml: Path) -> int:
    """Size pan's hash table to the model (2^25 slots for N >= 3: 13 M states at N = 3)."""
    n = int(re.search(r"(\d+)$", pml.stem).group(1))
    return min(25, 18 + 3 * n)


def spin(pml: Path, timeout: float, mem_gb: float) -> tuple[Run | None, float, str]:
    work = pml.parent / f"spin-{pml.stem}"
    work.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    for cmd in (["spin", "-o2", "-a", str(pml)],
                ["gcc", "-O2", "-DSAFETY", f"-DMEMLIM={int(mem_gb * 1024)}", "-o", "pan",
                 "pan.c"]):
        r = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
        if r.returncode:
            return None, 0.0, f"{cmd[0]} failed: {r.stderr.strip()[:200]}"
    build = time.perf_counter() - t0
    r = run(["./pan", "-m10000000", f"-w{hash_bits(pml)}"], timeout, cwd=work)
    m = re.search(r"(\d+) states, stored", r.out)
    errors = re.search(r"errors: (\d+)", r.out)
    if r.status == "ok" and "out of memory" in r.out:
        r.status = "memory"
    verdict = f"{int(m.group(1)) - 1:,}" if m and r.status == "ok" else r.status
    if errors and errors.group(1) != "0":
        verdict += " VIOLATION"
    return r, build, verdict


def storm(prism: Path, timeout: float, mem_gb: float) -> tuple[Run, str]:
    r = run([sys.executable, "-c", STORM, str(prism)], timeout, mem_gb=mem_gb)
    m = re.search(r"states (\d+)", r.out)
    res = re.search(r"result (.*)", r.out)
    if r.status != "ok" or not m:
        return r, r.status if r.status != "ok" else "failed"
    ok = res and res.group(1).startswith("[0, 0]")
    return r, f"{int(m.group(1)):,}" + ("" if ok else " VIOLATION")


def dockproof(n: int, engine: str, timeout: float) -> tuple[Run, str]:
    r = run([sys.executable, "-m", "dockproof", "host", "--containers", str(n), "--engine",
             engine], timeout)
    proved = len(re.findall(r"^ok ", r.out, re.M))
    total = len(re.findall(r"^(ok|!!) ", r.out, re.M))
    m = re.search(r"symmetric: ([\d,]+) canonical states \(([\d,]+) states\)", r.out)
    what = f"{m.group(2)} ({m.group(1)} canon.)" if m else "all N"
    return r, f"{proved}/{total} proved, {what}" if r.status in ("ok", "exit 1") else r.status


def fmt(r: Run | None) -> tuple[str, str]:
    if r is None:
        return "-", "-"
    return f"{r.seconds:.2f}", f"{r.peak_mb:.0f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-n", type=int, default=6)
    ap.add_argument("--peer-timeout", type=float, default=300.0)
    ap.add_argument("--peer-mem-gb", type=float, default=8.0)
    ap.add_argument("--symmetric-max-n", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" /
                    "host_scale.txt")
    args = ap.parse_args()
    lines = [f"host model: model/host.toml (seed container x N, shared host memory), "
             f"properties/host.toml (4 invariants, 3 transition properties); "
             f"{os.cpu_count()} cores shared with other work: figures are noisy",
             "times in seconds (wall), memory = peak resident MB; ratio = peer time / "
             "dockproof parametric time"]
    head = (f"{'N':>4} | {'SPIN states':>13} {'s':>7} {'MB':>6} {'ratio':>7} | "
            f"{'Storm states':>17} {'s':>7} {'MB':>6} {'ratio':>7} | "
            f"{'dockproof parametric':>22} {'s':>6} {'MB':>5} | "
            f"{'dockproof symmetric':>36} {'s':>7} {'MB':>6}")
    lines += [head, "-" * len(head)]
    print("\n".join(lines), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(1, args.max_n + 1):
            row = bench_row(n, Path(tmp), args)
            print(row, flush=True)
            lines.append(row)
    for n in (10, 100, 1000):
        r, what = dockproof(n, "parametric", 600)
        row = (f"{n:>4} | {'':>13} {'':>7} {'':>6} {'':>7} | {'':>17} {'':>7} {'':>6} "
               f"{'':>7} | {what:>22} {r.seconds:>6.2f} {r.peak_mb:>5.0f} |")
        print(row, flush=True)
        lines.append(row)
    lines.append("SPIN: spin -o2 -a; gcc -O2 -DSAFETY; ./pan -m10000000 -w21..25 (time of pan "
                 "alone; generating and compiling pan is not counted). Storm: stormpy "
                 "symbolic engine, Pmax=? [F \"bad\"], a fresh process (start-up counted).")
    lines.append("dockproof parametric: `dockproof host --containers N` (verdicts hold for "
                 "every N); symmetric: `dockproof host --containers N --engine symmetric`.")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")
    return 0


def bench_row(n: int, tmp: Path, args) -> str:
    pml, prism, _ = export(n, tmp)
    dp, dp_what = dockproof(n, "parametric", 600)
    sp, _, sp_what = spin(pml, args.peer_timeout, args.peer_mem_gb)
    st, st_what = storm(prism, args.peer_timeout, args.peer_mem_gb)
    sym = dockproof(n, "symmetric", 600) if n <= args.symmetric_max_n else None

    def ratio(r: Run | None) -> str:
        if r is None or r.status != "ok":
            return ">" + f"{args.peer_timeout / dp.seconds:.0f}x" if r and \
                r.status == "timeout" else "-"
        return f"{r.seconds / dp.seconds:.1f}x"
    s_t, s_m = fmt(sp)
    t_t, t_m = fmt(st)
    sym_what, sym_t, sym_m = (sym[1], *fmt(sym[0])) if sym else ("not run", "-", "-")
    return (f"{n:>4} | {sp_what:>13} {s_t:>7} {s_m:>6} {ratio(sp):>7} | "
            f"{st_what:>17} {t_t:>7} {t_m:>6} {ratio(st):>7} | "
            f"{dp_what:>22} {dp.seconds:>6.2f} {dp.peak_mb:>5.0f} | "
            f"{sym_what:>36} {sym_t:>7} {sym_m:>6}")


if __name__ == "__main__":
    sys.exit(main())
