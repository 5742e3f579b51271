"""The event log, shaped like ``docker events --format '{{json .}}'`` (engine-facts §6).

Only container events are logged; the network ``connect``/``disconnect`` events that Docker
interleaves (§6.2) are left out, as are ``attach``/``detach``. Times come from the daemon's
virtual clock, so the log is deterministic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

#: The virtual clock's zero, as a Unix time in seconds.
EPOCH_S = 1_700_000_000
ACTIONS = ("create", "start", "die", "oom", "kill", "stop", "pause", "unpause", "restart",
           "destroy")


@dataclass(frozen=True, slots=True)
class Event:
    """Hold one container event: action, actor and virtual time in nanoseconds."""

    action: str
    container_id: str
    name: str
    image: str
    time_nano: int
    extra: tuple[tuple[str, str], ...] = ()

    def attributes(self) -> dict[str, str]:
        """Return ``Actor.Attributes``: name, image and ``exitCode``/``signal`` as strings."""
        return dict(sorted([("image", self.image), ("name", self.name), *self.extra]))

    def to_json(self) -> dict[str, Any]:
        """Return the record exactly as ``docker events --format '{{json .}}'`` prints it."""
        return {
            "status": self.action, "id": self.container_id, "from": self.image,
            "Type": "container", "Action": self.action,
            "Actor": {"ID": self.container_id, "Attributes": self.attributes()},
            "scope": "local", "time": self.time_nano // 1_000_000_000,
            "timeNano": self.time_nano,
        }

    def line(self) -> str:
        """Return the one-line JSON form."""
        return json.dumps(self.to_json(), separators=(",", ":"))


@dataclass(slots=True)
class EventLog:
    """Record events in order; ``timeNano`` strictly increases even within one millisecond."""

    events: list[Event] = field(default_factory=list)

    def log(self, action: str, container: Any, now_ms: int, **attrs: str) -> Event:
        """Append an event for ``container`` (anything with id, name and image)."""
        nano = (EPOCH_S * 1000 + now_ms) * 1_000_000
        if self.events and nano <= self.events[-1].time_nano:
            nano = self.events[-1].time_nano + 1
        event = Event(action, container.id, container.name, container.image, nano,
                      tuple(sorted(attrs.items())))
        self.events.append(event)
        return event

    def since(self, index: int) -> list[Event]:
        """Return the events logged after the first ``index`` ones."""
        return self.events[index:]

    def __len__(self) -> int:
        return len(self.events)
