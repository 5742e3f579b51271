"""`dockproof trace --follow`: check a running engine's event stream as it comes.

The stream is an iterator of decoded events: the docker SDK's ``events(decode=True)`` for
Docker, the lines of ``podman events --format json`` for Podman. Each event goes through the
same `Run.event` as a file's lines; a rejection is printed the moment it happens and the
container is then checked afresh; Ctrl-C (or the end of the stream) returns the summary.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from collections.abc import Iterable, Iterator
from typing import TextIO

from ..errors import InputError, UnavailableError


def follow(run, events: Iterable, out: TextIO, verbose: bool = False,
           quiet: bool = False) -> tuple:
    """Check ``events`` one by one; return (summary, rejections). ``quiet``: print nothing
    as it comes (the caller prints a JSON document at the end)."""
    from .cli import write_rejection

    rejections = []
    n = 0
    it = iter(events)
    try:
        for obj in it:
            n += 1
            run.summary.lines = n
            try:
                rej = run.event(obj, n)
            except InputError as exc:
                run.summary.malformed += 1
                if not quiet:
                    out.write(exc.render() + "\n")
                    out.flush()
                continue
            if rej is not None:
                rejections.append(rej)
                run.forget(rej.container)
                if not quiet:
                    write_rejection(rej, out, verbose, run.auto)
                    out.flush()
    except KeyboardInterrupt:
        pass
    finally:
        close = getattr(it, "close", None)
        if close is not None:
            close()
    return run.finish(), rejections


def stream_of(engine: str, url: str | None = None, podman: str = "podman") -> Iterator:
    """Open a live event stream of ``engine``."""
    if engine == "docker":
        return docker_events(url)
    return podman_events(shlex.split(podman))


def docker_events(url: str | None) -> Iterator[dict]:
    try:
        import docker
    except ImportError:
        raise UnavailableError("--follow docker needs the docker SDK (pip install "
                               "docker)") from None
    try:
        client = docker.DockerClient(base_url=url) if url else docker.from_env()
        client.ping()
    except Exception as exc:  # noqa: BLE001 - the SDK raises many kinds; all mean unreachable
        raise UnavailableError(f"cannot reach the docker daemon"
                               f"{' at ' + url if url else ''}: {exc}") from None
    return _Closing(client.events(decode=True), client)


class _Closing:
    """An event stream that closes its source (and client) when closed."""

    def __init__(self, stream, *owners) -> None:
        self.stream, self.owners = stream, owners

    def __iter__(self):
        return iter(self.stream)

    def close(self) -> None:
        self.stream.close()
        for o in self.owners:
            o.close()


def podman_events(argv: list[str], env: dict | None = None) -> Iterator[dict]:
    """Run ``ARGV events --format json`` and decode its lines."""
    try:
        proc = subprocess.Popen([*argv, "events", "--format", "json"], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, env=env)
    except OSError as exc:
        raise UnavailableError(f"cannot run {argv[0]}: {exc}") from None
    return _PodmanStream(proc)


class _PodmanStream:
    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc

    def __iter__(self):
        for line in self.proc.stdout:
            if line.strip():
                try:
                    yield json.loads(line)
                except ValueError:
                    yield line.decode(errors="replace")   # Run.event reports it
        self.proc.wait()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
