"""The calibration's building blocks: seeds, replicated statistics, weighted quantiles, settings.

No statistic of a stylized fact is tested here; the end-to-end calibration tests are in
test_calibrate.py.
"""

import numpy as np
import pytest

from sim.calibration.abc import (
    CalibrationSettings,
    replicate_keys,
    safe_name,
    simulation_seed,
)
from sim.calibration.report import weighted_quantiles


def test_simulation_seed_is_a_function_of_root_values_and_replicate():
    a = simulation_seed(7, [1.0, 0.5], 0)
    assert a == simulation_seed(7, [1.0, 0.5], 0)
    assert 0 <= a < 2**63
    others = {simulation_seed(8, [1.0, 0.5], 0), simulation_seed(7, [1.0, 0.5], 1),
              simulation_seed(7, [1.0, 0.5000000000000001], 0), simulation_seed(7, [0.5, 1.0], 0)}
    assert a not in others and len(others) == 4


def test_replicated_statistics_repeat_the_observation_once_per_replicate():
    obs = {"a": 1.0, "b": 2.0}
    assert replicate_keys(obs, 1) == obs
    rep = replicate_keys(obs, 3)
    assert rep == {"a@0": 1.0, "b@0": 2.0, "a@1": 1.0, "b@1": 2.0, "a@2": 1.0, "b@2": 2.0}


def test_safe_names_have_no_dots():
    assert safe_name("leadership.theta_alarm") == "leadership__theta_alarm"
    assert safe_name("sectors.ai.alignment") == "sectors__ai__alignment"


def test_weighted_quantiles_match_the_unweighted_ones_with_equal_weights():
    rng = np.random.default_rng(1000)
    x = rng.normal(size=4001)
    q = weighted_quantiles(x, np.ones_like(x), [0.05, 0.5, 0.95])
    assert q == pytest.approx(np.quantile(x, [0.05, 0.5, 0.95]), abs=0.01)


def test_weighted_quantiles_follow_the_weights():
    x = np.array([0.0, 1.0, 2.0, 3.0])
    w = np.array([0.0, 0.0, 1.0, 0.0])
    assert weighted_quantiles(x, w, [0.5])[0] == pytest.approx(2.0)
    heavy = weighted_quantiles(x, np.array([1.0, 1.0, 1.0, 10.0]), [0.5])[0]
    assert heavy > weighted_quantiles(x, np.ones(4), [0.5])[0]


def test_settings_round_trip_through_json():
    s = CalibrationSettings(scenario="x", parameters=(("leadership.theta_alarm", 0.5, 2.0),),
                            statistics=("a", "b"), observed=(1.0, 2.0), end_month=215,
                            population=50, seed=3)
    assert CalibrationSettings.from_json(s.to_json()) == s
    assert s.keys == ("leadership.theta_alarm",)


def test_a_particle_replays_from_its_parameters_and_replicate():
    """The model pyabc calls is a pure function of the particle (no hidden RNG state)."""
    from pathlib import Path

    from sim.calibration.abc import SimulationModel
    from sim.calibration.statistics import simulate
    from sim.experiment.scenario import load_scenario

    scenario = load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "history.toml")
    keys = ("leadership.theta_alarm", "leadership.theta_pain")
    names = ("first_onset.platform", "first_length.platform", "drawdown_max")
    model = SimulationModel(scenario.params, keys, names, end_month=215, root=1000,
                            replications=2)
    pars = {safe_name(k): v for k, v in zip(keys, (0.9, 0.7), strict=True)}
    a, b = model(pars), model(pars)
    assert a == b and set(a) == {f"{n}@{r}" for n in names for r in (0, 1)}
    assert all(type(v) is float for v in a.values())
    direct = simulate(model.params_of((0.9, 0.7)), simulation_seed(1000, (0.9, 0.7), 1),
                      end_month=215, names=names)
    assert {n: a[f"{n}@1"] for n in names} == direct
