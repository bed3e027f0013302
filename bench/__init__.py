"""Benchmarks: scripts that print figures beside a baseline (run with `python -m bench.NAME`)."""
