"""The dated episodes of China's tech crackdowns, and simulated phase durations set beside them.

:data:`DATED_EPISODES` holds the phase durations of ``research/theory.md`` §3 (with the dates
and sources of its §2 timeline) as data: how long each sector was lax, how long its crackdown
lasted, and how it ended. Each episode names the model sector it speaks to.
:func:`duration_comparison` builds one table that sets every dated episode beside the simulated
LOOSE and CRACKDOWN durations of its model sector over an ensemble of runs.

The record is short (six episodes, mostly one crackdown per sector, most of them in 2020–22)
and its durations are approximate: they are orders of magnitude to compare with, not data to fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .episodes import episodes
from .frames import sectors_of


@dataclass(frozen=True, slots=True)
class DatedEpisode:
    """One observed lax → crackdown → end episode.

    Attributes:
        name: the episode (``"Platform antitrust"``).
        sector: the model sector it speaks to.
        lax: the lax phase, as dated (``"~2008 → Oct 2020"``).
        lax_months: its approximate length in months (low, high).
        crackdown: the crackdown, as dated.
        crackdown_months: its length in months, trigger to first leadership easing or final
            settlement (low, high; equal when one figure is reported).
        outcome: how it ended: ``compromise``, ``ban`` (the for-profit sector ended) or
            ``ongoing`` (no crackdown yet).
        note: what the figure counts, and caveats.
        sources: where the dates come from (as cited in theory.md).
    """

    name: str
    sector: str
    lax: str
    lax_months: tuple[float, float]
    crackdown: str
    crackdown_months: tuple[float, float] | None
    outcome: str
    note: str
    sources: tuple[str, ...]


DATED_EPISODES: tuple[DatedEpisode, ...] = (
    DatedEpisode(
        name="Platform antitrust (Alibaba, Tencent, Meituan)",
        sector="platform",
        lax="~2008 (Anti-Monopoly Law) → Oct 2020",
        lax_months=(144.0, 144.0),
        crackdown="Nov/Dec 2020 → Apr 2022",
        crackdown_months=(17.0, 18.0),
        outcome="compromise",
        note="to the 29 Apr 2022 Politburo easing ('normalized supervision')",
        sources=(
            "https://epsilon.competitionpolicyinternational.com/"
            "failure-to-file-reportable-mergers-update-from-china",
            "https://www.tellerreport.com/business/2022-05-05-promote-the-healthy-and-"
            "sustainable-development-of-the-platform-economy.rkWD9ab8c.html",
        ),
    ),
    DatedEpisode(
        name="Fintech (Ant Group)",
        sector="fintech",
        lax="2014 (Ant founded) → Oct 2020",
        lax_months=(72.0, 72.0),
        crackdown="3 Nov 2020 (IPO halted) → Jan 2023 / 7 Jul 2023 fine",
        crackdown_months=(26.0, 32.0),
        outcome="compromise",
        note="26 months to Ma ceding control (Jan 2023), 32 to the fine that closed it",
        sources=(
            "https://newedgetimes.com/china-fines-ant-group-985-million-in-sign-crackdown-is-over",
            "https://www.news18.com/world/jack-mas-ant-group-fined-nearly-1-billion-by-chinese-"
            "authorities-for-breaking-rules-8289439.html",
        ),
    ),
    DatedEpisode(
        name="P2P lending",
        sector="fintech",
        lax="2007 (first platforms) → 2015",
        lax_months=(96.0, 108.0),
        crackdown="early 2016 (Ezubao) → Nov 2020",
        crackdown_months=(58.0, 58.0),
        outcome="ban",
        note="to extinction (~5,000 platforms to 0); the model's fintech sector cannot be banned",
        sources=(
            "https://www.chinabankingnews.com/2020/11/30/"
            "chinas-P2P-lending-sector-crushed-out-of-existence-completely/",
            "https://www.chinabankingnews.com/2020/11/09/"
            "chinas-p2p-online-lending-companies-drop-to-just-three-from-more-than-5000/",
        ),
    ),
    DatedEpisode(
        name="After-school tutoring",
        sector="edtech",
        lax="~2013 → early 2021",
        lax_months=(96.0, 96.0),
        crackdown="Feb 2021 → 24 Jul 2021 'double reduction' → 31 Dec 2021",
        crackdown_months=(10.0, 10.0),
        outcome="ban",
        note="to the exit of for-profit K-9 tutoring; no compromise",
        sources=(
            "https://www.classcentral.com/report/china-regulates-tutoring-companies/",
            "http://english.jsjyt.edu.cn/2022-02/09/c_745461_2.htm",
        ),
    ),
    DatedEpisode(
        name="Ride-hailing data (Didi)",
        sector="platform",
        lax="2014 → Jun 2021",
        lax_months=(84.0, 84.0),
        crackdown="2 Jul 2021 (CAC review) → 16 Jan 2023",
        crackdown_months=(18.5, 18.5),
        outcome="compromise",
        note="the '563-day ban' on new users; a data-regulator case in the platform sector",
        sources=(
            "https://www.laitimes.com/en/article/4by5z_4slfn.html",
            "https://www.senecaesg.com/zh_hk/insights/didi-resumes-new-user-registration-after-"
            "18-month-data-security-investigation/",
        ),
    ),
    DatedEpisode(
        name="Video games (2021 licence freeze)",
        sector="gaming",
        lax="2019 → mid-2021 (after the 2018 freeze)",
        lax_months=(30.0, 30.0),
        crackdown="late Jul 2021 → 11 Apr 2022",
        crackdown_months=(8.5, 9.0),
        outcome="compromise",
        note="8.5 months in 2021–22; the 2018 freeze lasted about 9",
        sources=(
            "https://www.scmp.com/tech/policy/article/3173902/"
            "china-resumes-video-game-licensing-after-eight-month-freeze-sign",
            "https://exbulletin.com/politics/1386370/",
        ),
    ),
    DatedEpisode(
        name="Generative AI",
        sector="ai",
        lax="Jul 2023 (lenient Interim Measures) → ongoing",
        lax_months=(24.0, 24.0),
        crackdown="none yet",
        crackdown_months=None,
        outcome="ongoing",
        note="lax for at least two years and counting: a lower bound",
        sources=(
            "https://jtl.columbia.edu/volume-63/"
            "the-promise-and-perils-of-chinas-regulation-of-artificial-intelligence",
        ),
    ),
)
"""research/theory.md §3 (phase durations) with §2's dates and sources, one row per episode."""

COMPARISON_COLUMNS: tuple[str, ...] = (
    "episode", "sector", "observed_lax", "sim_lax_median", "sim_lax_range", "lax_inside",
    "observed_crackdown", "sim_crackdown_median", "sim_crackdown_range", "crackdown_inside",
    "observed_outcome", "sim_ban_share", "sim_crackdowns",
)
"""Columns of :func:`duration_comparison`."""


def dated_episodes() -> pd.DataFrame:
    """:data:`DATED_EPISODES` as a frame (one row per episode, sources joined by newlines)."""
    rows = []
    for e in DATED_EPISODES:
        rows.append({
            "episode": e.name, "sector": e.sector, "lax": e.lax,
            "lax_months_low": e.lax_months[0], "lax_months_high": e.lax_months[1],
            "crackdown": e.crackdown,
            "crackdown_months_low": e.crackdown_months[0] if e.crackdown_months else np.nan,
            "crackdown_months_high": e.crackdown_months[1] if e.crackdown_months else np.nan,
            "outcome": e.outcome, "note": e.note, "sources": "\n".join(e.sources),
        })
    return pd.DataFrame(rows)


def ensemble_episodes(series: pd.DataFrame, by: str = "run_id") -> pd.DataFrame:
    """The phase episodes of every run of a long series frame.

    Args:
        series: series of several runs with a ``by`` column.
        by: the run identifier column.

    Returns:
        :func:`sim.analysis.episodes.episodes` of each run stacked, with ``by`` in front.
    """
    names = sectors_of(series)
    parts = []
    for key, block in series.groupby(by, sort=True):
        block = block.sort_values("month") if "month" in block.columns else block
        eps = episodes(block.reset_index(drop=True), names)
        eps.insert(0, by, key)
        parts.append(eps)
    if not parts:
        return episodes(series.iloc[0:0], names).assign(**{by: pd.Series(dtype="int64")})
    return pd.concat(parts, ignore_index=True)


def _fmt_months(low: float, high: float) -> str:
    return f"{low:g}" if low == high else f"{low:g}–{high:g}"


def _inside(observed: tuple[float, float], values: np.ndarray, lo: float, hi: float) -> bool:
    """Whether the observed range overlaps the simulated [lo, hi] quantile range."""
    if values.size == 0:
        return False
    q_lo, q_hi = np.quantile(values, [lo, hi])
    return bool(observed[1] >= q_lo and observed[0] <= q_hi)


def duration_comparison(eps: pd.DataFrame, dated: Sequence[DatedEpisode] = DATED_EPISODES, *,
                        quantiles: tuple[float, float] = (0.1, 0.9)) -> pd.DataFrame:
    """Set each dated episode beside the simulated phase durations of its model sector.

    Simulated durations are those of *complete* episodes (neither left- nor right-censored) of
    the sector, pooled over runs; the ban share counts the crackdowns that start inside the run
    and end in BANNED.

    Args:
        eps: episodes of many runs (:func:`ensemble_episodes`).
        dated: the observed episodes.
        quantiles: the range of simulated durations written and tested (default 10–90 %).

    Returns:
        One row per dated episode with :data:`COMPARISON_COLUMNS`: observed months (a range when
        the record gives two figures), the simulated median and quantile range in months,
        whether the observed figure falls inside that range (``lax_inside``,
        ``crackdown_inside``; for the ongoing AI episode, whether its lower bound lies below the
        simulated upper quantile), the observed outcome, the share of simulated crackdowns of
        the sector ending in a ban, and how many simulated crackdowns there were.
    """
    lo, hi = quantiles
    rows = []
    for e in dated:
        mine = eps.loc[eps["sector"] == e.sector]
        complete = mine.loc[mine["complete"]]
        lax = complete.loc[complete["phase"] == "LOOSE", "duration"].to_numpy(float)
        crack = complete.loc[complete["phase"] == "CRACKDOWN", "duration"].to_numpy(float)
        started = mine.loc[(mine["phase"] == "CRACKDOWN") & ~mine["left_censored"]]
        banned = 0
        for _, cd in started.iterrows():
            keys = (mine["episode"] == cd.episode + 1)
            if "run_id" in mine.columns:
                keys &= mine["run_id"] == cd.run_id
            nxt = mine.loc[keys, "phase"]
            banned += int(len(nxt) > 0 and nxt.iloc[0] == "BANNED")

        def rng(values: np.ndarray) -> str:
            if values.size == 0:
                return "—"
            a, b = np.quantile(values, [lo, hi])
            return f"{a:.0f}–{b:.0f}"

        ongoing = e.crackdown_months is None
        lax_ok = (bool(lax.size) and e.lax_months[0] <= np.quantile(lax, hi)) if ongoing \
            else _inside(e.lax_months, lax, lo, hi)
        rows.append({
            "episode": e.name,
            "sector": e.sector,
            "observed_lax": (f"≥ {e.lax_months[0]:g}" if ongoing
                             else _fmt_months(*e.lax_months)),
            "sim_lax_median": float(np.median(lax)) if lax.size else np.nan,
            "sim_lax_range": rng(lax),
            "lax_inside": lax_ok,
            "observed_crackdown": "—" if ongoing else _fmt_months(*e.crackdown_months),
            "sim_crackdown_median": float(np.median(crack)) if crack.size else np.nan,
            "sim_crackdown_range": rng(crack),
            "crackdown_inside": None if ongoing else _inside(e.crackdown_months, crack, lo, hi),
            "observed_outcome": e.outcome,
            "sim_ban_share": banned / len(started) if len(started) else np.nan,
            "sim_crackdowns": len(started),
        })
    return pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))


__all__ = [
    "COMPARISON_COLUMNS",
    "DATED_EPISODES",
    "DatedEpisode",
    "dated_episodes",
    "duration_comparison",
    "ensemble_episodes",
]
