"""Plots over many runs: the ensemble fan chart, scenario comparison and sweep heatmap."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ..analysis.frames import has_dates
from ..analysis.summary import ensemble_quantiles, sweep_table
from ._common import format_time_axis, get_ax
from .style import BAND_COLOUR, OKABE_ITO, SECTOR_COLOURS

FAN_LEVELS: tuple[tuple[str, str, float, str], ...] = (
    ("q05", "q95", 0.18, "90 %"),
    ("q25", "q75", 0.38, "50 %"),
)
"""(low, high, opacity, label) of the fan chart's bands, outer first."""


def plot_fan(series: pd.DataFrame, column: str, ax: Axes | None = None, *, by: str = "run_id",
             color: str = BAND_COLOUR, label: str | None = None) -> Axes:
    """Fan chart of one series over replications: median and 50 % / 90 % bands by month.

    Args:
        series: long series frame of several runs (a ``by`` column, ``month``; ``date`` gives a
            dated axis).
        column: the series column (aggregate or ``<quantity>.<sector>``).
        ax: axes to draw on (default: a new figure).
        by: run identifier column.
        color: colour of median and bands.
        label: name in the legend (default: the column).

    Returns:
        The axes: two band ``PolyCollection``s (90 %, then 50 %) and one median line.
    """
    ax = get_ax(ax)
    q = ensemble_quantiles(series, column, by=by, quantiles=(0.05, 0.25, 0.5, 0.75, 0.95))
    dated = "date" in q.columns and has_dates(q)
    x = pd.to_datetime(q["date"]).to_numpy() if dated else q["month"].to_numpy(dtype=float)
    name = label or column
    for lo, hi, alpha, text in FAN_LEVELS:
        ax.fill_between(x, q[lo].to_numpy(dtype=float), q[hi].to_numpy(dtype=float),
                        color=color, alpha=alpha, linewidth=0, label=f"{text} band",
                        gid=f"band:{text}")
    ax.plot(x, q["q50"].to_numpy(dtype=float), color=color, linewidth=1.8,
            label=f"median of {series[by].nunique()} runs", gid="median")
    ax.set_ylabel(name.replace("_", " "))
    ax.set_xlim(x[0], x[-1]) if len(x) > 1 else None
    format_time_axis(ax, q if dated else q.drop(columns="date", errors="ignore"))
    ax.legend(frameon=False, fontsize="small", loc="best")
    return ax


def plot_hypotheses(summary: pd.DataFrame, metric: str, ax: Axes | None = None, *,
                    by: str = "scenario", order: Sequence[str] | None = None,
                    kind: str = "box", points: bool = True) -> Axes:
    """A metric's distribution per scenario (box or violin), medians written on.

    Args:
        summary: one row per run, with the ``by`` column and the metric.
        metric: the metric column.
        ax: axes to draw on (default: a new figure).
        by: grouping column.
        order: group order (default: order of appearance).
        kind: ``"box"`` or ``"violin"``.
        points: overlay the runs as jittered dots.

    Returns:
        The axes, one box (or violin body) per group and one median text per group.
    """
    if kind not in ("box", "violin"):
        raise ValueError(f"kind must be 'box' or 'violin', not {kind!r}")
    groups = list(order) if order is not None else list(dict.fromkeys(summary[by].tolist()))
    ax = get_ax(ax, figsize=(1.3 * len(groups) + 2.0, 4.0))
    data = []
    for g in groups:
        x = summary.loc[summary[by] == g, metric].to_numpy(dtype=float)
        data.append(x[np.isfinite(x)])
    pos = np.arange(1, len(groups) + 1)
    colours = [SECTOR_COLOURS[i % len(SECTOR_COLOURS)] for i in range(len(groups))]
    plotted = [i for i, d in enumerate(data) if d.size]
    if kind == "box":
        parts = ax.boxplot([data[i] for i in plotted], positions=pos[plotted], widths=0.55,
                           patch_artist=True, showfliers=not points,
                           medianprops={"color": "black", "linewidth": 1.6})
        for i, box in zip(plotted, parts["boxes"], strict=True):
            box.set_facecolor(colours[i])
            box.set_alpha(0.45)
            box.set_gid(f"box:{groups[i]}")
    else:
        parts = ax.violinplot([data[i] for i in plotted], positions=pos[plotted], widths=0.7,
                              showmedians=True, showextrema=False)
        for i, body in zip(plotted, parts["bodies"], strict=True):
            body.set_facecolor(colours[i])
            body.set_alpha(0.45)
            body.set_gid(f"violin:{groups[i]}")
        parts["cmedians"].set_color("black")
    if points:
        rng = np.random.default_rng(0)  # fixed jitter: the same figure every time
        for i in plotted:
            jitter = rng.uniform(-0.12, 0.12, data[i].size)
            ax.plot(pos[i] + jitter, data[i], linestyle="", marker="o", markersize=3,
                    color="black", alpha=0.55, gid=f"runs:{groups[i]}")
    finite = np.concatenate([d for d in data if d.size]) if plotted else np.array([0.0])
    span = float(np.ptp(finite)) or 1.0
    top = float(finite.max())
    for i in plotted:
        med = float(np.median(data[i]))
        ax.text(pos[i], top + 0.06 * span, f"{med:.3g}", ha="center", va="bottom",
                fontsize="small", fontweight="bold", gid=f"median:{groups[i]}")
    ax.set_ylim(top=top + 0.18 * span)
    ax.set_xticks(pos, labels=[f"{g}\n(n={d.size})" for g, d in zip(groups, data,
                                                                     strict=True)])
    ax.set_xlim(0.4, len(groups) + 0.6)
    ax.set_ylabel(metric.replace("_", " "))
    ax.set_title(f"{metric}: median per {by}", fontsize="medium")
    return ax


def plot_sweep_heatmap(summary: pd.DataFrame, x: str, y: str, metric: str,
                       ax: Axes | None = None, *, cmap: str = "cividis",
                       annotate: bool = True, fmt: str = "{:.3g}") -> Axes:
    """Heatmap of a metric's median over two swept parameters.

    Args:
        summary: one row per run with parameter columns ``x``, ``y`` and the metric.
        x: parameter on the horizontal axis.
        y: parameter on the vertical axis.
        metric: the metric.
        ax: axes to draw on (default: a new figure).
        cmap: a perceptually uniform, colour-blind-safe colormap (default cividis).
        annotate: write each cell's median.
        fmt: format of the written medians.

    Returns:
        The axes, holding one ``QuadMesh`` and (if ``annotate``) one text per finite cell.
    """
    table = sweep_table(summary, x, y, metric)
    ax = get_ax(ax, figsize=(1.0 * table.shape[1] + 3.0, 0.7 * table.shape[0] + 2.0))
    values = table.to_numpy(dtype=float)
    mesh = ax.pcolormesh(np.arange(table.shape[1] + 1), np.arange(table.shape[0] + 1), values,
                         cmap=cmap, shading="flat", edgecolors="white", linewidth=0.5)
    ax.figure.colorbar(mesh, ax=ax, label=f"median {metric.replace('_', ' ')}")
    if annotate and np.isfinite(values).any():
        lo, hi = np.nanmin(values), np.nanmax(values)
        for r in range(values.shape[0]):
            for c in range(values.shape[1]):
                v = values[r, c]
                if not np.isfinite(v):
                    continue
                light = hi > lo and (v - lo) / (hi - lo) > 0.6  # cividis is light at the top
                ax.text(c + 0.5, r + 0.5, fmt.format(v), ha="center", va="center",
                        fontsize="small", color="black" if light else "white")
    ax.set_xticks(np.arange(table.shape[1]) + 0.5, labels=[f"{v:g}" if isinstance(v, float)
                                                          else str(v) for v in table.columns])
    ax.set_yticks(np.arange(table.shape[0]) + 0.5, labels=[f"{v:g}" if isinstance(v, float)
                                                          else str(v) for v in table.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    return ax


def plot_comparison(table: pd.DataFrame, metric: str, ax: Axes | None = None, *,
                    by: str = "scenario") -> Axes:
    """Difference of medians from the reference with its bootstrap interval, per scenario.

    Args:
        table: output of :func:`sim.analysis.summary.compare`.
        metric: the metric to show.
        ax: axes to draw on (default: a new figure).
        by: the grouping column of ``table``.

    Returns:
        The axes: a diamond at 0 for the reference, one error bar per other group with a
        finite difference ("no values" written otherwise) and a zero line.
    """
    rows = table.loc[table["metric"] == metric].reset_index(drop=True)
    ax = get_ax(ax, figsize=(5.0, 0.5 * len(rows) + 1.5))
    y = np.arange(len(rows))[::-1]
    ref = rows.loc[rows["diff_lo"].isna() & (rows["diff"] == 0), by]
    for yi, (_, r) in zip(y, rows.iterrows(), strict=True):
        if r[by] in set(ref):
            ax.plot([0.0], [yi], marker="D", color="black", linestyle="", gid=f"ref:{r[by]}")
            continue
        if not np.isfinite(r["diff"]):  # a group without values for this metric
            ax.annotate("no values", (0.0, yi), ha="center", va="center", fontsize="small",
                        color="0.4", gid=f"nodiff:{r[by]}")
            continue
        err = [[r["diff"] - r["diff_lo"]], [r["diff_hi"] - r["diff"]]]
        bar = ax.errorbar([r["diff"]], [yi], xerr=err, fmt="o", color=OKABE_ITO["blue"],
                          capsize=3)
        bar.lines[0].set_gid(f"diff:{r[by]}")
        ax.annotate(f"{r['diff']:.3g} [{r['diff_lo']:.3g}, {r['diff_hi']:.3g}]",
                    (r["diff"], yi), xytext=(0, 7), textcoords="offset points", ha="center",
                    fontsize="x-small")
    ax.axvline(0.0, color="0.4", linewidth=0.8, linestyle="--")
    ax.set_yticks(y, labels=[str(v) for v in rows[by]])
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ref_name = str(ref.iloc[0]) if len(ref) else "reference"
    ax.set_xlabel(f"median {metric} − median of {ref_name}")
    return ax
