"""The lax steady state the model starts from (MODEL.md §2; docs/ODD.md §5, Initialisation).

Firms are split evenly across sectors with log-normal sizes scaled to the sectors' revenue
shares; aggressiveness and the violation record are iterated to their fixed point at the
enforcement firms face; the public's tolerance is set so that the true alarm starts at A_0;
every channel starts at its steady value; markets start at the sectors' steady growth. The first
crackdowns then come from harm outgrowing tolerance over years, not from the initial conditions.

Draws from ``model.rng``, in this order: provinces, revenues, growth types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import firms as firm_rules
from .information import Channels
from .markets import Markets
from .public import Public
from .sectors import (
    herfindahl,
    province_revenue,
    revenue_weighted,
    sector_growth,
    sector_jobs,
    sector_total,
)

if TYPE_CHECKING:
    from .model import RegulatoryModel

STEADY_STATE_ITERATIONS = 60
"""Fixed-point iterations of firms' best response and records for the lax steady state."""


def found_firms(model: RegulatoryModel) -> None:
    """Firms, records, grievance, channels and markets at a lax steady state.

    Adds ``n_firms`` firms to ``model.firms`` and sets ``model.exit_floor``, ``hhi0`` and
    ``hhi`` (HHI_0,s), ``harm_by_dim`` and the ``public``, ``channels`` and ``markets``
    mechanisms. Needs the provinces, regulators and leadership built.
    """
    p, rng, pop = model.p, model.rng, model.firms
    fp, n, S = p.firms, p.firms.n_firms, model.n_sectors
    sector = np.arange(n) % S
    province = rng.integers(0, p.local.n_provinces, n)
    revenue = rng.lognormal(0.0, fp.revenue_sigma, n)
    share = np.array([s.revenue_share for s in p.sectors])
    for s in range(S):
        mask = sector == s
        if mask.any():
            revenue[mask] *= share[s] / revenue[mask].sum()
    growth_type = rng.normal(0.0, fp.growth_type_sd, n)
    slots = pop.add(model, sector, province, revenue, np.full(n, 0.5), np.zeros(n),
                    growth_type)
    positive = revenue[revenue > 0]
    model.exit_floor = fp.exit_revenue * float(np.quantile(positive, 0.05)) \
        if len(positive) else 0.0
    model.provinces.update(province_revenue(pop, p.local.n_provinces), p.local)
    lead = model.leadership
    pop.protection[slots] = model.provinces.protection_faced(province, sector, lead.signal)
    pop.enforcement_faced[slots] = (model.regulators.enforcement[sector]
                                    * (1.0 - pop.protection[slots]))
    pop.belief[slots] = pop.enforcement_faced[slots]
    model.hhi0 = model.hhi = herfindahl(pop, S, np.ones(S))
    crackdown = np.zeros(S, dtype=bool)
    profile = model.harm_profile(crackdown)
    for _ in range(STEADY_STATE_ITERATIONS):
        by_dim = firm_rules.harm(pop, profile, fp, p.agencies.recent_harm_months, S)
        pop.violation[slots] = pop.harm[slots] / max(fp.violation_decay, 1e-9)
        pop.recent_violation[slots] = pop.harm[slots] * p.agencies.recent_harm_months
        years = firm_rules.record_years(
            firm_rules.punishable_record(pop, p.agencies.retroactive)[slots], revenue)
        pop.aggressiveness[slots] = firm_rules.best_response(pop.belief[slots], years, fp,
                                                             p.agencies)
    by_dim = firm_rules.harm(pop, profile, fp, p.agencies.recent_harm_months, S)
    pop.violation[slots] = pop.harm[slots] / max(fp.violation_decay, 1e-9)
    pop.recent_violation[slots] = pop.harm[slots] * p.agencies.recent_harm_months
    model.harm_by_dim = by_dim
    initial_alarm = np.array([s.initial_alarm for s in p.sectors])
    model.public = Public(by_dim.sum(axis=1), initial_alarm)
    model.public.perceive_harm(by_dim.sum(axis=1), 0, p.public)
    model.channels = Channels(model.channel_reports(by_dim), p.information)
    revenue_s = sector_total(pop, pop.revenue, S)
    mean_a = revenue_weighted(pop, pop.aggressiveness, revenue_s, S)
    mean_e = revenue_weighted(pop, pop.enforcement_faced, revenue_s, S)
    growth = sector_growth(model.base_growth, model.alignment, lead.signal,
                           model.gated & crackdown, p)
    trend = growth + fp.growth_aggressiveness * mean_a - fp.enforcement_drag * mean_e
    model.markets = Markets(revenue_s, sector_jobs(pop, S), model.regulators.enforcement, trend,
                            p.markets, p.public.tolerance_growth)


__all__ = ["STEADY_STATE_ITERATIONS", "found_firms"]
