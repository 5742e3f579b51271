"""Sizes and durations as the REPL reads them: ``500m``, ``1g``, ``100ms``, ``2s``.

Memory is counted in units of `UNIT_BYTES` (100 MiB): ``-m 500m`` is a limit of 5 units and a
bare number is a count of units. Other sizes round to the nearest unit (``1g`` = 1024 MiB is 10
units, ``250m`` is 3); a size under half a unit is refused rather than rounded to nothing.
"""

from __future__ import annotations

import re

UNIT_BYTES = 100 * 1024 * 1024
UNIT_TEXT = "100m"
_SUFFIX = {"b": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}
_TIME = {"ms": 1, "s": 1000, "m": 60_000}


class InputError(ValueError):
    """Reject a line the REPL cannot read; the message says what to type instead."""


def parse_size(text: str) -> int:
    """Turn ``500m``, ``1g``, ``3u`` or ``3`` into a number of units.

    >>> parse_size("500m"), parse_size("1g"), parse_size("3"), parse_size("2u"), parse_size("250m")
    (5, 10, 3, 2, 3)
    """
    match = re.fullmatch(r"(\d+)([bkmgu]?)", text.strip().lower())
    if match is None:
        raise InputError(f"bad size '{text}': use a number of units or 500m, 1g "
                         f"(one unit is {UNIT_TEXT})")
    number, suffix = int(match.group(1)), match.group(2)
    if suffix in ("", "u"):
        return number
    size = number * _SUFFIX[suffix]
    if size * 2 < UNIT_BYTES:
        raise InputError(f"bad size '{text}': less than half a unit (one unit is {UNIT_TEXT})")
    return (size * 2 + UNIT_BYTES) // (2 * UNIT_BYTES)


def parse_duration(text: str) -> int:
    """Turn ``100ms``, ``2s``, ``1m`` or a bare number of milliseconds into milliseconds.

    >>> parse_duration("2s"), parse_duration("150")
    (2000, 150)
    """
    match = re.fullmatch(r"(\d+)(ms|s|m)?", text.strip().lower())
    if match is None:
        raise InputError(f"bad duration '{text}': use 100ms, 2s or 1m")
    return int(match.group(1)) * _TIME[match.group(2) or "ms"]


def parse_int(text: str, what: str) -> int:
    """Read an integer argument, naming it when it is not one."""
    try:
        return int(text)
    except ValueError:
        raise InputError(f"bad {what} '{text}': expected an integer") from None
