"""Determinism: a seed fixes the run; different seeds differ; no global random state is used.

Every random draw of the model (MODEL.md §3) comes from its own seeded generator, so the same
seed gives the same series, event log and firm panel bit for bit.
"""

import random

import numpy as np
import pandas as pd
import pytest
from small import small_params

from sim.model import RegulatoryModel
from sim.model.params import Params

# busy small runs: more firms and provinces than the small default, a low alarm threshold and
# frequent acquisitions, so that scandals, pledges and crackdowns are there to compare
PARAMS = small_params({"run.firm_panel_every": 12, "leadership.theta_alarm": 0.5,
                       "firms.acquisition_rate": 0.2}, months=60, firms=60, provinces=8)


def outputs(rng, params: Params = PARAMS) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    model = RegulatoryModel(params, rng=rng).run()
    return model.series(), model.events(), model.firm_panel()


def assert_same(a, b) -> None:
    for x, y in zip(a, b, strict=True):
        pd.testing.assert_frame_equal(x, y, check_exact=True)


def assert_differ(a, b) -> None:
    series_a, series_b = a[0], b[0]
    assert not series_a.equals(series_b)
    assert not a[1].equals(b[1])
    assert not a[2].equals(b[2])
    # not merely a shifted label: the revenue paths differ numerically
    assert not np.allclose(series_a.tech_revenue, series_b.tech_revenue)


@pytest.fixture(scope="module")
def seed7():
    return outputs(7)


def test_same_seed_gives_identical_series_events_and_panel(seed7):
    again = outputs(7)
    assert_same(seed7, again)
    series, events, panel = seed7
    assert len(events) > 100 and len(panel) > 100  # something to compare
    assert set(panel.month) == {0, 12, 24, 36, 48}
    # the run is not trivial: the random parts of the model were exercised
    kinds = set(events.kind.astype(str))
    assert {"sanction", "scandal", "phase_change"} <= kinds, kinds
    assert series.scandals.sum() > 0


def test_same_seed_is_identical_for_the_default_model():
    a = RegulatoryModel(rng=3).run(60)
    b = RegulatoryModel(rng=3).run(60)
    pd.testing.assert_frame_equal(a.series(), b.series(), check_exact=True)
    pd.testing.assert_frame_equal(a.events(), b.events(), check_exact=True)


@pytest.mark.parametrize("other", [8, 0, 2**31])
def test_different_seeds_differ(seed7, other):
    assert_differ(seed7, outputs(other))


def test_seed_sequence_is_accepted_and_deterministic():
    a = outputs(np.random.SeedSequence(1234))
    b = outputs(np.random.SeedSequence(1234))
    assert_same(a, b)
    assert_differ(a, outputs(np.random.SeedSequence(1235)))


def test_spawned_seed_sequences_give_independent_runs():
    children = np.random.SeedSequence(99).spawn(2)
    assert_differ(outputs(children[0]), outputs(children[1]))
    again = np.random.SeedSequence(99).spawn(2)
    assert_same(outputs(children[1]), outputs(again[1]))


def test_a_generator_is_accepted_and_deterministic():
    a = outputs(np.random.default_rng(5))
    b = outputs(np.random.default_rng(5))
    assert_same(a, b)


@pytest.fixture
def global_state():
    """Leave numpy's and Python's global generators as this test found them."""
    saved_np, saved_py = np.random.get_state(), random.getstate()  # noqa: NPY002
    yield
    np.random.set_state(saved_np)  # noqa: NPY002
    random.setstate(saved_py)


def test_global_random_state_is_not_read(seed7, global_state):
    np.random.seed(1)  # noqa: NPY002
    random.seed(1)
    first = outputs(7)
    np.random.seed(2)  # noqa: NPY002
    random.seed(2)
    np.random.random(17)  # noqa: NPY002
    random.random()
    second = outputs(7)
    assert_same(first, second)
    assert_same(first, seed7)


def test_global_random_state_is_not_advanced(global_state):
    np.random.seed(1)  # noqa: NPY002
    random.seed(1)
    expected_np, expected_py = np.random.get_state(), random.getstate()  # noqa: NPY002
    outputs(7)
    after_np, after_py = np.random.get_state(), random.getstate()  # noqa: NPY002
    assert after_py == expected_py
    assert after_np[0] == expected_np[0]
    np.testing.assert_array_equal(after_np[1], expected_np[1])
    assert after_np[2:] == expected_np[2:]


def test_running_in_pieces_equals_running_at_once():
    whole = RegulatoryModel(PARAMS, rng=21).run()
    pieces = RegulatoryModel(PARAMS, rng=21)
    for months in (1, 10, 25, 24):
        pieces.run(months)
    assert_same((whole.series(), whole.events(), whole.firm_panel()),
                (pieces.series(), pieces.events(), pieces.firm_panel()))


def test_parameters_are_not_mutated_by_a_run():
    before = PARAMS.to_flat_dict()
    model = RegulatoryModel(PARAMS, rng=0).run()
    assert model.p is PARAMS
    assert PARAMS.to_flat_dict() == before


def test_interleaved_models_do_not_share_state():
    """Two models stepped alternately give the same outputs as each run alone."""
    alone_a, alone_b = outputs(31), outputs(32)
    a = RegulatoryModel(PARAMS, rng=31)
    b = RegulatoryModel(PARAMS, rng=32)
    for _ in range(PARAMS.run.months):
        a.step()
        b.step()
    assert_same(alone_a, (a.series(), a.events(), a.firm_panel()))
    assert_same(alone_b, (b.series(), b.events(), b.firm_panel()))
