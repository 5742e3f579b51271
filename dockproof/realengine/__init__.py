"""Real container engines under test: private daemons, the test image, kernel observation.

- `daemon`: `PrivateDockerd` and `PrivatePodman` (never the host's default engine);
- `image`: the busybox-static image with the controllable workload as init;
- `workload`: the host side of the workload's command FIFO; the unit size;
- `observe` / `cgroups`: resources and flags read from the kernel (cgroup v1);
- `base`: what the Docker and Podman adapters share; `windows`: every time window;
- `session`: `RunSession`, the guaranteed teardown of a run (Ctrl-C, SIGTERM, a dead engine);
- `cleanup`: ``python -m dockproof.realengine.cleanup``, removes a run's leftover containers;
- `procs`: the private engines' processes (find, await, kill);
- `pytest_fixtures`: session fixtures `docker_engine` and `podman_engine`.
"""

from dockproof.realengine.errors import EngineUnavailable

__all__ = ["EngineUnavailable"]
