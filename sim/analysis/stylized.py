"""MODEL.md §5's stylized facts, measured over an ensemble of runs (pattern-oriented validation).

:func:`stylized_facts` takes the series and event logs of many seeds of one scenario (and,
for fact 12, of the same seeds in rules mode) and returns one row per check: what was measured,
the bound it must meet, and whether it holds. Tests assert the ``holds`` column; the notebook
prints the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..params import Params
from .episodes import episodes
from .metrics import crackdowns, live_enforcement

FACT_COLUMNS = ("fact", "check", "measured", "bound", "lo", "hi", "holds")


@dataclass(frozen=True)
class Run:
    """One replication's outputs."""

    series: pd.DataFrame
    events: pd.DataFrame


def _row(fact: int, check: str, measured: float, lo: float = -np.inf, hi: float = np.inf,
         bound: str = "") -> dict:
    holds = bool(np.isfinite(measured) and lo <= measured <= hi)
    if not bound:
        bound = (f"≥ {lo:g}" if np.isinf(hi) else f"≤ {hi:g}" if np.isinf(lo)
                 else f"{lo:g} – {hi:g}")
    return {"fact": fact, "check": check, "measured": float(measured), "bound": bound,
            "lo": lo, "hi": hi, "holds": holds}


def _median(values: Sequence[float]) -> float:
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr)]
    return float(np.median(arr)) if len(arr) else float("nan")


def _crackdown_episodes(eps: pd.DataFrame) -> pd.DataFrame:
    """Crackdown episodes that start inside the run (their onset is observed)."""
    return eps[(eps.phase == "CRACKDOWN") & ~eps.left_censored]


def headline_fines(series: pd.DataFrame, sanctions: pd.DataFrame,
                   eps: pd.DataFrame, dominant_share: float = 0.05) -> np.ndarray:
    """Each dominant firm's largest fine in each crackdown, as a share of annual revenue.

    A firm is dominant when its revenue is at least ``dominant_share`` of its sector's that
    month. The largest fine per firm and campaign is what the record reports (Alibaba's 4 %,
    Meituan's 3 %); later cases against the same firm punish what is left of its record.
    """
    if sanctions.empty:
        return np.array([])
    rev = series.set_index("month")
    out = []
    for _, cd in _crackdown_episodes(eps).iterrows():
        hits = sanctions[(sanctions.sector == cd.sector) & (sanctions.month >= cd.start)
                         & (sanctions.month <= cd.end)]
        if hits.empty:
            continue
        sector_rev = rev.loc[hits.month, f"revenue.{cd.sector}"].to_numpy()
        dominant = hits[hits.firm_revenue.to_numpy() >= dominant_share * sector_rev]
        out += dominant.groupby("firm_id").magnitude.max().tolist()
    return np.asarray(out, dtype=float)


def stylized_facts(runs: Sequence[Run], params: Params | None = None,
                   rules_runs: Sequence[Run] | None = None) -> pd.DataFrame:
    """Measure MODEL.md §5's stylized facts over an ensemble.

    Args:
        runs: the baseline's replications (≥ 20 seeds for the documented checks).
        params: the parameters they ran with (sector alignment, ban flags, fine cap, θ_P).
        rules_runs: the same seeds in rules mode, for fact 12 (skipped when None).

    Returns:
        One row per check with :data:`FACT_COLUMNS`.
    """
    params = params or Params()
    sectors = params.sector_names
    aligned = {s.name for s in params.sectors if s.alignment >= 0.5}
    bannable = {s.name for s in params.sectors if s.ban_possible}
    cap = params.agencies.fine_cap

    recur, loose, crack, rise, first_sanction = [], [], [], [], []
    peak_to_exit, pain_at_exit, loose_pain = [], [], []
    drawdown_sector = []
    dominant_fines, floor_up, banned_seed, survivors_ok = [], [], [], []
    d_hhi = {"LOOSE": [], "CRACKDOWN": []}
    d_prot = {"LOOSE": [], "CRACKDOWN": []}
    loose_share = {s: [] for s in sectors}
    for run in runs:
        series, events = run.series, run.events
        eps = episodes(series, sectors)
        sanctions = events[events.kind == "sanction"]
        # per-crackdown measures come from the analysis package (one definition everywhere)
        measured = crackdowns(series, events)
        measured = measured[~measured.left_censored]
        rise += measured.onset_sharpness.tolist()
        first_sanction += measured.trigger_to_sanction.tolist()
        drawdown_sector += measured.drawdown_sector.tolist()
        settled = measured[measured.next_phase == "COMPROMISE"]
        peak_to_exit += settled.peak_to_compromise.tolist()
        floor_up += (settled.floor_after > settled.floor_before + 1e-12).astype(float).tolist()
        ok = False
        for s in sectors:
            e = eps[eps.sector == s]
            cds = _crackdown_episodes(e)
            if s not in aligned and len(cds) >= 2:
                first = cds.iloc[0]
                after = e[e.episode > first.episode].phase.tolist()
                ok |= after[:2] == ["COMPROMISE", "LOOSE"]
            loose += e[(e.phase == "LOOSE") & e.complete].duration.tolist()
            crack += e[(e.phase == "CRACKDOWN") & e.complete].duration.tolist()
            loose_share[s].append(float((series[f"phase.{s}"] == "LOOSE").mean()))
            # the switch to COMPROMISE is decided in its first month, on that month's pain
            pp = series[f"perceived_pain.{s}"].to_numpy()
            pain_at_exit += [float(pp[m]) for m in settled[settled.sector == s].end + 1]
            ph = series[f"phase.{s}"].astype(str).to_numpy()
            loose_pain += pp[ph == "LOOSE"].tolist()
            for q, store in (("hhi", d_hhi), ("protection", d_prot)):
                x = series[f"{q}.{s}"].to_numpy()
                dx = np.diff(x)
                for phase in store:
                    mask = (ph[1:] == phase) & (ph[:-1] == phase)
                    store[phase] += dx[mask].tolist()
        recur.append(float(ok))
        dominant_fines += headline_fines(series, sanctions, eps).tolist()
        bans = events[events.kind == "sector_ban"]
        banned_seed.append(float(len(bans) > 0))
        final = series.iloc[-1]
        survivors_ok.append(float(all(final[f"n_firms.{s}"] > 0 for s in sectors
                                      if s not in bannable)
                                  and set(bans.sector.astype(str)) <= bannable))

    rows = [
        _row(1, "share of seeds with ≥2 crackdowns in a non-aligned sector, the first "
                "followed by COMPROMISE then LOOSE", float(np.mean(recur)), lo=0.5,
             bound="> 0.5 (most seeds)"),
        _row(2, "median complete LOOSE duration (months)", _median(loose), 48, 144),
        _row(2, "median complete CRACKDOWN duration (months)", _median(crack), 8, 32),
        _row(2, "median LOOSE / median CRACKDOWN", _median(loose) / _median(crack), lo=3),
        _row(3, "median 10→90 % rise of enforcement at onset (months)", _median(rise), hi=6),
        _row(3, "median months from crackdown onset to first sanction", _median(first_sanction),
             hi=1),
        _row(4, "median months from peak enforcement to COMPROMISE", _median(peak_to_exit),
             lo=6),
        _row(4, "median perceived pain at the switch ÷ median perceived pain in LOOSE",
             _median(pain_at_exit) / max(_median(loose_pain), 1e-9), lo=5.0),
        _row(4, "CV of complete CRACKDOWN durations (no fixed timing)",
             float(np.std(crack) / np.mean(crack)) if crack else np.nan, lo=0.1),
        _row(5, "median sector valuation drawdown around a crackdown",
             _median(drawdown_sector), 0.4, 0.8),
        _row(6, "median headline fine of a dominant firm in a crackdown (share of annual "
                "revenue)",
             _median(dominant_fines), 0.01, 0.08),
        _row(6, "share of dominant-firm fines at the legal cap",
             float(np.mean(np.isclose(dominant_fines, cap))) if dominant_fines else np.nan,
             hi=0.25),
        _row(6, "largest fine / legal cap",
             float(np.max(dominant_fines) / cap) if dominant_fines else np.nan, hi=1.0),
        _row(7, "CV of complete LOOSE durations",
             float(np.std(loose) / np.mean(loose)) if loose else np.nan, lo=0.2),
        _row(8, "share of crackdowns whose floor rose", _median([np.mean(floor_up)]), lo=0.95),
        _row(9, "mean monthly ΔHHI in LOOSE (×1000)", 1000 * float(np.mean(d_hhi["LOOSE"])),
             lo=0.0, bound="> 0"),
        _row(9, "mean monthly ΔHHI in CRACKDOWN (×1000)",
             1000 * float(np.mean(d_hhi["CRACKDOWN"])), hi=0.0, bound="< 0"),
        _row(9, "mean monthly Δprotection in LOOSE (×1000)",
             1000 * float(np.mean(d_prot["LOOSE"])), lo=0.0, bound="> 0"),
        _row(9, "mean monthly Δprotection in CRACKDOWN (×1000)",
             1000 * float(np.mean(d_prot["CRACKDOWN"])), hi=0.0, bound="< 0"),
        _row(10, "share of seeds where a bannable sector was banned", float(np.mean(banned_seed)),
             0.05, 0.95, bound="between 0.05 and 0.95 (possible, not certain)"),
        _row(10, "share of seeds where every non-bannable sector survives",
             float(np.mean(survivors_ok)), lo=1.0),
    ]
    others = [s for s in sectors if s not in aligned]
    if aligned and others:
        ai = float(np.mean([np.mean(loose_share[s]) for s in aligned]))
        rest = float(np.max([np.mean(loose_share[s]) for s in others]))
        rows.append(_row(11, "time share in LOOSE: aligned sector minus the laxest other",
                         ai - rest, lo=0.0, bound="> 0"))
    if rules_runs is not None:
        def enf_sd(rs: Sequence[Run]) -> float:
            # after a 24-month spin-up, banned months left out (a ban is not enforcement)
            sds = [[np.std(e) for s in sectors
                    if len(e := live_enforcement(r.series.iloc[24:], s)) > 1] for r in rs]
            return float(np.mean([np.mean(sd) for sd in sds if sd]))

        def mean_of(rs: Sequence[Run], quantity: str) -> float:
            return float(np.mean([r.series[[f"{quantity}.{s}" for s in sectors]].sum(axis=1)
                                  .mean() for r in rs]))

        def harm_intensity(rs: Sequence[Run]) -> float:
            return float(np.mean([(r.series[[f"harm.{s}" for s in sectors]].sum(axis=1)
                                   / r.series.tech_revenue).mean() for r in rs]))

        sd_c, sd_r = enf_sd(runs), enf_sd(rules_runs)
        rows.append(_row(12, "sd of enforcement: rules / campaign", sd_r / sd_c, hi=0.5))
        rows.append(_row(12, "mean harm: rules / campaign (reported)",
                         mean_of(rules_runs, "harm") / mean_of(runs, "harm"), bound="reported"))
        rows.append(_row(12, "mean harm per unit of revenue: rules / campaign (reported)",
                         harm_intensity(rules_runs) / harm_intensity(runs), bound="reported"))
        rows.append(_row(12, "mean valuation: rules / campaign (reported)",
                         mean_of(rules_runs, "valuation") / mean_of(runs, "valuation"),
                         bound="reported"))
    frame = pd.DataFrame(rows, columns=list(FACT_COLUMNS))
    return frame
