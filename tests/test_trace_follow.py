"""`dockproof trace --follow`: each event is checked as it comes, a rejection is printed the
moment it happens, Ctrl-C ends with the summary; against a synthetic stream through the same
code path, a private dockerd and a private Podman (commands issued from another thread)."""

from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path

import pytest

from dockproof.offline.checker import Checker
from dockproof.offline.follow import _Closing, follow, podman_events
from dockproof.spec.loader import load_model

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "tests" / "data" / "events"


@pytest.fixture(scope="module")
def checker():
    return Checker(load_model(ROOT / "model" / "docker.toml"))


def recorded(name: str) -> list[dict]:
    return [json.loads(x) for x in (EVENTS / "docker" / f"{name}.jsonl").read_text().splitlines()]


def test_an_impossible_event_is_reported_before_the_next_one_is_read(checker):
    ev = recorded("exit-3")
    bad = json.loads(json.dumps(ev[-1]))
    bad["Action"] = bad["status"] = "start"          # a start after the destroy
    stream = ev + [bad] + recorded("exit-0")
    out = io.StringIO()
    seen_when_asked: list[str] = []

    def live():
        for k, e in enumerate(stream):
            if k == len(ev) + 1:
                seen_when_asked.append(out.getvalue())
            yield e
        raise KeyboardInterrupt                       # the user's Ctrl-C

    summary, rejections = follow(checker.run("<docker events>", "docker"), live(), out)
    assert "rejected: container" in seen_when_asked[0]
    assert f"<docker events>:{len(ev) + 1}: rejected" in seen_when_asked[0]
    assert len(rejections) == 1 and rejections[0].removed_at == len(ev)
    assert summary.rejected == 1 and summary.lines == len(stream)


def test_following_goes_on_after_a_rejection_and_after_a_malformed_event(checker):
    ev = recorded("exit-3")
    i = next(k for k, e in enumerate(ev) if e["Action"] == "die")
    stream = ev[:i] + ["not an event"] + ev[i + 1:] + recorded("exit-0")
    out = io.StringIO()
    summary, rejections = follow(checker.run("s", "docker"), iter(stream), out)
    # the dropped die: the destroy is rejected; the container is then checked afresh
    assert [r.action for r in rejections] == ["destroy"] and summary.malformed == 1
    assert "error DP411" in out.getvalue() and summary.containers == 2
    assert summary.removed == 1 and summary.live_at_end == 0


def commands_then_close(stream, commands):
    """Issue ``commands`` from another thread, then close the stream (as Ctrl-C would)."""
    errors: list[BaseException] = []

    def worker():
        try:
            time.sleep(0.5)
            commands()
            time.sleep(1.0)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            stream.close()
    t = threading.Thread(target=worker)
    t.start()
    return t, errors


def test_follow_a_private_dockerd(checker, docker_engine):
    import docker

    from dockproof.sut.real import image

    url = docker_engine.context.base_url
    client, events = docker.DockerClient(base_url=url), docker.DockerClient(base_url=url)
    stream = _Closing(events.events(decode=True), events)
    names = []

    def commands():
        c = client.containers.run(image.IMAGE, detach=True, labels={"dockproof.test": "follow"})
        names.append(c.id)
        c.pause()
        c.unpause()
        c.stop(timeout=1)
        c.start()
        c.remove(force=True)
    t, errors = commands_then_close(stream, commands)
    try:
        out = io.StringIO()
        summary, rejections = follow(checker.run("<docker events>", "docker"), stream, out)
    finally:
        t.join(60)
        for c in client.containers.list(all=True, filters={"label": "dockproof.test=follow"}):
            c.remove(force=True)
        client.close()
    assert not errors, errors
    assert rejections == [], out.getvalue()
    assert summary.containers == 1 and summary.removed == 1 and summary.checked >= 10


def test_follow_a_private_podman(checker, podman_engine):
    from dockproof.sut.real import image

    ctx = podman_engine.context
    stream = podman_events(ctx.argv([]), ctx.env())

    def commands():
        run = ctx.run(["run", "-d", *ctx.CREATE_FLAGS, "--label", "dockproof.test=follow",
                       image.IMAGE])
        assert run.returncode == 0, run.stderr
        cid = run.stdout.decode().split()[-1]
        for argv in (["pause", cid], ["unpause", cid], ["stop", "-t", "1", cid],
                     ["rm", cid]):
            done = ctx.run(argv)
            assert done.returncode == 0, done.stderr
    t, errors = commands_then_close(stream, commands)
    try:
        out = io.StringIO()
        summary, rejections = follow(checker.run("<podman events>", "podman"), stream, out)
    finally:
        t.join(60)
        ctx.run(["rm", "-f", "--filter", "label=dockproof.test=follow"])
    assert not errors, errors
    assert rejections == [], out.getvalue()
    assert summary.removed >= 1 and summary.checked >= 6


def test_the_cli_follows_a_private_dockerd_until_ctrl_c(docker_engine):
    import signal
    import subprocess
    import sys

    import docker

    from dockproof.sut.real import image

    url = docker_engine.context.base_url
    p = subprocess.Popen([sys.executable, "-m", "dockproof", "trace", "--follow", "docker",
                          "--url", url], cwd=ROOT, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    client = docker.DockerClient(base_url=url)
    try:
        assert p.stderr.readline().startswith("following docker events")   # subscribed
        c = client.containers.run(image.IMAGE, detach=True,
                                  labels={"dockproof.test": "follow-cli"})
        c.stop(timeout=1)
        c.remove()
        time.sleep(1.0)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
        for c in client.containers.list(all=True, filters={"label":
                                                           "dockproof.test=follow-cli"}):
            c.remove(force=True)
        client.close()
    assert p.returncode == 0, err
    assert out.startswith("<docker events>: accepted: the Docker model explains all") and \
        "1 container, 1 removed" in out, out
    assert "Traceback" not in err
