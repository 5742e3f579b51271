"""`dockproof refine`: check that one model refines another under a mapping, with both engines."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TextIO

from ..verdict import Verdict


def register(sub) -> None:
    """Add the ``refine`` subcommand."""
    p = sub.add_parser(
        "refine", help="check that the Docker model refines the seed model",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Check a refinement mapping (default: properties/refinement.toml, Docker "
        "-> seed) with the explicit engine (every reachable concrete edge) and the smt engine "
        "(Z3: every step from a state the Houdini lemmas allow): each concrete step must map "
        "to an abstract step of an allowed actor, or a stutter, and initial states to initial "
        "states. Declared differences must each really occur (a stale one is an error); an "
        "undeclared unmatched step is reported with its shortest trace, the abstract states "
        "and why no abstract step matches.",
        epilog="exit codes: 0 refines (except the declared, confirmed differences), 1 an "
        "undeclared difference, a stale declaration or UNKNOWN, 2 bad input, 3 the engines "
        "disagree or an engine is unavailable\n\nexamples:\n  dockproof refine\n"
        "  dockproof refine docker seed --engine explicit --json\n  dockproof refine podman seed")
    p.add_argument("concrete", nargs="?", metavar="CONCRETE",
                   help="the concrete model (default: the mapping's meta.concrete)")
    p.add_argument("abstract", nargs="?", metavar="ABSTRACT",
                   help="the abstract model (default: the mapping's meta.abstract)")
    p.add_argument("--mapping", type=Path, metavar="FILE",
                   help="the mapping file (default: the one in properties/ whose [meta] concrete "
                   "names CONCRETE and expects it proved, else properties/refinement.toml)")
    p.add_argument("--engine", choices=("smt", "explicit", "both"), default="both")
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="Z3 time limit per query")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(func=cmd_refine)


def cmd_refine(args, out: TextIO, err: TextIO) -> int:
    from .. import builtin
    from ..errors import InputError, InternalError, Location
    from .mapping import load_refinement
    from .run import run_engines

    path = args.mapping or _default_mapping(args.concrete)
    ref = load_refinement(path, builtin.resolve_model)
    for given, model, key in ((args.concrete, ref.concrete, "concrete"),
                              (args.abstract, ref.abstract, "abstract")):
        if given is not None and builtin.resolve_model(given).resolve() != \
                Path(model.path).resolve():
            raise InputError(Location(ref.path, None, f"meta.{key}"), "DP430",
                             f"this mapping's {key} model is {model.path}, not {given}",
                             "pass the mapping for these models with --mapping")
    engines = ("explicit", "smt") if args.engine == "both" else (args.engine,)
    results = run_engines(ref, engines, args.timeout)
    disagree = _disagreement(results)
    if args.json:
        json.dump({"mapping": ref.path, "concrete": ref.concrete.path,
                   "abstract": ref.abstract.path,
                   "differences": [{"name": d.name, "kind": d.kind, "cites": list(d.cites),
                                    "reason": d.reason} for d in ref.differences],
                   "results": [r.to_json() for r in results]}, out, indent=2, sort_keys=True)
        out.write("\n")
    else:
        from .report import write_text
        write_text(ref, results, out)
    if disagree:
        raise InternalError("the engines disagree about the refinement, which is a bug in "
                            f"dockproof: {disagree}")
    return 0 if all(r.verdict == Verdict.PROVED for r in results) else 1


def _default_mapping(concrete: str | None) -> Path:
    """Return the mapping for ``concrete``: the mapping beside it whose ``[meta] concrete``
    names it and that expects it proved (properties/refinement-podman.toml for podman), else
    properties/refinement.toml."""
    from .. import builtin
    from ..spec.loader import load_model

    default = builtin.root() / "properties" / "refinement.toml"
    if concrete is None:
        return default
    model_path = builtin.resolve_model(concrete)
    if not model_path.is_file():
        return default
    from ..spec.source import read_toml

    found = [f for f in builtin.refinements_for(model_path, load_model(model_path).name)
             if read_toml(f).data["meta"].get("expect", "proved") == "proved"]
    return default if not found or default in found else found[0]


def _disagreement(results) -> str:
    decisive = [r for r in results if not r.unknown]
    if len(decisive) < 2:
        return ""
    a, b = decisive[0], decisive[1]
    if (a.verdict, sorted(a.confirmed), sorted(a.stale)) != \
            (b.verdict, sorted(b.confirmed), sorted(b.stale)):
        return (f"{a.engine}: {a.verdict}, confirmed {sorted(a.confirmed)}; "
                f"{b.engine}: {b.verdict}, confirmed {sorted(b.confirmed)}")
    return ""
