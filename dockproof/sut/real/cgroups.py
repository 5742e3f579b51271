"""Read a container's resources from the kernel's cgroup files (cgroup v1 here).

On cgroup v2 (a single unified hierarchy) there is no freezer controller with a
`freezer.state` file (v2 has `cgroup.freeze`/`cgroup.events` "frozen"), no
`memory.usage_in_bytes` (v2: `memory.current`) and no `memory.oom_control` with `under_oom`:
v2 cannot disable the OOM killer at all, so the seed's hang (`--oom-kill-disable`) does not
exist there. `version()` tells which one this host has; observe.py refuses v2 with a clear
message rather than guessing.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from dockproof.sut.real import windows

ROOT = Path("/sys/fs/cgroup")
#: Controllers a container's cgroup lives in, whose directories we create and remove.
CONTROLLERS = ("memory", "freezer", "cpu", "cpuacct", "cpuset", "devices", "blkio", "pids",
               "systemd", "unified")


def version() -> int:
    """Return 1 for cgroup v1 (or hybrid) hosts, 2 for a unified-only hierarchy."""
    return 2 if (ROOT / "cgroup.controllers").exists() else 1


def of_pid(pid: int, controller: str) -> Path | None:
    """Return the v1 cgroup directory of `pid` for `controller`, or None if gone."""
    try:
        text = Path(f"/proc/{pid}/cgroup").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        _, names, path = line.split(":", 2)
        if controller in names.split(","):
            found = ROOT / controller / path.lstrip("/")
            return found if found.is_dir() else None
    return None


def read(directory: Path | None, name: str) -> str | None:
    """Return the stripped text of a cgroup file, or None if it cannot be read."""
    if directory is None:
        return None
    try:
        return (directory / name).read_text().strip()
    except OSError:
        return None


def under_oom(memory_dir: Path | None) -> bool:
    """Return whether the memory cgroup is blocked at its limit (`under_oom 1`, §4.3).

    A task waiting there is woken by every uncharge in the cgroup (page cache its neighbours'
    reclaim frees, a freed page table), retries its fault and waits again; between the two,
    `under_oom` reads 0 (cgroup v1: mem_cgroup_oom_synchronize unmarks, the retried charge
    marks again). With several tasks at the limit (the workload's init and a unit's holder)
    a Docker tour read that blink as "not hung" once, its usage at the limit to the byte. So a
    cgroup that may be blinking (`_may_blink`) is read again for `windows.OOM_BLINK` before
    it counts as not blocked.
    """
    if _under_oom_now(memory_dir):
        return True
    if not _may_blink(memory_dir):
        return False
    deadline = time.monotonic() + windows.OOM_BLINK
    while time.monotonic() < deadline:
        time.sleep(windows.OOM_BLINK / 20)
        if _under_oom_now(memory_dir):
            return True
    return False


#: A memory cgroup whose usage is this close to its limit is "at its limit" (a unit's holder
#: blocked there leaves it within a page or two; a cgroup that holds its LIMIT units has more
#: than 3 MiB free: base.room_bytes).
AT_LIMIT_BYTES = 1 << 20


def _may_blink(memory_dir: Path | None) -> bool:
    """Return whether a task may be between two OOM waits of the cgroup: its usage sits at
    the limit, or the OOM killer is disabled and some charge has failed at the limit
    (`memory.failcnt`). The retried charge reclaims first (page cache, the workload's
    mapped binary), so usage can dip more than `AT_LIMIT_BYTES` below the limit during a
    blink: a Docker test under CPU load read a hung workload as not hung so, usage 2 units."""
    usage = read(memory_dir, "memory.usage_in_bytes")
    limit = read(memory_dir, "memory.limit_in_bytes")
    if usage is not None and limit is not None and int(limit) - int(usage) <= AT_LIMIT_BYTES:
        return True
    disabled = "oom_kill_disable 1" in (read(memory_dir, "memory.oom_control") or "").splitlines()
    return disabled and int(read(memory_dir, "memory.failcnt") or 0) > 0


def _under_oom_now(memory_dir: Path | None) -> bool:
    text = read(memory_dir, "memory.oom_control") or ""
    return "under_oom 1" in text.splitlines()


class HostCgroup:
    """A parent cgroup standing for the host: its memory limit is the host's memory.

    Containers are created with `--cgroup-parent /NAME`, so that `host_units` bounds all of
    them together (the seed's host memory) and the kernel's OOM killer acts at that level
    when no container limit is reached first.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    @property
    def parent(self) -> str:
        """Return the value for `--cgroup-parent` (cgroupfs driver: an absolute path)."""
        return "/" + self.name

    def create(self, limit_bytes: int) -> None:
        """Create the memory cgroup with `limit_bytes` as its limit."""
        memory = ROOT / "memory" / self.name
        memory.mkdir(exist_ok=True)
        (memory / "memory.limit_in_bytes").write_text(str(limit_bytes))

    def remove(self) -> None:
        """Remove the cgroup from every controller, children first, once they are empty.

        Podman's conmon sits in ``NAME/conmon`` and exits a moment after its container is
        removed, so removal is retried within `windows.CGROUP_RELEASE`.
        """
        deadline = time.monotonic() + windows.CGROUP_RELEASE
        while self._remove_once() and time.monotonic() < deadline:
            time.sleep(windows.POLL)

    def _remove_once(self) -> bool:
        """Try to remove every directory; return whether some are left."""
        left = False
        for controller in CONTROLLERS:
            top = ROOT / controller / self.name
            if not top.is_dir():
                continue
            for dirpath, _, _ in sorted(os.walk(top), key=lambda w: -len(w[0])):
                try:
                    os.rmdir(dirpath)
                except OSError:
                    left = True
        return left
