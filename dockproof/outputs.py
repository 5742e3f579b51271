"""Machine outputs for CI: JUnit XML, SARIF 2.1.0 and a Markdown job summary.

They are built from a neutral list of `Case` records, so that `check` and `conform` (and any
later command) share one implementation.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


@dataclass(frozen=True)
class Case:
    """One checked item: a property, a conformance step, a trace."""

    id: str
    suite: str
    ok: bool
    seconds: float = 0.0
    verdict: str = ""
    message: str = ""
    details: str = ""
    file: str | None = None
    line: int | None = None
    key: str | None = None
    tags: tuple[str, ...] = ()
    skipped: bool = False
    extra: dict = field(default_factory=dict)


def junit_xml(cases: list[Case], name: str) -> str:
    """Render JUnit XML: one testsuite per suite, one testcase per case."""
    root = ET.Element("testsuites", name=name, tests=str(len(cases)),
                      failures=str(sum(not c.ok and not c.skipped for c in cases)),
                      time=f"{sum(c.seconds for c in cases):.3f}")
    suites: dict[str, ET.Element] = {}
    for c in cases:
        suite = suites.get(c.suite)
        if suite is None:
            suite = suites[c.suite] = ET.SubElement(root, "testsuite", name=c.suite)
        tc = ET.SubElement(suite, "testcase", classname=c.suite, name=c.id,
                           time=f"{c.seconds:.3f}")
        if c.file:
            tc.set("file", c.file)
            if c.line:
                tc.set("line", str(c.line))
        if c.skipped:
            ET.SubElement(tc, "skipped", message=c.message)
        elif not c.ok:
            fail = ET.SubElement(tc, "failure", message=c.message or c.verdict,
                                 type=c.verdict or "failure")
            fail.text = c.details
    for suite in suites.values():
        members = list(suite)
        suite.set("tests", str(len(members)))
        suite.set("failures", str(sum(m.find("failure") is not None for m in members)))
        suite.set("skipped", str(sum(m.find("skipped") is not None for m in members)))
        suite.set("time", f"{sum(float(m.get('time')) for m in members):.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def sarif(cases: list[Case], command: str) -> dict:
    """Render a SARIF 2.1.0 log: one rule per case id, one result per failed case, located at
    the file, line and key that define it."""
    failed = [c for c in cases if not c.ok and not c.skipped]
    rules = [{"id": c.id, "name": _rule_name(c.id),
              "shortDescription": {"text": c.extra.get("description") or c.id},
              "properties": {"tags": list(c.tags)}} for c in sorted(cases, key=lambda c: c.id)]
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = []
    for c in failed:
        res = {"ruleId": c.id, "ruleIndex": index[c.id], "level": "error",
               "message": {"text": f"{c.verdict}: {c.message}".strip(": ")}}
        if c.file:
            loc: dict = {"artifactLocation": {"uri": Path(c.file).as_posix()}}
            if c.line:
                loc["region"] = {"startLine": c.line}
            res["locations"] = [{"physicalLocation": loc,
                                 **({"logicalLocations": [{"fullyQualifiedName": c.key}]}
                                    if c.key else {})}]
        if c.details:
            res["properties"] = {"details": c.details}
        results.append(res)
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0",
            "runs": [{"tool": {"driver": {"name": "dockproof", "version": __version__,
                                          "informationUri": "https://example.invalid/dockproof",
                                          "rules": rules}},
                      "automationDetails": {"id": f"dockproof/{command}/"},
                      "results": results}]}


def _rule_name(rid: str) -> str:
    return "".join(p.capitalize() for p in rid.replace(".", "-").split("-") if p)


def markdown_summary(cases: list[Case], title: str, headline: str) -> str:
    """Render a Markdown summary for a CI job page: headline, failures first, then a table."""
    bad = [c for c in cases if not c.ok and not c.skipped]
    lines = [f"## {title}", "", headline, ""]
    if bad:
        lines += ["### Not as expected", ""]
        for c in bad:
            where = f" (`{c.file}`" + (f" line {c.line}" if c.line else "") + ")" if c.file else ""
            lines.append(f"- **{c.id}**: {c.verdict} {c.message}{where}")
            if c.details:
                lines += ["", "```", c.details.rstrip(), "```", ""]
        lines.append("")
    lines += ["| | id | verdict | time |", "|---|---|---|---|"]
    for c in cases:
        mark = "⏭" if c.skipped else ("✅" if c.ok else "❌")
        lines.append(f"| {mark} | `{c.id}` | {c.verdict} | {c.seconds:.3f}s |")
    return "\n".join(lines) + "\n"


def write(path: Path, text: str) -> None:
    """Write an output file atomically (a reader never sees half of it)."""
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_json(path: Path, doc: dict) -> None:
    write(path, json.dumps(doc, indent=2) + "\n")


def run_meta(command: str, model, parameters: dict | None = None,
             argv: list[str] | None = None) -> dict:
    """Return the provenance block every ``--json`` report carries: the tool and its version,
    the command line, the model (path, name, a hash of its file) and the run's parameters."""
    import sys

    return {"tool": "dockproof", "version": __version__, "command": command,
            "argv": list(sys.argv[1:] if argv is None else argv),
            "model_file": {"path": model.path, "name": model.name, "sha256_16": model.digest},
            "parameters": dict(sorted((parameters or {}).items()))}


def write_ci_outputs(args, cases: list[Case], command: str, title: str, headline: str) -> None:
    """Write the CI files a command's ``--junit``, ``--sarif`` and ``--summary`` options ask for."""
    if getattr(args, "junit", None):
        write(args.junit, junit_xml(cases, f"dockproof {command}"))
    if getattr(args, "sarif", None):
        write_json(args.sarif, sarif(cases, command))
    if getattr(args, "summary", None):
        write(args.summary, markdown_summary(cases, title, headline))
