"""Sector totals of the firm population and the month's sector-level harm and growth (MODEL.md §2).

No randomness and no model state: each function takes the arrays it reads. The model sums live
firms by sector (revenue, jobs, records), weights firm quantities by revenue, measures
concentration (HHI_s), and derives the harm profile and growth rate each sector has this month
(docs/ODD.md §7.9).
"""

from __future__ import annotations

import numpy as np

from .dynamics import sector_sums
from .firms import FirmPopulation
from .params import AgencyParams, Params
from .states import CONTENT

JOBS_EXPONENT = 0.8
"""Jobs ∝ revenue^0.8 (larger firms employ less per unit of revenue)."""


def sector_total(pop: FirmPopulation, values: np.ndarray, n_sectors: int) -> np.ndarray:
    """Σ ``values`` over the live firms of each sector (``values`` indexed by slot)."""
    n = pop.n
    return sector_sums(pop.sector[:n], values[:n] * pop.alive[:n], n_sectors)


def sector_jobs(pop: FirmPopulation, n_sectors: int) -> np.ndarray:
    """Jobs by sector: Σ R_i^0.8 over live firms (:data:`JOBS_EXPONENT`)."""
    return sector_total(pop, pop.revenue ** JOBS_EXPONENT, n_sectors)


def revenue_weighted(pop: FirmPopulation, values: np.ndarray, revenue_s: np.ndarray,
                     n_sectors: int) -> np.ndarray:
    """Revenue-weighted mean of ``values`` over each sector's live firms (0 without revenue).

    Args:
        pop: the firms.
        values: one value per slot.
        revenue_s: the sectors' revenue, :func:`sector_total` of ``pop.revenue``.
        n_sectors: number of sectors.
    """
    total = sector_total(pop, values * pop.revenue, n_sectors)
    return np.divide(total, revenue_s, out=np.zeros_like(total), where=revenue_s > 0)


def herfindahl(pop: FirmPopulation, n_sectors: int, previous: np.ndarray) -> np.ndarray:
    """HHI_s = Σ R_i² / (Σ R_i)² over each sector's live firms (``previous`` where no revenue)."""
    rev = sector_total(pop, pop.revenue, n_sectors)
    sq = sector_total(pop, pop.revenue ** 2, n_sectors)
    return np.where(rev > 0, sq / np.maximum(rev, 1e-150) ** 2, previous)


def province_revenue(pop: FirmPopulation, n_provinces: int) -> np.ndarray:
    """Each province's tax base: the revenue of its live firms."""
    n = pop.n
    return np.bincount(pop.province[:n], weights=pop.revenue[:n] * pop.alive[:n],
                       minlength=n_provinces)


def sector_members(pop: FirmPopulation, s: int) -> np.ndarray:
    """Slots of the live firms of sector ``s``, in slot order."""
    n = pop.n
    return np.flatnonzero(pop.alive[:n] & (pop.sector[:n] == s))


def effective_profile(profile: np.ndarray, hhi: np.ndarray, hhi0: np.ndarray,
                      frozen: np.ndarray, content: np.ndarray, ap: AgencyParams) -> np.ndarray:
    """Harm profiles this month, h^eff_{s,k}.

    Competition × HHI_s/HHI_0,s (M&A and growth concentrate it); content × clip(1 − k_c·E_c,s −
    z_fr·[gate_s ∧ CRACK_s], 0, 1) (the CAC's filter and the licence freeze); other dimensions as
    in the sector table.

    Args:
        profile: h_{s,k}, the sectors' harm profiles (sectors × dimensions).
        hhi: HHI_s now.
        hhi0: HHI_0,s, the starting concentration.
        frozen: gate_s ∧ CRACK_s, the sectors whose licences are frozen this month.
        content: E_c,s, the CAC's content enforcement.
        ap: the agencies' parameters (k_c, z_fr).
    """
    out = profile.copy()
    out[:, 0] *= np.divide(hhi, hhi0, out=np.ones_like(hhi), where=hhi0 > 0)
    freeze = ap.licence_freeze * frozen
    out[:, CONTENT] *= np.clip(1.0 - ap.content_filter * content - freeze, 0.0, 1.0)
    return out


def sector_growth(base_growth: np.ndarray, alignment: np.ndarray, signal: np.ndarray,
                  frozen: np.ndarray, p: Params) -> np.ndarray:
    """γ_s = g_s + s_sub·α_s·(1 − L_s) − d_fr·[gate_s ∧ CRACK_s].

    Local backing of aligned sectors, and the drag of a licence freeze (``frozen``, as in
    :func:`effective_profile`).
    """
    return (base_growth
            + p.local.subsidy * alignment * (1.0 - signal)
            - p.agencies.freeze_drag * frozen)


__all__ = [
    "JOBS_EXPONENT",
    "effective_profile",
    "herfindahl",
    "province_revenue",
    "revenue_weighted",
    "sector_growth",
    "sector_jobs",
    "sector_members",
    "sector_total",
]
