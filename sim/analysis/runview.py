"""One run's series and event log as numpy arrays, read once: what the cycle metrics compute on.

:func:`sim.analysis.summary.summarize_run` and :func:`sim.analysis.metrics.crackdowns` used to
select pandas columns and filter the event log per sector and per episode (a few hundred pandas
operations a run, about 0.1 s); a :class:`RunView` takes each column out of the frames once
(cached) and the episodes and crackdown rows are computed on arrays. The numbers are those of
the frame-based formulas, operation for operation (the tests compare them bit for bit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from ..model.states import EventKind, Phase
from .frames import PHASE_QUANTITY, col, months, sectors_of

__all__ = [
    "Episode",
    "RunView",
    "complete_cycles_of",
    "crackdown_rows",
    "crossing_time",
    "drawdown",
    "jaccard",
    "onset_periods_of",
    "rise_time",
    "sector_episode_list",
    "synchrony_of",
]

CRACKDOWN = Phase.CRACKDOWN.name
COMPROMISE = Phase.COMPROMISE.name
LOOSE = Phase.LOOSE.name


@dataclass(frozen=True, slots=True)
class Episode:
    """A maximal block of months of one phase in one sector (as a row of ``episodes``)."""

    sector: str
    episode: int
    phase: str
    start: int
    end: int
    duration: int
    left_censored: bool
    right_censored: bool

    @property
    def complete(self) -> bool:
        """Neither left- nor right-censored."""
        return not (self.left_censored or self.right_censored)


def _names(column: pd.Series) -> np.ndarray:
    """A column's values as ``astype(str).to_numpy()`` gives them (object array of str).

    A categorical column with string categories and no missing value is read through its
    codes (each category turned to text once), not value by value.
    """
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype) and pd.api.types.is_string_dtype(
            dtype.categories.dtype):
        codes = column.cat.codes.to_numpy()
        if not (codes < 0).any():
            names = np.array([str(c) for c in dtype.categories], dtype=object)
            return names[codes]
    return column.astype(str).to_numpy(dtype=object)


def sector_episode_list(phases: np.ndarray, m: np.ndarray, sector: str) -> list[Episode]:
    """One sector's episodes (the rows of :func:`sim.analysis.episodes.sector_episodes`)."""
    n = len(phases)
    if n == 0:
        return []
    cuts = np.flatnonzero(phases[1:] != phases[:-1]) + 1
    starts = np.concatenate(([0], cuts))
    stops = np.concatenate((cuts, [n]))
    out = []
    for k, (i0, i1) in enumerate(zip(starts.tolist(), stops.tolist(), strict=True)):
        start, end = int(m[i0]), int(m[i1 - 1])
        out.append(Episode(sector, k, str(phases[i0]), start, end, end - start + 1, i0 == 0,
                           i1 == len(m)))
    return out


class RunView:
    """Columns of one run's series and event log, each taken out of its frame once.

    Args:
        series: one run's series frame (schema columns).
        events: its event log, or None.
    """

    def __init__(self, series: pd.DataFrame, events: pd.DataFrame | None):
        self.series = series
        self.events = events
        self.columns = set(series.columns)
        self.sectors = sectors_of(series)
        self.m = months(series)
        self.n = len(series)
        self.idx_of = {int(v): i for i, v in enumerate(self.m)}
        self._floats: dict[str, np.ndarray] = {}
        self._phases: dict[str, np.ndarray] = {}
        self._episodes: dict[str, list[Episode]] = {}
        self._events: dict[str, np.ndarray] | None = None
        self._masks: dict[tuple[str, str | None], np.ndarray] = {}

    def floats(self, name: str) -> np.ndarray:
        """A series column as float64 (``to_numpy(dtype=float)``)."""
        out = self._floats.get(name)
        if out is None:
            out = self._floats[name] = self.series[name].to_numpy(dtype=float)
        return out

    def phases(self, sector: str) -> np.ndarray:
        """A sector's phase names (``astype(str)``)."""
        out = self._phases.get(sector)
        if out is None:
            out = self._phases[sector] = _names(self.series[col(PHASE_QUANTITY, sector)])
        return out

    def episodes(self, sector: str) -> list[Episode]:
        """A sector's episodes."""
        out = self._episodes.get(sector)
        if out is None:
            out = self._episodes[sector] = sector_episode_list(
                np.asarray(self.phases(sector), dtype=object), self.m, sector)
        return out

    def event_arrays(self) -> dict[str, np.ndarray]:
        """The event log's ``kind``, ``sector``, ``detail`` (str), ``month``, ``magnitude``."""
        if self._events is None:
            ev = self.events
            if ev is None or len(ev) == 0:
                self._events = {k: np.array([], dtype=object)
                                for k in ("kind", "sector", "detail")}
                self._events |= {"month": np.array([], dtype=float),
                                 "magnitude": np.array([], dtype=float)}
            else:
                self._events = {k: _names(ev[k]) for k in ("kind", "sector", "detail")}
                self._events["month"] = ev["month"].to_numpy()
                self._events["magnitude"] = ev["magnitude"].to_numpy(dtype=float)
        return self._events

    def event_mask(self, kind: str, sector: str | None = None) -> np.ndarray:
        """Rows of one kind (in one sector) of the event log."""
        key = (kind, sector)
        mask = self._masks.get(key)
        if mask is None:
            ev = self.event_arrays()
            if sector is None:
                mask = ev["kind"] == kind
            else:
                mask = self.event_mask(kind) & (ev["sector"] == sector)
            self._masks[key] = mask
        return mask


def crossing_time(t: np.ndarray, y: np.ndarray, level: float) -> float:
    """First time a series reaches ``level`` from below, linearly interpolated.

    Args:
        t: times (increasing).
        y: values at those times.
        level: the level to reach.

    Returns:
        The interpolated time of the first ``y >= level``; ``t[0]`` if ``y[0]`` already is;
        NaN if never.
    """
    above = np.flatnonzero(np.asarray(y) >= level)
    if above.size == 0:
        return float("nan")
    i = int(above[0])
    if i == 0:
        return float(t[0])
    y0, y1 = float(y[i - 1]), float(y[i])
    return float(t[i - 1] + (level - y0) / (y1 - y0) * (t[i] - t[i - 1]))


def rise_time(t: np.ndarray, y: np.ndarray, lo: float = 0.1, hi: float = 0.9) -> float:
    """Time from ``lo`` to ``hi`` of a rise from ``y[0]`` to ``max(y)`` (10-90 % rise time).

    Args:
        t: times (increasing).
        y: values, starting at the base of the rise.
        lo: lower fraction of the rise.
        hi: upper fraction of the rise.

    Returns:
        ``t_hi - t_lo`` in the units of ``t``; NaN if there is no rise.
    """
    y = np.asarray(y, dtype=float)
    if y.size < 2:
        return float("nan")
    base = y[0]
    top = float(np.nanmax(y))
    if not top > base:
        return float("nan")
    stop = int(np.nanargmax(y)) + 1
    t_lo = crossing_time(t[:stop], y[:stop], base + lo * (top - base))
    t_hi = crossing_time(t[:stop], y[:stop], base + hi * (top - base))
    return t_hi - t_lo


def drawdown(before: np.ndarray, after: np.ndarray) -> float:
    """Peak-to-trough fall: ``1 - min(after) / max(before)`` (NaN if the peak is not positive)."""
    if len(before) == 0 or len(after) == 0:
        return float("nan")
    peak = float(np.nanmax(before))
    if not peak > 0:
        return float("nan")
    return 1.0 - float(np.nanmin(after)) / peak


def _nanmean(x: Sequence[float] | np.ndarray | pd.Series) -> float:
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    return float(np.mean(x)) if x.size else float("nan")


def crackdown_rows(view: RunView, window: int) -> list[dict[str, Any]]:
    """Every crackdown of every sector, as the rows of :func:`sim.analysis.metrics.crackdowns`."""
    rows: list[dict[str, Any]] = []
    m, idx_of, n = view.m, view.idx_of, view.n
    have_events = view.events is not None
    ev = view.event_arrays()
    for sector in view.sectors:
        eps = view.episodes(sector)
        if not any(ep.phase == CRACKDOWN for ep in eps):
            continue
        enf = view.floats(col("enforcement", sector))
        harm = view.floats(col("harm", sector))
        floor = view.floats(col("floor", sector))
        fines_col = view.floats(col("fines", sector))
        sanction_months = ev["month"][view.event_mask(EventKind.SANCTION.value, sector)]
        change = view.event_mask(EventKind.PHASE_CHANGE.value, sector)
        change_months = ev["month"][change]
        change_detail = ev["detail"][change]
        for k, ep in enumerate(eps):
            if ep.phase != CRACKDOWN:
                continue
            i0, i1 = idx_of[ep.start], idx_of[ep.end]
            nxt = eps[k + 1] if k + 1 < len(eps) else None
            next_phase = None if nxt is None else nxt.phase
            ic = idx_of[nxt.end] if nxt is not None and next_phase == COMPROMISE else i1
            prev = eps[k - 1] if k > 0 else None
            if prev is not None:
                trough = float(np.nanmin(enf[idx_of[prev.start]: i0]))
            else:
                trough = float(enf[i0])
            ip = i0 + int(np.nanargmax(enf[i0: ic + 1]))
            peak = float(enf[ip])
            base = i0 - 1 if i0 > 0 else i0
            sharp = rise_time(m[base: ip + 1], enf[base: ip + 1])
            onset = ep.start
            trigger = float(onset)
            if change_months.size:
                hit = change_months[(change_detail == CRACKDOWN) & (change_months >= onset - 1)
                                    & (change_months <= onset)]
                if hit.size:
                    trigger = float(hit.min())
            lag = float("nan")
            if have_events:
                later = sanction_months[(sanction_months >= trigger)
                                        & (sanction_months <= float(m[ic]))]
                if later.size:
                    lag = float(later.min()) - trigger
            pre = slice(max(0, i0 - window), i0)
            cyc = slice(i0, ic + 1)

            def drawdown_of(name: str, i0: int = i0, cyc: slice = cyc) -> float:
                if name not in view.columns:
                    return float("nan")
                v = view.floats(name)
                return drawdown(v[max(0, i0 - window): i0 + 1], v[cyc])

            after = slice(i1 + 1, min(n, i1 + 1 + window))
            comp_start = nxt.start if nxt is not None and next_phase == COMPROMISE else None
            rise = enf[base: ip + 1]
            reached = np.flatnonzero(rise >= rise[0] + 0.9 * (peak - rise[0])) \
                if peak > rise[0] else np.array([ip - base])
            i90 = base + int(reached[0])
            pain = float("nan")
            if comp_start is not None and "perceived_pain" in view.columns:
                pain = float(view.floats("perceived_pain")[idx_of[comp_start]])
            fines = fines_col[i0: i1 + 1].sum()
            rows.append({
                "sector": sector,
                "onset": onset,
                "end": ep.end,
                "duration": ep.duration,
                "left_censored": ep.left_censored,
                "right_censored": ep.right_censored,
                "next_phase": next_phase,
                "cycle_end": int(m[ic]),
                "trigger": trigger,
                "trough_enforcement": trough,
                "peak_enforcement": peak,
                "peak_month": int(m[ip]),
                "amplitude": peak - trough,
                "onset_sharpness": sharp,
                "trigger_to_sanction": lag,
                "peak_to_compromise": float(comp_start - m[i90]) if comp_start is not None
                else float("nan"),
                "pain_at_exit": pain,
                "drawdown_sector": drawdown_of(col("valuation", sector)),
                "drawdown_index": drawdown_of("valuation_index"),
                "harm_before": _nanmean(harm[pre]),
                "harm_after": _nanmean(harm[after]),
                "floor_before": float(floor[base]),
                "floor_after": float(floor[ic]),
                "fines": float(fines),
            })
    return rows


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Overlap of two boolean month masks: |a ∧ b| / |a ∨ b| (NaN if both are empty)."""
    union = np.logical_or(a, b).sum()
    if union == 0:
        return float("nan")
    return float(np.logical_and(a, b).sum() / union)


def onset_periods_of(view: RunView, names: Sequence[str]) -> np.ndarray:
    """As :func:`sim.analysis.metrics.onset_periods`, from a run's episodes."""
    out: list[float] = []
    for s in names:
        starts = np.array([ep.start for ep in view.episodes(s)
                           if ep.phase == CRACKDOWN and not ep.left_censored], dtype=float)
        out += np.diff(starts).tolist()
    return np.asarray(out, dtype=float)


def complete_cycles_of(view: RunView, names: Sequence[str]) -> int:
    """As :func:`sim.analysis.metrics.complete_cycles`, from a run's episodes."""
    count = 0
    for s in names:
        eps = view.episodes(s)
        for i in range(len(eps) - 2):
            if [ep.phase for ep in eps[i: i + 3]] == [CRACKDOWN, COMPROMISE, LOOSE] \
                    and not eps[i].left_censored:
                count += 1
    return count


def synchrony_of(view: RunView, names: Sequence[str], live: Sequence[str]
                 ) -> dict[str, float]:
    """As :func:`sim.analysis.metrics.synchrony` (each sector's Hilbert phase computed once)."""
    from scipy import signal

    masks = {s: view.phases(s) == CRACKDOWN for s in names}
    overlaps = [jaccard(masks[a], masks[b]) for a, b in combinations(names, 2)]
    angles: dict[str, np.ndarray | None] = {}
    for s in live:
        a = view.floats(col("enforcement", s))
        angles[s] = None if np.ptp(a) == 0 else np.angle(signal.hilbert(a - a.mean()))
    plvs = []
    for a, b in combinations(live, 2):
        pa, pb = angles[a], angles[b]
        plvs.append(float("nan") if pa is None or pb is None
                    else float(np.abs(np.mean(np.exp(1j * (pa - pb))))))
    return {"overlap": _nanmean(overlaps), "plv": _nanmean(plvs)}
