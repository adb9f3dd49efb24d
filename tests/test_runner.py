"""The runner: expansion into run specs, one run, backends."""

from __future__ import annotations

import pandas as pd
import pytest
from small import small_params

import sim.model
from sim.experiment.runner import (
    ProcessPoolBackend,
    RunSpec,
    SerialBackend,
    expand,
    make_backend,
    run_many,
    run_one,
)
from sim.experiment.scenario import Scenario, derive_seeds
from sim.model.params import Params
from sim.model.schema import EVENT_COLUMNS, PANEL_COLUMNS, series_columns

SMALL = small_params(months=12)


def small_scenario(n: int = 3, params: Params = SMALL) -> Scenario:
    return Scenario(name="small", description="tiny", path=None, params=params,
                    seeds=derive_seeds(9, n), seed_root=9)


def test_expand_assigns_ids_and_seeds_in_order():
    sc = small_scenario(4)
    specs = expand(sc)
    assert [s.run_id for s in specs] == [0, 1, 2, 3]
    assert tuple(s.seed for s in specs) == sc.seeds
    assert all(s.params is sc.params and s.scenario == "small" for s in specs)
    assert expand(sc) == specs  # pure


def test_run_one_tags_tables_with_run_id_and_seed():
    spec = RunSpec(run_id=5, seed=123, params=SMALL, scenario="small")
    res = run_one(spec)
    assert res.ok and res.error is None
    assert list(res.series.columns) == ["run_id", "seed", *series_columns(SMALL.sector_names)]
    assert len(res.series) == 12
    assert (res.series["run_id"] == 5).all() and (res.series["seed"] == 123).all()
    assert list(res.events.columns) == ["run_id", "seed", *(c.name for c in EVENT_COLUMNS)]
    assert res.panel is None
    assert res.seconds > 0 and res.started <= res.finished


def test_run_one_is_reproducible_from_the_recorded_seed():
    spec = RunSpec(run_id=0, seed=derive_seeds(9, 1)[0], params=SMALL)
    a, b = run_one(spec), run_one(spec)
    pd.testing.assert_frame_equal(a.series, b.series)
    pd.testing.assert_frame_equal(a.events, b.events)
    direct = sim.model.RegulatoryModel(SMALL, rng=spec.seed).run().series()
    pd.testing.assert_frame_equal(a.series.drop(columns=["run_id", "seed"]), direct)


def test_run_one_records_the_firm_panel_when_asked():
    params = SMALL.override({"run.firm_panel_every": 6})
    res = run_one(RunSpec(0, 1, params))
    assert list(res.panel.columns) == ["run_id", "seed", *(c.name for c in PANEL_COLUMNS)]
    assert sorted(res.panel["month"].unique()) and len(res.panel) > 0


def test_run_one_returns_a_models_exception_as_an_error(monkeypatch):
    class Broken:
        def __init__(self, params, *, rng=None):
            raise RuntimeError("model exploded")

    monkeypatch.setattr(sim.model, "RegulatoryModel", Broken)
    res = run_one(RunSpec(2, 7, SMALL))
    assert not res.ok and res.series is None
    assert "RuntimeError: model exploded" in res.error


def test_serial_backend_keeps_order():
    specs = expand(small_scenario(3))
    with SerialBackend() as backend:
        got = [r.run_id for r in backend.map(run_one, specs)]
    assert got == [0, 1, 2]


def test_process_pool_gives_the_same_results_as_serial():
    specs = expand(small_scenario(3))
    serial = {r.run_id: r for r in run_many(specs, workers=1)}
    pooled = {r.run_id: r for r in run_many(specs, workers=2)}
    assert sorted(pooled) == [0, 1, 2]
    for rid in serial:
        pd.testing.assert_frame_equal(serial[rid].series, pooled[rid].series)
        pd.testing.assert_frame_equal(serial[rid].events, pooled[rid].events)


def test_backend_choice_and_misuse():
    assert isinstance(make_backend(1), SerialBackend)
    assert isinstance(make_backend(3), ProcessPoolBackend)
    with pytest.raises(RuntimeError, match="context manager"):
        next(ProcessPoolBackend(2).map(run_one, []))
    with pytest.raises(ValueError, match="at least 1"):
        ProcessPoolBackend(0)
