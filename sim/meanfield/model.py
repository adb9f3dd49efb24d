"""The reduced (mean-field) model: each sector's pendulum in a handful of state variables.

A deterministic monthly map — the ABM's own time step and first-order rule ``relax`` —
vectorised over a batch of parameter points: every state is an array ``(sectors, cells)``, one
row of shape ``(cells,)`` per sector. docs/ODD.md, "Reduced (mean-field) model", states each
reduction step and what it drops. Per sector the continuous state is, in three loops:

* **harm**: ξ ``scale`` (log revenue over the public's tolerance, from the start), ê ``belief``
  (firms' deterrence: aggressiveness a = a*(ê); the ABM's learning lag τ_ê and adjustment lag τ_a
  in series), G ``grievance`` (the public's memory of harm over tolerance; the true alarm is
  A = G + mean scandal heat + the heat of the scandal that started a crackdown);
* **leadership**: L ``signal``, E ``enforcement`` (lag τ_E), F ``floor``;
* **pain**: D ``drawdown`` (valuation below its lax level), Σ ``shortfall`` (revenue below the
  planners' path, which stops adapting in a crackdown), P̂ ``pain`` (perceived, delay τ_P);

plus the phase machine's memory (phase, months in phase, months since the onset, the
cumulative onset hazard Λ, the ban pressure C and its hazard, severity, revealed gap,
transparency and scandal at the onset) and one campaign climate K per cell. Firms, provinces,
the channels' separate delays and every random draw are gone: the ABM's random switches become
hazards (:mod:`sim.meanfield.hazards`), and the model follows the median path.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from .hazards import MEDIAN, ban_probability, onset_details, onset_hazard, upper_median
from .reduction import Reduced
from .rules import (
    best_response,
    bias,
    content_factor,
    faced,
    growth,
    harm_mix,
    pain_bound,
    relax,
    routine,
    selection,
    severity,
    toward,
)

__all__ = ["BANNED", "COMPROMISE", "CRACKDOWN", "LOOSE", "RECORDED", "State", "Trajectory",
           "initial_state", "simulate", "step"]

# phase codes: the values of sim.model.states.Phase (stored as int8)
BANNED, LOOSE, COMPROMISE, CRACKDOWN = -1, 0, 1, 2

RECORDED: tuple[str, ...] = ("alarm", "perceived", "threshold", "signal", "floor", "enforcement",
                             "aggressiveness", "pain", "pain_bound", "drawdown", "shortfall",
                             "hazard", "harm", "sector_pain", "economy_pain", "revenue_share")
"""Monthly series :func:`simulate` can record (besides the phases), by name."""

_PLAIN = ("signal", "floor", "enforcement", "pain", "drawdown", "shortfall", "hazard")


@dataclass(slots=True)
class State:
    """The reduced model's state for a batch of cells (arrays ``(sectors, cells)``)."""

    scale: np.ndarray  # ξ
    belief: np.ndarray  # ê
    enforcement: np.ndarray  # E
    grievance: np.ndarray  # G
    heat: np.ndarray  # heat of the scandal that started the crackdown, decaying by h_dec
    signal: np.ndarray  # L
    floor: np.ndarray  # F
    drawdown: np.ndarray  # D
    shortfall: np.ndarray  # Σ
    trend: np.ndarray  # g_tr, the planners' growth trend
    pain: np.ndarray  # P̂
    phase: np.ndarray  # int8 phase codes
    months: np.ndarray  # months in phase (0 in the month of a switch)
    age: np.ndarray  # months since the last onset
    fade: np.ndarray  # e^{−age/τ_X}: transparency left of what the onset revealed
    unpledged: np.ndarray  # (1 − 1/τ_pl)^age: share of the pledges still to come
    unlearned: np.ndarray  # (11/12)^age: share of the growth gap investors have not taken in
    hazard: np.ndarray  # Λ_s, the sector's cumulative onset hazard in LOOSE
    hazard_any: np.ndarray  # Λ, every LOOSE sector's since the cell's last onset, (1, cells)
    ban: np.ndarray  # C along the median path
    ban_hazard: np.ndarray  # −Σ ln(1 − P(ban)) over past crackdowns
    severity: np.ndarray
    revealed: np.ndarray  # G_rev
    x_onset: np.ndarray  # transparency at the onset
    reference: np.ndarray  # a_0·Σ_k h_k at the start: the harm index's normaliser
    climate: np.ndarray  # K, (1, cells)
    clock: np.ndarray  # months since the start, (1, cells)
    jump: np.ndarray  # this month's onsets' climate jump, applied next month, (1, cells)

    def copy(self) -> State:
        """A deep copy."""
        return State(**{f.name: getattr(self, f.name).copy() for f in fields(self)})


def initial_state(r: Reduced) -> State:
    """The lax steady state of ODD §5, reduced: every sector LOOSE with true alarm A_0."""
    shape = r.alpha.shape
    zeros = np.zeros(shape)
    floor = np.broadcast_to(r.f0, shape).copy()
    signal = r.l_min + floor
    enforcement = np.maximum(floor, signal)  # the ABM starts E at max(F, L)
    belief = faced(enforcement, signal, r)
    total, _ = harm_mix(content_factor(enforcement, np.zeros(shape, dtype=bool), r), r)
    return State(scale=zeros.copy(), belief=belief, enforcement=enforcement.copy(),
                 grievance=np.array(r.alarm0, dtype=float), heat=zeros.copy(), signal=signal,
                 floor=floor, drawdown=zeros.copy(), shortfall=zeros.copy(),
                 trend=growth(belief, enforcement, signal, np.zeros(shape, dtype=bool), r),
                 pain=zeros.copy(), phase=np.full(shape, LOOSE, dtype=np.int8),
                 months=zeros.copy(), age=zeros.copy(), fade=np.ones(shape),
                 unpledged=np.ones(shape), unlearned=np.ones(shape), hazard=zeros.copy(),
                 hazard_any=np.zeros((1, shape[1])),
                 ban=zeros.copy(), ban_hazard=zeros.copy(),
                 severity=zeros.copy(), revealed=zeros.copy(), x_onset=zeros.copy(),
                 reference=best_response(belief, r) * total,
                 climate=np.zeros((1, shape[1])), clock=np.zeros((1, shape[1])),
                 jump=np.zeros((1, shape[1])))


@dataclass(slots=True)
class _Month:
    """This month's algebraic quantities, shared by the stages and returned for recording."""

    theta: np.ndarray  # θ_s after spillover
    theta_on: np.ndarray  # onset threshold
    reach: np.ndarray  # c_s
    frozen: np.ndarray  # gate ∧ crackdown
    cf: np.ndarray  # content factor
    harm: np.ndarray  # h̃
    alarm: np.ndarray  # A
    bias: np.ndarray  # b(L)
    transparency: np.ndarray  # X
    pledged: np.ndarray  # pledged revenue share
    perceived: np.ndarray  # Â
    sector_pain: np.ndarray  # P_s
    economy: np.ndarray  # P_econ, (1, cells)
    revenue: np.ndarray  # each sector's revenue (start shares × e^ξ)
    total_revenue: np.ndarray  # (1, cells)


def step(s: State, r: Reduced) -> _Month:
    """One month of the reduced model in the ABM's stage order (ODD §3); updates ``s``."""
    crack = s.phase == CRACKDOWN
    loose = s.phase == LOOSE
    live = (s.phase != BANNED).astype(float)  # a banned sector has no harm, revenue or pain
    active = (s.phase > LOOSE).astype(float)  # CRACKDOWN or COMPROMISE: pledges stand
    s.clock += 1.0
    s.age += 1.0  # months since the onset, this one included (1 in the first month after it)
    # lags that restart at each onset, stepped by their monthly factors (no exp a month)
    s.fade *= r.fade_step
    s.unpledged *= r.closure_keep
    s.unlearned *= 11.0 / 12.0
    # 0. start of month: the campaign climate, spillover, thresholds
    decayed = s.climate * np.exp(-1.0 / r.tau_k)
    s.climate = np.minimum(1.0, decayed + (1.0 - decayed) * s.jump)
    s.jump = np.zeros_like(s.jump)
    reach = s.climate * (1.0 - r.alpha)
    others = crack.sum(axis=0, keepdims=True) - crack > 0
    theta = r.theta_s * (1.0 - r.spill * others)
    frozen = r.gate & crack
    # 2. agencies set E (reading last month's signal and grievance)
    usual = routine(s.grievance, r)
    target = np.minimum(np.maximum(s.floor, s.signal * (1.0 + r.zeal * crack)) + usual, 1.0)
    s.enforcement = toward(s.enforcement, target, r.rates["enforcement"])
    e = s.enforcement
    # 4. firms: deterrence follows E itself (the large firms that carry a sector's revenue and
    # harm are the ones sanctioned, and a sanction sets ê to E: protection shields their
    # growth, not their lesson), faster in a campaign; growth
    campaign = crack & (s.signal > 0.5)
    s.belief = toward(s.belief, e, r.rates["belief"] + campaign
                      * (r.rates["campaign_belief"] - r.rates["belief"]))
    a = best_response(s.belief, r)
    g = (r.growth + selection(s.clock, r) + r.subsidy * r.alpha * (1.0 - s.signal)
         - r.d_fr * frozen + r.g_a * a - r.d_e * faced(e, s.signal, r))
    s.scale = s.scale + (g - r.g_y) * live
    size = np.exp(s.scale)
    cf = content_factor(e, frozen, r)
    total, _ = harm_mix(cf, r)
    harm = np.divide(r.alarm0 * size * a * total * live, s.reference,
                     out=np.zeros_like(total), where=s.reference > 0)
    # 5. public: grievance, mean scandal heat, the starting scandal's heat
    s.grievance = toward(s.grievance, harm, r.rates["grievance"])
    s.heat = s.heat * r.heat_decay
    alarm = s.grievance + r.heat_mean * harm * harm + s.heat
    # 6. information: the biased mix, transparency after the onset, pledges
    b = bias(s.signal, r)
    x = np.maximum(s.x_onset * s.fade, r.k_x * reach)
    pledged = r.pledge * (1.0 - s.unpledged) * active
    perceived = (x + (1.0 - x) * b) * alarm * (1.0 - pledged)
    # 7. markets and pain: the planners' trend stops adapting in a crackdown
    s.trend = s.trend + (g - s.trend) * r.rates["trend"] * ~crack
    gap = s.trend - g
    # investors' expected growth remembers 12 months (ODD §7.7): the share of the growth gap
    # taken in since the onset (none in LOOSE)
    memory = (1.0 - s.unlearned) * ~loose
    lax_e = np.minimum(r.l_min + s.floor + usual, 1.0)
    target_d = 1.0 - np.exp(-r.rho * np.maximum(e - lax_e, 0.0)
                            - 12.0 * r.k_g * memory * np.maximum(gap, 0.0))
    s.drawdown = toward(s.drawdown, target_d * live, r.rates["drawdown"])
    rebase = s.shortfall / r.tau_lvl * ~crack
    s.shortfall = np.maximum(0.0, s.shortfall + gap - rebase) * live
    sector_pain = r.w_v * s.drawdown + r.w_g * s.shortfall
    revenue = r.share * size * live
    sum_r = revenue.sum(axis=0, keepdims=True)
    economy = np.divide((sector_pain * revenue).sum(axis=0, keepdims=True), sum_r,
                        out=np.zeros_like(sum_r), where=sum_r > 0)
    s.pain = toward(s.pain, (1.0 - r.w_p) * economy + r.w_p * sector_pain, r.rates["pain"])
    m = _Month(theta=theta, theta_on=theta * (1.0 - r.k_th * reach), reach=reach,
               frozen=frozen, cf=cf, harm=harm, alarm=alarm, bias=b, transparency=x,
               pledged=pledged, perceived=perceived, sector_pain=sector_pain,
               economy=economy, revenue=revenue, total_revenue=sum_r)
    _leadership(s, r, m)
    return m


class _At:
    """The constants of some (cell, sector) elements: ``r``'s arrays indexed lazily, 1-D."""

    def __init__(self, r: Reduced, mask: np.ndarray):
        self._r = r
        self.j, self.i = np.nonzero(mask)  # sector, cell
        self.closure = r.closure

    def __getattr__(self, name: str) -> np.ndarray:
        a = getattr(self._r, name)
        out = a[self.j, self.i] if a.shape[0] > 1 else a[0, self.i]
        setattr(self, name, out)  # cached: each constant is indexed once
        return out

    def of(self, a: np.ndarray) -> np.ndarray:
        """A state or monthly array at these elements."""
        return a[self.j, self.i] if a.shape[0] > 1 else a[0, self.i]


def _leadership(s: State, r: Reduced, m: _Month) -> None:
    """Signal, floor, hazards and switches of one month (ODD §7.8, reduced).

    Onsets, crackdown months and exits touch few (cell, sector) elements of a large map: they
    are computed on those elements only (:class:`_At`).
    """
    phase = s.phase.copy()
    loose, crack = phase == LOOSE, phase == CRACKDOWN
    comp, banned = phase == COMPROMISE, phase == BANNED
    s.months += 1.0
    hard = m.perceived > r.hard * m.theta
    # the signal drifts: LOOSE to L_min + F, COMPROMISE to F + ΔL, BANNED back to L_min + F
    # (CRACKDOWN escalates below); LOOSE erodes F and accumulates the onset hazard
    target = s.floor + np.where(comp, r.margin, r.l_min)
    rate = r.rates["loose"] * loose + r.rates["compromise"] * (comp | banned)
    s.signal = s.signal + (target - s.signal) * rate
    s.floor = np.maximum(s.floor - r.erosion * loose, 0.0)
    h = onset_hazard(m.alarm, m.perceived, m.harm, m.theta_on, m.reach, r) * loose
    s.hazard = s.hazard + h
    # the first onset anywhere: the median of the first trigger in any LOOSE sector, taken by
    # the sector most likely to have it (the largest hazard this month)
    s.hazard_any = s.hazard_any + h.sum(axis=0, keepdims=True)
    first = np.zeros_like(loose)
    likeliest = h.argmax(axis=0)  # ties: table order
    cells = np.arange(h.shape[1])
    first[likeliest, cells] = (s.hazard_any[0] >= r.closure.onset_quantile) & (
        h[likeliest, cells] > 0)
    onset = (loose & ((s.hazard >= r.closure.onset_quantile) | hard | first)) | (comp & hard)
    if onset.any():
        s.hazard_any = np.where(onset.any(axis=0, keepdims=True), 0.0, s.hazard_any)
        _onset(s, r, m, onset, loose & ~hard)
    new = phase.copy()
    new[onset] = CRACKDOWN
    if crack.any():
        _crackdown(s, r, m, crack, new)
    # COMPROMISE: LOOSE once pain has eased
    relief = comp & ~onset & (s.months >= r.d_comp) & (s.pain < r.r_p * r.theta_p)
    new[relief] = LOOSE
    s.x_onset[relief | (new == BANNED)] = 0.0  # transparency after the onset is over
    switched = new != phase
    s.months[switched] = 0.0
    s.hazard[switched | ~(loose | onset)] = 0.0
    s.phase = new


def _onset(s: State, r: Reduced, m: _Month, onset: np.ndarray, by_scandal: np.ndarray) -> None:
    """Start crackdowns: the starting scandal's heat, the revealed gap, a fresh severity."""
    at = _At(r, onset)
    ix = (at.j, at.i)  # (sector, cell) of each element
    alarm, theta, reach, b = at.of(m.alarm), at.of(m.theta), at.of(m.reach), at.of(m.bias)
    x_on, z, share = onset_details(alarm, at.of(m.perceived), at.of(m.harm),
                                   at.of(m.theta_on), reach, at)
    scandal = at.of(by_scandal)
    x_new = np.where(scandal, x_on, at.k_x * reach)
    pulse = np.where(scandal, at.k_heat * upper_median(z, at) * share, 0.0)
    a_on = alarm + pulse
    gap = x_new * (1.0 - b) * a_on / theta
    sev = severity((x_new + (1.0 - x_new) * b) * a_on, theta, gap, reach, at)
    s.heat[ix] += pulse
    s.x_onset[ix] = x_new
    s.revealed[ix] = gap
    s.severity[ix] = sev
    s.ban[ix] = 0.0
    s.age[ix] = 0.0
    s.fade[ix] = s.unpledged[ix] = s.unlearned[ix] = 1.0
    s.signal[ix] = relax(s.signal[ix], sev, at.tau_up)
    jump = np.zeros_like(s.signal)
    jump[ix] = np.minimum(1.0, at.k_k * sev * (1.0 - at.alpha))
    s.jump = 1.0 - (1.0 - s.jump) * np.prod(1.0 - jump, axis=0, keepdims=True)


def _crackdown(s: State, r: Reduced, m: _Month, crack: np.ndarray, new: np.ndarray) -> None:
    """Crackdown months: escalate, accumulate ban pressure, ban or exit on pain."""
    at = _At(r, crack)
    ix = (at.j, at.i)  # (sector, cell) of each element
    alarm, theta, perceived = at.of(m.alarm), at.of(m.theta), at.of(m.perceived)
    gap = at.of(m.transparency) * (1.0 - at.of(m.bias)) * alarm / theta
    revealed = np.maximum(s.revealed[ix], gap)
    sev = np.maximum(s.severity[ix], severity(perceived, theta, revealed, at.of(m.reach), at))
    signal = relax(s.signal[ix], sev, at.tau_up)
    pressure = s.ban[ix] + np.maximum(perceived / theta - at.b0, 0.0)
    risk = s.ban_hazard[ix] - np.log(np.maximum(1.0 - ban_probability(pressure, at), 1e-300))
    months = s.months[ix]
    ban = at.can_ban & (months >= at.d_ban) & (risk >= MEDIAN)
    leave = ~ban & (months >= at.d_crack) & (s.pain[ix] > pain_bound(
        perceived, theta, at.of(m.cf), at))
    floor = s.floor[ix]
    s.floor[ix] = np.where(leave, floor + at.ratchet * np.clip(revealed, 0.0, 1.0)
                             * (signal - floor), floor)
    s.ban_hazard[ix] = np.where(leave & at.can_ban, risk, s.ban_hazard[ix])
    s.revealed[ix], s.severity[ix], s.signal[ix], s.ban[ix] = (revealed, sev, signal,
                                                                     pressure)
    new[at.j[ban], at.i[ban]] = BANNED
    new[at.j[leave], at.i[leave]] = COMPROMISE


@dataclass(frozen=True, slots=True)
class Trajectory:
    """What :func:`simulate` returns.

    Attributes:
        phases: phase codes, ``(cells, sectors, months)`` int8.
        series: recorded series by name, each ``(cells, sectors, months)`` float.
        final: the state after the last month.
    """

    phases: np.ndarray
    series: dict[str, np.ndarray]
    final: State


def _pick(name: str, s: State, m: _Month, r: Reduced) -> np.ndarray:
    if name in _PLAIN:
        return getattr(s, name)
    if name == "threshold":
        return m.theta_on
    if name == "pain_bound":
        return pain_bound(m.perceived, m.theta, m.cf, r)
    if name == "economy_pain":
        return m.economy
    if name == "revenue_share":
        return np.divide(m.revenue, m.total_revenue, out=np.zeros_like(m.revenue),
                         where=m.total_revenue > 0)
    if name == "aggressiveness":
        return best_response(s.belief, r)
    return getattr(m, name)


def simulate(r: Reduced, months: int, record: tuple[str, ...] = (),
             state: State | None = None) -> Trajectory:
    """Run the reduced model for ``months`` months from :func:`initial_state` (or ``state``).

    Args:
        r: the constants of every cell (:func:`sim.meanfield.reduction.reduce`).
        months: horizon.
        record: names among :data:`RECORDED` to keep month by month (cells × sectors × months
            floats each: leave empty for large maps).
        state: a state to continue from (copied).

    Raises:
        ValueError: an unknown series name, or a cell in rules mode (no phases to reduce).
    """
    unknown = set(record) - set(RECORDED)
    if unknown:
        raise ValueError(f"unknown series {sorted(unknown)}; allowed: {list(RECORDED)}")
    if not r.campaign.all():
        raise ValueError("the reduced model has no rules mode: leadership.mode must be "
                         "'campaign' at every point")
    s = initial_state(r) if state is None else state.copy()
    phases = np.empty((r.cells, r.sectors, months), dtype=np.int8)
    series = {k: np.empty((r.cells, r.sectors, months)) for k in record}
    for t in range(months):
        m = step(s, r)
        phases[:, :, t] = s.phase.T
        for k in record:
            series[k][:, :, t] = np.broadcast_to(_pick(k, s, m, r), s.phase.shape).T
    return Trajectory(phases=phases, series=series, final=s)
