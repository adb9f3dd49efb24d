"""Cycle metrics of one run: per crackdown episode and per run (pure functions over frames).

Every function takes a series frame (and optionally an event log) following :mod:`sim.model.schema`
and returns numbers; nothing here needs the model. Conventions:

* months are the series' ``month`` numbers (row index if absent); windows are inclusive;
* a crackdown's *cycle* runs from its onset to the last month of the COMPROMISE that follows it
  (or to the crackdown's last month when no compromise follows: a ban, or the end of the run);
* a metric that cannot be measured (no such episode, no events, a censored window) is NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np
import pandas as pd

from ..model.states import EventKind, Phase
from .episodes import sector_episodes
from .frames import PHASE_QUANTITY, col, months, sectors_of

CRACKDOWN = Phase.CRACKDOWN.name
COMPROMISE = Phase.COMPROMISE.name
LOOSE = Phase.LOOSE.name
BANNED = Phase.BANNED.name

MIN_SPECTRUM_LENGTH = 8
"""Shortest series (months) whose dominant period is measured."""

DEFAULT_WINDOW = 12
"""Months before onset (and after a crackdown) over which 'before' and 'after' are measured."""

CRACKDOWN_COLUMNS: tuple[str, ...] = (
    "sector", "onset", "end", "duration", "left_censored", "right_censored", "next_phase",
    "cycle_end", "trigger", "trough_enforcement", "peak_enforcement", "peak_month", "amplitude",
    "onset_sharpness", "trigger_to_sanction", "peak_to_compromise", "pain_at_exit",
    "drawdown_sector", "drawdown_index", "harm_before", "harm_after", "floor_before",
    "floor_after", "fines",
)
"""Columns of :func:`crackdowns` frames."""


# ----------------------------------------------------------------------------------------------
# Small pure building blocks
# ----------------------------------------------------------------------------------------------


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


def coefficient_of_variation(x: Sequence[float] | np.ndarray) -> float:
    """Sample standard deviation (ddof 1) over the mean; NaN with fewer than two values."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if x.size < 2 or x.mean() == 0:
        return float("nan")
    return float(x.std(ddof=1) / x.mean())


def dominant_period(x: Sequence[float] | np.ndarray | list[np.ndarray]) -> float:
    """Period (in samples) of the highest peak of the periodogram, zero frequency excluded.

    Each series is linearly detrended (a run-long drift is not a cycle) and zero-padded to four
    times its length, so the frequency grid is ``k / 4N``: with a 240-month run the period is
    read to within a few months for periods up to about 120 months. A cycle longer than the run
    cannot be measured and shows as the run's length or more.

    Args:
        x: one series, or several series of equal length whose periodograms are summed.

    Returns:
        ``1 / f`` at the largest power; NaN for constant series or series shorter than
        :data:`MIN_SPECTRUM_LENGTH`.
    """
    from scipy import signal  # imported here: scipy.signal takes seconds to import

    arrays = [np.asarray(x, dtype=float)] if np.ndim(x[0]) == 0 else \
        [np.asarray(a, dtype=float) for a in x]
    if arrays[0].size < MIN_SPECTRUM_LENGTH:
        return float("nan")
    power = None
    for a in arrays:
        f, p = signal.periodogram(a, fs=1.0, detrend="linear", nfft=4 * a.size,
                                  scaling="spectrum")
        power = p if power is None else power + p
    f, power = f[1:], power[1:]
    if power.size == 0 or not np.nanmax(power) > 1e-15:
        return float("nan")
    return float(1.0 / f[int(np.nanargmax(power))])


def phase_locking(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Phase-locking value of two series from the Hilbert transform.

    Each series is demeaned; its instantaneous phase is the angle of its analytic signal.
    PLV = |mean over time of exp(i (φ_a − φ_b))|: 1 when the phase difference is constant
    (the sectors swing together, whatever the lag), near 0 when it drifts.

    Returns:
        The PLV in [0, 1]; NaN if either series is constant.
    """
    from scipy import signal

    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    pa = np.angle(signal.hilbert(a - a.mean()))
    pb = np.angle(signal.hilbert(b - b.mean()))
    return float(np.abs(np.mean(np.exp(1j * (pa - pb)))))


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Overlap of two boolean month masks: |a ∧ b| / |a ∨ b| (NaN if both are empty)."""
    union = np.logical_or(a, b).sum()
    if union == 0:
        return float("nan")
    return float(np.logical_and(a, b).sum() / union)


def excess_kurtosis(x: Sequence[float] | np.ndarray) -> float:
    """Fisher (excess) kurtosis m4 / m2² − 3 (biased moments); NaN for constant or short input.

    Equals ``scipy.stats.kurtosis(x, fisher=True, bias=True)``. Heavy tails (most months
    quiet, a few big jumps: punctuated change) give large positive values; 0 for a normal.
    """
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if x.size < 4 or np.ptp(x) == 0:
        return float("nan")
    d = x - x.mean()
    m2 = np.mean(d**2)
    return float(np.mean(d**4) / m2**2 - 3.0)


def _nanmedian(x: Sequence[float] | np.ndarray | pd.Series) -> float:
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    return float(np.median(x)) if x.size else float("nan")


def _nanmean(x: Sequence[float] | np.ndarray | pd.Series) -> float:
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    return float(np.mean(x)) if x.size else float("nan")


def _kind(events: pd.DataFrame | None, kind: str, sector: str | None = None) -> pd.DataFrame:
    if events is None or len(events) == 0:
        return pd.DataFrame(columns=["month", "kind", "sector", "magnitude", "detail"])
    mask = events["kind"].astype(str) == kind
    if sector is not None:
        mask &= events["sector"].astype(str) == sector
    return events.loc[mask]


# ----------------------------------------------------------------------------------------------
# Per crackdown episode
# ----------------------------------------------------------------------------------------------


def crackdowns(series: pd.DataFrame, events: pd.DataFrame | None = None, *,
               window: int = DEFAULT_WINDOW) -> pd.DataFrame:
    """Measure every crackdown episode of every sector.

    Args:
        series: one run's series frame.
        events: its event log (for trigger and first sanction); ``None`` leaves
            ``trigger_to_sanction`` NaN.
        window: months of the 'before' and 'after' windows.

    Returns:
        One row per CRACKDOWN episode with :data:`CRACKDOWN_COLUMNS` (see
        :data:`sim.analysis.summary.EPISODE_METRICS` for the meaning of each).
    """
    m = months(series)
    idx_of = {int(v): i for i, v in enumerate(m)}
    rows = []
    for sector in sectors_of(series):
        eps = sector_episodes(series[col(PHASE_QUANTITY, sector)].to_numpy(), m, sector)
        enf = series[col("enforcement", sector)].to_numpy(dtype=float)
        sanctions = _kind(events, EventKind.SANCTION.value, sector)
        changes = _kind(events, EventKind.PHASE_CHANGE.value, sector)
        for k, ep in eps.iterrows():
            if ep["phase"] != CRACKDOWN:
                continue
            rows.append(_crackdown_row(series, m, idx_of, sector, eps, k, enf, sanctions,
                                       changes, events is not None, window))
    frame = pd.DataFrame(rows, columns=list(CRACKDOWN_COLUMNS))
    return frame.astype({"left_censored": bool, "right_censored": bool})


def _crackdown_row(series: pd.DataFrame, m: np.ndarray, idx_of: dict[int, int], sector: str,
                   eps: pd.DataFrame, k: int, enf: np.ndarray, sanctions: pd.DataFrame,
                   changes: pd.DataFrame, have_events: bool, window: int) -> dict:
    ep = eps.loc[k]
    i0, i1 = idx_of[int(ep["start"])], idx_of[int(ep["end"])]  # crackdown rows, inclusive
    nxt = eps.loc[k + 1] if k + 1 < len(eps) else None
    next_phase = None if nxt is None else str(nxt["phase"])
    ic = idx_of[int(nxt["end"])] if next_phase == COMPROMISE else i1  # cycle end row
    prev = eps.loc[k - 1] if k > 0 else None
    n = len(m)

    # enforcement: trough over the preceding episode, peak over the cycle
    if prev is not None:
        trough = float(np.nanmin(enf[idx_of[int(prev["start"])]: i0]))
    else:
        trough = float(enf[i0])
    ip = i0 + int(np.nanargmax(enf[i0: ic + 1]))
    peak = float(enf[ip])
    base = i0 - 1 if i0 > 0 else i0
    sharp = rise_time(m[base: ip + 1], enf[base: ip + 1])

    # trigger: the phase_change event to CRACKDOWN logged for this onset, else the first month
    onset = int(ep["start"])
    trigger = float(onset)
    if len(changes):
        hit = changes.loc[(changes["detail"].astype(str) == CRACKDOWN)
                          & changes["month"].between(onset - 1, onset)]
        if len(hit):
            trigger = float(hit["month"].min())
    lag = float("nan")
    if have_events:
        later = sanctions.loc[sanctions["month"].between(trigger, float(m[ic]))]
        if len(later):
            lag = float(later["month"].min()) - trigger

    pre = slice(max(0, i0 - window), i0)
    cyc = slice(i0, ic + 1)

    def _drawdown(name: str) -> float:
        if name not in series.columns:
            return float("nan")
        v = series[name].to_numpy(dtype=float)
        return drawdown(v[max(0, i0 - window): i0 + 1], v[cyc])

    harm = series[col("harm", sector)].to_numpy(dtype=float)
    floor = series[col("floor", sector)].to_numpy(dtype=float)
    after = slice(i1 + 1, min(n, i1 + 1 + window))
    comp_start = int(nxt["start"]) if next_phase == COMPROMISE else None
    # the month enforcement first reaches 90 % of its rise (a plateau, robust to E → 1 slowly)
    rise = enf[base: ip + 1]
    reached = np.flatnonzero(rise >= rise[0] + 0.9 * (peak - rise[0])) if peak > rise[0] \
        else np.array([ip - base])
    i90 = base + int(reached[0])
    pain = float("nan")
    if comp_start is not None and "perceived_pain" in series.columns:
        pain = float(series["perceived_pain"].to_numpy(dtype=float)[idx_of[comp_start]])
    fines = series[col("fines", sector)].to_numpy(dtype=float)[i0: i1 + 1].sum()
    return {
        "sector": sector,
        "onset": onset,
        "end": int(ep["end"]),
        "duration": int(ep["duration"]),
        "left_censored": bool(ep["left_censored"]),
        "right_censored": bool(ep["right_censored"]),
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
        "drawdown_sector": _drawdown(col("valuation", sector)),
        "drawdown_index": _drawdown("valuation_index"),
        "harm_before": _nanmean(harm[pre]),
        "harm_after": _nanmean(harm[after]),
        "floor_before": float(floor[base]),
        "floor_after": float(floor[ic]),
        "fines": float(fines),
    }


# ----------------------------------------------------------------------------------------------
# Per run
# ----------------------------------------------------------------------------------------------


def onset_periods(eps: pd.DataFrame) -> np.ndarray:
    """Months from each crackdown onset to the next onset in the same sector (pooled).

    Left-censored crackdowns (already under way at month 0) have no known onset and are skipped.
    """
    out: list[float] = []
    for _, group in eps.groupby("sector", sort=False):
        starts = group.loc[(group["phase"] == CRACKDOWN) & ~group["left_censored"], "start"]
        out += np.diff(starts.to_numpy(dtype=float)).tolist()
    return np.asarray(out, dtype=float)


def complete_cycles(eps: pd.DataFrame) -> int:
    """Crackdowns followed by a compromise and then a return to LOOSE, in any sector."""
    count = 0
    for _, group in eps.groupby("sector", sort=False):
        phases = group["phase"].tolist()
        left = group["left_censored"].tolist()
        for i in range(len(phases) - 2):
            if (phases[i: i + 3] == [CRACKDOWN, COMPROMISE, LOOSE]) and not left[i]:
                count += 1
    return count


def phase_shares(series: pd.DataFrame, sectors: Sequence[str] | None = None) -> dict[str, float]:
    """Share of sector-months in each phase, pooled over sectors (keys are phase names)."""
    names = list(sectors) if sectors is not None else sectors_of(series)
    values = np.concatenate([series[col(PHASE_QUANTITY, s)].astype(str).to_numpy()
                             for s in names]) if names else np.array([], dtype=str)
    total = values.size
    return {p.name: float((values == p.name).sum() / total) if total else float("nan")
            for p in Phase}


def crackdown_masks(series: pd.DataFrame, sectors: Sequence[str]) -> dict[str, np.ndarray]:
    """Boolean mask of CRACKDOWN months per sector."""
    return {s: series[col(PHASE_QUANTITY, s)].astype(str).to_numpy() == CRACKDOWN
            for s in sectors}


def live_mask(series: pd.DataFrame, sector: str) -> np.ndarray:
    """Months in which the sector is not BANNED (its enforcement still means something)."""
    return series[col(PHASE_QUANTITY, sector)].astype(str).to_numpy() != BANNED


def live_enforcement(series: pd.DataFrame, sector: str) -> np.ndarray:
    """The sector's enforcement over its non-BANNED months (a ban is absorbing: a prefix)."""
    return series[col("enforcement", sector)].to_numpy(dtype=float)[live_mask(series, sector)]


def never_banned(series: pd.DataFrame, sectors: Sequence[str]) -> list[str]:
    """The sectors with no BANNED month in the run."""
    return [s for s in sectors if live_mask(series, s).all()]


def synchrony(series: pd.DataFrame, sectors: Sequence[str] | None = None) -> dict[str, float]:
    """How far sectors swing together.

    Returns:
        ``overlap``: mean pairwise Jaccard overlap of CRACKDOWN months (pairs where at least one
        sector had a crackdown); ``plv``: mean pairwise phase-locking value of the enforcement
        series over pairs of non-constant series of sectors never BANNED in the run (a banned
        sector's enforcement no longer swings). NaN with fewer than two usable sectors.
    """
    names = list(sectors) if sectors is not None else sectors_of(series)
    masks = crackdown_masks(series, names)
    live = never_banned(series, names)
    enf = {s: series[col("enforcement", s)].to_numpy(dtype=float) for s in live}
    overlaps = [jaccard(masks[a], masks[b]) for a, b in combinations(names, 2)]
    plvs = [phase_locking(enf[a], enf[b]) for a, b in combinations(live, 2)]
    return {"overlap": _nanmean(overlaps), "plv": _nanmean(plvs)}
