"""Collect an adapter's evidence for a divergence: what it read of the engine at that moment.

An adapter may offer ``evidence() -> dict[str, str]``; the real-engine adapters read the
kernel there (cgroup files, /proc; `dockproof.sut.real.evidence`) and say so in their
capabilities (``kernel_evidence``): their readings keep their order (container, init process,
cgroups, namespace); any other adapter's are sorted by name. An adapter without it has none.
"""

from __future__ import annotations

from typing import Any

from dockproof.sut.contract import capabilities_of


def collect(adapter: Any) -> tuple[tuple[str, str], ...]:
    """Return (what, reading) pairs for the adapter's container now (empty if none). A
    wrapper (``__wrapped__``, as `--jobs` wraps each worker's adapter) is seen through."""
    while getattr(adapter, "__wrapped__", None) is not None:
        adapter = adapter.__wrapped__
    own = getattr(adapter, "evidence", None)
    if not callable(own):
        return ()
    try:
        readings = [(str(k), str(v)) for k, v in own().items()]
    except Exception as exc:  # noqa: BLE001 - evidence must never hide the divergence
        return (("evidence", f"could not be read: {exc}"),)
    return tuple(readings if capabilities_of(adapter).kernel_evidence else sorted(readings))
