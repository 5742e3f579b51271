"""Processes and process groups of the private engines: find them, await them, kill them.

Used to tear down what a killed dockerd leaves running (its containerd, the shims, their
containers) and to bound every podman process by a window (windows.py).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from dockproof.sut.real import windows


def cmdline(pid: int) -> bytes:
    """Return the command line of `pid` with spaces for NULs (empty if it is gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return b""


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process group `proc` leads, then reap `proc` and close its pipes."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()


def host_cgroups(state_json: Path) -> set[str]:
    """Return the dockproof host cgroups (``dockproof-…``) a runc container sits in."""
    try:
        paths = json.loads(state_json.read_text()).get("cgroup_paths") or {}
    except (OSError, ValueError):
        return set()
    names = set()
    for path in paths.values():
        parent = Path(path).parent.name
        if parent.startswith("dockproof-"):
            names.add(parent)
    return names


#: The processes a private dockerd runs (their `comm`, cut to 15 characters by the kernel).
DOCKER_PROCESSES = ("dockerd", "containerd", "containerd-shim", "docker-proxy", "runc")


def pids_mentioning(text: str, comms: tuple[str, ...] = DOCKER_PROCESSES) -> list[int]:
    """Return the pids of processes named in `comms` whose command line contains `text`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if comm in comms and text.encode() in cmdline(int(entry.name)):
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Return whether `pid` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def await_gone(pids: list[int], window: float, poll: float = windows.POLL) -> list[int]:
    """Wait until none of `pids` is alive, within `window`; return those still alive."""
    deadline = time.monotonic() + window
    left = [p for p in pids if alive(p)]
    while left and time.monotonic() < deadline:
        time.sleep(poll)
        left = [p for p in left if alive(p)]
    return left


def kill_all(pids: list[int]) -> None:
    """SIGKILL every pid in `pids` (one already gone is fine)."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
