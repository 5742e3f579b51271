"""Render a check report: a terminal table with counterexamples, JSON, and ITF trace files."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any, TextIO

from . import __version__
from .check import Assessment, Report
from .verdict import Verdict

_MARK = {True: "ok", False: "FAIL"}


def write_table(report: Report, out: TextIO, color: bool = False, all_traces: bool = False) -> None:
    """Write the table (id, kind, cites, verdict, engine, bound, time), then the traces of
    every unexpected result (or of all, with ``all_traces``)."""
    m = report.model
    states = f", {report.states} reachable states" if report.states is not None else ""
    out.write(f"dockproof check: {m.path} (model '{m.name}'{states})\n")
    for c in report.catalogues:
        n = len(c.properties)
        out.write(f"  {c.path}: {_plural(n, 'property', 'properties')}, expected "
                  f"{_expected(c)}\n")
    out.write("\n")
    rows = [("ID", "CITES", "VERDICT", "", "ENGINE", "BOUND", "TIME")]
    for o in report.outcomes:
        rows.append((o.prop.id, " ".join(o.prop.cites) or "-", o.verdict,
                     _MARK[o.ok], o.engines, _bound(o),
                     f"{sum(r.seconds for r in o.results):.3f}s"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        cells = [c.ljust(w) for c, w in zip(row, widths)]
        line = "  ".join(cells).rstrip()
        if color and i and not report.outcomes[i - 1].ok:
            line = f"\x1b[31m{line}\x1b[0m"
        out.write(line + "\n")
    for o in report.outcomes:
        if all_traces or not o.ok:
            _explain(o, out)
    out.write("\n" + summary_line(report) + "\n")


def _expected(c) -> str:
    kinds = sorted({p.expect.upper() for p in c.properties})
    return "/".join(kinds) if kinds else "-"


def _bound(o: Assessment) -> str:
    """Say what each engine's answer covers; the explicit state count is in the header."""
    return " | ".join("exhaustive" if r.bound.startswith("exhaustive") else r.bound
                      for r in o.results)


def _explain(o: Assessment, out: TextIO) -> None:
    out.write(f"\n{o.prop.id}: {o.verdict}, expected {o.prop.expect.upper()}"
              f"  ({o.prop.source})\n")
    if o.prop.doc:
        out.write(f"  claim: {o.prop.doc}\n")
    for r in o.results:
        if r.reason:
            out.write(f"  {r.engine}: {r.reason}\n")
        if o.verdict == Verdict.DISAGREE:
            out.write(f"  {r.engine}: {r.verdict} ({r.bound})\n")
    shown = next((r for r in o.results if r.traces), None)
    if shown is None:
        return
    for t in shown.traces:
        kind = "witness" if o.verdict == Verdict.PROVED else "counterexample"
        out.write(f"  {kind} from {shown.engine}, {len(t)} steps: {t.title}\n")
        out.write("\n".join(t.render("    ")) + "\n")


def summary_line(report: Report) -> str:
    by: dict[str, int] = {}
    for o in report.outcomes:
        by[o.verdict] = by.get(o.verdict, 0) + 1
    parts = ", ".join(f"{n} {v}" for v, n in sorted(by.items()))
    bad = sum(not o.ok for o in report.outcomes)
    verdict = "all as expected" if not bad else f"{bad} NOT as expected"
    n = _plural(len(report.outcomes), "property", "properties")
    return f"{n}: {parts or 'none checked'}; {verdict} ({report.seconds:.2f}s)"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def to_json(report: Report, argv: list[str] | None = None) -> dict[str, Any]:
    m = report.model
    return {
        "tool": "dockproof", "version": __version__, "command": "check",
        "argv": argv or [],
        "model": {"path": m.path, "name": m.name, "sha256_16": m.digest,
                  "reachable_states": report.states},
        "catalogues": [c.path for c in report.catalogues],
        "results": [_result_json(o) for o in report.outcomes],
        "summary": {"total": len(report.outcomes),
                    "as_expected": sum(o.ok for o in report.outcomes),
                    "seconds": round(report.seconds, 4)},
        "exit_code": report.exit_code,
    }


def _result_json(o: Assessment) -> dict[str, Any]:
    return {
        "id": o.prop.id, "kind": o.prop.kind, "cites": list(o.prop.cites),
        "expect": o.prop.expect.upper(), "verdict": o.verdict, "ok": o.ok,
        "engine": o.engines, "bound": _bound(o), "source": o.prop.source,
        "engines": [{"engine": r.engine, "verdict": r.verdict, "bound": r.bound,
                     "seconds": round(r.seconds, 4), "reason": r.reason or None,
                     "certificate": r.certificate,
                     "traces": [t.to_itf() for t in r.traces]} for r in o.results],
    }


def write_traces(report: Report, folder: Path) -> list[Path]:
    """Write every trace as ITF JSON: ``<property id>.<engine>[.<n>].itf.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for o in report.outcomes:
        for r in o.results:
            for n, t in enumerate(r.traces):
                suffix = f".{n + 1}" if len(r.traces) > 1 else ""
                path = folder / f"{o.prop.id}.{r.engine}{suffix}.itf.json"
                meta = {"property": o.prop.id, "verdict": r.verdict, "engine": r.engine}
                _atomic_write(path, json.dumps(t.to_itf(meta), indent=2, sort_keys=False) + "\n")
                written.append(path)
    return written


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def cases(report: Report):
    """Turn the outcomes into neutral `Case` records for JUnit, SARIF and Markdown."""
    from .outputs import Case
    from .spec.locate import line_of

    texts: dict[str, str] = {}
    out = []
    for o in report.outcomes:
        p = o.prop
        if p.file not in texts:
            try:
                texts[p.file] = Path(p.file).read_text(encoding="utf-8")
            except OSError:
                texts[p.file] = ""
        buf = io.StringIO()
        if not o.ok:
            _explain(o, buf)
        msg = f"expected {p.expect.upper()}, got {o.verdict}" if not o.ok else o.verdict
        out.append(Case(id=p.id, suite=p.file, ok=o.ok, seconds=sum(r.seconds for r in o.results),
                        verdict=o.verdict, message=f"{msg}: {p.doc}" if p.doc else msg,
                        details=buf.getvalue().strip("\n"), file=p.file,
                        line=line_of(texts[p.file], p.key), key=p.key, tags=p.cites,
                        extra={"description": p.doc or p.id}))
    return out
