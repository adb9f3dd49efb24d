"""Pictures of a calibration.

The posterior, the predictive fans by date, held-out checks, counterfactual shifts and
parameter recovery.

Every function returns a :class:`matplotlib.figure.Figure` and never shows it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .style import PHASE_COLOURS

__all__ = [
    "plot_counterfactuals",
    "plot_heldout",
    "plot_posterior",
    "plot_predictive",
    "plot_recovery",
]

POSTERIOR_COLOUR = "#1f5f99"
PRIOR_COLOUR = "#999999"


def plot_posterior(folder: str | Path, settings: Any) -> Figure:
    """Weighted marginal histograms (prior range as the x axis) and pairwise scatters."""
    from ..calibration.abc import posterior

    table = posterior(folder)
    keys = [k for k, _, _ in settings.parameters]
    bounds = {k: (lo, hi) for k, lo, hi in settings.parameters}
    n = len(keys)
    fig, axes = plt.subplots(n, n, figsize=(2.4 * n + 1, 2.2 * n + 0.6), layout="constrained",
                             squeeze=False)
    w = table["weight"].to_numpy()
    for i, ki in enumerate(keys):
        for j, kj in enumerate(keys):
            ax = axes[i, j]
            if i == j:
                ax.hist(table[ki], bins=20, range=bounds[ki], weights=w, density=True,
                        color=POSTERIOR_COLOUR, alpha=0.8, label="posterior")
                lo, hi = bounds[ki]
                ax.axhline(1.0 / (hi - lo), color=PRIOR_COLOUR, ls="--", label="prior")
                ax.set_xlim(lo, hi)
                ax.set_yticks([])
            elif i > j:
                ax.scatter(table[kj], table[ki], s=4 + 400 * w, alpha=0.4,
                           color=POSTERIOR_COLOUR, lw=0)
                ax.set_xlim(*bounds[kj])
                ax.set_ylim(*bounds[ki])
            else:
                ax.axis("off")
            if i == n - 1:
                ax.set_xlabel(kj, fontsize=8)
            if j == 0 and i > 0:
                ax.set_ylabel(ki, fontsize=8)
            ax.tick_params(labelsize=7)
    axes[0, 0].legend(fontsize=7, loc="upper right")
    fig.suptitle(f"Posterior of {settings.scenario} (generation {int(table['generation'][0])}, "
                 f"{len(table)} particles); dashed: the uniform prior", fontsize=10)
    return fig


def _fan(ax: Any, dates: np.ndarray, values: np.ndarray, colour: str, label: str) -> None:
    q = np.nanquantile(values, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    x = dates.astype("datetime64[D]").astype(object)
    ax.fill_between(x, q[0], q[4], color=colour, alpha=0.15, lw=0)
    ax.fill_between(x, q[1], q[3], color=colour, alpha=0.3, lw=0)
    ax.plot(x, q[2], color=colour, lw=1.2, label=label)


def plot_predictive(pred: Any, episodes: Sequence[tuple[str, str, str, str]] = (), *,
                    prior: Any | None = None, sectors: Sequence[str] = ("platform", "fintech",
                                                                        "edtech", "ai"),
                    record_end: str | None = None) -> Figure:
    """Fans by calendar date, with the observed dated episodes drawn over them.

    Each sector's enforcement and share of draws in crackdown, and the valuation index.

    Args:
        pred: the posterior predictive (:class:`sim.calibration.predictive.Predictive`).
        episodes: ``(sector, label, start "YYYY-MM", end "YYYY-MM")`` observed crackdowns,
            drawn as spans.
        prior: the prior predictive, drawn in grey beside the posterior.
        sectors: the sectors drawn, one row each.
        record_end: the record's last month (a vertical line: forecasts lie to its right).
    """
    rows = len(sectors) + 1
    fig, axes = plt.subplots(rows, 1, figsize=(10, 1.9 * rows + 0.6), sharex=True,
                             layout="constrained")
    x = pred.dates.astype("datetime64[D]").astype(object)
    for ax, s in zip(axes, sectors, strict=False):
        if s not in pred.enforcement:
            ax.set_visible(False)
            continue
        if prior is not None and s in prior.enforcement:
            _fan(ax, prior.dates, prior.enforcement[s], PRIOR_COLOUR, "prior predictive")
        _fan(ax, pred.dates, pred.enforcement[s], POSTERIOR_COLOUR, "posterior predictive")
        share = pred.crackdown[s].mean(axis=0)
        ax2 = ax.twinx()
        ax2.fill_between(x, 0, share, step="mid", color=PHASE_COLOURS.get("CRACKDOWN", "red"),
                         alpha=0.25, lw=0)
        ax2.set_ylim(0, 1)
        ax2.set_ylabel("P(crackdown)", fontsize=7)
        ax2.tick_params(labelsize=7)
        for sec, label, start, end in episodes:
            if sec != s:
                continue
            a = np.datetime64(start, "M").astype("datetime64[D]").astype(object)
            b = (np.datetime64(end, "M") + 1).astype("datetime64[D]").astype(object)
            ax.axvspan(a, b, ymin=0.92, ymax=1.0, color="black", alpha=0.7)
            ax.text(a, 1.02, label, transform=ax.get_xaxis_transform(), fontsize=7)
        ax.set_ylabel(f"{s}\nenforcement", fontsize=8)
        ax.set_ylim(0, 1)
        ax.tick_params(labelsize=7)
    ax = axes[-1]
    if prior is not None:
        _fan(ax, prior.dates, prior.valuation, PRIOR_COLOUR, "prior predictive")
    _fan(ax, pred.dates, pred.valuation, POSTERIOR_COLOUR, "posterior predictive")
    ax.set_ylabel("valuation index", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, loc="upper left")
    if record_end is not None:
        end = (np.datetime64(record_end, "M") + 1).astype("datetime64[D]").astype(object)
        for a in axes:
            a.axvline(end, color="black", ls=":", lw=1)
    ax.xaxis.set_major_locator(mdates.YearLocator(2))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    fig.suptitle("Predictive by date over parameter draws (bands: 50 % and 90 %; red: share "
                 "of draws in crackdown; black bars: the record's crackdowns; dotted: the "
                 "record's end)", fontsize=9)
    return fig


def plot_heldout(table: pd.DataFrame, prior: pd.DataFrame | None = None) -> Figure:
    """Each observation's predictive 90 % interval beside its observed value and range.

    One row of axes per observation, each on its own scale (months, ratios and shares do not
    share an axis). The prior predictive's interval is drawn too when ``prior`` is given.
    """
    n = len(table)
    fig, axes = plt.subplots(n, 1, figsize=(8, 0.55 * n + 0.8), layout="constrained",
                             squeeze=False)
    p = prior.set_index("name") if prior is not None else None
    for ax, r in zip(axes[:, 0], table.itertuples(), strict=True):
        if p is not None and r.name in p.index:
            q = p.loc[r.name]
            ax.errorbar([q["median"]], [0.3], xerr=[[q["median"] - q["low"]],
                                                    [q["high"] - q["median"]]],
                        fmt="o", color=PRIOR_COLOUR, ms=3, label="prior predictive 90 %")
        ax.errorbar([r.median], [0.0], xerr=[[r.median - r.low], [r.high - r.median]],
                    fmt="o", color=POSTERIOR_COLOUR, ms=4, label="posterior predictive 90 %")
        ax.scatter([r.observed], [-0.3], marker="D", color="black", zorder=3, label="observed")
        ax.hlines(-0.3, r.obs_low, r.obs_high, color="black", lw=2)
        ax.set_ylim(-0.6, 0.6)
        ax.set_yticks([])
        ax.set_ylabel(f"{r.name}\n({r.set})", rotation=0, ha="right", va="center", fontsize=7)
        ax.tick_params(labelsize=7)
    axes[0, 0].legend(fontsize=6, loc="upper right", ncol=3)
    fig.suptitle("Observed (black) against predictive 90 % intervals, each in its own unit",
                 fontsize=9)
    return fig


def plot_counterfactuals(table: pd.DataFrame) -> Figure:
    """Paired shifts of each statistic in each counterfactual (median and 90 % interval)."""
    labels = [f"{r.counterfactual}: {r.statistic}" for r in table.itertuples()]
    y = np.arange(len(table))[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(table) + 1.2), layout="constrained")
    ax.errorbar(table["shift_median"], y,
                xerr=[table["shift_median"] - table["shift_low"],
                      table["shift_high"] - table["shift_median"]], fmt="o",
                color=POSTERIOR_COLOUR)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("shift against the history, paired by draw and seed (months or share)")
    return fig


def plot_recovery(table: pd.DataFrame, keys: Sequence[str],
                  bounds: Mapping[str, tuple[float, float]]) -> Figure:
    """True value against the posterior median and 90 % interval, one panel a parameter."""
    n = len(keys)
    fig, axes = plt.subplots(1, n, figsize=(3.0 * n, 3.0), layout="constrained", squeeze=False)
    for ax, k in zip(axes[0], keys, strict=True):
        t = table[table["parameter"] == k]
        inside = (t["q05"] <= t["truth"]) & (t["truth"] <= t["q95"])
        ax.errorbar(t["truth"], t["median"], yerr=[t["median"] - t["q05"],
                                                   t["q95"] - t["median"]],
                    fmt="none", ecolor=np.where(inside, POSTERIOR_COLOUR, "red"), alpha=0.6)
        ax.scatter(t["truth"], t["median"], s=10, color=POSTERIOR_COLOUR)
        lo, hi = bounds[k]
        ax.plot([lo, hi], [lo, hi], color="black", lw=0.8)
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_title(k, fontsize=8)
        ax.set_xlabel("true value", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0, 0].set_ylabel("posterior median, 90 % interval", fontsize=8)
    return fig
