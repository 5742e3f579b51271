"""A reference daemon that, as Podman 4.3 does, refuses to stop or restart a paused
container (engine-facts §8.1): the adapter the recorded-refusal tests run with
(`--adapter podmanlike_adapter:PodmanLikeAdapter`).

It declares its engine's name and version in its capabilities, as a user's ``module:Class``
adapter would: the recorded divergences it is judged with name ``podmanlike``.
"""

from __future__ import annotations

from dockproof.reference import Daemon, DockerError, Host
from dockproof.sut.contract import Capabilities
from dockproof.sut.reference import ReferenceAdapter


class RefusesStopWhenPaused(Daemon):
    def stop(self, ref: str, timeout: int = 10) -> None:
        if self.get(ref).paused:
            raise DockerError(409, "container is running or paused, refusing to clean up")
        super().stop(ref, timeout)

    def restart(self, ref: str, timeout: int = 10) -> None:
        if self.get(ref).paused:
            raise DockerError(409, "unable to restart a container in a paused state")
        super().restart(ref, timeout)


class PodmanLikeAdapter(ReferenceAdapter):
    capabilities = Capabilities(engine="podmanlike", version="4.3")

    def __init__(self, host_units: int = 20) -> None:
        super().__init__(host_units)
        self.daemon = RefusesStopWhenPaused(Host(host_units))

    def reset(self, host_units: int) -> None:
        self.daemon = RefusesStopWhenPaused(Host(host_units))
