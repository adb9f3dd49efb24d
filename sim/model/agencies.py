"""State regulators (MODEL.md §2, 'State regulators'): enforcement and campaign enforcement.

Each sector has a lead agency whose enforcement E_s follows the leadership's signal (with zeal
in a campaign) and, routinely, the harm the agency itself reports; the CAC keeps a content
enforcement E_c,s ≥ its floor in every phase. Campaign enforcement is Zhang's: a near-fixed
number of cases, drawn toward the largest firms as the signal rises, with fines on the
retroactive record that grow with the signal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from .dynamics import relax
from .firms import FirmPopulation, fine_rate, largest, punishable_record, record_years
from .params import AgencyParams, Params
from .states import AGENCIES, AGENCY_MANDATE, HARM_DIMENSIONS, UNIFIED_AGENCY, Structure

if TYPE_CHECKING:
    from .model import RegulatoryModel


class Agency(Agent):
    """A regulatory agency.

    A regulatory agency: ``name``, the harm dimensions it watches (``mandate``) and the
    sectors it leads (``leads``; empty for the growth faction, MIIT).
    """

    def __init__(self, model: RegulatoryModel, name: str, mandate: tuple[str, ...],
                 leads: tuple[int, ...]):
        super().__init__(model)
        self.name = name
        self.mandate = mandate
        self.leads = leads

    @property
    def enforcement(self) -> dict[str, float]:
        """E of the sectors this agency leads."""
        e = self.model.regulators.enforcement
        return {self.model.sector_names[s]: float(e[s]) for s in self.leads}


class Regulators:
    """Enforcement arrays and who sees what.

    Attributes:
        enforcement: E_s, the lead agency's enforcement of sector s.
        content: E_c,s, the CAC's content enforcement (≥ the content floor).
        mandate: (sector, dimension) 1 where the sector's report covers the dimension: its lead
            agency's mandate plus content (the CAC watches content in every sector); all ones
            for a unified regulator (every dimension shared).
        lead: the lead agency's name per sector.
    """

    def __init__(self, params: Params):
        ap = params.agencies
        n = len(params.sectors)
        self.unified = ap.structure == Structure.UNIFIED.value
        self.lead = [UNIFIED_AGENCY if self.unified else s.lead_agency for s in params.sectors]
        self.mandate = np.zeros((n, len(HARM_DIMENSIONS)))
        for s, spec in enumerate(params.sectors):
            # the CAC watches content in every sector, whoever leads it
            dims = HARM_DIMENSIONS if self.unified else (*AGENCY_MANDATE[spec.lead_agency],
                                                         "content")
            for d in dims:
                self.mandate[s, HARM_DIMENSIONS.index(d)] = 1.0
        self.enforcement = np.zeros(n)
        self.content = np.zeros(n)

    def agency_specs(self) -> list[tuple[str, tuple[str, ...], tuple[int, ...]]]:
        """(name, mandate, sectors led) of each agency, for the Mesa agents."""
        if self.unified:
            return [(UNIFIED_AGENCY, HARM_DIMENSIONS, tuple(range(len(self.lead))))]
        return [(name, AGENCY_MANDATE[name],
                 tuple(s for s, lead in enumerate(self.lead) if lead == name))
                for name in AGENCIES]

    def start(self, signal: np.ndarray, floor: np.ndarray, ap: AgencyParams) -> None:
        """The lax steady state: E = max(F, L), E_c at its floor."""
        self.enforcement = np.maximum(floor, signal)
        self.content = np.maximum(self.enforcement, ap.content_floor)

    def update(self, signal: np.ndarray, floor: np.ndarray, crackdown: np.ndarray,
               agency_report: np.ndarray, ap: AgencyParams) -> None:
        """E relaxes (τ_E) toward max(F, L·(1 + ζ·crackdown)) + k_r·max(report − knee, 0).

        The second term is routine enforcement of the harm the agency itself sees (its own
        delayed report); the CAC's content enforcement follows the same target, never below
        its floor.
        """
        target = np.clip(np.maximum(floor, signal * (1.0 + ap.zeal * crackdown))
                         + ap.harm_response * np.maximum(agency_report - ap.harm_knee, 0.0),
                         0.0, 1.0)
        self.enforcement = relax(self.enforcement, target, ap.tau_enforcement)
        self.content = relax(self.content, np.maximum(target, ap.content_floor),
                             ap.tau_enforcement)


@dataclass(frozen=True, slots=True)
class Sanctions:
    """One sector's sanctions this month.

    One sector's sanctions this month: the firms, their fine rates (share of annual revenue)
    and amounts.
    """

    sector: int
    slots: np.ndarray
    rates: np.ndarray
    amounts: np.ndarray


def case_counts(enforcement: np.ndarray, ap: AgencyParams,
                rng: np.random.Generator) -> np.ndarray:
    """Cases per sector this month.

    Cases per sector this month ~ Poisson(c_0·(1 + E_s)): capacity is nearly fixed, so a
    campaign is not many more cases but harsher ones on bigger targets.
    """
    return rng.poisson(ap.case_rate * (1.0 + enforcement))


def targeting_weights(pop: FirmPopulation, members: np.ndarray, signal: float,
                      protection: np.ndarray, ap: AgencyParams, pledge_targeting: float
                      ) -> np.ndarray:
    """W = V·R^(v_0 + v_1·L²)·(1 − e_pl·pledged)·(1 − protection)·(1 + b_BL·blacklisted).

    Visibility of size rises steeply with the signal: in a campaign the giants are the targets.
    """
    exponent = ap.visibility_base + ap.visibility_signal * signal * signal
    record = punishable_record(pop, ap.retroactive)[members]
    # relative to the sector's largest: scale-free, no overflow (and 0, not NaN, at zero revenue)
    size = pop.revenue[members] / max(float(pop.revenue[members].max()), 1e-300)
    return (record * size ** exponent * (1.0 - pledge_targeting * pop.pledged[members])
            * (1.0 - protection[members])
            * (1.0 + ap.blacklist_bonus * (pop.blacklist[members] > 0)))


def draw_targets(members: np.ndarray, weights: np.ndarray, k: int,
                 rng: np.random.Generator) -> np.ndarray:
    """Draw the firms a sector's cases target.

    ``k`` distinct firms drawn with probability ∝ weight, one after another without
    replacement (a tiny floor keeps every firm possible, so a sector with no record still
    yields its cases). Efraimidis and Spirakis' keys log(u)/w, largest first, give exactly that
    distribution from one uniform draw per firm.
    """
    k = min(k, len(members))
    if k == 0:
        return members[:0]
    w = weights + 1e-12 * weights.max() + 1e-300
    keys = np.log(rng.random(len(members))) / w
    top = np.argpartition(-keys, k - 1)[:k] if k < len(members) else np.arange(k)
    return members[top[np.argsort(-keys[top], kind="stable")]]


def fine_rates(pop: FirmPopulation, targets: np.ndarray, members: np.ndarray, signal: float,
               ap: AgencyParams) -> np.ndarray:
    """Fine rates of the targets.

    Fine as a share of annual revenue: fine_rate(L)·(record years)·(R / R_max)^s_head, capped
    by law at f_cap (the cap is assumed, not reproduced).
    """
    years = record_years(punishable_record(pop, ap.retroactive)[targets], pop.revenue[targets])
    largest_revenue = max(float(pop.revenue[members].max()), 1e-300)
    headline = (pop.revenue[targets] / largest_revenue) ** ap.headline_severity
    return np.minimum(ap.fine_cap, fine_rate(signal, ap) * years * headline)


def sanction(pop: FirmPopulation, sector: int, targets: np.ndarray, rates: np.ndarray,
             signal: float, enforcement: float, ap: AgencyParams) -> Sanctions:
    """Apply the fines of one sector's cases.

    Fines are paid out of revenue; the record is settled in proportion to the campaign's
    severity — a share (1 − v_keep)·L² of it is wiped, so a routine case in lax years settles
    the case at hand and leaves old conduct on the books for a later campaign; aggressiveness
    is cut; the firm's ê jumps to E; in a campaign (L > ½) the firm is blacklisted for every
    agency.
    """
    amounts = rates * 12.0 * pop.revenue[targets]
    pop.revenue[targets] *= 1.0 - rates
    settled = (1.0 - ap.violation_kept) * signal * signal
    pop.violation[targets] *= 1.0 - settled
    pop.recent_violation[targets] *= 1.0 - settled
    campaign = signal > 0.5
    pop.aggressiveness[targets] *= 1.0 - (ap.campaign_cut if campaign else ap.routine_cut)
    pop.belief[targets] = np.maximum(pop.belief[targets], enforcement)
    if campaign:
        pop.blacklist[targets] = ap.blacklist_months
    return Sanctions(sector, targets, rates, amounts)


def demonstration(pop: FirmPopulation, members: np.ndarray, targets: np.ndarray,
                  signal: float, enforcement: float, share: float) -> bool:
    """The demonstration effect of a campaign fine on a giant.

    "Kill the chicken to scare the monkeys": when a top-5 firm is fined in a campaign, every
    firm of the sector raises ê to at least δ·E. Returns whether it happened.
    """
    if signal <= 0.5 or share <= 0 or len(targets) == 0:
        return False
    if not np.isin(targets, largest(pop, members, 5)).any():
        return False
    pop.belief[members] = np.maximum(pop.belief[members], share * enforcement)
    return True
