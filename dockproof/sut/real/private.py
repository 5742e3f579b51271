"""What both private engines need of the host: binaries, log tails, unmounting, stopping.

Every path of a private engine lives under one temporary directory (`PrivateDockerd`,
`PrivatePodman`); these helpers find its binaries, quote its log, and remove the directory
with whatever is still mounted below it.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
from pathlib import Path

from dockproof.sut.real import windows
from dockproof.sut.real.errors import EngineUnavailable

_LOG_TAIL_LINES = 20


def log_tail(path: Path, lines: int = _LOG_TAIL_LINES) -> str:
    """Return the last `lines` lines of a log file, or a note that there is none."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


def require_binary(name: str) -> str:
    """Return the path of `name`, or raise `EngineUnavailable` naming the apt package."""
    found = shutil.which(name)
    if found is None:
        raise EngineUnavailable(f"{name} not found on PATH (apt-get install "
                                f"{windows.APT_PACKAGE.get(name, name)})")
    return found


def unmount_under(root: Path) -> None:
    """Lazily unmount every mount point below `root`, deepest first."""
    prefix = str(root).rstrip("/") + "/"
    points = []
    with open("/proc/self/mountinfo", encoding="utf-8") as f:
        for line in f:
            point = line.split()[4].replace("\\040", " ")
            if point.startswith(prefix):
                points.append(point)
    for point in sorted(points, key=len, reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True, check=False)


def remove_tree(root: Path) -> None:
    """Unmount leftovers under `root`, then delete it."""
    unmount_under(root)
    shutil.rmtree(root, ignore_errors=True)


def terminate(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM a running process, as a service manager would, and wait for it within
    `windows.DAEMON_STOP` (the caller decides what to kill if it is still there)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=windows.DAEMON_STOP)
        except subprocess.TimeoutExpired:
            pass
