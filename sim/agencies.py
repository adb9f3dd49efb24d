"""State regulators (MODEL.md §2, 'State regulators').

Each agency keeps, per sector in its mandate, an enforcement intensity E ∈ [0,1] that moves toward
a target with the bureaucratic time constant τ_E. The target follows the leadership's signal
(hierarchy first), plus the sector's floor, plus the harm the agency itself perceives through its
own information delay ('isolated islands'), overshot by zeal during a campaign. The industry
ministry is the growth faction: it enforces nothing and pulls the others' targets down in aligned
sectors. Each month an agency opens about E × capacity cases; targets are drawn by weight
V × R^(ν·L_s) × (1 + blacklist bonus) × (1 − pledge effect) × (1 − local protection) and
sanctioned with a fine (capped by law), a remedy, a blacklist (joint punishment) and, for top
firms in a campaign, a listing suspension.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from .firms import relax
from .params import AgencyParams, Params
from .states import AGENCIES, AGENCY_HARM, HARM_DIMENSIONS, UNIFIED_AGENCY, EventKind, Structure

if TYPE_CHECKING:
    from .model import RegulatoryModel


class Agency(Agent):
    """A regulatory agency; its enforcement row lives in :class:`Regulators` at ``index``.

    Attributes: ``name``, ``watches`` (the harm dimension it sees, None for the growth faction,
    ``"all"`` for a unified regulator), ``enforcement`` (E per sector, 0 outside its mandate).
    """

    def __init__(self, model: RegulatoryModel, index: int, name: str, watches: str | None):
        super().__init__(model)
        self.index = int(index)
        self.name = name
        self.watches = watches

    @property
    def enforcement(self) -> dict[str, float]:
        """E by sector (0 where the agency has no mandate)."""
        row = self.model.regulators.enforcement[self.index]
        return dict(zip(self.model.sector_names, row.tolist(), strict=True))


class Regulators:
    """All agencies' state as arrays: mandate weights W[k,s] and enforcement E[k,s].

    The enforcement of a sector, E_s = Σ_k W[k,s]·E[k,s] / Σ_k W[k,s], is what firms face before
    local protection; each agency opens its share of the sector's cases.
    """

    def __init__(self, params: Params):
        ap = params.agencies
        sectors = params.sectors
        n_sectors = len(sectors)
        if ap.structure == Structure.UNIFIED.value:
            self.names: tuple[str, ...] = (UNIFIED_AGENCY,)
            self.watches: tuple[str | None, ...] = ("all",)
            self.mandate = np.ones((1, n_sectors))
            self.growth_faction = 0.0
            self.tau_information = ap.tau_information / 2.0  # shared data: half the delay
        else:
            self.names = AGENCIES
            self.watches = tuple(AGENCY_HARM[a] for a in AGENCIES)
            self.mandate = np.zeros((len(AGENCIES), n_sectors))
            for s, sector in enumerate(sectors):
                for k, agency in enumerate(AGENCIES):
                    dim = AGENCY_HARM[agency]
                    if agency == sector.lead_agency:
                        self.mandate[k, s] = 1.0
                    elif (dim is not None and agency != "education"
                          and sector.harms[HARM_DIMENSIONS.index(dim)] >= 0.3):
                        self.mandate[k, s] = ap.secondary_weight
            self.growth_faction = ap.growth_faction
            self.tau_information = ap.tau_information
        self.share = self.mandate / np.maximum(self.mandate.sum(axis=0, keepdims=True), 1e-12)
        self.active = self.mandate > 0
        self.enforcement = np.zeros_like(self.mandate)
        self.perceived_harm = np.zeros_like(self.mandate)
        # which harm dimension each agency watches, as a (K, 4) selector
        self.dim_selector = np.zeros((len(self.names), len(HARM_DIMENSIONS)))
        for k, w in enumerate(self.watches):
            if w == "all":
                self.dim_selector[k, :] = 1.0
            elif w is not None:
                self.dim_selector[k, HARM_DIMENSIONS.index(w)] = 1.0

    def sector_enforcement(self) -> np.ndarray:
        """E_s: mandate-weighted mean enforcement per sector."""
        return (self.share * self.enforcement).sum(axis=0)

    def set_enforcement(self, signal: np.ndarray, floor: np.ndarray, crackdown: np.ndarray,
                        alignment: np.ndarray, harm_intensity: np.ndarray,
                        ap: AgencyParams) -> None:
        """Move E toward E* = clip(max(F, L·(1 + ζ·campaign)·(1 − γ·α·(1 − L))) + κ_H·Ĥ).

        Args:
            signal: leadership signal L_s.
            floor: regulatory floor F_s.
            crackdown: 1.0 where the sector is in CRACKDOWN.
            alignment: strategic alignment α_s.
            harm_intensity: (S, 4) harm per unit of revenue, by dimension, this month.
            ap: agency parameters.
        """
        seen = harm_intensity @ self.dim_selector.T  # (S, K)
        self.perceived_harm = relax(self.perceived_harm, seen.T, self.tau_information)
        # The growth faction discounts the signal in aligned sectors, less so as the leadership
        # insists; it cannot argue away the floor (the laws).
        pull = self.growth_faction * alignment * (1.0 - signal)
        # The signal's own target already includes the floor (L → L_min + F in LOOSE), so the
        # floor enters as a lower bound rather than a second time as a sum (see docs/ODD.md).
        hierarchy = np.maximum(floor, signal * (1.0 + ap.zeal * crackdown) * (1.0 - pull))
        target = hierarchy[None, :] + ap.harm_weight * self.perceived_harm
        target = np.clip(target, 0.0, 1.0)
        self.enforcement = np.where(self.active,
                                    relax(self.enforcement, target, ap.tau_enforcement), 0.0)


def open_cases(model: RegulatoryModel) -> None:
    """Each agency opens ~Poisson(K·E[k,s]·share·(1 + ζ·campaign)) cases and sanctions them."""
    reg = model.regulators
    pop = model.firms
    ap = model.p.agencies
    rng = model.rng
    n = pop.n
    # zeal shows in case counts too: E saturates at 1, bureaucrats' competition does not
    campaign = 1.0 + ap.zeal * model.crackdown
    lam = ap.capacity * reg.enforcement * reg.share * campaign[None, :]
    counts = rng.poisson(lam)
    if not counts.any():
        return
    record = pop.violation if ap.retroactive else pop.recent_violation
    # Visibility bites as the signal rises: in lax years agencies leave the giants alone
    # (Zhang: acquisitions "with little regulatory oversight"); in a campaign they go for them.
    visibility = ap.visibility * model.leadership.signal[pop.sector[:n]]
    weight = (record[:n] * np.power(pop.revenue[:n], visibility)
              * (1.0 + ap.blacklist_bonus * (pop.blacklist[:n] > 0))
              * (1.0 - model.p.firms.pledge_effect * pop.pledged[:n])
              * (1.0 - model.p.local.protection_targeting * pop.protection[:n]))
    weight[~pop.alive[:n]] = 0.0
    for k, s in zip(*np.nonzero(counts), strict=True):
        members = model.ranking.members(int(s))
        in_sector = members[weight[members] > 0]
        if len(in_sector) == 0:
            continue
        take = min(int(counts[k, s]), len(in_sector))
        for slot in weighted_sample(in_sector, weight[in_sector], take, rng):
            sanction(model, int(k), int(s), int(slot))
            weight[slot] = 0.0  # one case per firm per month


def weighted_sample(items: np.ndarray, weights: np.ndarray, k: int,
                    rng: np.random.Generator) -> np.ndarray:
    """K items drawn without replacement with probability ∝ weight (Efraimidis–Spirakis keys).

    Equivalent in distribution to drawing one at a time and removing it, but one vectorised pass.
    """
    keys = np.log(rng.random(len(items))) / weights
    if k >= len(items):
        return items[np.argsort(-keys, kind="stable")]
    best = np.argpartition(-keys, k - 1)[:k]
    return items[best[np.argsort(-keys[best], kind="stable")]]


def sanction(model: RegulatoryModel, k: int, s: int, slot: int) -> None:
    """Fine (capped), remedy, blacklist, maybe a listing suspension; punish old conduct.

    fine = min(f_cap, φ·V/(12R))·12R; V ← v_keep·V; a ← (1 − r_a)·a; R ← (1 − r_R)·R;
    ê ← max(ê, E_s). Sanctioning one of the sector's top five raises every peer's ê by
    δ_demo·(E_s − ê) ("kill the chicken to scare the monkeys").
    """
    pop = model.firms
    ap = model.p.agencies
    fp = model.p.firms
    annual = 12.0 * pop.revenue[slot]
    record = pop.violation[slot] if ap.retroactive else pop.recent_violation[slot]
    share = min(ap.fine_cap, ap.fine_rate * record / annual) if annual > 0 else 0.0
    fine = share * annual
    e_s = model.sector_enforcement[s]
    model.log_event(EventKind.SANCTION, sector=s, slot=slot, agency=model.regulators.names[k],
                    magnitude=share, fine=fine)
    pop.violation[slot] *= ap.violation_kept
    pop.recent_violation[slot] *= ap.violation_kept
    pop.aggressiveness[slot] *= 1.0 - ap.remedy_cut
    pop.revenue[slot] *= 1.0 - ap.remedy_revenue_cut
    pop.belief[slot] = max(pop.belief[slot], e_s)
    pop.blacklist[slot] = ap.blacklist_months
    model.month_stats["cases"][s] += 1
    model.month_stats["fines"][s] += fine
    rank = model.ranking.rank[slot]
    if rank < 5:
        peers = model.ranking.members(s)
        gap = np.maximum(e_s - pop.belief[peers], 0.0)
        pop.belief[peers] += fp.demonstration * gap
    if (model.crackdown[s] and rank < ap.suspension_top_k
            and pop.suspension[slot] == 0 and ap.suspension_months > 0):
        pop.suspension[slot] = ap.suspension_months
        model.log_event(EventKind.LISTING_SUSPENSION, sector=s, slot=slot,
                        agency=model.regulators.names[k], magnitude=ap.suspension_months)
