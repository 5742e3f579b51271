"""The restart-policy matrix: every policy × how the run ends × with or without a manual stop.

Short scenarios, generated from the model (`matrix`): for each configuration of the run (each
restart policy and retry count the model allows, with a memory limit so that the OOM killer
can act, and the OOM killer armed), the container is run, optionally stopped and started
again by the user (the manual stop that ``unless-stopped`` remembers and a user start
clears), and then its process ends in one of three ways: ``exit 0``, a non-zero ``exit 1``,
or an OOM kill (``alloc`` until the limit). After each command the harness settles and
compares: whether the engine restarts the container, its status, resources and counters are
the model's. Every expectation is the model's answer; nothing is written down here.
"""

from __future__ import annotations

from .generate import Test
from .oracle import Key, Oracle, Segment, Step

#: How the run ends: a label and the command that ends it (``alloc``: until the OOM kill).
ENDINGS: tuple[tuple[str, Key], ...] = (("exit 0", ("exit", 0)), ("exit 1", ("exit", 1)),
                                        ("oom", ("alloc", None)))
BEFORE: tuple[tuple[str, tuple[Key, ...]], ...] = (
    ("no stop", ()), ("stop, start", (("stop", None), ("start", None))))
#: Parameters fixed for the matrix when the model has them (the OOM ending needs a limit and
#: the armed OOM killer; how the workload meets SIGTERM is not the matrix's subject).
FIXED = {"mem_limit": True, "oom_kill_disable": False, "term": "dies"}


def matrix(oracle: Oracle) -> Test:
    """Return one segment per (configuration, manual stop, ending) the model can drive."""
    segments, names, seen = [], [], set()
    for i in _initials(oracle):
        config = str(oracle.command(i, ("run", None)))
        for before_label, before in BEFORE:
            for label, ending in ENDINGS:
                steps = _drive(oracle, i, [("run", None), *before], ending)
                if steps is None or (config, before_label, label) in seen:
                    continue
                seen.add((config, before_label, label))
                segments.append(Segment(i, tuple(Step(k) for k in steps)))
                names.append(f"{config} | {before_label} | {label}")
    return Test("matrix", tuple(segments), stats={"scenarios": names})


def _initials(oracle: Oracle) -> list[int]:
    m = oracle.model
    fixed = {}
    for p in m.params:
        if p.name in FIXED:
            want = FIXED[p.name]
            members = getattr(p.type, "members", None)
            fixed[p.slot] = members.index(want) if members and want in members else want
    return [i for i in oracle.space.initial
            if all(oracle.space.states[i][slot] == v for slot, v in fixed.items())]


def _drive(oracle: Oracle, initial: int, keys: list[Key], ending: Key) -> list[Key] | None:
    """Return the commands of one scenario, or None where the model cannot drive it."""
    state, out = initial, []
    for key in keys:
        r = oracle.respond(state, key)
        if not r.accepted:
            return None
        out.append(key)
        state = oracle.settled(oracle.primary(r)[0])
    for _ in range(len(oracle.space.states)):  # alloc until the kernel acts, bounded
        r = oracle.respond(state, ending)
        if not r.accepted:
            return None
        out.append(ending)
        if ending[0] != "alloc" or r.kind == "triggered":
            return out
        state = oracle.settled(oracle.primary(r)[0])
    return None
