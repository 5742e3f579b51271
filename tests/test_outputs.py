"""CI outputs of `dockproof check`: SARIF validates against the published schema, JUnit has the
structure CI systems read, the Markdown summary names what failed, JSON is reproducible."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import jsonschema
import pytest
from helpers import ROOT, SEED, SEED_PROPS, run_cli

SCHEMA = json.loads((ROOT / "tests/data/schemas/sarif-schema-2.1.0.json").read_text())


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("out")
    wrong = d / "wrong.toml"
    wrong.write_text('[meta]\nmodel = "seed"\n\n# a false claim\n[invariant.paused-has-cpu]\n'
                     'cites = ["S14"]\nformula = "implies(status == \'paused\', cpu)"\n')
    code, out, err = run_cli("check", str(SEED), "-p", str(SEED_PROPS), "-p", str(wrong),
                             "--junit", str(d / "r.xml"), "--sarif", str(d / "r.sarif"),
                             "--summary", str(d / "r.md"))
    return code, d, wrong


def test_sarif_validates_and_points_at_the_failing_key(outputs):
    code, d, wrong = outputs
    assert code == 1
    log = json.loads((d / "r.sarif").read_text())
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    results = log["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["invariant.paused-has-cpu"]
    loc = results[0]["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == wrong.as_posix()
    assert loc["physicalLocation"]["region"]["startLine"] == 5
    assert loc["logicalLocations"][0]["fullyQualifiedName"] == "invariant.paused-has-cpu"


def test_sarif_schema_rejects_a_broken_log(outputs):
    """The validation has teeth: a log missing its version is rejected by the schema."""
    _, d, _ = outputs
    log = json.loads((d / "r.sarif").read_text())
    del log["version"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(SCHEMA).validate(log)


def test_junit_structure(outputs):
    _, d, _ = outputs
    root = ET.parse(d / "r.xml").getroot()
    assert root.tag == "testsuites"
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == int(root.get("tests")) == 34
    failed = [c for c in cases if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == ["invariant.paused-has-cpu"]
    assert "pause" in failed[0].find("failure").text
    assert root.get("failures") == "1"


def test_markdown_summary(outputs):
    _, d, _ = outputs
    md = (d / "r.md").read_text()
    assert md.startswith("## dockproof check: seed")
    assert "**invariant.paused-has-cpu**" in md and "❌" in md


def _check_json() -> dict:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "dockproof", "check", "--json"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    doc = json.loads(proc.stdout)
    doc["summary"].pop("seconds")
    for r in doc["results"]:
        for e in r["engines"]:
            e.pop("seconds")
    return doc


def test_json_is_reproducible():
    """Two runs give the same document, timings aside: traces, certificates, bounds."""
    assert _check_json() == _check_json()


def test_conform_outputs_point_at_the_diverging_action(tmp_path):
    code, _, _ = run_cli("conform", "--adapter", "mutant:pause_frees_memory", "--junit",
                         str(tmp_path / "c.xml"), "--sarif", str(tmp_path / "c.sarif"),
                         "--summary", str(tmp_path / "c.md"))
    assert code == 1
    log = json.loads((tmp_path / "c.sarif").read_text())
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    (result,) = log["runs"][0]["results"]
    loc = result["locations"][0]
    assert loc["logicalLocations"][0]["fullyQualifiedName"] == "actions.pause"
    assert loc["physicalLocation"]["artifactLocation"]["uri"].endswith("model/seed.toml")
    root = ET.parse(tmp_path / "c.xml").getroot()
    assert root.get("failures") == "1"
    assert "**segment 1" in (tmp_path / "c.md").read_text()
