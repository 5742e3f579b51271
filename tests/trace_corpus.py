"""Corrupted copies and legal variants of the recorded event logs, and an independent judge.

`corrupt(events, dialect)` makes the corrupted copies of one log, by class: an event inserted
(each container action at each place), deleted, two adjacent events of a container swapped, an
exit code or a signal changed, an event after the removal, exec and health events in the wrong
state. Some corruptions are legal by accident (deleting the first event leaves a log that
starts mid-life; a running process may exit by itself with any code just as a kill comes), so
each copy is judged by `impossible`: a small automaton of necessary conditions written here,
from the engines' documented behaviour (docs/engine-facts.md §6, §8.4), not from the model or
the vocabulary. A copy it calls impossible must be refused by `dockproof trace`; the others
are not asserted. `legal(events, dialect)` makes copies that must stay accepted: ids renamed,
other containers and other object types interleaved, every suffix and prefix, keys shuffled.

This module imports nothing of dockproof.
"""

from __future__ import annotations

import copy
import json
import random

DOCKER = ["create", "start", "kill", "die", "stop", "pause", "unpause", "restart", "destroy",
          "oom", "exec_create", "exec_start", "exec_die", "health_status"]
PODMAN = ["create", "init", "start", "kill", "died", "stop", "cleanup", "pause", "unpause",
          "restart", "remove", "exec", "exec_died", "health_status"]
EXEC_HEALTH = {"exec_create", "exec_start", "exec_die", "exec", "exec_died", "health_status"}
CLASSES = ("insert", "delete", "swap", "exit-code", "signal", "after-removal", "exec-health")


def action(e: dict) -> str:
    return str(e.get("Action", e.get("Status", ""))).split(":")[0]


def cid(e: dict) -> str | None:
    if e.get("Type") != "container":
        return None
    return e["Actor"]["ID"] if "Actor" in e else e.get("ID")


def retyped(e: dict, act: str, **attrs) -> dict:
    """A copy of container event ``e`` with another action (exit code, signal dropped)."""
    e = copy.deepcopy(e)
    if "Action" in e:
        e["Action"] = e["status"] = act
        a = {k: v for k, v in e["Actor"]["Attributes"].items() if k not in ("exitCode",
                                                                              "signal")}
        e["Actor"]["Attributes"] = a | attrs
    else:
        e["Status"] = act
        e.pop("ContainerExitCode", None)
        if "exitCode" in attrs:
            e["ContainerExitCode"] = int(attrs["exitCode"])
    return e


# ---------------------------------------------------------------- the independent judge


# Per action: the phases a container may be in for the engine to log it, and the phase after
# it (None: unchanged). "unknown" (a container first seen mid-life) allows anything once.
KEEP = None
DOCKER_RULES = {
    "create": ({"none"}, "created"), "start": ({"created", "stopped"}, "running"),
    "kill": ({"running", "paused"}, KEEP), "die": ({"running", "paused"}, "stopped"),
    # `stop` is logged after the die (a stop of a restarting container: after the earlier die)
    "stop": ({"stopped"}, KEEP), "pause": ({"running"}, "paused"),
    "unpause": ({"paused"}, "running"), "destroy": ({"created", "stopped"}, "none"),
    "exec_create": ({"running"}, KEEP), "exec_start": ({"running"}, KEEP),
    "exec_die": ({"running", "paused", "stopped"}, KEEP),
    "health_status": ({"running", "paused"}, KEEP),
    # logged right after the start of `docker restart`; another client's exec or health
    # event may come between (checked below)
    "restart": ({"running"}, "running"),
    # its order with the die is not guaranteed (facts §6.3): right after the die, too
    "oom": ({"running"}, KEEP),
}
PODMAN_RULES = {
    "create": ({"none"}, "created"), "init": ({"created", "stopped"}, "initialized"),
    "start": ({"initialized"}, "running"), "kill": ({"running", "paused"}, KEEP),
    "died": ({"running", "paused"}, "stopped"), "stop": ({"running", "paused", "stopped"}, KEEP),
    "cleanup": ({"created", "stopped"}, KEEP), "restart": ({"running", "created", "stopped"}, KEEP),
    "pause": ({"running"}, "paused"), "unpause": ({"paused"}, "running"),
    "remove": ({"created", "stopped"}, "none"), "exec": ({"running"}, KEEP),
    "exec_died": ({"running", "paused", "stopped"}, KEEP),
    "health_status": ({"running", "paused"}, KEEP),
}


def impossible(events: list[dict], dialect: str) -> bool:
    """Tell whether some container's events break a necessary condition of the engine."""
    rules = DOCKER_RULES if dialect == "docker" else PODMAN_RULES
    phases: dict[str, dict] = {}
    for e in events:
        c = cid(e)
        if not c:
            continue
        p = phases.setdefault(c, {"phase": "unknown", "prev": None, "life": None,
                                  "paused_kill": None})
        a = action(e)
        allowed, after = rules.get(a, (None, KEEP))
        ph = p["phase"]
        ok = ph == "unknown" or allowed is None or ph in allowed
        if dialect == "docker" and ph != "unknown":
            ok = ok or _docker_extra(p, a)
            ok = ok and _docker_codes(p, a, e)
        if not ok:
            return True
        if after is not KEEP:
            p["phase"] = after
        p["prev"] = a
        if a not in EXEC_HEALTH | {"oom"}:
            p["life"] = a
    return False


def _docker_extra(p: dict, a: str) -> bool:
    """The Docker events allowed outside their phases: a late oom right after the die."""
    return a == "oom" and p["phase"] == "stopped" and p["prev"] == "die"


def _docker_codes(p: dict, a: str, e: dict) -> bool:
    """A frozen process cannot exit by itself: killed by SIGKILL while paused, it exits 137;
    `restart` follows the start of its own command."""
    if a == "restart":
        return p["life"] == "start"
    if a == "kill" and p["phase"] == "paused" and p["paused_kill"] is None:
        p["paused_kill"] = _code(e, "signal")
    if a == "die":
        killed, p["paused_kill"] = p["paused_kill"], None
        return killed != 9 or _code(e, "exitCode") == 137
    return True


def _code(e: dict, key: str):
    if "Actor" in e:
        v = e["Actor"]["Attributes"].get(key)
        return None if v is None else int(v)
    return e.get("ContainerExitCode")


# ---------------------------------------------------------------- corrupted copies


def corrupt(events: list[dict], dialect: str) -> dict[str, list[list[dict]]]:
    """Return the corrupted copies of one log, by class."""
    acts = DOCKER if dialect == "docker" else PODMAN
    exit_event = "die" if dialect == "docker" else "died"
    ci = [i for i, e in enumerate(events) if cid(e)]
    out: dict[str, list[list[dict]]] = {k: [] for k in CLASSES}
    for i in ci:
        for a in acts:
            new = events[:i + 1] + [retyped(events[i], a)] + events[i + 1:]
            out["exec-health" if a in EXEC_HEALTH else "insert"].append(new)
        out["delete"].append(events[:i] + events[i + 1:])
    for x, y in zip(ci, ci[1:]):
        if cid(events[x]) == cid(events[y]) and action(events[x]) != action(events[y]):
            new = list(events)
            new[x], new[y] = new[y], new[x]
            out["swap"].append(new)
    for i in ci:
        if action(events[i]) == exit_event:
            old = _code(events[i], "exitCode") if dialect == "docker" else \
                events[i].get("ContainerExitCode")
            for code in (0, 1, 137, 143):
                if code != old:
                    new = list(events)
                    new[i] = retyped(events[i], exit_event, exitCode=str(code))
                    out["exit-code"].append(new)
        if dialect == "docker" and action(events[i]) == "kill":
            for sig in ("9", "15", "2"):
                if sig != events[i]["Actor"]["Attributes"].get("signal"):
                    new = list(events)
                    new[i] = retyped(events[i], "kill", signal=sig)
                    out["signal"].append(new)
    last = ci[-1]
    for a in acts:
        if a != "create":
            out["after-removal"].append(events + [retyped(events[last], a)])
    return out


# ---------------------------------------------------------------- legal variants


def renamed(events: list[dict], salt: str) -> list[dict]:
    """Every container id (and name) replaced by a fresh one."""
    ids = {cid(e) for e in events if cid(e)}
    text = "\n".join(json.dumps(e) for e in events)
    for k, old in enumerate(sorted(ids)):
        text = text.replace(old, f"{salt}{k:04d}".rjust(64, "f"))
    return [json.loads(x) for x in text.splitlines()]


def shuffled_keys(e, rnd: random.Random):
    if isinstance(e, dict):
        items = list(e.items())
        rnd.shuffle(items)
        return {k: shuffled_keys(v, rnd) for k, v in items}
    return e


def other_objects(dialect: str, k: int) -> list[dict]:
    if dialect == "docker":
        return [{"Type": t, "Action": a, "Actor": {"ID": f"{t}{k}", "Attributes": {}},
                 "scope": "local", "time": k, "timeNano": k}
                for t, a in (("image", "pull"), ("volume", "create"), ("network", "create"))]
    return [{"ID": f"{t}{k}", "Name": f"{t}{k}", "Status": a, "Type": t, "Attributes": None}
            for t, a in (("image", "pull"), ("volume", "create"), ("network", "create"))]


def legal(events: list[dict], dialect: str, other: list[dict],
          seed: int = 0) -> dict[str, list[list[dict]]]:
    """Return variants of a real log that must stay accepted, by class; ``other`` is another
    real log of the same dialect to interleave."""
    rnd = random.Random(seed)
    out: dict[str, list[list[dict]]] = {"renamed": [renamed(events, "a")],
                                        "interleaved": [], "cut": [], "keys-shuffled": []}
    b = renamed(other, "b")
    merged = []
    for k in range(max(len(events), len(b))):
        merged += events[k:k + 1] + b[k:k + 1] + (other_objects(dialect, k) if k % 3 == 0
                                                  else [])
    out["interleaved"].append(merged)
    for i in range(len(events)):
        out["cut"].append(events[i:])
        if i:
            out["cut"].append(events[:i])
    out["keys-shuffled"].append([shuffled_keys(e, rnd) for e in events])
    return out
