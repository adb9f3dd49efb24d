"""Tech firms (MODEL.md §2, 'Tech firms'): harm, learning, deterrence, growth, pledges, rare events.

State lives in the arrays of one :class:`FirmPopulation`; each live firm is also a thin Mesa agent
(:class:`TechFirm`) whose attributes read those arrays. The rules below are vectorised over firms
and take every input explicitly, so that each can be read and tested alone.

Symbols: revenue R (monthly), aggressiveness a, expected enforcement ê, violation record V
(unpunished harm, decaying slowly: old conduct can be punished years later), the recent record
V_r (the last ~12 months, for the no-retroaction hypothesis), enforcement faced e.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from .dynamics import logistic, relax
from .params import AgencyParams, FirmParams

if TYPE_CHECKING:
    from .model import RegulatoryModel


class TechFirm(Agent):
    """A tech firm; its state is row ``slot`` of the model's :class:`FirmPopulation`."""

    def __init__(self, model: RegulatoryModel, slot: int):
        super().__init__(model)
        self.slot = int(slot)

    def _get(self, name: str) -> float:
        return getattr(self.model.firms, name)[self.slot].item()

    sector = property(lambda self: int(self.model.firms.sector[self.slot]))
    province = property(lambda self: int(self.model.firms.province[self.slot]))
    revenue = property(lambda self: self._get("revenue"))
    aggressiveness = property(lambda self: self._get("aggressiveness"))
    expected_enforcement = property(lambda self: self._get("belief"))
    violation_record = property(lambda self: self._get("violation"))
    protection = property(lambda self: self._get("protection"))
    enforcement_faced = property(lambda self: self._get("enforcement_faced"))
    pledged = property(lambda self: bool(self.model.firms.pledged[self.slot]))
    alive = property(lambda self: bool(self.model.firms.alive[self.slot]))


class FirmPopulation:
    """All firms' state as arrays indexed by slot.

    All firms' state as arrays indexed by slot. Slots are never reused: an entrant gets a new
    slot (and a new Mesa agent), and a dead slot keeps ``vacant`` True until an entrant of its
    sector and province takes its place in the market (MODEL.md: entry rises with confidence).
    """

    FLOATS = ("revenue", "aggressiveness", "belief", "violation", "recent_violation",
              "growth_type", "protection", "enforcement_faced", "harm")
    INTS = ("sector", "province", "blacklist", "uid")
    BOOLS = ("alive", "pledged", "listed_abroad", "vacant")

    def __init__(self, capacity: int):
        self.n = 0
        self.capacity = 0
        self._alloc(capacity)
        self.agents: list[TechFirm | None] = []

    def _alloc(self, capacity: int) -> None:
        # one 2-D array per dtype, a row per field (the compiled month takes the three arrays,
        # sim.model.kernel); each field's name is a view of its row
        for group, names, dtype in (("floats", self.FLOATS, np.float64),
                                    ("ints", self.INTS, np.int64),
                                    ("bools", self.BOOLS, np.bool_)):
            new = np.zeros((len(names), capacity), dtype=dtype)
            old = getattr(self, group, None)
            if old is not None:
                new[:, : old.shape[1]] = old
            setattr(self, group, new)
            for row, name in enumerate(names):
                setattr(self, name, new[row])
        self.capacity = capacity

    def grow(self, capacity: int) -> None:
        """Make room for ``capacity`` slots (arrays are reallocated; views of them go stale)."""
        if capacity > self.capacity:
            self._alloc(capacity)

    @property
    def live(self) -> np.ndarray:
        """Slots of live firms."""
        return np.flatnonzero(self.alive[: self.n])

    def add(self, model: RegulatoryModel, sector: np.ndarray, province: np.ndarray,
            revenue: np.ndarray, aggressiveness: np.ndarray, belief: np.ndarray,
            growth_type: np.ndarray) -> np.ndarray:
        """Append firms (V = 0) and create their Mesa agents; return their slots."""
        k = len(sector)
        if self.n + k > self.capacity:
            self._alloc(max(2 * self.capacity, self.n + k))
        slots = np.arange(self.n, self.n + k)
        self.n += k
        for name in self.FLOATS:
            getattr(self, name)[slots] = 0.0
        self.sector[slots] = sector
        self.province[slots] = province
        self.revenue[slots] = revenue
        self.aggressiveness[slots] = aggressiveness
        self.belief[slots] = belief
        self.growth_type[slots] = growth_type
        self.blacklist[slots] = 0
        self.alive[slots] = True
        self.pledged[slots] = False
        self.listed_abroad[slots] = False
        self.vacant[slots] = False
        agents = [TechFirm(model, slot) for slot in slots.tolist()]
        self.uid[slots] = [agent.unique_id for agent in agents]
        self.agents.extend(agents)
        return slots

    def remove(self, slots: np.ndarray, *, vacate: bool) -> None:
        """Retire firms; ``vacate`` leaves their place open to an entrant (not after a ban)."""
        for slot in slots.tolist():
            agent = self.agents[slot]
            if agent is not None:
                agent.remove()
                self.agents[slot] = None
        self.alive[slots] = False
        self.vacant[slots] = vacate
        self.pledged[slots] = False
        for name in ("revenue", "harm", "violation", "recent_violation"):
            getattr(self, name)[slots] = 0.0


# ---- deterrence ----------------------------------------------------------------------------


def fine_rate(signal, ap: AgencyParams):
    """Fine per year of record, per unit of revenue: f_0 + f_1·L² (severity rises with L)."""
    return ap.fine_base + ap.fine_signal * signal * signal


def punishable_record(pop: FirmPopulation, retroactive: bool) -> np.ndarray:
    """The record an agency can punish: all of V, or only the recent record V_r."""
    return pop.violation if retroactive else pop.recent_violation


def record_years(record: np.ndarray, revenue: np.ndarray) -> np.ndarray:
    """Record in years of revenue: V / (12·R) (0 for dead firms)."""
    return np.divide(record, 12.0 * revenue, out=np.zeros_like(record), where=revenue > 0)


def best_response(belief: np.ndarray, years: np.ndarray, fp: FirmParams,
                  ap: AgencyParams) -> np.ndarray:
    """a* = a_lo + (1 − a_lo)·logistic(β·(r − c·ê − k_π·π)), π = ê·fine_rate(ê)·record years.

    π is the expected annual penalty per unit of revenue: fines change behaviour, and a long
    unpunished record (retroactive punishment) deters more.
    """
    penalty = belief * fine_rate(belief, ap) * years
    x = fp.beta * (fp.reward - fp.cost * belief - fp.penalty_weight * penalty)
    return fp.aggressiveness_min + (1.0 - fp.aggressiveness_min) * logistic(x)


def learn(pop: FirmPopulation, fp: FirmParams) -> None:
    """ê moves toward the enforcement faced, slowly (τ_ê ≈ 18: impunity is learned slowly)."""
    n = pop.n
    pop.belief[:n] = relax(pop.belief[:n], pop.enforcement_faced[:n], fp.tau_belief)


def choose(pop: FirmPopulation, fp: FirmParams, ap: AgencyParams) -> None:
    """A moves toward the best response a* (τ_a) given ê and the punishable record."""
    n = pop.n
    years = record_years(punishable_record(pop, ap.retroactive)[:n], pop.revenue[:n])
    target = best_response(pop.belief[:n], years, fp, ap)
    pop.aggressiveness[:n] = np.where(pop.alive[:n],
                                      relax(pop.aggressiveness[:n], target,
                                            fp.tau_aggressiveness), 0.0)


# ---- growth and harm -----------------------------------------------------------------------


def grow(pop: FirmPopulation, sector_growth: np.ndarray, fp: FirmParams,
         rng: np.random.Generator) -> None:
    """Log R grows by g_s + type + g_a·a − d_e·e + σ·ε (fines were already taken from R).

    ``sector_growth`` holds g_s plus local backing and minus a licence freeze's drag.
    """
    n = pop.n
    shock = rng.standard_normal(n)
    g = (sector_growth[pop.sector[:n]] + pop.growth_type[:n]
         + fp.growth_aggressiveness * pop.aggressiveness[:n]
         - fp.enforcement_drag * pop.enforcement_faced[:n] + fp.growth_noise * shock)
    pop.revenue[:n] *= np.exp(g) * pop.alive[:n]


def harm(pop: FirmPopulation, profile: np.ndarray, fp: FirmParams, recent_months: float,
         n_sectors: int) -> np.ndarray:
    """harm_k = R·a·profile_{s,k}; V ← V·(1 − δ_V) + Σ_k harm_k; V_r keeps ~``recent_months``.

    ``profile`` is the sectors' effective profile this month (competition × HHI/HHI_0, content
    filtered by CAC and cut by a licence freeze). Returns harm by (sector, dimension).
    """
    n = pop.n
    sec = pop.sector[:n]
    scale = pop.revenue[:n] * pop.aggressiveness[:n] * pop.alive[:n]
    total_profile = profile.sum(axis=1)
    pop.harm[:n] = scale * total_profile[sec]
    pop.violation[:n] = pop.violation[:n] * (1.0 - fp.violation_decay) + pop.harm[:n]
    pop.recent_violation[:n] = (pop.recent_violation[:n] * (1.0 - 1.0 / recent_months)
                                + pop.harm[:n])
    by_sector = np.bincount(sec, weights=scale, minlength=n_sectors)
    return by_sector[:, None] * profile


def largest(pop: FirmPopulation, members: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` largest of ``members`` by revenue, largest first."""
    if k <= 0 or len(members) == 0:
        return members[:0]
    order = np.argsort(-pop.revenue[members], kind="stable")
    return members[order[:k]]


# ---- pledges (bargaining) ------------------------------------------------------------------


def pledge_candidates(pop: FirmPopulation, members: np.ndarray, signal: float,
                      fp: FirmParams, ap: AgencyParams) -> np.ndarray:
    """Top firms of a sector in crackdown that pledge this month.

    Among the ``pledge_top`` largest firms that have not pledged, a firm pledges when its
    expected annual penalty per unit of revenue — at the enforcement it expects, or at least the
    public signal L (a campaign is announced) — exceeds the pledge's cost.
    """
    open_ = members[~pop.pledged[members]]
    top = largest(pop, open_, fp.pledge_top)
    if len(top) == 0:
        return top
    expected = np.maximum(pop.belief[top], signal)
    years = record_years(punishable_record(pop, ap.retroactive)[top], pop.revenue[top])
    return top[expected * fine_rate(expected, ap) * years > fp.pledge_cost]


def make_pledges(pop: FirmPopulation, slots: np.ndarray, fp: FirmParams) -> None:
    """A pledge costs revenue, lowers aggressiveness; targeting and alarm fall elsewhere."""
    pop.pledged[slots] = True
    pop.revenue[slots] *= 1.0 - fp.pledge_cost
    pop.aggressiveness[slots] *= 1.0 - fp.pledge_restraint


# ---- rare events ---------------------------------------------------------------------------


def defiance_probability(share: float, enforcement: float, alignment: float,
                         fp: FirmParams) -> float:
    """Monthly hazard of public defiance by the economy's largest firm.

    Hazard that the economy's largest firm defies the state in public this month:
    d_0·(share/0.1)²·(1 − E_s)·(1 − α_s).
    """
    return fp.defiance_rate * (share / 0.1) ** 2 * (1.0 - enforcement) * (1.0 - alignment)


def listing_hazard(alignment: np.ndarray, enforcement: np.ndarray, data_rich: np.ndarray,
                   foreign_climate: float, fp: FirmParams) -> np.ndarray:
    """Per-firm monthly hazard of a foreign listing, by sector.

    Per-firm monthly hazard of a foreign listing, by sector:
    l_0·(1 − α_s)²·(1 − E_s)·(1 + foreign climate) for data-rich sectors.

    (1 − α)² makes listings rare in aligned sectors: v1's hazard rose as enforcement fell
    whatever the alignment, which made AI's lax treatment its own trigger.
    """
    return (fp.listing_rate * (1.0 - alignment) ** 2 * (1.0 - enforcement)
            * (1.0 + foreign_climate) * data_rich)
