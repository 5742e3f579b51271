"""`cgroups.under_oom` on fake cgroup files: a blocked task's blink out of the OOM wait is not
read as "not hung"; a cgroup below its limit is read once."""

from __future__ import annotations

import threading
import time

from dockproof.sut.real import cgroups, windows

LIMIT = 22020096


def fake(tmp_path, usage: int, under: int, failcnt: int = 0, disabled: int = 1):
    (tmp_path / "memory.limit_in_bytes").write_text(f"{LIMIT}\n")
    (tmp_path / "memory.usage_in_bytes").write_text(f"{usage}\n")
    (tmp_path / "memory.failcnt").write_text(f"{failcnt}\n")
    (tmp_path / "memory.oom_control").write_text(f"oom_kill_disable {disabled}\n"
                                                 f"under_oom {under}\noom_kill 0\n")
    return tmp_path


def test_blocked_now_is_hung(tmp_path):
    assert cgroups.under_oom(fake(tmp_path, LIMIT, 1))


def test_a_blink_at_the_limit_is_still_hung(tmp_path):
    d = fake(tmp_path, LIMIT - 4096, 0)

    def back_in_the_wait():
        time.sleep(windows.OOM_BLINK / 4)
        fake(tmp_path, LIMIT, 1)

    t = threading.Thread(target=back_in_the_wait)
    t.start()
    try:
        assert cgroups.under_oom(d)
    finally:
        t.join()


def test_a_blink_below_the_limit_after_a_failed_charge_is_still_hung(tmp_path):
    """The retried charge reclaimed more than AT_LIMIT_BYTES; the OOM killer is disabled
    and a charge has failed at the limit: the cgroup is read again, and is hung."""
    d = fake(tmp_path, LIMIT - 3 * (1 << 20), 0, failcnt=5)

    def back_in_the_wait():
        time.sleep(windows.OOM_BLINK / 4)
        fake(tmp_path, LIMIT, 1, failcnt=6)

    t = threading.Thread(target=back_in_the_wait)
    t.start()
    try:
        assert cgroups.under_oom(d)
    finally:
        t.join()


def test_failed_charges_with_the_oom_killer_on_are_read_once(tmp_path, monkeypatch):
    reads = count_reads(monkeypatch)
    assert not cgroups.under_oom(fake(tmp_path, LIMIT - 4 * (1 << 20), 0, failcnt=9,
                                      disabled=0))
    assert len(reads) == 1


def count_reads(monkeypatch) -> list:
    reads = []
    real = cgroups._under_oom_now
    monkeypatch.setattr(cgroups, "_under_oom_now", lambda d: reads.append(d) or real(d))
    return reads


def test_at_the_limit_but_never_blocked_is_not_hung(tmp_path, monkeypatch):
    reads = count_reads(monkeypatch)
    assert not cgroups.under_oom(fake(tmp_path, LIMIT, 0))
    assert len(reads) > 1  # it looked again


def test_below_the_limit_is_read_once(tmp_path, monkeypatch):
    reads = count_reads(monkeypatch)
    assert not cgroups.under_oom(fake(tmp_path, LIMIT - 4 * (1 << 20), 0))
    assert len(reads) == 1
    assert not cgroups.under_oom(None)


def test_paused_or_running_must_agree_with_the_freezer(monkeypatch):
    """A stale TaskPaused event after an unpause makes Docker say paused over a THAWED
    cgroup: the adapter does not call that quiescent (nor the reverse, nor FREEZING)."""
    from dockproof.sut.real.base import RealAdapter
    from dockproof.sut.real.observe import Inspected

    freezer = {"state": "THAWED"}
    monkeypatch.setattr(cgroups, "of_pid", lambda pid, controller: f"/fake/{controller}")
    monkeypatch.setattr(cgroups, "read", lambda d, name: freezer["state"])

    def agrees(status: str) -> bool:
        return RealAdapter._frozen_agrees(Inspected(status, 42, False, 0, 0, None, "t0"))

    assert agrees("running") and not agrees("paused")
    freezer["state"] = "FROZEN"
    assert agrees("paused") and not agrees("running")
    freezer["state"] = "FREEZING"
    assert not agrees("paused") and not agrees("running")
    freezer["state"] = None  # no freezer to read (the process is gone): nothing to compare
    assert agrees("paused") and agrees("running")
