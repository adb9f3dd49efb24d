"""From the model's parameters to the reduced model's constants (docs/ODD.md, 'Reduced model').

The reduced (mean-field) model reads the same :class:`sim.model.params.Params` as the ABM. Most
of its constants are the ABM's parameters themselves or closed-form expectations over the ABM's
distributions (a province's fiscal dependence is uniform on [d_lo, d_hi], so the expected
protection and local under-reporting are integrals of clipped linear functions). What the
reduction cannot derive — because it comes from the firm population the reduction removes
(concentration, where the large firms sit) — is in :class:`Closure`, a handful of constants
fixed once on the ABM's tuning seeds (0–99) before any comparison, and never tuned per point.

Everything is an array shaped ``(sectors, cells)`` (or ``(1, cells)`` for a parameter shared by
every sector): one row of shape ``(cells,)`` per sector, so that the monthly map of
:mod:`sim.meanfield.model` runs one grid of parameter points as one set of numpy operations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields

import numpy as np
from scipy.special import ndtri

from ..model.params import Params
from ..model.states import AGENCY_MANDATE, CONTENT, HARM_DIMENSIONS, Mode, Structure

__all__ = ["CLOSURE", "Closure", "Reduced", "expected_clipped", "reduce", "tail"]


@dataclass(frozen=True, slots=True)
class Closure:
    """The reduced model's own constants: fixed on the ABM's tuning seeds 0–99, then frozen.

    Attributes:
        hub_factor: revenue-weighted fiscal dependence ÷ a province's mean dependence. The ABM
            scales each province's dependence by its tax base (hubs depend more), and large firms
            sit in hubs, so the dependence a sector's revenue meets is higher than the uniform
            draw's mean: measured 1.4–1.9 across sectors on seeds 0–4 (protection 0.36–0.54 and
            local reports 0.45–0.68 of the alarm in LOOSE); one value for every sector.
        pledged_share: revenue share of a sector under pledges late in a crackdown (the ABM's
            top n_pl firms pledge and hold 0.97–1.0 of a non-aligned sector's revenue after
            decades of concentration, 0.75 for AI; medians over the crackdowns of seeds 0–39).
        pledge_months: months over which the pledged share rises to it from the onset, as a
            first-order lag (the ABM's median share 1, 2, 3 months into a crackdown: 0.34–0.54,
            0.51–0.72, 0.60–0.82).
        tau_campaign_belief: months over which firms' deterrence follows E in a campaign
            (L > ½). Sanctions set the targets' ê to E at once and the demonstration effect
            lifts their peers', but aggressiveness follows with its own lag τ_a, shortened by
            the campaign's cuts: the ABM's revenue-weighted aggressiveness, read through a*,
            implies a deterrence that relaxes toward E over 6–10 months.
        ban_spread: log-sd of a crackdown's ban pressure C across the ABM's crackdowns around
            its typical value (edtech, seeds 0–39: C at the crackdown's end has median 1.70 and
            log-sd 0.32; 16 % of crackdowns ended in a ban).
        onset_quantile: cumulative onset hazard at which the reduced model starts a crackdown:
            ln 2, the median of the first event of the ABM's trigger process (not fitted).
    """

    hub_factor: float = 1.6
    pledged_share: float = 0.97
    pledge_months: float = 2.2
    tau_campaign_belief: float = 7.0
    ban_spread: float = 0.32
    onset_quantile: float = math.log(2.0)


CLOSURE = Closure()
"""The constants every comparison uses (fixed before the comparisons; see the ODD)."""


def expected_clipped(lo: float, hi: float, base: float, slope: float, cap: float) -> float:
    """E[min(cap, base + slope·d)] for d uniform on [lo, hi] (a point mass when lo = hi)."""
    if hi <= lo:
        return min(cap, base + slope * lo)
    if slope <= 0:
        return float(np.mean([min(cap, base + slope * lo), min(cap, base + slope * hi)]))
    knee = (cap - base) / slope  # above it the cap binds
    if knee >= hi:
        return base + slope * 0.5 * (lo + hi)
    if knee <= lo:
        return cap
    below = (knee - lo) * (base + slope * 0.5 * (lo + knee))
    return (below + (hi - knee) * cap) / (hi - lo)


def tail(x: np.ndarray, alpha: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """P(m > x) for a Pareto(α) truncated to [1, cap] (1 below 1, 0 above the cap)."""
    z = np.clip(x, 1.0, cap)  # at the cap the difference below is exactly 0
    floor = cap ** -alpha
    return (z ** -alpha - floor) / (1.0 - floor)


def mean_magnitude(alpha: float, cap: float) -> float:
    """E[m] of a Pareto(α) truncated to [1, cap]."""
    norm = 1.0 - cap ** -alpha
    if abs(alpha - 1.0) < 1e-12:
        return math.log(cap) / norm
    return alpha / (alpha - 1.0) * (1.0 - cap ** (1.0 - alpha)) / norm


@dataclass(frozen=True, slots=True)
class Reduced:
    """Constants of the reduced model for a batch of parameter points ("cells").

    Sector arrays are ``(sectors, cells)``; shared ones ``(1, cells)``. Symbols are MODEL.md's
    (docs/ODD.md §10 lists them); derived ones are named in the ODD's reduced-model section.
    """

    # sectors
    alpha: np.ndarray  # α_s
    theta_s: np.ndarray  # θ·(1 + η·α_s), before spillover and climate
    gate: np.ndarray  # licence gate (bool)
    can_ban: np.ndarray  # ban possible and α_s < α_ban (bool)
    alarm0: np.ndarray  # A_0
    growth: np.ndarray  # g_s
    share: np.ndarray  # w_s, revenue share at the start
    p_rest: np.ndarray  # Σ harm profile outside content
    p_content: np.ndarray  # content profile h_cont
    mandate_rest: np.ndarray  # Σ over reported dimensions outside content
    mandate_content: np.ndarray  # 1 if content is reported
    kappa_rest: np.ndarray  # Σ κ_k·h_k outside content
    kappa_content: np.ndarray  # κ_cont
    # information
    w_pub: np.ndarray
    w_ag: np.ndarray
    w_loc: np.ndarray
    censorship: np.ndarray
    faction: np.ndarray  # u_ind (0 unified)
    hidden: np.ndarray  # expected share of harm a province hides at L = 0
    protection: np.ndarray  # expected protection π̄ at L = 0
    tau_x: np.ndarray
    feedback: np.ndarray
    reveal: np.ndarray  # bool
    m_rev: np.ndarray
    # public
    tau_g: np.ndarray
    g_y: np.ndarray
    scandal_rate: np.ndarray
    pareto: np.ndarray
    cap: np.ndarray
    amplification: np.ndarray
    heat_mean: np.ndarray  # mean heat per unit h̃²: k_sc·m_SM·E[m]·λ_0·h_dec/(1 − h_dec)
    k_heat: np.ndarray  # k_sc·h_dec: heat a scandal of magnitude 1 leaves in its month
    heat_decay: np.ndarray  # h_dec
    # firms
    beta: np.ndarray
    reward: np.ndarray
    cost: np.ndarray
    a_lo: np.ndarray
    tau_belief: np.ndarray  # τ_ê + τ_a: learning and adjusting in series
    g_a: np.ndarray
    d_e: np.ndarray
    noise: np.ndarray  # σ_g
    type_sd: np.ndarray  # σ_type
    firms_per_sector: np.ndarray  # N_F / sectors
    demo: np.ndarray
    pledge: np.ndarray  # e_pl,A × pledged share (0 without pledges)
    # agencies
    tau_e: np.ndarray  # τ_E
    zeal: np.ndarray
    k_r: np.ndarray
    knee: np.ndarray
    e_content: np.ndarray
    k_c: np.ndarray
    z_fr: np.ndarray
    d_fr: np.ndarray
    subsidy: np.ndarray
    # markets
    rho: np.ndarray
    k_g: np.ndarray
    tau_m: np.ndarray
    tau_lvl: np.ndarray
    tau_tr: np.ndarray
    w_v: np.ndarray
    w_g: np.ndarray
    # leadership
    campaign: np.ndarray  # bool: campaign mode (rules mode has no phases)
    l_min: np.ndarray
    tau_loose: np.ndarray
    tau_up: np.ndarray
    tau_comp: np.ndarray
    margin: np.ndarray
    spill: np.ndarray
    hard: np.ndarray
    m_trig: np.ndarray
    c_l0: np.ndarray
    k_a: np.ndarray
    k_s: np.ndarray
    theta_p: np.ndarray
    gamma: np.ndarray
    tau_p: np.ndarray
    w_p: np.ndarray
    r_p: np.ndarray
    d_crack: np.ndarray
    d_comp: np.ndarray
    f0: np.ndarray
    erosion: np.ndarray
    ratchet: np.ndarray
    b0: np.ndarray
    c_ban: np.ndarray
    d_ban: np.ndarray
    tau_k: np.ndarray
    k_k: np.ndarray
    k_th: np.ndarray
    k_x: np.ndarray
    k_h: np.ndarray
    k_sev: np.ndarray
    # derived once (constant over a run): see _derived
    mandate: np.ndarray  # m_s, share of harm the agencies report, at the content floor
    report: np.ndarray  # m_s·(1 − u_ind·α_s): the agency report per unit of grievance
    bias_fixed: np.ndarray  # b(L) at L = 1: w_pub·(1 − c_cens) + w_ag·report + w_loc
    p_trig: np.ndarray  # P(m_SM·m > m_trig)
    p_reveal: np.ndarray  # P(m_SM·m > max(m_rev, m_trig)) (0 without revelation)
    jensen: np.ndarray  # σ_g²/2: a sum of log-normal revenues grows faster than its mean firm
    type_var: np.ndarray  # σ_type²: the speed of selection (Price)
    type_max: np.ndarray  # σ_type·E[max of n standard normals], n firms a sector: its limit
    fade_step: np.ndarray  # e^{−1/τ_X}
    closure_keep: np.ndarray  # 1 − 1/τ_pl (0 when τ_pl ≤ 1)
    rates: dict[str, np.ndarray] = field(default_factory=dict)  # min(1, 1/τ) of each lag
    closure: Closure = CLOSURE

    @property
    def cells(self) -> int:
        """Number of parameter points."""
        return self.alpha.shape[1]

    @property
    def sectors(self) -> int:
        """Number of sectors (the same at every point)."""
        return self.alpha.shape[0]

    def take(self, index: np.ndarray | slice | Sequence[int]) -> Reduced:
        """The constants of a subset of cells."""
        idx = index if isinstance(index, slice) else np.asarray(index)
        kw = {f.name: getattr(self, f.name)[:, idx] for f in fields(self)
              if f.name not in ("closure", "rates")}
        return Reduced(**kw, rates={k: v[:, idx] for k, v in self.rates.items()},
                       closure=self.closure)


def _sector_rows(p: Params) -> dict[str, list[float]]:
    """Per-sector constants of one parameter point."""
    lp, ap = p.leadership, p.agencies
    unified = ap.structure == Structure.UNIFIED.value
    kappa = np.asarray(lp.harm_tolerance)
    rest = [k for k in range(len(HARM_DIMENSIONS)) if k != CONTENT]
    out: dict[str, list[float]] = {k: [] for k in (
        "alpha", "theta_s", "gate", "can_ban", "alarm0", "growth", "share", "p_rest",
        "p_content", "mandate_rest", "mandate_content", "kappa_rest", "kappa_content")}
    for s in p.sectors:
        h = np.asarray(s.harms, dtype=float)
        dims = HARM_DIMENSIONS if unified else (*AGENCY_MANDATE[s.lead_agency], "content")
        m = np.array([1.0 if d in dims else 0.0 for d in HARM_DIMENSIONS])
        out["alpha"].append(s.alignment)
        out["theta_s"].append(lp.theta_alarm * (1.0 + lp.honeymoon * s.alignment))
        out["gate"].append(float(s.licence_gate))
        out["can_ban"].append(float(s.ban_possible and s.alignment < lp.ban_max_alignment))
        out["alarm0"].append(s.initial_alarm)
        out["growth"].append(s.growth)
        out["share"].append(s.revenue_share)
        out["p_rest"].append(float(h[rest].sum()))
        out["p_content"].append(float(h[CONTENT]))
        out["mandate_rest"].append(float((m * h)[rest].sum()))
        out["mandate_content"].append(float(m[CONTENT]))
        out["kappa_rest"].append(float((kappa * h)[rest].sum()))
        out["kappa_content"].append(float(kappa[CONTENT]))
    return out


def _shared(p: Params, closure: Closure) -> dict[str, float]:
    """Constants shared by every sector of one parameter point."""
    lp, ip, ap, fp = p.leadership, p.information, p.agencies, p.firms
    pub, mp, loc = p.public, p.markets, p.local
    unified = ap.structure == Structure.UNIFIED.value
    w = np.array([ip.weight_public, ip.weight_agency, ip.weight_local])
    w = w / w.sum() if w.sum() > 0 else np.full(3, 1.0 / 3.0)
    hub = closure.hub_factor
    lo, hi = loc.dependence_min * hub, loc.dependence_max * hub
    # a province's dependence is capped at 1: clip the scaled range first
    lo, hi = min(lo, 1.0), min(hi, 1.0)
    hide = 0.0 if unified else expected_clipped(lo, hi, 0.0, ip.local_underreporting, 0.9)
    protect = expected_clipped(lo, hi, loc.protection_min, loc.protection_slope,
                               loc.protection_cap)
    mean_m = mean_magnitude(pub.scandal_alpha, pub.scandal_cap) * pub.amplification
    decay = pub.heat_decay
    heat = (pub.scandal_heat * mean_m * pub.scandal_rate * decay / (1.0 - decay)
            if decay < 1.0 else 0.0)
    pledge = fp.pledge_alarm * closure.pledged_share if fp.pledge_top > 0 else 0.0
    return {
        "w_pub": w[0], "w_ag": w[1], "w_loc": w[2], "censorship": ip.censorship,
        "faction": 0.0 if unified else ip.growth_faction, "hidden": hide, "protection": protect,
        "tau_x": ip.revelation_months, "feedback": ip.feedback_speed,
        "reveal": float(ip.revelation), "m_rev": ip.revelation_magnitude,
        "tau_g": pub.tau_grievance, "g_y": pub.tolerance_growth,
        "scandal_rate": pub.scandal_rate, "pareto": pub.scandal_alpha, "cap": pub.scandal_cap,
        "amplification": pub.amplification, "heat_mean": heat,
        "k_heat": pub.scandal_heat * decay, "heat_decay": decay,
        "beta": fp.beta, "reward": fp.reward, "cost": fp.cost, "a_lo": fp.aggressiveness_min,
        "tau_belief": fp.tau_belief + fp.tau_aggressiveness, "g_a": fp.growth_aggressiveness,
        "d_e": fp.enforcement_drag, "demo": fp.demonstration, "pledge": pledge,
        "noise": fp.growth_noise, "type_sd": fp.growth_type_sd,
        "firms_per_sector": fp.n_firms / max(1, len(p.sectors)),
        "tau_e": ap.tau_enforcement, "zeal": ap.zeal, "k_r": ap.harm_response, "knee": ap.harm_knee,
        "e_content": ap.content_floor, "k_c": ap.content_filter, "z_fr": ap.licence_freeze,
        "d_fr": ap.freeze_drag, "subsidy": loc.subsidy,
        "rho": mp.valuation_rho, "k_g": mp.growth_valuation, "tau_m": mp.tau_market,
        "tau_lvl": mp.level_months, "tau_tr": mp.trend_months, "w_v": mp.weight_drawdown,
        "w_g": mp.weight_shortfall,
        "campaign": float(lp.mode == Mode.CAMPAIGN.value), "l_min": lp.signal_min,
        "tau_loose": lp.tau_signal_loose, "tau_up": lp.tau_signal_crackdown,
        "tau_comp": lp.tau_signal_compromise, "margin": lp.compromise_margin,
        "spill": lp.spillover, "hard": lp.hard_alarm_multiple, "m_trig": lp.trigger_magnitude,
        "c_l0": lp.severity_base, "k_a": lp.severity_alarm, "k_s": lp.severity_surprise,
        "theta_p": lp.theta_pain, "gamma": lp.pain_exponent, "tau_p": lp.tau_pain,
        "w_p": lp.sector_pain_weight, "r_p": lp.pain_release,
        "d_crack": float(lp.min_crackdown_months), "d_comp": float(lp.min_compromise_months),
        "f0": lp.floor_start, "erosion": lp.floor_erosion, "ratchet": lp.floor_ratchet,
        "b0": lp.ban_alarm_base, "c_ban": lp.ban_pressure, "d_ban": float(lp.ban_min_months),
        "tau_k": lp.climate_decay, "k_k": lp.climate_jump, "k_th": lp.climate_threshold,
        "k_x": lp.climate_transparency, "k_h": lp.climate_trigger,
        "k_sev": lp.climate_severity,
    }


_BOOLS = ("gate", "can_ban", "reveal", "campaign")


def reduce(points: Params | Sequence[Params], closure: Closure = CLOSURE) -> Reduced:
    """The reduced model's constants for one or more parameter points.

    Args:
        points: one ``Params`` or a sequence of them (one per grid cell); every point must have
            the same sectors, in the same order.
        closure: the reduction's own constants (:data:`CLOSURE`).

    Raises:
        ValueError: points with different sector tables.
    """
    pts = [points] if isinstance(points, Params) else list(points)
    if not pts:
        raise ValueError("reduce needs at least one parameter point")
    names = pts[0].sector_names
    sector_cols: dict[str, list[list[float]]] = {}
    shared_cols: dict[str, list[float]] = {}
    for p in pts:
        if p.sector_names != names:
            raise ValueError(f"every point needs the sectors {names}, got {p.sector_names}")
        for k, v in _sector_rows(p).items():
            sector_cols.setdefault(k, []).append(v)
        for k, v in _shared(p, closure).items():
            shared_cols.setdefault(k, []).append(v)
    arrays: dict[str, np.ndarray] = {k: np.ascontiguousarray(np.asarray(v, dtype=float).T)
                                     for k, v in sector_cols.items()}
    arrays |= {k: np.asarray(v, dtype=float)[None, :] for k, v in shared_cols.items()}
    for k in _BOOLS:
        arrays[k] = arrays[k] > 0.5
    keep = max(0.0, 1.0 - 1.0 / closure.pledge_months)
    return Reduced(**arrays, **_derived(arrays), fade_step=np.exp(-1.0 / arrays["tau_x"]),
                   closure_keep=np.full_like(arrays["tau_x"], keep),
                   rates=_rates(arrays, closure), closure=closure)


LAGS: dict[str, str] = {"enforcement": "tau_e", "grievance": "tau_g", "drawdown": "tau_m",
                        "trend": "tau_tr", "loose": "tau_loose", "compromise": "tau_comp",
                        "crackdown": "tau_up", "belief": "tau_belief"}
"""The first-order lags of the monthly map, by name, and the τ each uses."""


def _rates(a: dict[str, np.ndarray], closure: Closure) -> dict[str, np.ndarray]:
    """min(1, 1/τ) of every lag (the ABM's relax), computed once."""
    out = {k: np.minimum(1.0, 1.0 / a[tau]) for k, tau in LAGS.items()}
    out["pain"] = np.minimum(1.0, a["feedback"] / a["tau_p"])
    out["campaign_belief"] = np.full_like(a["tau_belief"],
                                          min(1.0, 1.0 / closure.tau_campaign_belief))
    return out


def _derived(a: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Constants the monthly map would otherwise recompute every month."""
    cf = np.clip(1.0 - a["k_c"] * a["e_content"], 0.0, 1.0)
    total = a["p_rest"] + a["p_content"] * cf
    mandate = np.divide(a["mandate_rest"] + a["mandate_content"] * a["p_content"] * cf, total,
                        out=np.zeros_like(total), where=total > 0)
    report = mandate * (1.0 - a["faction"] * a["alpha"])
    bias_fixed = a["w_pub"] * (1.0 - a["censorship"]) + a["w_ag"] * report + a["w_loc"]
    amp = np.maximum(a["amplification"], 1e-12)
    p_trig = tail(a["m_trig"] / amp, a["pareto"], a["cap"])
    p_reveal = np.where(a["reveal"], tail(np.maximum(a["m_rev"], a["m_trig"]) / amp,
                                           a["pareto"], a["cap"]), 0.0)
    n = np.maximum(a["firms_per_sector"], 1.0)
    top = ndtri((n - 0.375) / (n + 0.25))  # Blom: E[max of n standard normals]
    return {"mandate": mandate, "report": report, "bias_fixed": bias_fixed, "p_trig": p_trig,
            "p_reveal": p_reveal, "jensen": 0.5 * a["noise"] ** 2, "type_var": a["type_sd"] ** 2,
            "type_max": a["type_sd"] * np.maximum(top, 0.0)}
