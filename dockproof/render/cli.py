"""``dockproof diagram``: draw a model's state graph (thin CLI over ``render.build``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from ..errors import InputError, Location

VIEWS = ("lifecycle", "full", "around", "trace")
FORMATS = ("svg", "png", "pdf", "dot", "mermaid", "json")
SUFFIX = {"svg": "svg", "png": "png", "pdf": "pdf", "dot": "dot", "mermaid": "mmd",
          "json": "json"}
_BY_SUFFIX = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot",
              ".mmd": "mermaid", ".mermaid": "mermaid", ".json": "json"}

DESCRIPTION = """\
Draw the model's reachable state graph, explored exhaustively (every node and edge comes
from the explicit engine's graph; nothing is drawn by hand).

views:
  lifecycle  (default) one box per status (none, stopped, running, paused; a hung container
             drawn inside running), arrows labelled by every action that takes some
             reachable state of one status to one of the other; each box shows the resources
             its states hold (~ where only some do) and how many states it stands for
  full       every reachable state (of one configuration with --config, else all of them,
             one cluster per configuration); a box shows the status, resource badges and the
             variables off their initial value; arrows name the actions
  around     the states within --depth K steps (both directions) of the state --state picks:
             a state index, or a predicate such as "status == 'paused' and usage == 2" (the
             first matching state in breadth-first order)
  trace      an ITF trace written by `dockproof check --trace-dir`, drawn as a highlighted
             path (#n = step n) over the reachable graph around it (its states and their
             neighbours)

formats:
  svg png pdf  images laid out by graphviz (dot; sfdp for big graphs): needs the graphviz
               binary (Debian package graphviz)
  dot          the DOT source (deterministic: the same model gives byte-identical output)
  mermaid      Mermaid source (stateDiagram-v2 for lifecycle, flowchart otherwise); renders
               on code-hosting sites
  json         nodes and edges with every attribute

Every picture has a legend: one colour and line style per actor (user solid blue, daemon
dashed green, kernel bold red, process dotted purple), resource badges (CPU MEM NET PROC FS),
a dot and arrow into the initial state, a double border on terminal states. Graphs over
300 boxes are collapsed (strongly connected components, then configuration x status) and
laid out with sfdp; the picture and stderr say so."""

EPILOG = """\
output: --out PATH, or by default <model>-<view>.<format> in the current folder for images
and standard output for dot, mermaid and json (--out - always means standard output).
The format follows --out's suffix (.svg .png .pdf .dot .gv .mmd .json) unless --format is given.

exit codes: 0 drawn; 2 bad input (model, --config, --state, trace file); 3 the graphviz
binary is missing for an image format, or graphviz failed

examples:
  dockproof diagram
  dockproof diagram seed --format mermaid
  dockproof diagram --view full --config mem_limit=true,oom_kill_disable=true --out full.svg
  dockproof diagram --view around --state "status == 'paused' and usage == 2" --depth 2
  dockproof check -p properties/teeth.toml --trace-dir out/
  dockproof diagram --view trace --trace out/<property>.explicit.itf.json --out trace.png"""


def register(subparsers) -> None:
    """Add ``dockproof diagram`` to the command line."""
    p = subparsers.add_parser("diagram", help="draw the model's state graph (svg, png, pdf, "
                              "dot, mermaid, json)", description=DESCRIPTION, epilog=EPILOG,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", nargs="?", metavar="MODEL",
                   help="a model file, or a built-in model's name (seed, docker, podman); "
                   "default: seed")
    p.add_argument("--view", choices=VIEWS, default="lifecycle", help="what to draw (above)")
    p.add_argument("--config", metavar="K=V,...",
                   help="only the states of this configuration, e.g. mem_limit=true,"
                   "oom_kill_disable=true (parameters left out take every value)")
    p.add_argument("--state", metavar="EXPR_OR_INDEX",
                   help="around: the state in the middle, an index or a predicate")
    p.add_argument("--depth", type=int, default=2, metavar="K",
                   help="around: how many steps out, both directions (default 2)")
    p.add_argument("--trace", type=Path, metavar="FILE", help="trace: an ITF trace JSON file")
    p.add_argument("--collapse", choices=("auto", "none", "scc", "status"), default="auto",
                   help="big graphs: auto (collapse beyond 300 boxes), none (draw every "
                   "state), scc (one box per strongly connected component), status (one box "
                   "per configuration and status)")
    p.add_argument("--format", "-f", choices=FORMATS, help="output format (default: from "
                   "--out's suffix, else svg)")
    p.add_argument("--out", "-o", metavar="PATH", help="where to write (above)")
    p.set_defaults(func=cmd_diagram)


def cmd_diagram(args, out: TextIO, err: TextIO) -> int:
    from .. import builtin
    from .build import build, write

    fmt = args.format or _BY_SUFFIX.get(Path(args.out or "").suffix, "svg")
    model_path = builtin.resolve_model(args.model)
    d = build(model_path, args.view, config=args.config, state=args.state, depth=args.depth,
              trace=args.trace, collapse=args.collapse)
    for note in d.notes:
        err.write(f"dockproof diagram: {note}\n")
    target = args.out
    if target is None and fmt in ("svg", "png", "pdf"):
        target = f"{d.model}-{d.view}.{SUFFIX[fmt]}"
    data = write(d, fmt)
    if target in (None, "-"):
        if isinstance(data, bytes):
            out.flush()
            getattr(out, "buffer", out).write(data)
        else:
            out.write(data)
        return 0
    _save(Path(target), data)
    err.write(f"wrote {target} ({fmt}: {len(d.nodes)} boxes, {len(d.edges)} arrows, "
              f"{d.engine})\n")
    return 0


def _save(path: Path, data: str | bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    except OSError as exc:
        raise InputError(Location(str(path)), "DP740", f"cannot write: {exc.strerror}") \
            from None
