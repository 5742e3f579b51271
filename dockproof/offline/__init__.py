"""Offline conformance: check recorded or live engine event logs against the Docker model."""
