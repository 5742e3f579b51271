"""Read the kernel's evidence for a divergence on a real engine (cgroup v1 files, /proc).

When a step diverges, the report shows what the kernel said at that moment, not only what the
adapter concluded from it: the init process (`State.Pid`, ``/proc/PID``), its freezer state
(``freezer.state``: THAWED = cpu), its memory cgroup (``memory.usage_in_bytes``: mem, and
``under_oom`` from ``memory.oom_control``: the hang), its network namespace. The real-engine
adapters offer it as their ``evidence()`` (``kernel_evidence`` in their capabilities).
"""

from __future__ import annotations

import os
from pathlib import Path

from dockproof.sut.real import cgroups
from dockproof.sut.real.observe import Inspected

#: At most this many of a container's processes go into the evidence.
PROCESSES = 8


def kernel(ins: Inspected | None) -> list[tuple[str, str]]:
    """Return (what, reading) pairs for the container the engine inspected as ``ins``."""
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
    if memory is not None:
        # the limit that binds: its own (-m), else the parent's (the harness's host)
        for d in (memory, memory.parent):
            limit = cgroups.read(d, "memory.limit_in_bytes")
            used = cgroups.read(d, "memory.usage_in_bytes")
            out.append((f"{d}/memory.limit_in_bytes, usage_in_bytes",
                        f"{limit or 'absent'}, {used or 'absent'}"))
        out += _processes(memory)
    try:
        same = os.stat(f"/proc/{pid}/ns/net").st_ino == os.stat("/proc/self/ns/net").st_ino
        out.append((f"/proc/{pid}/ns/net", "the host's" if same else "its own namespace"))
    except OSError as exc:
        out.append((f"/proc/{pid}/ns/net", f"unreadable: {exc.strerror}"))
    return out


def _processes(memory: Path) -> list[tuple[str, str]]:
    """Return each process of a memory cgroup with its state and kernel wait channel (a task
    asleep in the memcg OOM wait shows ``mem_cgroup_oom_synchronize``; D: uninterruptible)."""
    out = []
    pids = (cgroups.read(memory, "cgroup.procs") or "").split()
    for pid in pids[:PROCESSES]:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            comm, state = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2]
            wchan = Path(f"/proc/{pid}/wchan").read_text().strip() or "-"
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        out.append((f"/proc/{pid}", f"{comm} state {state} wchan {wchan}"))
    if len(pids) > PROCESSES:
        out.append(("processes", f"{len(pids)} in all; the first {PROCESSES} shown"))
    return out
