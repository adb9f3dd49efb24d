"""The model (MODEL.md v2): one module per mechanism, :mod:`sim.model.model` wires the month.

=====================  ==================================================================
module                 mechanism (MODEL.md §2)
=====================  ==================================================================
``firms``              harm, learning, deterrence, growth, pledges, rare events
``local``              fiscal dependence, protection, local under-reporting
``agencies``           enforcement, the CAC's content floor, campaign enforcement
``public``             grievance from harm against tolerance, bounded scandals
``information``        the leadership's channels, their biases and delays, revelation
``markets``            valuation and the pain stocks
``leadership``         signal, phases, floor, campaign climate, bans, rules mode
``model``              :class:`RegulatoryModel`: the month's order (MODEL.md §3)
=====================  ==================================================================

What the month does beside the mechanisms: ``founding`` (the lax steady state it starts from),
``sectors`` (sector totals, the month's harm profile and growth), ``exogenous`` (exogenous
series and scheduled events), ``turnover`` (pledges, acquisitions, exits, entries),
``rare_events`` (defiance and foreign listings) and ``collection`` (what is recorded, with
``recorder`` storing it; MODEL.md §4).

The month runs compiled (issue #12): ``kernel`` is the same month in numba kernels, step for
step and draw for draw; ``compiled`` packs the model's arrays for it and keeps Mesa's agents;
``warmup`` compiles it ahead of need. ``RegulatoryModel(engine="numpy")`` runs the mechanism
modules themselves, the reference the kernels are tested against.
"""

from .model import RegulatoryModel

__all__ = ["RegulatoryModel"]
