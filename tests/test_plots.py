"""Plot functions: the returned axes hold the expected artists, and files are written."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import Rectangle

from sim.analysis.synthetic import synthetic_series
from sim.plots import plot_overview
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
