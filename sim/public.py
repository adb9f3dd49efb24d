"""The public (MODEL.md §2, 'The public and the markets'): grievance, scandals, event alarm.

Model-level state, not agents: grievance per sector with heavy-tailed scandals amplified by social
media, which is what makes a crackdown 'random and sudden'.
"""

from __future__ import annotations

import numpy as np

from .firms import relax
from .params import PublicParams


class Public:
    """Grievance G_s and the alarm from defiance and sovereignty events, per sector.

    G ← G + (H − G)/τ_G,mem + κ_S·Σ scandal magnitudes, with H the revenue-weighted harm intensity
    (aggressiveness, discounted for pledgers). Alarm A_s = G_s + event alarm, the latter decaying
    with time constant τ_ev.
    """

    def __init__(self, n_sectors: int):
        self.grievance = np.zeros(n_sectors)
        self.event_alarm = np.zeros(n_sectors)

    @property
    def alarm(self) -> np.ndarray:
        """A_s: what the leadership would see without delay."""
        return self.grievance + self.event_alarm

    def draw_scandals(self, intensity: np.ndarray, pp: PublicParams,
                      rng: np.random.Generator) -> list[np.ndarray]:
        """Scandals per sector: Poisson(λ_S·H_s); magnitude m_SM·(1 + Pareto(α))."""
        counts = rng.poisson(pp.scandal_rate * np.maximum(intensity, 0.0))
        return [pp.amplification * (1.0 + rng.pareto(pp.scandal_alpha, c)) for c in counts]

    def update(self, intensity: np.ndarray, scandal_sum: np.ndarray, event_shock: np.ndarray,
               pp: PublicParams) -> None:
        """One month of grievance memory, scandal shocks and event-alarm decay."""
        self.grievance = (relax(self.grievance, intensity, pp.tau_grievance)
                          + pp.scandal_grievance * scandal_sum)
        self.event_alarm = self.event_alarm * np.exp(-1.0 / pp.tau_event_alarm) + event_shock
