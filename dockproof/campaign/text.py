"""Paths, shares and durations as the campaign's reports print them."""

from __future__ import annotations

from pathlib import Path


def shown(path: Path) -> str:
    """Show a path relative to the working folder when it is under it, else as given."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def pct(a: int, b: int) -> str:
    """Show ``a`` as a share of ``b``.

    >>> pct(1, 8), pct(1, 0)
    ('12.5%', '-')
    """
    return f"{100 * a / b:.1f}%" if b else "-"


def hours(s: float) -> str:
    """Show seconds as hours from one hour up, else as minutes.

    >>> hours(5400), hours(90)
    ('1.50 h', '1.5 min')
    """
    return f"{s / 3600:.2f} h" if s >= 3600 else f"{s / 60:.1f} min"
