"""Turn an ``--adapter`` argument into a factory of adapters.

``reference`` (the reference interpreter), ``docker`` / ``podman`` (real engines, imported
only when named), ``exec:CMD`` (the jsonl subprocess protocol), ``mutant:NAME`` (a broken
reference daemon, see `dockproof.reference.mutants`) and ``module:Class`` (any importable
Python class or function that returns an adapter).

``docker`` uses the daemon at `DOCKER_HOST` when it is set, else a private dockerd the tool
starts (and stops at the end); ``podman`` always runs in a private Podman context
(`dockproof.conformance.engines`). The factory returned is an `EngineFactory`: call it for
an adapter (once per ``--jobs`` worker), `close()` it at the end of the run.
"""

from __future__ import annotations

import importlib
from typing import Callable

from dockproof.conformance.adapter import Adapter
from dockproof.conformance.engines import EngineFactory
from dockproof.errors import InputError, UnavailableError, did_you_mean

NAMED = {
    "reference": "dockproof.adapters.reference:ReferenceAdapter",
    "docker": "dockproof.adapters.docker:DockerAdapter",
    "podman": "dockproof.adapters.podman:PodmanAdapter",
}
#: Real engines: a private one unless DOCKER_HOST names the user's (docker only).
ENGINES = ("docker", "podman")
USAGE = "reference, docker, podman, exec:CMD, mutant:NAME or module:Class"


def resolve(spec: str) -> EngineFactory:
    """Return a no-argument factory for the adapter ``spec`` names; bad names exit 2.

    >>> resolve("reference")().observe().status
    'none'
    """
    return EngineFactory(_resolve(spec), spec) if spec not in ENGINES else _engine(spec)


def _engine(spec: str) -> EngineFactory:
    """Return the private-engine factory of ``docker`` / ``podman``; exit 3 if it cannot."""
    from dockproof.conformance import engines

    try:
        factory = getattr(engines, f"{spec}_factory")(spec)
    except ModuleNotFoundError as exc:
        raise UnavailableError(f"adapter {spec}: {exc}") from None
    make = factory._make
    factory._make = _guarded(make, spec)
    return factory


def _resolve(spec: str) -> Callable[[], Adapter]:
    if spec.startswith("exec:"):
        cmd = spec[5:].strip()
        if not cmd:
            raise InputError("--adapter", "DP501", "exec: needs a command", "exec:node sut.js")
        from .jsonl import JsonlAdapter
        return lambda: JsonlAdapter(cmd)
    if spec.startswith("mutant:"):
        from dockproof.reference.mutants import MUTANTS
        name = spec[7:]
        if name not in MUTANTS:
            raise InputError("--adapter", "DP501", f"unknown mutant '{name}'",
                             did_you_mean(name, MUTANTS) or "mutants: " + ", ".join(MUTANTS))
        return MUTANTS[name][1]
    target = NAMED.get(spec, spec)
    module, sep, attr = target.partition(":")
    if not sep or not module or not attr:
        raise InputError("--adapter", "DP501", f"unknown adapter '{spec}'",
                         did_you_mean(spec, NAMED) or f"give {USAGE}")
    return _guarded(_import(spec, module, attr), spec)


def _import(spec: str, module: str, attr: str):
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            raise InputError("--adapter", "DP502", f"no module '{module}' ({spec})",
                             "is it importable from here (PYTHONPATH)?") from None
        raise UnavailableError(f"adapter {spec}: {exc}") from None
    factory = getattr(mod, attr, None)
    if factory is None or not callable(factory):
        names = [n for n in dir(mod) if not n.startswith("_")]
        raise InputError("--adapter", "DP502", f"module '{module}' has no class '{attr}'",
                         did_you_mean(attr, names))
    return factory


def _guarded(factory, spec: str) -> Callable[..., Adapter]:
    """Make an engine that cannot start (EngineUnavailable and the like) an exit-3 error."""
    def make(*engine) -> Adapter:
        try:
            adapter = factory(*engine)
        except (RuntimeError, OSError) as exc:
            raise UnavailableError(f"adapter {spec} is unavailable: {exc}") from None
        for method in ("reset", "apply", "settle", "observe", "close"):
            if not callable(getattr(adapter, method, None)):
                raise InputError("--adapter", "DP503", f"'{spec}' made an object without "
                                 f"{method}()", "see dockproof/conformance/adapter.py")
        return adapter
    return make
