"""Record real engines' event logs for every lifecycle scenario dockproof can stage.

    PYTHONPATH=. python scripts/record_events.py [--engine docker|podman|both] [--out DIR]

Starts a private dockerd and/or a private Podman context (dockproof.sut.real), drives one
labelled container per scenario through the adapters, and writes the events that scenario
produced to ``DIR/<engine>/<scenario>.jsonl`` (default DIR: tests/data/events), plus
``DIR/README.md`` with the scenarios and the exact engine versions. Docker lines are the
daemon's `/events` messages, the same JSON as `docker events --format '{{json .}}'`; Podman
lines are its events file, the same JSON as `podman events --format json`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

from dockproof.sut.contract import Command, Config
from dockproof.sut.real import image
from dockproof.sut.real.dockerd import PrivateDockerd
from dockproof.sut.real.errors import EngineUnavailable
from dockproof.sut.real.podmanctx import PrivatePodman

C = Command
#: name -> (description, steps). A step is a Command; each is applied, then settled.
SCENARIOS: dict[str, tuple[str, list[Command]]] = {
    "create-start-stop-rm": ("create, start, stop (TERM: the workload exits 143), rm",
                             [C("create", Config()), C("start"), C("stop"), C("rm")]),
    "run-pause-unpause-kill": ("run, pause, unpause, kill (SIGKILL), rm",
                               [C("run", Config()), C("pause"), C("unpause"), C("kill"),
                                C("rm")]),
    "restart-running": ("run, restart, rm -f", [C("run", Config()), C("restart"),
                                                C("rm_force")]),
    "restart-paused": ("run, pause, restart (Podman refuses), rm -f",
                       [C("run", Config()), C("pause"), C("restart"), C("rm_force")]),
    "restart-exited": ("run, stop, restart, rm -f",
                       [C("run", Config()), C("stop"), C("restart"), C("rm_force")]),
    "exit-0": ("run, the workload exits 0, rm", [C("run", Config()), C("exit", code=0),
                                                 C("rm")]),
    "exit-3": ("run, the workload exits 3, rm", [C("run", Config()), C("exit", code=3),
                                                 C("rm")]),
    "child-exit-5": ("run, a child exits 5 and takes init down (S10), rm",
                     [C("run", Config()), C("child_exit", code=5), C("rm")]),
    "oom-kill": ("run -m 2u, alloc twice: the second unit reaches the limit, OOM kill, rm",
                 [C("run", Config(memory=2)), C("alloc"), C("alloc"), C("rm")]),
    "oom-kill-disable-hang-kill": ("run -m 2u --oom-kill-disable, alloc twice (hang), kill, rm",
                                   [C("run", Config(memory=2, oom_kill_disable=True)),
                                    C("alloc"), C("alloc"), C("kill"), C("rm")]),
    "oom-kill-on-failure-1": ("run -m 2u --restart on-failure:1, OOM kill, restart, OOM kill",
                              [C("run", Config(memory=2, restart="on-failure:1")),
                               C("alloc"), C("alloc"), C("alloc"), C("alloc"), C("rm")]),
    "on-failure-2-exhausted": ("run --restart on-failure:2, exit 1 three times, rm",
                               [C("run", Config(restart="on-failure:2")),
                                *[C("exit", code=1)] * 3, C("rm")]),
    "on-failure-exit-0": ("run --restart on-failure, exit 0 (no restart), rm",
                          [C("run", Config(restart="on-failure")), C("exit", code=0),
                           C("rm")]),
    "always-exit-0-stop": ("run --restart always, exit 0 (restart), stop, rm",
                           [C("run", Config(restart="always")), C("exit", code=0),
                            C("stop"), C("rm")]),
    "unless-stopped-exit-stop": ("run --restart unless-stopped, exit 2 (restart), stop, rm",
                                 [C("run", Config(restart="unless-stopped")),
                                  C("exit", code=2), C("stop"), C("rm")]),
    "no-policy-exit-1": ("run --restart no, exit 1 (no restart), rm",
                         [C("run", Config(restart="no")), C("exit", code=1), C("rm")]),
    "rm-force-running": ("run, rm -f", [C("run", Config()), C("rm_force")]),
    "rm-force-paused": ("run, pause, rm -f", [C("run", Config()), C("pause"),
                                              C("rm_force")]),
}
#: Docker only: containers in these states, then the daemon is restarted (SIGTERM + start).
DAEMON_RESTART = {
    "always-running": [C("run", Config(restart="always"))],
    "always-stopped": [C("run", Config(restart="always")), C("stop")],
    "unless-stopped-running": [C("run", Config(restart="unless-stopped"))],
    "unless-stopped-stopped": [C("run", Config(restart="unless-stopped")), C("stop")],
    "no-running": [C("run", Config(restart="no"))],
}
HOST_UNITS = 32


def drive(adapter, steps: list[Command]) -> list[str]:
    """Apply and settle each step; return one line per step with its outcome."""
    lines = []
    for command in steps:
        outcome = adapter.apply(command)
        adapter.settle()
        seen = adapter.observe()
        note = "ok" if outcome.ok else f"refused: {outcome.error}"
        lines.append(f"`{command}` → {note}; {seen.status}")
    return lines


def write_jsonl(path: Path, events: list[dict]) -> None:
    """Write events one JSON object a line, in the engine's order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(e, sort_keys=True) + "\n" for e in events))


# -- Docker ---------------------------------------------------------------------------------

def docker_events(client, names: set[str], since: float, until: float) -> list[dict]:
    """Return the daemon's events for containers `names` (and their network events)."""
    found = client.events(since=int(since) - 1, until=int(until) + 1, decode=True)
    return select_docker(list(found), names)


def select_docker(events: list[dict], names: set[str]) -> list[dict]:
    """Keep container events of `names` and network events naming their ids."""
    ids = {e["Actor"]["ID"] for e in events
           if e.get("Type") == "container" and e["Actor"]["Attributes"].get("name") in names}
    return [e for e in events if e["Actor"]["ID"] in ids
            or e["Actor"]["Attributes"].get("container") in ids]


def record_docker(out: Path) -> dict[str, list[str]]:
    """Record every scenario on a private dockerd; return the step notes per scenario."""
    from dockproof.sut.real.docker import DockerAdapter

    notes: dict[str, list[str]] = {}
    with PrivateDockerd() as daemon:
        probe = DockerAdapter(daemon=daemon)
        image.import_docker(probe.client)
        info = probe.client.version()
        notes["versions"] = [f"dockerd {info['Version']} (API {info['ApiVersion']}), " + ", ".join(
            f"{c['Name']} {c['Version']}" for c in info.get("Components", [])[1:])]
        for name, (_, steps) in SCENARIOS.items():
            adapter = DockerAdapter(daemon=daemon)
            adapter.reset(HOST_UNITS)
            start = time.time()
            try:
                notes[name] = drive(adapter, steps)
            finally:
                adapter.close()
            write_jsonl(out / "docker" / f"{name}.jsonl",
                        docker_events(probe.client, {adapter.name}, start, time.time()))
        notes["daemon-restart"] = record_daemon_restart(daemon, out)
        probe.close()
    return notes


def collect(client, since: float, into: list[dict]) -> None:
    """Append the live event stream to `into` until the daemon closes it (its shutdown)."""
    try:
        into.extend(client.events(since=int(since) - 1, decode=True))
    except Exception:  # noqa: BLE001 - the connection drops when the daemon stops
        pass


def record_daemon_restart(daemon: PrivateDockerd, out: Path) -> list[str]:
    """Stage containers in several states, restart the daemon, and record all events.

    Events are not persisted across a daemon restart (engine-facts §6.3), so a live stream
    collects the shutdown's events and a query after the restart collects the boot's.
    """
    from dockproof.sut.real.docker import DockerAdapter

    adapters = {label: DockerAdapter(daemon=daemon) for label in DAEMON_RESTART}
    notes, start = [], time.time()
    for label, steps in DAEMON_RESTART.items():
        adapters[label].reset(HOST_UNITS)
        notes += [f"{label}: {n}" for n in drive(adapters[label], steps)]
    stream: list[dict] = []
    client = adapters["no-running"].client
    reader = threading.Thread(target=collect, args=(client, start, stream), daemon=True)
    reader.start()
    time.sleep(0.5)  # let the stream subscribe before the shutdown starts
    booted = time.time()
    notes += [f"all: {n}" for n in drive(adapters["no-running"], [C("daemon_restart")])]
    reader.join(timeout=5)
    for label, adapter in adapters.items():
        notes.append(f"{label}: after the restart: {adapter.observe().status}")
        adapter.close()
    names = {a.name for a in adapters.values()}
    # The ring buffer starts empty at boot, so the query returns only post-restart events.
    events = select_docker(stream, names) + docker_events(client, names, booted, time.time())
    write_jsonl(out / "docker" / "daemon-restart.jsonl", events)
    return notes


# -- Podman ---------------------------------------------------------------------------------

def podman_events(context: PrivatePodman, offset: int, name: str) -> list[dict]:
    """Return the events file's records after `offset` for the container `name`."""
    with open(context.events_file, "rb") as f:
        f.seek(offset)
        records = [json.loads(line) for line in f if line.strip()]
    return [r for r in records if r.get("Name") == name and r.get("Type") == "container"]


def record_podman(out: Path) -> dict[str, list[str]]:
    """Record every scenario in a private Podman context; return the step notes."""
    from dockproof.sut.real.podman import PodmanAdapter

    notes: dict[str, list[str]] = {}
    with PrivatePodman() as context:
        image.import_podman(context)
        version = context.run(["version", "--format", "{{.Client.Version}}"]).stdout.decode()
        tools = [subprocess.run([t, "--version"], capture_output=True, text=True).stdout
                 .splitlines()[0] for t in ("conmon", "runc")]
        notes["versions"] = [f"podman {version.strip()}, " + ", ".join(tools)]
        for name, (_, steps) in SCENARIOS.items():
            adapter = PodmanAdapter(context)
            adapter.reset(HOST_UNITS)
            offset = context.events_file.stat().st_size if context.events_file.exists() else 0
            try:
                notes[name] = drive(adapter, steps)
            finally:
                adapter.close()
            write_jsonl(out / "podman" / f"{name}.jsonl",
                        podman_events(context, offset, adapter.name))
    return notes


def main(argv: list[str] | None = None) -> int:
    """Record the chosen engines' events; exit 3 if an engine is unavailable."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("docker", "podman", "both"), default="both")
    parser.add_argument("--out", type=Path, default=Path("tests/data/events"))
    args = parser.parse_args(argv)
    notes = {}
    try:
        if args.engine in ("docker", "both"):
            notes["docker"] = record_docker(args.out)
        if args.engine in ("podman", "both"):
            notes["podman"] = record_podman(args.out)
    except EngineUnavailable as e:
        print(f"record_events: engine unavailable: {e}", file=sys.stderr)
        return 3
    (args.out / "README.md").write_text(readme(notes))
    return 0


def readme(notes: dict[str, dict[str, list[str]]]) -> str:
    """Render the README: versions, then each scenario with each engine's step outcomes."""
    out = ["# Real engine event logs", "",
           "Recorded by `scripts/record_events.py` on a private dockerd and a private Podman",
           "context (Debian 12, cgroup v1). One file per scenario: `docker/<name>.jsonl` holds",
           "the daemon's `/events` messages (as `docker events --format '{{json .}}'`),",
           "`podman/<name>.jsonl` the events file (as `podman events --format json`), filtered",
           "to the scenario's container (and, for Docker, its network events).",
           "Memory is in units of 8 MiB. Stop/restart use `-t 1`; the workload exits 143 on TERM.",
           "", "## Versions", ""]
    for engine, by in sorted(notes.items()):
        out += [f"- {engine}: {by['versions'][0]}"]
    out += ["", "## Scenarios", ""]
    names = [*SCENARIOS, "daemon-restart"]
    for name in names:
        desc = SCENARIOS[name][0] if name in SCENARIOS else (
            "Docker only: containers with policies always/unless-stopped/no, running or "
            "stopped; the daemon gets SIGTERM and is started again")
        out += [f"### {name}", "", desc, ""]
        for engine, by in sorted(notes.items()):
            if name in by:
                out += [f"- {engine}:"] + [f"  - {line}" for line in by[name]]
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
