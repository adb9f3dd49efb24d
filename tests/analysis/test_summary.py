import math

import numpy as np
import pandas as pd
import pytest

from sim.analysis.metrics import excess_kurtosis
from sim.analysis.summary import (
    RUN_METRICS,
    SECTOR_RUN_METRICS,
    aggregate,
    bootstrap_median_difference,
    compare,
    ensemble_quantiles,
    quantile_name,
    summarize_run,
    summarize_runs,
    sweep_table,
)
from sim.analysis.synthetic import synthetic_series


def test_summarize_hand_run(hand_run):
    series, events = hand_run
    s = summarize_run(series, events)
    assert list(s)[: len(RUN_METRICS)] == list(RUN_METRICS)
    assert list(s)[len(RUN_METRICS):] == [f"{m}.{x}" for x in "ab" for m in SECTOR_RUN_METRICS]
    expected = {
        "n_crackdowns": 3, "n_cycles": 2, "n_bans": 0,
        "period_median": 17, "loose_median": 8, "crackdown_median": 4, "compromise_median": 4,
        "share_loose": 37 / 60, "share_crackdown": 11 / 60, "share_compromise": 12 / 60,
        "share_banned": 0, "sync_overlap": 2 / 9,
        "amplitude_median": 0.6, "onset_sharpness_median": 0.8,
        "trigger_to_sanction_median": 1, "peak_to_compromise_median": 3,
        "drawdown_median": 0.6, "drawdown_max": 0.6, "floor_ratchet_share": 2 / 3,
        "harm_change_median": (1 / 12 - 22 / 28) / 2,
        "mean_harm": 48.5 / 30, "fines_paid": 8, "fine_share_median": 0.035,
        "fine_share_max": 0.05,
        "n_crackdowns.a": 2, "n_crackdowns.b": 1, "share_loose.a": 14 / 30,
        "share_crackdown.b": 4 / 30,
    }
    for key, value in expected.items():
        assert s[key] == pytest.approx(value), key
    assert math.isnan(s["period_cv"]) and math.isnan(s["loose_cv"])  # one value each
    ea, eb = series["enforcement.a"].to_numpy(), series["enforcement.b"].to_numpy()
    assert s["enforcement_kurtosis"] == pytest.approx(excess_kurtosis(np.r_[np.diff(ea),
                                                                            np.diff(eb)]))
    assert s["enforcement_mean"] == pytest.approx(np.r_[ea, eb].mean())
    assert s["enforcement_sd"] == pytest.approx(np.r_[ea, eb].std())
    assert s["mean_valuation"] == pytest.approx(series["valuation_index"].mean())


def test_summarize_run_without_events_and_with_a_ban():
    phases = {"x": ["LOOSE"] * 4 + ["CRACKDOWN"] * 3 + ["BANNED"] * 3, "y": ["LOOSE"] * 10}
    s = summarize_run(synthetic_series(phases, values={"enforcement.x": np.linspace(0, 1, 10)}))
    assert s["n_bans"] == 1 and s["n_crackdowns"] == 1 and s["n_cycles"] == 0
    assert s["share_banned"] == pytest.approx(3 / 20)
    for key in ("trigger_to_sanction_median", "fine_share_median", "floor_ratchet_share",
                "sync_plv", "period_median"):
        assert math.isnan(s[key]), key


def test_summarize_runs_groups_by_run_id(hand_run):
    series, events = hand_run
    first, second = series.copy(), series.iloc[:20].copy()
    first["run_id"], second["run_id"] = 0, 1
    second["scenario"] = first["scenario"] = "base"
    ev0, ev1 = events.copy(), events.iloc[:0].copy()
    ev0["run_id"], ev1["run_id"] = 0, 1
    table = summarize_runs(pd.concat([second, first]), pd.concat([ev0, ev1]))
    assert table["run_id"].tolist() == [0, 1]
    assert table["scenario"].tolist() == ["base", "base"]
    one = summarize_run(series, events)
    assert table.loc[0, "n_crackdowns"] == one["n_crackdowns"] == 3
    assert table.loc[0, "trigger_to_sanction_median"] == 1
    assert table.loc[1, "n_crackdowns"] == 2  # months 0-19 hold a's first and b's crackdown
    assert math.isnan(table.loc[1, "trigger_to_sanction_median"])  # run 1 has no events


def test_aggregate_medians_and_quantiles():
    summary = pd.DataFrame({
        "run_id": range(7), "seed": range(7),
        "scenario": ["A"] * 5 + ["B"] * 2,
        "m": [1, 2, 3, 4, 5, 10, np.nan],
        "flag": [True] * 7,
    })
    agg = aggregate(summary)
    assert agg["metric"].unique().tolist() == ["m"]  # ids and booleans are not metrics
    a = agg.loc[agg["scenario"] == "A"].iloc[0]
    assert (a.n, a["median"], a.q05, a.q25, a.q75, a.q95) == pytest.approx(
        (5, 3, 1.2, 2, 4, 4.8))
    b = agg.loc[agg["scenario"] == "B"].iloc[0]
    assert (b.n, b["median"]) == (1, 10)
    pooled = aggregate(summary.drop(columns="scenario"), by=None)
    assert pooled["scenario"].tolist() == ["all"]
    assert pooled.loc[0, "median"] == pytest.approx(3.5)
    assert quantile_name(0.5) == "q50" and quantile_name(0.975) == "q97.5"


def test_bootstrap_difference_of_medians():
    d, lo, hi = bootstrap_median_difference([1.0] * 5, [3.0] * 4)
    assert (d, lo, hi) == (2.0, 2.0, 2.0)
    rng = np.random.default_rng(1)
    a, b = rng.normal(0, 1, 40), rng.normal(5, 1, 40)
    first = bootstrap_median_difference(a, b, rng=7)
    assert first == bootstrap_median_difference(a, b, rng=7)
    d, lo, hi = first
    assert d == pytest.approx(np.median(b) - np.median(a))
    assert lo < d < hi and 4 < lo and hi < 6
    assert all(math.isnan(v) for v in bootstrap_median_difference([], [1.0]))


def test_compare_against_reference():
    summary = pd.DataFrame({"scenario": ["base"] * 3 + ["rules"] * 3,
                            "sd": [0.3, 0.3, 0.3, 0.1, 0.1, 0.1]})
    table = compare(summary, ["sd"])
    assert table["scenario"].tolist() == ["base", "rules"]
    assert table["median"].tolist() == pytest.approx([0.3, 0.1])
    assert table["diff"].tolist() == pytest.approx([0.0, -0.2])
    assert table.loc[1, ["diff_lo", "diff_hi"]].tolist() == pytest.approx([-0.2, -0.2])
    with pytest.raises(KeyError, match="reference"):
        compare(summary, ["sd"], reference="nope")


def test_ensemble_quantiles():
    frames = []
    for r in range(3):
        f = synthetic_series({"s": ["LOOSE"] * 4}, values={"enforcement.s": r * 10 + np.arange(4)})
        f["run_id"] = r
        frames.append(f)
    q = ensemble_quantiles(pd.concat(frames), "enforcement.s")
    assert q["month"].tolist() == [0, 1, 2, 3]
    assert q["n"].tolist() == [3] * 4
    assert q["q50"].tolist() == pytest.approx([10, 11, 12, 13])
    assert q["q25"].tolist() == pytest.approx([5, 6, 7, 8])
    assert q["date"].iloc[1] == pd.Timestamp("2010-02-01")


def test_sweep_table_medians():
    summary = pd.DataFrame({"p": [1, 1, 2, 2, 1, 2], "q": [0, 0, 0, 0, 5, 5],
                            "m": [1.0, 3.0, 10.0, 20.0, 7.0, 8.0]})
    table = sweep_table(summary, "p", "q", "m")
    assert table.index.tolist() == [0, 5] and table.columns.tolist() == [1, 2]
    assert table.to_numpy().tolist() == [[2.0, 15.0], [7.0, 8.0]]


def test_banned_months_leave_enforcement_moments_and_sync():
    # x is banned from month 4 with enforcement stuck at 1; only months 0-3 count for x
    phases = {"x": ["LOOSE"] * 2 + ["CRACKDOWN"] * 2 + ["BANNED"] * 6,
              "y": ["LOOSE"] * 10, "z": ["LOOSE"] * 10}
    t = np.arange(10)
    values = {"enforcement.x": [0.0, 0.0, 1.0, 1.0] + [1.0] * 6,
              "enforcement.y": 0.5 + 0.4 * np.sin(2 * np.pi * t / 5),
              "enforcement.z": 0.5 + 0.4 * np.sin(2 * np.pi * t / 5 + 0.5)}
    series = synthetic_series(phases, values=values)
    s = summarize_run(series)
    live = np.r_[[0.0, 0.0, 1.0, 1.0], values["enforcement.y"], values["enforcement.z"]]
    assert s["enforcement_mean"] == pytest.approx(live.mean())
    assert s["enforcement_sd"] == pytest.approx(live.std())
    diffs = np.r_[[0.0, 1.0, 0.0], np.diff(values["enforcement.y"]),
                  np.diff(values["enforcement.z"])]
    assert s["enforcement_kurtosis"] == pytest.approx(excess_kurtosis(diffs))
    assert s["sync_plv"] == pytest.approx(1.0, abs=1e-9)  # y and z only: locked
    assert s["dominant_period"] == pytest.approx(5.0)
    assert math.isnan(s["dominant_period.x"])  # 4 live months, no cycle to find


def test_declared_summary_inputs_are_enough_for_the_metrics():
    """SUMMARY_COLUMNS/QUANTITIES/EVENTS are what a folder must store to remake summary.parquet
    (require_stored checks them): a model run trimmed to them gives the same metrics, bit for
    bit, as the full run. Fails when summarize_run starts reading something not declared."""
    from sim import Params, RegulatoryModel
    from sim.analysis.summary import SUMMARY_COLUMNS, SUMMARY_EVENTS, SUMMARY_QUANTITIES
    from sim.experiment.store import select_outputs
    from sim.model.schema import OutputSelection

    model = RegulatoryModel(Params().override({"run.months": 180}), rng=3).run()
    series = model.series().assign(run_id=0, seed=3)
    events = model.events().assign(run_id=0, seed=3)
    full = summarize_runs(series, events)
    kept = OutputSelection(series=(*SUMMARY_COLUMNS, *SUMMARY_QUANTITIES), events=SUMMARY_EVENTS)
    trimmed_series, trimmed_events = select_outputs(kept, series, events)
    assert trimmed_series.shape[1] < series.shape[1] and len(trimmed_events) < len(events)
    assert full["n_crackdowns"].iloc[0] >= 1  # the run has cycles to measure
    pd.testing.assert_frame_equal(summarize_runs(trimmed_series, trimmed_events), full,
                                  check_exact=True)
