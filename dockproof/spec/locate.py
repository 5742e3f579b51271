"""Find the line of a dotted TOML key in a file's text, for error messages."""

from __future__ import annotations

import re


def line_of(text: str, key: str) -> int | None:
    """Return the 1-based line where ``key`` (dotted) is defined, best effort.

    >>> line_of("[actions.pause]\\nactor = 'user'\\nguard = 'x'\\n", "actions.pause.guard")
    3
    >>> line_of("[actions.pause]\\n", "actions.pause")
    1
    """
    parts = key.split(".")
    lines = text.splitlines()
    # The longest table header that is a prefix of the key, then the rest as a key below it.
    for cut in range(len(parts), 0, -1):
        header = parts[:cut]
        for i, line in enumerate(lines):
            if _header(line) == header:
                rest = parts[cut:]
                if not rest:
                    return i + 1
                found = _key_below(lines, i + 1, rest[0])
                return found if found is not None else i + 1
    for i, line in enumerate(lines):  # a table only defined through its sub-tables
        h = _header(line)
        if h is not None and h[:len(parts)] == parts:
            return i + 1
    for i, line in enumerate(lines):  # a key at top level
        if re.match(rf"\s*{re.escape(parts[-1])}\s*=", line):
            return i + 1
    return None


def _header(line: str) -> list[str] | None:
    m = re.match(r"\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$", line)
    if not m:
        return None
    return [p.strip().strip('"').strip("'") for p in re.findall(r'"[^"]*"|\'[^\']*\'|[^.]+',
                                                                   m.group(1))]


def _key_below(lines: list[str], start: int, key: str) -> int | None:
    for j in range(start, len(lines)):
        if _header(lines[j]) is not None:
            return None
        if re.match(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=", lines[j]):
            return j + 1
    return None
