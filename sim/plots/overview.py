"""One-axes overview of a run: enforcement per sector with phases shaded.

:func:`plot_overview` draws it from a series frame; :func:`write_overview` draws a results
folder's ``overview.png`` (the runner calls it once the folder is finished).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..analysis.frames import PHASE_QUANTITY, col, sectors_of, time_axis, time_edges
from ..experiment.store import (
    ID_COLUMNS,
    OVERVIEW,
    load_run_series,
    read_manifest,
    stored_series_columns,
)
from ..experiment.store.files import atomic_file
from ..model.schema import sector_column, split_column
from ._common import format_time_axis, get_ax, phase_handles, shade_phases
from .style import sector_style

log = logging.getLogger(__name__)

RIBBON_HEIGHT = 0.035
"""Height of each sector's phase ribbon, in axes fraction."""


def plot_overview(series: pd.DataFrame, ax: Axes | None = None, *,
                  sectors: Sequence[str] | None = None, quantity: str = "enforcement",
                  title: str | None = None) -> Axes:
    """Plot a per-sector quantity (default enforcement) over time with phases shaded.

    The background shades the *global* phase (``phase`` column: the most severe sector phase);
    a thin ribbon per sector along the top of the axes shows that sector's own CRACKDOWN,
    COMPROMISE and BANNED months, in the sector's line order (top ribbon = first sector).

    Args:
        series: one run's series frame (schema columns; ``date`` gives a dated axis).
        ax: axes to draw on (default: a new figure).
        sectors: sectors to draw (default: all in the frame).
        quantity: per-sector quantity to draw (a :data:`sim.model.schema.SECTOR_QUANTITIES` name).
        title: axes title (default none).

    Returns:
        The axes.
    """
    ax = get_ax(ax)
    names = list(sectors) if sectors is not None else sectors_of(series)
    x = time_axis(series)
    edges = time_edges(series)
    n = len(names)
    top = 1.0 - RIBBON_HEIGHT * n  # the lines live below the ribbons
    shaded: list[str] = []
    if PHASE_QUANTITY in series.columns:
        shaded += shade_phases(ax, series[PHASE_QUANTITY], edges, ymax=top)
    for i, sector in enumerate(names):
        style = sector_style(i)
        ax.plot(x, series[col(quantity, sector)].to_numpy(dtype=float), label=sector,
                linewidth=1.4, **style)
        y1 = 1.0 - RIBBON_HEIGHT * i
        ax.text(1.005, y1 - RIBBON_HEIGHT * 0.45, sector, transform=ax.transAxes,
                fontsize="x-small", va="center", ha="left", color=style["color"])
        for p in shade_phases(ax, series[col(PHASE_QUANTITY, sector)], edges,
                              ymin=y1 - RIBBON_HEIGHT * 0.85, ymax=y1, alpha=0.85):
            if p not in shaded:
                shaded.append(p)
    values = np.concatenate([series[col(quantity, s)].to_numpy(dtype=float) for s in names]) \
        if names else np.array([0.0, 1.0])
    finite = values[np.isfinite(values)]
    lo = min(0.0, float(finite.min())) if finite.size else 0.0
    hi = max(1.0, float(finite.max())) if finite.size else 1.0
    # leave room above the data for the ribbons
    ax.set_ylim(lo, lo + (hi - lo) / top * 1.02 if top > 0 else hi)
    ax.set_yticks([t for t in ax.get_yticks() if lo <= t <= hi])  # no ticks beside the ribbons
    if len(edges):
        ax.set_xlim(edges[0], edges[-1])
    ax.set_ylabel(quantity.replace("_", " "))
    format_time_axis(ax, series)
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=handles + phase_handles(shaded), loc="center left",
              bbox_to_anchor=(1.09, 0.5), frameon=False, fontsize="small",
              title="sector / phase", title_fontsize="small")
    if title:
        ax.set_title(title)
    return ax


def write_overview(folder: str | Path, run_id: int | None = None) -> Path | None:
    """Write a results folder's ``overview.png``: enforcement per sector, phases shaded, one run.

    The plot reads the folder through :mod:`sim.experiment.store` (only that run's rows) and
    writes its image atomically; storing never calls plotting.

    Args:
        folder: a finished results folder.
        run_id: the run to draw (default: the first run present).

    Returns:
        The image's path, or None when there is nothing to draw or plotting failed
        (logged; a missing plot never fails a run).
    """
    path = Path(folder)
    try:
        columns = stored_series_columns(path)
        if columns is None:
            return None
        sectors = [sector for quantity, sector in map(split_column, columns)
                   if quantity == "phase" and sector is not None
                   and sector_column("enforcement", sector) in columns]
        if not sectors:
            log.warning("no %s: it draws enforcement.<sector> and phase.<sector>, and this "
                        "folder stores no sector with both (add \"enforcement\" and "
                        "\"phase\" to run.series in the scenario to have it)", OVERVIEW)
            return None
        series = load_run_series(path, run_id)
        if series is None:
            return None
        rid, seed = int(series["run_id"].iloc[0]), int(series["seed"].iloc[0])
        one = series.drop(columns=list(ID_COLUMNS)).reset_index(drop=True)
        name = read_manifest(path).get("scenario", {}).get("name", path.parent.name)
        fig = Figure(figsize=(10, 4.5), layout="constrained")
        ax = fig.subplots()
        plot_overview(one, ax=ax, sectors=sectors, title=f"{name}: run {rid} (seed {seed})")
        out = path / OVERVIEW
        with atomic_file(out) as tmp:
            fig.savefig(tmp, format="png", dpi=120)
        return out
    except Exception as exc:  # the plot is a courtesy, not a result
        log.warning("could not draw %s: %s", OVERVIEW, exc)
        return None
