"""Fake external services for tests and benchmarks."""
