"""Plot functions: the returned axes hold the expected artists, and files are written."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import Rectangle

from sim.analysis import compare
from sim.analysis.synthetic import synthetic_events, synthetic_series
from sim.plots import (
    plot_comparison,
    plot_fan,
    plot_hypotheses,
    plot_overview,
    plot_panels,
    plot_phase_portrait,
    plot_sweep_heatmap,
    plot_timeline,
    twin_of,
)
from sim.plots.style import PHASE_COLOURS

L, C, K, B = "LOOSE", "CRACKDOWN", "COMPROMISE", "BANNED"


@pytest.fixture
def run_series():
    phases = {
        "platform": [L] * 10 + [C] * 5 + [K] * 5 + [L] * 10,
        "edtech": [L] * 12 + [C] * 4 + [B] * 14,
    }
    enf = {
        "enforcement.platform": np.r_[np.full(10, 0.1), np.full(5, 0.9), np.full(5, 0.4),
                                      np.full(10, 0.15)],
        "enforcement.edtech": np.r_[np.full(12, 0.1), np.full(4, 0.8), np.zeros(14)],
    }
    return synthetic_series(phases, values=enf)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _spans(ax, phase):
    return [p for p in ax.patches
            if isinstance(p, Rectangle) and p.get_gid() == f"phase:{phase}"]


def test_overview_lines_spans_legend(run_series, tmp_path):
    ax = plot_overview(run_series)
    assert [line.get_label() for line in ax.get_lines()] == ["platform", "edtech"]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(),
                               run_series["enforcement.platform"].to_numpy())
    # global phase: one crackdown run (months 10-15), one compromise run (16-19);
    # ribbons: platform C + K, edtech C + BANNED
    assert len(_spans(ax, C)) == 1 + 2
    assert len(_spans(ax, K)) == 1 + 1
    assert len(_spans(ax, B)) == 1
    assert matplotlib.colors.to_hex(_spans(ax, C)[0].get_facecolor()) == PHASE_COLOURS[C].lower()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["platform", "edtech", "crackdown", "compromise", "banned"]
    out = tmp_path / "overview.png"
    ax.figure.savefig(out)
    assert out.stat().st_size > 1000


def test_overview_uses_given_axes_and_months_without_dates(run_series):
    _, ax = plt.subplots()
    frame = run_series.drop(columns=["date"])
    assert plot_overview(frame, ax=ax, sectors=["edtech"]) is ax
    assert [line.get_label() for line in ax.get_lines()] == ["edtech"]
    assert ax.get_xlim() == (0.0, 30.0)
    assert ax.get_xlabel() == "month"


# ---- panels ---------------------------------------------------------------------------------

@pytest.fixture
def run_events():
    return synthetic_events([
        {"month": 3, "kind": "scandal", "sector": "platform", "magnitude": 2.0},
        {"month": 9, "kind": "scandal", "sector": "platform", "magnitude": 8.0},
        {"month": 11, "kind": "scandal", "sector": "edtech", "magnitude": 5.0},
        {"month": 8, "kind": "defiance", "sector": "platform"},
        {"month": 9, "kind": "foreign_listing", "sector": "edtech"},
        {"month": 16, "kind": "sector_ban", "sector": "edtech"},
        {"month": 10, "kind": "sanction", "sector": "platform", "magnitude": 0.03},
    ])


def _by_gid(artists, gid):
    return [a for a in artists if a.get_gid() == gid]


def test_panels_and_markers(run_series, run_events, tmp_path):
    series = run_series.copy()
    series["threshold.platform"] = 0.5
    series["threshold.edtech"] = 0.4
    series["perceived_alarm.platform"] = np.linspace(0, 1, 30)
    series["perceived_alarm.edtech"] = 0.2
    series["valuation_index"] = np.linspace(100, 50, 30)
    series["harm.platform"] = 2.0
    axes = plot_panels(series, run_events, hard_multiple=2.0)
    assert len(axes) == 4
    ax_e, ax_a, ax_v, ax_h = axes
    # enforcement and signal per sector
    assert [ln.get_label() for ln in ax_e.get_lines()[:2]] == ["platform", "edtech"]
    assert len(_by_gid(ax_e.get_lines(), "signal:platform")) == 1
    # alarm / threshold, the threshold at 1 and the hard one at 2
    np.testing.assert_allclose(_by_gid(ax_a.get_lines(), "alarm:platform")[0].get_ydata(),
                               np.linspace(0, 1, 30) / 0.5)
    assert _by_gid(ax_a.get_lines(), "threshold")[0].get_ydata()[0] == 1.0
    assert _by_gid(ax_a.get_lines(), "hard_threshold")[0].get_ydata()[0] == 2.0
    scandals = _by_gid(ax_a.collections, "events:scandal")[0]
    assert len(scandals.get_offsets()) == 3
    sizes = scandals.get_sizes()
    assert sizes[1] > sizes[2] > sizes[0]  # size grows with magnitude (8 > 5 > 2)
    np.testing.assert_allclose(scandals.get_offsets()[:, 1][0], (3 / 29) / 0.5)
    assert len(_by_gid(ax_a.collections, "events:defiance")[0].get_offsets()) == 1
    assert len(_by_gid(ax_a.collections, "events:foreign_listing")[0].get_offsets()) == 1
    # the ban is a vertical line on every panel
    for ax in axes:
        assert len(_by_gid(ax.get_lines(), "ban:edtech")) == 1
    # valuation + pain twin; aggressiveness + harm twin
    assert "valuation index" in [ln.get_label() for ln in ax_v.get_lines()]
    assert [ln.get_label() for ln in twin_of(ax_v).get_lines()] == ["pain", "perceived pain"]
    assert len(_by_gid(twin_of(ax_h).collections, "harm")) == 1
    # phases shaded behind every panel
    for ax in axes:
        assert len(_spans(ax, C)) >= 1
    out = tmp_path / "panels.png"
    axes[0].figure.savefig(out)
    assert out.stat().st_size > 5000


def test_panels_raw_alarm_draws_sector_thresholds(run_series):
    series = run_series.copy()
    series["threshold.platform"] = 0.5
    _, ax_a, _, _ = plot_panels(series, None, hard_multiple=1.5, normalise_alarm=False)
    hard = _by_gid(ax_a.get_lines(), "hard_threshold:platform")[0]
    np.testing.assert_allclose(hard.get_ydata(), 0.75)
    assert not _by_gid(ax_a.collections, "events:scandal")


# ---- phase portrait -------------------------------------------------------------------------

def test_phase_portrait_segments_coloured_by_phase(run_series, tmp_path):
    series = run_series.copy()
    series["harm.platform"] = np.arange(30, dtype=float)
    ax = plot_phase_portrait(series, "platform")
    traj = _by_gid(ax.collections, "trajectory")[0]
    segs = traj.get_segments()
    assert len(segs) == 29
    np.testing.assert_allclose(segs[0], [[0.1, 0.0], [0.1, 1.0]])
    colours = [matplotlib.colors.to_hex(c) for c in traj.get_colors()]
    phases = run_series["phase.platform"].tolist()[1:]
    assert colours == [PHASE_COLOURS[p].lower() for p in phases]
    assert _by_gid(ax.get_lines(), "start")[0].get_xydata().tolist() == [[0.1, 0.0]]
    assert _by_gid(ax.get_lines(), "end")[0].get_xydata().tolist() == [[0.15, 29.0]]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "loose", "crackdown", "compromise", "start", "end"]
    ax.figure.savefig(tmp_path / "p.png")
    assert (tmp_path / "p.png").stat().st_size > 1000


# ---- timeline -------------------------------------------------------------------------------

def test_timeline_one_bar_per_episode(run_series, tmp_path):
    ax = plot_timeline(run_series)
    bars = {c.get_gid(): len(c.get_paths()) for c in ax.collections}
    assert bars == {"platform:LOOSE": 2, "platform:CRACKDOWN": 1, "platform:COMPROMISE": 1,
                    "edtech:LOOSE": 1, "edtech:CRACKDOWN": 1, "edtech:BANNED": 1}
    assert [t.get_text() for t in ax.get_yticklabels()] == ["edtech", "platform"]
    crack = next(c for c in ax.collections if c.get_gid() == "platform:CRACKDOWN")
    assert crack.get_hatch() == "//"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "loose", "crackdown", "compromise", "banned"]
    ax.figure.savefig(tmp_path / "t.png")
    assert (tmp_path / "t.png").stat().st_size > 1000


def test_timeline_widths_in_months_without_dates(run_series):
    ax = plot_timeline(run_series.drop(columns="date"), label_min_months=5)
    crack = next(c for c in ax.collections if c.get_gid() == "platform:CRACKDOWN")
    xs = crack.get_paths()[0].vertices[:, 0]
    assert (xs.min(), xs.max()) == (10.0, 15.0)
    # durations ≥ 5 months are written: platform 10, 5, 5, 10; edtech 12, 14
    assert sorted(t.get_text() for t in ax.texts) == sorted(["10", "5", "5", "10", "12", "14"])


# ---- ensemble plots -------------------------------------------------------------------------

@pytest.fixture
def long_series():
    frames = []
    for r in range(5):
        f = synthetic_series({"s": [L] * 6},
                             values={"enforcement.s": np.arange(6) + 10.0 * r})
        f["run_id"] = r
        frames.append(f)
    return pd.concat(frames, ignore_index=True)


def test_fan_chart_bands_and_median(long_series, tmp_path):
    ax = plot_fan(long_series, "enforcement.s")
    assert [c.get_gid() for c in ax.collections] == ["band:90 %", "band:50 %"]
    median = _by_gid(ax.get_lines(), "median")[0]
    np.testing.assert_allclose(median.get_ydata(), 20.0 + np.arange(6))
    assert median.get_label() == "median of 5 runs"
    # the 50 % band spans q25..q75 = 10 + m .. 30 + m
    band = ax.collections[1].get_paths()[0].vertices[:, 1]
    assert (band.min(), band.max()) == (10.0, 35.0)
    ax.figure.savefig(tmp_path / "f.png")
    assert (tmp_path / "f.png").stat().st_size > 1000


@pytest.fixture
def summary():
    return pd.DataFrame({"scenario": ["base"] * 4 + ["rules"] * 3,
                         "sd": [0.3, 0.2, 0.4, 0.35, 0.1, 0.05, 0.08],
                         "p": [1, 2, 1, 2, 1, 2, 1], "q": [0, 0, 1, 1, 0, 0, 1]})


def test_hypotheses_boxes_and_medians(summary):
    ax = plot_hypotheses(summary, "sd")
    assert [p.get_gid() for p in ax.patches] == ["box:base", "box:rules"]
    texts = {t.get_gid(): t.get_text() for t in ax.texts}
    assert texts == {"median:base": "0.325", "median:rules": "0.08"}
    assert [t.get_text() for t in ax.get_xticklabels()] == ["base\n(n=4)", "rules\n(n=3)"]
    assert len(_by_gid(ax.get_lines(), "runs:rules")[0].get_ydata()) == 3
    ax = plot_hypotheses(summary, "sd", kind="violin", order=["rules", "base"])
    assert [c.get_gid() for c in ax.collections if c.get_gid()] == ["violin:rules",
                                                                     "violin:base"]
    with pytest.raises(ValueError, match="kind"):
        plot_hypotheses(summary, "sd", kind="bar")


def test_sweep_heatmap_cells(summary, tmp_path):
    ax = plot_sweep_heatmap(summary, "p", "q", "sd")
    mesh = ax.collections[0]
    np.testing.assert_allclose(np.asarray(mesh.get_array()).reshape(2, 2),
                               [[0.2, 0.125], [0.24, 0.35]])
    assert sorted(t.get_text() for t in ax.texts) == sorted(["0.2", "0.125", "0.24", "0.35"])
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("p", "q")
    ax.figure.savefig(tmp_path / "h.png")
    assert (tmp_path / "h.png").stat().st_size > 1000


def test_comparison_error_bars(summary):
    table = compare(summary, ["sd"])
    ax = plot_comparison(table, "sd")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["base", "rules"]
    assert len(_by_gid(ax.get_lines(), "ref:base")) == 1
    point = _by_gid(ax.get_lines(), "diff:rules")
    assert len(point) == 1
    np.testing.assert_allclose(np.asarray(point[0].get_xdata(), dtype=float), [0.08 - 0.325])
    assert len(ax.containers) == 1  # one error bar: the reference has none
    summary.loc[summary["scenario"] == "rules", "sd"] = np.nan
    ax = plot_comparison(compare(summary, ["sd"]), "sd")
    assert not ax.containers
    assert [t.get_gid() for t in ax.texts] == ["nodiff:rules"]
