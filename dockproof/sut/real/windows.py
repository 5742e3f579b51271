"""Every time window the real-engine code waits for, in one place, each with its evidence.

A window is the longest the harness waits for an engine's own asynchronous activity before it
calls the observation *inconclusive* (design §6: never a bare sleep, never a silent pass).
Each is a generous multiple of what was measured on this machine (Debian 12, cgroup v1,
dockerd 20.10.24, Podman 4.3.1, 2 cores); "measured" figures are from the dockproof runs
recorded in tests/data/events/README.md unless an engine-facts section is cited.
"""

from __future__ import annotations

#: Poll interval for every wait (inspect, cgroup files, the workload's ack).
POLL = 0.02
#: `under_oom` of a cgroup that may be blinking is read again this long before it counts as
#: 0: a task blocked there blinks out of the OOM wait at every uncharge in the cgroup and back
#: in within microseconds on a quiet machine (cgroups.under_oom), but the retried charge
#: reclaims first and can be preempted: 20 ms was not enough with two CPU hogs on the 2 cores
#: (a hung workload read as not hung, 1 test run in 6). Paid only by a cgroup at its limit or
#: one whose disabled OOM killer has failed a charge, i.e. one that is (or was) hung.
OOM_BLINK = 0.25

#: dockerd answers `ping`: measured < 1 s here (design §7 says "a few seconds").
DAEMON_READY = 30.0
#: dockerd exits after SIGTERM: it stops every running container with its stop timeout
#: (engine-facts §3.6: 12.7 s with 10 s timeouts); ours trap TERM and exit at once.
DAEMON_STOP = 30.0

#: The workload's FIFO has a reader after a (re)start: init creates it within ~10 ms.
WORKLOAD_READY = 5.0
#: The workload acknowledges a stimulus: an 8 MiB unit is filled and acked in < 0.1 s.
ACK = 5.0
#: The ack of an `alloc` that is expected to reach the limit: the kernel's memcg OOM handling
#: (kill, or `under_oom` for the hang) happens within ~30 ms (engine-facts §4.2).
ALLOC_AT_LIMIT = 3.0

#: An exit is processed (Docker `die` + SetStopped/SetRestarting): tens of ms (§4.2). Also
#: the wait for the workload's init to be gone after an exit stimulus (< 10 ms measured).
EXIT = 10.0
#: Poll interval for that wait: the model's exit step is the process's end, and a command
#: that must follow at once (a tour's `exit 0 &; kill`) should meet the engine before it has
#: handled the exit as often as it can, so this poll is much finer than `POLL`.
EXIT_POLL = 0.001
#: A pending automatic restart: Docker's back-off is 0.1·2^k s plus 0.2–0.6 s of start overhead
#: (engine-facts §3.3); 20 s covers k ≤ 7 restarts in a row within 10 s of running. Podman has
#: no back-off (≈ 0.1 s per cycle, §8.2). A longer back-off makes the observation inconclusive.
RESTART = 20.0
#: An allocation at the limit with --oom-kill-disable reaches the hang (`under_oom 1`) only
#: after the kernel gave up reclaiming the cgroup's page cache: at once on a quiet machine,
#: but more than 25 s was seen with two engine tours running beside it (a tour then had 4
#: inconclusive steps). settle() waits this long for an allocation's outcome.
HANG = 120.0
#: Podman's `podman container cleanup` (started by conmon at exit) decides the restart and
#: moves "stopped" to "exited": measured < 0.5 s.
PODMAN_CLEANUP = 10.0

#: Podman's conmon leaves its cgroup (``PARENT/conmon``) after its container is removed:
#: measured < 0.5 s; until then the host cgroup cannot be removed.
CGROUP_RELEASE = 5.0

#: `stop -t`/`restart -t` timeout in seconds: the workload exits 143 on TERM at once; a hung
#: (D-state) init needs the SIGKILL, which arrives after this many seconds.
STOP_TIMEOUT = 1

#: Any single engine command (an API call or a podman CLI run). A podman process still
#: running after it is killed with its process group (a hung podman is the fault; the run
#: ends with exit 3, `EngineUnavailable`).
COMMAND = 60.0
#: After Ctrl-C, how long an engine command already under way may take to finish before it is
#: killed: a podman `stop -t 1` or `rm -f` takes < 1.5 s here; a create or start < 0.5 s.
INTERRUPT_GRACE = 10.0

#: The whole teardown of a run (list the labelled containers, `rm -f` each, list again until
#: none is left): `rm -f` of a running or hung container is a SIGKILL and its exit, < 1 s per
#: container measured; a Ctrl-C teardown here took < 2 s. Beyond it the rest are leftovers.
TEARDOWN = 30.0

#: The apt package that provides each binary the real-engine code runs.
APT_PACKAGE = {
    "dockerd": "docker.io", "docker": "docker.io", "containerd": "containerd",
    "podman": "podman", "conmon": "conmon", "runc": "runc", "busybox": "busybox-static",
    "ip": "iproute2", "umount": "mount",
}
