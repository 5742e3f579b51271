"""Restart policies and the restart manager (S13; engine-facts §3.1–3.2, §3.8).

The manager mirrors moby's ``restartmanager``: one per run of a container, cancelled by a
manual stop or kill (§3.4 a), asked at each exit whether to restart and after how long. Times
are milliseconds on the daemon's virtual clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import DockerError

#: Back-off constants of ``restartmanager.go`` (§3.2): 100 ms doubling, capped at one minute,
#: reset when the run lasted at least ten seconds.
FIRST_DELAY_MS = 100
MAX_DELAY_MS = 60_000
RESET_AFTER_MS = 10_000
POLICIES = ("no", "on-failure", "always", "unless-stopped")


@dataclass(frozen=True, slots=True)
class RestartPolicy:
    """Hold a validated ``--restart`` value: its name and ``MaximumRetryCount``."""

    name: str = "no"
    max_retries: int = 0

    def __str__(self) -> str:
        return f"{self.name}:{self.max_retries}" if self.max_retries else self.name


def parse_policy(text: str) -> RestartPolicy:
    """Validate a ``--restart`` value with Docker's 400 texts (§3.1).

    >>> parse_policy("on-failure:3")
    RestartPolicy(name='on-failure', max_retries=3)
    """
    name, sep, count = (text or "no").partition(":")
    if name not in POLICIES:
        raise DockerError(400, f"invalid restart policy '{name}'")
    if not sep:
        return RestartPolicy(name)
    try:
        retries = int(count)
    except ValueError:
        raise DockerError(400, f"invalid restart policy '{text}'") from None
    if name != "on-failure":
        raise DockerError(400, f"maximum retry count cannot be used with restart policy '{name}'")
    if retries < 0:
        raise DockerError(400, "maximum retry count cannot be negative")
    return RestartPolicy(name, retries)


@dataclass(slots=True)
class RestartManager:
    """Decide restarts for one run of a container and keep its back-off delay.

    ``restart_count`` is the count the manager was created with (the container's
    ``RestartCount``); ``canceled`` is set by `cancel` and is never persisted.
    """

    policy: RestartPolicy
    restart_count: int = 0
    delay_ms: int = 0
    canceled: bool = False

    def cancel(self) -> None:
        """Cancel this run's restarts: a manual stop or kill (§3.4 a)."""
        self.canceled = True

    def should_restart(self, exit_code: int, manually_stopped: bool, ran_ms: int) -> bool:
        """Answer ``ShouldRestart`` (§3.2) and, when restarting, count the restart.

        >>> m = RestartManager(RestartPolicy("on-failure", 1))
        >>> m.should_restart(1, False, 0), m.delay_ms, m.should_restart(1, False, 0)
        (True, 100, False)
        """
        if self.policy.name == "no" or self.canceled:
            return False
        self._advance_delay(ran_ms)
        if not self._decide(exit_code, manually_stopped):
            return False
        self.restart_count += 1
        return True

    def _advance_delay(self, ran_ms: int) -> None:
        if ran_ms >= RESET_AFTER_MS:
            self.delay_ms = 0
        self.delay_ms = FIRST_DELAY_MS if self.delay_ms == 0 else self.delay_ms * 2
        self.delay_ms = min(self.delay_ms, MAX_DELAY_MS)

    def _decide(self, exit_code: int, manually_stopped: bool) -> bool:
        name, cap = self.policy.name, self.policy.max_retries
        if name == "always":
            return True
        if name == "unless-stopped":
            return not manually_stopped
        # on-failure: the exit code decides (unlike S11), and the cap counts restarts since the
        # last user start, not consecutive failures (§3.2).
        return exit_code != 0 and (cap == 0 or self.restart_count < cap)
