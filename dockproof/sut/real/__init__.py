"""Real container engines under test: private daemons, the test image, kernel observation.

- `docker` / `podman`: the two adapters; `engines`: their factories and private engines;
- `dockerd`: `PrivateDockerd` (and its bridge); `podmanctx`: `PrivatePodman` (never the
  host's default engine); `private`: what both need of the host (binaries, logs, unmounting);
- `image`: the busybox-static image with the controllable workload as init;
- `workload`: the host side of the workload's command FIFO; the unit size;
- `observe` / `cgroups`: resources and flags read from the kernel (cgroup v1);
- `evidence`: the kernel's readings for a divergence;
- `base`: what the Docker and Podman adapters share; `windows`: every time window;
- `session`: `RunSession`, the guaranteed teardown of a run (Ctrl-C, SIGTERM, a dead engine);
- `cleanup`: ``python -m dockproof.sut.real.cleanup``, removes a run's leftover containers;
- `procs`: the private engines' processes (find, await, kill);
- `errors`: `EngineUnavailable`, the one exception for an engine that cannot be used;
- `pytest_fixtures`: session fixtures `docker_engine` and `podman_engine`.

Nothing here imports the conformance harness: it sits above this layer.
"""
