"""Turn a trace back into a test segment: an ITF file or a list of commands.

An ITF trace (from ``dockproof check --trace-dir`` or ``dockproof conform --trace-dir``) gives
model states and the action taken into each; commanded actions become their commands,
triggered internal actions their trigger's command, settle actions nothing (``settle()`` does
them). A command list reads like the commands `Command` prints: ``run -m 2u --restart=
unless-stopped; alloc; exit 1``; the first command fixes the configuration. The harness
settles after every command except one marked with a trailing ``&`` (the next command then
meets the state before the implementation's own step, e.g. ``exit 1 &; start``).
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

from ..errors import InputError, Location, did_you_mean
from ..sut.contract import Config
from .oracle import Key, Oracle, Segment, Step, segment_of


def from_commands(text: str, oracle: Oracle) -> list[Segment]:
    """Parse ``cmd; cmd; …`` into segments, one per initial state whose parameters give the
    first command's configuration (parameters the configuration does not show, such as a
    workload's behaviour, leave several)."""
    parts = [p.strip() for p in text.split(";") if p.strip()]
    if not parts:
        raise InputError("--commands", "DP601", "no commands given", "e.g. 'run; pause'")
    # Commands before the first create/run meet no container (a tour's refusal probes);
    # the first create/run fixes the configuration; with none, any configuration will do.
    makers = [p for p in parts if shlex.split(p)[0] in ("create", "run")]
    initials = _initials_for(_config(shlex.split(makers[0]), makers[0].rstrip("& ")),
                             oracle) if makers else sorted(oracle.space.initial)
    steps = []
    for p in parts:
        hurry = p.endswith("&")
        p = p.rstrip("& ")
        steps.append(Step(_key(shlex.split(p), p, oracle), settle=not hurry))
    return [Segment(i, tuple(steps)) for i in initials]


def _config(words: list[str], text: str) -> Config:
    memory, oom, restart = None, False, "no"
    it = iter(words[1:])
    for w in it:
        w = w.rstrip("&")
        if not w:
            continue
        if w == "-m":
            v = next(it, "")
            if not v.endswith("u") or not v[:-1].isdigit():
                raise InputError("--commands", "DP601", f"bad memory '{v}' in {text!r}",
                                 "units, e.g. -m 2u")
            memory = int(v[:-1])
        elif w == "--oom-kill-disable":
            oom = True
        elif w.startswith("--restart="):
            restart = w.split("=", 1)[1]
        else:
            raise InputError("--commands", "DP601", f"unknown option '{w}' in {text!r}",
                             "options: -m Nu, --oom-kill-disable, --restart=POLICY")
    return Config(memory, oom, restart)


def _initials_for(config: Config, oracle: Oracle) -> list[int]:
    found = [i for i in sorted(oracle.space.initial)
             if oracle.map.config(oracle.space.states[i]) == config]
    if found:
        return found
    shown = sorted({str(oracle.map.config(oracle.space.states[i]))
                    for i in oracle.space.initial})
    raise InputError("--commands", "DP602", f"no configuration of model "
                     f"{oracle.model.name} matches {config}", "the model's: " + "; ".join(shown))


def _key(words: list[str], text: str, oracle: Oracle) -> Key:
    verb = words[0]
    if verb in ("create", "run"):
        return (verb, None)
    code = None
    if len(words) > 1:
        if not words[1].lstrip("-").isdigit() or len(words) > 2:
            raise InputError("--commands", "DP601", f"cannot read {text!r}", "e.g. 'exit 1'")
        code = int(words[1])
    if (verb, code) not in oracle.keys:
        known = ", ".join(v if c is None else f"{v} {c}" for v, c in oracle.keys)
        raise InputError("--commands", "DP601", f"the model has no command {text!r}",
                         f"commands: {known}")
    return (verb, code)


def from_itf(path: Path, oracle: Oracle) -> list[Segment]:
    """Read an ITF trace and return the segment that replays it (a one-element list)."""
    shown = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(Location(shown), "DP001", "no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(Location(shown), "DP603", f"not an ITF JSON trace: {exc}") from None
    meta = data.get("#meta", {}) if isinstance(data, dict) else {}
    cmds = meta.get("dockproof::commands") if isinstance(meta, dict) else None
    if isinstance(cmds, list) and cmds and all(isinstance(c, str) for c in cmds):
        return from_commands("; ".join(cmds), oracle)
    states = data.get("states") if isinstance(data, dict) else None
    if not isinstance(states, list) or not states:
        raise InputError(Location(shown, None, "states"), "DP603", "no states in the trace")
    indices = [_state_index(s, i, oracle, shown) for i, s in enumerate(states)]
    arcs = []
    for i in range(1, len(states)):
        arcs.append(_arc(states[i].get("mbt::actionTaken"), indices[i - 1], indices[i], i,
                         oracle, shown))
    arcs = [a for a in arcs if a is not None]
    return [segment_of(oracle, indices[0], arcs)]


def _state_index(st: Any, i: int, oracle: Oracle, shown: str) -> int:
    m = oracle.model
    if not isinstance(st, dict):
        raise InputError(Location(shown, None, f"states[{i}]"), "DP603", "not an object")
    values = []
    for v in m.variables:
        if v.name not in st:
            raise InputError(Location(shown, None, f"states[{i}].{v.name}"), "DP603",
                             f"missing variable '{v.name}' of model {m.name}")
        x = st[v.name]
        if not isinstance(x, (bool, int, str)):
            raise InputError(Location(shown, None, f"states[{i}].{v.name}"), "DP603",
                             f"{v.name} must be a boolean, an integer or a string, not "
                             f"{type(x).__name__}")
        members = getattr(v.type, "members", None)
        values.append(members.index(x) if members and x in members else x)
    j = oracle.space.index.get(tuple(values))
    if j is None:
        raise InputError(Location(shown, None, f"states[{i}]"), "DP604",
                         f"state {i} is not a reachable state of model {m.name}")
    if i == 0 and j not in oracle.space.initial:
        raise InputError(Location(shown, None, "states[0]"), "DP604",
                         "the first state is not an initial state")
    return j


def _arc(action: Any, src: int, dst: int, i: int, oracle: Oracle, shown: str):
    m = oracle.model
    names = [a.name for a in m.actions]
    if action not in names:
        raise InputError(Location(shown, None, f"states[{i}].mbt::actionTaken"), "DP603",
                         f"unknown action {action!r}", did_you_mean(str(action), names))
    a = names.index(action)
    if (src, a, dst) not in set(oracle.space.edges):
        raise InputError(Location(shown, None, f"states[{i}]"), "DP604",
                         f"'{action}' does not lead from state {i - 1} to state {i}")
    if a in oracle.map.settle:
        return (None, (src, a, dst))
    if m.actions[a].internal:
        trig = oracle.map.triggers.get(a)
        if trig is None:
            return None  # the implementation takes it by itself, if ever
        return (oracle.key_of[trig], (src, a, dst))
    return (oracle.key_of[a], (src, a, dst))
