"""Read the kernel's evidence for a divergence on a real engine (cgroup v1 files, /proc).

When a step diverges, the report shows what the kernel said at that moment, not only what the
adapter concluded from it: the init process (`State.Pid`, ``/proc/PID``), its freezer state
(``freezer.state``: THAWED = cpu), its memory cgroup (``memory.usage_in_bytes``: mem, and
``under_oom`` from ``memory.oom_control``: the hang), its network namespace. An adapter may
offer ``evidence() -> dict[str, str]`` itself; the real-engine adapters of
`dockproof.realengine` are read here; any other adapter has none.
"""

from __future__ import annotations

import os
from typing import Any


def collect(adapter: Any) -> tuple[tuple[str, str], ...]:
    """Return (what, reading) pairs for the adapter's container now (empty if none)."""
    own = getattr(adapter, "evidence", None)
    try:
        if callable(own):
            return tuple(sorted((str(k), str(v)) for k, v in own().items()))
        if _is_real(adapter):
            return tuple(_kernel(adapter))
    except Exception as exc:  # noqa: BLE001 - evidence must never hide the divergence
        return (("evidence", f"could not be read: {exc}"),)
    return ()


def _is_real(adapter: Any) -> bool:
    import sys

    base = sys.modules.get("dockproof.realengine.base")
    return base is not None and isinstance(adapter, base.RealAdapter)


def _kernel(adapter: Any) -> list[tuple[str, str]]:
    from dockproof.realengine import cgroups

    ins = adapter._inspect()  # the engine's own view, read once more for the evidence
    if ins is None:
        return [("container", "none (the engine lists no such container)")]
    pid = ins.pid
    out = [("State.Status", ins.status), ("State.Pid", str(pid)),
           ("State.OOMKilled", str(ins.oom_killed)), ("State.ExitCode", str(ins.exit_code))]
    if pid <= 0 or not os.path.exists(f"/proc/{pid}"):
        out.append((f"/proc/{pid}", "absent: no init process"))
        return out
    freezer = cgroups.of_pid(pid, "freezer")
    memory = cgroups.of_pid(pid, "memory")
    out.append((f"{freezer}/freezer.state" if freezer else "freezer cgroup",
                cgroups.read(freezer, "freezer.state") or "absent"))
    usage = cgroups.read(memory, "memory.usage_in_bytes")
    out.append((f"{memory}/memory.usage_in_bytes" if memory else "memory cgroup",
                f"{usage} bytes" if usage is not None else "absent"))
    oom = cgroups.read(memory, "memory.oom_control") or ""
    under = next((ln for ln in oom.splitlines() if ln.startswith("under_oom")), "absent")
    out.append((f"{memory}/memory.oom_control" if memory else "memory.oom_control", under))
    try:
        same = os.stat(f"/proc/{pid}/ns/net").st_ino == os.stat("/proc/self/ns/net").st_ino
        out.append((f"/proc/{pid}/ns/net", "the host's" if same else "its own namespace"))
    except OSError as exc:
        out.append((f"/proc/{pid}/ns/net", f"unreadable: {exc.strerror}"))
    return out
