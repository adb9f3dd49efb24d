"""Markets and pain (MODEL.md §2, 'Markets and pain').

Valuation V_s = revenue × exp(−ρ·Ê_market + k_g·12·(expected growth − g_Y)). Pain is a set of
**stocks that keep growing while enforcement is high**, per sector:

* valuation **drawdown** from a slowly decaying peak;
* **growth shortfall**: log revenue below the planners' path. The path grows at a trend that
  adapts to realised growth (τ_tr) and re-bases toward realised revenue (τ_lvl) — except during a
  crackdown, when both stop adapting, so the shortfall widens month by month (with an adaptive
  trend a mild crackdown's pain plateaus: v1's problem);
* **jobs**: Σ revenue^0.8 below its decaying peak (exits and shrinking firms).

Sector pain = w_v·drawdown + w_g·shortfall + w_j·jobs (0 once banned). Economy pain is the
revenue-weighted mean plus any macro shock (lockdown slump, property crisis).
"""

from __future__ import annotations

import numpy as np

from .dynamics import relax
from .params import MarketParams

GROWTH_MEMORY = 12.0
"""Months over which investors average realised growth (expected growth)."""


class Markets:
    """Per-sector valuation and pain stocks.

    Attributes:
        valuation, peak: V_s and its decaying peak. base: Σ V at the start (index 100).
        drawdown, shortfall, jobs, pain: the components and sector pain.
        economy_pain: revenue-weighted pain plus the macro shock.
    """

    def __init__(self, revenue: np.ndarray, jobs: np.ndarray, enforcement: np.ndarray,
                 trend: np.ndarray, mp: MarketParams, tolerance_growth: float):
        safe = np.maximum(revenue, 1e-300)
        self.g_y = tolerance_growth
        self.market_enforcement = enforcement.copy()
        self.expected_growth = trend.copy()
        self.trend = trend.copy()
        self.log_path = np.log(safe)
        self.log_revenue = np.log(safe)
        self.valuation = revenue * np.exp(-mp.valuation_rho * enforcement
                                          + mp.growth_valuation * 12.0
                                          * (self.expected_growth - tolerance_growth))
        self.peak = self.valuation.copy()
        self.base = float(self.valuation.sum())
        self.index_peak = 100.0
        self.jobs_peak = jobs.copy()
        n = len(revenue)
        self.drawdown = np.zeros(n)
        self.shortfall = np.zeros(n)
        self.jobs = np.zeros(n)
        self.pain = np.zeros(n)
        self.economy_pain = 0.0
        self.growth = 0.0

    @property
    def index(self) -> float:
        """Σ valuation, 100 at the start."""
        return 100.0 * float(self.valuation.sum()) / self.base

    def confidence(self) -> np.ndarray:
        """Investors' confidence V_s / peak_s in [0, 1] (drives entry)."""
        return np.clip(np.divide(self.valuation, self.peak, out=np.zeros_like(self.peak),
                                 where=self.peak > 0), 0.0, 1.0)

    def update(self, revenue: np.ndarray, jobs: np.ndarray, enforcement: np.ndarray,
               frozen: np.ndarray, banned: np.ndarray, macro: float, mp: MarketParams) -> None:
        """One month of valuation and pain; ``frozen`` marks sectors in crackdown."""
        log_rev = np.log(np.maximum(revenue, 1e-300))
        realised = log_rev - self.log_revenue
        total_before = float(np.exp(self.log_revenue).sum())
        self.log_revenue = log_rev
        adapt = ~frozen
        self.market_enforcement = relax(self.market_enforcement, enforcement, mp.tau_market)
        self.expected_growth = relax(self.expected_growth, realised, GROWTH_MEMORY)
        self.trend = np.where(adapt, relax(self.trend, realised, mp.trend_months), self.trend)
        self.valuation = revenue * np.exp(-mp.valuation_rho * self.market_enforcement
                                          + mp.growth_valuation * 12.0
                                          * (self.expected_growth - self.g_y))
        self.peak = np.maximum(self.peak * (1.0 - mp.peak_decay), self.valuation)
        self.drawdown = 1.0 - np.divide(self.valuation, self.peak,
                                        out=np.ones_like(self.peak), where=self.peak > 0)
        self.log_path = self.log_path + self.trend
        self.log_path = np.where(adapt, relax(self.log_path, log_rev, mp.level_months),
                                 self.log_path)
        self.shortfall = np.maximum(0.0, self.log_path - log_rev)
        self.jobs_peak = np.maximum(self.jobs_peak * (1.0 - mp.peak_decay), jobs)
        self.jobs = 1.0 - np.divide(jobs, self.jobs_peak, out=np.ones_like(jobs),
                                    where=self.jobs_peak > 0)
        pain = (mp.weight_drawdown * self.drawdown + mp.weight_shortfall * self.shortfall
                + mp.weight_jobs * self.jobs)
        self.pain = np.where(banned, 0.0, pain)
        total = revenue.sum()
        weighted = float((self.pain * revenue).sum() / total) if total > 0 else 0.0
        self.economy_pain = weighted + macro
        self.growth = float(np.log(total / total_before)) if total > 0 and total_before > 0 \
            else 0.0
        self.index_peak = max(self.index_peak * (1.0 - mp.peak_decay), self.index)
