"""The pendulum panels of one run: four stacked panels sharing the time axis (a static figure).

Enforcement and signal, alarm against thresholds, valuation and pain, aggressiveness and harm:
``regcycle plot --kind panels``. Not to be confused with the interactive dashboard of
:mod:`sim.app.dashboard` (``regcycle dashboard``).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from ..analysis.frames import PHASE_QUANTITY, col, sectors_of, time_axis, time_edges
from ..model.params import LeadershipParams
from ..model.states import EventKind
from ._common import format_time_axis, shade_phases
from .overview import plot_overview
from .style import EVENT_STYLE, OKABE_ITO, sector_style

PANELS: tuple[str, ...] = ("enforcement", "alarm", "valuation", "harm")
"""The panels of :func:`plot_panels`, top to bottom."""

ALARM_EVENTS: tuple[str, ...] = (EventKind.SCANDAL.value, EventKind.DEFIANCE.value,
                                 EventKind.FOREIGN_LISTING.value)
"""Event kinds marked on the alarm panel (they raise a sector's alarm)."""


def _default_hard_multiple() -> float:
    return float(LeadershipParams().hard_alarm_multiple)


def plot_panels(series: pd.DataFrame, events: pd.DataFrame | None = None,
                axes: Sequence[Axes] | None = None, *, sectors: Sequence[str] | None = None,
                hard_multiple: float | None = None, normalise_alarm: bool = True,
                title: str | None = None) -> np.ndarray:
    """Draw the pendulum panels of one run.

    Panels, sharing the time axis (global phase shaded behind each):

    1. enforcement (thick) and leadership signal (thin) per sector, with each sector's phase
       ribbon along the top (see :func:`plot_overview`); sector bans as vertical lines;
    2. perceived alarm per sector with its thresholds: by default divided by the sector's
       effective threshold, so the threshold is the line at 1 and the hard threshold the line
       at ``hard_multiple``; scandals (size ∝ magnitude), defiance and foreign listings are
       marked at the month and alarm level where they happened;
    3. valuation index (left axis) and pain, true and perceived (right axis);
    4. mean aggressiveness per sector (left axis) and total harm (right axis, shaded).

    Args:
        series: one run's series frame.
        events: its event log (``None``: no event markers).
        axes: four axes to draw on (default: a new 4-row figure with a shared x axis).
        sectors: sectors to draw (default: all).
        hard_multiple: ``leadership.hard_alarm_multiple`` of the run (default: the parameter's
            default).
        normalise_alarm: plot alarm / threshold (True) or raw alarm with per-sector
            threshold lines (False).
        title: figure title.

    Returns:
        The four axes (a numpy array), top to bottom. The right-hand axes of panels 3 (pain) and
        4 (harm) are found with :func:`twin_of`.
    """
    if axes is None:
        fig, axes = plt.subplots(4, 1, figsize=(10, 10), sharex=True, layout="constrained",
                                 height_ratios=(1.4, 1, 1, 1))
    else:
        fig = axes[0].figure
    axes = np.asarray(axes, dtype=object)
    names = list(sectors) if sectors is not None else sectors_of(series)
    h = _default_hard_multiple() if hard_multiple is None else float(hard_multiple)
    x = time_axis(series)
    edges = time_edges(series)

    ax_e, ax_a, ax_v, ax_h = axes
    plot_overview(series, ax=ax_e, sectors=names)
    for i, s in enumerate(names):
        ax_e.plot(x, series[col("signal", s)].to_numpy(dtype=float), linewidth=0.8, alpha=0.7,
                  label="_signal", gid=f"signal:{s}", **sector_style(i))
    _add_signal_note(ax_e)
    _mark_bans(axes, series, events, names, x)

    for ax in axes[1:]:
        if PHASE_QUANTITY in series.columns:
            shade_phases(ax, series[PHASE_QUANTITY], edges)
    _alarm_panel(ax_a, series, events, names, x, h, normalise_alarm)
    _valuation_panel(ax_v, series, x)
    _harm_panel(ax_h, series, names, x)
    for ax in axes:
        if len(edges):
            ax.set_xlim(edges[0], edges[-1])
    for ax in axes[:-1]:
        ax.set_xlabel("")
    format_time_axis(axes[-1], series)
    if title:
        fig.suptitle(title)
    return axes


def twin_of(ax: Axes) -> Axes | None:
    """The right-hand twin axes a panel of :func:`plot_panels` drew (pain, harm), or None."""
    for other in ax.figure.axes:
        if other is not ax and other.get_gid() == "twin" \
                and other.get_position().bounds == ax.get_position().bounds:
            return other
    return None


def _add_signal_note(ax: Axes) -> None:
    legend = ax.get_legend()
    handles = list(legend.legend_handles) if legend else []
    labels = [t.get_text() for t in legend.get_texts()] if legend else []
    handles.append(Line2D([], [], color="0.3", linewidth=0.8, alpha=0.7))
    labels.append("thin: signal")
    ax.legend(handles, labels, loc="center left", bbox_to_anchor=(1.09, 0.5), frameon=False,
              fontsize="small", title="sector / phase", title_fontsize="small")


def _month_index(series: pd.DataFrame) -> dict[int, int]:
    m = series["month"].to_numpy() if "month" in series.columns else np.arange(len(series))
    return {int(v): i for i, v in enumerate(m)}


def _mark_bans(axes: np.ndarray, series: pd.DataFrame, events: pd.DataFrame | None,
               names: list[str], x: np.ndarray) -> None:
    if events is None or len(events) == 0:
        return
    where = _month_index(series)
    bans = events.loc[events["kind"].astype(str) == EventKind.SECTOR_BAN.value]
    style = EVENT_STYLE[EventKind.SECTOR_BAN.value]
    for _, ev in bans.iterrows():
        i = where.get(int(ev["month"]))
        if i is None:
            continue
        for ax in axes:
            ax.axvline(x[i], color=style["color"], linestyle="--", linewidth=0.9,
                       gid=f"ban:{ev['sector']}")
        axes[0].annotate(f"{ev['sector']} banned", (x[i], 0.02), xycoords=("data", "axes fraction"),
                         xytext=(3, 0), textcoords="offset points", fontsize="x-small",
                         rotation=90, va="bottom")


def _alarm_panel(ax: Axes, series: pd.DataFrame, events: pd.DataFrame | None, names: list[str],
                 x: np.ndarray, h: float, normalise: bool) -> None:
    values: dict[str, np.ndarray] = {}
    for i, s in enumerate(names):
        alarm = series[col("perceived_alarm", s)].to_numpy(dtype=float)
        thr = series[col("threshold", s)].to_numpy(dtype=float)
        style = sector_style(i)
        if normalise:
            with np.errstate(divide="ignore", invalid="ignore"):
                values[s] = np.where(thr > 0, alarm / thr, np.nan)
        else:
            values[s] = alarm
            ax.plot(x, thr, linewidth=0.7, color=style["color"], linestyle=(0, (4, 2)),
                    gid=f"threshold:{s}")
            ax.plot(x, h * thr, linewidth=0.7, color=style["color"], linestyle=(0, (1, 2)),
                    gid=f"hard_threshold:{s}")
        ax.plot(x, values[s], label=s, linewidth=1.2, gid=f"alarm:{s}", **style)
    if normalise:
        ax.axhline(1.0, color="0.25", linewidth=0.9, linestyle=(0, (4, 2)), gid="threshold")
        ax.axhline(h, color="0.25", linewidth=0.9, linestyle=(0, (1, 2)), gid="hard_threshold")
        ax.set_ylabel("perceived alarm\n/ threshold")
    else:
        ax.set_ylabel("perceived alarm")
    handles = [Line2D([], [], color="0.25", linestyle=(0, (4, 2)), label="threshold"),
               Line2D([], [], color="0.25", linestyle=(0, (1, 2)),
                      label=f"hard threshold (×{h:g})")]
    handles += _mark_alarm_events(ax, series, events, names, x, values)
    ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.09, 0.5), frameon=False,
              fontsize="small", title="alarm", title_fontsize="small")
    top = np.nanmax([np.nanmax(v) if np.isfinite(v).any() else 0.0 for v in values.values()]
                    + [h if normalise else 0.0])
    ax.set_ylim(0, top * 1.12 if top > 0 else 1.0)


def _mark_alarm_events(ax: Axes, series: pd.DataFrame, events: pd.DataFrame | None,
                       names: list[str], x: np.ndarray,
                       values: dict[str, np.ndarray]) -> list[Line2D]:
    if events is None or len(events) == 0:
        return []
    where = _month_index(series)
    handles = []
    for kind in ALARM_EVENTS:
        rows = events.loc[(events["kind"].astype(str) == kind)
                          & events["sector"].astype(str).isin(names)]
        if len(rows) == 0:
            continue
        idx = [where.get(int(m)) for m in rows["month"]]
        keep = [j for j, i in enumerate(idx) if i is not None]
        rows = rows.iloc[keep]
        idx = [idx[j] for j in keep]
        xs = x[idx]
        ys = np.array([values[str(s)][i] for s, i in zip(rows["sector"], idx, strict=True)])
        colours = [sector_style(names.index(str(s)))["color"] for s in rows["sector"]]
        style = EVENT_STYLE[kind]
        if kind == EventKind.SCANDAL.value:
            sizes = 12 + 10 * np.clip(rows["magnitude"].to_numpy(dtype=float), 0, 30)
        else:
            sizes = np.full(len(rows), 150.0 if kind == EventKind.DEFIANCE.value else 70.0)
        ax.scatter(xs, ys, s=sizes, marker=style["marker"], c=colours, edgecolors="black",
                   linewidths=0.6, zorder=5, gid=f"events:{kind}")
        label = style["label"] + (" (size ∝ magnitude)" if kind == EventKind.SCANDAL.value
                                  else "")
        handles.append(Line2D([], [], linestyle="", marker=style["marker"], markersize=7,
                              markerfacecolor="white", markeredgecolor="black", label=label))
    return handles


def _twin(ax: Axes) -> Axes:
    twin = ax.twinx()
    twin.set_gid("twin")
    return twin


def _valuation_panel(ax: Axes, series: pd.DataFrame, x: np.ndarray) -> None:
    ax.plot(x, series["valuation_index"].to_numpy(dtype=float), color=OKABE_ITO["blue"],
            linewidth=1.5, label="valuation index")
    ax.set_ylabel("valuation index")
    ax.set_ylim(bottom=0)
    twin = _twin(ax)
    twin.plot(x, series["pain"].to_numpy(dtype=float), color=OKABE_ITO["vermillion"],
              linewidth=1.0, linestyle="--", label="pain")
    twin.plot(x, series["perceived_pain"].to_numpy(dtype=float), color=OKABE_ITO["vermillion"],
              linewidth=1.6, linestyle="-", label="perceived pain")
    twin.set_ylabel("pain", color=OKABE_ITO["vermillion"])
    twin.set_ylim(bottom=0)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = twin.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="center left", bbox_to_anchor=(1.09, 0.5), frameon=False,
              fontsize="small")


def _harm_panel(ax: Axes, series: pd.DataFrame, names: list[str], x: np.ndarray) -> None:
    for i, s in enumerate(names):
        ax.plot(x, series[col("aggressiveness", s)].to_numpy(dtype=float), label=s,
                linewidth=1.2, **sector_style(i))
    ax.set_ylabel("aggressiveness")
    ax.set_ylim(0, 1.02)
    twin = _twin(ax)
    harm = series[[col("harm", s) for s in names]].to_numpy(dtype=float).sum(axis=1) \
        if names else np.zeros(len(series))
    twin.fill_between(x, 0, harm, color="0.5", alpha=0.25, linewidth=0, label="total harm",
                      step="post", gid="harm")
    twin.set_ylabel("total harm", color="0.35")
    twin.set_ylim(bottom=0)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = twin.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="center left", bbox_to_anchor=(1.09, 0.5), frameon=False,
              fontsize="small")
    ax.set_zorder(twin.get_zorder() + 1)  # lines above the harm area
    ax.patch.set_visible(False)


__all__ = ["PANELS", "plot_panels", "twin_of"]
