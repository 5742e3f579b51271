"""Read one line of an event log: `docker events --format '{{json .}}'` or
`podman events --format json`.

>>> parse_docker({"Type": "container", "Action": "die", "Actor": {"ID": "ab",
...               "Attributes": {"name": "web", "exitCode": "3"}}}, "f", 1)
('container', 'ab', 'web', 'die', 3)
>>> parse_podman({"Type": "container", "Status": "died", "ID": "ab", "Name": "web"}, "f", 1)
('container', 'ab', 'web', 'died', 0)
"""

from __future__ import annotations

from ..errors import InputError, Location

#: (kind, container id, name, action, number or None): the number is an exit event's exit code
#: or a Docker kill event's signal. ``kind`` is ``container`` or the
#: event's Type for events of other types (id, name and code are then None). A container
#: event about no one container (``container prune``) has the id ``""``.
Event = tuple


def bad(file: str, line: int, code: str, msg: str, hint: str | None = None) -> InputError:
    return InputError(Location(file, line), code, msg, hint)


def detect(obj: dict) -> str | None:
    """Tell the dialect of a decoded event: Docker has ``Action``, Podman ``Status``."""
    if not isinstance(obj, dict):
        return None
    if "Action" in obj:
        return "docker"
    if "Status" in obj and "ID" in obj:
        return "podman"
    return None


def parse_docker(obj, file: str, line: int) -> Event:
    """Decode a Docker event (api/types/events: Message)."""
    try:
        kind, action, actor = obj["Type"], obj["Action"], obj["Actor"]
        attrs = actor.get("Attributes") or {}
    except (KeyError, TypeError, AttributeError):
        raise bad(file, line, "DP411", "not a Docker event: it needs Type, Action and Actor",
                  "the input must be `docker events --format '{{json .}}'` lines") from None
    if kind != "container":
        return (str(kind), None, None, str(action), None)
    if not isinstance(attrs, dict):
        raise bad(file, line, "DP411", "Actor.Attributes must be an object")
    cid = actor.get("ID") or ""
    if not isinstance(cid, str) or not isinstance(action, str):
        raise bad(file, line, "DP411", "a container event needs Actor.ID and Action strings")
    code = attrs.get("exitCode")
    if code is not None:
        code = _CODES.get(code) if type(code) is str else None
        if code is None:
            code = _code(attrs["exitCode"], file, line)
    elif action == "kill" and attrs.get("signal") is not None:
        code = _code(attrs["signal"], file, line, "signal")
    name = attrs.get("name")
    return ("container", cid, name if type(name) is str and name else cid[:12],
            action.split(":", 1)[0] if ":" in action else action, code)


def parse_podman(obj, file: str, line: int) -> Event:
    """Decode a Podman event (libpod/events: Event; ``ContainerExitCode`` only on died)."""
    try:
        kind, action = obj["Type"], obj["Status"]
    except (KeyError, TypeError):
        raise bad(file, line, "DP411", "not a Podman event: it needs Type and Status",
                  "the input must be `podman events --format json` lines") from None
    if kind != "container":
        return (str(kind), None, None, str(action), None)
    cid = obj.get("ID") or ""
    if not isinstance(cid, str) or not isinstance(action, str):
        raise bad(file, line, "DP411", "a container event needs ID and Status strings")
    code = obj.get("ContainerExitCode")
    if action == "died":
        code = 0 if code is None else _code(code, file, line)
    name = obj.get("Name")
    return ("container", cid, name if isinstance(name, str) and name else cid[:12], action,
            code)


def _code(value, file: str, line: int, what: str = "exit code") -> int:
    if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
        raise bad(file, line, "DP413", f"{what} {value!r} is not an integer")
    try:
        code = int(value)
    except (TypeError, ValueError, OverflowError):
        raise bad(file, line, "DP413", f"{what} {value!r} is not an integer") from None
    if not 0 <= code <= 255:
        raise bad(file, line, "DP413", f"{what} {code} is outside 0..255")
    return code


_CODES = {str(i): i for i in range(256)}   # the decimal strings Docker writes, parsed once

PARSERS = {"docker": parse_docker, "podman": parse_podman}
