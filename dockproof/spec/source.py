"""Read a TOML file and report problems in it by file, line and dotted key."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, Location, did_you_mean
from .expr import Expr
from .locate import line_of
from .parsing import ExprError, Scope, parse
from .types import BOOL, Type


@dataclass(frozen=True)
class Source:
    """A loaded TOML document together with its text, for located errors."""

    path: str
    text: str
    data: dict

    def where(self, key: str | None) -> Location:
        return Location(self.path, line_of(self.text, key) if key else None, key)

    def error(self, key: str | None, code: str, message: str,
              hint: str | None = None) -> InputError:
        return InputError(self.where(key), code, message, hint)

    def expr(self, key: str, text: Any, scope: Scope, expect: Type | None = BOOL) -> Expr:
        """Parse an expression found at ``key``, turning its errors into located ones."""
        try:
            return parse(text, scope, expect)
        except ExprError as exc:
            raise self.error(key, exc.code, exc.message, exc.hint) from None

    def table(self, value: Any, key: str) -> dict:
        if not isinstance(value, dict):
            raise self.error(key, "DP103", f"expected a table, got {_kind(value)}")
        return value

    def check_keys(self, table: dict, key: str, allowed: Iterable[str],
                   required: Iterable[str] = ()) -> None:
        allowed = set(allowed)
        for k in table:
            if k not in allowed:
                raise self.error(f"{key}.{k}" if key else k, "DP102", f"unknown key '{k}'",
                                 did_you_mean(k, allowed))
        for k in required:
            if k not in table:
                raise self.error(key, "DP102", f"missing key '{k}'")

    def string_list(self, value: Any, key: str) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise self.error(key, "DP103", f"expected a list of strings, got {_kind(value)}")
        return tuple(value)


def _kind(value: Any) -> str:
    return {dict: "a table", list: "a list", str: "a string", bool: "a boolean",
            int: "an integer", float: "a number"}.get(type(value), type(value).__name__)


def read_toml(path: str | Path) -> Source:
    """Read and parse a TOML file; syntax errors and duplicate keys become located errors."""
    p = Path(path)
    shown = _shown(p)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(Location(shown), "DP001", "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Location(shown), "DP001", f"cannot read the file: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column \d+\)", msg)
        line = int(m.group(1)) if m else None
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
        raise InputError(Location(shown, line), "DP002", f"TOML syntax: {msg}") from None
    return Source(shown, text, data)


def _shown(p: Path) -> str:
    """Show a path relative to the working directory when it is below it."""
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)
