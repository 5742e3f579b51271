"""Talk to the controllable workload (workload.sh), the container's init, from the host.

A stimulus is one line ``SEQ VERB ARG`` written into the FIFO ``/dp/ctl`` through
``/proc/PID/root``: no `exec` process joins the container's memory cgroup (an exec near the
limit would itself be charged and could be the one OOM-killed). The workload writes ``SEQ``
into ``/dp/ack`` when it has done the step; `exit` and `child_exit` have no ack (the container
exits instead).
"""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

from dockproof.sut.real import windows

#: One memory unit in bytes: `Config.memory` units are the container's `-m` (and
#: `--memory-swap`, so no swap is used). A unit costs 8 MiB + ~0.33 MiB of holder processes
#: and init costs ~0.8 MiB, so limit−1 units fit under the limit for limits up to 16 units.
UNIT_BYTES = 8 * 1024 * 1024
#: Largest `Config.memory` for which "limit−1 units fit, the limit-th does not" holds.
MAX_UNITS = 16

SCRIPT = Path(__file__).with_name("workload.sh")
#: Paths inside the container.
CTL, ACK, MEM_DATA, FS_DATA = "dp/ctl", "dp/ack", "dev/shm/dp-mem", "dp/fs-data"


def _root(pid: int) -> Path:
    return Path(f"/proc/{pid}/root")


def try_send(pid: int, line: str) -> bool:
    """Write `line` into the workload's FIFO if init has it open; return whether it did.

    Opening with O_NONBLOCK fails with ENXIO while no reader has the FIFO open (init not yet
    started, or a stale FIFO left in the rw layer by the previous run), so a line is never
    left behind in a FIFO nobody reads.
    """
    try:
        fd = os.open(_root(pid) / CTL, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as e:
        if e.errno in (errno.ENXIO, errno.ENOENT, errno.ESRCH, errno.EACCES):
            return False
        raise
    try:
        os.write(fd, (line + "\n").encode())
    except (BrokenPipeError, BlockingIOError):
        # init closed the FIFO between our open and our write (it is ending: stop, kill,
        # an exit), or does not read it: the line was not delivered. (An EPIPE let through
        # here once ended a whole tour as the CLI's "stdout closed": exit 0, no report.)
        return False
    finally:
        os.close(fd)
    return True


def send(pid: int, line: str, window: float = windows.WORKLOAD_READY) -> bool:
    """Deliver `line` to the workload, waiting for init to open its FIFO; False if never.

    Init holds the FIFO open read-write from its start to its end (workload.sh), so a line
    written is never dropped; before init opens it (or after init is gone) a writer gets
    ENXIO and retries within the window.
    """
    deadline = time.monotonic() + window
    while time.monotonic() < deadline:
        if try_send(pid, line):
            return True
        if not Path(f"/proc/{pid}").exists():
            return False
        time.sleep(windows.POLL)
    return False


def acked(pid: int, seq: int) -> bool:
    """Return whether the workload in `pid` has acknowledged stimulus `seq`."""
    try:
        return (_root(pid) / ACK).read_text().strip() == str(seq)
    except OSError:
        return False


def has_mem_data(pid: int) -> bool:
    """Return whether the data written by `write_mem` is in the container's /dev/shm."""
    return pid > 0 and (_root(pid) / MEM_DATA).exists()


def has_fs_data(upper_dir: str | None) -> bool:
    """Return whether the file written by `write_fs` is in the container's rw layer."""
    return bool(upper_dir) and (Path(upper_dir) / FS_DATA).exists()
