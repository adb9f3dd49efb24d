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
    seed_noise,
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
    # a linear model: every effect the same, so σ = 0 where μ* > 0, and no ratio where μ* = 0
    assert y.loc["g.a", "sigma_ratio"] == pytest.approx(0.0, abs=1e-9)
    assert np.isnan(y.loc["g.c", "sigma_ratio"])
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
    again = sobol_indices(PROBLEM, outcomes, num_resamples=100)
    pd.testing.assert_frame_equal(table, again)  # the bootstrap intervals are seeded
    with pytest.raises(ValueError, match="positive integer"):
        sobol_indices(PROBLEM, outcomes, seed=0)


def test_seed_noise_is_the_within_point_share():
    # point 0: 1 and 3; point 1: 5 and 7 (within variance 2 each); point 2 has one finite run
    summary = pd.DataFrame({"point": [0, 0, 1, 1, 2, 2], "m": [1.0, 3.0, 5.0, 7.0, 9.0, np.nan],
                            "k": [2.0, 2.0, 4.0, 4.0, 0.0, 0.0]})
    out = seed_noise(summary, ["m", "k"])
    assert out.loc["m", "points"] == 2 and out.loc["m", "runs"] == 4
    total = np.var([1.0, 3.0, 5.0, 7.0], ddof=1)
    assert out.loc["m", "sd_seed"] == pytest.approx(np.sqrt(2.0))
    assert out.loc["m", "sd_total"] == pytest.approx(np.sqrt(total))
    assert out.loc["m", "seed_share"] == pytest.approx(2.0 / total)
    assert out.loc["k", "seed_share"] == 0.0  # the seed changes nothing
    with pytest.raises(ValueError, match="point"):
        seed_noise(summary.drop(columns="point"), ["m"])


def test_load_design_and_indices_of_a_sweep_folder(tmp_path):
    from pathlib import Path

    from sim.analysis.results import load_summary
    from sim.analysis.sensitivity import load_design, parameter_table
    from sim.experiment.runner import run_scenario
    from sim.experiment.scenario import load_scenario

    base = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.toml"
    file = tmp_path / "tiny_morris.toml"
    file.write_text(f"""
[scenario]
name = "tiny_morris"
description = "two parameters, two trajectories"
extends = "{base.as_posix()}"

[run]
months = 24
replications = 1

[firms]
n_firms = 30

[sweep]
design = "morris"
samples = 2
levels = 4

[sweep.parameters]
"leadership.theta_alarm" = {{ range = [0.3, 0.8] }}
"agencies.zeal" = {{ range = [0.0, 0.6] }}
""")
    folder = run_scenario(load_scenario(file), out=tmp_path / "results", workers=1, plot=False)
    design = load_design(folder)
    assert (design.design, design.n_points, design.levels, design.replications) == ("morris", 6,
                                                                                    4, 1)
    assert design.problem["names"] == ["leadership.theta_alarm", "agencies.zeal"]
    assert list(design.matrix.columns) == design.problem["names"]
    assert design.matrix.index.tolist() == list(range(6))
    table = parameter_table(design)
    assert table.parameter.tolist() == design.problem["names"]
    assert table.default.tolist() == [1.0, 0.3] and table.low.tolist() == [0.3, 0.0]
    outcomes = point_outcomes(load_summary(folder), ["enforcement_sd", "mean_harm"],
                              n_points=design.n_points)
    indices = morris_indices(design.problem, design.matrix, outcomes,
                             num_levels=design.levels, num_resamples=50)
    assert len(indices) == 4 and indices.mu_star.notna().all()
    plain = run_scenario(load_scenario(base, {"run.months": 3, "firms.n_firms": 10},
                                       replications=1), out=tmp_path / "plain", workers=1,
                         plot=False)
    with pytest.raises(ValueError, match="sweep"):
        load_design(plain)
