"""Measure the claims model/podman.toml cites "measured" on a private Podman 4.3 context.

Run (root, podman, busybox-static): PYTHONPATH=. python scripts/measure_podman.py [OUT]

Every command runs in a `PrivatePodman` context (its own storage, run root and events file,
removed at the end). For each scenario the script prints the podman command, its exit status,
time, stdout and stderr, `podman inspect`'s State (Status, Running, Paused, Pid, ExitCode,
OOMKilled, RestartCount) and the container events logged since the previous print. The
scenarios: a created container (stop, kill, pause, unpause, restart, start twice), a paused
one (pause, start, stop, restart, rm, kill), rm -f of a container whose init ignores SIGTERM
(--stop-timeout 1 and the default 10 s), exits under each restart policy, a retry count with
always / no / unless-stopped, OOM kills, and restart of a running and of an exited container.
"""

from __future__ import annotations

import json
import sys
import time

from dockproof.sut.real import image
from dockproof.sut.real.podmanctx import PrivatePodman

IMG = "localhost/" + image.IMAGE
FLAGS = [*PrivatePodman.CREATE_FLAGS, "--network", "none"]
SLEEP = ["sh", "-c", "sleep 1000"]
IGNORES_TERM = ["sh", "-c", "trap '' TERM; while true; do sleep 1; done"]
OOM = ["-m", "32m", "--memory-swap", "32m"]
DD = ["sh", "-c", "dd if=/dev/zero of=/dev/null bs=200M count=1"]


def exits(code: int, after: str = "") -> list[str]:
    return ["sh", "-c", f"{after}exit {code}"]


# (podman args) runs a command; ("state", name) prints inspect's State; ("events", tag) the
# events since the last print; ("sleep", seconds) waits for conmon's cleanup or a restart.
SCENARIOS = {
    "a created container": [
        ["create", *FLAGS, "--name", "a", IMG, *SLEEP], ("state", "a"), ("events", "create"),
        ["stop", "a"], ("state", "a"), ("events", "stop of created"),
        ["kill", "a"], ["pause", "a"], ["unpause", "a"], ["restart", "-t", "1", "a"],
        ("state", "a"), ("events", "restart of created"),
        ["stop", "-t", "1", "a"], ("state", "a"), ("events", "stop"), ["kill", "a"],
        ["start", "a"], ("state", "a"), ("events", "start of exited"),
        ["start", "a"], ("state", "a"), ("events", "start of running"),
    ],
    "a paused container": [
        ["pause", "a"], ("state", "a"), ("events", "pause"),
        ["pause", "a"], ["start", "a"], ["stop", "-t", "1", "a"], ["restart", "-t", "1", "a"],
        ["rm", "a"], ("state", "a"), ("events", "refusals"),
        ["kill", "a"], ("state", "a"), ("events", "kill of paused"),
        ["unpause", "a"], ["rm", "a"], ("events", "rm"),
    ],
    "missing containers": [["rm", "-f", "a"], ["rm", "a"], ["start", "a"]],
    "rm -f of a container that ignores SIGTERM": [
        ["run", "-d", *FLAGS, "--stop-timeout", "1", "--name", "c", IMG, *IGNORES_TERM],
        ("sleep", 0.5), ["rm", "-f", "c"], ("events", "rm -f, stop timeout 1"),
        ["run", "-d", *FLAGS, "--name", "c2", IMG, *IGNORES_TERM],
        ("sleep", 0.5), ["rm", "-f", "c2"], ("events", "rm -f, default stop timeout"),
    ],
    "exits and restart policies": [
        ["run", "-d", *FLAGS, "--name", "d", IMG, *exits(3)], ("sleep", 2), ("state", "d"),
        ("events", "exit 3"), ["rm", "d"],
        ["run", "-d", *FLAGS, "--restart", "on-failure:2", "--name", "e", IMG, *exits(1)],
        ("sleep", 4), ("state", "e"), ("events", "on-failure:2, exit 1"), ["rm", "-f", "e"],
        ["run", "-d", *FLAGS, "--restart", "always", "--name", "f", IMG,
         *exits(0, "sleep 0.3; ")], ("sleep", 2), ("state", "f"), ["stop", "-t", "1", "f"],
        ("state", "f"), ("events", "always, exit 0, then stop"),
        ["start", "f"], ("sleep", 1), ["kill", "f"], ("sleep", 1.5), ("state", "f"),
        ("events", "always, start, kill"), ["rm", "-f", "f"],
        ["run", "-d", *FLAGS, "--restart", "unless-stopped", "--name", "g", IMG,
         *exits(0, "sleep 0.3; ")], ("sleep", 1.5), ("state", "g"), ["rm", "-f", "g"],
        ("events", "unless-stopped, exit 0"),
        ["run", "-d", *FLAGS, "--restart", "on-failure", "--name", "i", IMG,
         *exits(0, "sleep 0.3; ")], ("sleep", 1.5), ("state", "i"), ["rm", "-f", "i"],
        ("events", "on-failure, exit 0"),
    ],
    "a retry count without on-failure": [
        ["create", *FLAGS, "--restart", p, "--name", "h", IMG]
        for p in ("always:2", "no:1", "unless-stopped:1")
    ],
    "OOM kills": [
        ["run", "-d", *FLAGS, *OOM, "--name", "o", IMG, *DD], ("sleep", 2), ("state", "o"),
        ("events", "OOM kill"), ["rm", "o"],
        ["run", "-d", *FLAGS, *OOM, "--restart", "on-failure:1", "--name", "o2", IMG, *DD],
        ("sleep", 3), ("state", "o2"), ("events", "OOM kill, on-failure:1"), ["rm", "-f", "o2"],
    ],
    "restart of a running and of an exited container": [
        ["run", "-d", *FLAGS, "--stop-timeout", "1", "--name", "r", IMG, *SLEEP],
        ("events", "run"), ["restart", "-t", "1", "r"], ("state", "r"),
        ("events", "restart of running"), ["kill", "r"], ("sleep", 0.5), ("state", "r"),
        ["restart", "r"], ("state", "r"), ("events", "restart of exited"),
        ["rm", "r"], ["rm", "-f", "r"],
    ],
}

STATE = ("{{.State.Status}} Running={{.State.Running}} Paused={{.State.Paused}} "
         "Pid={{.State.Pid}} Exit={{.State.ExitCode}} OOM={{.State.OOMKilled}} "
         "RC={{.RestartCount}}")


def main() -> None:
    out = open(sys.argv[1], "w") if len(sys.argv) > 1 else sys.stdout
    ctx = PrivatePodman()
    ctx.start()
    try:
        image.import_podman(ctx)
        for title, steps in SCENARIOS.items():
            print(f"== {title}", file=out, flush=True)
            for step in steps:
                print(run(ctx, step), file=out, flush=True)
    finally:
        ctx.close()
        if out is not sys.stdout:
            out.close()


def run(ctx: PrivatePodman, step) -> str:
    if isinstance(step, list):
        t0 = time.time()
        done = ctx.run(step)
        return (f"$ podman {' '.join(step)}\n  rc={done.returncode} {time.time() - t0:.2f}s "
                f"out={done.stdout.decode().strip()[:200]!r} "
                f"err={done.stderr.decode().strip()[:400]!r}")
    kind, arg = step
    if kind == "sleep":
        time.sleep(arg)
        return f"  (waited {arg}s)"
    if kind == "state":
        done = ctx.run(["inspect", "--format", STATE, arg])
        return f"  state {arg}: {done.stdout.decode().strip()}"
    lines = ctx.events_file.read_text().splitlines() if ctx.events_file.exists() else []
    ctx.events_file.write_text("")
    names = []
    for line in lines:
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if e.get("Type") == "container":
            code = e.get("ContainerExitCode")
            names.append(e["Status"] + (f"({code})" if code is not None else ""))
    return f"  events [{arg}]: {' '.join(names)}"


if __name__ == "__main__":
    main()
