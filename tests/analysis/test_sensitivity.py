"""sim.analysis.sensitivity: SALib's Morris and Sobol analysers on known functions."""

import numpy as np
import pandas as pd
import pytest
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from sim.analysis.sensitivity import (
    MORRIS_COLUMNS,
    SOBOL_COLUMNS,
    influential,
    morris_indices,
    point_outcomes,
    ranking,
    sobol_indices,
)

PROBLEM = {"num_vars": 3, "names": ["g.a", "g.b", "g.c"], "bounds": [[0, 1], [0, 2], [0, 1]]}


def _model(x: np.ndarray) -> np.ndarray:
    """'a' matters most, 'b' a little, 'c' not at all."""
    return 4.0 * x[:, 0] + 0.5 * x[:, 1] + 0.0 * x[:, 2]


def test_point_outcomes_average_replications_in_point_order():
    summary = pd.DataFrame({"point": [1, 0, 1, 0, 2], "m": [1.0, 2.0, 3.0, 4.0, np.inf],
                            "k": [0.0, 0.0, 1.0, 1.0, 5.0]})
    out = point_outcomes(summary, ["m", "k"], n_points=4)
    assert out.index.tolist() == [0, 1, 2, 3]
    assert out.m.tolist()[:2] == [3.0, 2.0]
    assert np.isnan(out.m[2]) and np.isnan(out.m[3])  # inf is not a value; point 3 never ran
    assert point_outcomes(summary, ["m"], stat="median").m.tolist()[:2] == [3.0, 2.0]
    with pytest.raises(ValueError, match="point"):
        point_outcomes(summary.drop(columns="point"), ["m"])


def test_morris_ranks_the_parameters():
    x = morris_sample.sample(PROBLEM, 10, num_levels=4, seed=1)
    outcomes = pd.DataFrame({"y": _model(x), "z": -_model(x)})
    table = morris_indices(PROBLEM, x, outcomes, num_levels=4, num_resamples=100)
    assert list(table.columns) == list(MORRIS_COLUMNS)
    assert len(table) == 6
    y = table[table.metric == "y"].set_index("parameter")
    assert y.loc["g.a", "mu_star"] > y.loc["g.b", "mu_star"] > y.loc["g.c", "mu_star"]
    assert y.loc["g.c", "mu_star"] == pytest.approx(0.0, abs=1e-12)
    assert y.loc["g.a", "mu_star_rel"] == 1.0 and (y.n_filled == 0).all()
    assert ranking(table, "mu_star").index.tolist() == ["g.a", "g.b", "g.c"]
    assert influential(table, "mu_star_rel", 0.05) == ["g.a", "g.b"]


def test_sobol_indices_of_an_additive_model():
    x = sobol_sample.sample(PROBLEM, 256, calc_second_order=False, seed=2)
    y = _model(x)
    y_with_gap = y.copy()
    y_with_gap[3] = np.nan
    outcomes = pd.DataFrame({"y": y, "gap": y_with_gap, "flat": np.ones(len(y))})
    table = sobol_indices(PROBLEM, outcomes, num_resamples=100)
    assert list(table.columns) == list(SOBOL_COLUMNS)
    y_rows = table[table.metric == "y"].set_index("parameter")
    # variances: 16/12 from a, 0.25·4/12 = 1/12 from b → S1 ≈ ST ≈ 16/17, 1/17, 0
    assert y_rows.loc["g.a", "S1"] == pytest.approx(16 / 17, abs=0.05)
    assert y_rows.loc["g.a", "ST"] == pytest.approx(16 / 17, abs=0.05)
    assert y_rows.loc["g.c", "ST"] == pytest.approx(0.0, abs=0.01)
    assert y_rows.loc["g.b", "ST"] == pytest.approx(1 / 17, abs=0.02)
    assert (y_rows.loc[["g.a", "g.b"], "ST_conf"] > 0).all()
    gap = table[table.metric == "gap"]
    assert (gap.n_filled == 1).all() and gap.ST.notna().all()
    assert table[table.metric == "flat"].ST.isna().all()  # a constant outcome has no indices
