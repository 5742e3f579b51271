"""Render a container as `docker inspect` and `docker ps` show it (engine-facts §1.2, §1.4)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .container import Container
from .events import EPOCH_S
from .kernel import Kernel

ZERO_TIME = "0001-01-01T00:00:00Z"


def timestamp(ms: int | None) -> str:
    """Format a virtual-clock time as Docker's RFC 3339 text (nanosecond precision).

    >>> timestamp(None), timestamp(1500)
    ('0001-01-01T00:00:00Z', '2023-11-14T22:13:21.500000000Z')
    """
    if ms is None:
        return ZERO_TIME
    moment = datetime.fromtimestamp(EPOCH_S + ms // 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}000000Z"


def state_dict(c: Container) -> dict[str, Any]:
    """Return the ``State`` object of ``docker inspect``."""
    return {
        "Status": c.status, "Running": c.running, "Paused": c.paused,
        "Restarting": c.restarting, "OOMKilled": c.oom_killed, "Dead": c.dead,
        "Pid": c.pid, "ExitCode": c.exit_code, "Error": c.error,
        "StartedAt": timestamp(c.started_at), "FinishedAt": timestamp(c.finished_at),
    }


def inspect_dict(c: Container, kernel: Kernel) -> dict[str, Any]:
    """Return ``docker inspect``'s answer, plus a ``Dockproof`` section of held resources."""
    cgroup = kernel.cgroups.get(c.id)
    init = cgroup.init if cgroup is not None else None
    policy = c.config.restart
    return {
        "Id": c.id, "Name": f"/{c.name}", "Image": c.image, "State": state_dict(c),
        "RestartCount": c.restart_count,
        "HostConfig": {
            "Memory": c.config.memory or 0, "OomKillDisable": c.config.oom_kill_disable,
            "RestartPolicy": {"Name": policy.name, "MaximumRetryCount": policy.max_retries},
        },
        "Dockproof": {
            "Resources": sorted(c.resources(kernel)),
            "MemoryUsage": cgroup.usage if cgroup is not None else 0,
            "Hung": bool(init is not None and init.blocked),
            "UnderOOM": bool(cgroup is not None and cgroup.under_oom),
            "MemData": bool(init is not None and init.mem_data),
            "FsData": c.rootfs.data,
        },
    }


def _ago(ms: int) -> str:
    seconds = ms // 1000
    if seconds < 1:
        return "Less than a second"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def ps_status(c: Container, now_ms: int) -> str:
    """Return the STATUS column of ``docker ps`` (``State.String``, §1.2), on virtual time."""
    if c.running:
        if c.paused:
            return f"Up {_ago(now_ms - (c.started_at or 0))} (Paused)"
        if c.restarting:
            return f"Restarting ({c.exit_code}) {_ago(now_ms - (c.finished_at or 0))} ago"
        return f"Up {_ago(now_ms - (c.started_at or 0))}"
    if c.dead:
        return "Dead"
    if c.started_at is None:
        return "Created"
    return f"Exited ({c.exit_code}) {_ago(now_ms - (c.finished_at or 0))} ago"
