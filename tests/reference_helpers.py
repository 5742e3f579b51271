"""What the reference interpreter's tests share: readers of a daemon's state, resources and
events (test_reference.py, test_reference_restart.py, test_reference_adapter.py)."""

from __future__ import annotations

import pytest

from dockproof.reference import Daemon, DockerError
from dockproof.sut.contract import RESOURCES

RUN = frozenset(RESOURCES)
HELD = {"created": {"fs"}, "exited": {"fs"}, "dead": {"fs"}, "restarting": {"fs"},
        "running": set(RUN), "paused": RUN - {"cpu"}, "none": set()}


def events(d: Daemon, since: int = 0) -> list[str]:
    """List the new events as ``action`` or ``action:attr`` for die and kill."""
    out = []
    for e in d.events.since(since):
        extra = dict(e.extra)
        out.append(f"{e.action}:{extra.get('exitCode', extra.get('signal'))}" if extra
                   else e.action)
    return out


def state(d: Daemon, ref: str = "web") -> dict:
    return d.inspect(ref)["State"]


def held(d: Daemon, ref: str = "web") -> set[str]:
    return set(d.inspect(ref)["Dockproof"]["Resources"])


def refused(d: Daemon, call, status: int, text: str) -> None:
    """Assert ``call`` raises Docker's text and changes neither state nor events."""
    before = ({c.id: d.inspect(c.id) for c in d.containers.values()}, len(d.events))
    with pytest.raises(DockerError) as info:
        call()
    assert (info.value.status_code, info.value.message) == (status, text)
    assert ({c.id: d.inspect(c.id) for c in d.containers.values()}, len(d.events)) == before


def cid(d: Daemon, ref: str = "web") -> str:
    return d.get(ref).id
