"""Shared pytest fixtures: kept generic (a seeded random generator); helpers live in each test file.

A test that needs a system package (Debian's ``chromium``, ``bubblewrap``) skips with a reason that
starts with ``SYSTEM_SKIP`` on a machine without it; with ``BPTEACH_REQUIRE_SYSTEM=1`` (set by
``.ci/run``, which installs both) such a skip is a failure, so CI never passes by skipping.
"""

import os

import numpy as np
import pytest

SYSTEM_SKIP = "needs a system package"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("BPTEACH_REQUIRE_SYSTEM") == "1" and SYSTEM_SKIP in str(report.longrepr):
        report.outcome = "failed"
        report.longrepr = f"BPTEACH_REQUIRE_SYSTEM=1 but this test would skip: {report.longrepr}"


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh, seeded generator: tests never touch numpy's global random state."""
    return np.random.default_rng(20261121)
