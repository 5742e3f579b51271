"""`RunSession`: guarantee that a real-engine run removes what it created, however it ends.

    with RunSession(adapter, err=sys.stderr):
        adapter.reset(32)
        ...                          # steps; Ctrl-C, SIGTERM or a dead engine may end them

On the way out, whatever the reason, the adapter's `close()` removes every container carrying
the run's label (issue 6 item 7) and the session says what it removed and what it could not:

- a normal end: nothing is printed; leftovers (an engine that would not remove them) raise
  `EngineUnavailable`;
- Ctrl-C / SIGTERM / SIGHUP: one line ``dockproof: removed …`` on `err`, then the
  `KeyboardInterrupt` goes on to the CLI, which prints ``interrupted`` and exits 3;
- `EngineUnavailable` (the daemon died, podman hung): it is raised again as one message that
  also lists the leftovers and the `dockproof.sut.real.cleanup` command that removes them.

The teardown itself runs with SIGINT deferred (a second Ctrl-C would otherwise abandon the
containers halfway); it is bounded by `windows.TEARDOWN`, so it cannot hang. An `atexit` hook
closes a session the program forgot to close.
"""

from __future__ import annotations

import atexit
import dataclasses
import signal
import sys
import threading
from typing import Any, TextIO

from dockproof.sut.real.base import Teardown
from dockproof.sut.real.errors import EngineUnavailable

#: Signals that end a run like Ctrl-C does: a CI runner's cancel, a closed terminal.
ENDING_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived: the run ends as it would on Ctrl-C (exit 3)."""


def _raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated(f"received {signal.Signals(signum).name}")


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


class RunSession:
    """Own one adapter's run: install the signal handlers, and tear it down exactly once."""

    def __init__(self, adapter: Any, err: TextIO | None = None) -> None:
        self.adapter = adapter
        self.err = err if err is not None else sys.stderr
        self.teardown: Teardown | None = None
        self._saved: dict[int, Any] = {}
        self._open = False

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> RunSession:
        """Route SIGTERM/SIGHUP into `Terminated` and register the `atexit` safety net."""
        if _main_thread():
            for sig in ENDING_SIGNALS:
                self._saved[sig] = signal.signal(sig, _raise_terminated)
        atexit.register(self.close)
        self._open = True
        return self

    def close(self) -> Teardown | None:
        """Tear the run down once (later calls return the same `Teardown`); restore handlers.

        SIGINT is held back while the adapter removes its containers and delivered after.
        """
        if not self._open:
            return self.teardown
        self._open = False
        atexit.unregister(self.close)
        held: list[int] = []
        saved_int = None
        if _main_thread():
            saved_int = signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
        try:
            self.teardown = self.adapter.close()
        finally:
            if _main_thread():
                signal.signal(signal.SIGINT, saved_int)
                for sig, handler in self._saved.items():
                    signal.signal(sig, handler)
            self._saved.clear()
        if held:
            raise KeyboardInterrupt
        return self.teardown

    def __enter__(self) -> RunSession:
        return self.start()

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> bool:
        try:
            teardown = self.close()
        except KeyboardInterrupt:
            if exc is None:
                raise
            teardown = self.teardown  # a Ctrl-C during teardown: the first ending wins
        self._report(exc, teardown)
        return False

    # -- reporting ----------------------------------------------------------------------------

    def _report(self, exc: BaseException | None, teardown: Teardown | None) -> None:
        """Say what the teardown did, in the form the way the run ended calls for."""
        if teardown is None:
            return
        if exc is None:
            if teardown.leftovers:
                raise EngineUnavailable(teardown.leftover_message())
            return
        if isinstance(exc, EngineUnavailable):
            # The leftovers' reason is, almost always, the failure `exc` already states.
            quiet = dataclasses.replace(teardown, reason=None)
            raise EngineUnavailable(f"{exc}; {quiet.summary()}") from None
        # Ctrl-C, SIGTERM, or an error of ours: the exception goes on; this line says what
        # the run left on the engine (nothing, when all went).
        self.err.write(f"dockproof: {teardown.summary()}\n")
        self.err.flush()
