"""An inconclusive observation of a real engine says what was still outstanding when the
settle window ran out (no engine needed: a fake engine that never quiets down)."""

from __future__ import annotations

import threading

from dockproof.conformance.evidence import collect
from dockproof.conformance.parallel import _Stoppable
from dockproof.sut.real import base, windows
from dockproof.sut.real.observe import Inspected


class _Stuck(base.RealAdapter):
    """An engine whose container stays in ``status`` (no process: no kernel reads)."""

    def __init__(self, status: str) -> None:
        super().__init__()
        self.status = status

    def _inspect(self):
        return Inspected(self.status, 0, False, 0, 1, None, "t0")

    def _transient(self, ins):
        return ins.status in ("restarting", "removing")

    def _command(self, command):  # pragma: no cover - not called
        raise AssertionError

    _daemon_restart = _refusal = _labelled = _remove = _engine_argv = _command


def test_settle_names_what_it_waited_for(monkeypatch):
    monkeypatch.setattr(windows, "RESTART", 0.05)
    monkeypatch.setattr(windows, "POLL", 0.01)
    stuck = _Stuck("restarting")
    stuck.settle()
    assert stuck.observe().flags["inconclusive"] == (
        "not quiescent within 0.05 s: the engine shows the container restarting")
    quiet = _Stuck("exited")
    quiet.settle()
    assert "inconclusive" not in quiet.observe().flags
    # an exit the workload was told to make that the engine has not shown yet
    stuck = _Stuck("running")
    stuck._pending = base.Pending("exit", 0, "t0", 1, "exit")
    stuck.settle()
    assert stuck.observe().flags["inconclusive"] == (
        "not quiescent within 0.05 s: the workload exited (exit); the engine still shows it "
        "running")


def test_the_kernel_evidence_sees_through_the_parallel_wrapper():
    """--jobs wraps each worker's adapter: its divergences and inconclusive steps must still
    carry the kernel's evidence (a wrapped real adapter once gave none)."""
    raw = _Stuck("exited")
    readings = collect(raw)
    assert ("State.Status", "exited") in readings and ("/proc/0", "absent: no init process") \
        in readings
    assert collect(_Stoppable(raw, threading.Event())) == readings
