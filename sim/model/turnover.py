"""Changes to the firm population in the firms' stage of the month (MODEL.md §3, step 4).

Pledges, acquisitions, exits and entries (docs/ODD.md §7.4 and §7.9), each logged as an event
and counted in the month's tallies (``model.stats``). The decision rules are those of
:mod:`sim.model.firms`; these functions apply them to the model's population in the month's
order and draw from ``model.rng`` in a fixed order: acquisitions sector by sector and largest
buyer first, then entries over the vacant places in slot order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import firms as firm_rules
from .sectors import sector_members
from .states import EventKind, Phase

if TYPE_CHECKING:
    from .model import RegulatoryModel

ACQUIRERS = 5
"""The largest firms of each sector that try acquisitions."""


def pledges(model: RegulatoryModel) -> None:
    """Pledges of top firms in sectors in crackdown.

    Top firms of sectors in crackdown pledge when their expected penalty exceeds the cost;
    pledges lapse once the sector is LOOSE again.
    """
    p, pop, n = model.p, model.firms, model.firms.n
    loose = model.leadership.phase == int(Phase.LOOSE)
    pop.pledged[:n] &= ~loose[pop.sector[:n]]
    for s in np.flatnonzero(model.crackdown):
        go = firm_rules.pledge_candidates(pop, sector_members(pop, int(s)),
                                          float(model.leadership.signal[s]), p.firms,
                                          p.agencies)
        if len(go):
            firm_rules.make_pledges(pop, go, p.firms)
            model.stats["pledges"] += len(go)
            for slot in go.tolist():
                model.log_event(EventKind.PLEDGE, sector=int(s), slot=slot,
                                magnitude=p.firms.pledge_cost)


def acquisitions(model: RegulatoryModel) -> None:
    """Acquisitions by the largest firms, subject to merger review.

    Top-5 firms buy a random smaller rival with chance p_acq·a unless merger review
    (chance μ·E_s) blocks the deal.
    """
    fp, pop, rng = model.p.firms, model.firms, model.rng
    if fp.acquisition_rate <= 0:
        return
    for s in np.flatnonzero(~model.banned):
        members = sector_members(pop, int(s))
        top = firm_rules.largest(pop, members, ACQUIRERS)
        rivals = np.setdiff1d(members, top)
        tries = top[rng.random(len(top)) < fp.acquisition_rate * pop.aggressiveness[top]]
        for buyer in tries.tolist():
            rivals = rivals[pop.alive[rivals]]
            if len(rivals) == 0:
                break
            target = int(rng.choice(rivals))
            if rng.random() < model.p.agencies.merger_review * model.regulators.enforcement[s]:
                model.stats["blocked"] += 1
                continue
            model.log_event(EventKind.ACQUISITION, sector=int(s), slot=buyer,
                            magnitude=float(pop.revenue[target]))
            pop.revenue[buyer] += pop.revenue[target]
            pop.violation[buyer] += pop.violation[target]
            pop.recent_violation[buyer] += pop.recent_violation[target]
            remove(model, np.array([target]), "acquired", vacate=True)
            model.stats["acquisitions"] += 1


def remove(model: RegulatoryModel, slots: np.ndarray, reason: str, *, vacate: bool) -> None:
    """Remove firms, logging each exit with its reason.

    Args:
        model: the model.
        slots: the firms' slots.
        reason: the exit's ``detail`` (``revenue``, ``acquired``, ``ban``).
        vacate: whether the places are left for entrants (not after a ban).
    """
    for slot in slots.tolist():
        model.log_event(EventKind.EXIT, sector=int(model.firms.sector[slot]), slot=slot,
                        detail=reason)
    model.firms.remove(slots, vacate=vacate)
    model.stats["exits"] += len(slots)


def exit_floor_now(model: RegulatoryModel) -> float:
    """The exit floor this month: the starting floor × e^{g_Y·t} (it grows with the economy)."""
    return model.exit_floor * np.exp(model.p.public.tolerance_growth * model.month)


def exits(model: RegulatoryModel) -> None:
    """Firms below the exit floor (which grows with the economy) leave."""
    pop, n = model.firms, model.firms.n
    floor = exit_floor_now(model)
    gone = np.flatnonzero(pop.alive[:n] & (pop.revenue[:n] < floor))
    if len(gone):
        remove(model, gone, "revenue", vacate=True)


def entries(model: RegulatoryModel) -> None:
    """Entry into vacant places.

    Each vacant place is taken by an entrant with chance p_ent × investor confidence
    (none in a banned sector); entrants start small, at their best response.
    """
    p, pop, rng = model.p, model.firms, model.rng
    fp, n = p.firms, pop.n
    vacant = np.flatnonzero(pop.vacant[:n])
    if len(vacant) == 0:
        return
    sec = pop.sector[vacant]
    chance = fp.entry_rate * model.markets.confidence()[sec] * ~model.banned[sec]
    fill = vacant[rng.random(len(vacant)) < chance]
    if len(fill) == 0:
        return
    pop.vacant[fill] = False
    sector, province = pop.sector[fill], pop.province[fill]
    floor = exit_floor_now(model)
    protection = model.provinces.protection_faced(province, sector, model.leadership.signal)
    belief = model.regulators.enforcement[sector] * (1.0 - protection)
    aggr = firm_rules.best_response(belief, np.zeros(len(fill)), fp, p.agencies)
    slots = pop.add(model, sector, province, np.full(len(fill), fp.entrant_size * floor),
                    aggr, belief, rng.normal(0.0, fp.growth_type_sd, len(fill)))
    pop.protection[slots] = protection
    pop.enforcement_faced[slots] = belief
    for slot in slots.tolist():
        model.log_event(EventKind.ENTRY, sector=int(pop.sector[slot]), slot=slot)
    model.stats["entries"] += len(slots)


__all__ = ["ACQUIRERS", "acquisitions", "entries", "exit_floor_now", "exits", "pledges",
           "remove"]
