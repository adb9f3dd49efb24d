"""Plots of notebooks 02 and 03: policy effects, Morris screening, Sobol tornado (Agg)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from sim.analysis.hypotheses import paired_compare
from sim.plots.effects import CLEAR_COLOUR, UNCLEAR_COLOUR, plot_effects
from sim.plots.sensitivity import _label_offsets, plot_morris, plot_sobol


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture
def effects():
    rows = []
    for seed in range(6):
        rows.append({"scenario": "baseline", "seed": seed, "x": 10.0 + seed, "y": 1.0})
        rows.append({"scenario": "up", "seed": seed, "x": 12.0 + seed, "y": np.nan})
        rows.append({"scenario": "same", "seed": seed, "x": 10.0 + seed + (-1) ** seed,
                     "y": 1.0 + 0.1 * (-1) ** seed})
    return paired_compare(pd.DataFrame(rows), ["x", "y"], n_boot=100)


def _gids(ax):
    return {a.get_gid() for a in ax.get_children() if a.get_gid()}


def test_plot_effects(effects):
    axes = plot_effects(effects, labels={"x": "the x metric"})
    assert len(axes) == 2
    ax_x, ax_y = axes
    assert {"effect:up", "effect:same"} <= _gids(ax_x)
    assert "na:up" in _gids(ax_y)  # no finite y for 'up'
    assert ax_x.get_title() == "the x metric"
    assert [t.get_text() for t in ax_x.get_yticklabels()] == ["up", "same"]
    colours = {line.get_gid(): line.get_color() for line in ax_x.get_lines() if line.get_gid()}
    assert colours["effect:up"] == CLEAR_COLOUR and colours["effect:same"] == UNCLEAR_COLOUR
    assert "%" in ax_x.get_xlabel()
    # on given axes, absolute changes
    _, given = plt.subplots(1, 2)
    out = plot_effects(effects, ["x"], given[:1], relative=False)
    assert out[0] is given[0] and "%" not in given[0].get_xlabel()
    with pytest.raises(ValueError, match="axes"):
        plot_effects(effects, ["x", "y"], given[:1])


def test_plot_morris_and_sobol():
    params = ["leadership.theta_alarm", "agencies.zeal", "firms.cost"]
    morris = pd.DataFrame({"metric": ["m"] * 3, "parameter": params, "mu": [1.0, -0.2, 0.0],
                           "mu_star": [1.0, 0.4, 0.01], "sigma": [0.3, 0.5, 0.0],
                           "mu_star_conf": [0.1, 0.1, 0.01], "mu_star_rel": [1.0, 0.4, 0.01],
                           "n_filled": 0})
    (ax,) = plot_morris(morris, annotate=2)
    assert "morris:m" in _gids(ax)
    names = [t.get_text() for t in ax.texts]
    assert names == ["theta_alarm", "zeal"]
    crowded = morris.assign(mu_star=[1.0, 0.99, 0.98], sigma=[0.5, 0.5, 0.5])
    (ax,) = plot_morris(crowded, annotate=3)
    ax.figure.canvas.draw()
    boxes = [t.get_window_extent() for t in ax.texts]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    sobol = pd.DataFrame({"metric": ["m"] * 3 + ["n"] * 3, "parameter": params * 2,
                          "S1": [0.6, 0.2, 0.0, np.nan, np.nan, np.nan],
                          "S1_conf": [0.05] * 3 + [np.nan] * 3,
                          "ST": [0.7, 0.3, 0.01, np.nan, np.nan, np.nan],
                          "ST_conf": [0.05] * 3 + [np.nan] * 3, "n_filled": 0})
    ax_m, ax_n = plot_sobol(sobol)
    assert {"ST:m", "S1:m"} <= _gids(ax_m)
    # largest total index on top (tick labels run bottom to top)
    assert [t.get_text() for t in ax_m.get_yticklabels()] == ["cost", "zeal", "theta_alarm"]
    assert "no indices" in ax_n.texts[0].get_text()


def test_label_offsets_avoid_labels_marks_and_edges():
    size = (200.0, 100.0)
    # two points at the same place: the second label goes just below the first
    assert _label_offsets(np.array([[0.5, 0.5], [0.5, 0.5]]), ["aaaa", "bbbb"], size) == [
        (4.0, 2.0), (4.0, -0.0 - 1.2 * 7 - 2)]
    # a point at the right edge is labelled on its left
    (dx, _), = _label_offsets(np.array([[0.99, 0.5]]), ["long_name"], size)
    assert dx < 0
    # an error bar across the place just above the point pushes the label elsewhere
    bar = [(0.4, 0.52, 0.9, 0.54)]
    assert _label_offsets(np.array([[0.5, 0.5]]), ["x"], size, obstacles=bar)[0] != (4.0, 2.0)
