"""Fixtures for tests/deploy: defined in deploytools.py (importable by the test modules too)."""

from deploytools import exported_names, fake_worker, prometheus, recorded_names, rules_doc  # noqa: F401
