"""Observe the one container under test from the kernel and the engine's inspect data.

Resources (design §6, cgroup v1):
- ``proc``: `State.Pid > 0` and ``/proc/PID`` exists;
- ``cpu``: the process exists and its freezer cgroup's `freezer.state` is ``THAWED``
  (``FROZEN`` while paused: engine-facts §5.2);
- ``mem``: its memory cgroup exists and charges memory (`memory.usage_in_bytes > 0`);
- ``net``: its network namespace is not the host's; with a bridge network the engine must
  also report an address (`--network none` gives a namespace holding only `lo`);
- ``fs``: the container's rw layer (`GraphDriver.Data.UpperDir`) exists: from create to rm.

On cgroup v2 this module raises `EngineUnavailable`: v2 has no `freezer.state`, no
`memory.usage_in_bytes` and no `under_oom` (it cannot disable the OOM killer), so neither
cpu, mem nor the hang could be observed as the seed defines them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dockproof.sut.contract import Observation
from dockproof.sut.real import cgroups, workload
from dockproof.sut.real.errors import EngineUnavailable

#: Statuses for which `exit_code` is reported: the code of the run that ended.
_ENDED = ("exited", "restarting", "dead")


@dataclass(frozen=True, slots=True)
class Inspected:
    """The engine's inspect answer, reduced to what observation needs (Docker's words)."""

    status: str
    pid: int
    oom_killed: bool
    exit_code: int
    restart_count: int
    upper_dir: str | None
    started_at: str
    #: None: the engine's network gives no address (`none`); else the address ("" if none).
    address: str | None = None


def require_cgroup_v1() -> None:
    """Raise `EngineUnavailable` on a cgroup v2 host, saying what could not be observed."""
    if cgroups.version() != 1:
        raise EngineUnavailable(
            "cgroup v2 host: freezer.state, memory.usage_in_bytes and memory.oom_control "
            "(under_oom) do not exist, so cpu, mem and the hang cannot be observed")


def _own_netns(pid: int) -> bool:
    try:
        return os.stat(f"/proc/{pid}/ns/net").st_ino != os.stat("/proc/self/ns/net").st_ino
    except OSError:
        return False


def resources(ins: Inspected) -> frozenset[str]:
    """Return the held resources of the container described by `ins`."""
    held = set()
    alive = ins.pid > 0 and Path(f"/proc/{ins.pid}").exists()
    if alive:
        held.add("proc")
        if cgroups.read(cgroups.of_pid(ins.pid, "freezer"), "freezer.state") == "THAWED":
            held.add("cpu")
        usage = cgroups.read(cgroups.of_pid(ins.pid, "memory"), "memory.usage_in_bytes")
        if usage is not None and int(usage) > 0:
            held.add("mem")
        if _own_netns(ins.pid) and ins.address != "":
            held.add("net")
    if ins.upper_dir and Path(ins.upper_dir).is_dir():
        held.add("fs")
    return frozenset(held)


def flags(ins: Inspected) -> dict[str, Any]:
    """Return the observable flags of the container described by `ins`."""
    memory = cgroups.of_pid(ins.pid, "memory") if ins.pid > 0 else None
    usage = cgroups.read(memory, "memory.usage_in_bytes")
    return {
        "hung": cgroups.under_oom(memory),
        "oom_killed": ins.oom_killed,
        "exit_code": ins.exit_code if ins.status in _ENDED else None,
        "restart_count": ins.restart_count,
        "usage": int(usage) // workload.UNIT_BYTES if usage is not None else 0,
        "mem_data": workload.has_mem_data(ins.pid),
        "fs_data": workload.has_fs_data(ins.upper_dir),
    }


def observe(ins: Inspected | None, inconclusive: bool | str = False) -> Observation:
    """Return the contract's `Observation` for `ins` (None: no container exists).

    ``inconclusive`` (True, or what was still outstanding) adds the flag ``inconclusive``:
    the last `settle()` ran out of its time window, so this observation may show a transient
    state.
    """
    extra = {"inconclusive": inconclusive} if inconclusive else {}
    if ins is None:
        return Observation("none", frozenset(), extra)
    return Observation(ins.status, resources(ins), {**flags(ins), **extra})
