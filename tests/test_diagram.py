"""dockproof diagram: the views come from the explored graph, every format, errors, big graphs."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from collections import defaultdict

import pytest

from dockproof.builtin import default_model
from dockproof.cli import main
from dockproof.engines.statespace import explore
from dockproof.render import build, scale
from dockproof.render.dot import to_dot
from dockproof.render.jsonout import to_json
from dockproof.render.mermaid import to_mermaid
from dockproof.spec.loader import load_model

HAS_DOT = shutil.which("dot") is not None


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def seed():
    model = load_model(default_model())
    return model, explore(model)


def lifecycle_json(*extra: str) -> dict:
    code, out, err = run("diagram", "--format", "json", *extra)
    assert code == 0, err
    return json.loads(out)


# ---------------------------------------------------------------- lifecycle = explored graph


def expected_lifecycle(model, space):
    """Compute status-level nodes and (src, dst, actor) -> actions from StateSpace.edges."""
    st, hung = model.var("status"), model.var("hung")
    name = lambda s: st.type.members[s[st.slot]] + ("_hung" if s[hung.slot] else "")  # noqa
    nodes = {name(s) for s in space.states}
    edges = defaultdict(set)
    for s, a, d in space.edges:
        act = model.actions[a]
        edges[(name(space.states[s]), name(space.states[d]), act.actor)].add(act.name)
    return nodes, dict(edges)


def test_lifecycle_nodes_and_edges_are_exactly_the_explored_graphs(seed):
    model, space = seed
    nodes, edges = expected_lifecycle(model, space)
    doc = lifecycle_json()
    assert {n["id"] for n in doc["nodes"]} == nodes
    got = {(e["source"], e["target"], e["actor"]): set(e["actions"]) for e in doc["edges"]}
    assert got == edges
    # every action that occurs in the graph labels some edge, and no other does
    assert set().union(*got.values()) == {model.actions[a].name for _, a, _ in space.edges}


def test_lifecycle_badges_are_derived_from_the_states(seed):
    model, space = seed
    doc = lifecycle_json()
    st = model.var("status")
    for node in doc["nodes"]:
        if node["id"].endswith("_hung"):
            continue
        members = [s for s in space.states
                   if st.type.members[s[st.slot]] == node["id"] and not s[model.var("hung").slot]]
        for res, how in node["badges"].items():
            held = [bool(s[model.var(res).slot]) for s in members]
            want = "held" if all(held) else "some" if any(held) else "none"
            assert how == want, (node["id"], res)
        assert node["count"] == len(members)
    initial = [n["id"] for n in doc["nodes"] if n["initial"]]
    assert initial == [st.type.members[model.var("status").init]]


def test_hung_is_drawn_inside_running(seed):
    doc = lifecycle_json()
    hung = next(n for n in doc["nodes"] if n["id"] == "running_hung")
    running = next(n for n in doc["nodes"] if n["id"] == "running")
    assert hung["group"] == running["group"] == "grp_running"
    assert "running" in to_dot(build.build(default_model()))


# ---------------------------------------------------------------- formats, determinism, legend


@pytest.mark.parametrize("fmt", ["dot", "mermaid", "json"])
@pytest.mark.parametrize("view", ["lifecycle", "full"])
def test_text_formats_are_byte_identical_across_runs(fmt, view):
    first = run("diagram", "--view", view, "--format", fmt)
    second = run("diagram", "--view", view, "--format", fmt)
    assert first[0] == 0 and first[1] == second[1] and first[1]


def test_dot_and_mermaid_shapes():
    d = build.build(default_model())
    dot = to_dot(d)
    assert dot.startswith('digraph "seed_lifecycle" {') and dot.rstrip().endswith("}")
    mmd = to_mermaid(d)
    assert "stateDiagram-v2" in mmd and "[*] --> none" in mmd
    assert "running --> paused: pause (user)" in mmd
    full = to_mermaid(build.build(default_model(), "full", config="restart=true"))
    assert full.count("flowchart TB") == 1 and "linkStyle" in full


@pytest.mark.parametrize("view", ["lifecycle", "full"])
def test_legend_names_every_actor_and_the_badges(view):
    d = build.build(default_model(), view)
    dot = to_dot(d)
    for actor, colour in (("user", "#1f5fbf"), ("daemon", "#1e8449"), ("kernel", "#c0392b"),
                          ("process", "#8e44ad")):
        assert f"<b>{actor}</b>" in dot and colour in dot
    assert "initial state" in dot and "resource held" in dot
    assert "subgraph legend" in to_mermaid(d) or d.view == "lifecycle"


@pytest.mark.skipif(not HAS_DOT, reason="needs the graphviz binary")
@pytest.mark.parametrize("fmt,magic", [("svg", b"<?xml"), ("png", b"\x89PNG"),
                                       ("pdf", b"%PDF")])
def test_image_formats(tmp_path, fmt, magic):
    out = tmp_path / f"x.{fmt}"
    code, _, err = run("diagram", "--out", str(out))
    assert code == 0, err
    assert out.read_bytes().startswith(magic)
    assert f"wrote {out}" in err


def test_missing_graphviz_binary_is_exit_3_naming_the_package(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no dot, no sfdp
    code, _, err = run("diagram", "--out", str(tmp_path / "x.svg"))
    assert code == 3
    assert "graphviz" in err and "apt-get install graphviz" in err
    assert len(err.strip().splitlines()) == 2  # the hung note, then the one error line
    code, out, _ = run("diagram", "--format", "dot")  # text formats need no binary
    assert code == 0 and out.startswith("digraph")


# ---------------------------------------------------------------- views


def test_config_filters_the_full_view(seed):
    model, space = seed
    doc = json.loads(to_json(build.build(default_model(), "full",
                                         config="mem_limit=true,oom_kill_disable=true")))
    slots = model.var("mem_limit").slot, model.var("oom_kill_disable").slot
    want = {i for i, s in enumerate(space.states) if s[slots[0]] and s[slots[1]]}
    got = {i for n in doc["nodes"] for i in n["states"]}
    assert got == want and all(n["count"] == 1 for n in doc["nodes"])
    assert len(doc["groups"]) == 2  # restart true and false
    every = json.loads(to_json(build.build(default_model(), "full")))
    assert sum(n["count"] for n in every["nodes"]) == len(space.states)
    assert len(every["groups"]) == 8


def test_around_takes_the_states_within_depth(seed):
    model, space = seed
    d = build.build(default_model(), "around", state="status == 'paused' and usage == 2",
                    depth=1)
    centre = next(n for n in d.nodes if n.focus)
    (i,) = centre.data["states"]
    s = space.states[i]
    assert model.render_state(s, (model.var("status").slot, model.var("usage").slot)) == \
        "status=paused usage=2"
    assert i == min(j for j, t in enumerate(space.states)
                    if t[model.var("status").slot] == 3 and t[model.var("usage").slot] == 2)
    near = {i} | {d2 for s2, _, d2 in space.edges if s2 == i} | \
        {s2 for s2, _, d2 in space.edges if d2 == i}
    assert {j for n in d.nodes for j in n.data["states"]} == near
    by_index = build.build(default_model(), "around", state=str(i), depth=1)
    assert to_dot(by_index) == to_dot(d)


def test_trace_from_dockproof_check_is_a_highlighted_path(tmp_path):
    code, _, err = run("check", "-p", "properties/teeth.toml", "--engine", "explicit",
                       "--trace-dir", str(tmp_path))
    assert code == 0, err
    trace = tmp_path / "invariant.never-hung.explicit.itf.json"
    steps = json.loads(trace.read_text())["states"]
    code, out, err = run("diagram", "--view", "trace", "--trace", str(trace), "-f", "json")
    assert code == 0, err
    doc = json.loads(out)
    taken = sorted((s, e["actions"]) for e in doc["edges"] for s in e["trace_steps"])
    assert [n for n, _ in taken] == list(range(1, len(steps)))
    for n, acts in taken:
        assert steps[n]["mbt::actionTaken"] in acts
    assert sum(node["focus"] for node in doc["nodes"]) == len(steps)


# ---------------------------------------------------------------- bad input: exit 2, one line


def one_error(*argv: str) -> str:
    code, _, err = run(*argv)
    assert code == 2, err
    lines = [x for x in err.splitlines() if "error" in x]
    assert len(lines) == 1 and "Traceback" not in err
    return lines[0]


def test_bad_config():
    assert one_error("diagram", "--view", "full", "--config", "mem_limt=true").startswith(
        "--config [mem_limt]: error DP731:")
    assert "did you mean 'mem_limit'" in one_error("diagram", "--view", "full",
                                                   "--config", "mem_limt=true")
    assert "DP732" in one_error("diagram", "--view", "full", "--config", "restart=maybe")
    assert "DP731" in one_error("diagram", "--view", "full", "--config", "restart")


def test_bad_state():
    assert "did you mean 'paused'" in one_error("diagram", "--view", "around", "--state",
                                                "status == 'pasued'")
    assert "DP722" in one_error("diagram", "--view", "around", "--state",
                                "status == 'paused' and usage == 3 and mem_limit")
    assert "DP721" in one_error("diagram", "--view", "around", "--state", "99999")
    assert "DP741" in one_error("diagram", "--view", "around")


def test_bad_trace_files(tmp_path, seed):
    model, space = seed
    assert "DP001" in one_error("diagram", "--view", "trace", "--trace",
                                str(tmp_path / "missing.json"))
    bad = tmp_path / "bad.json"
    bad.write_text("{\n  \"states\": [\n")
    assert one_error("diagram", "--view", "trace", "--trace", str(bad)).startswith(
        f"{bad}:3: error DP710")
    code, _, _ = run("check", "-p", "properties/teeth.toml", "--engine", "explicit",
                     "--trace-dir", str(tmp_path))
    good = json.loads((tmp_path / "invariant.never-hung.explicit.itf.json").read_text())
    good["states"][2]["usage"] = 3  # usage 3 after one alloc from 0: not reachable
    unreachable = tmp_path / "unreachable.json"
    unreachable.write_text(json.dumps(good, indent=2))
    msg = one_error("diagram", "--view", "trace", "--trace", str(unreachable))
    assert "[states[2]]" in msg and ("DP712" in msg or "DP713" in msg)
    assert msg.startswith(f"{unreachable}:")


# ---------------------------------------------------------------- big graphs


BIG = """
[model]
name = "big"

[parameters.p]
type = "bool"

[variables.status]
type = "enum"
values = ["none", "stopped", "running", "paused"]
init = "none"

[variables.cpu]
type = "bool"
init = false

[variables.x]
type = "int"
range = [0, 30]
init = 0

[variables.y]
type = "int"
range = [0, 30]
init = 0

[actions.create]
actor = "user"
guard = "status == 'none'"
effect = { status = "stopped" }

[actions.start]
actor = "user"
guard = "status == 'stopped'"
effect = { status = "running", cpu = true }

[actions.stop]
actor = "user"
guard = "status in ('running', 'paused')"
effect = { status = "stopped", cpu = false }

[actions.pause]
actor = "user"
guard = "status == 'running'"
effect = { status = "paused", cpu = false }

[actions.unpause]
actor = "user"
guard = "status == 'paused'"
effect = { status = "running", cpu = true }

[actions.grow_x]
actor = "process"
guard = "status == 'running' and x < 30"
effect = { x = "x + 1" }

[actions.grow_y]
actor = "process"
guard = "status == 'running' and y < 30 and (p or y < 10)"
effect = { y = "y + 1" }
"""


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    path = tmp_path_factory.mktemp("big") / "big.toml"
    path.write_text(BIG)
    return path


def test_big_graph_is_collapsed_and_says_so(big):
    model = load_model(big)
    space = explore(model)
    assert len(space.states) > 3000
    code, out, err = run("diagram", str(big), "--view", "full", "-f", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert len(doc["nodes"]) <= scale.FLAT_LIMIT
    assert sum(n["count"] for n in doc["nodes"]) == len(space.states)
    assert doc["notes"] and ("collapsed" in doc["notes"][0] or "grouped" in doc["notes"][0])
    assert doc["notes"][0] in err  # said on stderr too
    assert doc["notes"][0] in run("diagram", str(big), "--view", "full", "-f", "dot")[1]


def test_big_graph_scc_and_flat_use_sfdp(big):
    model = load_model(big)
    space = explore(model)
    d = build.build(big, "full", collapse="scc", space=space)
    assert any("strongly connected" in n for n in d.notes)
    assert d.engine == ("sfdp" if len(d.nodes) > scale.FLAT_LIMIT else "dot")
    flat = build.build(big, "full", collapse="none", space=space)
    assert len(flat.nodes) == len(space.states) and flat.engine == "sfdp"
    assert 'overlap=prism' in to_dot(flat)


@pytest.mark.skipif(not HAS_DOT, reason="needs the graphviz binary")
def test_big_graph_renders_to_svg(big, tmp_path):
    out = tmp_path / "big.svg"
    code, _, err = run("diagram", str(big), "--view", "full", "--out", str(out))
    assert code == 0, err
    assert out.read_bytes().startswith(b"<?xml")


def test_help_explains_views_and_formats():
    proc = subprocess.run(["dockproof", "diagram", "--help"], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0
    for word in ("lifecycle", "full", "around", "trace", "svg", "png", "pdf", "mermaid",
                 "json", "graphviz", "legend"):
        assert word in proc.stdout
