"""Analyses run on a loaded session (loading runs no engine; these may)."""
