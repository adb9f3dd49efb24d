"""Markets (MODEL.md §2, 'The public and the markets'): valuation, confidence and pain."""

from __future__ import annotations

import numpy as np

from .firms import relax
from .params import PublicParams


class Markets:
    """Valuation, investor confidence and pain.

    Investors perceive enforcement with delay τ_m (Ê_market); a sector's multiple is
    exp(−ρ·Ê_market − ρ_vol·volatility), volatility being the smoothed |ΔL|. Valuation is
    revenue × multiple; the index is 100 at the start. Pain = drawdown from a peak that decays by
    δ_peak a month + w_g·growth shortfall + w_J·share of firms exited over a year + macro shock.
    """

    def __init__(self, n_sectors: int):
        self.market_enforcement = np.zeros(n_sectors)
        self.volatility = np.zeros(n_sectors)
        self.valuation = np.zeros(n_sectors)
        self.sector_peak = np.zeros(n_sectors)
        self.sector_drawdown = np.zeros(n_sectors)
        self.peak = 0.0
        self.index = 100.0
        self.drawdown = 0.0
        self.pain = 0.0
        self.growth = 0.0
        self.smoothed_growth = 0.0
        self.base_value = 1.0
        self._last_revenue = 0.0
        self._last_signal: np.ndarray | None = None
        self.exit_memory = 0.0

    def start(self, revenue: np.ndarray, enforcement: np.ndarray, signal: np.ndarray,
              pp: PublicParams) -> None:
        """Initialise the peaks at the opening valuation (index 100)."""
        self.market_enforcement = enforcement.copy()
        self._last_signal = signal.copy()
        self.valuation = revenue * self._multiple(pp)
        self.base_value = max(self.valuation.sum(), 1e-300)
        self.sector_peak = self.valuation.copy()
        self.peak = self.valuation.sum()
        self._last_revenue = revenue.sum()

    def _multiple(self, pp: PublicParams) -> np.ndarray:
        return np.exp(-pp.valuation_rho * self.market_enforcement
                      - pp.volatility_penalty * self.volatility)

    def update(self, revenue: np.ndarray, enforcement: np.ndarray, signal: np.ndarray,
               exit_share: float, macro: float, pp: PublicParams) -> None:
        """One month of investor perception, valuation, drawdowns and pain."""
        self.market_enforcement = relax(self.market_enforcement, enforcement, pp.tau_market)
        assert self._last_signal is not None
        self.volatility = relax(self.volatility, np.abs(signal - self._last_signal), 6.0)
        self._last_signal = signal.copy()
        self.valuation = revenue * self._multiple(pp)
        keep = 1.0 - pp.peak_decay
        self.sector_peak = np.maximum(self.valuation, self.sector_peak * keep)
        self.sector_drawdown = np.divide(self.valuation, self.sector_peak,
                                         out=np.ones_like(self.valuation),
                                         where=self.sector_peak > 0)
        self.sector_drawdown = np.clip(1.0 - self.sector_drawdown, 0.0, 1.0)
        total = self.valuation.sum()
        self.peak = max(total, self.peak * keep)
        self.drawdown = 1.0 - total / self.peak if self.peak > 0 else 0.0
        self.index = 100.0 * total / self.base_value
        rev = revenue.sum()
        self.growth = rev / self._last_revenue - 1.0 if self._last_revenue > 0 else 0.0
        self._last_revenue = rev
        self.smoothed_growth = float(relax(self.smoothed_growth, self.growth, 6.0))
        self.exit_memory = float(relax(self.exit_memory, exit_share * 12.0, 12.0))
        shortfall = max(-self.smoothed_growth, 0.0)
        self.pain = float(np.clip(self.drawdown + pp.growth_pain * shortfall
                                  + pp.jobs_pain * self.exit_memory + macro, 0.0, 1.0))

    def confidence(self) -> np.ndarray:
        """Investor confidence per sector: valuation relative to its recent peak."""
        return 1.0 - self.sector_drawdown
