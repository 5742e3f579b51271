"""What the real-engine fault tests share: the driver script (the real CLI with a subcommand
of its own, in a subprocess), a faulty podman, the two engines' sides, and the bystanders
that must come out of every fault untouched (test_realengine_faults.py,
test_realengine_hangs.py)."""


import json
import select
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from dockproof.sut.real import image
from dockproof.sut.real.base import LABEL
from dockproof.sut.real.podmanctx import PrivatePodman

REPO = Path(__file__).resolve().parent.parent

#: The driver: a `fault-drive` subcommand plugged into the real CLI, cycling one container
#: through stop/start/pause/unpause until something ends the run.
DRIVER = textwrap.dedent('''
    import sys
    from dockproof import cli
    from dockproof.sut.contract import Command, Config
    from dockproof.sut.real.session import RunSession

    def register(sub):
        p = sub.add_parser("fault-drive")
        p.add_argument("engine")
        p.add_argument("where")
        p.add_argument("run_id")
        p.add_argument("--podman-binary", default="podman")
        p.set_defaults(func=cmd_drive)

    def adapter_for(args):
        if args.engine == "docker":
            from dockproof.sut.real.docker import DockerAdapter
            return DockerAdapter(base_url=args.where, run_id=args.run_id)
        from dockproof.sut.real.podman import PodmanAdapter
        from dockproof.sut.real.podmanctx import PrivatePodman
        context = PrivatePodman(args.where, binary=args.podman_binary)
        return PodmanAdapter(context, run_id=args.run_id)

    def step(adapter, out, verb, config=None):
        outcome = adapter.apply(Command(verb, config))
        adapter.settle()
        out.write(f"{verb} {outcome.ok} {adapter.observe().status}\\n")
        out.flush()

    def cmd_drive(args, out, err):
        adapter = adapter_for(args)
        with RunSession(adapter, err=err):
            adapter.reset(8)
            step(adapter, out, "run", Config())
            while True:
                for verb in ("stop", "start", "pause", "unpause"):
                    step(adapter, out, verb)

    cli.SUBCOMMAND_MODULES = ("__main__",)
    sys.exit(cli.main(sys.argv[1:]))
''')

#: A podman that hangs or dies on `pause` when the file FAULT beside it says so.
FAULTY_PODMAN = textwrap.dedent('''\
    #!/bin/sh
    here=$(dirname "$0")
    for arg in "$@"; do
        if [ "$arg" = pause ] && [ -f "$here/FAULT" ]; then
            echo $$ > "$here/faulty.pid"
            case $(cat "$here/FAULT") in
                hang) exec sleep 600 ;;
                die) kill -9 $$ ;;
            esac
        fi
    done
    exec {podman} "$@"
''')


# -- engines and bystanders ------------------------------------------------------------------

class DockerSide:
    """Bystanders and label queries on a Docker daemon, through the SDK directly."""

    def __init__(self, base_url: str) -> None:
        import docker

        self.where = base_url
        self.client = docker.DockerClient(base_url=base_url, timeout=30)

    def bystander(self, labels: dict[str, str], restart: str = "no") -> str:
        name = f"bystander-{uuid.uuid4().hex[:8]}"
        api = self.client.api
        api.create_container(image.IMAGE, name=name, labels=labels,
                             host_config=api.create_host_config(
                                 restart_policy={"Name": restart}))
        api.start(name)
        return name

    def state(self, name: str) -> tuple[bool, int, str]:
        s = self.client.api.inspect_container(name)["State"]
        return s["Running"], s["Pid"], s["StartedAt"]

    def labelled(self, run_id: str) -> list[str]:
        found = self.client.api.containers(all=True, filters={"label": f"{LABEL}={run_id}"})
        return [c["Id"] for c in found]

    def remove(self, name: str) -> None:
        try:
            self.client.api.remove_container(name, force=True)
        except Exception:  # noqa: BLE001 - the daemon may already be gone
            pass


class PodmanSide:
    """Bystanders and label queries in a private Podman context, through its CLI."""

    def __init__(self, context: PrivatePodman) -> None:
        self.context = context
        self.where = str(context.dir)

    def bystander(self, labels: dict[str, str], restart: str = "no") -> str:
        name = f"bystander-{uuid.uuid4().hex[:8]}"
        flags = [f for k, v in labels.items() for f in ("--label", f"{k}={v}")]
        done = self.context.run(["run", "-d", "--name", name, "--network", "none",
                                 *PrivatePodman.CREATE_FLAGS, *flags,
                                 "localhost/" + image.IMAGE])
        assert done.returncode == 0, done.stderr.decode()
        return name

    def state(self, name: str) -> tuple[bool, int, str]:
        done = self.context.run(["container", "inspect", "--format", "json", name])
        assert done.returncode == 0, done.stderr.decode()
        s = json.loads(done.stdout)[0]["State"]
        return s["Running"], s["Pid"], s["StartedAt"]

    def labelled(self, run_id: str) -> list[str]:
        done = self.context.run(["ps", "-a", "-q", "--filter", f"label={LABEL}={run_id}"])
        assert done.returncode == 0, done.stderr.decode()
        return done.stdout.decode().split()

    def remove(self, name: str) -> None:
        self.context.run(["rm", "-f", "-t", "0", name])


class Bystanders:
    """An unlabelled container and one of another run, both running; checked untouched."""

    def __init__(self, side, restart: str = "no") -> None:
        self.side = side
        self.names = [side.bystander({"purpose": "bystander"}, restart),
                      side.bystander({LABEL: "another-run-" + uuid.uuid4().hex}, restart)]
        self.snapshot()

    def snapshot(self) -> None:
        self.before = {n: self.side.state(n) for n in self.names}
        assert all(running for running, _, _ in self.before.values())

    def assert_untouched(self) -> None:
        assert {n: self.side.state(n) for n in self.names} == self.before

    def remove(self) -> None:
        for name in self.names:
            self.side.remove(name)


# -- the driver --------------------------------------------------------------------------------

def start_driver(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    # the default SIGINT disposition: a suite started in the background inherits it ignored,
    # and the driver (Python) would keep it ignored
    return subprocess.Popen([sys.executable, str(script), "fault-drive", *args], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def await_lines(proc: subprocess.Popen[str], count: int, window: float = 60.0) -> list[str]:
    """Read `count` progress lines from the driver (fail if it ends or stalls first)."""
    lines: list[str] = []
    deadline = time.monotonic() + window
    while len(lines) < count:
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
        line = proc.stdout.readline() if ready else ""
        if not line:
            proc.kill()
            pytest.fail(f"driver stalled or ended after {lines}: {proc.communicate()[1]}")
        lines.append(line.strip())
    return lines


def finish(proc: subprocess.Popen[str], window: float = 60.0) -> tuple[int, str]:
    """Wait for the driver's end; return its exit code and stderr."""
    try:
        _, err = proc.communicate(timeout=window)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        pytest.fail(f"driver did not end within {window}s: {err}")
    return proc.returncode, err


def kill_driver(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.communicate()


def assert_one_error_line(err: str, *needles: str) -> str:
    assert "Traceback" not in err, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for needle in needles:
        assert needle in lines[0], (needle, err)
    return lines[0]
