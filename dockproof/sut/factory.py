"""`AdapterFactory`: the adapters of one ``--adapter`` spec for one run, and their engine.

A factory is called for an adapter (once per ``--jobs`` worker) and closed at the end of the
run. It knows the adapter's `Capabilities` before it makes one (`unsupported` must be known
when the tests are generated, before any engine starts). A factory of a real engine holds a
`PrivateEngine`: started on the first adapter it makes and shared by every further one (one
engine, one container per worker), stopped by `close()`.

Every adapter it makes is checked: an engine that cannot start (`RuntimeError`, `OSError`)
is an `UnavailableError` (exit 3), an object without the contract's methods a DP503 error.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from dockproof.errors import InputError, UnavailableError
from dockproof.sut.contract import DEFAULT_CAPABILITIES, Adapter, Capabilities

#: The methods an adapter must have (`dockproof.sut.contract.Adapter`).
METHODS = ("reset", "apply", "settle", "observe", "close")


class PrivateEngine:
    """A private engine started once, on first use, under a lock (jobs start together)."""

    def __init__(self, start: Callable[[], Any], stop: Callable[[Any], None]) -> None:
        self._start, self._stop = start, stop
        self._lock = threading.Lock()
        self.context: Any = None
        self._closed = False

    def acquire(self) -> Any:
        """Return the running engine's context, starting it on the first call."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the private engine of this run is closed")
            if self.context is None:
                self.context = self._start()
            return self.context

    def close(self) -> None:
        """Stop the engine if it was started; later `acquire` calls fail (idempotent)."""
        with self._lock:
            self._closed = True
            context, self.context = self.context, None
        if context is not None:
            self._stop(context)


class AdapterFactory:
    """A no-argument factory of adapters for one ``--adapter`` spec; `close()` ends the run's
    engine. Plain factories (reference, exec:, mutant:, module:) have nothing to close.

    ``make`` takes the engine's context when ``engine`` is given, else nothing.
    """

    def __init__(self, make: Callable[..., Any], spec: str,
                 capabilities: Capabilities = DEFAULT_CAPABILITIES,
                 engine: PrivateEngine | None = None) -> None:
        self._make = make
        self.spec = spec
        self.capabilities = capabilities
        self._engine = engine
        self._made = 0

    @property
    def unsupported(self) -> dict[str, str]:
        """Return the commands the adapters cannot perform, with the reason."""
        return dict(self.capabilities.unsupported)

    def __call__(self) -> Adapter:
        if self._made and not self.capabilities.parallel_safe:
            raise InputError("--jobs", "DP504", f"adapter {self.spec} is not parallel-safe "
                             "(its capabilities say so)", "run it with --jobs 1")
        try:
            if self._engine is not None:
                adapter = self._make(self._engine.acquire())
            else:
                adapter = self._make()
        except (RuntimeError, OSError) as exc:
            raise UnavailableError(f"adapter {self.spec} is unavailable: {exc}") from None
        for method in METHODS:
            if not callable(getattr(adapter, method, None)):
                raise InputError("--adapter", "DP503", f"'{self.spec}' made an object without "
                                 f"{method}()", "see dockproof/sut/contract.py")
        self._made += 1
        return adapter

    def close(self) -> None:
        """Stop the private engine, if this factory started one (idempotent)."""
        if self._engine is not None:
            self._engine.close()
