"""What the dashboard draws: three small matplotlib figures (enforcement, alarm, markets).

Every function takes a :class:`~sim.app.dashboard.model.DashboardModel` and reads its
:class:`~sim.app.dashboard.model.History` and current state; none imports Solara, so they are
tested and timed without a browser. The figures are built for speed (they are redrawn every
month): fixed margins instead of a layout engine, phases drawn as a few spans, and on the page
(:class:`LiveFigure`) only the data are drawn each month, on the kept pixels of the axes, text
and legend. Colours, line styles and phase colours come from :mod:`sim.plots.style`. The status
panel and the event list are in :mod:`sim.app.dashboard.status`.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FormatStrFormatter, MaxNLocator
from PIL import Image as PILImage

from ...analysis.episodes import phase_runs
from ...model.states import Phase
from ...plots.style import (
    OKABE_ITO,
    PHASE_COLOURS,
    SHADE_ALPHA,
    phase_label,
    sector_style,
)
from .model import DashboardModel
from .months import month_label, years

FIGSIZE: tuple[float, float] = (5.8, 3.8)
"""Size of each figure in inches (fits one cell of SolaraViz's two-column grid)."""

DPI = 84
"""Resolution of the figures' PNG images."""

MARGINS: dict[str, float] = {"left": 0.1, "right": 0.7, "top": 0.9, "bottom": 0.13}
"""Fixed axes position in figure fraction; the legend sits right of the axes."""

RIBBON = 0.045
"""Height of one sector's phase ribbon on the enforcement plot, in axes fraction."""


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _new_figure(title: str) -> tuple[Figure, object]:
    fig = Figure(figsize=FIGSIZE, dpi=DPI)
    ax = fig.add_axes((MARGINS["left"], MARGINS["bottom"],
                       MARGINS["right"] - MARGINS["left"], MARGINS["top"] - MARGINS["bottom"]))
    ax.set_title(title, fontsize="medium", loc="left")
    ax.tick_params(labelsize="small")
    return fig, ax


def _x_end(model: DashboardModel) -> int:
    """Months the x axis spans: the planned run, then whole years beyond it."""
    return max(model.p.run.months, 12 * math.ceil((len(model.history) - 1) / 12))


def _time_axis(ax, model: DashboardModel) -> None:
    """Set the x range (:func:`_x_end`), year ticks and the axis label."""
    ax.set_xlim(years(model, np.array([0]))[0], years(model, np.array([_x_end(model)]))[0])
    ax.set_xlabel("year", fontsize="small")
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.xaxis.set_major_formatter(FormatStrFormatter("%d"))


def _runs(codes: np.ndarray, x_edges: np.ndarray) -> Iterator[tuple[str, float, float]]:
    """``(phase name, x start, width)`` for each run of one sector's phase codes."""
    names = [Phase(int(c)).name for c in codes]
    for name, i0, i1 in phase_runs(names):
        yield name, float(x_edges[i0]), float(x_edges[i1] - x_edges[i0])


def _edges(x: np.ndarray) -> np.ndarray:
    """Edges of the months between rows: row k's phase holds over month k (its last)."""
    return np.append(x[0] - 1.0 / 12.0, x) if len(x) else x


def _shade_global(ax, model: DashboardModel, x: np.ndarray) -> list[Artist]:
    """Shade months when some sector is in crackdown (else compromise) behind the lines."""
    phases = model.history.get("phase", len(model.sector_names))
    out: list[Artist] = []
    live = np.where(phases == int(Phase.BANNED), int(Phase.LOOSE), phases)
    spans: dict[str, list[tuple[float, float]]] = {}
    for name, x0, width in _runs(live.max(axis=1), _edges(x)):
        if name in (Phase.CRACKDOWN.name, Phase.COMPROMISE.name):
            spans.setdefault(name, []).append((x0, width))
    for name, xranges in spans.items():  # one collection per phase (axvspan is slow)
        out.append(ax.broken_barh(xranges, (0.0, 1.0), transform=ax.get_xaxis_transform(),
                                  color=PHASE_COLOURS[name], alpha=SHADE_ALPHA[name],
                                  linewidth=0, zorder=0))
    return out


def _now(ax, x: np.ndarray, y: np.ndarray, color: object) -> list[Artist]:
    """Mark the latest value of a line with a dot (a line of one point is not drawn)."""
    return ax.plot(x[-1:], y[-1:], linestyle="none", marker="o", markersize=3.5, color=color)


def _legend(ax, handles: list, title: str | None = None) -> None:
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False,
              fontsize="x-small", title=title, title_fontsize="x-small", borderaxespad=0.0)


def _phase_patches(names: list[str]) -> list[Patch]:
    return [Patch(facecolor=PHASE_COLOURS[n], alpha=0.85, label=phase_label(n)) for n in names]


# --------------------------------------------------------------------------------------------
# The figures: a static frame (axes, labels, legend) and the data drawn on it
# --------------------------------------------------------------------------------------------
#
# Each figure is a *frame* — everything that stays put from month to month: axes, limits,
# ticks, labels, legend — and its *data*: lines, dots, phase spans and ribbons. The frame
# depends only on a small key (limits that grow in steps, the legend's labels); the page keeps
# the frame's pixels and, month after month, draws only the data on a copy of them
# (:class:`LiveFigure`). Drawing text is what costs; the frame holds all of it.


def _ceil_to(value: float, step: float) -> float:
    return step * math.ceil(value / step - 1e-9)


def _enforcement_key(model: DashboardModel) -> tuple:
    phases = model.history.get("phase", len(model.sector_names))
    seen = tuple(p.name for p in (Phase.CRACKDOWN, Phase.COMPROMISE, Phase.BANNED)
                 if (phases == int(p)).any())
    return (_x_end(model), tuple(model.sector_names),
            tuple(p.name for p in model.current_phases()), seen)


def _enforcement_frame(model: DashboardModel, key: tuple) -> Figure:
    _, names, now, seen = key
    fig, ax = _new_figure("Enforcement (thick) and signal (thin) per sector")
    _time_axis(ax, model)
    handles: list = []
    for i, name in enumerate(names):
        style = sector_style(i)
        ax.text(0.995, 1.0 - RIBBON * i - RIBBON * 0.45, name, transform=ax.transAxes,
                fontsize=6, ha="right", va="center", color=style["color"])
        handles.append(Line2D([], [], linewidth=1.8, label=f"{name}: {phase_label(now[i])}",
                              **style))
    top = 1.0 - RIBBON * len(names)
    ax.set_ylim(0.0, 1.0 / top * 1.02)
    ax.set_yticks([0.0, 0.25, 0.5, 0.75, 1.0])
    ax.set_ylabel("E, L", fontsize="small")
    _legend(ax, handles + _phase_patches(list(seen)), title="sector: phase now")
    return fig


def _enforcement_data(model: DashboardModel, fig: Figure) -> list[Artist]:
    ax = fig.axes[0]
    names = list(model.sector_names)
    x = years(model, model.history.get("months"))
    enforcement = model.history.get("enforcement", len(names))
    signal = model.history.get("signal", len(names))
    phases = model.history.get("phase", len(names))
    edges = _edges(x)
    out: list[Artist] = []
    for i in range(len(names)):
        style = sector_style(i)
        y1 = 1.0 - RIBBON * i
        spans: dict[str, list[tuple[float, float]]] = {}
        for phase, x0, width in _runs(phases[:, i], edges):
            if phase != Phase.LOOSE.name:
                spans.setdefault(phase, []).append((x0, width))
        for phase, xranges in spans.items():
            out.append(ax.broken_barh(xranges, (y1 - RIBBON * 0.85, RIBBON * 0.85),
                                      transform=ax.get_xaxis_transform(),
                                      color=PHASE_COLOURS[phase], alpha=0.85, linewidth=0))
        out += ax.plot(x, signal[:, i], linewidth=0.8, alpha=0.75, **style)
        out += ax.plot(x, enforcement[:, i], linewidth=1.8, **style)
        out += _now(ax, x, enforcement[:, i], style["color"])
    return out + _month_stamp(ax, model)


def _month_stamp(ax, model: DashboardModel) -> list[Artist]:
    """The month shown, small, in a corner.

    From a steady start nothing else need move by a whole pixel in a month, and a page whose
    image did not change would look stalled.
    """
    months = model.history.get("months")
    if not len(months):
        return []
    return [ax.text(0.01, 0.02, month_label(model, int(months[-1])), transform=ax.transAxes,
                    fontsize=6, ha="left", va="bottom", color="0.35")]


def _alarm_top(model: DashboardModel) -> float:
    ratio = model.history.get("alarm_ratio", len(model.sector_names))
    finite = ratio[np.isfinite(ratio)]
    h = model.p.leadership.hard_alarm_multiple
    return _ceil_to(max(h, float(finite.max()) if finite.size else 0.0) * 1.1, 0.25)


def _alarm_key(model: DashboardModel) -> tuple:
    return (_x_end(model), tuple(model.sector_names), model.p.leadership.hard_alarm_multiple,
            _alarm_top(model))


def _alarm_frame(model: DashboardModel, key: tuple) -> Figure:
    _, names, h, top = key
    fig, ax = _new_figure("Alarm against threshold")
    _time_axis(ax, model)
    handles: list = [Line2D([], [], linewidth=1.3, label=name, **sector_style(i))
                     for i, name in enumerate(names)]
    ax.axhline(1.0, color="0.25", linewidth=0.9, linestyle=(0, (4, 2)))
    ax.axhline(h, color="0.25", linewidth=0.9, linestyle=(0, (1, 2)))
    ax.set_ylim(0.0, top)
    ax.set_ylabel("perceived alarm ÷ threshold", fontsize="small")
    handles += [Line2D([], [], color="0.25", linestyle=(0, (4, 2)), label="threshold θ_s"),
                Line2D([], [], color="0.25", linestyle=(0, (1, 2)),
                       label=f"hard threshold ×{h:g}")]
    handles += _phase_patches([Phase.CRACKDOWN.name, Phase.COMPROMISE.name])
    _legend(ax, handles, title="sector / line")
    return fig


def _alarm_data(model: DashboardModel, fig: Figure) -> list[Artist]:
    ax = fig.axes[0]
    x = years(model, model.history.get("months"))
    ratio = model.history.get("alarm_ratio", len(model.sector_names))
    out = _shade_global(ax, model, x)
    for i in range(len(model.sector_names)):
        style = sector_style(i)
        out += ax.plot(x, ratio[:, i], linewidth=1.3, **style)
        out += _now(ax, x, ratio[:, i], style["color"])
    return out + _month_stamp(ax, model)


def _markets_key(model: DashboardModel) -> tuple:
    valuation = model.history.get("valuation")
    pains = np.concatenate([model.history.get("pain"), model.history.get("perceived_pain")])
    theta_p = model.p.leadership.theta_pain
    return (_x_end(model), theta_p,
            _ceil_to(max(120.0, float(valuation.max()) * 1.05), 50.0),
            _ceil_to(max(theta_p * 1.3, float(pains.max()) * 1.05), 0.1))


def _markets_frame(model: DashboardModel, key: tuple) -> Figure:
    _, theta_p, value_top, pain_top = key
    fig, ax = _new_figure("Valuation and pain")
    _time_axis(ax, model)
    blue, red = OKABE_ITO["blue"], OKABE_ITO["vermillion"]
    ax.set_ylabel("valuation index", color=blue, fontsize="small")
    ax.set_ylim(0.0, value_top)
    twin = ax.twinx()
    twin.tick_params(labelsize="small")
    twin.axhline(theta_p, color=red, linewidth=0.9, linestyle=(0, (1, 2)))
    twin.set_ylim(0.0, pain_top)
    twin.set_ylabel("pain", color=red, fontsize="small")
    twin.set_xlim(ax.get_xlim())
    handles = [Line2D([], [], color=blue, linewidth=1.6, label="valuation index"),
               Line2D([], [], color=red, linewidth=0.9, linestyle="--", label="pain"),
               Line2D([], [], color=red, linewidth=1.6, label="perceived pain"),
               Line2D([], [], color=red, linewidth=0.9, linestyle=(0, (1, 2)),
                      label=f"θ_P = {theta_p:g}")]
    handles += _phase_patches([Phase.CRACKDOWN.name, Phase.COMPROMISE.name])
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.16, 1.0), frameon=False,
              fontsize="x-small", borderaxespad=0.0)
    return fig


def _markets_data(model: DashboardModel, fig: Figure) -> list[Artist]:
    ax, twin = fig.axes[0], fig.axes[1]
    blue, red = OKABE_ITO["blue"], OKABE_ITO["vermillion"]
    x = years(model, model.history.get("months"))
    valuation = model.history.get("valuation")
    perceived = model.history.get("perceived_pain")
    out = _shade_global(ax, model, x)
    out += ax.plot(x, valuation, color=blue, linewidth=1.6)
    out += _now(ax, x, valuation, blue)
    out += twin.plot(x, model.history.get("pain"), color=red, linewidth=0.9, linestyle="--")
    out += twin.plot(x, perceived, color=red, linewidth=1.6)
    out += _now(twin, x, perceived, red)
    return out + _month_stamp(ax, model)


@dataclass(frozen=True, slots=True)
class FigureSpec:
    """How to draw one figure: the key of its frame, the frame, and the data on it."""

    key: Callable[[DashboardModel], tuple]
    frame: Callable[[DashboardModel, tuple], Figure]
    data: Callable[[DashboardModel, Figure], list[Artist]]

    def figure(self, model: DashboardModel) -> Figure:
        """The whole figure as a new matplotlib Figure (for tests, notebooks and files)."""
        fig = self.frame(model, self.key(model))
        self.data(model, fig)
        return fig


SPECS: dict[str, FigureSpec] = {
    "enforcement": FigureSpec(_enforcement_key, _enforcement_frame, _enforcement_data),
    "alarm": FigureSpec(_alarm_key, _alarm_frame, _alarm_data),
    "markets": FigureSpec(_markets_key, _markets_frame, _markets_data),
}
"""The page's figures by name, in display order."""


def enforcement_figure(model: DashboardModel) -> Figure:
    """Enforcement (thick) and leadership signal (thin) per sector, with phase ribbons.

    Each sector has a ribbon along the top of the axes coloured by its phase month by month;
    the legend names every sector with its phase now.
    """
    return SPECS["enforcement"].figure(model)


def alarm_figure(model: DashboardModel) -> Figure:
    """Perceived alarm ÷ effective threshold per sector, with threshold and hard threshold.

    Above 1 a trigger (a big scandal, defiance, a foreign listing) starts a crackdown; above
    h_A (``leadership.hard_alarm_multiple``) no trigger is needed.
    """
    return SPECS["alarm"].figure(model)


def markets_figure(model: DashboardModel) -> Figure:
    """Valuation index (left axis) and economic pain, true and perceived, against θ_P."""
    return SPECS["markets"].figure(model)


FIGURES: dict[str, Callable[[DashboardModel], Figure]] = {
    "enforcement": enforcement_figure,
    "alarm": alarm_figure,
    "markets": markets_figure,
}
"""Functions drawing each whole figure, by name."""


class LiveFigure:
    """One figure of one model, redrawn month after month at the cost of its data only.

    The frame is drawn (text and all) when its key changes — a new limit, a phase in the
    legend — and its pixels kept; each month the data are drawn on a copy of those pixels and
    encoded as PNG.
    """

    def __init__(self, spec: FigureSpec):
        self.spec = spec
        self._key: tuple | None = None
        self._fig: Figure | None = None
        self._background: object = None

    def png(self, model: DashboardModel) -> bytes:
        """The figure of ``model`` now, as PNG bytes."""
        key = self.spec.key(model)
        if key != self._key or self._fig is None:
            fig = self.spec.frame(model, key)
            canvas = FigureCanvasAgg(fig)
            canvas.draw()
            self._fig, self._key = fig, key
            self._background = canvas.copy_from_bbox(fig.bbox)
        else:
            fig = self._fig
            fig.canvas.restore_region(self._background)
        artists = self.spec.data(model, fig)
        for artist in artists:
            artist.axes.draw_artist(artist)
        for artist in artists:
            artist.remove()
        width, height = fig.canvas.get_width_height()
        image = PILImage.frombuffer("RGBA", (width, height), fig.canvas.buffer_rgba(), "raw",
                                    "RGBA", 0, 1)
        buf = io.BytesIO()
        image.save(buf, format="png", compress_level=1)
        return buf.getvalue()


def png(fig: Figure) -> bytes:
    """A whole figure as PNG bytes (see :class:`LiveFigure` for the page's faster path)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


__all__ = [
    "DPI",
    "FIGSIZE",
    "FIGURES",
    "MARGINS",
    "RIBBON",
    "SPECS",
    "FigureSpec",
    "LiveFigure",
    "alarm_figure",
    "enforcement_figure",
    "markets_figure",
    "png",
]
