"""The system tests' real processes (tests/system/conftest.py), reused for the monitoring tests."""

from tests.system.conftest import system  # noqa: F401 - the fixture, under its name
