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

from ..model.states import Phase
from .frames import PHASE_QUANTITY, col, sectors_of
from .runview import (  # the building blocks live beside the arrays they read
    RunView,
    _nanmean,
    crackdown_rows,
    crossing_time,  # noqa: F401
    drawdown,  # noqa: F401
    jaccard,
    rise_time,  # noqa: F401
)

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
    arrays = [np.asarray(x, dtype=float)] if np.ndim(x[0]) == 0 else \
        [np.asarray(a, dtype=float) for a in x]
    if arrays[0].size < MIN_SPECTRUM_LENGTH:
        return float("nan")
    return peak_period([periodogram(a) for a in arrays])


def periodogram(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Frequencies and power of one series as :func:`dominant_period` computes them."""
    from scipy import signal  # imported here: scipy.signal takes seconds to import

    return signal.periodogram(a, fs=1.0, detrend="linear", nfft=4 * a.size, scaling="spectrum")


def peak_period(spectra: Sequence[tuple[np.ndarray, np.ndarray]]) -> float:
    """The period of the highest peak of summed :func:`periodogram` spectra.

    The spectra share their frequencies; see :func:`dominant_period`.
    """
    f, power = spectra[0]
    for _, p in spectra[1:]:
        power = power + p
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
    return crackdown_frame(crackdown_rows(RunView(series, events), window))


def crackdown_frame(rows: list[dict]) -> pd.DataFrame:
    """The rows of :func:`sim.analysis.runview.crackdown_rows` as a :func:`crackdowns` frame."""
    frame = pd.DataFrame(rows, columns=list(CRACKDOWN_COLUMNS))
    return frame.astype({"left_censored": bool, "right_censored": bool})


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
