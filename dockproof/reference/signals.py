"""Signal names and numbers as `docker kill -s` accepts them (engine-facts §2.1)."""

from __future__ import annotations

from .errors import DockerError

#: The Linux signals by name (x86-64 numbering).
SIGNALS = {
    "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "BUS": 7, "FPE": 8,
    "KILL": 9, "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15,
    "STKFLT": 16, "CHLD": 17, "CONT": 18, "STOP": 19, "TSTP": 20, "TTIN": 21, "TTOU": 22,
    "URG": 23, "XCPU": 24, "XFSZ": 25, "VTALRM": 26, "PROF": 27, "WINCH": 28, "IO": 29,
    "PWR": 30, "SYS": 31,
}
SIGKILL = 9
SIGTERM = 15
#: Linux numbers signals 1..64 (real-time signals included).
MAX_SIGNAL = 64


def parse_signal(text: str | int, ref: str) -> int:
    """Turn ``KILL``, ``SIGKILL`` or ``9`` into a signal number, with Docker's refusals.

    >>> parse_signal("SIGTERM", "web"), parse_signal("10", "web")
    (15, 10)
    """
    if isinstance(text, int) or str(text).isdigit():
        number = int(text)
        if not 1 <= number <= MAX_SIGNAL:
            raise DockerError(500, f"Cannot kill container: {ref}: The linux daemon does not "
                                   f"support signal {number}")
        return number
    name = str(text).upper().removeprefix("SIG")
    if name not in SIGNALS:
        raise DockerError(400, f"Invalid signal: {text}")
    return SIGNALS[name]
