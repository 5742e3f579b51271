"""Write docs/reference/cli.md from the command line's own help: every subcommand, every option.

    PYTHONPATH=. python scripts/cli_reference.py [--out docs/reference/cli.md]

The page is the `--help` of `dockproof` and of each subcommand, wrapped at 100 columns, under a
table of the subcommands. tests/test_docs.py fails when a subcommand or an option is missing
from the page: run this again after changing the command line.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from dockproof.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
HEAD = """# The command line

Every subcommand of `dockproof`, as its `--help` prints it (regenerate this page with
`python scripts/cli_reference.py`). The exit codes are the same for all of them:
[exit codes](exit-codes.md); what the machine-readable outputs hold: [outputs](outputs.md).
"""


def subcommands(parser: argparse.ArgumentParser) -> dict[str, tuple[str, argparse.ArgumentParser]]:
    """Return each subcommand's name, one-line help and parser, in the order `--help` lists."""
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {c.dest: c.help or "" for c in action._choices_actions}
    return {name: (helps.get(name, ""), p) for name, p in action.choices.items()}


def page() -> str:
    """Return the reference page's Markdown."""
    os.environ["COLUMNS"] = "100"  # argparse wraps help at the terminal's width: fix it
    parser = build_parser()
    subs = subcommands(parser)
    rows = "\n".join(f"| [`{n}`](#dockproof-{n}) | {h} |" for n, (h, _) in subs.items())
    parts = [HEAD, "| command | what it does |\n|---|---|\n" + rows + "\n",
             "## dockproof\n\n```\n" + parser.format_help().rstrip() + "\n```\n"]
    parts += [f"## dockproof {n}\n\n{h}.\n\n```\n{p.format_help().rstrip()}\n```\n"
              for n, (h, p) in subs.items()]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    """Write the page (default docs/reference/cli.md)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "reference" / "cli.md")
    args = ap.parse_args(argv)
    args.out.write_text(page(), encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
