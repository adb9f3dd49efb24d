"""The ABM's random switches as hazards: when the reduced model starts a crackdown or bans.

The ABM starts a crackdown at the first trigger that finds the perceived alarm above its
threshold, and bans a sector when a crackdown's ban pressure reaches C_ban, which it does in
some crackdowns and not in others. Both are first events of random processes. The reduced model
keeps their **hazards** (expected events a month, or the chance a crackdown bans) and switches
when the cumulative hazard Λ reaches ln 2: the month (or the crackdown) by which half of the
ABM's runs would have switched along the same path (P(no event yet) = e^{−Λ}). Onset hazards
are closed form in the truncated Pareto law of scandal magnitudes.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtr

from .reduction import Reduced, tail

__all__ = ["MEDIAN", "ban_probability", "exceed", "onset_details", "onset_hazard",
           "upper_median"]

MEDIAN = math.log(2.0)
"""Cumulative hazard of the median first event."""


def _amp(r: Reduced) -> np.ndarray:
    return np.maximum(r.amplification, 1e-12)


def exceed(z: np.ndarray, r: Reduced) -> np.ndarray:
    """P(m_SM·m > z): the chance a scandal's amplified magnitude exceeds z."""
    return tail(z / _amp(r), r.pareto, r.cap)


def upper_median(z: np.ndarray, r: Reduced) -> np.ndarray:
    """The median of m_SM·m given m_SM·m > z, for m ~ Pareto(α) truncated to [1, m_cap].

    The reduced model follows the median path, so the scandal that starts a crackdown has the
    median magnitude of those that could have started it.
    """
    amp = _amp(r)
    lo = np.clip(z / amp, 1.0, r.cap)
    floor = r.cap ** -r.pareto
    mid = 0.5 * (lo ** -r.pareto + floor)
    return amp * mid ** (-1.0 / r.pareto)


def onset_hazard(alarm: np.ndarray, perceived: np.ndarray, harm: np.ndarray,
                 theta_on: np.ndarray, reach: np.ndarray, r: Reduced) -> np.ndarray:
    """Expected crackdown onsets a month for a LOOSE sector (ODD §7.5–7.8).

    Scandals arrive at λ_0·h̃² a month, with amplified magnitudes m_SM·m. Below the onset
    threshold (Â ≤ θ_on) only a scandal that reveals the hidden harm starts a crackdown: its
    magnitude must exceed m_rev and m_trig, and be large enough that its heat k_sc·h_dec·m lifts
    the true alarm past θ_on (the leadership then sees the true alarm). Above the threshold any
    trigger does: a scandal above m_trig, or the campaign elsewhere (K_h·c_s a month). Foreign
    listings and defiance are left out (3 % and 0 % of the ABM's onsets at the defaults).
    """
    rate = r.scandal_rate * harm ** 2
    need = np.divide(theta_on - alarm, r.k_heat, out=np.full_like(alarm, np.inf),
                     where=r.k_heat > 0)
    z_below = np.maximum(np.maximum(r.m_rev, r.m_trig), need)
    below = rate * exceed(z_below, r) * r.reveal
    above = perceived > theta_on
    return below + (rate * r.p_trig + r.k_h * reach - below) * above


def onset_details(alarm: np.ndarray, perceived: np.ndarray, harm: np.ndarray,
                  theta_on: np.ndarray, reach: np.ndarray, r: Reduced
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What an onset brings, weighted by how likely each trigger was (call it on onsets only).

    Returns:
        transparency X at the onset: 1 after a revealing scandal (the only trigger below the
        threshold); above it the hazard-weighted mix of 1 (revealing scandals) and K_X·c_s
        (the campaign's trigger, smaller scandals);
        threshold z: the magnitude the triggering scandal exceeded;
        scandal share: the share of the hazard that came from scandals (their heat counts).
    """
    need = np.divide(theta_on - alarm, r.k_heat, out=np.full_like(alarm, np.inf),
                     where=r.k_heat > 0)
    z_below = np.maximum(np.maximum(r.m_rev, r.m_trig), need)
    rate = r.scandal_rate * harm ** 2
    trig, reveal = rate * r.p_trig, rate * r.p_reveal
    total = trig + r.k_h * reach
    floor_x = r.k_x * reach
    safe = np.maximum(total, 1e-300)
    above = perceived > theta_on
    x_above = np.where(total > 0, (reveal + (total - reveal) * floor_x) / safe, floor_x)
    share_above = np.where(total > 0, trig / safe, 0.0)
    return (np.where(above, x_above, 1.0), np.where(above, r.m_trig, z_below),
            np.where(above, share_above, 1.0))


def ban_probability(pressure: np.ndarray, r: Reduced) -> np.ndarray:
    """Chance that a crackdown's ban pressure has reached C_ban, over the ABM's spread.

    Along the median path the pressure is ``pressure``; across the ABM's crackdowns it is
    spread log-normally around it (the closure's ``ban_spread``: how large the alarm was at the
    onset, how large the scandal, how fast pledges came), so the chance is
    Φ(ln(C/C_ban)/σ_C). A pressure of 0 gives 0; a spread of 0 gives the step [C ≥ C_ban].
    """
    sigma = r.closure.ban_spread
    ratio = np.log(np.maximum(pressure, 1e-300) / np.maximum(r.c_ban, 1e-300))
    if sigma <= 0:
        p = (ratio >= 0).astype(float)
    else:
        p = ndtr(ratio / sigma)
    return np.where(pressure > 0, p, np.where(r.c_ban <= 0, 1.0, 0.0))
