"""Own an adapter for one run: close it at the end, through a `RunSession` when it needs one."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, TextIO

from dockproof.sut.contract import capabilities_of
from dockproof.sut.real.session import RunSession


@contextlib.contextmanager
def owned(adapter: Any, err: TextIO) -> Iterator[Any]:
    """Own an adapter for one run: one whose capabilities say ``needs_session`` (a real
    engine) goes through `RunSession`, so that Ctrl-C, SIGTERM or a dead daemon still remove
    what it created and name any leftovers on ``err``; any other adapter is simply closed at
    the end."""
    if capabilities_of(adapter).needs_session:
        with RunSession(adapter, err=err):
            yield adapter
        return
    try:
        yield adapter
    finally:
        adapter.close()
