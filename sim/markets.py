"""Markets (MODEL.md §2, 'The public and the markets'): valuation, confidence and pain."""

from __future__ import annotations

import numpy as np

from .firms import relax
from .params import PublicParams

TAU_RECENT_GROWTH = 6.0
"""Months over which recent revenue growth is averaged."""
TAU_TREND_GROWTH = 36.0
"""Months over which trend growth (what investors and planners expect) is averaged."""
TAU_VOLATILITY = 6.0
"""Months over which policy volatility |ΔL| is averaged."""


class Markets:
    """Valuation, investor confidence and pain, per sector and for the whole tech economy.

    Investors perceive enforcement with delay τ_m (Ê_market); a sector's multiple is
    exp(−ρ·Ê_market − ρ_vol·volatility), volatility being the smoothed |ΔL|. Valuation is
    revenue × multiple; the index is 100 at the start.

    Pain = drawdown (valuation below a peak that decays by δ_peak a month)
    + w_g·growth shortfall (recent growth below trend growth)
    + w_J·share of firms exited over the last year (+ the macro shock, economy-wide),
    clipped to [0, 1]. It is computed for each sector and for the economy.
    """

    def __init__(self, n_sectors: int):
        zeros = np.zeros(n_sectors)
        self.market_enforcement = zeros.copy()
        self.volatility = zeros.copy()
        self.valuation = zeros.copy()
        self.sector_peak = zeros.copy()
        self.sector_drawdown = zeros.copy()
        self.sector_pain = zeros.copy()
        self.recent_growth = np.zeros(n_sectors + 1)  # last entry: the economy
        self.trend_growth = np.zeros(n_sectors + 1)
        self.exit_memory = np.zeros(n_sectors + 1)
        self.peak = 0.0
        self.index = 100.0
        self.drawdown = 0.0
        self.pain = 0.0
        self.growth = 0.0
        self.base_value = 1.0
        self._last_revenue = np.zeros(n_sectors + 1)
        self._last_signal = zeros.copy()

    def start(self, revenue: np.ndarray, enforcement: np.ndarray, signal: np.ndarray,
              pp: PublicParams) -> None:
        """Initialise the peaks at the opening valuation (index 100)."""
        self.market_enforcement = enforcement.copy()
        self._last_signal = signal.copy()
        self.valuation = revenue * self._multiple(pp)
        self.base_value = max(self.valuation.sum(), 1e-300)
        self.sector_peak = self.valuation.copy()
        self.peak = self.valuation.sum()
        self._last_revenue = np.append(revenue, revenue.sum())

    def _multiple(self, pp: PublicParams) -> np.ndarray:
        return np.exp(-pp.valuation_rho * self.market_enforcement
                      - pp.volatility_penalty * self.volatility)

    def update(self, revenue: np.ndarray, enforcement: np.ndarray, signal: np.ndarray,
               exits: np.ndarray, firms: np.ndarray, macro: float, pp: PublicParams) -> None:
        """One month of investor perception, valuation, drawdowns and pain.

        Args:
            revenue: monthly revenue per sector.
            enforcement: E_s per sector.
            signal: L_s per sector.
            exits: firms that exited this month, per sector.
            firms: live firms per sector before those exits.
            macro: exogenous pain this month (macro shock).
            pp: public and market parameters.
        """
        self.market_enforcement = relax(self.market_enforcement, enforcement, pp.tau_market)
        self.volatility = relax(self.volatility, np.abs(signal - self._last_signal),
                                TAU_VOLATILITY)
        self._last_signal = signal.copy()
        self.valuation = revenue * self._multiple(pp)
        keep = 1.0 - pp.peak_decay
        self.sector_peak = np.maximum(self.valuation, self.sector_peak * keep)
        ratio = np.divide(self.valuation, self.sector_peak, out=np.ones_like(self.valuation),
                          where=self.sector_peak > 0)
        self.sector_drawdown = np.clip(1.0 - ratio, 0.0, 1.0)
        total = self.valuation.sum()
        self.peak = max(total, self.peak * keep)
        self.drawdown = 1.0 - total / self.peak if self.peak > 0 else 0.0
        self.index = 100.0 * total / self.base_value

        rev = np.append(revenue, revenue.sum())
        growth = np.divide(rev, self._last_revenue, out=np.ones_like(rev),
                           where=self._last_revenue > 0) - 1.0
        self._last_revenue = rev
        self.growth = float(growth[-1])
        self.recent_growth = relax(self.recent_growth, growth, TAU_RECENT_GROWTH)
        self.trend_growth = relax(self.trend_growth, growth, TAU_TREND_GROWTH)
        shortfall = np.maximum(self.trend_growth - self.recent_growth, 0.0)
        counts = np.append(firms, firms.sum())
        exit_share = np.divide(np.append(exits, exits.sum()), counts,
                               out=np.zeros_like(counts, dtype=float), where=counts > 0)
        self.exit_memory = relax(self.exit_memory, 12.0 * exit_share, 12.0)
        harm_to_economy = pp.growth_pain * shortfall + pp.jobs_pain * self.exit_memory
        self.sector_pain = np.clip(self.sector_drawdown + harm_to_economy[:-1], 0.0, 1.0)
        self.pain = float(np.clip(self.drawdown + harm_to_economy[-1] + macro, 0.0, 1.0))

    def confidence(self) -> np.ndarray:
        """Investor confidence per sector: valuation relative to its recent peak."""
        return 1.0 - self.sector_drawdown
