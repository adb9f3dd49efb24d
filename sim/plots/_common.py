"""Drawing helpers shared by the plot functions (private)."""

from __future__ import annotations

from collections.abc import Iterable

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from ..analysis.episodes import phase_runs
from ..analysis.frames import has_dates
from .style import PHASE_COLOURS, SHADE_ALPHA, SHADED_PHASES, phase_label

LEGEND_ALPHA = 0.6
"""Opacity of phase patches in legends (between the light shading and the ribbons)."""


def get_ax(ax: Axes | None, figsize: tuple[float, float] = (8.0, 4.0)) -> Axes:
    """Return ``ax``, or a new figure's axes when ``ax`` is None (no ``show``)."""
    if ax is not None:
        return ax
    _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new


def shade_phases(ax: Axes, phases: Iterable[str], edges: np.ndarray,
                 shaded: Iterable[str] = SHADED_PHASES, ymin: float = 0.0,
                 ymax: float = 1.0, alpha: float | None = None) -> list[str]:
    """Shade runs of the given phases as vertical spans.

    Args:
        ax: axes to draw on.
        phases: phase name per month.
        edges: month edges (length ``n + 1``, see :func:`sim.analysis.frames.time_edges`).
        shaded: phase names to shade.
        ymin: lower end of the spans in axes fraction.
        ymax: upper end of the spans in axes fraction.
        alpha: opacity (default: the phase's :data:`~sim.plots.style.SHADE_ALPHA`).

    Returns:
        The phase names that were shaded at least once (for legends).
    """
    shaded = set(shaded)
    seen: list[str] = []
    for phase, i0, i1 in phase_runs(list(phases)):
        if phase not in shaded:
            continue
        ax.axvspan(edges[i0], edges[i1], ymin=ymin, ymax=ymax, color=PHASE_COLOURS[phase],
                   alpha=SHADE_ALPHA.get(phase, 0.25) if alpha is None else alpha,
                   linewidth=0, zorder=0,
                   gid=f"phase:{phase}")
        if phase not in seen:
            seen.append(phase)
    return seen


def phase_handles(names: Iterable[str]) -> list[Patch]:
    """Legend patches for shaded phases."""
    return [Patch(facecolor=PHASE_COLOURS[n], alpha=LEGEND_ALPHA, label=phase_label(n))
            for n in names]


def format_time_axis(ax: Axes, series: pd.DataFrame) -> None:
    """Year ticks on a dated axis, or a month label otherwise."""
    if has_dates(series):
        locator = mdates.AutoDateLocator(minticks=4, maxticks=12)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    else:
        ax.set_xlabel("month")
