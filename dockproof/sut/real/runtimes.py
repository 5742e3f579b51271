"""The OCI runtimes a private engine can run its containers with: runc (the default) and crun.

crun 1.8 refuses to run on a hybrid cgroup layout whose cgroup2 hierarchy holds a controller
(libcrun/cgroup.c: "cgroups in hybrid mode not supported, drop all controllers from
cgroupv2"); on this machine /sys/fs/cgroup/unified/cgroup.controllers lists `hugetlb`. So
crun is run through a wrapper that gives it a private mount namespace without the cgroup2
mount: crun then sees the legacy (cgroup v1) layout it supports, the host keeps its own, and
every v1 controller the containers use (freezer, memory, pids, ...) is the host's. The wrapper
lives in the engine's private directory.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from dockproof.sut.real.private import require_binary

RUNTIMES = ("runc", "crun")

_WRAPPER = """#!/bin/sh
# crun in a mount namespace of its own without the cgroup2 mount (dockproof.sut.real.runtimes)
exec unshare --mount --propagation private /bin/sh -c \\
  'umount /sys/fs/cgroup/unified 2>/dev/null; exec {crun} "$@"' crun "$@"
"""


def check(runtime: str) -> str:
    """Return ``runtime`` if it is known, else raise `ValueError`."""
    if runtime not in RUNTIMES:
        raise ValueError(f"runtime must be one of {', '.join(RUNTIMES)}, not {runtime!r}")
    return runtime


def binary(runtime: str, folder: Path) -> str:
    """Return the program an engine runs for ``runtime``: runc itself, or crun's wrapper
    (written into ``folder``); raise `EngineUnavailable` if the runtime is not installed."""
    path = require_binary(check(runtime))
    if runtime == "runc":
        return path
    require_binary("unshare")
    folder.mkdir(parents=True, exist_ok=True)
    wrapper = folder / "crun-legacy-cgroups"
    wrapper.write_text(_WRAPPER.format(crun=path))
    wrapper.chmod(0o755)
    return str(wrapper)


def version(runtime: str) -> str:
    """Return the runtime's version number (``1.8.1``), or ``?``."""
    try:
        done = subprocess.run([check(runtime), "--version"], capture_output=True, text=True,
                              timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    for line in done.stdout.splitlines():
        words = line.split()
        if len(words) >= 3 and words[1] == "version":
            return words[2]
    return "?"


def suffix(runtime: str) -> str:
    """Return what an engine's version carries for ``runtime``: nothing for runc, the
    default, else `` crun 1.8.1`` (so recorded divergences can name the runtime)."""
    return "" if runtime == "runc" else f" {runtime} {version(runtime)}"

