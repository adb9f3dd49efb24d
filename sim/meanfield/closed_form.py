"""The reduced model's cycle in closed form: lax and crackdown lengths, the lax equilibrium.

docs/ODD.md, "Reduced (mean-field) model", derives each formula; here they are evaluated on the
reduced constants (arrays ``(sectors, cells)``) and a phase's starting state. They are
approximations of the integrated model (:mod:`sim.meanfield.model`), tested against it in
``tests/test_meanfield.py``:

* **LOOSE** (:func:`lax_length`): the log harm index grows at γ(F) while the floor F erodes
  linearly; deterrence relaxes to the floor's enforcement. With γ and ln a* linear in F the
  time to reach the onset alarm solves a quadratic; the grievance's memory adds τ_G and the
  wait for a revealing scandal adds ln 2 / ρ_rev. If the lax equilibrium alarm
  (:func:`lax_equilibrium`) stays below the onset alarm the sector never cracks down.
* **CRACKDOWN** (:func:`crackdown_length`): perceived pain rises linearly (the growth shortfall,
  after a drawdown step and the perception lags) while the pain the leadership will bear falls
  exponentially with the perceived alarm; linear = exponential solves with Lambert's W.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
from scipy.special import lambertw

from .model import CRACKDOWN, LOOSE, initial_state, step
from .reduction import Reduced
from .rules import best_response, content_factor, faced, harm_mix, routine, selection

__all__ = ["CrackdownForm", "LaxForm", "against_integration", "crackdown_length",
           "lax_equilibrium", "lax_growth_rate", "lax_length", "onset_alarm", "perceived_path"]


def lax_growth_rate(floor: np.ndarray, r: Reduced, months: np.ndarray | float = 0.0,
                    enforcement: np.ndarray | None = None) -> np.ndarray:
    """γ: growth of the log harm index over tolerance in LOOSE at rest (ê = E).

    γ(F) = g_s + g_sel + s_sub·α·(1 − L) + g_a·a*(E) − d_e·E·(1 − π̄·(1 − L)) − g_Y with
    L = L_min + F and, unless given, E = L_min + F (no routine enforcement).
    """
    signal = r.l_min + floor
    e = signal if enforcement is None else enforcement
    return (r.growth + selection(months, r) + r.subsidy * r.alpha * (1.0 - signal)
            + r.g_a * best_response(e, r) - r.d_e * faced(e, signal, r) - r.g_y)


def lax_equilibrium(r: Reduced, floor: float | np.ndarray = 0.0,
                    months: float | np.ndarray = 0.0) -> np.ndarray:
    """A_eq: the alarm at which routine enforcement stops harm outgrowing tolerance in LOOSE.

    Routine enforcement E = L_min + F + k_r·(m_s·(1 − u_ind·α)·A − r_knee)⁺ rises with the
    alarm; γ falls with E. A_eq solves γ(E(A)) = 0 (bisection on E, then A from E). It is +∞
    when harm outgrows tolerance even at E = 1, and the alarm at E = L_min + F when harm
    shrinks already there (then A_eq is that of the floor alone: reported as 0).
    """
    f = np.broadcast_to(np.asarray(floor, dtype=float), r.alpha.shape)
    lo = np.minimum(r.l_min + f, 1.0) + 0.0 * r.alpha
    hi = np.ones_like(lo)
    g_lo, g_hi = lax_growth_rate(f, r, months, lo), lax_growth_rate(f, r, months, hi)
    for _ in range(60):  # γ is monotone decreasing in E: bisect its root
        mid = 0.5 * (lo + hi)
        above = lax_growth_rate(f, r, months, mid) > 0
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    e_star = 0.5 * (lo + hi)
    # E* = L_min + F + k_r·(report·A − knee)  ⇒  A = (knee + (E* − L_min − F)/k_r)/report
    a_eq = np.divide(r.knee + np.divide(e_star - r.l_min - f, r.k_r,
                                        out=np.full_like(e_star, np.inf), where=r.k_r > 0),
                     r.report, out=np.full_like(e_star, np.inf), where=r.report > 0)
    return np.where(g_hi > 0, np.inf, np.where(g_lo <= 0, 0.0, a_eq))


def onset_alarm(theta_on: np.ndarray, r: Reduced) -> np.ndarray:
    """A_on = θ_on − k_sc·h_dec·max(m_rev, m_trig), the onset alarm.

    Above it a revealing scandal starts a crackdown whatever its size (its heat lifts the true
    alarm past θ_on).
    """
    return theta_on - r.k_heat * np.maximum(r.m_rev, r.m_trig)


@dataclass(frozen=True, slots=True)
class LaxForm:
    """The closed form of a LOOSE phase (months; arrays like the inputs)."""

    reach: np.ndarray  # months for the harm index to reach the onset alarm
    memory: np.ndarray  # τ_G: the grievance lags the harm index
    wait: np.ndarray  # ln 2 / ρ_rev: median wait for a revealing scandal at A_on
    total: np.ndarray  # reach + memory + wait (inf: no onset)


def lax_length(r: Reduced, harm0: np.ndarray, belief0: np.ndarray, floor0: np.ndarray,
               theta_on: np.ndarray, months0: np.ndarray | float = 0.0) -> LaxForm:
    """Closed-form length of a LOOSE phase from its starting state.

    Args:
        r: reduced constants.
        harm0: harm index h̃ at the phase's start.
        belief0: firms' deterrence ê at the start.
        floor0: floor F at the start.
        theta_on: the onset threshold θ_on (θ_s without spillover and climate for a sector
            alone).
        months0: months since the run's start (for selection).

    The log harm index is ln h̃ = ξ + ln a*(ê) + const. With F(t) = F_0 − ε_F·t, γ(F) ≈ γ_0 +
    γ_1·F and Φ(F) = ln a*(L_min + F) ≈ Φ_0 + Φ_1·F (chords through F = 0 and F_0), reaching
    h̃_on needs Δ = ln(h̃_on/h̃_0) + ln a*(ê_0) − Φ(F_0) =
    (γ_0 + γ_1·F_0 − Φ_1·ε_F)·T − ½·γ_1·ε_F·T² − δ_b·e^{−T/τ_b} while T < F_0/ε_F (γ_0 per
    month after), δ_b = Φ(F_0) − ln a*(ê_0) the deterrence still to recover. Without the last
    term (deterrence recovered, T ≫ τ_b) it is a quadratic in T; with it, it is solved by
    bisection.
    """
    eps = np.maximum(r.erosion, 1e-12)
    f0 = np.asarray(floor0, dtype=float)
    a_on = onset_alarm(theta_on, r)
    # the alarm includes the mean scandal heat q·h̃²: the harm index that gives A_on
    q = r.heat_mean
    h_on = np.where(q > 0, (np.sqrt(1.0 + 4.0 * q * np.maximum(a_on, 0.0)) - 1.0)
                    / (2.0 * np.maximum(q, 1e-300)), a_on)
    # routine enforcement k_r·(m_s·A − knee)⁺ acts on the part of the climb above the knee
    # A_k = knee/m_s: on average half of its value at A_on, over that share of the climb
    a_knee = np.divide(r.knee, r.report, out=np.full_like(h_on, np.inf), where=r.report > 0)
    span = np.log(np.maximum(a_on, 1e-300) / np.maximum(harm0, 1e-300))
    above = np.log(np.maximum(a_on, 1e-300) / np.maximum(np.maximum(a_knee, harm0), 1e-300))
    share = np.clip(np.divide(above, span, out=np.zeros_like(span), where=span > 0), 0.0, 1.0)
    boost = 0.5 * share * routine(a_on, r)

    def rest(floor: np.ndarray) -> np.ndarray:
        return np.minimum(r.l_min + floor + boost, 1.0)

    zero = np.zeros_like(f0)
    g0 = lax_growth_rate(zero, r, months0, rest(zero))
    gf = lax_growth_rate(f0, r, months0, rest(f0))
    g1 = np.divide(gf - g0, f0, out=np.zeros_like(f0), where=f0 > 1e-9)
    phi0 = np.log(best_response(rest(zero), r))
    phif = np.log(best_response(rest(f0), r))
    phi1 = np.divide(phif - phi0, f0, out=np.zeros_like(f0), where=f0 > 1e-9)
    # Δ: log growth the harm index needs, counting deterrence as recovered at once
    delta = (np.log(np.maximum(h_on, 1e-300) / np.maximum(harm0, 1e-300))
             + np.log(best_response(np.asarray(belief0, dtype=float), r)) - phif)
    t_floor = f0 / eps
    b = g0 + g1 * f0 - phi1 * eps
    c = -0.5 * g1 * eps
    at_floor = c * t_floor ** 2 + b * t_floor  # log growth by the time the floor is gone
    # deterrence recovers with the lag τ_ê + τ_a: the deficit ln a*(L_min + F_0) − ln a*(ê_0)
    # is not yet made up after T months by δ_b·e^{−T/τ_b}
    deficit = np.maximum(phif - np.log(best_response(np.asarray(belief0, dtype=float), r)), 0.0)

    def rise(months: np.ndarray) -> np.ndarray:
        """Log growth of the harm index after ``months`` months of LOOSE."""
        quad = c * months ** 2 + b * months
        lin = at_floor + g0 * (months - t_floor)
        return np.where(months <= t_floor, quad, lin) - deficit * np.exp(-months / r.tau_belief)

    # rise(T) = Δ: without the deterrence lag a quadratic (then linear) in T; with it, the
    # same explicit function, increasing while γ > 0, solved by bisection
    lo, hi = np.zeros_like(delta), np.full_like(delta, 12000.0)
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        short = rise(mid) < delta
        lo, hi = np.where(short, mid, lo), np.where(short, hi, mid)
    reach = np.where(rise(hi) < delta, np.inf, 0.5 * (lo + hi))
    rate = r.scandal_rate * h_on ** 2 * r.p_reveal
    wait = np.divide(math.log(2.0), rate, out=np.full_like(rate, np.inf), where=rate > 0)
    stalls = lax_equilibrium(r, 0.0, months0) < a_on
    memory = np.broadcast_to(r.tau_g, reach.shape)
    total = np.where(stalls, np.inf, reach + memory + wait)
    return LaxForm(reach=reach, memory=memory + 0.0 * reach, wait=wait + 0.0 * reach,
                   total=total)


@dataclass(frozen=True, slots=True)
class CrackdownForm:
    """The closed form of a CRACKDOWN (months, and its ingredients)."""

    pain_rate: np.ndarray  # a: growth of perceived pain a month (shortfall)
    pain_step: np.ndarray  # the drawdown's step in pain
    lag: np.ndarray  # months before pain starts rising (E, signal and perception lags)
    bound0: np.ndarray  # P* at the start of the fall (with pledges in)
    fall: np.ndarray  # months over which P* falls by a factor e
    total: np.ndarray  # max(D_crack, T)


def perceived_path(months: np.ndarray | float, alarm0: np.ndarray, x0: np.ndarray,
                   aggr0: np.ndarray, theta: np.ndarray, r: Reduced) -> np.ndarray:
    """Â(t)/θ_s in a crackdown, explicit: transparency fades, pledges come, grievance follows harm.

    Â(t) = (X(t) + (1 − X(t))·b(1))·(1 − e_pl·π_pl·(1 − (1 − 1/τ_pl)^t))·A(t), with
    X(t) = X_0·e^{−t/τ_X} and A(t) = A_c + (A_0 − A_c)·e^{−t/τ_G}: the grievance decays toward
    the harm left once aggressiveness has fallen to a*(1), A_c = A_0·a*(1)/a_0.
    """
    t = np.asarray(months, dtype=float)
    x = x0 * np.exp(-t / r.tau_x)
    b = r.bias_fixed  # b(L) at L = 1: local hiding folds in a campaign
    keep = 1.0 - 1.0 / r.closure.pledge_months
    pledged = r.pledge * (1.0 - keep ** t)
    a_c = alarm0 * best_response(np.ones_like(aggr0), r) / np.maximum(aggr0, 1e-12)
    alarm = a_c + (alarm0 - a_c) * np.exp(-t / r.tau_g)
    return (x + (1.0 - x) * b) * (1.0 - pledged) * alarm / theta


def crackdown_length(r: Reduced, alarm0: np.ndarray, x0: np.ndarray, aggr0: np.ndarray,
                     theta: np.ndarray, floor: np.ndarray, months0: np.ndarray | float = 0.0,
                     synchronous: float = 1.0, window: tuple[float, float] = (6.0, 24.0)
                     ) -> CrackdownForm:
    """Closed-form length of a CRACKDOWN from its onset.

    Args:
        r: reduced constants.
        alarm0: the true alarm A at the onset (with the starting scandal's heat).
        x0: transparency at the onset (1 after a revealing scandal).
        aggr0: aggressiveness a at the onset.
        theta: θ_s during the crackdown.
        floor: F (it does not move in a crackdown).
        months0: months since the run's start (selection in growth).
        synchronous: share of the economy's revenue cracking down with the sector (1: a
            campaign on every front, or a sector alone).
        window: months between which the bound's fall is read as one exponential (the
            minimum stay and two grievance memories).

    Perceived pain P̂(t) ≈ κ_e·(w_v·D_max + w_g·Δg·(t − t_lag)) with κ_e = w_P + (1 − w_P)·
    synchronous, Δg = g_tr − g_c (the trend over crackdown growth), D_max = 1 − exp(−ρ·(1 −
    E_lax) − 12·k_g·Δg) and t_lag = τ_P + τ_E + τ_up. The bound P*(t) = θ_P·(Â(t)/θ_s)^γ·
    (1 + κ̄) with Â from :func:`perceived_path`, read as b·e^{−c·t} through its values at the
    window's ends. P̂ = P* ⇔ a·u = b·e^{−c·T_0}·e^{−c·u} with u = t − T_0, a = κ_e·w_g·Δg and
    T_0 = t_lag − w_v·D_max/(w_g·Δg): u = W(c·b·e^{−c·T_0}/a)/c (Lambert's W), T = T_0 + u.
    """
    f = np.asarray(floor, dtype=float)
    e_lax = np.minimum(r.l_min + f, 1.0)
    g_tr = lax_growth_rate(f, r, months0) + r.g_y
    frozen = r.gate
    g_c = (r.growth + selection(months0, r) - r.d_fr * frozen
           + r.g_a * best_response(np.ones_like(f), r) - r.d_e)
    dg = np.maximum(g_tr - g_c, 1e-9)
    d_max = 1.0 - np.exp(-r.rho * (1.0 - e_lax) - 12.0 * r.k_g * dg)
    weight = r.w_p + (1.0 - r.w_p) * synchronous
    a = weight * r.w_g * dg
    step = weight * r.w_v * d_max
    lag = r.tau_p / r.feedback + r.tau_e + r.tau_up
    _, mixed = harm_mix(content_factor(np.ones_like(f), frozen, r), r)
    t_a, t_b = window
    bounds = [r.theta_p * (1.0 + mixed) * np.maximum(
        perceived_path(tt, alarm0, x0, aggr0, theta, r), 1e-12) ** r.gamma for tt in window]
    c = np.log(np.maximum(bounds[0], 1e-300) / np.maximum(bounds[1], 1e-300)) / (t_b - t_a)
    c = np.maximum(c, 1e-9)
    bound0 = bounds[0] * np.exp(c * t_a)
    t0 = lag - np.divide(step, a, out=np.zeros_like(a), where=a > 0)
    arg = c * bound0 * np.exp(-c * t0) / np.maximum(a, 1e-300)
    u = np.real(lambertw(arg)) / c
    total = np.maximum(r.d_crack, t0 + u)
    return CrackdownForm(pain_rate=a, pain_step=step, lag=lag + 0.0 * a, bound0=bound0,
                         fall=1.0 / c, total=total)


def against_integration(r: Reduced, months: int, cell: int = 0,
                        synchronous: float = 1.0) -> pd.DataFrame:
    """Every complete LOOSE and CRACKDOWN of one cell, integrated and in closed form.

    Integrates the cell month by month and, at the start of each phase, evaluates the closed
    form on the state the integration reached (LOOSE: harm index, deterrence, floor; onset: true
    alarm, transparency, aggressiveness, θ_s, floor). The closed form of a LOOSE phase uses θ_s
    without spillover or climate, so the comparison is meant for a sector alone (one sector,
    or ``leadership.climate_jump = 0`` and no other sector cracking down).

    Returns:
        One row per phase: ``sector``, ``phase`` (``LOOSE``/``CRACKDOWN``), ``start`` (month),
        ``integrated`` and ``closed_form`` (months).
    """
    one = r.take([cell])
    s = initial_state(one)
    rows: list[dict[str, object]] = []
    opened: dict[tuple[int, int], tuple[int, float]] = {}
    for t in range(months):
        before = s.phase.copy()
        m = step(s, one)
        for j in range(one.sectors):
            old, new = int(before[j, 0]), int(s.phase[j, 0])
            if old == new:
                continue
            if (j, old) in opened:
                start, form = opened.pop((j, old))
                rows.append({"sector": j, "phase": "LOOSE" if old == LOOSE else "CRACKDOWN",
                             "start": start, "integrated": t - start, "closed_form": form})
            sl = (slice(j, j + 1), slice(None))
            if new == LOOSE:
                lf = lax_length(_row(one, j), m.harm[sl], s.belief[sl], s.floor[sl],
                                one.theta_s[sl], s.clock)
                opened[(j, LOOSE)] = (t, float(lf.total[0, 0]))
            elif new == CRACKDOWN:
                cf = crackdown_length(_row(one, j), m.alarm[sl] + s.heat[sl] * 0.0,
                                      s.x_onset[sl], best_response(s.belief[sl], _row(one, j)),
                                      m.theta[sl], s.floor[sl], s.clock, synchronous)
                opened[(j, CRACKDOWN)] = (t, float(cf.total[0, 0]))
    return pd.DataFrame(rows, columns=["sector", "phase", "start", "integrated", "closed_form"])


def _row(r: Reduced, j: int) -> Reduced:
    """The constants of sector ``j`` alone (sector arrays cut to that row)."""
    kw = {f.name: (getattr(r, f.name)[j:j + 1] if getattr(r, f.name).shape[0] == r.sectors
                   and r.sectors > 1 else getattr(r, f.name))
          for f in fields(r) if f.name not in ("closure", "rates")}
    rates = {k: (v[j:j + 1] if v.shape[0] == r.sectors and r.sectors > 1 else v)
             for k, v in r.rates.items()}
    return Reduced(**kw, rates=rates, closure=r.closure)
