"""The documentation holds together: every relative link in README.md and docs/ reaches a file
(and a heading, when it names one), and the CLI reference lists every subcommand and option."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
from helpers import ROOT

from dockproof.cli import build_parser

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.M | re.S)
CLI_PAGE = ROOT / "docs" / "reference" / "cli.md"
HINT = "run python scripts/cli_reference.py"


def slug(heading: str) -> str:
    """Return the anchor a code-hosting site gives a heading.

    >>> slug("Many containers on one host: `dockproof host`")
    'many-containers-on-one-host-dockproof-host'
    """
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Return the anchors of a page's headings (a repeated heading gets -1, -2, ...)."""
    seen: dict[str, int] = {}
    out = set()
    for line in FENCE.sub("", page.read_text()).splitlines():
        if m := re.match(r"#{1,6} (.+)", line):
            s = slug(m.group(1))
            out.add(f"{s}-{seen[s]}" if s in seen else s)
            seen[s] = seen.get(s, 0) + 1
    return out


def links(page: Path) -> list[str]:
    """Return the relative links of a page, outside code blocks."""
    return [t for t in LINK.findall(FENCE.sub("", page.read_text()))
            if not re.match(r"[a-z]+:", t)]


def broken(page: Path) -> list[str]:
    """Return the relative links of a page that reach no file, or no heading of the file."""
    out = []
    for target in links(page):
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            out.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            out.append(f"{target}: no such heading")
    return out


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page):
    assert not broken(page), f"{page.relative_to(ROOT)}: " + "; ".join(broken(page))


def test_the_link_check_has_teeth(tmp_path):
    page = tmp_path / "a.md"
    page.write_text("# Top\n[ok](#top) [gone](missing.md) [bad](a.md#nowhere)\n"
                    "```\n[in code](ignored.md)\n```\n[web](https://example.org/x)\n")
    assert broken(page) == ["missing.md: no such file", "a.md#nowhere: no such heading"]


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in build_parser()._actions
                  if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("name", sorted(_subcommands()))
def test_cli_reference_lists_every_subcommand_and_option(name):
    page = CLI_PAGE.read_text()
    assert f"## dockproof {name}\n" in page, f"docs/reference/cli.md has no {name}: {HINT}"
    section = page.split(f"## dockproof {name}\n", 1)[1].split("\n## dockproof ", 1)[0]
    options = [o for a in _subcommands()[name]._actions for o in a.option_strings]
    missing = [o for o in options if not re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", section)]
    assert not missing, f"docs/reference/cli.md, {name}: missing {missing}: {HINT}"
