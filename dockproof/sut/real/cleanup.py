"""Remove the containers a dockproof run left behind, and nothing else.

    python -m dockproof.sut.real.cleanup --docker-host unix:///tmp/dockproof-d.X/docker.sock \\
        --run-id 4ea38ed29f8f4846b01c3ef596800948
    python -m dockproof.sut.real.cleanup --podman-dir /tmp/dockproof-p.X --all-dockproof-runs

A run whose engine died (issue 6 item 7) ends with exit 3 and prints this command. Only
containers carrying the label ``dockproof.run`` are touched: with ``--run-id`` only those whose
label value is that run id, with ``--all-dockproof-runs`` any value. Each removed container
is printed, then the host cgroup of each run (``dockproof-RUNID12``) is removed when empty.
Exit codes: 0 done (also when there was nothing to remove), 2 bad arguments, 3 the engine
does not answer or a container would not go.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from dockproof.errors import DockproofError
from dockproof.sut.real.base import LABEL, describe, host_cgroup
from dockproof.sut.real.errors import EngineUnavailable


@dataclass(frozen=True, slots=True)
class Labelled:
    """A container carrying the dockproof run label."""

    ident: str
    name: str
    run_id: str


def _wanted(found: Iterable[Labelled], run_ids: set[str] | None) -> list[Labelled]:
    """Keep the containers of `run_ids` (None: of every run); never an unlabelled one."""
    return sorted((c for c in found if c.run_id and (run_ids is None or c.run_id in run_ids)),
                  key=lambda c: (c.run_id, c.name, c.ident))


class DockerEngine:
    """The cleanup's view of a Docker daemon (the docker SDK)."""

    def __init__(self, base_url: str) -> None:
        from dockproof.sut.real.docker import _client

        self.base_url = base_url
        self.client = _client(base_url)

    def labelled(self) -> list[Labelled]:
        """Return every container carrying the label, with its run id."""
        try:
            found = self.client.api.containers(all=True, filters={"label": LABEL})
        except Exception as e:  # noqa: BLE001 - transport or API: the engine cannot say
            raise EngineUnavailable(f"cannot list containers on {self.base_url}: {e}") from None
        return [Labelled(c["Id"], (c.get("Names") or ["/"])[0].lstrip("/"),
                         (c.get("Labels") or {}).get(LABEL, "")) for c in found]

    def remove(self, ident: str) -> None:
        """Force-remove one container."""
        import docker

        try:
            self.client.api.remove_container(ident, force=True)
        except docker.errors.NotFound:
            pass
        except Exception as e:  # noqa: BLE001
            raise EngineUnavailable(f"cannot remove {ident[:12]} on {self.base_url}: "
                                    f"{e}") from None


class PodmanEngine:
    """The cleanup's view of a private Podman context (its directory)."""

    def __init__(self, directory: Path) -> None:
        from dockproof.sut.real.podmanctx import PrivatePodman

        if not (directory / "storage").is_dir():
            raise EngineUnavailable(f"{directory} holds no Podman storage")
        self.context = PrivatePodman(base_dir=directory)

    def labelled(self) -> list[Labelled]:
        """Return every container carrying the label, with its run id."""
        done = self.context.call(["ps", "-a", "--filter", f"label={LABEL}", "--format", "json"])
        if done.returncode != 0:
            raise EngineUnavailable(f"podman ps failed: {done.stderr.decode().strip()}")
        try:
            found = json.loads(done.stdout or b"[]")
        except ValueError:
            raise EngineUnavailable(f"podman ps answered no JSON: {done.stdout[:80]!r}") \
                from None
        return [Labelled(c["Id"], (c.get("Names") or [""])[0],
                         (c.get("Labels") or {}).get(LABEL, "")) for c in found]

    def remove(self, ident: str) -> None:
        """Force-remove one container."""
        done = self.context.call(["rm", "-f", "-t", "0", ident])
        if done.returncode != 0 and b"no such container" not in done.stderr:
            raise EngineUnavailable(f"podman rm {ident[:12]} failed: "
                                    f"{done.stderr.decode().strip()}")


def cleanup(engine: DockerEngine | PodmanEngine, run_ids: set[str] | None) -> list[Labelled]:
    """Remove the labelled containers of `run_ids` (None: every run); return them.

    The engine is asked again afterwards: a container still listed is an error.
    """
    doomed = _wanted(engine.labelled(), run_ids)
    for c in doomed:
        engine.remove(c.ident)
    still = _wanted(engine.labelled(), {c.run_id for c in doomed})
    if still:
        raise EngineUnavailable("still there after rm -f: "
                                + ", ".join(describe(c.ident, c.name) for c in still))
    for run_id in sorted({c.run_id for c in doomed} | (run_ids or set())):
        host_cgroup(run_id).remove()
    return doomed


def parser() -> argparse.ArgumentParser:
    """Return the command line parser."""
    p = argparse.ArgumentParser(
        prog="python -m dockproof.sut.real.cleanup",
        description="Remove the containers dockproof runs left behind: only those carrying "
        f"the label {LABEL} (of one run, or of every run). Exit 0 done, 2 bad arguments, "
        "3 the engine does not answer.")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--docker-host", metavar="URL", help="the Docker daemon, e.g. "
                       "unix:///tmp/dockproof-d.X/docker.sock")
    where.add_argument("--podman-dir", type=Path, metavar="DIR",
                       help="the directory of a private Podman context (PrivatePodman.dir)")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--run-id", action="append", metavar="ID",
                       help="the run whose containers go (repeatable)")
    which.add_argument("--all-dockproof-runs", action="store_true",
                       help=f"every container carrying the label {LABEL}, whatever its run")
    return p


def main(argv: list[str] | None = None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    """Run the cleanup command line; return the exit code."""
    out, err = out or sys.stdout, err or sys.stderr
    args = parser().parse_args(argv)
    run_ids = None if args.all_dockproof_runs else set(args.run_id)
    try:
        engine = DockerEngine(args.docker_host) if args.docker_host else \
            PodmanEngine(args.podman_dir)
        removed = cleanup(engine, run_ids)
    except DockproofError as e:
        err.write(e.render() + "\n")
        return e.exit_code
    except KeyboardInterrupt:
        err.write("interrupted\n")
        return 3
    for c in removed:
        out.write(f"removed {describe(c.ident, c.name)} (run {c.run_id})\n")
    if not removed:
        out.write("nothing to remove\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
