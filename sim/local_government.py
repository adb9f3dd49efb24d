"""Local governments (MODEL.md §2, 'Local governments').

"Behind every successful firm there is a local government": a province's protection of its tech
firms rises with its fiscal dependence on them, shields them from central enforcement (lower
enforcement faced, lower odds of being targeted), and folds when the leadership campaigns. Zealous
localities then add enforcement of their own to signal loyalty.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from .params import LocalParams

if TYPE_CHECKING:
    from .model import RegulatoryModel


class LocalGovernment(Agent):
    """A province. Its state lives in the model's :class:`Provinces` arrays at ``index``.

    Attributes (views): ``fiscal_dependence`` (tech tax / all tax), ``protection`` (π_p before
    folding), ``zeal`` (how keenly it signals loyalty in a campaign).
    """

    def __init__(self, model: RegulatoryModel, index: int):
        super().__init__(model)
        self.index = int(index)

    fiscal_dependence = property(lambda self: float(self.model.provinces.dependence[self.index]))
    protection = property(lambda self: float(self.model.provinces.base_protection[self.index]))
    zeal = property(lambda self: float(self.model.provinces.zeal[self.index]))


class Provinces:
    """State of all provinces, as arrays indexed by province.

    Attributes:
        weight: share of firms founded in each province (Zipf over hubs, s_hub).
        nontech_tax: the non-tech tax base X_p (grows at g_X).
        dependence: fiscal dependence d_p = tech tax / (tech tax + X_p).
        base_protection: π_p = min(π_0 + π_d·d_p, π_max), before folding.
        zeal: loyalty zeal z_p ∈ [0, 1].
    """

    def __init__(self, lp: LocalParams, rng: np.random.Generator):
        n = lp.n_provinces
        ranks = np.arange(1, n + 1, dtype=float)
        weight = ranks ** (-lp.hub_concentration)
        self.weight = weight / weight.sum()
        self.size = rng.uniform(0.5, 1.5, n)  # non-tech economy size, relative
        self.nontech_tax = np.zeros(n)
        self.dependence = np.zeros(n)
        self.base_protection = np.zeros(n)
        self.zeal = rng.uniform(0.0, 1.0, n)
        self.tech_tax = np.zeros(n)

    def calibrate_tax_base(self, tech_tax: np.ndarray, lp: LocalParams) -> None:
        """Set X_p so that non-tech tax is X_0 times the mean tech tax, spread by economy size."""
        mean_tech = tech_tax.sum() / len(tech_tax)
        self.nontech_tax = lp.nontech_tax_ratio * mean_tech * self.size
        self.update(tech_tax, lp)

    def update(self, tech_tax: np.ndarray, lp: LocalParams) -> None:
        """Fiscal dependence and unfolded protection from this month's tech tax."""
        self.tech_tax = tech_tax
        total = tech_tax + self.nontech_tax
        self.dependence = np.divide(tech_tax, total, out=np.zeros_like(total), where=total > 0)
        self.base_protection = np.minimum(lp.protection_min + lp.protection_slope * self.dependence,
                                          lp.protection_cap)

    def grow_nontech(self, lp: LocalParams) -> None:
        """The non-tech tax base grows at g_X a month."""
        self.nontech_tax *= 1.0 + lp.nontech_growth

    def protection_matrix(self, signal: np.ndarray) -> np.ndarray:
        """π[p, s] = π_p·(1 − L_s): protection folds as the leadership's signal rises."""
        return self.base_protection[:, None] * (1.0 - signal[None, :])

    def loyalty_matrix(self, signal: np.ndarray, campaigning: np.ndarray,
                       lp: LocalParams) -> np.ndarray:
        """Enforcement zealous localities add in a campaign: λ_loc·z_p·L_s in CRACKDOWN sectors."""
        return lp.loyalty_enforcement * self.zeal[:, None] * (signal * campaigning)[None, :]
