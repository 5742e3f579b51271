"""Run a test's segments on several adapters at once (``--jobs N``), reporting in a fixed order.

Each worker owns one adapter (one container at a time) made by the run's factory; real
engines share the one private engine the factory started. Segments are independent (each
starts with a reset), so workers take them in order from a shared queue. A long tour
segment is cut into pieces first (`split`): each piece starts with a reset and the shortest
commands to the state where it begins. A segment that restarts the daemon runs alone (a
daemon restart stops every container of the engine, other workers' too).

The result is the one `Run` a single worker would report: verdicts sorted by segment, the
coverage and the recorded-divergence counts merged, and the divergence of the *lowest*
segment (segments after a divergence are not started; those before it all run), so the
report does not depend on timing. The divergence is shrunk after the workers are done.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Any, Callable

from .adapter import DAEMON_COMMANDS
from .coverage import Coverage
from .evidence import collect
from .generate import Test
from .harness import Harness, Run
from .oracle import Oracle, Segment, segment_of


def split(oracle: Oracle, test: Test, size: int) -> Test:
    """Cut segments longer than ``size`` steps at settled steps; prefix each later piece
    with the shortest commands from a reset to the state it starts in."""
    _dist, prev = oracle.distances(list(oracle.space.initial))
    out: list[Segment] = []
    for seg in test.segments:
        state, start, piece_initial, prefix = seg.initial, 0, seg.initial, ()
        for n, step in enumerate(seg.steps):
            post = oracle.primary(oracle.respond(state, step.key))[0]
            state = oracle.settled(post) if step.settle else post
            reachable = state in prev or state in oracle.space.initial
            if step.settle and reachable and size <= n + 1 - start < len(seg.steps) - start:
                out.append(Segment(piece_initial, prefix + seg.steps[start:n + 1]))
                piece_initial, arcs = oracle.path(state, prev)
                prefix, start = segment_of(oracle, piece_initial, arcs).steps, n + 1
        out.append(Segment(piece_initial, prefix + seg.steps[start:]))
    return replace(test, segments=tuple(out))


class _Stopped(Exception):
    """The run is over (a lower segment diverged, or Ctrl-C): stop this worker."""


class _Stoppable:
    """An adapter that raises `_Stopped` at its next command once the run is being stopped."""

    def __init__(self, adapter: Any, stop: threading.Event) -> None:
        self._adapter, self._stop = adapter, stop

    def apply(self, command):
        if self._stop.is_set():
            raise _Stopped()
        return self._adapter.apply(command)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._adapter, name)


class _DaemonLock:
    """Readers-writer lock: ordinary segments share it, a daemon restart takes it alone."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False

    def acquire(self, exclusive: bool) -> None:
        with self._cond:
            if exclusive:
                self._cond.wait_for(lambda: not self._writer and self._readers == 0)
                self._writer = True
            else:
                self._cond.wait_for(lambda: not self._writer)
                self._readers += 1

    def release(self, exclusive: bool) -> None:
        with self._cond:
            if exclusive:
                self._writer = False
            else:
                self._readers -= 1
            self._cond.notify_all()


def run_parallel(make_harness: Callable[[Any], Harness], test: Test, adapters: list,
                 shrink: bool = True) -> Run:
    """Run ``test``'s segments on ``adapters`` (one worker each); return the merged `Run`."""
    t0 = time.perf_counter()
    harnesses = [make_harness(a) for a in adapters]
    oracle = harnesses[0].oracle
    _ = oracle.expected  # computed once, before the threads share the oracle
    stop = threading.Event()
    lock, state_lock = _DaemonLock(), threading.Lock()
    pieces: dict[int, Run] = {}
    first = {"div": None}  # lowest diverging segment index
    queue = list(range(len(test.segments)))
    failure: list[BaseException] = []

    def worker(h: Harness, adapter: Any) -> None:
        wrapped = _Stoppable(adapter, stop)
        while True:
            with state_lock:
                if not queue or stop.is_set():
                    return
                n = queue.pop(0)
                if first["div"] is not None and n > first["div"]:
                    return
            seg = test.segments[n]
            exclusive = any(s.key[0] in DAEMON_COMMANDS for s in seg.steps)
            run = Run(test, coverage=Coverage(oracle))
            lock.acquire(exclusive)
            try:
                div = h._segment(n, seg, wrapped, run)
                if div is not None:
                    div = replace(div, evidence=collect(adapter))
            except _Stopped:
                return
            except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
                failure.append(exc)
                stop.set()
                return
            finally:
                lock.release(exclusive)
            run.divergence = div
            with state_lock:
                pieces[n] = run
                if div is not None and (first["div"] is None or n < first["div"]):
                    first["div"] = n

    threads = [threading.Thread(target=worker, args=(h, a), daemon=True,
                                name=f"dockproof-job-{k + 1}")
               for k, (h, a) in enumerate(zip(harnesses, adapters))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            while t.is_alive():
                t.join(0.2)
    except BaseException:
        stop.set()
        for t in threads:
            t.join()
        raise
    if failure:
        raise failure[0]
    return _merge(test, harnesses[0], adapters[0], pieces, first["div"], shrink, harnesses,
                  time.perf_counter() - t0)


def _merge(test: Test, h: Harness, adapter: Any, pieces: dict[int, Run], div_at: int | None,
           shrink: bool, harnesses: list[Harness], seconds: float) -> Run:
    run = Run(test, coverage=Coverage(h.oracle))
    for n in sorted(pieces):
        if div_at is not None and n > div_at:
            continue
        piece = pieces[n]
        run.verdicts.extend(piece.verdicts)
        run.coverage.merge(piece.coverage)
    for other in harnesses[1:]:
        if h.known is not None and other.known is not None:
            h.known.merge(other.known)
    if div_at is not None:
        div = pieces[div_at].divergence
        run.original = div
        run.divergence = h.shrink(div, adapter) if shrink else div
    run.seconds = seconds
    return run
