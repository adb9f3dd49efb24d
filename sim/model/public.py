"""The public (MODEL.md §2, 'The public'): grievance from realised harm, bounded scandals.

Grievance G_s is a memory (τ_G ≈ 12 months) of realised harm relative to a tolerance that grows
with the economy — not of aggressiveness. Scandals arrive with a hazard rising with alarm; their
magnitudes are heavy-tailed but bounded (truncated Pareto), amplified by social media, and add to
a decaying scandal heat. True alarm A_s = G_s + heat_s.
"""

from __future__ import annotations

import numpy as np

from .dynamics import relax, truncated_pareto
from .params import PublicParams


class Public:
    """Per-sector grievance, scandal heat and tolerance.

    Attributes:
        tolerance: harm the public tolerates at t = 0 (harm_0 / A_0); grows at g_Y.
        grievance: G_s. heat: scandal heat. harm_alarm: this month's harm / tolerance.
    """

    def __init__(self, harm0: np.ndarray, initial_alarm: np.ndarray):
        # a sector whose starting harm is zero gets the tolerance of a unit of harm at A_0
        safe_alarm = np.maximum(initial_alarm, 1e-9)
        self.tolerance = np.where(harm0 > 0, harm0 / safe_alarm, 1.0 / safe_alarm)
        self.grievance = np.where(harm0 > 0, initial_alarm, 0.0)
        self.heat = np.zeros_like(harm0)
        self.harm_alarm = self.grievance.copy()

    @property
    def alarm(self) -> np.ndarray:
        """True alarm A_s = G_s + heat_s."""
        return self.grievance + self.heat

    def perceive_harm(self, harm: np.ndarray, month: int, pp: PublicParams) -> np.ndarray:
        """Harm relative to tolerance, which grows with the economy: h_s / (T_s·e^(g_Y·t))."""
        self.harm_alarm = harm / (self.tolerance * np.exp(pp.tolerance_growth * month))
        return self.harm_alarm

    def draw_scandals(self, live: np.ndarray, pp: PublicParams,
                      rng: np.random.Generator) -> list[np.ndarray]:
        """Draw this month's scandals.

        Scandal magnitudes per sector: Poisson(λ_0·A²) of them, each a truncated Pareto
        (α, cap) times the amplification.
        """
        counts = rng.poisson(pp.scandal_rate * self.harm_alarm ** 2 * live)
        return [truncated_pareto(rng, int(k), pp.scandal_alpha, pp.scandal_cap)
                * pp.amplification if k else np.zeros(0) for k in counts]

    def update(self, scandal_sum: np.ndarray, pp: PublicParams) -> None:
        """Update grievance and scandal heat.

        G relaxes to harm/tolerance (τ_G); heat gains k_sc per unit of scandal magnitude and
        keeps h_dec of itself each month.
        """
        self.grievance = relax(self.grievance, self.harm_alarm, pp.tau_grievance)
        self.heat = (self.heat + pp.scandal_heat * scandal_sum) * pp.heat_decay
