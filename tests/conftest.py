"""Shared test configuration and the ``small_params`` fixture."""

import os

import pytest
from small import small_params as _small_params  # tests/small.py: does not import matplotlib

from sim.model.params import Params
from sim.model.warmup import warm_up

# Headless plotting: set before any test imports matplotlib.pyplot.
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session", autouse=True)
def compiled_month() -> None:
    """Compile the month (or load numba's cache) once, in this process, before any test.

    Tests that start worker processes or run the command in a subprocess then load the cache
    rather than compile it side by side (issue #12: the suite compiles once).
    """
    warm_up()


@pytest.fixture(scope="session")
def small_params() -> Params:
    """Default parameters with 30 firms, 5 provinces and a 24-month horizon (fast to build).

    Other sizes: ``small_params(months=..., firms=..., provinces=...)`` from tests/small.py.
    """
    return _small_params()
