"""sim.analysis.hypotheses: paired comparisons over common seeds, extra metrics, phase shares."""

import numpy as np
import pandas as pd
import pytest

from sim.analysis.hypotheses import (
    PAIRED_COLUMNS,
    effect_table,
    extra_metrics,
    format_effects,
    paired_compare,
    paired_differences,
    share_in_phase,
)
from sim.analysis.synthetic import synthetic_series


def _summary():
    """Baseline and two hypotheses over seeds 1..5; 'up' is baseline + 2 on every seed."""
    base = np.array([10.0, 12.0, 8.0, 30.0, 11.0])
    rows = []
    for seed, b in zip(range(1, 6), base, strict=True):
        rows.append({"scenario": "baseline", "seed": seed, "x": b, "y": 1.0})
        rows.append({"scenario": "up", "seed": seed, "x": b + 2.0, "y": np.nan})
        rows.append({"scenario": "noise", "seed": seed, "x": b + (-1) ** seed, "y": 2.0})
    return pd.DataFrame(rows)


def test_paired_differences_pair_on_seed():
    s = _summary().sample(frac=1.0, random_state=1)  # order must not matter
    both = paired_differences(s, "x", "up")
    assert sorted(both.seed) == [1, 2, 3, 4, 5]
    assert both["diff"].tolist() == [2.0] * 5


def test_paired_compare_exact_shift_has_a_zero_width_interval():
    table = paired_compare(_summary(), ["x", "y"], n_boot=500)
    assert list(table.columns) == ["scenario", *PAIRED_COLUMNS]
    assert table.scenario.tolist()[:3] == ["baseline", "up", "noise"]
    ref = table.iloc[0]
    assert ref["diff"] == 0 and np.isnan(ref["diff_lo"]) and ref["value"] == pytest.approx(14.2)
    up = table[(table.scenario == "up") & (table.metric == "x")].iloc[0]
    assert (up["diff"], up["diff_lo"], up["diff_hi"]) == (2.0, 2.0, 2.0)
    assert up["rel"] == pytest.approx(2.0 / 14.2)
    assert up["clear"] and up["n"] == 5
    noise = table[(table.scenario == "noise") & (table.metric == "x")].iloc[0]
    assert noise["diff_lo"] < 0 < noise["diff_hi"] and not noise["clear"]
    # 'up' has no finite y: no pairs, no effect
    up_y = table[(table.scenario == "up") & (table.metric == "y")].iloc[0]
    assert up_y["n"] == 0 and np.isnan(up_y["diff"])


def test_paired_compare_median_and_errors():
    table = paired_compare(_summary(), ["x"], stat="median", n_boot=200)
    assert table.iloc[0]["value"] == 11.0
    with pytest.raises(ValueError, match="stat"):
        paired_compare(_summary(), ["x"], stat="mode")
    with pytest.raises(ValueError, match="reference"):
        paired_compare(_summary(), ["x"], reference="nope")
    doubled = pd.concat([_summary(), _summary()])
    with pytest.raises(ValueError, match="paired"):
        paired_compare(doubled, ["x"])


def test_paired_intervals_are_narrower_than_unpaired():
    # a large shared seed effect plus a small treatment effect: pairing sees through the noise
    rng = np.random.default_rng(0)
    seed_effect = rng.normal(0, 10, 20)
    rows = [{"scenario": g, "seed": i, "x": 50 + e + (1.0 if g == "t" else 0.0)
             + rng.normal(0, 0.1)} for g in ("baseline", "t") for i, e in enumerate(seed_effect)]
    t = paired_compare(pd.DataFrame(rows), ["x"], n_boot=1000).iloc[1]
    assert t["clear"] and t["diff_hi"] - t["diff_lo"] < 1.0


def test_effect_and_format_tables():
    table = paired_compare(_summary(), ["x", "y"], n_boot=200)
    wide = effect_table(table, column="value")
    assert wide.index.tolist() == ["baseline", "up", "noise"]
    assert wide.columns.tolist() == ["x", "y"]
    text = format_effects(table)
    assert text.loc["baseline", "x"] == "14.2"
    # the relative interval is resampled as a ratio: the baseline's mean varies too
    assert text.loc["up", "x"].startswith("+14.1 % [") and text.loc["up", "x"].endswith(" *")
    assert text.loc["up", "y"] == "n/a"
    absolute = format_effects(table, relative=False)
    assert absolute.loc["up", "x"] == "+2.0 [+2.0, +2.0] *"


def test_extra_metrics():
    frames = []
    for run_id, harm in ((0, 2.0), (1, 6.0)):
        f = synthetic_series({"a": ["LOOSE"] * 4, "b": ["LOOSE"] * 4},
                             values={"harm.a": harm, "harm.b": harm, "tech_revenue": 10.0})
        f.insert(0, "run_id", run_id)
        frames.append(f)
    out = extra_metrics(pd.concat(frames, ignore_index=True))
    assert out.run_id.tolist() == [0, 1]
    assert out.harm_intensity.tolist() == pytest.approx([0.4, 1.2])
    assert out.mean_revenue.tolist() == [10.0, 10.0]


def test_share_in_phase():
    frames = []
    for run_id, phases in enumerate((["LOOSE", "CRACKDOWN", "LOOSE", "LOOSE"],
                                     ["LOOSE", "LOOSE", "LOOSE", "CRACKDOWN"])):
        f = synthetic_series({"a": phases})
        f.insert(0, "run_id", run_id)
        frames.append(f)
    s = pd.concat(frames, ignore_index=True)
    assert share_in_phase(s, "a", "CRACKDOWN", 0, 2) == 0.5
    assert share_in_phase(s, "a", "CRACKDOWN", "2010-02", "2010-04") == 1.0
    assert share_in_phase(s, "a", "CRACKDOWN", "2010-03", "2010-03") == 0.0
