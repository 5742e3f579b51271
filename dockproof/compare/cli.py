"""`dockproof compare A B`: the behavioural difference of two models, computed."""

from __future__ import annotations

import argparse
import json
from typing import TextIO


def register(sub) -> None:
    """Add the ``compare`` subcommand."""
    p = sub.add_parser(
        "compare", help="compute how two models differ over what an adapter shows",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run two models side by side over the adapter contract (answers, error "
        "texts and CLI exit statuses, events, observations), from every pair of "
        "configurations that send the same Config, and list every class of distinguishing "
        "traces with a shortest trace of each (a breadth-first search of the product of the "
        "two models' settled states). Facts only one model states are listed apart. "
        "--confirm runs each class's trace on both real engines (a private dockerd and a "
        "private Podman) and shows whether each does what its own model says.",
        epilog="exit codes: 0 the models are equivalent over the contract, 1 they differ (or "
        "a confirmation failed), 2 bad input, 3 an engine unavailable\n\nexamples:\n"
        "  dockproof compare docker podman\n  dockproof compare docker podman --json\n"
        "  dockproof compare docker podman --confirm --only answer")
    p.add_argument("a", metavar="A", help="a model file or built-in name (docker)")
    p.add_argument("b", metavar="B", help="a model file or built-in name (podman)")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument("--no-events", action="store_true",
                   help="leave the event vocabularies out of the comparison")
    p.add_argument("--only", action="append", metavar="DIMENSION",
                   help="keep the classes of this dimension (repeatable): answer, error, "
                   "exit-status, events, observation")
    p.add_argument("--confirm", action="store_true",
                   help="run each class's shortest trace on the real engines of the two "
                   "models (adapters named like the models: docker, podman)")
    p.add_argument("--adapters", nargs=2, metavar=("ADAPTER_A", "ADAPTER_B"),
                   help="the adapters --confirm runs A's and B's traces on (default: the "
                   "models' names)")
    p.add_argument("--runtime", choices=("runc", "crun"),
                   help="the OCI runtime of both engines' private daemons for --confirm "
                   "(default: runc)")
    p.set_defaults(func=cmd_compare)


def cmd_compare(args, out: TextIO, err: TextIO) -> int:
    from .. import builtin
    from ..errors import InputError
    from ..spec.loader import load_model
    from .events import vocabulary_for
    from .product import DIMENSIONS, compare

    for d in args.only or ():
        if d not in DIMENSIONS:
            raise InputError("--only", "DP801", f"unknown dimension '{d}'",
                             "dimensions: " + ", ".join(DIMENSIONS))
    models = []
    for arg in (args.a, args.b):
        path = builtin.resolve_model(arg)
        if not path.is_file():
            raise InputError(arg, "DP802", f"no model '{arg}'",
                             "give a model file or a built-in name (seed, docker, podman)")
        models.append(load_model(path))
    a, b = models
    vocab = (None, None) if args.no_events else (vocabulary_for(a), vocabulary_for(b))
    result = compare(a, b, *vocab)
    if args.only:
        result.differences = [d for d in result.differences if d.dimension in args.only]
    confirmations = None
    if args.confirm:
        from .confirm import confirm_all
        adapters = args.adapters or (a.name, b.name)
        confirmations = confirm_all(result, adapters, err, args.runtime)
    if args.json:
        doc = to_json(result, confirmations)
        json.dump(doc, out, indent=2, sort_keys=True)
        out.write("\n")
    else:
        write_text(result, confirmations, out)
    if confirmations is not None and not all(c.confirmed for c in confirmations.values()):
        return 1
    return 0 if result.equivalent else 1


def to_json(result, confirmations=None) -> dict:
    """Return the comparison as one JSON document."""
    diffs = []
    for d in result.differences:
        item = d.to_json()
        c = confirmations.get(d.name) if confirmations is not None else None
        item["confirmed"] = c.confirmed if c is not None else None
        if c is not None:
            item["confirmation"] = c.to_json()
        diffs.append(item)
    return {"a": result.a.path, "b": result.b.path, "equivalent": result.equivalent,
            "events_compared": result.events, "pairs": result.pairs,
            "configurations": result.configs, "differences": diffs,
            "classes": len(diffs), "unstated": result.unstated}


def write_text(result, confirmations, out: TextIO) -> None:
    a, b = result.a.name, result.b.name
    out.write(f"dockproof compare: {result.a.path} ({a}) vs {result.b.path} ({b}): "
              f"{result.pairs} product states from {result.configs} matching "
              f"configurations{'' if result.events else ', events not compared'}\n")
    if result.equivalent:
        out.write(f"{a} and {b} are equivalent over the adapter contract\n")
    else:
        out.write(f"{a} and {b} differ: {len(result.differences)} classes of distinguishing "
                  "traces\n")
    dim = None
    for d in result.differences:
        if d.dimension != dim:
            dim = d.dimension
            out.write(f"\n{dim}:\n")
        mark = ""
        if confirmations is not None:
            c = confirmations.get(d.name)
            mark = " [confirmed]" if c and c.confirmed else " [NOT confirmed]"
        out.write(f"  {d.verb} ({' / '.join(dict.fromkeys(d.before))}): {a} {d.values[0]}; "
                  f"{b} {d.values[1]}{mark}\n")
        out.write(f"    shortest trace: {'; '.join(d.trace)}  ({d.count} states)\n")
        if confirmations is not None and d.name in confirmations:
            for line in confirmations[d.name].lines():
                out.write(f"    {line}\n")
    if result.unstated:
        out.write("\nstated by one model only (not differences):\n")
        for k, items in result.unstated.items():
            out.write(f"  {k}: {'; '.join(items)}\n")
