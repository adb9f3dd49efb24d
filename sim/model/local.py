"""Local governments (MODEL.md §2, 'Local governments').

A province's fiscal dependence on tech taxes sets its **protection** of local firms (shielding
from enforcement and from being targeted: local courts working for firms) and its
**under-reporting** of their harm to the centre; protection folds as the leadership's signal
rises. Aligned sectors also get local backing (a growth subsidy, in :mod:`sim.model.sectors`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from .params import LocalParams

if TYPE_CHECKING:
    from .model import RegulatoryModel


class LocalGovernment(Agent):
    """A province; its state is entry ``index`` of the model's :class:`Provinces` arrays."""

    def __init__(self, model: RegulatoryModel, index: int):
        super().__init__(model)
        self.index = int(index)

    fiscal_dependence = property(
        lambda self: float(self.model.provinces.dependence[self.index]))
    protection = property(lambda self: float(self.model.provinces.protection[self.index]))


class Provinces:
    """All provinces as arrays.

    Attributes:
        base_dependence: d⁰_p ~ U(d_lo, d_hi): the tech share of the province's budget if its
            tech tax base were average.
        dependence: d_p = min(1, d⁰_p · tech tax of p / mean tech tax): hubs depend more.
        protection: π_p = min(π_max, π_0 + π_d·d_p) before folding under the signal.
    """

    def __init__(self, lp: LocalParams, rng: np.random.Generator):
        lo, hi = sorted((lp.dependence_min, lp.dependence_max))
        self.n = lp.n_provinces
        self.base_dependence = rng.uniform(lo, hi, self.n)
        self.dependence = self.base_dependence.copy()
        self.protection = np.zeros(self.n)

    def update(self, tech_tax: np.ndarray, lp: LocalParams) -> None:
        """Fiscal dependence from this month's tax base, and the protection it buys."""
        mean = tech_tax.mean()
        rel = tech_tax / mean if mean > 0 else np.zeros_like(tech_tax)
        self.dependence = np.minimum(1.0, self.base_dependence * rel)
        self.protection = np.minimum(lp.protection_cap,
                                     lp.protection_min + lp.protection_slope * self.dependence)

    def protection_faced(self, province: np.ndarray, sector: np.ndarray,
                         signal: np.ndarray) -> np.ndarray:
        """π_p·(1 − L_s): protection folds when the leadership campaigns."""
        return self.protection[province] * (1.0 - signal[sector])

    def hidden_share(self, province: np.ndarray, sector: np.ndarray, signal: np.ndarray,
                     underreporting: float) -> np.ndarray:
        """Share of its firms' harm a province leaves out of its report.

        min(0.9, u_loc·d_p), folding like protection, × (1 − L_s), when the leadership
        campaigns.
        """
        return (np.minimum(0.9, underreporting * self.dependence[province])
                * (1.0 - signal[sector]))
