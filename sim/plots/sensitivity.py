"""Sensitivity indices: Morris μ*–σ screening plots and Sobol tornado charts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .style import OKABE_ITO

TOTAL_COLOUR = OKABE_ITO["blue"]
"""Bar colour of total-order indices (and of Morris points)."""

FIRST_COLOUR = OKABE_ITO["orange"]
"""Bar colour of first-order indices."""


def _axes(n: int, axes: Sequence[Axes] | np.ndarray | None, ncols: int,
          panel: tuple[float, float], sharey: bool = False) -> np.ndarray:
    if axes is None:
        nrows = int(np.ceil(n / ncols))
        _, grid = plt.subplots(nrows, min(ncols, n), figsize=(panel[0] * min(ncols, n),
                                                              panel[1] * nrows),
                               layout="constrained", squeeze=False, sharey=sharey)
        for ax in grid.flat[n:]:
            ax.set_visible(False)
        axes = grid.flat[:n]
    axes = np.asarray(list(axes), dtype=object)
    if len(axes) < n:
        raise ValueError(f"{n} metrics but {len(axes)} axes")
    return axes


def _short(name: str) -> str:
    """``leadership.theta_alarm`` → ``theta_alarm`` (the group is in the full name)."""
    return name.rsplit(".", 1)[-1]


def _label_offsets(points: np.ndarray, texts: Sequence[str], size: tuple[float, float],
                   obstacles: Sequence[tuple[float, float, float, float]] = (),
                   fontsize: float = 7.0) -> list[tuple[float, float]]:
    """Offsets in points that keep labels apart from each other and off the marks.

    Args:
        points: label anchors in axes fractions (n × 2), in the order labels are placed.
        texts: the labels.
        size: the axes' width and height in points.
        obstacles: boxes ``(x0, y0, x1, y1)`` in axes fractions no label may cover (markers,
            error bars).
        fontsize: the labels' font size in points.

    Returns:
        One ``(dx, dy)`` per label, for its lower left corner: the first of a few places
        right, then left, of its point, just above it, just below, or further up or down,
        whose box stays in the axes and overlaps no obstacle and no label placed before (else
        the first place).
    """
    width, height = size
    boxes = [(x0 * width, y0 * height, x1 * width, y1 * height) for x0, y0, x1, y1 in obstacles]
    offsets = []
    for (fx, fy), text in zip(points, texts, strict=True):
        w, h = 0.6 * fontsize * len(text), 1.2 * fontsize
        x, y = fx * width, fy * height
        steps = (2.0, -h - 2, h + 4, -2 * h - 4, 2 * h + 6, -3 * h - 6, 3 * h + 8)
        right = [(4.0, dy) for dy in steps]
        left = [(-w - 4.0, dy) for dy in steps]
        candidates = right + left if x + 4 + w <= width else left + right
        chosen = candidates[0]
        for dx, dy in candidates:
            box = (x + dx, y + dy, x + dx + w, y + dy + h)
            if box[3] > height or box[1] < 0 or box[0] < 0 or box[2] > width:
                continue
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
                       for b in boxes):
                chosen = (dx, dy)
                break
        boxes.append((x + chosen[0], y + chosen[1], x + chosen[0] + w, y + chosen[1] + h))
        offsets.append(chosen)
    return offsets


def plot_morris(indices: pd.DataFrame, metrics: Sequence[str] | None = None,
                axes: Sequence[Axes] | np.ndarray | None = None, *,
                labels: Mapping[str, str] | None = None, ncols: int = 2,
                annotate: int = 6) -> np.ndarray:
    """Morris screening: μ* (influence) against σ (non-linearity, interaction), per metric.

    Args:
        indices: output of :func:`sim.analysis.sensitivity.morris_indices`.
        metrics: metrics to draw, one panel each (default: all, in table order).
        axes: one axes per metric (default: a new figure).
        labels: panel titles by metric.
        ncols: columns of the new figure.
        annotate: name the ``annotate`` parameters of largest μ* in each panel.

    Returns:
        The axes used. Each holds one point per parameter with a horizontal error bar (the
        bootstrap interval of μ*), the line σ = μ* (above it, effects change sign or interact)
        and the names of the most influential parameters, moved clear of each other and of the
        marks (with a leader line to their point when moved).
    """
    names = list(metrics) if metrics is not None else list(dict.fromkeys(indices["metric"]))
    axes = _axes(len(names), axes, ncols, (5.2, 4.2))
    for ax, metric in zip(axes, names, strict=False):
        rows = indices.loc[indices["metric"] == metric].dropna(subset=["mu_star"])
        rows = rows.sort_values("mu_star", ascending=False)
        x, s = rows["mu_star"].to_numpy(float), rows["sigma"].to_numpy(float)
        conf = rows["mu_star_conf"].to_numpy(float)
        ax.errorbar(x, s, xerr=conf, fmt="o",
                    color=TOTAL_COLOUR, markersize=4, capsize=2, elinewidth=0.8,
                    gid=f"morris:{metric}")
        # square axes that hold every point and the whole of every interval
        top = float(max(np.nanmax(x + np.nan_to_num(conf)), s.max())) * 1.08 if len(rows) \
            else 1.0
        ax.plot([0, top], [0, top], color="0.5", linewidth=0.8, linestyle="--")
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        named = rows.head(annotate)
        texts = [_short(str(p)) for p in named["parameter"]]
        anchors = named[["mu_star", "sigma"]].to_numpy(float) / top
        bbox = ax.get_window_extent()
        dpi = ax.figure.dpi
        # markers (3 points around) and error bars (1.2 points around) that labels avoid
        px, py = 1 / (bbox.width * 72 / dpi), 1 / (bbox.height * 72 / dpi)
        low, high = (x - np.nan_to_num(conf)) / top, (x + np.nan_to_num(conf)) / top
        marks = [(a / top - 3 * px, b / top - 3 * py, a / top + 3 * px, b / top + 3 * py)
                 for a, b in zip(x, s, strict=True)]
        marks += [(a, b / top - 1.2 * py, c, b / top + 1.2 * py)
                  for a, b, c in zip(low, s, high, strict=True)]
        offsets = _label_offsets(anchors, texts, (bbox.width * 72 / dpi, bbox.height * 72 / dpi),
                                 obstacles=marks)
        for text, (_, r), (dx, dy) in zip(texts, named.iterrows(), offsets, strict=True):
            # a label away from its point gets a leader line to it
            leader = {"arrowstyle": "-", "color": "0.45", "linewidth": 0.6,
                      "shrinkA": 0, "shrinkB": 2} if (dx, dy) != (4.0, 2.0) else None
            ax.annotate(text, (r["mu_star"], r["sigma"]), xytext=(dx, dy),
                        textcoords="offset points", fontsize="x-small", va="bottom",
                        arrowprops=leader)
        ax.set_xlabel("μ* (mean |elementary effect|)", fontsize="small")
        ax.set_ylabel("σ (spread of effects)", fontsize="small")
        ax.set_title((labels or {}).get(metric, metric), fontsize="small")
        ax.tick_params(labelsize="small")
    return axes


def plot_sobol(indices: pd.DataFrame, metrics: Sequence[str] | None = None,
               axes: Sequence[Axes] | np.ndarray | None = None, *,
               labels: Mapping[str, str] | None = None, ncols: int = 2) -> np.ndarray:
    """Tornado chart of Sobol indices: total (ST) and first-order (S1) bars, per metric.

    Args:
        indices: output of :func:`sim.analysis.sensitivity.sobol_indices`.
        metrics: metrics to draw, one panel each (default: all, in table order).
        axes: one axes per metric (default: a new figure).
        labels: panel titles by metric.
        ncols: columns of the new figure.

    Returns:
        The axes used. Each holds, per parameter (largest ST on top), an ST bar and an S1
        bar with their confidence intervals as error bars; a panel whose metric has no
        indices says so.
    """
    names = list(metrics) if metrics is not None else list(dict.fromkeys(indices["metric"]))
    n_par = indices["parameter"].nunique()
    axes = _axes(len(names), axes, ncols, (5.2, 0.45 * n_par + 1.4))
    for ax, metric in zip(axes, names, strict=False):
        rows = indices.loc[indices["metric"] == metric].dropna(subset=["ST"])
        ax.set_title((labels or {}).get(metric, metric), fontsize="small")
        if rows.empty:
            ax.text(0.5, 0.5, "no indices (outcome constant or undefined)",
                    ha="center", va="center", transform=ax.transAxes, fontsize="small")
            continue
        rows = rows.sort_values("ST", ascending=True)
        y = np.arange(len(rows))
        h = 0.38
        ax.barh(y + h / 2, rows["ST"], height=h, color=TOTAL_COLOUR, label="total (ST)",
                xerr=rows["ST_conf"], error_kw={"elinewidth": 0.8, "capsize": 2},
                gid=f"ST:{metric}")
        ax.barh(y - h / 2, rows["S1"], height=h, color=FIRST_COLOUR, label="first order (S1)",
                xerr=rows["S1_conf"], error_kw={"elinewidth": 0.8, "capsize": 2},
                gid=f"S1:{metric}")
        ax.axvline(0.0, color="0.3", linewidth=0.8)
        ax.set_yticks(y, labels=[_short(str(p)) for p in rows["parameter"]])
        ax.set_xlabel("share of the outcome's variance", fontsize="small")
        ax.tick_params(labelsize="small")
        ax.legend(frameon=False, fontsize="x-small", loc="lower right")
    return axes


__all__ = ["plot_morris", "plot_sobol"]
