"""Shared fixtures of the model's tests: a small model and hand-made firms (the small parameter
set, ``small_params``, is tests/conftest.py's)."""

from collections.abc import Callable

import numpy as np
import pytest

from sim.model import RegulatoryModel
from sim.model.firms import FirmPopulation


@pytest.fixture
def small_model(small_params) -> RegulatoryModel:
    """A freshly built (not yet stepped) small model; seed 0."""
    return RegulatoryModel(small_params, rng=0)


@pytest.fixture
def make_firms(small_model) -> Callable[..., FirmPopulation]:
    """Build a :class:`FirmPopulation` of a few firms with explicit state.

    ``make_firms(revenue, sector=..., province=..., aggressiveness=..., belief=...,
    violation=..., recent=..., protection=..., enforcement_faced=...)``: scalars are broadcast
    to every firm; sectors and provinces default to 0. The Mesa agents belong to
    ``small_model`` (a population needs a model for its agents, nothing else).
    """

    def make(revenue, *, sector=0, province=0, aggressiveness=0.5, belief=0.0, violation=0.0,
             recent=0.0, protection=0.0, enforcement_faced=0.0,
             growth_type=0.0) -> FirmPopulation:
        revenue = np.asarray(revenue, dtype=float)
        k = len(revenue)

        def arr(x, dtype=float):
            return np.broadcast_to(np.asarray(x, dtype=dtype), (k,)).copy()

        pop = FirmPopulation(capacity=k)
        pop.add(small_model, arr(sector, np.int64), arr(province, np.int64), revenue,
                arr(aggressiveness), arr(belief), arr(growth_type))
        pop.violation[:k] = arr(violation)
        pop.recent_violation[:k] = arr(recent)
        pop.protection[:k] = arr(protection)
        pop.enforcement_faced[:k] = arr(enforcement_faced)
        return pop

    return make
