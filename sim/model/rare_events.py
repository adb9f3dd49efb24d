"""The firms' rare events: public defiance and foreign listings (MODEL.md §2, 'Tech firms').

At the end of the firms' stage (MODEL.md §3, step 4) the economy's largest firm may defy the
state in public, firms may list abroad, and the month's scheduled defiance and listings are
carried out by their sector's largest firm. Each sets this month's trigger of its sector
(``model.triggers``); defiance also reveals hidden harm when revelation is on (docs/ODD.md §7.6).
The hazards are those of :mod:`sim.model.firms`. Draws from ``model.rng``, in this order: one
for defiance, then one per slot for listings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from . import firms as firm_rules
from .exogenous import firm_acts
from .params import ScheduledEvent
from .sectors import sector_members
from .states import Cause, EventKind, ScheduledKind

if TYPE_CHECKING:
    from .model import RegulatoryModel


def rare_events(model: RegulatoryModel, scheduled: Sequence[ScheduledEvent]) -> None:
    """Defiance by the economy's largest firm; foreign listings; scheduled ones."""
    p, pop, rng = model.p, model.firms, model.rng
    n = pop.n
    live_rev = pop.revenue[:n] * pop.alive[:n]
    total = live_rev.sum()
    if total > 0:
        biggest = int(np.argmax(live_rev))
        s = int(pop.sector[biggest])
        chance = firm_rules.defiance_probability(live_rev[biggest] / total,
                                                 float(model.regulators.enforcement[s]),
                                                 float(model.alignment[s]), p.firms)
        if rng.random() < chance:
            defy(model, biggest)
    hazard = firm_rules.listing_hazard(model.alignment, model.regulators.enforcement,
                                       model.data_rich,
                                       float(model.foreign_climate[model.month]), p.firms)
    draws = rng.random(n)
    lists = np.flatnonzero(pop.alive[:n] & ~pop.listed_abroad[:n]
                           & (draws < hazard[pop.sector[:n]]))
    for slot in lists.tolist():
        list_abroad(model, slot)
    for ev in firm_acts(scheduled):
        members = sector_members(pop, model.sector_names.index(ev.sector))
        if ev.kind == ScheduledKind.FOREIGN_LISTING.value:
            members = members[~pop.listed_abroad[members]]
        top = firm_rules.largest(pop, members, 1)
        if len(top) == 0:
            continue
        if ev.kind == ScheduledKind.DEFIANCE.value:
            defy(model, int(top[0]))
        else:
            list_abroad(model, int(top[0]))


def defy(model: RegulatoryModel, slot: int) -> None:
    """The firm in ``slot`` defies the state: its sector's trigger, and a revelation."""
    s = int(model.firms.sector[slot])
    model.triggers.defiance[s] = True
    model.stats["defiance"] += 1
    model.log_event(EventKind.DEFIANCE, sector=s, slot=slot)
    if model.p.information.revelation and not model.revealed[s]:
        model.revealed[s] = True
        model.revelation_cause[s] = Cause.DEFIANCE.value


def list_abroad(model: RegulatoryModel, slot: int) -> None:
    """The firm in ``slot`` lists abroad: its sector's trigger."""
    s = int(model.firms.sector[slot])
    model.firms.listed_abroad[slot] = True
    model.triggers.listing[s] = True
    model.stats["listings"] += 1
    model.log_event(EventKind.FOREIGN_LISTING, sector=s, slot=slot)


__all__ = ["defy", "list_abroad", "rare_events"]
