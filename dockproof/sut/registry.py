"""Turn an ``--adapter`` argument into an `AdapterFactory`: one table, one entry per kind.

``reference`` (the reference interpreter), ``docker`` / ``podman`` (real engines, private by
default: `dockproof.sut.real.engines`), ``exec:CMD`` (the jsonl subprocess protocol),
``mutant:NAME`` (a broken reference daemon, see `dockproof.sut.mutants`) and ``module:Class``
(any importable Python class or function that returns an adapter). The factory carries the
adapter's `Capabilities`: the built-in adapters declare theirs, a ``module:`` class declares
its own as a class attribute ``capabilities`` (read before any adapter is made).

Bad names exit 2 (DP501 unknown, DP502 not importable); an adapter that cannot start exits 3.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from dockproof.errors import InputError, UnavailableError, did_you_mean
from dockproof.sut.contract import capabilities_of
from dockproof.sut.factory import AdapterFactory
from dockproof.sut.jsonl import JsonlAdapter
from dockproof.sut.mutants import MUTANTS
from dockproof.sut.real.engines import docker_factory, podman_factory
from dockproof.sut.real.podmanapi import podman_api_factory
from dockproof.sut.real.runtimes import RUNTIMES
from dockproof.sut.reference import ReferenceAdapter

USAGE = "reference, docker, podman, podman-api, exec:CMD, mutant:NAME or module:Class"


def _reference(spec: str) -> AdapterFactory:
    return AdapterFactory(ReferenceAdapter, spec, ReferenceAdapter.capabilities)


#: The adapters named by a bare word.
NAMED: dict[str, Callable[[str], AdapterFactory]] = {
    "reference": _reference,
    "docker": docker_factory,
    "podman": podman_factory,
    "podman-api": podman_api_factory,
}

#: The real-engine adapters whose private engine runs a chosen OCI runtime (``--runtime``).
WITH_RUNTIME: dict[str, Callable[[str, str], AdapterFactory]] = {
    "docker": docker_factory,
    "podman": podman_factory,
    "podman-api": podman_api_factory,
}


def _exec(spec: str, cmd: str) -> AdapterFactory:
    if not cmd.strip():
        raise InputError("--adapter", "DP501", "exec: needs a command", "exec:node sut.js")
    return AdapterFactory(lambda: JsonlAdapter(cmd.strip()), spec)


def _mutant(spec: str, name: str) -> AdapterFactory:
    if name not in MUTANTS:
        raise InputError("--adapter", "DP501", f"unknown mutant '{name}'",
                         did_you_mean(name, MUTANTS) or "mutants: " + ", ".join(MUTANTS))
    make = MUTANTS[name][1]
    return AdapterFactory(make, spec, capabilities_of(make))


#: The adapters named by a prefix and an argument (``exec:CMD``, ``mutant:NAME``).
PREFIXED: dict[str, Callable[[str, str], AdapterFactory]] = {
    "exec": _exec,
    "mutant": _mutant,
}


def resolve(spec: str, runtime: str | None = None) -> AdapterFactory:
    """Return the factory of the adapter ``spec`` names; bad names exit 2. ``runtime``
    (``runc``, ``crun``): the OCI runtime of a real engine's private daemon (`WITH_RUNTIME`).

    >>> resolve("reference")().observe().status
    'none'
    """
    if runtime is not None:
        if runtime not in RUNTIMES:
            raise InputError("--runtime", "DP505", f"unknown runtime '{runtime}'",
                             did_you_mean(runtime, RUNTIMES) or "runtimes: runc, crun")
        if spec not in WITH_RUNTIME:
            raise InputError("--runtime", "DP505", f"adapter {spec} has no OCI runtime to "
                             "choose", "--runtime applies to " + ", ".join(WITH_RUNTIME))
        return WITH_RUNTIME[spec](spec, runtime)
    if spec in NAMED:
        return NAMED[spec](spec)
    prefix, sep, rest = spec.partition(":")
    if sep and prefix in PREFIXED:
        return PREFIXED[prefix](spec, rest)
    return _module(spec)


def _module(spec: str) -> AdapterFactory:
    module, sep, attr = spec.partition(":")
    if not sep or not module or not attr:
        raise InputError("--adapter", "DP501", f"unknown adapter '{spec}'",
                         did_you_mean(spec, NAMED) or f"give {USAGE}")
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
    return AdapterFactory(factory, spec, capabilities_of(factory))
