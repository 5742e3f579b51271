"""Errors that reach the user: each knows its exit code and renders as one located line.

Exit codes (the same for every subcommand):
  0  everything as expected
  1  a property failed, was UNKNOWN, or an implementation diverged
  2  bad input: a malformed model, property, trace, log or command line
  3  an engine, solver, binary or adapter is unavailable, or an internal error
"""

from __future__ import annotations

from dataclasses import dataclass


class DockproofError(Exception):
    """Base of every error that is reported to the user instead of a traceback."""

    exit_code = 3

    def render(self) -> str:
        return f"error: {self}"


@dataclass(frozen=True, slots=True)
class Location:
    """Where bad input sits: a file, optionally a line and a dotted TOML key."""

    file: str
    line: int | None = None
    key: str | None = None

    def __str__(self) -> str:
        out = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{out} [{self.key}]" if self.key else out


class InputError(DockproofError):
    """Bad user input: located, coded, with an optional hint. Exit code 2."""

    exit_code = 2

    def __init__(self, location: Location | str | None, code: str, message: str,
                 hint: str | None = None) -> None:
        super().__init__(message)
        self.location = location
        self.code = code
        self.message = message
        self.hint = hint

    def render(self) -> str:
        where = f"{self.location}: " if self.location else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}error {self.code}: {self.message}{hint}"


class UnavailableError(DockproofError):
    """A solver, binary, engine or adapter that is not there or stopped answering. Exit 3."""

    exit_code = 3


class InternalError(DockproofError):
    """Something dockproof itself got wrong, e.g. two engines that disagree. Exit 3."""

    exit_code = 3


def did_you_mean(name: str, candidates) -> str | None:
    """Return a "did you mean 'x'?" hint for the closest candidate, or None.

    >>> did_you_mean("pasued", ["paused", "running"])
    "did you mean 'paused'?"
    """
    import difflib

    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def require(module: str, extra: str, package: str | None = None):
    """Import a heavy dependency, or fail with the pip command that installs it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        pkg = package or module
        raise UnavailableError(
            f"this needs {pkg}: pip install 'dockproof[{extra}]' ({exc})") from None
