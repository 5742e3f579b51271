"""The real-engine campaign: a model's full transition tour on an engine, resumably.

`planner` enumerates the configurations, their tours and twins; `runner` runs one as a child
``dockproof conform`` and turns its report into a ledger row; `session` runs the pending ones
within a budget; `ledger` reads and appends rows and decides which are current (`keys`: the
digests they are keyed by); `report`, `listing` and `estimate` say where the campaign stands;
`cli` is ``dockproof campaign``.
"""
