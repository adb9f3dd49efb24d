"""The reduced model's algebraic relations: what the ABM's rules become without firms.

Each function is one of the ABM's rules (docs/ODD.md §7) applied to sector aggregates instead of
firms or provinces; :mod:`sim.meanfield.model` composes them into the monthly map, and
:mod:`sim.meanfield.closed_form` and :mod:`sim.meanfield.portrait` read the same functions, so
the closed forms and the nullclines are those of the integrated model. All take and return
arrays broadcastable to ``(sectors, cells)``.
"""

from __future__ import annotations

import numpy as np

from .reduction import Reduced

__all__ = [
    "best_response",
    "bias",
    "content_factor",
    "faced",
    "growth",
    "harm_mix",
    "pain_bound",
    "relax",
    "routine",
    "selection",
    "severity",
    "toward",
]


def relax(x: np.ndarray, target: np.ndarray, tau: np.ndarray | float) -> np.ndarray:
    """The ABM's first-order step x + (target − x)·min(1, 1/τ) (sim.model.dynamics.relax)."""
    return x + (target - x) * np.minimum(1.0, 1.0 / tau)


def toward(x: np.ndarray, target: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """:func:`relax` with its rate min(1, 1/τ) computed once (``Reduced.rates``)."""
    return x + (target - x) * rate


def best_response(belief: np.ndarray, r: Reduced) -> np.ndarray:
    """a*(ê) = a_lo + (1 − a_lo)·logistic(β·(r − c·ê)) (ODD §7.4 without the penalty term)."""
    return r.a_lo + (1.0 - r.a_lo) / (1.0 + np.exp(-r.beta * (r.reward - r.cost * belief)))


def content_factor(enforcement: np.ndarray, frozen: np.ndarray, r: Reduced) -> np.ndarray:
    """Content harm left: clip(1 − k_c·max(E, E_c,min) − z_fr·[frozen], 0, 1) (ODD §7.9)."""
    return np.clip(1.0 - r.k_c * np.maximum(enforcement, r.e_content) - r.z_fr * frozen,
                   0.0, 1.0)


def harm_mix(cf: np.ndarray, r: Reduced) -> tuple[np.ndarray, np.ndarray]:
    """The effective profile's total Σ_k h_k and its κ-weighted share Σ_k κ_k·share_k."""
    total = r.p_rest + r.p_content * cf
    mixed = np.divide(r.kappa_rest + r.kappa_content * r.p_content * cf, total,
                      out=np.zeros_like(total), where=total > 0)
    return total, mixed


def bias(signal: np.ndarray, r: Reduced) -> np.ndarray:
    """b(L): the channels' mix B over the true alarm A (ODD §7.6 without the delays).

    b = w_pub·(1 − c_cens) + w_ag·m_s·(1 − u_ind·α_s) + w_loc·(1 − ū·(1 − L)), with m_s the
    mandate share and ū the expected share a province hides.
    """
    return r.bias_fixed - r.w_loc * r.hidden * (1.0 - signal)


def routine(grievance: np.ndarray, r: Reduced) -> np.ndarray:
    """Routine enforcement k_r·(R_ag − r_knee)⁺, agency report R_ag ≈ m_s·(1 − u_ind·α)·G."""
    return r.k_r * np.maximum(r.report * grievance - r.knee, 0.0)


def faced(enforcement: np.ndarray, signal: np.ndarray, r: Reduced) -> np.ndarray:
    """Enforcement firms face, e = E·(1 − π̄·(1 − L)) (protection folds under the signal)."""
    return enforcement * (1.0 - r.protection * (1.0 - signal))


def selection(months: np.ndarray | float, r: Reduced) -> np.ndarray:
    """Growth of a sector's revenue beyond its mean firm's, after ``months`` months.

    Revenue is a sum over firms with persistent growth types g_i ~ N(0, σ_type²) and log-normal
    shocks: the sum grows σ_g²/2 faster (Jensen), and revenue-weighting selects the fast types.
    By Price's equation the revenue-weighted type rises at the types' variance, σ_type² a
    month, until the fastest firm carries the sector: g_max = σ_type·E[max of n normals]. So
    g_sel(t) = σ_g²/2 + g_max·(1 − exp(−σ_type²·t/g_max)). (On the ABM's seeds 0–39 the excess
    of realised over mean-firm growth is 0.0002–0.0006 in months 0–200 and 0.0018–0.0027 in
    months 1000–1200; this gives 0.0006 and 0.0030 at their midpoints.)
    """
    rise = np.divide(r.type_var * months, r.type_max, out=np.zeros_like(r.type_max),
                     where=r.type_max > 0)
    return r.jensen + r.type_max * (1.0 - np.exp(-rise))


def growth(belief: np.ndarray, enforcement: np.ndarray, signal: np.ndarray,
           frozen: np.ndarray, r: Reduced, months: np.ndarray | float = 0.0) -> np.ndarray:
    """Monthly revenue growth: g_s + g_sel(t) + s_sub·α·(1 − L) − d_fr·[frozen] + g_a·a*(ê) − d_e·e.

    g_sel is :func:`selection` (heterogeneous firms), ``months`` the months since the start.
    """
    e = faced(enforcement, signal, r)
    return (r.growth + selection(months, r) + r.subsidy * r.alpha * (1.0 - signal)
            - r.d_fr * frozen + r.g_a * best_response(belief, r) - r.d_e * e)


def pain_bound(perceived: np.ndarray, theta: np.ndarray, cf: np.ndarray,
               r: Reduced) -> np.ndarray:
    """P* = θ_P·((Â/θ_s)⁺)^γ·(1 + Σ_k κ_k·share_k): the pain the leadership will bear."""
    _, mixed = harm_mix(cf, r)
    return r.theta_p * np.maximum(perceived / theta, 0.0) ** r.gamma * (1.0 + mixed)


def severity(perceived: np.ndarray, theta: np.ndarray, revealed: np.ndarray,
             reach: np.ndarray, r: Reduced) -> np.ndarray:
    """Campaign severity clip(c_L0 + k_A·(Â/θ_s − 1) + k_S·G_rev + K_sev·c_s, c_L0, 1)."""
    raw = r.c_l0 + r.k_a * (perceived / theta - 1.0) + r.k_s * revealed + r.k_sev * reach
    return np.clip(raw, r.c_l0, 1.0)
