"""Capabilities an adapter declares: the built-in adapters' declarations, and a user's
``module:Class`` adapter getting the same powers by declaring the same
(tests/capable_adapter.py)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from helpers import run_cli

from dockproof.conformance.evidence import collect
from dockproof.sut.contract import DEFAULT_CAPABILITIES, Capabilities, capabilities_of
from dockproof.sut.mutants import MUTANTS
from dockproof.sut.real.docker import DockerAdapter
from dockproof.sut.real.podman import PodmanAdapter
from dockproof.sut.reference import ReferenceAdapter
from dockproof.sut.registry import resolve

PACKAGE = Path(__file__).resolve().parents[1] / "dockproof"
#: One configuration of the Docker model (which has `daemon_restart`).
CONFIG = [f"--config={c}" for c in ("policy=always", "max_retries=0", "mem_limit=true",
                                     "oom_kill_disable=false", "term=dies")]


def test_the_built_in_adapters_declare_what_they_can_do():
    private, shared = (DockerAdapter.capabilities_for(private=p) for p in (True, False))
    assert private.can_restart_daemon and not shared.can_restart_daemon
    assert "DOCKER_HOST" in shared.unsupported["daemon_restart"]
    assert private.restarts_before_backoff == 4 and private.needs_session
    podman = PodmanAdapter.capabilities
    assert not podman.can_restart_daemon and podman.restarts_before_backoff is None
    assert podman.needs_session and podman.kernel_evidence and podman.engine == "podman"
    reference = capabilities_of(ReferenceAdapter())
    assert reference.identity(ReferenceAdapter()) == ("reference", "0")
    assert not reference.needs_session and reference.can_restart_daemon
    mutant = MUTANTS["create_starts"][1]()
    assert capabilities_of(mutant).identity(mutant) == ("reference", "0")


def test_an_adapter_that_declares_nothing_gets_the_defaults():
    class Bare:
        pass

    caps = capabilities_of(Bare())
    assert caps is DEFAULT_CAPABILITIES and caps.identity(Bare()) == ("Bare", "?")
    assert caps.parallel_safe and not caps.needs_session and caps.unsupported == {}


def test_a_lazy_version_is_read_when_asked_and_a_wrapper_is_seen_through():
    asked = []

    class Engine:
        capabilities = Capabilities("eng", lambda a: asked.append(a) or "9.1")

    class Wrapper:
        def __init__(self, inner):
            self.__wrapped__ = inner

    inner = Engine()
    caps = capabilities_of(Wrapper(inner))
    assert asked == [] and caps.identity(inner) == ("eng", "9.1") and asked == [inner]
    with pytest.raises(TypeError):
        caps.unsupported["stop"] = "no"  # frozen, its mapping too


def test_a_module_adapter_declaring_no_daemon_restart_leaves_it_out_and_says_why(tmp_path):
    assert resolve("capable_adapter:Daemonless").unsupported == {
        "daemon_restart": "capable-adapter: there is no daemon to restart"}
    listing = tmp_path / "t.tsv"
    code, _, _ = run_cli("conform", "docker", *CONFIG, "--adapter",
                         "capable_adapter:Daemonless", "--transitions", str(listing))
    assert code == 0
    assert "the adapter cannot 'daemon_restart': capable-adapter: there is no daemon to " \
        "restart" in listing.read_text()
    code, out, _ = run_cli("conform", "docker", *CONFIG, "--adapter",
                           "capable_adapter:Daemonless", "--json")
    ref_code, ref, _ = run_cli("conform", "docker", *CONFIG, "--adapter", "reference", "--json")
    assert code == ref_code == 0
    assert json.loads(out)["steps"] < json.loads(ref)["steps"]


def test_a_module_adapter_needing_a_session_gets_its_leftovers_named():
    code, _, err = run_cli("conform", "--adapter", "capable_adapter:LeavesContainers",
                           "--steps", "5", "--strategy", "random")
    assert code == 3
    assert "sut (0123456789ab)" in err and "remove-it --run-id run42" in err


def test_a_module_adapter_not_parallel_safe_refuses_two_jobs():
    code, _, err = run_cli("conform", "--adapter", "capable_adapter:Exclusive", "--jobs", "2")
    assert code == 2 and "DP504" in err and "--jobs 1" in err
    code, _, _ = run_cli("conform", "--adapter", "capable_adapter:Exclusive", "--jobs", "1")
    assert code == 0


def test_kernel_evidence_keeps_its_reading_order_other_evidence_is_sorted():
    from capable_adapter import Evidence

    assert [k for k, _ in collect(Evidence())] == ["State.Status", "/proc/7", "A"]

    class Plain(ReferenceAdapter):
        evidence = Evidence.evidence

    assert [k for k, _ in collect(Plain())] == ["/proc/7", "A", "State.Status"]


def test_nothing_dispatches_on_a_module_or_class_name():
    for path in PACKAGE.rglob("*.py"):
        assert "__module__" not in path.read_text(), path


def test_the_layers_import_one_way():
    """`sut.contract` is a leaf, `sut.real` never imports the harness, and the reference
    interpreter imports nothing of dockproof outside itself."""
    def imports(path: Path) -> set[str]:
        package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
        out = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                out |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = package.rsplit(".", node.level - 1)[0] if node.level else ""
                out.add(".".join(p for p in (base, node.module or "") if p))
        return {n for n in out if n.startswith("dockproof")}

    assert imports(PACKAGE / "sut" / "contract.py") == set()
    for path in (PACKAGE / "sut").rglob("*.py"):
        assert not any(n.startswith("dockproof.conformance") for n in imports(path)), path
    for path in (PACKAGE / "reference").glob("*.py"):
        assert all(n.startswith("dockproof.reference") for n in imports(path)), path
