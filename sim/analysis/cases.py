"""Crackdowns read as lists of cases: who was fined, when, and for how much.

:func:`sanctions` turns one run's event log into a table of its sanctions, each with its date,
the sector's phase that month, the firm's share of its sector, and the fine as an amount and as
a share of the firm's annual revenue; :func:`campaign_cases` sums them per crackdown episode
(how many cases, how much in fines, the largest fine and on whom). Both are pure functions over
the schema's frames.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..model.states import EventKind
from .episodes import episodes
from .frames import PHASE_QUANTITY, col, sectors_of

SANCTION_COLUMNS: tuple[str, ...] = (
    "month", "date", "sector", "phase", "agency", "firm_id", "firm_revenue", "firm_share",
    "fine", "fine_share",
)
"""Columns of :func:`sanctions`."""

CAMPAIGN_COLUMNS: tuple[str, ...] = (
    "sector", "onset", "onset_date", "end", "duration", "next_phase", "cases", "fines",
    "firms_fined", "largest_fine", "largest_fine_firm", "largest_fine_share",
    "largest_fine_firm_share",
)
"""Columns of :func:`campaign_cases`."""


def sanctions(series: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Every sanction of one run, with its context.

    Args:
        series: the run's series frame (``month``, ``date``, ``phase.<s>``, ``revenue.<s>``).
        events: the run's event log.

    Returns:
        One row per sanction, in time order, with :data:`SANCTION_COLUMNS`: ``phase`` is the
        sector's phase that month, ``firm_revenue`` the firm's monthly revenue, ``firm_share``
        its share of the sector's revenue that month, ``fine`` the amount and ``fine_share`` the
        fine as a share of the firm's annual revenue (the event's magnitude).
    """
    kind = events["kind"].astype(str) if len(events) else pd.Series(dtype=str)
    hits = events.loc[kind == EventKind.SANCTION.value].copy()
    if hits.empty:
        return pd.DataFrame(columns=list(SANCTION_COLUMNS))
    by_month = series.set_index("month")
    months = hits["month"].to_numpy()
    sectors = hits["sector"].astype(str).to_numpy()
    phase = np.empty(len(hits), dtype=object)
    sector_revenue = np.full(len(hits), np.nan)
    for s in np.unique(sectors):
        mask = sectors == s
        phase[mask] = by_month.loc[months[mask], col(PHASE_QUANTITY, s)].astype(str).to_numpy()
        sector_revenue[mask] = by_month.loc[months[mask], col("revenue", s)].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = hits["firm_revenue"].to_numpy(float) / sector_revenue
    out = pd.DataFrame({
        "month": months,
        "date": by_month.loc[months, "date"].to_numpy() if "date" in by_month.columns
        else pd.NaT,
        "sector": sectors,
        "phase": phase,
        "agency": hits["agency"].astype(str).to_numpy(),
        "firm_id": hits["firm_id"].to_numpy(),
        "firm_revenue": hits["firm_revenue"].to_numpy(float),
        "firm_share": share,
        "fine": hits["fine"].to_numpy(float),
        "fine_share": hits["magnitude"].to_numpy(float),
    })
    return out.sort_values(["month", "sector"], kind="stable").reset_index(drop=True)


def campaign_cases(series: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """The sanctions of each crackdown episode of one run, summed.

    A crackdown's cases are the sector's sanctions from its first to its last CRACKDOWN month.

    Args:
        series: the run's series frame.
        events: the run's event log.

    Returns:
        One row per crackdown episode (a crackdown under way at month 0 included), in onset
        order, with :data:`CAMPAIGN_COLUMNS`: ``cases`` sanctions, ``fines`` their sum,
        ``firms_fined`` distinct firms, and the largest fine with its firm, its share of that
        firm's annual revenue and the firm's share of its sector.
    """
    eps = episodes(series, sectors_of(series))
    cds = eps.loc[eps["phase"] == "CRACKDOWN"].sort_values(["start", "sector"], kind="stable")
    table = sanctions(series, events)
    dates = series.set_index("month")["date"] if "date" in series.columns else None
    rows = []
    for _, cd in cds.iterrows():
        hits = table.loc[(table["sector"] == cd.sector) & (table["month"] >= cd.start)
                         & (table["month"] <= cd.end)]
        nxt = eps.loc[(eps["sector"] == cd.sector) & (eps["episode"] == cd.episode + 1), "phase"]
        top = hits.loc[hits["fine"].idxmax()] if len(hits) else None
        rows.append({
            "sector": cd.sector,
            "onset": int(cd.start),
            "onset_date": dates.loc[cd.start] if dates is not None else pd.NaT,
            "end": int(cd.end),
            "duration": int(cd.duration),
            "next_phase": str(nxt.iloc[0]) if len(nxt) else None,
            "cases": len(hits),
            "fines": float(hits["fine"].sum()),
            "firms_fined": int(hits["firm_id"].nunique()),
            "largest_fine": float(top["fine"]) if top is not None else np.nan,
            "largest_fine_firm": int(top["firm_id"]) if top is not None else -1,
            "largest_fine_share": float(top["fine_share"]) if top is not None else np.nan,
            "largest_fine_firm_share": float(top["firm_share"]) if top is not None else np.nan,
        })
    return pd.DataFrame(rows, columns=list(CAMPAIGN_COLUMNS))


__all__ = ["CAMPAIGN_COLUMNS", "SANCTION_COLUMNS", "campaign_cases", "sanctions"]
