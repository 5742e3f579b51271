"""What keys a campaign's rows: the model's semantic digest (prose does not count, a guard
does), the alias file that maps the ledgers' older file hashes to it, and the project's own
ledgers, which must stay readable."""

from __future__ import annotations

import io
import json

import pytest
from campaign_helpers import DOCKER, SMALL, items
from helpers import ROOT

from dockproof.campaign import keys
from dockproof.campaign.ledger import latest, read_ledger, standing
from dockproof.campaign.planner import plan
from dockproof.cli import main

TOURS = ROOT / "benchmarks" / "results" / "tours"
CREATE_GUARD = "guard = \"up and status == 'none' and valid_config\""


def _copy(tmp_path, text: str):
    (tmp_path / "model").mkdir(exist_ok=True)
    f = tmp_path / "model" / "docker.toml"
    f.write_text(text)
    return f


@pytest.mark.parametrize("old, new", [
    ("# Docker Engine 20.10's", "# Docker Engine 20.10 (see docs/engine-facts.md):"),
    ('source = "docs/engine-facts.md"', 'source = "docs/engine-facts-v2.md"'),
    ('title = "Docker Engine 20.10', 'title = "Docker 20.10'),
    ('cites = ["S13"]', 'cites = ["C13"]'),
    ('doc = "-m: a memory limit of LIMIT units"', 'doc = "-m"'),
])
def test_prose_does_not_change_the_digest(tmp_path, old, new):
    text = DOCKER.read_text()
    assert old in text
    f = _copy(tmp_path, text.replace(old, new, 1))
    assert keys.file_hash(f) != keys.file_hash(DOCKER)
    assert keys.model_digest(f) == keys.model_digest(DOCKER)


@pytest.mark.parametrize("old, new", [
    (CREATE_GUARD, "guard = \"valid_config and up and status == 'none'\""),
    ("LIMIT = 2 ", "LIMIT = 1 "),
    ('message = "maximum retry count cannot be used with restart policy \'no\'"',
     'message = "no retry count with no"'),
    ('oom_kill = "alloc"', 'oom_kill = "write_mem"'),
])
def test_what_a_run_reads_changes_the_digest(tmp_path, old, new):
    text = DOCKER.read_text()
    assert old in text
    assert keys.model_digest(_copy(tmp_path, text.replace(old, new, 1))) != \
        keys.model_digest(DOCKER)


def _old_script_row(p, c) -> dict:
    """A row as the campaign script before `dockproof campaign` wrote it: the file's hash, no
    semantic digest."""
    return {"config": c.values, "config_id": c.id, "adapter": "reference",
            keys.MODEL_KEY: p.model_hash, keys.DIV_KEY: p.divergences_hash, "status": "done",
            "verdict": "conformed", "exit_code": 0, "wall_seconds": 4.0, "known": {},
            "stale_entries": [], "date": "2026-11-30T04:53:39+00:00", "states": [2, 2],
            "steps": {"total": 17, "pass": 17, "known": 0, "fail": 0, "inconclusive": 0},
            "transitions": [2, 2], "covered_edges": [[0, 2]], "engine": "reference",
            "engine_version": "0.1.0"}


def test_an_alias_keeps_an_older_row_current_after_a_comment_edit(tmp_path):
    text = DOCKER.read_text()
    model = _copy(tmp_path, text)
    p = plan(str(model), items(SMALL), {}, tours=False, engine="docker")
    ledger = tmp_path / "t.jsonl"
    ledger.write_text("".join(json.dumps(_old_script_row(p, c)) + "\n" for c in p.selected))
    args = (str(model), "--adapter", "reference", "--engine", "docker", "--ledger", str(ledger),
            *SMALL)
    assert "configurations: 2/2 done" in _report(*args)
    model.write_text(text + "\n# a comment\n")
    assert "configurations: 0/2 done" in _report(*args)  # no alias: the file's hash decides
    (tmp_path / keys.ALIASES).write_text(json.dumps({p.model_hash: p.model_key}))
    assert "configurations: 2/2 done" in _report(*args)
    model.write_text(text.replace(CREATE_GUARD, "guard = \"valid_config and up and "
                                  "status == 'none'\""))
    out = _report(*args)
    assert "configurations: 0/2 done" in out and f"2 of an older model (hash {p.model_hash})" \
        in out


def _report(model: str, *args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    assert main(["campaign", model, "--report", *args], out, err) == 0, err.getvalue()
    return out.getvalue()


# Only Docker's: the Podman ledger of record judged the podman CLI against the Docker model
# with Podman entries of properties/divergences.toml that the Podman model (model/podman.toml,
# issue 21) replaced; its rows are stale until a campaign of the Podman model is run.
@pytest.mark.parametrize("engine", ["docker"])
def test_the_projects_ledgers_stay_readable(engine):
    """Every configuration of the project's ledgers of record is done for the model as it is
    (their rows carry the file hash of before semantic digests: model-digests.json maps it)."""
    p = plan("docker", [], {}, tours=False, engine=engine)
    now = latest(read_ledger(TOURS / f"{engine}.jsonl", io.StringIO()), p, engine)
    done = [c for c in p.configs if (standing(now, c)[0] or {}).get("status") == "done"]
    assert len(done) == len(p.configs) == 96
