"""Episode timeline: one row per sector, phase episodes as coloured bars (a Gantt chart)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from ..analysis.episodes import episodes
from ..analysis.frames import has_dates, sectors_of, time_edges
from ..model.states import Phase
from ._common import format_time_axis, get_ax
from .style import PHASE_COLOURS, PHASE_HATCH, phase_label

BAR_HEIGHT = 0.7
"""Height of a sector's bar row (rows are one unit apart)."""


def plot_timeline(series: pd.DataFrame, ax: Axes | None = None, *,
                  sectors: Sequence[str] | None = None, label_min_months: int = 10) -> Axes:
    """Draw each sector's phase episodes as bars along time (first sector on top).

    Phases have their fixed colours and hatches (crackdown ``//``, compromise ``..``, banned
    ``xx``) so the chart reads in greyscale. Episodes at least ``label_min_months`` long carry
    their duration in months.

    Args:
        series: one run's series frame.
        ax: axes to draw on (default: a new figure).
        sectors: sectors to draw (default: all).
        label_min_months: shortest episode whose duration is written on it.

    Returns:
        The axes; one ``BrokenBarHCollection``/``PolyCollection`` per (sector, phase).
    """
    names = list(sectors) if sectors is not None else sectors_of(series)
    ax = get_ax(ax, figsize=(9.0, 0.55 * len(names) + 1.4))
    edges = time_edges(series)
    if has_dates(series):
        edges = mdates.date2num(edges)
    eps = episodes(series, names)
    months = series["month"].to_numpy() if "month" in series.columns else np.arange(len(series))
    row_of = {int(m): i for i, m in enumerate(months)}
    seen: list[str] = []
    for r, sector in enumerate(names):
        y = len(names) - 1 - r
        mine = eps.loc[eps["sector"] == sector]
        for phase, block in mine.groupby("phase", sort=False):
            i0 = np.array([row_of[int(v)] for v in block["start"]])
            i1 = np.array([row_of[int(v)] + 1 for v in block["end"]])
            spans = list(zip(edges[i0], edges[i1] - edges[i0], strict=True))
            ax.broken_barh(spans, (y - BAR_HEIGHT / 2, BAR_HEIGHT),
                           facecolors=PHASE_COLOURS.get(str(phase), "0.6"),
                           hatch=PHASE_HATCH.get(str(phase), ""), edgecolor="white",
                           linewidth=0.6, gid=f"{sector}:{phase}")
            if phase not in seen:
                seen.append(str(phase))
        for _, ep in mine.iterrows():
            if ep["duration"] >= label_min_months:
                mid = (edges[row_of[int(ep["start"])]] + edges[row_of[int(ep["end"])] + 1]) / 2
                dark = ep["phase"] in (Phase.BANNED.name,)
                ax.text(mid, y, f"{ep['duration']}", ha="center", va="center",
                        fontsize="x-small", color="white" if dark else "black",
                        bbox={"facecolor": "black" if dark else "white",
                              "alpha": 1.0 if dark else 0.7, "linewidth": 0, "pad": 1.0},
                        gid="duration")
    ax.set_yticks(range(len(names)), labels=list(reversed(names)))
    ax.set_ylim(-0.6, len(names) - 0.4)
    if len(edges):
        ax.set_xlim(edges[0], edges[-1])
    if has_dates(series):
        ax.xaxis_date()
    format_time_axis(ax, series)
    order = [p.name for p in (Phase.LOOSE, Phase.CRACKDOWN, Phase.COMPROMISE, Phase.BANNED)]
    handles = [Patch(facecolor=PHASE_COLOURS[p], hatch=PHASE_HATCH[p], edgecolor="white",
                     label=phase_label(p)) for p in order if p in seen]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12 if not
              has_dates(series) else -0.08), ncols=len(handles), frameon=False,
              fontsize="small")
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    return ax
