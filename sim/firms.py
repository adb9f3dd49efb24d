"""Tech firms (MODEL.md §2, 'Tech firms'): state in arrays, behaviour vectorised over firms.

Each firm is a Mesa agent (:class:`TechFirm`) whose attributes are views into the arrays of one
:class:`FirmPopulation`. Per-step work runs once over the arrays, never per agent in Python, so a
month costs O(N) in the number of firms. Dead firms keep their slot (``alive`` is False, revenue
0); slots are never reused, so a slot index identifies one firm for the whole run.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from .params import FirmParams

if TYPE_CHECKING:
    from .model import RegulatoryModel


class TechFirm(Agent):
    """A tech firm. Its state lives in the model's :class:`FirmPopulation` at index ``slot``.

    Attributes (read-only views): ``sector`` (index into the sector table), ``province``,
    ``revenue`` (monthly, R), ``aggressiveness`` (a), ``expected_enforcement`` (ê),
    ``violation_record`` (V), ``protection`` (local protection π it enjoys).
    """

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
    alive = property(lambda self: bool(self.model.firms.alive[self.slot]))


def logistic(x: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + e^−x)."""
    return 1.0 / (1.0 + np.exp(-x))


def relax(current: np.ndarray | float, target: np.ndarray | float, tau: float):
    """One month of first-order adjustment toward ``target`` with time constant ``tau``.

    The exact discrete form ``x + (target − x)·(1 − e^{−1/τ})`` stays stable for τ < 1 month.
    """
    step = 1.0 - (math.exp(-1.0 / tau) if isinstance(tau, float | int) else np.exp(-1.0 / tau))
    return current + (target - current) * step


class FirmPopulation:
    """All firms' state, as arrays indexed by slot.

    State (MODEL.md symbols): ``revenue`` R (monthly), ``aggressiveness`` a, ``belief`` ê,
    ``violation`` V (full record), ``recent_violation`` (recent harm, for the no-retroaction
    hypothesis), ``protection`` π, ``enforcement_faced`` e, ``blacklist`` (months left),
    ``suspension`` (months of listing suspension left), ``pledged``, ``listed_abroad``.
    """

    ARRAYS_F = ("revenue", "aggressiveness", "belief", "violation", "recent_violation",
                "protection", "enforcement_faced", "harm")
    ARRAYS_I = ("sector", "province", "blacklist", "suspension", "uid")
    ARRAYS_B = ("alive", "pledged", "listed_abroad")

    def __init__(self, capacity: int):
        self.n = 0  # slots used (alive or dead)
        self._alloc(capacity)
        self.agents: list[TechFirm | None] = []

    def _alloc(self, capacity: int) -> None:
        for name in self.ARRAYS_F:
            self._grow(name, capacity, np.float64)
        for name in self.ARRAYS_I:
            self._grow(name, capacity, np.int64)
        for name in self.ARRAYS_B:
            self._grow(name, capacity, np.bool_)
        self.capacity = capacity

    def _grow(self, name: str, capacity: int, dtype) -> None:
        new = np.zeros(capacity, dtype=dtype)
        old = getattr(self, name, None)
        if old is not None:
            new[: len(old)] = old
        setattr(self, name, new)

    # ---- views over used slots ----
    def view(self, name: str) -> np.ndarray:
        """The used part of an array (alive and dead slots)."""
        return getattr(self, name)[: self.n]

    @property
    def live(self) -> np.ndarray:
        """Slots of live firms."""
        return np.flatnonzero(self.alive[: self.n])

    def add(self, model: RegulatoryModel, sector: np.ndarray, province: np.ndarray,
            revenue: np.ndarray, belief: np.ndarray, aggressiveness: np.ndarray,
            violation: np.ndarray) -> np.ndarray:
        """Append new firms and create their Mesa agents; return their slots."""
        k = len(sector)
        if self.n + k > self.capacity:
            self._alloc(max(2 * self.capacity, self.n + k))
        slots = np.arange(self.n, self.n + k)
        self.n += k
        self.sector[slots] = sector
        self.province[slots] = province
        self.revenue[slots] = revenue
        self.belief[slots] = belief
        self.aggressiveness[slots] = aggressiveness
        self.violation[slots] = violation
        self.recent_violation[slots] = 0.0
        self.alive[slots] = True
        for name in ("blacklist", "suspension"):
            getattr(self, name)[slots] = 0
        for name in ("pledged", "listed_abroad"):
            getattr(self, name)[slots] = False
        for name in ("protection", "enforcement_faced", "harm"):
            getattr(self, name)[slots] = 0.0
        # one constructor call per firm: Mesa's create_agents also builds an AgentSet of the new
        # agents, which costs more than the agents themselves when a few enter each month
        agents = [TechFirm(model, slot) for slot in slots.tolist()]
        self.uid[slots] = [agent.unique_id for agent in agents]
        self.agents.extend(agents)
        return slots

    def remove(self, slots: np.ndarray) -> None:
        """Retire firms: clear their state and deregister their Mesa agents."""
        for slot in slots:
            agent = self.agents[slot]
            if agent is not None:
                agent.remove()
                self.agents[slot] = None
        self.alive[slots] = False
        self.revenue[slots] = 0.0
        self.harm[slots] = 0.0
        self.violation[slots] = 0.0
        self.recent_violation[slots] = 0.0


# ---- behaviour, vectorised (MODEL.md §2 'Each month a firm', steps 1–7) ----


def learn(pop: FirmPopulation, fp: FirmParams) -> None:
    """Step 1: ê moves toward the enforcement actually faced, with time constant τ_ê."""
    n = pop.n
    pop.belief[:n] = relax(pop.belief[:n], pop.enforcement_faced[:n], fp.tau_belief)


def best_response(belief: np.ndarray, reward: np.ndarray, fp: FirmParams) -> np.ndarray:
    """a* = logistic(β·(r_s − c·ê))."""
    return logistic(fp.beta * (reward - fp.cost * belief))


def choose(pop: FirmPopulation, sector_reward: np.ndarray, fp: FirmParams) -> None:
    """Step 2: aggressiveness approaches the best response a* with time constant τ_a."""
    n = pop.n
    target = best_response(pop.belief[:n], sector_reward[pop.sector[:n]], fp)
    pop.aggressiveness[:n] = relax(pop.aggressiveness[:n], target, fp.tau_aggressiveness)


def grow(pop: FirmPopulation, subsidy: np.ndarray, fp: FirmParams,
         rng: np.random.Generator) -> None:
    """Step 3 (growth): g = g_0 + g_a·a − d_e·e + subsidy_s + N(0, σ_g); R ← R·(1 + g).

    Growth rewards aggressiveness, so within a sector revenue shares drift toward the
    aggressive: this is how concentration builds in lax years.
    """
    n = pop.n
    noise = rng.normal(0.0, fp.growth_noise, n) if fp.growth_noise > 0 else 0.0
    g = (fp.growth_base + fp.growth_aggressiveness * pop.aggressiveness[:n]
         - fp.enforcement_drag * pop.enforcement_faced[:n] + subsidy[pop.sector[:n]] + noise)
    np.multiply(pop.revenue[:n], np.maximum(1.0 + g, 0.0), out=pop.revenue[:n])
    pop.revenue[:n][~pop.alive[:n]] = 0.0


def harm(pop: FirmPopulation, harm_profile: np.ndarray, hhi: np.ndarray, fp: FirmParams,
         recent_tau: float) -> np.ndarray:
    """Step 4: harm by dimension, added to the violation record.

    harm_{i,k} = R_i·a_i·profile_{s,k}; competition harm is multiplied by (1 + κ_HHI·HHI_s).
    V ← V·(1 − δ_V) + Σ_k harm_{i,k}. Returns the (sector, dimension) harm totals.
    """
    n = pop.n
    sec = pop.sector[:n]
    scale = pop.revenue[:n] * pop.aggressiveness[:n]
    profile = harm_profile[sec].copy()  # (n, 4)
    profile[:, 0] *= 1.0 + fp.hhi_harm * hhi[sec]
    by_dim = scale[:, None] * profile
    total = by_dim.sum(axis=1)
    pop.harm[:n] = total
    pop.violation[:n] = pop.violation[:n] * (1.0 - fp.violation_decay) + total
    pop.recent_violation[:n] = relax(pop.recent_violation[:n], total * recent_tau, recent_tau)
    n_sectors = harm_profile.shape[0]
    return np.stack([np.bincount(sec, weights=by_dim[:, d], minlength=n_sectors)
                     for d in range(harm_profile.shape[1])], axis=1)


class SectorRanking:
    """Live firms grouped by sector, largest first; computed once a month.

    ``members(s)`` are the slots of sector s by descending revenue and ``rank[slot]`` a firm's
    place in its sector (0 = largest). Ranks are those of the start of the month: who counts as a
    'top-5 firm' does not change mid-month.
    """

    def __init__(self, pop: FirmPopulation, n_sectors: int):
        n = pop.n
        live = np.flatnonzero(pop.alive[:n])
        order = live[np.lexsort((-pop.revenue[live], pop.sector[live]))]
        self.order = order
        self.bounds = np.searchsorted(pop.sector[order], np.arange(n_sectors + 1))
        self.rank = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
        if len(order):
            starts = self.bounds[pop.sector[order]]
            self.rank[order] = np.arange(len(order)) - starts

    def members(self, s: int) -> np.ndarray:
        """Slots of sector s, largest first (as of the start of the month)."""
        return self.order[self.bounds[s]: self.bounds[s + 1]]


