"""Per-run summaries and their aggregation across runs (pure functions over frames).

* :func:`summarize_run` turns one run's series and events into a flat ``dict`` of scalar
  metrics (names and meanings in :data:`RUN_METRICS`; per-sector ones are ``<metric>.<sector>``);
* :func:`summarize_runs` does it for every run of long frames carrying a ``run_id``;
* :func:`aggregate` gives medians and quantile intervals of every metric per scenario;
* :func:`ensemble_quantiles` gives month-by-month quantiles of a series over replications;
* :func:`bootstrap_median_difference` and :func:`compare` set scenarios side by side;
* :func:`sweep_table` pivots a metric's median over two swept parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..model.states import EventKind, Phase
from .frames import col
from .metrics import (
    BANNED,
    COMPROMISE,
    CRACKDOWN,
    DEFAULT_WINDOW,
    LOOSE,
    MIN_SPECTRUM_LENGTH,
    _nanmean,
    _nanmedian,
    coefficient_of_variation,
    dominant_period,
    excess_kurtosis,
    peak_period,
    periodogram,
)
from .runview import RunView, complete_cycles_of, crackdown_rows, onset_periods_of, synchrony_of

EPISODE_METRICS: dict[str, str] = {
    "onset": "first CRACKDOWN month of the episode",
    "end": "last CRACKDOWN month of the episode",
    "duration": "months in CRACKDOWN (end − onset + 1)",
    "left_censored": "the run started inside this crackdown",
    "right_censored": "the run ended inside this crackdown",
    "next_phase": "phase after the crackdown (COMPROMISE, BANNED, or None at the run's end)",
    "cycle_end": "last month of the following COMPROMISE (else the crackdown's last month)",
    "trigger": "month of the phase_change event to CRACKDOWN (else the onset)",
    "trough_enforcement": "minimum enforcement over the episode before the crackdown",
    "peak_enforcement": "maximum enforcement from onset to cycle end",
    "peak_month": "month of that maximum",
    "amplitude": "peak − trough enforcement",
    "onset_sharpness": "months from 10 % to 90 % of the rise from the month before onset to the "
                       "peak (linear interpolation)",
    "trigger_to_sanction": "months from the trigger to the sector's first sanction event at or "
                           "after it (within the cycle)",
    "peak_to_compromise": "months from the first month enforcement reaches 90 % of its rise "
                          "(the peak plateau) to the first COMPROMISE month",
    "pain_at_exit": "perceived pain in the first COMPROMISE month",
    "drawdown_sector": "1 − (min sector valuation over the cycle) / (max over the window "
                       "before onset, onset included)",
    "drawdown_index": "the same for the valuation index",
    "harm_before": "mean sector harm over the window before onset",
    "harm_after": "mean sector harm over the window after the crackdown's last month",
    "floor_before": "regulatory floor in the month before onset",
    "floor_after": "regulatory floor at cycle end",
    "fines": "fines imposed in the sector during the crackdown",
}
"""Meaning of each column of :func:`sim.analysis.metrics.crackdowns` (window: 12 months)."""

RUN_METRICS: dict[str, str] = {
    "n_crackdowns": "crackdown onsets, all sectors (a crackdown under way at month 0 not counted)",
    "n_cycles": "complete cycles: CRACKDOWN → COMPROMISE → LOOSE, all sectors",
    "n_bans": "sectors that end the run BANNED",
    "period_median": "median months from a crackdown onset to the next onset in the same sector",
    "period_cv": "coefficient of variation (sd, ddof 1, / mean) of those periods",
    "loose_median": "median duration of complete LOOSE episodes (months)",
    "loose_cv": "coefficient of variation of complete LOOSE durations",
    "crackdown_median": "median duration of complete CRACKDOWN episodes (months)",
    "compromise_median": "median duration of complete COMPROMISE episodes (months)",
    "share_loose": "share of sector-months in LOOSE",
    "share_compromise": "share of sector-months in COMPROMISE",
    "share_crackdown": "share of sector-months in CRACKDOWN",
    "share_banned": "share of sector-months BANNED",
    "dominant_period": "period (months) of the highest peak of the summed periodograms of the "
                       "enforcement of sectors never BANNED (scipy.signal.periodogram, linear "
                       "trend removed, zero-padded ×4)",
    "sync_overlap": "mean pairwise Jaccard overlap of sectors' CRACKDOWN months",
    "sync_plv": "mean pairwise phase-locking value (Hilbert phase) of the enforcement of sectors "
                "never BANNED",
    "enforcement_kurtosis": "excess kurtosis of monthly changes in enforcement, sectors pooled "
                            "(BANNED months left out)",
    "enforcement_mean": "mean enforcement over sector-months not BANNED",
    "enforcement_sd": "standard deviation (ddof 0) of enforcement over sector-months not BANNED",
    "amplitude_median": "median crackdown amplitude (peak − trough enforcement)",
    "onset_sharpness_median": "median 10–90 % rise time of enforcement (months)",
    "trigger_to_sanction_median": "median months from trigger to first sanction",
    "peak_to_compromise_median": "median months from peak plateau (90 % of the rise) to "
                                 "COMPROMISE",
    "drawdown_median": "median valuation-index drawdown around crackdowns",
    "drawdown_max": "largest valuation-index drawdown around a crackdown",
    "floor_ratchet_share": "share of crackdowns whose floor after exceeds the floor before",
    "harm_change_median": "median of (harm after − harm before) / harm before per crackdown",
    "mean_harm": "mean over months of total harm (Σ sectors)",
    "mean_valuation": "mean valuation index",
    "fines_paid": "Σ fines over the run",
    "fine_share_median": "median sanction fine as a share of annual revenue (event magnitude)",
    "fine_share_max": "largest such share",
}
"""Meaning of each per-run metric of :func:`summarize_run`."""

SECTOR_RUN_METRICS: dict[str, str] = {
    "n_crackdowns": "crackdown onsets in the sector",
    "share_loose": "share of the sector's months in LOOSE",
    "share_crackdown": "share of the sector's months in CRACKDOWN",
    "dominant_period": "dominant period of the sector's enforcement (months before any ban)",
}
"""Per-sector run metrics, named ``<metric>.<sector>``."""

SUMMARY_COLUMNS: tuple[str, ...] = ("month", "perceived_pain", "valuation_index", "fines_total")
"""Aggregate series columns the run metrics read (a folder must store them to remake them)."""

SUMMARY_QUANTITIES: tuple[str, ...] = ("phase", "enforcement", "harm", "floor", "fines",
                                       "valuation")
"""Per-sector quantities the run metrics read, for every sector."""

SUMMARY_EVENTS: tuple[str, ...] = (EventKind.SANCTION.value, EventKind.PHASE_CHANGE.value)
"""Event kinds the run metrics read."""

ID_COLUMNS: tuple[str, ...] = ("run_id", "seed", "scenario", "replicate")
"""Identifier columns carried into summary tables but never aggregated."""


def summarize_run(series: pd.DataFrame, events: pd.DataFrame | None = None, *,
                  window: int = DEFAULT_WINDOW) -> dict[str, float]:
    """Scalar cycle metrics of one run.

    Args:
        series: one run's series frame (schema columns).
        events: its event log (schema columns), or ``None``: event-based metrics become NaN.
        window: months of the before/after windows of crackdown metrics.

    Returns:
        ``{metric: value}`` with the keys of :data:`RUN_METRICS` followed by
        ``<metric>.<sector>`` for the keys of :data:`SECTOR_RUN_METRICS`.
    """
    view = RunView(series, events)
    names = view.sectors
    eps = [ep for s in names for ep in view.episodes(s)]
    rows = crackdown_rows(view, window)

    def cds(name: str) -> np.ndarray:
        return np.array([r[name] for r in rows], dtype=float)

    complete = [ep for ep in eps if ep.complete]
    phase_arrays = [view.phases(s) for s in names]
    values = np.concatenate(phase_arrays) if names else np.array([], dtype=str)
    shares = {p.name: float((values == p.name).sum() / values.size) if values.size
              else float("nan") for p in Phase}
    live = [s for s, ph in zip(names, phase_arrays, strict=True) if (ph != BANNED).all()]
    sync = synchrony_of(view, names, live)
    # enforcement of a BANNED sector no longer swings: moments use live months only, and the
    # spectrum (which needs aligned series) the sectors never banned
    enf = [view.floats(col("enforcement", s))[ph != BANNED]
           for s, ph in zip(names, phase_arrays, strict=True)]
    pooled = np.concatenate(enf) if enf else np.array([])
    diffs = np.concatenate([np.diff(e) for e in enf]) if enf else np.array([])
    aligned = [view.floats(col("enforcement", s)) for s in live]
    # a sector's spectrum, once: its own dominant period and (never banned) the summed one
    spectra = {s: periodogram(e) for s, e in zip(names, enf, strict=True)
               if e.size >= MIN_SPECTRUM_LENGTH}
    periods = onset_periods_of(view, names)
    onsets = [ep for ep in eps if ep.phase == CRACKDOWN and not ep.left_censored]
    last_phase = [str(ph[-1]) for ph in phase_arrays] if len(series) else []
    harm_total = (series[[col("harm", s) for s in names]].to_numpy(dtype=float).sum(axis=1)
                  if names else np.array([]))
    ratchet = cds("floor_after") > cds("floor_before")
    ratchet_ok = np.array([r["next_phase"] == COMPROMISE for r in rows], dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        harm_change = np.array((cds("harm_after") - cds("harm_before")) / cds("harm_before"),
                               dtype=float)
    harm_change[~np.isfinite(harm_change)] = np.nan
    fine_shares = view.event_arrays()["magnitude"][view.event_mask(EventKind.SANCTION.value)]
    drawdown_index = cds("drawdown_index")

    def durations(phase: str) -> np.ndarray:
        return np.array([ep.duration for ep in complete if ep.phase == phase], dtype=float)

    out: dict[str, float] = {
        "n_crackdowns": float(len(onsets)),
        "n_cycles": float(complete_cycles_of(view, names)),
        "n_bans": float(sum(p == BANNED for p in last_phase)),
        "period_median": _nanmedian(periods),
        "period_cv": coefficient_of_variation(periods),
        "loose_median": _nanmedian(durations(LOOSE)),
        "loose_cv": coefficient_of_variation(durations(LOOSE)),
        "crackdown_median": _nanmedian(durations(CRACKDOWN)),
        "compromise_median": _nanmedian(durations(COMPROMISE)),
        "share_loose": shares[LOOSE],
        "share_compromise": shares[COMPROMISE],
        "share_crackdown": shares[CRACKDOWN],
        "share_banned": shares[BANNED],
        "dominant_period": peak_period([spectra[s] for s in live])
        if live and len(series) >= MIN_SPECTRUM_LENGTH
        else dominant_period(aligned) if aligned else float("nan"),
        "sync_overlap": sync["overlap"],
        "sync_plv": sync["plv"],
        "enforcement_kurtosis": excess_kurtosis(diffs),
        "enforcement_mean": _nanmean(pooled),
        "enforcement_sd": float(np.nanstd(pooled)) if pooled.size else float("nan"),
        "amplitude_median": _nanmedian(cds("amplitude")),
        "onset_sharpness_median": _nanmedian(cds("onset_sharpness")),
        "trigger_to_sanction_median": _nanmedian(cds("trigger_to_sanction")),
        "peak_to_compromise_median": _nanmedian(cds("peak_to_compromise")),
        "drawdown_median": _nanmedian(drawdown_index),
        "drawdown_max": float(np.nanmax(drawdown_index))
        if np.isfinite(drawdown_index).any() else float("nan"),
        "floor_ratchet_share": float(ratchet[ratchet_ok].mean()) if ratchet_ok.any()
        else float("nan"),
        "harm_change_median": _nanmedian(harm_change),
        "mean_harm": _nanmean(harm_total),
        "mean_valuation": _nanmean(series["valuation_index"]) if "valuation_index"
        in series.columns else float("nan"),
        "fines_paid": float(series["fines_total"].sum()) if "fines_total" in series.columns
        else float("nan"),
        "fine_share_median": _nanmedian(fine_shares),
        "fine_share_max": float(np.nanmax(fine_shares)) if np.isfinite(fine_shares).any()
        else float("nan"),
    }
    for s, e, phases in zip(names, enf, phase_arrays, strict=True):
        out[col("n_crackdowns", s)] = float(sum(ep.phase == CRACKDOWN and not ep.left_censored
                                                for ep in view.episodes(s)))
        out[col("share_loose", s)] = float(np.mean(phases == LOOSE)) if phases.size \
            else float("nan")
        out[col("share_crackdown", s)] = float(np.mean(phases == CRACKDOWN)) if phases.size \
            else float("nan")
        out[col("dominant_period", s)] = peak_period([spectra[s]]) if s in spectra \
            else dominant_period(e)
    return out


def summarize_runs(series: pd.DataFrame, events: pd.DataFrame | None = None, *,
                   by: str = "run_id", window: int = DEFAULT_WINDOW) -> pd.DataFrame:
    """Summaries of many runs stored in long frames (one block of rows per run).

    Args:
        series: series of several runs with a ``by`` column (default ``run_id``).
        events: their event logs with the same ``by`` column, or ``None``.
        by: the run identifier column.
        window: see :func:`summarize_run`.

    Returns:
        One row per run: the identifier columns present among :data:`ID_COLUMNS` (first value
        per run), then the metrics.
    """
    ids = [c for c in ID_COLUMNS if c in series.columns]
    if by not in ids:
        ids.insert(0, by)
    keys = series[by].to_numpy()
    if len(keys) and (keys == keys[0]).all() and ("month" not in series.columns or bool(
            (np.diff(series["month"].to_numpy(dtype=float)) > 0).all())):
        # one run, months in order (a worker's run): no grouping, sorting or copying
        ev = events
        if events is not None:
            ev = events.iloc[0:0] if by not in events.columns else \
                events if (events[by].to_numpy() == keys[0]).all() else \
                events.loc[events[by].to_numpy() == keys[0]]
        row = {c: series[c].iloc[0] for c in ids}
        return pd.DataFrame([row | summarize_run(series, ev, window=window)])
    ev_groups = dict(tuple(events.groupby(by, sort=False))) if events is not None \
        and by in events.columns else {}
    rows = []
    for key, block in series.groupby(by, sort=True):
        block = block.sort_values("month") if "month" in block.columns else block
        row: dict[str, object] = {c: block[c].iloc[0] for c in ids}
        ev = ev_groups.get(key, events.iloc[0:0] if events is not None else None)
        row |= summarize_run(block.reset_index(drop=True), ev, window=window)
        rows.append(row)
    return pd.DataFrame(rows)


def metric_columns(summary: pd.DataFrame) -> list[str]:
    """Numeric metric columns of a summary table (identifiers excluded)."""
    return [c for c in summary.columns
            if c not in ID_COLUMNS and pd.api.types.is_numeric_dtype(summary[c])
            and not pd.api.types.is_bool_dtype(summary[c])]


def aggregate(summary: pd.DataFrame, by: str | Sequence[str] | None = "scenario", *,
              quantiles: Sequence[float] = (0.05, 0.25, 0.75, 0.95),
              metrics: Iterable[str] | None = None) -> pd.DataFrame:
    """Medians and quantile intervals of every per-run metric, per group.

    Args:
        summary: one row per run (e.g. from :func:`summarize_runs`), with the ``by`` column(s).
        by: grouping column(s); a column the table lacks (or ``None``, meaning ``scenario``)
            pools all runs into one group called ``'all'``.
        quantiles: quantile levels written as columns ``q05``, ``q25``...
        metrics: metrics to aggregate (default: every numeric non-identifier column).

    Returns:
        A long frame: the ``by`` column(s), ``metric``, ``n`` (runs with a finite value),
        ``median``, ``mean``, then one column per quantile. NaN values are ignored.
    """
    keys = [by] if isinstance(by, str) else list(by or ["scenario"])
    frame = summary.copy()
    for k in keys:
        if k not in frame.columns:
            frame[k] = "all"
    names = list(metrics) if metrics is not None else metric_columns(frame)
    rows = []
    for group, block in frame.groupby(keys, sort=False):
        group = group if isinstance(group, tuple) else (group,)
        for name in names:
            x = block[name].to_numpy(dtype=float)
            x = x[np.isfinite(x)]
            row = dict(zip(keys, group, strict=True)) | {"metric": name, "n": int(x.size)}
            row["median"] = float(np.median(x)) if x.size else np.nan
            row["mean"] = float(np.mean(x)) if x.size else np.nan
            for q in quantiles:
                row[quantile_name(q)] = float(np.quantile(x, q)) if x.size else np.nan
            rows.append(row)
    return pd.DataFrame(rows)


def quantile_name(q: float) -> str:
    """Column name of a quantile level: 0.05 → 'q05', 0.5 → 'q50', 0.975 → 'q97.5'."""
    pct = round(q * 100, 6)
    return f"q{int(pct):02d}" if float(pct).is_integer() else f"q{pct:g}"


def ensemble_quantiles(series: pd.DataFrame, column: str, *, by: str = "run_id",
                       x: str = "month",
                       quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95)
                       ) -> pd.DataFrame:
    """Month-by-month quantiles of one series over replications.

    Args:
        series: long series frame of several runs (``by`` column; the ``x`` column).
        column: the series column.
        by: run identifier column (used only to count runs).
        x: the time column (``month``; ``date`` is carried along if present).
        quantiles: levels, written as ``q05``, ``q25``, ``q50``...

    Returns:
        One row per ``x`` value: ``x``, ``date`` (if present), ``n`` runs, then the quantiles.
    """
    grouped = series.groupby(x, sort=True)[column]
    out = pd.DataFrame({x: sorted(series[x].unique())})
    out["n"] = grouped.count().to_numpy()
    for q in quantiles:
        out[quantile_name(q)] = grouped.quantile(q).to_numpy()
    if "date" in series.columns and x != "date":
        out.insert(1, "date", series.groupby(x, sort=True)["date"].first().to_numpy())
    return out


def bootstrap_median_difference(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray,
                                *, n_boot: int = 2000, level: float = 0.9,
                                rng: int | np.random.Generator | None = 0
                                ) -> tuple[float, float, float]:
    """Difference of medians ``median(b) − median(a)`` with a percentile bootstrap interval.

    Each group is resampled with replacement independently ``n_boot`` times.

    Args:
        a: values of the reference group (NaN dropped).
        b: values of the other group (NaN dropped).
        n_boot: bootstrap resamples.
        level: coverage of the interval (0.9 → 5th and 95th percentiles).
        rng: seed or Generator (deterministic by default).

    Returns:
        ``(difference, low, high)``; all NaN if a group is empty.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size == 0 or b.size == 0:
        return (float("nan"),) * 3
    gen = np.random.default_rng(rng)
    ra = np.median(gen.choice(a, size=(n_boot, a.size), replace=True), axis=1)
    rb = np.median(gen.choice(b, size=(n_boot, b.size), replace=True), axis=1)
    diffs = rb - ra
    tail = (1.0 - level) / 2.0
    return (float(np.median(b) - np.median(a)), float(np.quantile(diffs, tail)),
            float(np.quantile(diffs, 1.0 - tail)))


def compare(summary: pd.DataFrame, metrics: Sequence[str], *, by: str = "scenario",
            reference: str | None = None, n_boot: int = 2000, level: float = 0.9,
            rng: int | np.random.Generator | None = 0) -> pd.DataFrame:
    """Set groups of runs side by side on chosen metrics.

    Args:
        summary: one row per run with the ``by`` column.
        metrics: metric columns to compare.
        by: grouping column (scenario).
        reference: the group differences are taken against (default: the first group).
        n_boot: bootstrap resamples.
        level: interval coverage.
        rng: seed or Generator for the bootstrap.

    Returns:
        One row per (group, metric): ``by``, ``metric``, ``n``, ``median``, ``diff`` (median
        minus the reference's), ``diff_lo``, ``diff_hi`` (bootstrap interval); the reference's
        own rows have ``diff = 0`` and NaN interval.
    """
    groups = list(dict.fromkeys(summary[by].tolist()))
    ref = groups[0] if reference is None else reference
    if ref not in groups:
        raise KeyError(f"reference {ref!r} not among {groups}")
    gen = np.random.default_rng(rng)
    rows = []
    for metric in metrics:
        base = summary.loc[summary[by] == ref, metric].to_numpy(dtype=float)
        for g in groups:
            x = summary.loc[summary[by] == g, metric].to_numpy(dtype=float)
            finite = x[np.isfinite(x)]
            row = {by: g, "metric": metric, "n": int(finite.size),
                   "median": float(np.median(finite)) if finite.size else np.nan}
            if g == ref:
                row |= {"diff": 0.0 if finite.size else np.nan, "diff_lo": np.nan,
                        "diff_hi": np.nan}
            else:
                d, lo, hi = bootstrap_median_difference(base, x, n_boot=n_boot, level=level,
                                                        rng=gen)
                row |= {"diff": d, "diff_lo": lo, "diff_hi": hi}
            rows.append(row)
    return pd.DataFrame(rows)


def sweep_table(summary: pd.DataFrame, x: str, y: str, metric: str) -> pd.DataFrame:
    """Median of a metric over the grid of two swept parameters.

    Args:
        summary: one row per run with parameter columns ``x`` and ``y``.
        x: parameter on the columns.
        y: parameter on the rows.
        metric: the metric.

    Returns:
        A frame indexed by sorted ``y`` values with sorted ``x`` values as columns.
    """
    return summary.pivot_table(index=y, columns=x, values=metric, aggfunc="median").sort_index(
        axis=0).sort_index(axis=1)


def describe_metrics() -> Mapping[str, str]:
    """All metric names and meanings (run metrics, per-sector metrics, episode columns)."""
    return ({k: v for k, v in RUN_METRICS.items()}
            | {f"{k}.<sector>": v for k, v in SECTOR_RUN_METRICS.items()}
            | {f"episode.{k}": v for k, v in EPISODE_METRICS.items()})


__all__ = [
    "EPISODE_METRICS",
    "RUN_METRICS",
    "SECTOR_RUN_METRICS",
    "aggregate",
    "bootstrap_median_difference",
    "compare",
    "describe_metrics",
    "ensemble_quantiles",
    "summarize_run",
    "summarize_runs",
    "sweep_table",
]
