"""Tests for ``dockproof repl``: piped scripts, error lines, exit status and help."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
from pathlib import Path

from dockproof.reference.repl import HELP, add_arguments, cmd_repl

ROOT = Path(__file__).resolve().parents[1]


def run(script: str, *argv: str) -> tuple[int, str, str]:
    """Run the REPL over ``script`` in-process; return status, stdout and stderr."""
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(list(argv))
    args.input = io.StringIO(script)
    out, err = io.StringIO(), io.StringIO()
    return cmd_repl(args, out, err), out.getvalue(), err.getvalue()


def test_run_pause_and_status_lines():
    rc, out, err = run("docker run -d -m 500m --oom-kill-disable --restart=on-failure:3 "
                       "--name web busybox\ndocker pause web\n")
    assert rc == 0 and err == ""
    lines = out.splitlines()
    assert len(lines[0]) == 64
    assert lines[1] == "web  running  CPU MEM NET PROC FS  mem 0/5 units  exit 0  restarts 0"
    assert lines[2:4] == ["  + create web", "  + start web"]
    assert lines[4] == "web"
    assert lines[5] == "web  paused  MEM NET PROC FS  mem 0/5 units  exit 0  restarts 0"
    assert lines[6] == "  + pause web"


def test_oom_hang_and_stop_show_the_kernel_at_work():
    rc, out, _ = run("docker run -d -m 200m --oom-kill-disable --name web busybox\n"
                     "alloc web 300m\ndocker stop -t 2 web\n")
    assert "alloc 3 units: hung" in out
    assert "web  running  CPU MEM NET PROC FS  mem 2/2 units  exit 0  restarts 0  hung" in out
    tail = out.splitlines()[-6:]
    assert tail == ["web", "web  exited  FS  mem 0/2 units  exit 137  restarts 0  OOMKilled",
                    "  + kill web signal=15", "  + kill web signal=9",
                    "  + die web exitCode=137", "  + stop web"]


def test_restart_policy_and_tick():
    _, out, _ = run("docker run -d --restart always --name a busybox\nexit a 3\ntick 50ms\n"
                    "tick\n")
    assert "a  restarting  FS  mem 0/- units  exit 3  restarts 1  restart due in 100ms" in out
    assert "clock 50ms" in out
    assert out.splitlines()[-3:] == ["clock 100ms",
                                     "a  running  CPU MEM NET PROC FS  mem 0/- units  exit 0  "
                                     "restarts 1", "  + start a"]


def test_errors_are_one_line_and_the_repl_goes_on():
    script = ("bogus\ndocker frob\ndocker run --bad busybox\ndocker run nothere\n"
              "docker stop ghost\nalloc\nexit web x\ntick soon\n"
              "docker run -d --name web busybox\ndocker rm web\ndocker ps\n")
    rc, out, err = run(script)
    assert rc == 0
    assert err.splitlines() == [
        "error: unknown command 'bogus'; type 'help'",
        "error: 'docker frob' is not a command here; type 'help'",
        "error: docker run: unrecognized arguments: --bad",
        "Unable to find image 'nothere:latest' locally",
        "Error response from daemon: No such image: nothere:latest",
        "Error response from daemon: No such container: ghost",
        "error: usage: alloc NAME [SIZE]",
        "error: bad exit code 'x': expected an integer",
        "error: bad duration 'soon': use 100ms, 2s or 1m",
        "Error response from daemon: You cannot remove a running container "
        + out.splitlines()[0] + ". Stop the container before attempting removal or force remove",
    ]
    assert "Traceback" not in out + err
    assert out.splitlines()[-2].startswith("CONTAINER ID")
    assert out.splitlines()[-1].endswith("web     CPU MEM NET PROC FS")


def test_strict_fails_when_any_command_failed():
    assert run("docker start ghost\n", "--strict")[0] == 1
    assert run("docker run -d --name web busybox\n", "--strict")[0] == 0


def test_inspect_events_and_daemon_restart():
    _, out, _ = run("docker run -d --restart unless-stopped --name web busybox\n"
                    "daemon restart\ndocker inspect -f '{{.State.Status}} {{.RestartCount}}' web\n"
                    "docker events --format '{{.Action}} {{.Actor.Attributes.name}}'\n")
    assert "running 0" in out
    assert out.endswith("create web\nstart web\nkill web\ndie web\nstop web\nstart web\n")


def test_rm_and_removed_status_line():
    _, out, _ = run("docker create --name web busybox\ndocker rm web\n")
    assert out.splitlines()[-3:] == ["web", "web  none  -", "  + destroy web"]


def test_host_memory_option_and_bad_size():
    _, out, err = run("docker run -d --name web busybox\nalloc web 400m\n", "--host-memory", "300m")
    assert "cannot allocate memory" in err and "the host has 3 free" in err
    rc, _, err = run("", "--host-memory", "lots")
    assert rc == 2 and err.startswith("error: --host-memory: bad size 'lots'")


def test_help_lists_every_command():
    _, out, _ = run("help\n")
    for word in ("docker run", "docker create", "docker start", "docker stop", "docker kill",
                 "docker restart", "docker pause", "docker unpause", "docker rm", "docker ps",
                 "docker inspect", "docker events", "alloc", "write", "exit", "child-exit",
                 "tick", "daemon restart", "chattr", "quit", "100m"):
        assert word in out, word
    assert out.rstrip("\n") == HELP


def test_quit_stops_reading():
    _, out, _ = run("quit\ndocker run -d --name web busybox\n")
    assert out == ""


def test_piped_subprocess_has_no_prompt():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "dockproof.reference.repl"],
                          input="docker run -d --name web busybox\nwrite web fs\n"
                                "docker stop web\ndocker start web\n"
                                "docker inspect -f '{{.Dockproof.FsData}}' web\n",
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert proc.returncode == 0 and proc.stderr == ""
    assert "dockproof>" not in proc.stdout
    assert proc.stdout.splitlines()[-1] == "true"
