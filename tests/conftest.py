"""Shared pytest fixtures: kept generic (a seeded random generator); helpers live in each test file."""

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh, seeded generator: tests never touch numpy's global random state."""
    return np.random.default_rng(20261121)
