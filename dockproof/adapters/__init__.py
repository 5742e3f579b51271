"""Adapters: the transports that put an implementation behind the adapter contract."""
