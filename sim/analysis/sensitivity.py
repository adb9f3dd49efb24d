"""Global sensitivity of cycle metrics to parameters: Morris screening and Sobol indices.

A sweep scenario with a ``morris`` or ``sobol`` design (:mod:`sim.experiment.sweep`) runs every
point of
its sample matrix for the same seeds. These functions take that matrix and the per-run metrics
of the results folder (``summary.parquet``, joined with the runs table's ``point`` column) and
hand them to SALib's analysers, which need exactly one outcome per point, in sample order:

* :func:`point_outcomes` averages each metric over a point's replications;
* :func:`morris_indices` and :func:`sobol_indices` return SALib's indices as tidy frames, one
  row per (metric, parameter), with the bootstrap confidence intervals SALib computes;
* :func:`ranking` orders the parameters by an index, and :func:`influential` picks those that
  matter;
* :func:`seed_noise` measures, in a design that runs every point with several seeds, how much of
  a metric's variance the seed alone makes (what an index of a one-seed design cannot tell
  from the parameters' effects).

A metric undefined at some point (e.g. no crackdown, so no amplitude) would stop SALib; such
points are filled with the metric's median over the other points and counted in ``n_filled``,
so the reader sees how much of an index rests on filled values.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

SENSITIVITY_METRICS: dict[str, str] = {
    "period_median": "period: median months from one crackdown onset to the next (same sector)",
    "enforcement_sd": "amplitude: sd of enforcement over sector-months",
    "mean_harm": "harm: mean total harm a month",
    "mean_valuation": "valuation: mean valuation index",
}
"""The outcomes notebook 03 analyses: period, amplitude, harm and valuation."""

MORRIS_COLUMNS: tuple[str, ...] = (
    "metric", "parameter", "mu", "mu_star", "sigma", "mu_star_conf", "mu_star_rel",
    "sigma_ratio", "n_filled",
)
"""Columns of :func:`morris_indices`."""

SOBOL_COLUMNS: tuple[str, ...] = (
    "metric", "parameter", "S1", "S1_conf", "ST", "ST_conf", "n_filled",
)
"""Columns of :func:`sobol_indices`."""


@dataclass(frozen=True)
class SweepDesign:
    """What SALib needs to know about a sweep that ran: its problem and its sample matrix.

    Attributes:
        design: ``morris``, ``sobol``, ``latin_hypercube``...
        problem: the SALib problem (``num_vars``, ``names``, ``bounds``).
        matrix: the sample matrix, one row per point in sample order, one column per name.
        levels: Morris grid levels.
        second_order: whether a Sobol design was sampled for second-order indices.
        replications: runs per point.
    """

    design: str
    problem: dict[str, Any]
    matrix: pd.DataFrame
    levels: int
    second_order: bool
    replications: int

    @property
    def n_points(self) -> int:
        """Points of the design."""
        return len(self.matrix)


def load_design(folder: str | Path) -> SweepDesign:
    """Read a sweep's design from its results folder (``manifest.json``, ``sweep.parquet``).

    Args:
        folder: the results folder of a sweep with a sampled design.

    Returns:
        The design.

    Raises:
        ValueError: if the folder holds no sweep, or one without a SALib problem.
    """
    folder = Path(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    sweep = manifest.get("sweep")
    if not sweep or "salib_problem" not in sweep:
        raise ValueError(f"{folder}: not a sweep with a sampled design (no SALib problem in "
                         "manifest.json)")
    problem = dict(sweep["salib_problem"])
    matrix = pd.read_parquet(folder / manifest["files"]["sweep"])
    if "point" in matrix.columns:
        matrix = matrix.set_index("point")
    matrix = matrix.sort_index()[list(problem["names"])]
    return SweepDesign(design=str(sweep["design"]), problem=problem, matrix=matrix,
                       levels=int(sweep.get("levels", 4)),
                       second_order=bool(sweep.get("second_order", False)),
                       replications=int(sweep.get("replications", 1)))


def parameter_table(design: SweepDesign, params: Any | None = None) -> pd.DataFrame:
    """The swept parameters: range, default and meaning.

    Args:
        design: a sweep's design (:func:`load_design`).
        params: the parameters whose values are shown as defaults (default ``Params()``).

    Returns:
        One row per parameter, in the design's order: ``parameter``, ``symbol``, ``low``,
        ``high``, ``default`` and ``meaning`` (from the parameter metadata).
    """
    from ..model.params import Params, field_for

    params = params if params is not None else Params()
    rows = []
    for key, (low, high) in zip(design.problem["names"], design.problem["bounds"], strict=True):
        meta = field_for(key, params).metadata
        rows.append({"parameter": key, "symbol": meta.get("symbol", ""), "low": low,
                     "high": high, "default": params.get(key), "meaning": meta.get("doc", "")})
    return pd.DataFrame(rows)


def point_outcomes(summary: pd.DataFrame, metrics: Sequence[str], *, point: str = "point",
                   n_points: int | None = None, stat: str = "mean") -> pd.DataFrame:
    """One value per sweep point and metric: the statistic over the point's replications.

    Args:
        summary: one row per run with a ``point`` column and the metrics.
        metrics: metric columns.
        point: the point column.
        n_points: how many points the design has (default: max point + 1); points without a
            finite value stay NaN.
        stat: ``"mean"`` or ``"median"`` over replications.

    Returns:
        A frame indexed by point 0..n−1 (sample order) with one column per metric.

    Raises:
        ValueError: if ``stat`` is unknown or the summary has no ``point`` column.
    """
    if stat not in ("mean", "median"):
        raise ValueError(f"stat must be 'mean' or 'median', not {stat!r}")
    if point not in summary.columns:
        raise ValueError(f"no {point!r} column: join the runs table (load_summary(folder)) "
                         "of a sweep's results folder")
    frame = summary[[point, *metrics]].copy()
    for m in metrics:
        values = frame[m].to_numpy(dtype=float)
        frame[m] = np.where(np.isfinite(values), values, np.nan)
    grouped = frame.groupby(point)[list(metrics)]
    out = grouped.mean() if stat == "mean" else grouped.median()
    n = int(summary[point].max()) + 1 if n_points is None else n_points
    out = out.reindex(pd.RangeIndex(n, name=point))
    out.columns.name = None
    return out


def _filled(y: pd.Series) -> tuple[np.ndarray, int]:
    values = y.to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.all():
        return values, int(bad.sum())
    if bad.any():
        values = values.copy()
        values[bad] = float(np.median(values[~bad]))
    return values, int(bad.sum())


def morris_indices(problem: Mapping[str, Any], X: pd.DataFrame | np.ndarray,
                   outcomes: pd.DataFrame, *, num_levels: int = 4, conf_level: float = 0.95,
                   num_resamples: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Morris elementary-effect statistics of every outcome (``SALib.analyze.morris``).

    Args:
        problem: SALib problem (``num_vars``, ``names``, ``bounds``), e.g.
            :func:`sim.experiment.sweep.salib_problem`.
        X: the sample matrix (points × parameters, in the problem's order and in sample
            order).
        outcomes: :func:`point_outcomes` (one row per point, one column per metric).
        num_levels: the design's grid levels (``sweep.levels``).
        conf_level: confidence level of ``mu_star_conf``.
        num_resamples: bootstrap resamples.
        seed: the bootstrap's seed.

    Returns:
        One row per (metric, parameter) with :data:`MORRIS_COLUMNS`: SALib's ``mu``,
        ``mu_star`` (mean absolute elementary effect: overall influence), ``sigma`` (spread of
        the effects: non-linearity or interaction) and ``mu_star_conf``; ``mu_star_rel`` is
        ``mu_star`` over the metric's largest ``mu_star``, ``sigma_ratio`` is ``sigma`` over
        ``mu_star`` (above 1: effects that change size or sign across the design). Effects are
        per unit of the parameter's range fraction Δ, in the metric's units.
    """
    from SALib.analyze import morris

    x = np.asarray(X, dtype=float)
    names = list(problem["names"])
    rows = []
    for metric in outcomes.columns:
        y, n_filled = _filled(outcomes[metric])
        if not np.isfinite(y).all():
            rows += [{"metric": metric, "parameter": p, "n_filled": n_filled} for p in names]
            continue
        res = morris.analyze(dict(problem), x, y, num_resamples=num_resamples,
                             conf_level=conf_level, num_levels=num_levels, seed=seed)
        top = float(np.nanmax(res["mu_star"])) or np.nan
        for i, p in enumerate(names):
            rows.append({"metric": metric, "parameter": p, "mu": float(res["mu"][i]),
                         "mu_star": float(res["mu_star"][i]), "sigma": float(res["sigma"][i]),
                         "mu_star_conf": float(res["mu_star_conf"][i]),
                         "mu_star_rel": float(res["mu_star"][i]) / top,
                         "sigma_ratio": float(res["sigma"][i]) / float(res["mu_star"][i])
                         if res["mu_star"][i] > 0 else np.nan,
                         "n_filled": n_filled})
    return pd.DataFrame(rows, columns=list(MORRIS_COLUMNS))


def sobol_indices(problem: Mapping[str, Any], outcomes: pd.DataFrame, *,
                  second_order: bool = False, conf_level: float = 0.95,
                  num_resamples: int = 1000, seed: int = 1) -> pd.DataFrame:
    """First-order and total Sobol indices of every outcome (``SALib.analyze.sobol``).

    Args:
        problem: SALib problem of the design.
        outcomes: :func:`point_outcomes` of a ``sobol`` design, in sample order
            (N × (D + 2) points, × (2D + 2) with second order).
        second_order: whether the design was sampled for second-order indices.
        conf_level: confidence level of the intervals.
        num_resamples: bootstrap resamples.
        seed: the bootstrap's seed, a positive integer (SALib's Sobol analyser takes 0 for no
            seed and would draw the intervals from the global random state).

    Returns:
        One row per (metric, parameter) with :data:`SOBOL_COLUMNS`: ``S1`` (the share of the
        outcome's variance the parameter explains alone), ``ST`` (alone and in interaction),
        each with its half-width ``*_conf`` at ``conf_level``.

    Raises:
        ValueError: if ``seed`` is not a positive integer.
    """
    from SALib.analyze import sobol

    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 1:
        raise ValueError(f"seed must be a positive integer, not {seed!r} (SALib's Sobol "
                         "analyser ignores a seed of 0)")

    names = list(problem["names"])
    rows = []
    for metric in outcomes.columns:
        y, n_filled = _filled(outcomes[metric])
        if not np.isfinite(y).all() or np.ptp(y) == 0:
            rows += [{"metric": metric, "parameter": p, "n_filled": n_filled} for p in names]
            continue
        res = sobol.analyze(dict(problem), y, calc_second_order=second_order,
                            num_resamples=num_resamples, conf_level=conf_level, seed=seed)
        for i, p in enumerate(names):
            rows.append({"metric": metric, "parameter": p, "S1": float(res["S1"][i]),
                         "S1_conf": float(res["S1_conf"][i]), "ST": float(res["ST"][i]),
                         "ST_conf": float(res["ST_conf"][i]), "n_filled": n_filled})
    return pd.DataFrame(rows, columns=list(SOBOL_COLUMNS))


def seed_noise(summary: pd.DataFrame, metrics: Sequence[str], *,
               point: str = "point") -> pd.DataFrame:
    """How much of each metric's variance over a design's runs the seed alone makes.

    At every point that ran with two seeds or more, the variance between its runs comes from
    the seed only (the parameters are the same); its mean over the points, over the variance
    of all runs, is the seed's share. A design run with one seed per point (a Sobol design)
    cannot separate that share from the parameters' effects: it enters its indices, mostly as
    interactions.

    Args:
        summary: one row per run with a ``point`` column and the metrics
            (:func:`sim.analysis.results.load_summary` of a sweep's folder).
        metrics: metric columns.
        point: the point column.

    Returns:
        One row per metric, indexed by metric: ``points`` (with two runs or more where the
        metric is finite), ``runs`` (those points' finite runs), ``sd_total`` (standard
        deviation over those runs), ``sd_seed`` (root of the mean within-point variance), both
        in the metric's units, and ``seed_share`` (the ratio of the variances).

    Raises:
        ValueError: if the summary has no ``point`` column.
    """
    if point not in summary.columns:
        raise ValueError(f"no {point!r} column: join the runs table (load_summary(folder)) "
                         "of a sweep's results folder")
    rows = []
    for metric in metrics:
        values = summary[metric].to_numpy(dtype=float)
        frame = pd.DataFrame({"point": summary[point].to_numpy(), "y": values})
        frame = frame[np.isfinite(values)]
        counts = frame.groupby("point")["y"].transform("size")
        frame = frame[counts >= 2]
        within = frame.groupby("point")["y"].var(ddof=1)
        total = float(frame["y"].var(ddof=1)) if len(frame) > 1 else np.nan
        var_seed = float(within.mean()) if len(within) else np.nan
        rows.append({"metric": metric, "points": len(within), "runs": len(frame),
                     "sd_total": np.sqrt(total), "sd_seed": np.sqrt(var_seed),
                     "seed_share": var_seed / total if total > 0 else np.nan})
    return pd.DataFrame(rows).set_index("metric")


def ranking(indices: pd.DataFrame, value: str) -> pd.DataFrame:
    """Parameters ranked by an index for every metric (1 = most influential).

    Args:
        indices: :func:`morris_indices` or :func:`sobol_indices`.
        value: the index (``mu_star``, ``ST``, ``S1``...).

    Returns:
        A frame indexed by parameter, one column per metric holding the rank, rows ordered by
        the mean rank over metrics.
    """
    wide = indices.pivot(index="parameter", columns="metric", values=value)
    ranks = wide.rank(ascending=False, method="min")
    ranks = ranks.loc[ranks.mean(axis=1).sort_values(kind="stable").index]
    ranks.columns.name = None
    return ranks


def influential(indices: pd.DataFrame, value: str, threshold: float) -> list[str]:
    """Parameters whose index reaches ``threshold`` for at least one metric.

    Args:
        indices: :func:`morris_indices` or :func:`sobol_indices`.
        value: the index (``mu_star_rel`` for Morris, ``ST`` for Sobol...).
        threshold: the smallest index that counts.

    Returns:
        The parameters, most influential first (by their largest index over metrics).
    """
    best = indices.groupby("parameter")[value].max()
    best = best[best >= threshold].sort_values(ascending=False, kind="stable")
    return best.index.tolist()


__all__ = [
    "MORRIS_COLUMNS",
    "SENSITIVITY_METRICS",
    "SOBOL_COLUMNS",
    "SweepDesign",
    "influential",
    "load_design",
    "morris_indices",
    "parameter_table",
    "point_outcomes",
    "ranking",
    "seed_noise",
    "sobol_indices",
]
