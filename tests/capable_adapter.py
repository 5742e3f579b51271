"""User adapters (``--adapter capable_adapter:NAME``) that declare capabilities, as a third
party's ``module:Class`` adapter would: each gets the power a built-in adapter with the same
declaration has (test_sut_capabilities.py)."""

from __future__ import annotations

from dockproof.sut.contract import Capabilities
from dockproof.sut.real.base import Teardown
from dockproof.sut.reference import ReferenceAdapter

#: Why `Daemonless` is not asked to restart its daemon (the coverage report quotes it).
NO_DAEMON = "capable-adapter: there is no daemon to restart"


class Daemonless(ReferenceAdapter):
    """The reference, declaring (as Podman does) that it cannot restart a daemon."""

    capabilities = Capabilities(engine="daemonless", version="1.0",
                                unsupported={"daemon_restart": NO_DAEMON})


class LeavesContainers(ReferenceAdapter):
    """The reference, needing a session (as a real engine does); its close() leaves one
    container behind, which the session must name."""

    capabilities = Capabilities(engine="leaves", needs_session=True)

    def close(self) -> Teardown:
        super().close()
        return Teardown("run42", leftovers=("sut (0123456789ab)",), reason="engine gone",
                        hint="remove-it --run-id run42")


class Exclusive(ReferenceAdapter):
    """The reference, declaring that two of it must not run at once."""

    capabilities = Capabilities(parallel_safe=False)


class Evidence(ReferenceAdapter):
    """The reference with evidence in reading order (as the kernel readers give it)."""

    capabilities = Capabilities(kernel_evidence=True)

    def evidence(self) -> dict[str, str]:
        return {"State.Status": "running", "/proc/7": "present", "A": "first?"}
