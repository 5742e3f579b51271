"""Reproduce dockerd 20.10's pause/unpause race on a private daemon, and show what avoids it.

Run (root, docker.io, busybox-static): python scripts/docker_pause_race.py [--pairs N] [--runs R]

dockerd sets `Paused` itself when `pause` / `unpause` return *and* again when it handles
containerd's TaskPaused / TaskResumed event (moby v20.10.24 daemon/pause.go, unpause.go,
monitor.go). An event handled after the next command has already returned sets the old value
again, for a moment, so a client that sends `pause` and `unpause` back to back gets, now and
then, "Container … is already paused" (409) or "Container … is not paused" (500), and
`docker inspect` says paused over a THAWED freezer (or running over a FROZEN one).

Each run sends up to N back-to-back pairs and stops at the first refusal; then the same pairs
again, waiting after each command until the engine's status agrees with the kernel's freezer
(what the conformance harness does before it observes: `RealAdapter._frozen_agrees`).
"""

from __future__ import annotations

import argparse
import sys
import time


def pairs(client, ident: str, n: int, settle) -> tuple[int, str | None]:
    """Send up to ``n`` pause/unpause pairs; return (pairs done, the first refusal or None)."""
    import docker

    for i in range(n):
        for verb in ("pause", "unpause"):
            try:
                getattr(client.api, verb)(ident)
            except docker.errors.APIError as exc:
                return i, f"`{verb}` refused: {exc.explanation}"
            settle()
    return n, None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python scripts/docker_pause_race.py",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", type=int, default=400, metavar="N",
                    help="pause/unpause pairs per run at most (default 400)")
    ap.add_argument("--runs", type=int, default=3, metavar="R", help="runs (default 3)")
    args = ap.parse_args(argv)
    import docker

    from dockproof.sut.real import cgroups, image, windows
    from dockproof.sut.real.dockerd import PrivateDockerd
    from dockproof.sut.real.errors import EngineUnavailable

    daemon = PrivateDockerd(network="none")
    try:
        daemon.start()
    except EngineUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    try:
        client = docker.DockerClient(base_url=daemon.base_url)
        image.import_docker(client)
        print(f"dockerd {client.version()['Version']}, {args.runs} runs of up to {args.pairs} "
              "pause/unpause pairs")
        for run in range(1, args.runs + 1):
            ctr = client.containers.run(image.IMAGE, detach=True)
            freezer = cgroups.of_pid(ctr.attrs["State"]["Pid"] or
                                     client.api.inspect_container(ctr.id)["State"]["Pid"],
                                     "freezer")

            def agreed(ctr=ctr, freezer=freezer) -> tuple[str, str | None]:
                status = client.api.inspect_container(ctr.id)["State"]["Status"]
                return status, cgroups.read(freezer, "freezer.state")

            def settle() -> None:
                deadline = time.monotonic() + windows.RESTART
                while time.monotonic() < deadline:
                    status, state = agreed()
                    if state == ("FROZEN" if status == "paused" else "THAWED"):
                        return
                    time.sleep(windows.POLL / 4)

            done, refusal = pairs(client, ctr.id, args.pairs, lambda: None)
            if refusal:
                time.sleep(1)
                status, state = agreed()
                print(f"  run {run}, back to back: {refusal} after {done} pairs; a second "
                      f"later: status {status}, freezer {state}")
                if status == "paused":  # the second phase starts from a running container
                    client.api.unpause(ctr.id)
            else:
                print(f"  run {run}, back to back: {done} pairs, no refusal")
            settle()
            done, refusal = pairs(client, ctr.id, args.pairs, settle)
            print(f"  run {run}, waiting for engine and freezer to agree: {done} pairs, "
                  f"{refusal or 'no refusal'}")
            ctr.remove(force=True)
    finally:
        daemon.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
