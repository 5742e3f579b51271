"""Conformance testing: the adapter contract, test generation, the online harness."""
