"""Run a test's segments on several adapters at once (``--jobs N``), reporting in a fixed order.

Each worker owns one adapter (one container at a time) made by the run's factory; real
engines share the one private engine the factory started. Segments are independent (each
starts with a reset), so workers take them in order from a shared queue. A long tour
segment is cut into pieces first (`split`): each piece starts with a reset and the shortest
commands to the state where it begins; an adapter with ``restarts_before_backoff`` (Docker's
restart back-off) also gets pieces that take no more automatic restarts in a row than that.
A segment that restarts the daemon runs alone (a daemon restart stops every container of
the engine, other workers' too).

The result is the one `Run` a single worker would report: verdicts sorted by segment, the
coverage and the recorded-divergence counts merged, and the divergence of the *lowest*
segment (segments after a divergence are not started; those before it all run), so the
report does not depend on timing. The divergence is shrunk after the workers are done.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..sut.contract import DAEMON_COMMANDS
from .coverage import Coverage
from .evidence import collect
from .generate import Test
from .harness import Harness, Run, interrupted
from .oracle import Oracle, Segment, segment_of

#: The model action an engine's restart back-off is about (Docker: restartmanager.go doubles
#: the delay of each automatic restart in a row); `split` limits how many a piece takes.
AUTO_RESTART = "auto_restart"
#: Commands after which the back-off starts again: a user start or restart gives the container
#: a fresh restart manager, create/run/rm a new container, a daemon restart fresh managers.
BACKOFF_RESETS = frozenset({"start", "restart", "create", "run", "rm", "rm_force",
                            "daemon_restart"})


def split(oracle: Oracle, test: Test, size: int, restarts: int | None = None) -> Test:
    """Cut segments longer than ``size`` steps at settled steps; prefix each later piece
    with the shortest commands from a reset to the state it starts in.

    With ``restarts`` (an adapter's ``restarts_before_backoff``), also cut a piece before a step
    that would make it take more than ``restarts`` automatic restarts in a row (the model's
    `AUTO_RESTART` actions along the settle edges of its steps, counted since the piece's
    reset or its last accepted `BACKOFF_RESETS` command, prefix included): at the latest
    settled step before it, when the new piece's prefix then stays within the limit. Where no
    such cut exists the piece keeps the longer run (a shortest prefix may itself take
    automatic restarts: a limit below those of the longest prefix cannot always hold).
    """
    _dist, prev = oracle.distances(list(oracle.space.initial))
    names = [a.name for a in oracle.model.actions]
    auto = names.index(AUTO_RESTART) if restarts is not None and AUTO_RESTART in names else None
    out: list[Segment] = []
    for seg in test.segments:
        out.extend(_pieces(oracle, seg, size, restarts if auto is not None else None, auto,
                           prev))
    return replace(test, segments=tuple(out))


def _advance(oracle: Oracle, state: int, step, run: int, auto: int | None) -> tuple[int, int]:
    """Return the state after ``step`` (settled when it settles) and the automatic restarts
    in a row after it (``run`` before it)."""
    r = oracle.respond(state, step.key)
    post = oracle.primary(r)[0]
    if auto is None:
        return (oracle.settled(post) if step.settle else post), run
    if r.accepted and step.key[0] in BACKOFF_RESETS:
        run = 0
    if not step.settle:
        return post, run
    seen = {post}  # the settle edges `Oracle.settled` follows, with their actions
    while True:
        nxt = next(((a, d) for a, d in oracle.out[post] if a in oracle.map.settle), None)
        if nxt is None or nxt[1] in seen:
            return post, run
        run += nxt[0] == auto
        seen.add(nxt[1])
        post = nxt[1]


def _walk(oracle: Oracle, state: int, steps, run: int, auto: int | None) -> int:
    """Return the automatic restarts in a row after ``steps`` from ``state``."""
    for step in steps:
        state, run = _advance(oracle, state, step, run, auto)
    return run


def _pieces(oracle: Oracle, seg: Segment, size: int, limit: int | None, auto: int | None,
            prev: dict) -> list[Segment]:
    """Cut one segment (see `split`)."""
    steps = seg.steps
    out: list[Segment] = []
    state, start, piece_initial, prefix, run = seg.initial, 0, seg.initial, (), 0
    cut = None  # the latest settled, reachable step of this piece with steps after it
    n = 0
    while n < len(steps):
        step = steps[n]
        post, after = _advance(oracle, state, step, run, auto)
        if limit is not None and after > limit and cut is not None:
            c, c_state = cut
            initial, arcs = oracle.path(c_state, prev)
            head = segment_of(oracle, initial, arcs).steps
            head_run = _walk(oracle, initial, head, 0, auto)
            if _walk(oracle, c_state, steps[c + 1:n + 1], head_run, auto) <= limit:
                out.append(Segment(piece_initial, prefix + steps[start:c + 1]))
                piece_initial, prefix, start = initial, head, c + 1
                state, run, cut, n = c_state, head_run, None, c + 1
                continue
            cut = None  # no help from there: keep the longer run
        state, run = post, after
        if step.settle and (state in prev or state in oracle.space.initial):
            if size <= n + 1 - start < len(steps) - start:
                out.append(Segment(piece_initial, prefix + steps[start:n + 1]))
                piece_initial, arcs = oracle.path(state, prev)
                prefix, start = segment_of(oracle, piece_initial, arcs).steps, n + 1
                run, cut = _walk(oracle, piece_initial, prefix, 0, auto), None
            elif n + 1 < len(steps):
                cut = (n, state)
        n += 1
    out.append(Segment(piece_initial, prefix + steps[start:]))
    return out


class _Stopped(Exception):
    """The run is over (a lower segment diverged, or Ctrl-C): stop this worker."""


class _Stoppable:
    """An adapter that raises `_Stopped` at its next command once the run is being stopped."""

    def __init__(self, adapter: Any, stop: threading.Event) -> None:
        self._adapter, self._stop = adapter, stop
        self.__wrapped__ = adapter  # what `evidence.collect` reads the kernel of

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
                with state_lock:  # an interrupt: its steps so far go into the report
                    pieces[n] = run
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

    def stop_workers() -> None:
        stop.set()
        for t in threads:
            if t.ident is not None:  # started (a signal may come before the last one is)
                t.join()

    try:
        for t in threads:
            t.start()
        for t in threads:
            while t.is_alive():
                t.join(0.2)
    except KeyboardInterrupt as exc:
        stop_workers()
        # the segments finished before it (a divergence among them is kept, unshrunk)
        interrupted(exc, _merge(test, harnesses[0], adapters[0], pieces, first["div"], False,
                                harnesses, time.perf_counter() - t0))
        raise
    except BaseException:
        stop_workers()
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
