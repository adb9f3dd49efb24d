"""What the model records each month (MODEL.md §3 step 9, §4; docs/ODD.md §9).

:func:`month_tallies` starts the month's counters (``model.stats``), which the stages add to;
:func:`collect` reads the mechanisms' state at the end of the month into one row of the series
(the per-sector quantities and aggregates of :mod:`sim.model.schema`, stored by
:class:`sim.model.recorder.SeriesRecorder`) and, every ``run.firm_panel_every`` months, a
snapshot of the live firms (:func:`snapshot`). Reading only: nothing here changes the model's
state or draws at random.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .sectors import revenue_weighted, sector_total
from .states import HARM_DIMENSIONS, Phase

if TYPE_CHECKING:
    from .model import RegulatoryModel


def month_tallies(n_sectors: int) -> dict[str, Any]:
    """The month's counters at zero: per-sector cases, fines and scandals, and economy counts."""
    return {"cases": np.zeros(n_sectors, dtype=np.int64), "fines": np.zeros(n_sectors),
            "scandals": np.zeros(n_sectors, dtype=np.int64), "entries": 0, "exits": 0,
            "acquisitions": 0, "blocked": 0, "defiance": 0, "listings": 0,
            "pledges": 0, "max_scandal": 0.0}


def collect(model: RegulatoryModel) -> None:
    """Record the month: one row of the series, and the firm panel when it is due."""
    pop, lead, mk, ch = model.firms, model.leadership, model.markets, model.channels
    S = model.n_sectors
    n = pop.n
    alive = pop.alive[:n]
    revenue = sector_total(pop, pop.revenue, S)
    total_rev = float(revenue.sum())
    stats = model.stats
    per_sector = {
        "phase": lead.phase,
        "signal": lead.signal,
        "floor": lead.floor,
        "threshold": lead.onset_threshold,
        "enforcement": model.regulators.enforcement,
        "content_enforcement": model.regulators.content,
        "enforcement_faced": revenue_weighted(pop, pop.enforcement_faced, revenue, S),
        "expected_enforcement": revenue_weighted(pop, pop.belief, revenue, S),
        "alarm": model.public.alarm,
        "perceived_alarm": ch.perceived,
        "grievance": model.public.grievance,
        "scandal_heat": model.public.heat,
        "report_public": ch.reports[0],
        "report_agency": ch.reports[1],
        "report_local": ch.reports[2],
        "transparency": ch.transparency,
        "revealed_gap": lead.revealed_gap,
        "harm": model.harm_by_dim.sum(axis=1),
        **{f"harm_{d}": model.harm_by_dim[:, k]
           for k, d in enumerate(HARM_DIMENSIONS)},
        "hhi": model.hhi,
        "revenue": revenue,
        "valuation": 100.0 * mk.valuation / mk.base,
        "drawdown": mk.drawdown,
        "pain_shortfall": mk.shortfall,
        "pain_jobs": mk.jobs,
        "pain": mk.pain,
        "pain_bound": lead.pain_borne,
        "perceived_pain": lead.perceived_pain,
        "n_firms": sector_total(pop, np.ones(len(pop.revenue)), S),
        "aggressiveness": revenue_weighted(pop, pop.aggressiveness, revenue, S),
        "violation_record": sector_total(pop, pop.violation, S),
        "protection": revenue_weighted(pop, pop.protection, revenue, S),
        "pledged_share": model.pledged_share,
        "cases": stats["cases"],
        "fines": stats["fines"],
        "scandals": stats["scandals"],
    }
    live_phases = lead.phase[lead.phase != int(Phase.BANNED)]
    global_phase = int(live_phases.max()) if len(live_phases) else int(Phase.BANNED)
    index = mk.index
    aggregates = {
        "month": model.month,
        "valuation_index": index,
        "pain": mk.economy_pain,
        "perceived_pain": float((lead.perceived_pain * revenue).sum() / total_rev)
        if total_rev > 0 else 0.0,
        "drawdown": 1.0 - index / mk.index_peak if mk.index_peak > 0 else 0.0,
        "tech_revenue": total_rev,
        "revenue_growth": mk.growth,
        "n_firms": int(alive.sum()),
        "entries": stats["entries"],
        "exits": stats["exits"],
        "acquisitions": stats["acquisitions"],
        "acquisitions_blocked": stats["blocked"],
        "cases_opened": int(stats["cases"].sum()),
        "fines_total": float(stats["fines"].sum()),
        "scandals": int(stats["scandals"].sum()),
        "max_scandal": stats["max_scandal"],
        "defiance_events": stats["defiance"],
        "listing_events": stats["listings"],
        "pledges": stats["pledges"],
        "mean_protection": float((pop.protection[:n] * pop.revenue[:n] * alive).sum()
                                 / total_rev) if total_rev > 0 else 0.0,
        "mean_fiscal_dependence": float(model.provinces.dependence.mean()),
        "foreign_climate": float(model.foreign_climate[model.month]),
        "macro_shock": model.macro_now,
        "campaign_climate": lead.climate,
    }
    model.recorder.record(model.month, aggregates, global_phase, per_sector)
    every = model.p.run.firm_panel_every
    if every and model.month % every == 0:
        snapshot(model)


def snapshot(model: RegulatoryModel) -> None:
    """Add the live firms now to the firm panel (:data:`sim.model.schema.PANEL_COLUMNS`)."""
    pop = model.firms
    live = pop.live
    names = np.array(model.sector_names, dtype=object)
    model.panel.add({
        "month": np.full(len(live), model.month),
        "firm_id": pop.uid[live],
        "sector": names[pop.sector[live]],
        "province": pop.province[live],
        "revenue": pop.revenue[live],
        "aggressiveness": pop.aggressiveness[live],
        "expected_enforcement": pop.belief[live],
        "violation_record": pop.violation[live],
        "protection": pop.protection[live],
        "enforcement_faced": pop.enforcement_faced[live],
        "blacklisted": pop.blacklist[live] > 0,
        "pledged": pop.pledged[live],
        "listed_abroad": pop.listed_abroad[live],
    })


__all__ = ["collect", "month_tallies", "snapshot"]
