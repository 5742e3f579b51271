"""The system under test: the adapter contract, the adapters, and the registry that names them.

- `contract`: the `Adapter` Protocol, its data (`Command`, `Config`, `Observation`,
  `Outcome`) and the `Capabilities` an adapter declares; imports nothing else of dockproof;
- `registry`: ``--adapter`` spec -> `AdapterFactory` (`factory`): reference, docker, podman,
  exec:CMD, mutant:NAME, module:Class;
- `reference`: the reference interpreter behind the contract; `mutants`: broken variants;
- `jsonl`: ``exec:`` adapters (a child process speaking JSON lines);
- `ownership`: `owned`, how a run holds an adapter (a `RunSession` when it needs one);
- `real`: real engines (private daemons, image, cgroups, workload, evidence, session).

The conformance harness sits above this layer and is never imported by it.
"""
