"""The EMA Workbench adapter: a small Latin hypercube through EMA's SequentialEvaluator."""

from __future__ import annotations

import numpy as np
import pytest
from small import small_params

from sim.analysis.summary import RUN_METRICS, summarize_run
from sim.experiment.scenario import derive_seeds
from sim.experiment.store import normalize
from sim.model import RegulatoryModel
from sim.model.params import field_for

ema = pytest.importorskip("ema_workbench")
from ema_workbench import Samplers, SequentialEvaluator  # noqa: E402

from sim.experiment.ema import default_levers, default_uncertainties, ema_model, ema_name  # noqa: E402

BASE = small_params()
UNC = ["public.scandal_rate", "public.amplification", "leadership.min_crackdown_months"]
LEV = ["leadership.theta_alarm"]
METRICS = ["n_crackdowns", "mean_valuation", "n_crackdowns.ai"]
SERIES = ["valuation_index", "enforcement.ai"]


def direct(values: dict, seed: int) -> tuple[dict, np.ndarray]:
    model = RegulatoryModel(BASE.override(values), rng=seed).run()
    series = normalize(model.series(), "series")
    return summarize_run(series, normalize(model.events(), "events")), series


def test_latin_hypercube_through_the_sequential_evaluator():
    model = ema_model(BASE, uncertainties=UNC, levers=LEV, metrics=METRICS, series=SERIES,
                      ranges={"public.scandal_rate": (0.1, 1.0)}, seed=3)
    assert [u.name for u in model.uncertainties] == [ema_name(k) for k in UNC]
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(
            scenarios=4, policies=2, uncertainty_sampling=Samplers.LHS,
            lever_sampling=Samplers.LHS)
    assert len(experiments) == 8
    assert {"public__scandal_rate", "public__amplification",
            "leadership__min_crackdown_months", "leadership__theta_alarm"} <= \
        set(experiments.columns)
    assert experiments["public__scandal_rate"].between(0.1, 1.0).all()
    assert experiments["public__amplification"].between(
        *field_for("public.amplification").metadata["range"]).all()
    crack = experiments["leadership__min_crackdown_months"]
    assert crack.between(0, 120).all() and (crack == crack.round()).all()
    assert experiments["leadership__theta_alarm"].nunique() == 2  # two policies
    assert {k: v.shape for k, v in outcomes.items()} == {
        "n_crackdowns": (8,), "mean_valuation": (8,), "n_crackdowns__ai": (8,),
        "valuation_index": (8, 24), "enforcement__ai": (8, 24)}
    # every experiment is the model run with the sampled values and the root's first seed
    seed = derive_seeds(3, 1)[0]
    for i in (0, 5):
        row = experiments.iloc[i]
        values = {k: np.asarray(row[ema_name(k)]).item() for k in UNC + LEV}
        values["leadership.min_crackdown_months"] = int(values["leadership.min_crackdown_months"])
        summary, series = direct(values, seed)
        assert outcomes["n_crackdowns"][i] == summary["n_crackdowns"]
        assert outcomes["mean_valuation"][i] == summary["mean_valuation"]
        np.testing.assert_array_equal(outcomes["enforcement__ai"][i],
                                      series["enforcement.ai"].to_numpy())


def test_replications_share_seeds_and_are_aggregated():
    model = ema_model(BASE, uncertainties=["public.scandal_rate"], levers=[],
                      metrics=["mean_valuation"], series=["pain"], replications=2, seed=9)
    assert [r["seed"] for r in model.replications] == list(derive_seeds(9, 2))
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=2)
    rate = experiments["public__scandal_rate"].iloc[1].item()
    runs = [direct({"public.scandal_rate": rate}, s) for s in derive_seeds(9, 2)]
    assert outcomes["mean_valuation"][1] == np.mean([r[0]["mean_valuation"] for r in runs])
    np.testing.assert_allclose(outcomes["pain"][1],
                               np.mean([r[1]["pain"].to_numpy() for r in runs], axis=0),
                               rtol=0, atol=0)


def test_defaults_come_from_the_parameter_metadata():
    unc, lev = default_uncertainties(), default_levers()
    assert not set(unc) & set(lev)
    assert "leadership.theta_alarm" in lev and "agencies.zeal" in lev
    assert "public.scandal_rate" in unc and "sectors.ai.alignment" in unc
    assert "firms.n_firms" not in unc + lev and "leadership.mode" not in unc + lev  # fixed
    model = ema_model()
    assert len(model.uncertainties) == len(unc) and len(model.levers) == len(lev)
    assert [o.name for o in model.outcomes] == [ema_name(m) for m in RUN_METRICS] + \
        ["valuation_index"]
    theta = model.levers["leadership__theta_alarm"]
    assert (theta.lower_bound, theta.upper_bound) == (0.05, 5.0)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"uncertainties": ["firms.n_firms"]}, "not a sweepable number"),
    ({"uncertainties": ["leadership.theta_alarm"], "levers": ["leadership.theta_alarm"]},
     "both uncertainties and levers"),
    ({"uncertainties": ["agencies.zeal"], "ranges": {"agencies.zeal": (0.0, 9.0)}},
     "must lie within the declared"),
    ({"uncertainties": ["agencies.zeal"], "ranges": {"public.scandal_rate": (0.1, 0.2)}},
     "not sampled"),
    ({"metrics": ["n_cycle"]}, "unknown metrics"),
    ({"series": ["valuation"]}, "unknown series"),
])
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ema_model(BASE, **{"levers": [], **kwargs})
