"""Ablations: switch one mechanism off and measure how the cycle moves, seed by seed.

Each ablation is a scenario overlay (``scenarios/ablations/``) run over the same seeds as the
baseline (common random numbers). :func:`seed_statistics` reduces one run to the statistics the
theory makes predictions about; :func:`compare` pairs the two ensembles by seed and gives the
change with a bootstrap interval over seeds (seeds resampled with replacement, the same
resample for both arms).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..model.params import Params
from .stylized import (
    BANNED,
    COMPROMISE,
    Run,
    crackdown_table,
    enforcement_sd,
    first_onsets,
    onset_spread,
)


def non_aligned(params: Params) -> list[str]:
    """Sectors whose alignment is below ½ (the ones the campaign hits)."""
    return [s.name for s in params.sectors if s.alignment < 0.5]


def live_mean(series, quantity: str, sectors: Sequence[str]) -> float:
    """Mean of ``quantity.<sector>`` over the sectors' months before any ban."""
    values = [series[f"{quantity}.{s}"].to_numpy(dtype=float)[
        series[f"phase.{s}"].astype(str).to_numpy() != BANNED] for s in sectors]
    flat = np.concatenate(values) if values else np.array([])
    return float(flat.mean()) if len(flat) else float("nan")


def seed_statistics(run: Run, params: Params) -> dict[str, object]:
    """The statistics of one run that ablations are judged on.

    Keys: ``crackdowns.<sector>`` (count), ``durations`` (pain-ended crackdowns of non-aligned
    sectors, months), ``peak_signal`` (each non-aligned crackdown's peak L), ``first_onset``
    (earliest non-aligned onset; the horizon if none), ``enforcement_sd`` (non-aligned),
    ``aggressiveness`` (mean over the live months of the non-aligned sectors of
    revenue-weighted a; a banned sector has no firms),
    ``onset_spread`` (months between the first and last sectors' first onsets),
    ``crackdown_table`` (the full table, for ablation-specific statistics).
    """
    sectors = non_aligned(params)
    table = crackdown_table(run, params)
    horizon = len(run.series)
    na = table[table.sector.isin(sectors)]
    firsts = first_onsets(table, sectors)
    stats: dict[str, object] = {
        f"crackdowns.{s}": int((table.sector == s).sum()) for s in params.sector_names}
    stats.update({
        "crackdowns": len(na),
        "durations": na[na.ended == COMPROMISE].duration.astype(float).tolist(),
        "peak_signal": na.peak_signal.astype(float).tolist(),
        "first_onset": float(min(firsts.values())) if firsts else float(horizon),
        "enforcement_sd": enforcement_sd(run.series, sectors),
        "aggressiveness": live_mean(run.series, "aggressiveness", sectors),
        "onset_spread": float(onset_spread(table, sectors, horizon)),
        "crackdown_table": table,
    })
    return stats


@dataclass(frozen=True)
class Effect:
    """A paired comparison: statistic in both arms, the change and its 90 % interval."""

    statistic: str
    baseline: float
    ablated: float
    change: float
    lo: float
    hi: float
    relative: bool
    n_seeds: int

    def __str__(self) -> str:
        unit = " (relative)" if self.relative else ""
        return (f"{self.statistic}: baseline {self.baseline:.4g}, ablated {self.ablated:.4g}, "
                f"change {self.change:+.3g}{unit} [90 % interval {self.lo:+.3g}, {self.hi:+.3g}]"
                f", {self.n_seeds} seeds")


def pooled_median(values: Sequence[Sequence[float]]) -> float:
    """Median of the values of every seed pooled (NaN when there are none)."""
    flat = [v for vs in values for v in vs]
    return float(np.median(flat)) if flat else float("nan")


def seed_mean(values: Sequence[float]) -> float:
    """Mean over seeds."""
    return float(np.mean(values)) if len(values) else float("nan")


def seed_median(values: Sequence[float]) -> float:
    """Median over seeds."""
    return float(np.median(values)) if len(values) else float("nan")


def compare(baseline: Sequence[dict], ablated: Sequence[dict], key: str, *,
            statistic: Callable[[Sequence], float] = seed_mean, relative: bool = True,
            reps: int = 2000, seed: int = 0) -> Effect:
    """Change of ``statistic(per-seed values of key)`` from baseline to ablation.

    Args:
        baseline: :func:`seed_statistics` of the baseline's seeds.
        ablated: those of the ablation, same seeds in the same order.
        key: which statistic.
        statistic: reduces the per-seed values of one arm to a number (mean over seeds,
            median over seeds, or the median of values pooled over seeds).
        relative: change as ablated ÷ baseline − 1 (else ablated − baseline).
        reps: bootstrap resamples of the seeds.
        seed: the bootstrap's own generator seed (fixed: intervals are reproducible).

    Returns:
        The :class:`Effect`; the interval is the 5th–95th percentile of the bootstrap.
    """
    if len(baseline) != len(ablated):
        raise ValueError("both arms need the same seeds")
    a = [b[key] for b in baseline]
    b = [x[key] for x in ablated]

    def change(x: float, y: float) -> float:
        return y / x - 1.0 if relative else y - x

    base, abl = statistic(a), statistic(b)
    rng = np.random.default_rng(seed)
    n = len(a)
    draws = []
    for _ in range(reps):
        idx = rng.integers(0, n, n)
        draws.append(change(statistic([a[i] for i in idx]), statistic([b[i] for i in idx])))
    lo, hi = np.nanpercentile(draws, [5, 95])
    return Effect(key, base, abl, change(base, abl), float(lo), float(hi), relative, n)


def running_at(table, month: int) -> dict[tuple[str, int], int]:
    """Durations of the crackdowns running at ``month`` or starting within a year after it.

    Keyed by (sector, onset); only those that ended (pain or ban).
    """
    out = {}
    for cd in table.itertuples():
        runs_then = cd.onset <= month < cd.onset + cd.duration
        starts_soon = month <= cd.onset < month + 12
        if (runs_then or starts_soon) and cd.ended:
            out[(cd.sector, int(cd.onset))] = int(cd.duration)
    return out


def sector_adjusted_length_change(baseline: Sequence[dict], ablated: Sequence[dict],
                                  sectors: Sequence[str], horizon: int, *,
                                  ablated_horizon: int | None = None, min_count: int = 3,
                                  censor: int = 60, reps: int = 2000, seed: int = 0) -> Effect:
    """Change in crackdown length within sectors, free of the sector mix and of the horizon.

    Only pain-ended crackdowns that start at least ``censor`` months before the horizon count
    (a late crackdown can only be observed if it is short). For each sector with at least
    ``min_count`` of them in both arms, the ratio of median lengths; the change is the geometric
    mean of those ratios minus 1, with a bootstrap over seeds. ``ablated_horizon`` is the
    ablation's horizon when it differs from the baseline's.
    """
    def per_seed(arm: Sequence[dict], last: int) -> list[dict[str, list[int]]]:
        out = []
        for st in arm:
            t = st["crackdown_table"]
            ok = t[(t.ended == COMPROMISE) & (t.onset <= last) & t.sector.isin(sectors)]
            out.append({s: ok.duration[ok.sector == s].astype(int).tolist() for s in sectors})
        return out

    seeds_a = per_seed(baseline, horizon - censor)
    seeds_b = per_seed(ablated, (ablated_horizon or horizon) - censor)

    def pooled(arm: list[dict[str, list[int]]], idx: Sequence[int]) -> dict[str, list[int]]:
        return {s: [d for i in idx for d in arm[i][s]] for s in sectors}

    def change(idx: Sequence[int]) -> tuple[float, float, float]:
        a, b = pooled(seeds_a, idx), pooled(seeds_b, idx)
        both = [s for s in sectors if len(a[s]) >= min_count and len(b[s]) >= min_count]
        if not both:
            return float("nan"), float("nan"), float("nan")
        ma = np.array([np.median(a[s]) for s in both])
        mb = np.array([np.median(b[s]) for s in both])
        return float(np.exp(np.mean(np.log(mb / ma))) - 1.0), float(ma.mean()), float(mb.mean())

    n = len(baseline)
    est, base, abl = change(range(n))
    rng = np.random.default_rng(seed)
    draws = [change(rng.integers(0, n, n))[0] for _ in range(reps)]
    lo, hi = np.nanpercentile(draws, [5, 95])
    return Effect("crackdown length within sectors", base, abl, est, float(lo), float(hi), True, n)
