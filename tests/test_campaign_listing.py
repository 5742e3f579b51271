"""The campaign's per-transition listing (`--report --transitions FILE`): what a row's
covered transitions, a recorded refusal and a twin's run say of each transition, as the run's
own `conform --transitions` listing says it."""

from __future__ import annotations

import io
import json

from campaign_helpers import campaign, report, rows
from helpers import run_cli

from dockproof.campaign.ledger import runs_of
from dockproof.campaign.planner import plan
from dockproof.campaign.runner import row_of
from dockproof.cli import main
from dockproof.conformance.coverage import DIVERTED


def test_the_report_lists_every_transition_with_the_rows_covered_edges(tmp_path):
    ledger, listing = tmp_path / "t.jsonl", tmp_path / "transitions.tsv"
    only = ("--config", "policy=no", "--config", "max_retries=0", "--config", "mem_limit=false",
            "--config", "term=dies")  # oom_kill_disable=false|true: two configurations
    base = ("--adapter", "reference", "--engine", "docker", "--ledger", str(ledger))
    ran = campaign(*base, *only[:-2], "--config", "oom_kill_disable=false", *only[-2:])
    assert ran.returncode == 0, ran.stderr
    [row] = rows(ledger)
    covered, total = row["transitions"]
    row_edges = row["covered_edges"]
    assert sum(n for _first, n in row_edges) == covered
    code, out, err = report(*base, *only, "--transitions", str(listing))
    assert code == 0, err
    lines = [ln.split("\t") for ln in listing.read_text().splitlines()]
    assert lines[0] == ["configuration", "verdict", "action", "source", "target"]
    mine = [ln for ln in lines[1:] if ln[0] == row["config_id"]]
    other = [ln for ln in lines[1:] if ln[0] != row["config_id"]]
    assert len(mine) == total and sum(ln[1] == "covered" for ln in mine) == covered
    assert all(ln[1] == "covered" or ln[1].startswith("not covered: ") for ln in mine)
    assert other and {ln[1] for ln in other} == {"not run"}
    # the listing agrees with what the run itself wrote
    own = tmp_path / "own.tsv"
    assert main(["conform", "docker", "--adapter", "reference", "--config", "policy=no",
                      "--config", "max_retries=0", "--config", "mem_limit=false", "--config",
                      "oom_kill_disable=false", "--config", "term=dies", "--transitions",
                      str(own)], io.StringIO(), io.StringIO()) == 0
    assert [ln.split("\t") for ln in own.read_text().splitlines()[1:]] == [ln[1:] for ln in mine]
    # a row from before edge lists is listed as such
    del row["covered_edges"]
    ledger.write_text(json.dumps(row) + "\n")
    report(*base, *only, "--transitions", str(listing))
    verdicts = {ln.split("\t")[1] for ln in listing.read_text().splitlines()[1:]
                if ln.startswith(row["config_id"] + "\t")}
    assert verdicts == {"not listed (its row predates edge lists: run it again to list them)"}
    again = campaign(*base, *only[:-2], "--config", "oom_kill_disable=false", *only[-2:],
                    "--retry-unlisted")
    assert "0 already recorded, 1 to run" in again.stdout, again.stdout
    assert rows(ledger)[-1]["covered_edges"] == row_edges
    err = io.StringIO()
    assert main(["campaign", *base, "--transitions", str(listing)], io.StringIO(), err) == 2
    assert err.getvalue() == "error: --transitions goes with --report\n"


def test_the_ledger_keeps_the_transitions_a_recorded_refusal_stopped(tmp_path):
    """A row says which commanded transitions the engine did not take, as a recorded
    divergence said (`diverted_edges`), and the report's listing words them as the run's
    own listing did."""
    adapter = "podmanlike_adapter:PodmanLikeAdapter"  # refuses stop of a paused container
    only = ["policy=no", "max_retries=0", "mem_limit=false", "oom_kill_disable=false",
            "term=dies"]
    f = tmp_path / "divergences.toml"
    f.write_text('[meta]\nabout = "docker"\n\n[[divergence]]\nid = "stop-paused"\n'
                 'engine = "podmanlike"\ncommand = ["stop", "restart"]\n'
                 "when = \"status == 'paused'\"\nfields = [\"outcome\"]\nthen = \"refused\"\n"
                 'expected = "a"\nobserved = "b"\nreason = "c"\n')
    own, listing, ledger = tmp_path / "own.tsv", tmp_path / "all.tsv", tmp_path / "t.jsonl"
    code, out, err = run_cli("conform", "docker", "--adapter", adapter, "--json",
                             "--allow-known", "--divergences", str(f), "--transitions", str(own),
                             *[a for o in only for a in ("--config", o)])
    assert code == 0, err
    p = plan("docker", only, {}, tours=False, engine="docker")
    [c] = p.selected
    row = row_of(p, c, adapter, 1, p.divergences_hash, code, out, err, 1.0, False, 60.0,
                       own)
    lines = [ln.split("\t") for ln in own.read_text().splitlines()[1:]]
    why = "not covered: " + DIVERTED + "stop-paused"
    stopped = [k for k, ln in enumerate(lines) if ln[0] == why]
    assert stopped and row["diverted_edges"] == {"stop-paused": runs_of(stopped)}
    ledger.write_text(json.dumps(row) + "\n")
    assert main(["campaign", "docker", "--adapter", adapter, "--engine", "docker", "--ledger",
                 str(ledger), "--report", "--transitions", str(listing),
                 *[a for o in only for a in ("--config", o)]], io.StringIO(), io.StringIO()) == 0
    mine = [ln.split("\t")[1:] for ln in listing.read_text().splitlines()[1:]
            if ln.startswith(c.id + "\t")]
    assert mine == lines


def test_a_twin_is_listed_with_its_twins_verdicts_and_they_cover_its_own_run(tmp_path):
    """A configuration done by its twin's run lists the twin's verdict of the same
    experiment for each of its transitions; what its own run covers (on the reference
    daemon, which does not see term either) is covered there too."""
    ledger, listing = tmp_path / "t.jsonl", tmp_path / "transitions.tsv"
    only = ("--config", "policy=no", "--config", "max_retries=0", "--config", "mem_limit=false",
            "--config", "oom_kill_disable=false")
    base = ("--adapter", "reference", "--engine", "docker", "--ledger", str(ledger))
    ran = campaign(*base, *only)
    assert ran.returncode == 0, ran.stderr
    [row] = rows(ledger)
    assert row["config"]["term"] == "dies"
    code, out, err = report(*base, *only, "--transitions", str(listing))
    assert code == 0, err
    lines = [ln.split("\t") for ln in listing.read_text().splitlines()[1:]]
    twin = [ln for ln in lines if ln[0] != row["config_id"]]
    assert twin and all(ln[1].endswith(f" (its twin's run: {row['config_id']})") for ln in twin)
    own = tmp_path / "own.tsv"
    cfg = [x for pair in zip(["--config"] * 5, [o for o in only if o != "--config"]
                             + ["term=ignores"]) for x in pair]
    assert main(["conform", "docker", "--adapter", "reference", *cfg, "--transitions",
                      str(own)], io.StringIO(), io.StringIO()) == 0
    mine = [ln.split("\t") for ln in own.read_text().splitlines()[1:]]
    assert [ln[2:] for ln in twin] == [ln[1:] for ln in mine]  # the same transitions, in order
    covered_own = {tuple(ln[1:]) for ln in mine if ln[0] == "covered"}
    covered_twin = {tuple(ln[2:]) for ln in twin if ln[1].startswith("covered ")}
    assert covered_own and covered_own <= covered_twin
    n_twin = len(covered_twin)
    assert f"transitions covered: {row['transitions'][0] + n_twin:,}/" in out
