"""Notebook 04's predictions under a calibration.

Predictive runs, checks, forecasts and counterfactual histories; :mod:`.calibration` finds or
makes the calibration and the recovery study they read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .calibration import COUNTERFACTUAL_STATISTICS, PREDICTIVE_SEED, SET_STATUS, month_date
from .running import FIRST_SEED, repo_root

if TYPE_CHECKING:
    import pandas as pd

    from ...calibration.predictive import Predictive
    from ...calibration.record import Record
    from ...experiment.scenario import Scenario

__all__ = [
    "counterfactual_files",
    "counterfactual_given_timing",
    "crackdown_timing",
    "forecast_comparison",
    "posterior_correlations",
    "predictive_check",
    "predictive_runs",
]


def counterfactual_files() -> dict[str, Path]:
    """``scenarios/counterfactuals/*.toml`` of the checkout, by file stem (sorted)."""
    root = repo_root()
    if root is None:
        raise FileNotFoundError("no checkout found: the counterfactual histories live in "
                                "scenarios/counterfactuals/")
    return {p.stem: p for p in sorted((root / "scenarios" / "counterfactuals").glob("*.toml"))}


def predictive_runs(folder: str | Path, scenario: Scenario, record: Record, *, n: int,
                    counterfactuals: Mapping[str, Scenario] | None = None,
                    seed: int = PREDICTIVE_SEED, workers: int = 1,
                    statistics: Sequence[str] | None = None) -> dict[str, Predictive]:
    """Run the posterior, the prior and each counterfactual history over ``n`` draws.

    The posterior draws are resampled by weight from the calibration's last generation and the
    prior draws are drawn from its uniform prior (both seeded by ``seed``); draw ``i`` of every
    predictive runs seed ``i`` of the root ``seed`` (≥ 1000: held out), and each counterfactual
    runs the *posterior* draws, so that a counterfactual and the history are paired draw by
    draw and seed by seed (:func:`sim.calibration.predictive.counterfactual_shifts`).

    Args:
        folder: the calibration folder.
        scenario: the calibrated scenario (the history).
        record: the record; every observation's statistic is computed on the history's runs.
        n: draws a predictive.
        counterfactuals: label → scenario extending the history (one event removed).
        seed: the root of the draws' seeds (must be ≥ 1000).
        workers: processes.
        statistics: statistics of the counterfactual runs (default
            :data:`COUNTERFACTUAL_STATISTICS`: a counterfactual may lack the scheduled event
            another statistic is measured from).

    Returns:
        ``{"posterior": …, "prior": …, <label>: …}``.
    """
    from ...calibration.abc import load_settings, posterior_draws, prior_draws
    from ...calibration.predictive import predict

    if seed < FIRST_SEED:
        raise ValueError(f"predictive seed root {seed}: use a held-out root >= {FIRST_SEED}")
    settings = load_settings(folder)
    names = tuple(dict.fromkeys(o.statistic for o in record.observations))
    post = posterior_draws(folder, n, seed=seed)
    prior = prior_draws(settings, n, seed=seed)
    end = record.end_month
    out = {"posterior": predict(scenario.params, post, statistics=names, end_month=end,
                                seed=seed, workers=workers),
           "prior": predict(scenario.params, prior, statistics=names, end_month=end,
                            seed=seed, workers=workers)}
    cf_names = tuple(statistics) if statistics is not None else COUNTERFACTUAL_STATISTICS
    for label, cf in (counterfactuals or {}).items():
        out[label] = predict(cf.params, post, statistics=cf_names, end_month=end, seed=seed,
                             workers=workers)
    return out


def forecast_comparison(posterior: Predictive, prior: Predictive) -> pd.DataFrame:
    """The forecasts under the posterior beside the prior's (one row a forecast).

    Columns: ``forecast``, ``posterior`` (value), ``posterior_low``, ``posterior_high``,
    ``prior``, ``prior_low``, ``prior_high``, ``n`` (posterior draws counted) and ``meaning``.
    A forecast whose posterior interval sits on the prior's only repeats the prior.
    """
    from ...calibration.predictive import forecast_table

    a, b = forecast_table(posterior), forecast_table(prior)
    out = a[["forecast"]].copy()
    out["posterior"], out["posterior_low"], out["posterior_high"] = a["value"], a["low"], a["high"]
    out["prior"], out["prior_low"], out["prior_high"] = b["value"], b["low"], b["high"]
    out["n"], out["meaning"] = a["n"], a["meaning"]
    return out


def posterior_correlations(folder: str | Path) -> pd.DataFrame:
    """The weighted correlation matrix of the calibrated particles (the pairs' ridges).

    A strong correlation between two parameters says the record pins down a combination of
    them (a ridge), not each alone.
    """
    import numpy as np
    import pandas as pd

    from ...calibration.abc import posterior

    table = posterior(folder)
    keys = [c for c in table.columns if c not in ("generation", "weight")]
    x = table[keys].to_numpy(dtype=float)
    w = table["weight"].to_numpy(dtype=float)
    cov = np.cov(x, rowvar=False, aweights=w)
    sd = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(sd, sd)
    return pd.DataFrame(corr, index=keys, columns=keys)


def predictive_check(posterior: Predictive, prior: Predictive, observations: Sequence[Any], *,
                     level: float = 0.9) -> pd.DataFrame:
    """Each observation beside its posterior and prior predictive intervals.

    Columns: ``observation``, ``set``, ``status`` (:data:`SET_STATUS`), ``statistic``,
    ``observed``, ``obs_low``, ``obs_high``, ``post_median``, ``post_low``, ``post_high``,
    ``post_inside`` (the observed value lies in the posterior's central ``level`` interval),
    ``post_percentile`` (share of draws at or below it), and the same for the prior.
    """
    from ...calibration.predictive import heldout_table

    a = heldout_table(posterior, observations, level=level)
    b = heldout_table(prior, observations, level=level).set_index("name").reindex(a["name"])
    out = a[["name", "set", "statistic", "observed", "obs_low", "obs_high"]].rename(
        columns={"name": "observation"})
    out.insert(2, "status", out["set"].map(SET_STATUS))
    for col in ("median", "low", "high", "inside", "percentile"):
        out[f"post_{col}"] = a[col].to_numpy()
    for col in ("median", "low", "high", "inside", "percentile"):
        out[f"prior_{col}"] = b[col].to_numpy()
    return out


def crackdown_timing(runs: Mapping[str, Predictive], record: Record,
                     sectors: Sequence[str] = ("platform", "fintech"),
                     window: tuple[str, str] = ("2020-10", "2020-12")) -> pd.DataFrame:
    """When each predictive's first crackdowns came, one row a predictive and sector.

    Columns: ``run``, ``sector``, ``onset_median`` (a date), ``in_window`` (share of draws
    whose first onset falls in ``window``, the record's months), ``before_window`` (earlier),
    ``none_by_end`` (no crackdown by the record's end), ``length_median`` (months, draws with a
    crackdown) and ``n``.
    """
    import numpy as np
    import pandas as pd

    from ...calibration.record import month_index

    lo, hi = (month_index(d, record.start_date) for d in window)
    end = record.end_month
    rows = []
    for label, pred in runs.items():
        for s in sectors:
            onset = pred.statistics[f"first_onset.{s}"].to_numpy(dtype=float)
            length = pred.statistics[f"first_length.{s}"].to_numpy(dtype=float)
            started = onset <= end
            rows.append({
                "run": label, "sector": s,
                "onset_median": month_date(float(np.median(onset)), record.start_date)
                if np.median(onset) <= end else "none by the end",
                "in_window": float(np.mean((onset >= lo) & (onset <= hi))),
                "before_window": float(np.mean(onset < lo)),
                "none_by_end": float(np.mean(~started)),
                "length_median": float(np.median(length[started])) if started.any()
                else float("nan"),
                "n": len(onset)})
    return pd.DataFrame(rows)


def _share(mask: Any) -> float:
    """The share of True in a boolean array (NaN when it is empty)."""
    import numpy as np

    return float(np.mean(mask)) if len(mask) else float("nan")


def counterfactual_given_timing(history: Predictive, others: Mapping[str, Predictive],
                                record: Record,
                                sectors: Sequence[str] = ("platform", "fintech"),
                                window: tuple[str, str] = ("2020-10", "2020-12"),
                                level: float = 0.9) -> pd.DataFrame:
    """The counterfactuals in the draws whose history matches the record's timing.

    Under the posterior many draws start a sector's first crackdown years before 2020; a shock
    of Oct 2020 cannot move those, so the paired shifts over all draws are mostly zero. This
    keeps the draws whose history has the sector's first onset in ``window`` (the record's
    months) and asks, draw by draw, what the counterfactual did there.

    Columns: ``counterfactual``, ``sector``, ``n`` (matching draws), ``same_window`` (share whose
    counterfactual onset also falls in the window), ``later`` (after it, by the record's end),
    ``none_by_end`` (no crackdown by the record's end), ``earlier``, ``onset_shift_median``
    (months; an onset that never comes counts as the month after the record's end),
    ``length_shift_median``, ``length_shift_low`` / ``_high`` (central ``level`` interval of the
    paired length shifts, draws where both crackdowns started).
    """
    import numpy as np
    import pandas as pd

    from ...calibration.record import month_index

    lo, hi = (month_index(d, record.start_date) for d in window)
    end = record.end_month
    q_lo, q_hi = (1 - level) / 2, 1 - (1 - level) / 2
    rows = []
    for label, cf in others.items():
        if cf.seeds != history.seeds:
            raise ValueError(f"{label}: its draws do not share the history's seeds")
        for s in sectors:
            h_on = history.statistics[f"first_onset.{s}"].to_numpy(dtype=float)
            c_on = cf.statistics[f"first_onset.{s}"].to_numpy(dtype=float)
            h_len = history.statistics[f"first_length.{s}"].to_numpy(dtype=float)
            c_len = cf.statistics[f"first_length.{s}"].to_numpy(dtype=float)
            keep = (h_on >= lo) & (h_on <= hi)
            n = int(keep.sum())
            both = keep & (c_on <= end)
            d_len = c_len[both] - h_len[both]
            q = np.quantile(d_len, [q_lo, 0.5, q_hi]) if d_len.size else [np.nan] * 3
            c = c_on[keep]
            rows.append({
                "counterfactual": label, "sector": s, "n": n,
                "same_window": _share((c >= lo) & (c <= hi)),
                "later": _share((c > hi) & (c <= end)),
                "none_by_end": _share(c > end),
                "earlier": _share(c < lo),
                "onset_shift_median": float(np.median(c - h_on[keep])) if n else float("nan"),
                "length_shift_median": float(q[1]), "length_shift_low": float(q[0]),
                "length_shift_high": float(q[2])})
    return pd.DataFrame(rows)
