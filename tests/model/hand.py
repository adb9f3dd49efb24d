"""Hand-set parameter groups and a fake generator shared by the mechanism tests.

The values are fixed here rather than read from the defaults, so that recalibrating a default
in sim/model/params.py does not change what the tests that use them check.
"""

import numpy as np

from sim.model.params import LocalParams, MarketParams

MP = MarketParams(valuation_rho=1.0, growth_valuation=1.0, tau_market=3.0, peak_decay=0.01,
                  trend_months=60.0, level_months=24.0, weight_drawdown=0.3,
                  weight_shortfall=1.0, weight_jobs=0.5)
LOCAL = LocalParams(dependence_min=0.05, dependence_max=0.4, protection_min=0.2,
                    protection_slope=0.8, protection_cap=0.9)


class FixedUniform:
    """A stand-in generator whose ``random(k)`` returns given uniforms (for inversions)."""

    def __init__(self, u):
        self.u = np.asarray(u, dtype=float)

    def random(self, k):
        assert k == len(self.u)
        return self.u.copy()
