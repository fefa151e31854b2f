"""Shared pytest fixtures: kept generic (a seeded random generator); helpers live in each test file."""

import numpy as np
import pytest


def pytest_configure(config: pytest.Config) -> None:
    # pyproject's norecursedirs replaces pytest's defaults, so the hypothesis plugin warns about
    # its own .hypothesis cache in the rootdir, and warnings are errors: silence that one notice
    config.addinivalue_line(
        "filterwarnings", "ignore:Skipping collection of '.hypothesis' directory:UserWarning"
    )


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh, seeded generator: tests never touch numpy's global random state."""
    return np.random.default_rng(20261121)
