"""Policy effects: each hypothesis's paired difference from the baseline, one panel per metric."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .style import OKABE_ITO

CLEAR_COLOUR = OKABE_ITO["blue"]
"""Colour of an effect whose interval excludes zero."""

UNCLEAR_COLOUR = "0.6"
"""Colour of an effect whose interval includes zero."""


def plot_effects(table: pd.DataFrame, metrics: Sequence[str] | None = None,
                 axes: Sequence[Axes] | np.ndarray | None = None, *, by: str = "scenario",
                 relative: bool = True, labels: Mapping[str, str] | None = None,
                 ncols: int = 3) -> np.ndarray:
    """Forest plot of paired effects: one panel per metric, one row per hypothesis.

    Args:
        table: output of :func:`sim.analysis.hypotheses.paired_compare` (reference rows have
            ``diff = 0`` and no interval).
        metrics: the metrics to draw, one panel each (default: all, in table order).
        axes: one axes per metric (default: a new figure with ``ncols`` columns).
        by: the table's grouping column.
        relative: draw ``rel`` (× 100 %, relative to the reference) instead of ``diff``.
        labels: panel titles by metric (default: the metric's name).
        ncols: columns of the new figure.

    Returns:
        The axes used, flattened. Each panel holds one error bar per hypothesis with a value
        (blue when its interval excludes 0, grey otherwise), "n/a" where the metric is
        undefined, and a dashed zero line standing for the reference.
    """
    names = list(metrics) if metrics is not None else list(dict.fromkeys(table["metric"]))
    if axes is None:
        nrows = int(np.ceil(len(names) / ncols))
        _, grid = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 0.32 * nrows * (
            table[by].nunique() + 3)), layout="constrained", squeeze=False, sharey=True)
        for ax in grid.flat[len(names):]:
            ax.set_visible(False)
        axes = grid.flat[:len(names)]
    axes = np.asarray(list(axes), dtype=object)
    if len(axes) < len(names):
        raise ValueError(f"{len(names)} metrics but {len(axes)} axes")
    scale = 100.0 if relative else 1.0
    key = "rel" if relative else "diff"
    for ax, metric in zip(axes, names, strict=False):
        rows = table.loc[(table["metric"] == metric)].reset_index(drop=True)
        rows = rows.loc[~(rows["diff_lo"].isna() & (rows["diff"] == 0))]  # the reference
        y = np.arange(len(rows))[::-1]
        for yi, (_, r) in zip(y, rows.iterrows(), strict=True):
            v, lo, hi = (float(r[key]) * scale, float(r[f"{key}_lo"]) * scale,
                         float(r[f"{key}_hi"]) * scale)
            if not np.isfinite(v):
                ax.annotate("n/a", (0.0, yi), ha="center", va="center", fontsize="small",
                            color="0.4", gid=f"na:{r[by]}")
                continue
            colour = CLEAR_COLOUR if bool(r["clear"]) else UNCLEAR_COLOUR
            bar = ax.errorbar([v], [yi], xerr=[[v - lo], [hi - v]], fmt="o", color=colour,
                              capsize=2.5, markersize=4)
            bar.lines[0].set_gid(f"effect:{r[by]}")
        ax.axvline(0.0, color="0.3", linewidth=0.8, linestyle="--")
        ax.set_yticks(y, labels=[str(v) for v in rows[by]])
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.set_title((labels or {}).get(metric, metric), fontsize="small")
        ax.set_xlabel("change from baseline (%)" if relative else "change from baseline",
                      fontsize="small")
        ax.tick_params(labelsize="small")
        ax.grid(axis="x", color="0.9", linewidth=0.6)
    return axes


__all__ = ["plot_effects"]
