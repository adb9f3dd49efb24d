"""Policy hypotheses against the baseline over the same seeds (common random numbers).

Every scenario of MODEL.md §6 extends ``baseline.toml`` and so runs the baseline's seeds: run
``i`` of a hypothesis and run ``i`` of the baseline share their random stream. The comparison is
then *paired*: :func:`paired_compare` takes, seed by seed, the difference between a hypothesis
and the baseline, and gives the mean (or median) of those differences with a percentile
bootstrap interval over seeds. Pairing removes the part of the run-to-run noise the two
scenarios share, so intervals are narrower than those of unpaired differences of medians
(:func:`sim.analysis.summary.compare`).

Under a posterior (a scenario's ``[posterior]`` table, :mod:`sim.experiment.scenario`), run
``r`` also runs draw ``r mod n_draws`` of the parameters, and every hypothesis that extends the
calibrated scenario inherits the draws with the seeds: pairing on the seed is then pairing on
(seed, draw), so effects carry parameter uncertainty as well as seed noise. Pair on
``["seed", *drawn parameters]`` (:func:`drawn_parameters` names them) to make sure of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .frames import col, sectors_of

HYPOTHESIS_METRICS: dict[str, str] = {
    "enforcement_sd": "amplitude: sd of enforcement over sector-months",
    "amplitude_median": "amplitude: median crackdown rise (peak − trough enforcement)",
    "n_crackdowns": "frequency: crackdown onsets in the run, all sectors",
    "dominant_period": "frequency: dominant period of enforcement (months)",
    "share_crackdown": "time in crackdown: share of sector-months",
    "enforcement_mean": "level: mean enforcement over sector-months",
    "mean_harm": "harm: mean total harm a month",
    "harm_intensity": "harm: mean total harm per unit of tech revenue",
    "mean_valuation": "valuation: mean valuation index",
    "drawdown_max": "valuation: largest drawdown around a crackdown",
    "fines_paid": "fines: total over the run",
    "mean_revenue": "size: mean tech revenue a month",
}
"""The per-run metrics a hypothesis is judged on: :data:`sim.analysis.summary.RUN_METRICS`
and :data:`EXTRA_METRICS`."""

EXTRA_METRICS: dict[str, str] = {
    "harm_intensity": "mean over months of total harm / tech revenue",
    "mean_revenue": "mean over months of tech revenue",
}
"""Per-run metrics :func:`extra_metrics` adds to the summary table (harm relative to size)."""


def extra_metrics(series: pd.DataFrame, by: str = "run_id") -> pd.DataFrame:
    """:data:`EXTRA_METRICS` of every run of a long series frame.

    Absolute harm grows with the economy: a policy that lets the sector grow also lets its harm
    grow. Harm per unit of revenue separates conduct from size.

    Args:
        series: series of one or more runs (``tech_revenue``, ``harm.<sector>``, ``by``).
        by: the run identifier column.

    Returns:
        One row per run: ``by``, then the extra metrics.
    """
    harm = series[[col("harm", s) for s in sectors_of(series)]].sum(axis=1).to_numpy(float)
    revenue = series["tech_revenue"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        intensity = np.where(revenue > 0, harm / revenue, np.nan)
    frame = pd.DataFrame({by: series[by].to_numpy(), "harm_intensity": intensity,
                          "mean_revenue": revenue})
    return frame.groupby(by, sort=True).mean().reset_index()


def hypothesis_summary(folders: Mapping[str, str | Path], *,
                       params: Sequence[str] = ()) -> pd.DataFrame:
    """One row per run of several results folders: cycle metrics plus :data:`EXTRA_METRICS`.

    Args:
        folders: ``{scenario: results folder}`` (e.g. :func:`sim.app.notebooks.run_all`).
        params: parameter columns of the runs tables to join, e.g.
            :func:`drawn_parameters` of the folders, to pair runs on them.

    Returns:
        The folders' ``summary.parquet`` tables (:func:`sim.analysis.results.load_summary`)
        concatenated in the order given, each run's extra metrics joined on ``run_id``, and the
        ``scenario`` column set to the dictionary's keys.

    Raises:
        sim.experiment.store.StoreError: if a folder did not store ``tech_revenue``,
        ``phase.<sector>``
            or ``harm.<sector>`` (its scenario's ``run.series`` left them out).
    """
    from ..experiment.store import RUNS, load_results, require_stored
    from .results import load_summary

    parts = []
    for name, folder in folders.items():
        require_stored(folder, "the extra metrics (harm_intensity, mean_revenue)",
                       columns=["tech_revenue"], quantities=["phase", "harm"])
        table = load_summary(folder, params=False)
        extra = extra_metrics(load_results(folder, params=False).series)
        table = table.merge(extra, on="run_id", how="left", validate="1:1")
        if params:
            runs = pd.read_parquet(Path(folder) / RUNS, columns=["run_id", *params])
            table = table.merge(runs, on="run_id", how="left", validate="1:1")
        table["scenario"] = name
        parts.append(table)
    return pd.concat(parts, ignore_index=True)


def drawn_parameters(folders: Sequence[str | Path]) -> list[str]:
    """The parameters drawn from a posterior in every one of these results folders.

    Read from each manifest's ``posterior`` entry. Empty when a folder ran without a posterior
    (or is no results folder) or when the folders drew different parameters: then only the
    seed can pair runs.
    """
    import json

    from ..experiment.store import MANIFEST

    keys: list[str] | None = None
    for folder in folders:
        try:
            manifest = json.loads((Path(folder) / MANIFEST).read_text())
        except (OSError, ValueError):  # not a results folder: whoever reads it next says so
            return []
        drawn = (manifest.get("posterior") or {}).get("parameters") or []
        if keys is not None and drawn != keys:
            return []
        keys = list(drawn)
    return keys or []


PAIRED_COLUMNS: tuple[str, ...] = (
    "metric", "n", "reference", "value", "diff", "diff_lo", "diff_hi", "rel", "rel_lo",
    "rel_hi", "clear",
)
"""Columns of :func:`paired_compare` after the grouping column."""


def _stat(x: np.ndarray, stat: str, axis: int | None = None) -> np.ndarray | float:
    return np.mean(x, axis=axis) if stat == "mean" else np.median(x, axis=axis)


def paired_differences(summary: pd.DataFrame, metric: str, group: str, *,
                       reference: str = "baseline", by: str = "scenario",
                       pair: str | Sequence[str] = "seed") -> pd.DataFrame:
    """Seed-by-seed values of one metric in a group and in the reference.

    Args:
        summary: one row per run with the ``by``, ``pair`` and ``metric`` columns.
        metric: the metric.
        group: the hypothesis.
        reference: the reference group.
        by: the grouping column.
        pair: the column runs are paired on, or several: ``["seed", *drawn parameters]``
            pairs runs over posterior draws too, keeping only runs whose seed *and* draw
            agree (scenarios extending one calibrated scenario share both, replication by
            replication: :func:`sim.experiment.runner.expand`).

    Returns:
        One row per seed present in both groups with finite values in both: the ``pair``
        columns, ``reference``, ``value`` and ``diff = value − reference``.
    """
    on = [pair] if isinstance(pair, str) else list(pair)
    ref = summary.loc[summary[by] == reference, [*on, metric]].rename(
        columns={metric: "reference"})
    mine = summary.loc[summary[by] == group, [*on, metric]].rename(columns={metric: "value"})
    if ref.duplicated(on).any() or mine.duplicated(on).any():
        raise ValueError(f"{pair!r} repeats within a group: runs cannot be paired")
    both = ref.merge(mine, on=on, how="inner")
    both = both.loc[np.isfinite(both["reference"].to_numpy(float))
                    & np.isfinite(both["value"].to_numpy(float))].reset_index(drop=True)
    both["diff"] = both["value"] - both["reference"]
    return both


def paired_compare(summary: pd.DataFrame, metrics: Sequence[str], *,
                   reference: str = "baseline", by: str = "scenario",
                   pair: str | Sequence[str] = "seed",
                   stat: str = "mean", n_boot: int = 2000, level: float = 0.9,
                   rng: int | np.random.Generator | None = 0) -> pd.DataFrame:
    """Each group against the reference, seed by seed, on chosen metrics.

    Args:
        summary: one row per run (:func:`sim.analysis.summary.summarize_runs` of several
            scenarios concatenated) with ``by`` and ``pair`` columns.
        metrics: metric columns.
        reference: the group differences are taken against.
        by: the grouping column.
        pair: the column runs are paired on (the seed), or several (the seed and the drawn
            parameters of a posterior: see :func:`paired_differences`).
        stat: ``"mean"`` or ``"median"`` of the paired differences (and of the values).
        n_boot: bootstrap resamples of the seeds.
        level: interval coverage (0.9: the 5th and 95th percentiles).
        rng: seed or Generator for the bootstrap.

    Returns:
        One row per (group, metric), groups in order of appearance, reference first, with
        ``by`` then :data:`PAIRED_COLUMNS`: ``n`` pairs with finite values, ``reference`` and
        ``value`` (the statistic of each side over those pairs), ``diff`` (the statistic of the
        paired differences) with its bootstrap interval ``diff_lo``–``diff_hi``, the same
        relative to the reference's statistic (``rel``, its interval resampled as a ratio;
        NaN when the reference's statistic can be 0), and ``clear``: whether the interval of
        ``diff`` excludes 0. The reference's own rows have ``diff = 0`` and NaN
        intervals, as :func:`sim.plots.plot_comparison` expects.

    Raises:
        ValueError: for an unknown ``stat`` or a reference absent from the table.
    """
    if stat not in ("mean", "median"):
        raise ValueError(f"stat must be 'mean' or 'median', not {stat!r}")
    groups = list(dict.fromkeys(summary[by].tolist()))
    if reference not in groups:
        raise ValueError(f"reference {reference!r} not among {groups}")
    groups = [reference, *[g for g in groups if g != reference]]
    gen = np.random.default_rng(rng)
    tail = (1.0 - level) / 2.0
    rows = []
    for metric in metrics:
        ref_all = summary.loc[summary[by] == reference, metric].to_numpy(float)
        ref_all = ref_all[np.isfinite(ref_all)]
        for g in groups:
            row: dict[str, object] = {by: g, "metric": metric}
            if g == reference:
                value = float(_stat(ref_all, stat)) if ref_all.size else np.nan
                row |= {"n": int(ref_all.size), "reference": value, "value": value,
                        "diff": 0.0 if ref_all.size else np.nan, "diff_lo": np.nan,
                        "diff_hi": np.nan, "rel": 0.0 if ref_all.size else np.nan,
                        "rel_lo": np.nan, "rel_hi": np.nan, "clear": False}
                rows.append(row)
                continue
            both = paired_differences(summary, metric, g, reference=reference, by=by,
                                      pair=pair)
            d = both["diff"].to_numpy(float)
            if d.size == 0:
                row |= {"n": 0, "reference": np.nan, "value": np.nan, "diff": np.nan,
                        "diff_lo": np.nan, "diff_hi": np.nan, "rel": np.nan,
                        "rel_lo": np.nan, "rel_hi": np.nan, "clear": False}
                rows.append(row)
                continue
            r = both["reference"].to_numpy(float)
            base = float(_stat(r, stat))
            idx = gen.integers(0, d.size, size=(n_boot, d.size))
            boot = np.asarray(_stat(d[idx], stat, axis=1), dtype=float)
            with np.errstate(divide="ignore", invalid="ignore"):
                # the relative change is resampled as a ratio (numerator and denominator
                # from the same seeds), so its interval is that of the ratio
                rel_boot = boot / np.abs(np.asarray(_stat(r[idx], stat, axis=1), dtype=float))
            diff = float(_stat(d, stat))
            lo, hi = (float(v) for v in np.quantile(boot, [tail, 1.0 - tail]))
            if base != 0 and np.isfinite(rel_boot).all():
                rel = diff / abs(base)
                rel_lo, rel_hi = (float(v) for v in np.quantile(rel_boot, [tail, 1.0 - tail]))
            else:
                rel = rel_lo = rel_hi = np.nan
            row |= {"n": int(d.size), "reference": base,
                    "value": float(_stat(both["value"].to_numpy(float), stat)),
                    "diff": diff, "diff_lo": lo, "diff_hi": hi, "rel": rel,
                    "rel_lo": rel_lo, "rel_hi": rel_hi, "clear": bool(lo > 0 or hi < 0)}
            rows.append(row)
    return pd.DataFrame(rows, columns=[by, *PAIRED_COLUMNS])


def effect_table(table: pd.DataFrame, *, by: str = "scenario", column: str = "rel",
                 labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Pivot a :func:`paired_compare` table: groups as rows, metrics as columns.

    Args:
        table: output of :func:`paired_compare`.
        by: its grouping column.
        column: the value to show (``rel``, ``diff``, ``value``...).
        labels: optional new names for the metric columns.

    Returns:
        A frame indexed by group (reference first) with one column per metric, in the order
        of the table.
    """
    wide = table.pivot(index=by, columns="metric", values=column)
    wide = wide.loc[list(dict.fromkeys(table[by])), list(dict.fromkeys(table["metric"]))]
    wide.columns.name = None
    return wide.rename(columns=dict(labels or {}))


def format_effects(table: pd.DataFrame, *, by: str = "scenario", relative: bool = True,
                   digits: int = 1) -> pd.DataFrame:
    """A :func:`paired_compare` table as readable text: one cell per (group, metric).

    Args:
        table: output of :func:`paired_compare`.
        by: its grouping column.
        relative: write changes in % of the reference (else in the metric's units).
        digits: decimals of the changes.

    Returns:
        Groups as rows and metrics as columns. The reference's row holds its values; every
        other cell reads ``"−57.5 % [−59.9, −55.0]"`` (change and interval), followed by
        ``" *"`` when the interval excludes 0, or ``"n/a"`` when the metric is undefined.
    """
    unit = " %" if relative else ""
    scale = 100.0 if relative else 1.0
    key = "rel" if relative else "diff"

    def cell(r: pd.Series) -> str:
        if r["diff_lo"] != r["diff_lo"] and r["diff"] == 0:  # the reference: its value
            return f"{r['value']:.4g}"
        if not np.isfinite(r[key]):
            return "n/a"
        v, lo, hi = (scale * float(r[k]) for k in (key, f"{key}_lo", f"{key}_hi"))
        return (f"{v:+.{digits}f}{unit} [{lo:+.{digits}f}, {hi:+.{digits}f}]"
                + (" *" if r["clear"] else ""))

    text = table.assign(text=table.apply(cell, axis=1))
    return effect_table(text, by=by, column="text")


def share_in_phase(series: pd.DataFrame, sector: str, phase: str, start: str | int,
                   end: str | int, *, by: str = "run_id") -> float:
    """Share of runs in which a sector is in a phase at some month of a window.

    Args:
        series: series of several runs (``by``, ``month``, ``date``, ``phase.<sector>``).
        sector: the sector.
        phase: the phase name (``CRACKDOWN``).
        start: first month of the window: a month number or ``"YYYY-MM"``.
        end: last month of the window (inclusive), likewise.
        by: the run identifier column.

    Returns:
        The share of runs (NaN without runs).
    """
    def position(x: str | int) -> pd.Period | int:
        return pd.Period(x, "M") if isinstance(x, str) else x

    months = pd.to_datetime(series["date"]).dt.to_period("M")
    lo = months if isinstance(start, str) else series["month"]
    hi = months if isinstance(end, str) else series["month"]
    inside = ((lo >= position(start)) & (hi <= position(end))).to_numpy()
    hit = (series[col("phase", sector)].astype(str) == phase).to_numpy() & inside
    per_run = pd.Series(hit).groupby(series[by].to_numpy()).any()
    return float(per_run.mean()) if len(per_run) else float("nan")


__all__ = [
    "EXTRA_METRICS",
    "HYPOTHESIS_METRICS",
    "PAIRED_COLUMNS",
    "drawn_parameters",
    "effect_table",
    "extra_metrics",
    "format_effects",
    "hypothesis_summary",
    "paired_compare",
    "paired_differences",
    "share_in_phase",
]
