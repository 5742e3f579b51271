"""Checking engines: `explicit` (reachable graph) and `smt` (Z3)."""
