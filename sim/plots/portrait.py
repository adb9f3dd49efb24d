"""Phase portrait: one sector's harm against its enforcement, coloured by phase."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from ..analysis.frames import PHASE_QUANTITY, col
from ..model.states import Phase
from ._common import get_ax
from .style import PHASE_COLOURS, phase_label

OUTLINE = [patheffects.withStroke(linewidth=3.2, foreground="0.35")]
"""A dark outline under phase-coloured lines, so light phases (yellow) read on white."""


def plot_phase_portrait(series: pd.DataFrame, sector: str, ax: Axes | None = None, *,
                        x: str = "enforcement", y: str = "harm", logy: bool = False,
                        arrows: int = 8) -> Axes:
    """Plot one sector's trajectory in the (enforcement, harm) plane, coloured by phase.

    Each month-to-month step is a segment coloured by the phase of the month it ends in, so a
    cycle shows as a loop: harm builds at low enforcement (LOOSE), enforcement jumps
    (CRACKDOWN), harm collapses, enforcement eases (COMPROMISE). Arrows give the direction;
    a circle marks the first month and a square the last.

    Args:
        series: one run's series frame.
        sector: the sector.
        x: per-sector quantity on the x axis.
        y: per-sector quantity on the y axis.
        ax: axes to draw on (default: a new figure).
        logy: log scale on y (harm spans orders of magnitude); non-positive values are dropped.
        arrows: number of direction arrows along the path.

    Returns:
        The axes.
    """
    ax = get_ax(ax, figsize=(6.0, 5.0))
    xs = series[col(x, sector)].to_numpy(dtype=float)
    ys = series[col(y, sector)].to_numpy(dtype=float)
    phases = series[col(PHASE_QUANTITY, sector)].astype(str).to_numpy()
    if logy:
        ys = np.where(ys > 0, ys, np.nan)
        ax.set_yscale("log")
    points = np.column_stack([xs, ys])
    segments = np.stack([points[:-1], points[1:]], axis=1)
    colours = [PHASE_COLOURS.get(p, "0.5") for p in phases[1:]]
    lines = LineCollection(segments, colors=colours, linewidths=1.8, capstyle="round",
                           path_effects=OUTLINE, gid="trajectory")
    ax.add_collection(lines)
    if len(xs) > 1 and arrows > 0:
        for i in np.linspace(0, len(xs) - 2, arrows + 2, dtype=int)[1:-1]:
            if np.isfinite(points[i]).all() and np.isfinite(points[i + 1]).all() \
                    and not np.allclose(points[i], points[i + 1]):
                ax.annotate("", xy=points[i + 1], xytext=points[i],
                            arrowprops={"arrowstyle": "-|>", "color": "0.15", "lw": 0.8,
                                        "mutation_scale": 11})
    if len(xs):
        ax.plot(xs[:1], ys[:1], marker="o", color="black", linestyle="", markersize=6,
                label="start", gid="start")
        ax.plot(xs[-1:], ys[-1:], marker="s", color="black", linestyle="", markersize=6,
                label="end", gid="end")
    ax.autoscale_view()
    seen = [p.name for p in (Phase.LOOSE, Phase.CRACKDOWN, Phase.COMPROMISE, Phase.BANNED)
            if p.name in set(phases)]
    handles = [Line2D([], [], color=PHASE_COLOURS[p], linewidth=2.2, path_effects=OUTLINE,
                      label=phase_label(p)) for p in seen]
    h, _ = ax.get_legend_handles_labels()
    ax.legend(handles=handles + h, frameon=False, fontsize="small", loc="best")
    ax.set_xlabel(f"{x.replace('_', ' ')} ({sector})")
    ax.set_ylabel(f"{y.replace('_', ' ')} ({sector})")
    return ax
