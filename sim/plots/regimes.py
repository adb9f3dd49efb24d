"""The regime map of ``regcycle regimes`` (issue #15): one sector's regime over two parameters.

Each cell of the grid is coloured by the modal regime class of its runs
(:func:`sim.analysis.regimes.cell_table`): a colour scale of the median onset-to-onset period
where the modal class is *recurrent*, a fixed colour for the other classes; its opacity shows
the share of seeds in the modal class (``0.25 + 0.75 × share``: a cell whose seeds all agree is
solid, a split one pale). The categorical colours are Okabe–Ito colours that the period scale
(viridis) does not contain; ``stuck`` takes the crackdown colour and ``ban`` the banned one.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import Normalize, to_rgba
from matplotlib.patches import Patch

from ..analysis.regimes import RegimeClass
from ._common import get_ax
from .style import OKABE_ITO, PHASE_COLOURS

__all__ = ["PERIOD_CMAP", "REGIME_COLOURS", "plot_regime_map", "share_alpha"]

REGIME_COLOURS: dict[str, str] = {
    RegimeClass.NONE.value: "#D9D9D9",  # light grey: nothing happens
    RegimeClass.ONE.value: OKABE_ITO["reddish_purple"],
    RegimeClass.STUCK.value: PHASE_COLOURS["CRACKDOWN"],
    RegimeClass.BAN.value: PHASE_COLOURS["BANNED"],
}
"""Colour of each class but *recurrent*, whose colour is its period (:data:`PERIOD_CMAP`)."""

PERIOD_CMAP = "viridis"
"""Colour scale of the median period of recurrent cells."""

LABELS: dict[str, str] = {
    RegimeClass.NONE.value: "no crackdown",
    RegimeClass.ONE.value: "one crackdown",
    RegimeClass.RECURRENT.value: "recurrent (colour: period)",
    RegimeClass.STUCK.value: "stuck in crackdown",
    RegimeClass.BAN.value: "ban",
}
"""Legend label of each class."""


def share_alpha(share: np.ndarray | float) -> np.ndarray:
    """Opacity of a cell from the share of its seeds in the modal class (NaN: transparent)."""
    s = np.asarray(share, dtype=float)
    return np.where(np.isfinite(s), 0.25 + 0.75 * np.clip(s, 0.0, 1.0), 0.0)


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges around sorted centres: midpoints, half a step beyond each end."""
    if centres.size == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    mid = (centres[1:] + centres[:-1]) / 2.0
    return np.concatenate(([centres[0] - (mid[0] - centres[0])], mid,
                           [centres[-1] + (centres[-1] - mid[-1])]))


def plot_regime_map(cells: pd.DataFrame, *, x: str = "x", y: str = "y",
                    x_label: str | None = None, y_label: str | None = None,
                    title: str | None = None, ax: Axes | None = None,
                    period_range: Sequence[float] | None = None) -> Axes:
    """Draw a regime map from a cell table.

    Args:
        cells: one row per cell with columns ``x``, ``y`` (the parameter values), ``regime``
            (modal class), ``share`` (share of runs in it) and ``period`` (median period of
            the recurrent runs, months), as :func:`sim.analysis.regimes.cell_table` makes.
        x: the column of the horizontal parameter.
        y: the column of the vertical parameter.
        x_label: horizontal axis label (default: ``x``).
        y_label: vertical axis label (default: ``y``).
        title: axes title.
        ax: axes to draw on (default: a new figure).
        period_range: ``(low, high)`` of the period colour scale (default: the periods shown).

    Returns:
        The axes (a colour bar for the period is added beside them when a cell is recurrent).
    """
    ax = get_ax(ax, figsize=(7.5, 5.5))
    xs = np.sort(pd.unique(cells[x].to_numpy(dtype=float)))
    ys = np.sort(pd.unique(cells[y].to_numpy(dtype=float)))
    rgba = np.zeros((ys.size, xs.size, 4))
    ix = np.searchsorted(xs, cells[x].to_numpy(dtype=float))
    iy = np.searchsorted(ys, cells[y].to_numpy(dtype=float))
    regime = cells["regime"].astype(str).to_numpy()
    period = cells["period"].to_numpy(dtype=float)
    cycling = (regime == RegimeClass.RECURRENT.value) & np.isfinite(period)
    cmap = mpl.colormaps[PERIOD_CMAP]
    norm = None
    if cycling.any():
        lo, hi = (period_range if period_range is not None
                  else (float(period[cycling].min()), float(period[cycling].max())))
        norm = Normalize(lo, hi if hi > lo else lo + 1.0)
    alpha = share_alpha(cells["share"].to_numpy(dtype=float))
    for k in range(len(cells)):
        if cycling[k]:
            colour = cmap(norm(period[k]))  # type: ignore[misc]
        elif regime[k] in REGIME_COLOURS:
            colour = to_rgba(REGIME_COLOURS[regime[k]])
        elif regime[k] == RegimeClass.RECURRENT.value:  # recurrent with no period measured
            colour = to_rgba(cmap(0.5))
        else:  # an empty cell (no run finished)
            continue
        rgba[iy[k], ix[k]] = (*colour[:3], alpha[k])
    ax.pcolormesh(_edges(xs), _edges(ys), rgba, shading="flat")
    ax.set_xlim(_edges(xs)[[0, -1]])
    ax.set_ylim(_edges(ys)[[0, -1]])
    ax.set_xlabel(x_label or x)
    ax.set_ylabel(y_label or y)
    if title:
        ax.set_title(title)
    present = [c.value for c in RegimeClass if (regime == c.value).any()]
    handles = [Patch(facecolor=cmap(0.5) if c == RegimeClass.RECURRENT.value
                     else REGIME_COLOURS[c], edgecolor="none", label=LABELS[c])
               for c in present]
    ax.legend(handles=handles, title="modal class (pale: seeds disagree)", fontsize="small",
              title_fontsize="small", loc="upper left", bbox_to_anchor=(0.0, -0.12),
              ncols=min(3, max(1, len(handles))), frameon=False)
    if norm is not None:
        bar = ax.figure.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax)
        bar.set_label("median period of recurrent runs (months)")
    return ax
