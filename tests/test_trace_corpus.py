"""Teeth kept: corrupted copies of every recorded log that an independent judge calls
impossible are refused by `dockproof trace`; legal variants are accepted; the table of classes
and counts in docs/guides/trace.md is the one these tests compute."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from trace_corpus import CLASSES, corrupt, impossible, legal, retyped

from dockproof.offline.checker import Checker
from dockproof.spec.loader import load_model

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "tests" / "data" / "events"
DOC = ROOT / "docs" / "guides" / "trace.md"
LEGAL = ("renamed", "interleaved", "cut", "keys-shuffled")


def logs(dialect):
    files = sorted((EVENTS / dialect).glob("*.jsonl"))
    return [[json.loads(x) for x in f.read_text().splitlines()] for f in files]


@pytest.fixture(scope="module")
def results():
    """{(dialect, class): Counter(copies, impossible, refused, refused_impossible)} and the
    copies the judge calls impossible that the checker accepted, or legal ones it refused."""
    checker = Checker(load_model(ROOT / "model" / "docker.toml"))
    table: dict = {}
    wrong = []
    for d in ("docker", "podman"):
        all_logs = logs(d)
        for k, ev in enumerate(all_logs):
            other = all_logs[(k + 1) % len(all_logs)]
            for cls, copies in (*corrupt(ev, d).items(), *legal(ev, d, other).items()):
                c = table.setdefault((d, cls), Counter())
                for cp in copies:
                    imp = impossible(cp, d)
                    _, rej = checker.check([json.dumps(e) for e in cp], "copy", d,
                                           explain=False)
                    c.update(copies=1, impossible=imp, refused=rej is not None,
                             refused_impossible=imp and rej is not None)
                    if (imp and rej is None) or (cls in LEGAL and rej is not None):
                        wrong.append((d, cls, k, [e.get("Action", e.get("Status"))
                                                  for e in cp]))
    return table, wrong


def test_the_judge_accepts_every_recorded_log_and_refuses_the_obvious():
    for d in ("docker", "podman"):
        for ev in logs(d):
            assert not impossible(ev, d)
            assert impossible(ev + [retyped(ev[-1], "start")], d)


def test_every_copy_the_judge_calls_impossible_is_refused(results):
    _, wrong = results
    assert [w for w in wrong if w[1] not in LEGAL] == []


def test_every_legal_variant_is_accepted(results):
    _, wrong = results
    assert [w for w in wrong if w[1] in LEGAL] == []


def test_every_corruption_class_has_teeth(results):
    table, _ = results
    for d in ("docker", "podman"):
        for cls in CLASSES:
            if d == "podman" and cls in ("signal", "exit-code"):
                continue    # Podman's kill event carries no signal: the judge cannot tell
            assert table[(d, cls)]["refused_impossible"] > 0, (d, cls)


def rows(table) -> list[str]:
    """The table's rows: what the generator and the judge give, whatever the model (how many
    more copies the model refuses than the judge can tell depends on the model)."""
    out = []
    for (d, cls), c in sorted(table.items()):
        if c["copies"]:
            out.append(f"| {d} | {cls} | {c['copies']} | {c['impossible']} |")
    return out


def test_the_docs_list_each_class_with_its_counts(results):
    table, _ = results
    documented = [x for x in DOC.read_text().splitlines()
                  if re.match(r"\| (docker|podman) \| ", x)]
    assert documented == rows(table), "\n".join(rows(table))
