"""Regime of a run: does a sector's pendulum never swing, swing once, keep swinging or stop?

Pure numpy over one sector's monthly phase codes (the values of
:class:`sim.model.states.Phase`: ``BANNED = -1``, ``LOOSE = 0``, ``COMPROMISE = 1``,
``CRACKDOWN = 2``; :func:`sim.analysis.frames.phase_codes` turns phase names into them). Used by
``regcycle regimes`` (issue #15) to classify each run of a map, and by the mean-field model to
classify its own trajectories the same way.

Definitions (row ``i`` of the sequence is month ``i`` of the run; the horizon is its length T):

* a *crackdown* is a maximal block of consecutive CRACKDOWN months; its *onset* is its first
  month. A crackdown under way at month 0 is a crackdown but not an onset (we do not know when
  it began), as in :data:`sim.analysis.summary.RUN_METRICS` ``n_crackdowns``; the model starts
  every sector LOOSE, so this matters only for hand-made or truncated sequences;
* the *period* is the median number of months from one onset to the next (NaN below 2 onsets).

Any other phase ends a crackdown: CRACKDOWN → COMPROMISE → CRACKDOWN is two crackdowns, with or
without a LOOSE spell between them, and a sector that stays in COMPROMISE after its one
crackdown is ONE (the crackdown ended; ``crackdown_max`` and the summary's shares tell the rest).

Classes, tested in this order (the first that holds wins: **BAN > STUCK > RECURRENT > ONE >
NONE**):

* :attr:`RegimeClass.BAN` (``"ban"``): the sector was banned (any BANNED month; the state is
  absorbing), whatever happened before;
* :attr:`RegimeClass.STUCK` (``"stuck"``): the run ends inside a crackdown that has lasted at
  least N = ``stuck_months`` months (default :data:`STUCK_MONTHS` = 120, ten years): a
  crackdown still running after N months. It wins over RECURRENT because it is where the
  pendulum ended up;
* :attr:`RegimeClass.RECURRENT` (``"recurrent"``): two or more crackdowns (onsets, plus one
  under way at month 0 if any);
* :attr:`RegimeClass.ONE` (``"one"``): exactly one crackdown, which ended, or is still running
  at the horizon after fewer than N months (right-censored: too short to call stuck, so it is
  presumed to end like any other);
* :attr:`RegimeClass.NONE` (``"none"``): no crackdown in the horizon.

A crackdown that lasted N months or more but ended before the horizon is not STUCK (it ended);
its length shows in ``crackdown_mean`` and ``crackdown_max``. Choose the horizon T well above N
and above the expected period (``regcycle regimes`` defaults to T = 1,200 months), or most runs
read as ONE.

The API: :func:`classify` and :func:`regime_metrics` (one sequence), :func:`classify_rows` (the
rows of a 2-D array, e.g. a reduced model's cells), :func:`sector_regimes` (each sector of a
series frame), :func:`regime_of` (the rule alone, to reclassify stored numbers for another N),
:func:`regime_row` / :func:`regime_column` / :func:`sector_runs` (the flat columns of a
summary row and back), :func:`modal_class` and :func:`cell_table` (an ensemble per map cell).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from ..model.states import Phase
from .frames import PHASE_QUANTITY, col, phase_codes, sectors_of

__all__ = [
    "PRECEDENCE",
    "REGIME_METRICS",
    "STUCK_MONTHS",
    "RegimeClass",
    "cell_table",
    "classify",
    "classify_rows",
    "modal_class",
    "regime_column",
    "regime_metrics",
    "regime_of",
    "regime_row",
    "sector_regimes",
    "sector_runs",
]

STUCK_MONTHS = 120
"""Default N: a crackdown still running at the horizon after this many months is STUCK."""


class RegimeClass(StrEnum):
    """The regime of one sector over one run (see the module docstring for the definitions)."""

    NONE = "none"
    ONE = "one"
    RECURRENT = "recurrent"
    STUCK = "stuck"
    BAN = "ban"


PRECEDENCE: tuple[RegimeClass, ...] = (RegimeClass.BAN, RegimeClass.STUCK,
                                       RegimeClass.RECURRENT, RegimeClass.ONE, RegimeClass.NONE)
"""Classes from the first tested to the last; also how :func:`modal_class` breaks ties."""

REGIME_METRICS: dict[str, str] = {
    "regime": "class of the run: none / one / recurrent / stuck / ban (sim.analysis.regimes)",
    "n_onsets": "crackdown onsets (entries into CRACKDOWN after month 0)",
    "n_crackdowns": "crackdowns: onsets, plus one under way at month 0",
    "period": "median months from one onset to the next (NaN below 2 onsets)",
    "crackdown_mean": "mean length (months) of the crackdowns that ended before the horizon",
    "crackdown_max": "longest crackdown (months), one running at the horizon included",
    "open_crackdown": "months the crackdown running at the horizon has lasted (0 if none)",
    "lax_first": "months before the first crackdown (NaN if none)",
    "ban_month": "first BANNED month (NaN if never banned)",
    "months": "horizon: months classified",
}
"""Keys and meanings of :func:`regime_metrics` (per run, per sector)."""

_CRACKDOWN = float(Phase.CRACKDOWN)
_BANNED = float(Phase.BANNED)


def _codes(phase_codes: np.ndarray | Sequence[float]) -> np.ndarray:
    """Check and return a 1-D float array of known phase codes."""
    x = np.asarray(phase_codes, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"phase codes must be one sector's months (1-D), got shape {x.shape}")
    known = np.isin(x, [float(p) for p in Phase])
    if not known.all():
        bad = x[~known][0]
        raise ValueError(f"unknown phase code {bad!r} at month {int(np.flatnonzero(~known)[0])};"
                         f" allowed: {sorted(int(p) for p in Phase)}")
    return x


def _check_stuck(stuck_months: int) -> int:
    if int(stuck_months) != stuck_months or stuck_months < 1:
        raise ValueError(f"stuck_months must be a positive whole number of months, "
                         f"got {stuck_months!r}")
    return int(stuck_months)


def regime_of(n_crackdowns: int, open_crackdown: float, banned: bool, *,
              stuck_months: int = STUCK_MONTHS) -> RegimeClass:
    """The class from the three numbers it depends on (the rule of the module docstring).

    Also reclassifies stored metrics for another N: ``regime_of(m["n_crackdowns"],
    m["open_crackdown"], m["ban_month"] == m["ban_month"], stuck_months=N)``.

    Args:
        n_crackdowns: crackdowns in the horizon (onsets, plus one under way at month 0).
        open_crackdown: months the crackdown running at the horizon has lasted (0 if none).
        banned: whether the sector was banned.
        stuck_months: N.
    """
    if banned:
        return RegimeClass.BAN
    if open_crackdown >= stuck_months:
        return RegimeClass.STUCK
    if n_crackdowns >= 2:
        return RegimeClass.RECURRENT
    if n_crackdowns == 1:
        return RegimeClass.ONE
    return RegimeClass.NONE


def regime_metrics(phase_codes: np.ndarray | Sequence[float], *,
                   stuck_months: int = STUCK_MONTHS) -> dict[str, Any]:
    """Regime class and cycle measures of one sector's monthly phase codes.

    Args:
        phase_codes: one value per month, :class:`sim.model.states.Phase` codes (int or
            float; NaN or any other value raises ``ValueError``).
        stuck_months: N, months after which a crackdown still running at the horizon is STUCK.

    Returns:
        ``{key: value}`` with the keys of :data:`REGIME_METRICS`: ``regime`` a
        :class:`RegimeClass`, counts as ``int``, lengths and months as ``float`` (NaN when
        undefined).
    """
    n_stuck = _check_stuck(stuck_months)
    x = _codes(phase_codes)
    n = x.size
    cd = x == _CRACKDOWN
    # edges of crackdown blocks: +1 where one starts, -1 after one ends
    edge = np.diff(np.concatenate(([0], cd.astype(np.int8), [0])))
    starts = np.flatnonzero(edge == 1)
    stops = np.flatnonzero(edge == -1)  # exclusive
    lengths = (stops - starts).astype(float)
    onsets = starts[starts > 0]
    open_len = float(lengths[-1]) if starts.size and stops[-1] == n else 0.0
    ended = lengths[:-1] if open_len else lengths
    banned = np.flatnonzero(x == _BANNED)
    n_cd = int(starts.size)
    return {
        "regime": regime_of(n_cd, open_len, bool(banned.size), stuck_months=n_stuck),
        "n_onsets": int(onsets.size),
        "n_crackdowns": n_cd,
        "period": float(np.median(np.diff(onsets))) if onsets.size >= 2 else float("nan"),
        "crackdown_mean": float(ended.mean()) if ended.size else float("nan"),
        "crackdown_max": float(lengths.max()) if lengths.size else 0.0,
        "open_crackdown": open_len,
        "lax_first": float(starts[0]) if starts.size else float("nan"),
        "ban_month": float(banned[0]) if banned.size else float("nan"),
        "months": float(n),
    }


def classify(phase_codes: np.ndarray | Sequence[float], *,
             stuck_months: int = STUCK_MONTHS) -> RegimeClass:
    """The :class:`RegimeClass` of one sector's monthly phase codes (:func:`regime_metrics`)."""
    return regime_metrics(phase_codes, stuck_months=stuck_months)["regime"]


def classify_rows(codes: np.ndarray, *, stuck_months: int = STUCK_MONTHS) -> pd.DataFrame:
    """:func:`regime_metrics` of each row of a 2-D array (e.g. a reduced model's trajectories).

    Args:
        codes: rows are runs or grid cells, columns months (phase codes).
        stuck_months: N (see :func:`regime_metrics`).

    Returns:
        One row per input row, columns :data:`REGIME_METRICS` (``regime`` as text).
    """
    arr = np.asarray(codes, dtype=float)
    if arr.ndim != 2:
        raise ValueError(f"expected a 2-D array (rows × months), got shape {arr.shape}")
    rows = [regime_metrics(r, stuck_months=stuck_months) for r in arr]
    frame = pd.DataFrame(rows, columns=list(REGIME_METRICS))
    frame["regime"] = frame["regime"].astype(str)
    return frame


def _codes_of_names(column: pd.Series) -> np.ndarray:
    """Phase names → codes, each distinct name looked up once (1,200 months × sectors a run)."""
    if isinstance(column.dtype, pd.CategoricalDtype):  # the model's tables: read the codes
        codes = column.cat.codes.to_numpy()
        lookup = np.append(phase_codes([str(c) for c in column.cat.categories]), np.nan)
        return lookup[codes]  # code -1 (missing) → the NaN appended last
    names, inverse = np.unique(column.astype(str).to_numpy(), return_inverse=True)
    return phase_codes(names)[inverse]


def sector_regimes(series: pd.DataFrame, sectors: Iterable[str] | None = None, *,
                   stuck_months: int = STUCK_MONTHS) -> pd.DataFrame:
    """:func:`regime_metrics` of each sector of one run's series frame.

    Args:
        series: one run's series frame (``phase.<sector>`` columns holding phase names, rows
            in month order).
        sectors: sectors to classify (default: every sector of the frame).
        stuck_months: N (see :func:`regime_metrics`).

    Returns:
        One row per sector: ``sector``, then the columns of :data:`REGIME_METRICS` (``regime``
        as text).

    Raises:
        KeyError: a requested sector has no phase column.
    """
    names = list(sectors) if sectors is not None else sectors_of(series)
    rows = []
    for s in names:
        name = col(PHASE_QUANTITY, s)
        if name not in series.columns:
            raise KeyError(f"no sector {s!r} in the series (sectors: {sectors_of(series)})")
        rows.append({"sector": s} | regime_metrics(_codes_of_names(series[name]),
                                                   stuck_months=stuck_months))
    frame = pd.DataFrame(rows, columns=["sector", *REGIME_METRICS])
    frame["regime"] = frame["regime"].astype(str)
    return frame


def regime_column(key: str, sector: str) -> str:
    """Column of a summary row holding one regime metric of one sector.

    ``regime.<sector>`` for the class, ``regime_<key>.<sector>`` for the other keys of
    :data:`REGIME_METRICS` (``regime_period.platform``): apart from the summary's own
    ``n_crackdowns.<sector>``, whose count leaves out a crackdown under way at month 0.
    """
    if key not in REGIME_METRICS:
        raise KeyError(f"unknown regime metric {key!r}; allowed: {list(REGIME_METRICS)}")
    return col("regime" if key == "regime" else f"regime_{key}", sector)


def regime_row(series: pd.DataFrame, *, stuck_months: int = STUCK_MONTHS) -> dict[str, Any]:
    """Every sector's regime metrics of one run as one flat row (for ``summary.parquet``).

    Args:
        series: one run's series frame.
        stuck_months: N.

    Returns:
        ``{regime_column(key, sector): value}`` for every sector and every key of
        :data:`REGIME_METRICS` (the class as text).
    """
    out: dict[str, Any] = {}
    for sector in sectors_of(series):
        m = regime_metrics(_codes_of_names(series[col(PHASE_QUANTITY, sector)]),
                           stuck_months=stuck_months)
        m["regime"] = m["regime"].value
        out |= {regime_column(k, sector): v for k, v in m.items()}
    return out


def sector_runs(summary: pd.DataFrame, sector: str, *,
                stuck_months: int | None = None) -> pd.DataFrame:
    """One sector's regime metrics out of a summary table holding :func:`regime_row` columns.

    Args:
        summary: one row per run.
        sector: the sector.
        stuck_months: reclassify with this N (:func:`regime_of`); None keeps the stored class.

    Returns:
        The summary's other columns without any regime column, then the keys of
        :data:`REGIME_METRICS` for this sector.

    Raises:
        KeyError: the table has no regime metrics for this sector.
    """
    cols = {regime_column(k, sector): k for k in REGIME_METRICS}
    missing = [c for c in cols if c not in summary.columns]
    if missing:
        raise KeyError(f"no regime metrics of sector {sector!r} in the summary "
                       f"(missing {missing[:3]}{'...' if len(missing) > 3 else ''})")
    keep = [c for c in summary.columns
            if not (str(c) == "regime" or str(c).startswith(("regime.", "regime_")))]
    out = summary[keep].copy()
    for c, k in cols.items():
        out[k] = summary[c].to_numpy()
    if stuck_months is not None:
        n = _check_stuck(stuck_months)
        out["regime"] = [regime_of(int(c), float(o), bool(np.isfinite(b)), stuck_months=n).value
                         for c, o, b in zip(out["n_crackdowns"], out["open_crackdown"],
                                            out["ban_month"], strict=True)]
    out["regime"] = out["regime"].astype(str)
    return out


def modal_class(classes: Sequence[str] | np.ndarray | pd.Series) -> tuple[str, float]:
    """The most frequent class of an ensemble and the share of runs in it.

    Ties go to the class tested first (:data:`PRECEDENCE`: ban, stuck, recurrent, one, none),
    so the result never depends on run order.

    Returns:
        ``(class, share)``; ``("", nan)`` for an empty ensemble.
    """
    values = [str(c) for c in classes]
    if not values:
        return "", float("nan")
    counts = {c.value: values.count(c.value) for c in PRECEDENCE}
    unknown = set(values) - set(counts)
    if unknown:
        raise ValueError(f"unknown regime class(es) {sorted(unknown)}; "
                         f"allowed: {[c.value for c in RegimeClass]}")
    best = max(PRECEDENCE, key=lambda c: counts[c.value])  # max keeps the first of equals
    return best.value, counts[best.value] / len(values)


def cell_table(runs: pd.DataFrame, by: Sequence[str], *, regime: str = "regime",
               period: str = "period") -> pd.DataFrame:
    """One row per cell of a map from one row per run.

    Args:
        runs: per-run rows with the ``by`` columns (the cell's coordinates), a ``regime`` column
            (class text) and a ``period`` column.
        by: the columns that identify a cell (e.g. the two swept parameters).
        regime: the class column.
        period: the period column.

    Returns:
        ``by`` columns, ``n`` (runs), ``regime`` (modal class), ``share`` (share of runs in
        it), ``period`` (median of the periods of the cell's RECURRENT runs; NaN if none),
        then ``share_<class>`` for every class; sorted by the ``by`` columns.
    """
    keys = list(by)
    rows = []
    for key, block in runs.groupby(keys, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        classes = block[regime].astype(str).to_numpy()
        modal, share = modal_class(classes)
        p = block[period].to_numpy(dtype=float)[classes == RegimeClass.RECURRENT.value]
        p = p[np.isfinite(p)]
        row: dict[str, Any] = dict(zip(keys, key, strict=True))
        row |= {"n": int(classes.size), "regime": modal, "share": share,
                "period": float(np.median(p)) if p.size else float("nan")}
        for c in RegimeClass:
            row[f"share_{c.value}"] = float(np.mean(classes == c.value))
        rows.append(row)
    return pd.DataFrame(rows, columns=[*keys, "n", "regime", "share", "period",
                                       *(f"share_{c.value}" for c in RegimeClass)])
