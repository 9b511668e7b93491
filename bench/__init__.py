"""Benchmarks that print figures; each compares against a baseline measured in the same run."""
