"""`dockproof host` (check the host properties for N containers) and `dockproof export`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from .. import builtin
from ..errors import InputError, Location
from .export import FORMATS

HOST_EXAMPLES = """engines:
  parametric  for every N at once: a counting invariant and a local fixpoint found by
              itself, inductive for all N; properties checked on a view of k containers
  symmetric   explicit, exhaustive, containers interchangeable (canonical = sorted), numpy
  explicit    the ordinary explicit engine on the instantiated model (small N)
  smt         the ordinary Z3 engine on the instantiated model (k-induction, IC3/PDR)
  all         every engine whose N fits (explicit, smt: N <= 2; symmetric: N <= 3)

exit codes: 0 as expected, 1 failed or UNKNOWN, 2 bad input, 3 engines disagree/unavailable

examples:
  dockproof host --containers 3 --engine symmetric
  dockproof host --containers 1000
  dockproof export host --containers 2 --to promela --out host2.pml"""


def register(sub) -> None:
    p = sub.add_parser("host", help="check the host properties for N containers on one host",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Check properties/host.toml against model/host.toml: the "
                       "seed's container instantiated N times, sharing the host's memory.",
                       epilog=HOST_EXAMPLES)
    p.add_argument("--containers", "-n", type=int, default=3, metavar="N",
                   help="how many containers (default 3)")
    p.add_argument("--engine", choices=("parametric", "symmetric", "explicit", "smt", "all"),
                   default="parametric", help="which engine (default: parametric)")
    p.add_argument("--host", type=Path, metavar="FILE", help="a host file (default: "
                   "model/host.toml)")
    p.add_argument("--properties", "-p", type=Path, metavar="FILE",
                   help="a host property catalogue (default: properties/host.toml)")
    p.add_argument("--max-states", type=int, metavar="N",
                   help="explicit engines' budget of (canonical) states; beyond it UNKNOWN")
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="Z3 limit per query")
    p.set_defaults(func=cmd_host)
    e = sub.add_parser("export", help="write a model for SPIN, Storm/PRISM or as a .aut graph",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Write MODEL (seed, docker, podman, host or a file) as Promela "
                       "(SPIN), PRISM (Storm) or its explored graph as Aldebaran .aut (mCRL2, "
                       "CADP). Invariants and transition properties of the model's catalogues "
                       "that are expected to hold go along: assertions in Promela, the label "
                       "\"bad\" in PRISM.",
                       epilog="examples:\n  dockproof export seed --to prism\n"
                       "  dockproof export host --containers 3 --to promela --out host3.pml\n"
                       "  spin -o2 -a host3.pml && gcc -O2 -DSAFETY -o pan pan.c && ./pan")
    e.add_argument("model", metavar="MODEL", help="a model file or a built-in model's name")
    e.add_argument("--to", required=True, choices=FORMATS, help="the output format")
    e.add_argument("--containers", "-n", type=int, default=1, metavar="N",
                   help="for a host model: how many containers (default 1)")
    e.add_argument("--out", "-o", type=Path, metavar="FILE", help="write here (default: "
                   "standard output)")
    e.add_argument("--no-properties", action="store_true", help="export the model alone")
    e.add_argument("--max-states", type=int, metavar="N", help="aut: exploration budget")
    e.set_defaults(func=cmd_export)


def cmd_host(args, out: TextIO, err: TextIO) -> int:
    from ..errors import require

    require("numpy", extra="scale")  # the scalable engines batch states with numpy
    from .hostcheck import engines_for, run_host
    from .instantiate import check_n

    check_n(args.containers)
    host = args.host or builtin.root() / "model" / "host.toml"
    props = args.properties or builtin.root() / "properties" / "host.toml"
    rep = run_host(host, props, args.containers, engines_for(args.engine, args.containers),
                   args.max_states, args.timeout)
    write_host_report(rep, out)
    for w in rep.warnings:
        err.write(f"warning: {w}\n")
    return rep.exit_code


def write_host_report(rep, out: TextIO) -> None:
    """Print one line per property: verdict, engines, bounds; then notes and certificates."""
    out.write(f"{rep.host.path}: {rep.n} container(s) of {rep.host.template.path}, "
              f"{len(rep.props)} properties, {rep.seconds:.2f} s\n")
    width = max(len(hp.prop.id) for hp in rep.props)
    for hp in rep.props:
        v = rep.verdict(hp.prop.id)
        mark = "ok " if v == hp.prop.expect.upper() else "!! "
        rs = rep.results.get(hp.prop.id, [])
        out.write(f"{mark}{hp.prop.id:<{width}}  {v:<8} "
                  + "; ".join(f"{r.engine}: {r.verdict.lower()} ({r.bound})" for r in rs) + "\n")
        for r in rs:
            if r.reason:
                out.write(f"     {r.engine}: {r.reason}\n")
            for t in r.traces:
                out.write(f"     {r.engine} trace ({t.title}):\n")
                out.write("\n".join(t.render("       ")) + "\n")
    for note in rep.notes:
        out.write(f"{note}\n")
    if rep.certificate:
        out.write(f"parametric certificate: {rep.certificate}\n")
    certs = sorted({(r.prop, r.certificate) for rs in rep.results.values() for r in rs
                    if r.certificate and r.engine == "smt"})
    for pid, cert in certs:
        out.write(f"smt certificate for {pid}: {cert}\n")


def cmd_export(args, out: TextIO, err: TextIO) -> int:
    from .exporting import export_text

    text = export_text(builtin.resolve_model(args.model), args.to, args.containers,
                       not args.no_properties, args.max_states)
    if args.out:
        try:
            args.out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InputError(Location(str(args.out)), "DP003", f"cannot write: {exc}") from None
        err.write(f"wrote {args.out}\n")
    else:
        out.write(text)
    return 0
