"""The information hierarchy (MODEL.md §2, 'Information hierarchy'): what the leadership sees.

The leadership never sees harm. It sees a weighted mix B_s of three delayed, biased channels:

* **public**: true alarm (grievance + scandal heat) × (1 − censorship);
* **agencies**: harm in the dimensions of the sector's mandate only (information islands),
  discounted by the growth faction by u_ind·alignment;
* **local**: harm as the provinces report it, each hiding min(0.9, u_loc·dependence) of its own
  firms' harm.

**Revelation**: a scandal above m_rev or a public act of defiance sets the sector's transparency
X_s to 1; X decays over τ_X; the campaign climate keeps X ≥ K_X·reach (agencies dig). The
perceived alarm is Â = ((1 − X)·B + X·A)·(1 − e_pl,A·pledged share): revelation moves the view
toward the true alarm, pledges soothe it.
"""

from __future__ import annotations

import math

import numpy as np

from .dynamics import relax
from .params import InformationParams

CHANNELS: tuple[str, ...] = ("public", "agency", "local")
"""The channels in the order of :attr:`Channels.reports`."""


def channel_values(true_alarm: np.ndarray, harm: np.ndarray, tolerance: np.ndarray,
                   mandate: np.ndarray, alignment: np.ndarray, local_harm: np.ndarray,
                   censorship: float, growth_faction: float) -> np.ndarray:
    """This month's (undelayed) reports, shape (3, sectors), in alarm units.

    Args:
        true_alarm: A_s.
        harm: harm by (sector, dimension).
        tolerance: the public's tolerance of harm now.
        mandate: (sector, dimension) 0/1 of what the sector's agencies report.
        alignment: α_s.
        local_harm: harm by sector as the provinces report it.
        censorship: c_cens.
        growth_faction: u_ind (0 for a unified regulator).
    """
    public = (1.0 - censorship) * true_alarm
    agency = (harm * mandate).sum(axis=1) / tolerance * (1.0 - growth_faction * alignment)
    local = local_harm / tolerance
    return np.stack([public, agency, local])


class Channels:
    """Delayed channel reports, transparency and the leadership's perceived alarm.

    Attributes:
        reports: delayed reports, shape (3, sectors) (:data:`CHANNELS` order).
        mix: B_s, the weighted mix. transparency: X_s. perceived: Â_s.
    """

    def __init__(self, initial: np.ndarray, ip: InformationParams):
        self.reports = initial.copy()
        w = np.array([ip.weight_public, ip.weight_agency, ip.weight_local])
        self.weights = w / w.sum() if w.sum() > 0 else np.full(3, 1.0 / 3.0)
        self.delays = np.array([ip.delay_public, ip.delay_agency, ip.delay_local])
        self.delays = self.delays / ip.feedback_speed
        self.mix = self.weights @ self.reports
        self.transparency = np.zeros(initial.shape[1])
        self.perceived = self.mix.copy()

    def update(self, current: np.ndarray, true_alarm: np.ndarray, revealed: np.ndarray,
               reach: np.ndarray, pledged_share: np.ndarray, ip: InformationParams,
               transparency_floor: float, pledge_alarm: float) -> None:
        """One month of the channels, transparency and perceived alarm.

        One month: reports move toward ``current`` with each channel's delay; transparency
        jumps to 1 where ``revealed`` and decays elsewhere, never below K_X·reach.
        """
        for k in range(len(CHANNELS)):
            self.reports[k] = relax(self.reports[k], current[k], float(self.delays[k]))
        self.mix = self.weights @ self.reports
        decayed = self.transparency * math.exp(-1.0 / ip.revelation_months)
        self.transparency = np.maximum(np.where(revealed, 1.0, decayed),
                                       transparency_floor * reach)
        x = self.transparency
        self.perceived = ((1.0 - x) * self.mix + x * true_alarm) * (1.0 - pledge_alarm
                                                                    * pledged_share)

    def revealed_gap(self, true_alarm: np.ndarray, threshold: np.ndarray) -> np.ndarray:
        """Hidden harm the leadership now sees, in units of the threshold: X·(A − B)/θ_s."""
        return self.transparency * (true_alarm - self.mix) / threshold
