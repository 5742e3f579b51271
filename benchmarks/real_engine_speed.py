"""Measure what one conformance step costs on a real engine, against the engine alone.

Run: python benchmarks/real_engine_speed.py --engine docker|podman [--rounds N]

- **step**: a fixed cycle of lifecycle commands (run, write_fs, pause, unpause, stop, start,
  restart, kill, start, rm -f) driven through the adapter as a conformance run drives it:
  apply, settle, observe (the engine's inspection and the kernel's cgroup files). Printed: the
  median seconds per step over the rounds, and the engine inspections per step.
- **peer, in the same run**: the same commands through `apply` alone (the engine's own work:
  the docker SDK call or the podman CLI, and the workload's acknowledgement), nothing settled
  or observed. The ratio is what observing costs.
- **docker only**: a daemon restart (SIGTERM, start, ready) with readiness polled by a bare
  `GET /_ping` on the socket, against readiness polled with a docker SDK client per poll (as
  before 2026-11-30) in the same run.

Needs root, the engine's packages and busybox-static (the tests' requirements). Tests never
assert these times (DEVELOPERS.md rule 5); the figures go into the README.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from dockproof.errors import DockproofError
from dockproof.sut.contract import Command, Config, capabilities_of
from dockproof.sut.real import windows
from dockproof.sut.registry import resolve

CYCLE = ("run", "write_fs", "pause", "unpause", "stop", "start", "restart", "kill", "start",
         "rm_force")


def cycle(adapter, observe: bool) -> float:
    """Run `CYCLE` once on a reset adapter; return the seconds it took."""
    adapter.reset(8)
    t0 = time.perf_counter()
    for verb in CYCLE:
        outcome = adapter.apply(Command(verb, Config() if verb == "run" else None))
        if not outcome.ok:
            raise SystemExit(f"error: `{verb}` was refused: {outcome.error}")
        if observe:
            adapter.settle()
            adapter.observe()
        elif verb in ("stop", "kill", "restart", "run", "start"):
            adapter.settle()  # the engine's own asynchronous work, not observation
    return time.perf_counter() - t0


def steps(adapter, rounds: int) -> tuple[float, float, float]:
    """Return (s per step observed, s per step bare, inspections per observed step)."""
    calls: list = []
    real = adapter._inspect
    adapter._inspect = lambda: calls.append(1) or real()
    observed, bare, inspections = [], [], []
    for _ in range(rounds):  # interleaved, so that the machine's load hits both alike
        before = len(calls)
        observed.append(cycle(adapter, True) / len(CYCLE))
        inspections.append((len(calls) - before) / len(CYCLE))
        bare.append(cycle(adapter, False) / len(CYCLE))
    return statistics.median(observed), statistics.median(bare), statistics.median(inspections)


def sdk_ready(daemon) -> None:
    """Wait for the daemon as before: a docker SDK client per poll (the peer)."""
    import docker

    deadline = time.monotonic() + windows.DAEMON_READY
    while time.monotonic() < deadline:
        try:
            docker.DockerClient(base_url=daemon.base_url, timeout=5).ping()
            return
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(windows.POLL)
    raise SystemExit("error: dockerd did not come up")


def restarts(daemon, rounds: int) -> tuple[float, float]:
    """Return the median seconds of a daemon restart: ping readiness, SDK readiness."""
    ping, sdk = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        daemon.restart()
        ping.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        daemon.stop()
        daemon._spawn()
        sdk_ready(daemon)
        sdk.append(time.perf_counter() - t0)
    return statistics.median(ping), statistics.median(sdk)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python benchmarks/real_engine_speed.py",
        description=__doc__.split("\n\n")[0])
    ap.add_argument("--engine", required=True, choices=("docker", "podman"))
    ap.add_argument("--rounds", type=int, default=5, metavar="N",
                    help="cycles of each kind (default 5; the median is printed)")
    args = ap.parse_args(argv)
    if args.rounds < 1:
        ap.error("--rounds: give N >= 1")
    try:
        factory = resolve(args.engine)
        adapter = factory()
    except DockproofError as exc:
        print(exc.render(), file=sys.stderr)
        return exc.exit_code
    try:
        name, version = capabilities_of(adapter).identity(adapter)
        print(f"{name} {version}: {args.rounds} rounds of {len(CYCLE)} commands "
              f"({', '.join(CYCLE)})")
        observed, bare, inspections = steps(adapter, args.rounds)
        print(f"  conformance step (apply + settle + observe): {observed:.3f} s, "
              f"{inspections:.1f} engine inspections per step")
        print(f"  peer, the engine alone (apply, settle only after commands that start or "
              f"end a process): {bare:.3f} s per step; ratio {observed / bare:.2f}x")
        if args.engine == "docker" and getattr(adapter, "daemon", None) is not None:
            ping, sdk = restarts(adapter.daemon, args.rounds)
            print(f"  daemon restart, readiness by GET /_ping: {ping:.3f} s; peer, a docker "
                  f"SDK client per poll: {sdk:.3f} s; ratio {ping / sdk:.2f}x")
    finally:
        adapter.close()
        factory.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
