"""Predictions by calendar date over parameter draws.

The posterior (or prior) predictive, held-out checks, forecasts and counterfactual histories.

Draw ``i`` of a set of parameter draws runs with seed ``i`` of :func:`derive_seeds` of a root:
the prior predictive, the posterior predictive and every counterfactual share their seeds draw
by draw (common random numbers), so a difference between two of them is not seed noise.

* :func:`predict` runs the draws to a scenario's horizon and keeps, by month, each sector's
  enforcement and phase and the valuation index (for fans by date), the record's statistics
  (computed on the record's window only) and the forecasts of :data:`FORECASTS`.
* :func:`heldout_table` sets each observation of a record set beside its predictive interval.
* :func:`forecast_table` summarises the forecasts (probabilities and expected lengths).
* :func:`counterfactual_shifts` pairs a history with its counterfactuals draw by draw.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

import numpy as np
import pandas as pd

from ..experiment.scenario import derive_seeds
from ..experiment.scenario.calibrate import with_values
from ..model.model import RegulatoryModel
from ..model.params import Params
from ..model.states import Phase
from .record import Observation
from .statistics import statistics_of

__all__ = [
    "FORECASTS",
    "Predictive",
    "counterfactual_shifts",
    "forecast_table",
    "heldout_table",
    "month_of",
    "predict",
]

FORECASTS: dict[str, str] = {
    "ai_crackdown_by_2027": "1 if the AI sector enters CRACKDOWN by Dec 2027, else 0",
    "ai_crackdown_by_2030": "1 if the AI sector enters CRACKDOWN by Dec 2030, else 0",
    "next_platform_onset": "first platform CRACKDOWN month after the record's end (NaN: none "
                           "in the horizon), as months from the record's end",
    "next_platform_length": "its length in months (NaN: none; censored at the horizon)",
    "next_platform_censored": "1 if that crackdown still runs at the horizon",
}
"""The forecasts :func:`predict` computes for every draw."""

TRACKED = ("platform", "fintech", "edtech", "gaming", "ai")
"""The sectors whose monthly enforcement and phase :func:`predict` keeps."""


def month_of(date: str, start_date: str) -> int:
    """Months from ``start_date`` to ``date`` (both ``YYYY-MM``)."""
    y0, m0 = (int(x) for x in start_date.split("-"))
    y1, m1 = (int(x) for x in date.split("-"))
    return (y1 - y0) * 12 + (m1 - m0)


@dataclass(slots=True)
class Predictive:
    """Draws run to the horizon.

    Attributes:
        dates: the first day of each month (``datetime64[M]``).
        draws: the parameter draws (one row a draw).
        seeds: each draw's seed.
        enforcement: sector → (draws × months) enforcement.
        crackdown: sector → (draws × months) booleans: the sector is in CRACKDOWN.
        banned: sector → (draws × months) booleans: the sector is BANNED.
        valuation: (draws × months) valuation index.
        statistics: one row a draw, one column a record statistic (record window only).
        forecasts: one row a draw, the columns of :data:`FORECASTS`.
    """

    dates: np.ndarray
    draws: pd.DataFrame
    seeds: tuple[int, ...]
    enforcement: dict[str, np.ndarray]
    crackdown: dict[str, np.ndarray]
    banned: dict[str, np.ndarray]
    valuation: np.ndarray
    statistics: pd.DataFrame
    forecasts: pd.DataFrame


def _forecasts(phases: Mapping[str, np.ndarray], start_date: str, end_month: int,
               horizon: int) -> dict[str, float]:
    out: dict[str, float] = {}
    crack = Phase.CRACKDOWN.name
    ai = phases.get("ai")
    for year in (2027, 2030):
        last = month_of(f"{year}-12", start_date)
        if ai is None or last >= horizon:
            out[f"ai_crackdown_by_{year}"] = float("nan")
        else:
            out[f"ai_crackdown_by_{year}"] = float(np.any(ai[: last + 1] == crack))
    onset = length = censored = float("nan")
    plat = phases.get("platform")
    if plat is not None:
        is_crack = plat == crack
        # an onset: the first month of a CRACKDOWN run, after the record's end
        starts = np.flatnonzero(is_crack[1:] & ~is_crack[:-1]) + 1
        starts = starts[starts > end_month]
        if starts.size:
            s = int(starts[0])
            stop = s
            while stop < horizon and is_crack[stop]:
                stop += 1
            onset, length = float(s - end_month), float(stop - s)
            censored = float(stop >= horizon)
    out["next_platform_onset"] = onset
    out["next_platform_length"] = length
    out["next_platform_censored"] = censored
    return out


def _one(task: tuple[Params, int, tuple[str, ...], int, str, int]) -> dict[str, object]:
    params, seed, names, end_month, start_date, horizon = task
    model = RegulatoryModel(params, rng=seed).run(horizon)
    series = model.series()
    events = model.events()
    sectors = [s for s in TRACKED if f"phase.{s}" in series.columns]
    phases = {s: series[f"phase.{s}"].astype(str).to_numpy() for s in sectors}
    window = series[series["month"] <= end_month]
    wevents = events[events["month"] <= end_month]
    stats = (statistics_of(window, wevents, end_month=end_month, names=names,
                           scheduled=params.exogenous.events) if names else {})
    return {
        "enforcement": {s: series[f"enforcement.{s}"].to_numpy(dtype=float) for s in sectors},
        "crackdown": {s: phases[s] == Phase.CRACKDOWN.name for s in sectors},
        "banned": {s: phases[s] == Phase.BANNED.name for s in sectors},
        "valuation": series["valuation_index"].to_numpy(dtype=float),
        "dates": series["date"].to_numpy().astype("datetime64[M]"),
        "statistics": stats,
        "forecasts": _forecasts(phases, start_date, end_month, horizon),
    }


def predict(base: Params, draws: pd.DataFrame, *, statistics: Sequence[str] = (),
            end_month: int, seed: int = 0, horizon: int | None = None,
            workers: int = 1) -> Predictive:
    """Run every draw to the horizon (seed ``i`` for draw ``i``) and keep what is plotted.

    Args:
        base: the scenario's parameters; each draw replaces the calibrated ones.
        draws: one row a draw, one column per dotted parameter key (may have no columns: the
            base alone, ``len(draws)`` times with different seeds).
        statistics: the record statistics to compute on months 0..``end_month``.
        end_month: the record's last month.
        seed: the root of the draws' seeds.
        horizon: months to run (default: the scenario's ``run.months``).
        workers: processes (1: in this process).
    """
    horizon = int(horizon if horizon is not None else base.run.months)
    n = len(draws)
    seeds = derive_seeds(seed, n)
    names = tuple(statistics)
    tasks = []
    for i, row in enumerate(draws.to_dict("records") if len(draws.columns) else [{}] * n):
        params = with_values(base, row) if row else base
        tasks.append((params, seeds[i], names, int(end_month), base.run.start_date, horizon))
    if workers > 1 and n > 1:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
            results = list(pool.map(_one, tasks, chunksize=max(1, n // (4 * workers))))
    else:
        results = [_one(t) for t in tasks]
    sectors = list(results[0]["enforcement"]) if results else []

    def stack(field: str, s: str) -> np.ndarray:
        return np.stack([r[field][s] for r in results])

    return Predictive(
        dates=results[0]["dates"] if results else np.array([], dtype="datetime64[M]"),
        draws=draws.reset_index(drop=True),
        seeds=seeds,
        enforcement={s: stack("enforcement", s) for s in sectors},
        crackdown={s: stack("crackdown", s) for s in sectors},
        banned={s: stack("banned", s) for s in sectors},
        valuation=np.stack([r["valuation"] for r in results]) if results else np.empty((0, 0)),
        statistics=pd.DataFrame([r["statistics"] for r in results]),
        forecasts=pd.DataFrame([r["forecasts"] for r in results]),
    )


def heldout_table(pred: Predictive, observations: Sequence[Observation], *,
                  level: float = 0.9) -> pd.DataFrame:
    """Each observation beside the predictive interval of its statistic.

    Columns: ``name``, ``set``, ``statistic``, ``observed``, ``obs_low``, ``obs_high``,
    ``median``, ``low``, ``high`` (the central ``level`` interval over draws), ``inside``
    (the observed value lies in the interval), ``overlaps`` (the observed range meets it) and
    ``percentile`` (share of draws at or below the observed value).
    """
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    rows = []
    for o in observations:
        if o.statistic not in pred.statistics.columns:
            continue
        x = pred.statistics[o.statistic].to_numpy(dtype=float)
        x = x[np.isfinite(x)]
        if x.size == 0:
            continue
        lo, med, hi = np.quantile(x, [lo_q, 0.5, hi_q])
        rows.append({"name": o.name, "set": o.set, "statistic": o.statistic,
                     "observed": o.value, "obs_low": o.low, "obs_high": o.high,
                     "median": med, "low": lo, "high": hi,
                     "inside": bool(lo <= o.value <= hi),
                     "overlaps": bool(o.low <= hi and o.high >= lo),
                     "percentile": float(np.mean(x <= o.value))})
    return pd.DataFrame(rows)


def forecast_table(pred: Predictive, *, level: float = 0.9) -> pd.DataFrame:
    """The forecasts over draws: probabilities with a binomial interval, and lengths.

    Columns: ``forecast``, ``value`` (a probability or a median in months), ``low``, ``high``
    (for a probability: a Wilson interval on the draws; for a length: the central ``level``
    interval over the draws that have one), ``n`` (draws counted) and ``meaning``.
    """
    z = 1.6448536269514722 if abs(level - 0.9) < 1e-9 else 1.959963984540054
    f = pred.forecasts
    rows = []
    for name in ("ai_crackdown_by_2027", "ai_crackdown_by_2030"):
        x = f[name].dropna().to_numpy(dtype=float)
        n = x.size
        p = float(x.mean()) if n else float("nan")
        centre = (p + z * z / (2 * n)) / (1 + z * z / n) if n else float("nan")
        half = (z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
                if n else float("nan"))
        rows.append({"forecast": name, "value": p, "low": max(0.0, centre - half),
                     "high": min(1.0, centre + half), "n": n, "meaning": FORECASTS[name]})
    has = f["next_platform_onset"].notna()
    rows.append({"forecast": "p_next_platform_crackdown", "value": float(has.mean()),
                 "low": float("nan"), "high": float("nan"), "n": len(f),
                 "meaning": "share of draws with a platform crackdown after the record's end "
                            "within the horizon"})
    for name in ("next_platform_onset", "next_platform_length"):
        x = f.loc[has, name].to_numpy(dtype=float)
        lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
        q = np.quantile(x, [lo_q, 0.5, hi_q]) if x.size else [np.nan] * 3
        rows.append({"forecast": name + "_median", "value": float(q[1]), "low": float(q[0]),
                     "high": float(q[2]), "n": int(x.size), "meaning": FORECASTS[name]})
    x = f.loc[has, "next_platform_length"].to_numpy(dtype=float)
    rows.append({"forecast": "next_platform_length_mean", "value": float(x.mean()) if x.size
                 else float("nan"), "low": float("nan"), "high": float("nan"), "n": int(x.size),
                 "meaning": "mean length (a lower bound where censored: "
                            f"{float(f.loc[has, 'next_platform_censored'].mean()):.0%} are)"})
    return pd.DataFrame(rows)


def counterfactual_shifts(history: Predictive, others: Mapping[str, Predictive],
                          statistics: Sequence[str], *, level: float = 0.9) -> pd.DataFrame:
    """How each statistic moves in each counterfactual, paired draw by draw.

    Both runs of a pair share the draw and the seed, so the difference is the event's effect in
    that history. Columns: ``counterfactual``, ``statistic``, ``history_median``,
    ``counterfactual_median``, ``shift_median``, ``shift_low``, ``shift_high`` (central
    ``level`` interval of the paired shifts), ``p_earlier`` / ``p_later`` (share of draws in
    which the value fell / rose) and ``n``.
    """
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    rows = []
    for label, cf in others.items():
        if cf.seeds != history.seeds:
            raise ValueError(f"{label}: counterfactual draws do not share the history's seeds")
        for s in statistics:
            a = history.statistics[s].to_numpy(dtype=float)
            b = cf.statistics[s].to_numpy(dtype=float)
            ok = np.isfinite(a) & np.isfinite(b)
            d = b[ok] - a[ok]
            q = np.quantile(d, [lo_q, 0.5, hi_q]) if d.size else [np.nan] * 3
            rows.append({"counterfactual": label, "statistic": s,
                         "history_median": float(np.median(a[ok])) if d.size else np.nan,
                         "counterfactual_median": float(np.median(b[ok])) if d.size else np.nan,
                         "shift_median": float(q[1]), "shift_low": float(q[0]),
                         "shift_high": float(q[2]),
                         "p_earlier": float(np.mean(d < 0)) if d.size else np.nan,
                         "p_later": float(np.mean(d > 0)) if d.size else np.nan,
                         "n": int(d.size)})
    return pd.DataFrame(rows)
