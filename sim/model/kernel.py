"""The month as compiled code: every mechanism of MODEL.md §3 in numba kernels (issue #12).

The mechanism modules (:mod:`~sim.model.firms`, :mod:`~sim.model.agencies`, …) state each rule
in numpy over the model's arrays; they are the reference and are unit-tested one by one. This
module is the same month written as loops over those arrays and compiled with numba: one call
runs any number of months, with no Python between the mechanisms. The order of operations and
of the draws from the model's generator is the reference's, step for step, so that the two paths
give the same output to the last bits that numpy's and the C library's ``exp``/``log``/``pow``
round differently (about 1e-15 relative per call; ``tests/model/test_compiled.py`` compares them
on held-out seeds). Sums over firms follow numpy's pairwise summation (:func:`_np_sum`) for the
same reason.

Why one long module: ``numba``'s on-disk cache (``cache=True``) keys a compiled function to the
source file that defines it, and does not notice edits to jitted functions it calls in *other*
files (a stale cache then runs old code). Keeping every jitted function here means an edit of
any of them invalidates the whole cache. The column orders of the recorded series are copied
here for the same reason, and checked against :mod:`sim.model.schema` at import.

Why flat arrays: the kernels take a handful of 2-D arrays (the firms' float, integer and
boolean fields as rows; the sectors' state as rows; the parameters as one vector with named
indices) rather than tuples of named arrays. numba compiles a function's argument handling
for every field of every tuple it takes, and with the month's ~150 named values each helper
cost seconds to compile (150 s in all); with flat arrays the whole month compiles in about
15 s. The row names below (``F_REVENUE``, ``X_SIGNAL``, ``BETA``…) keep the code readable.

Glue (packing the model's arrays, growing them, Mesa's agents) is in
:mod:`sim.model.compiled`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .schema import SECTOR_QUANTITIES, SERIES_AGGREGATES
from .states import CONTENT, HARM_DIMENSIONS, Cause, EventKind, Phase, ScheduledKind

_inner = njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True)
"""The month's helpers: compiled without the wrapper that would let Python call them."""

_small = njit(inline="always")
"""Small helpers called with constant arguments (event kinds, details): inlined where they are
called, since numba compiles a separate copy of a function for each constant it is passed."""

# ---- codes shared with the recorder (checked below against the enums they stand for) -------

PHASE_BANNED, PHASE_LOOSE, PHASE_COMPROMISE, PHASE_CRACKDOWN = -1, 0, 1, 2

EVENT_KIND_NAMES = ("scandal", "defiance", "foreign_listing", "sanction", "listing_suspension",
                    "acquisition", "entry", "exit", "sector_ban", "phase_change", "scheduled",
                    "pledge", "revelation")
(EV_SCANDAL, EV_DEFIANCE, EV_FOREIGN_LISTING, EV_SANCTION, EV_LISTING_SUSPENSION,
 EV_ACQUISITION, EV_ENTRY, EV_EXIT, EV_SECTOR_BAN, EV_PHASE_CHANGE, EV_SCHEDULED, EV_PLEDGE,
 EV_REVELATION) = range(13)

DETAILS = ("", "BANNED", "LOOSE", "COMPROMISE", "CRACKDOWN", "revenue", "acquired", "ban",
           "scandal", "defiance", "foreign_listing", "macro_shock")
"""The event log's ``detail`` values: new phases, exit reasons, scheduled kinds."""
D_NONE, D_REVENUE, D_ACQUIRED, D_BAN = 0, 5, 6, 7
D_PHASE0 = 2  # DETAILS[D_PHASE0 + phase] is the phase's name (BANNED = −1 → index 1)
D_SCHEDULED0 = 8  # DETAILS[D_SCHEDULED0 + scheduled kind code]

SCHEDULED_KINDS = ("scandal", "defiance", "foreign_listing", "macro_shock")
SK_SCANDAL, SK_DEFIANCE, SK_FOREIGN_LISTING, SK_MACRO_SHOCK = range(4)

CAUSES = ("", "scandal", "defiance", "listing", "campaign", "hard", "pain", "relief", "ban")
(CA_NONE, CA_SCANDAL, CA_DEFIANCE, CA_LISTING, CA_CAMPAIGN, CA_HARD, CA_PAIN, CA_RELIEF,
 CA_BAN) = range(9)

EVENT_FIELDS = ("month", "kind", "sector", "slot", "revenue", "agency", "magnitude", "fine",
                "detail", "cause")
"""Columns of the event buffer, one float64 row per event (codes as small integers)."""
E_WIDTH = len(EVENT_FIELDS)

AGGREGATE_ORDER = ("month", "phase", "valuation_index", "pain", "perceived_pain", "drawdown",
                   "tech_revenue", "revenue_growth", "n_firms", "entries", "exits",
                   "acquisitions", "acquisitions_blocked", "cases_opened", "fines_total",
                   "scandals", "max_scandal", "defiance_events", "listing_events", "pledges",
                   "mean_protection", "mean_fiscal_dependence", "foreign_climate",
                   "macro_shock", "campaign_climate")
"""The series' aggregate columns as stored (schema order without ``date``)."""
(A_MONTH, A_PHASE, A_VALUATION_INDEX, A_PAIN, A_PERCEIVED_PAIN, A_DRAWDOWN, A_TECH_REVENUE,
 A_REVENUE_GROWTH, A_N_FIRMS, A_ENTRIES, A_EXITS, A_ACQUISITIONS, A_BLOCKED, A_CASES,
 A_FINES, A_SCANDALS, A_MAX_SCANDAL, A_DEFIANCE, A_LISTINGS, A_PLEDGES, A_PROTECTION,
 A_DEPENDENCE, A_FOREIGN, A_MACRO, A_CLIMATE) = range(len(AGGREGATE_ORDER))

QUANTITY_ORDER = ("phase", "signal", "floor", "threshold", "enforcement", "content_enforcement",
                  "enforcement_faced", "expected_enforcement", "alarm", "perceived_alarm",
                  "grievance", "scandal_heat", "report_public", "report_agency", "report_local",
                  "transparency", "revealed_gap", "harm", "harm_competition", "harm_privacy",
                  "harm_content", "harm_labour", "harm_finance", "hhi", "revenue", "valuation",
                  "drawdown", "pain_shortfall", "pain_jobs", "pain", "pain_bound",
                  "perceived_pain", "n_firms", "aggressiveness", "violation_record",
                  "protection", "pledged_share", "cases", "fines", "scandals")
"""The series' per-sector quantities as stored (schema order)."""
Q_HARM_FIRST = QUANTITY_ORDER.index("harm_competition")

# ---- the model's arrays as the kernel sees them -----------------------------------------------

FIRM_FLOATS = ("revenue", "aggressiveness", "belief", "violation", "recent_violation",
               "growth_type", "protection", "enforcement_faced", "harm")
"""Rows of the firms' float array (:attr:`FirmPopulation.FLOATS`), one column per slot."""
(F_REVENUE, F_AGGRESSIVENESS, F_BELIEF, F_VIOLATION, F_RECENT_VIOLATION, F_GROWTH_TYPE,
 F_PROTECTION, F_ENFORCEMENT_FACED, F_HARM) = range(len(FIRM_FLOATS))
FIRM_INTS = ("sector", "province", "blacklist", "uid")
FI_SECTOR, FI_PROVINCE, FI_BLACKLIST, FI_UID = range(len(FIRM_INTS))
FIRM_BOOLS = ("alive", "pledged", "listed_abroad", "vacant")
FB_ALIVE, FB_PLEDGED, FB_LISTED, FB_VACANT = range(len(FIRM_BOOLS))

SECTOR_STATE = ("signal", "floor", "threshold", "onset_threshold", "severity", "revealed_gap",
                "ban_pressure", "pain_borne", "perceived_pain", "reach", "enforcement",
                "content", "grievance", "heat", "harm_alarm", "report_public", "report_agency",
                "report_local", "mix", "transparency", "perceived", "market_enforcement",
                "expected_growth", "trend", "log_path", "log_revenue", "valuation", "peak",
                "jobs_peak", "drawdown", "shortfall", "jobs", "pain", "hhi", "pledged_share")
"""Rows of the sectors' float state: leadership, regulators, public, channels, markets, views."""
(X_SIGNAL, X_FLOOR, X_THRESHOLD, X_ONSET_THRESHOLD, X_SEVERITY, X_REVEALED_GAP,
 X_BAN_PRESSURE, X_PAIN_BORNE, X_PERCEIVED_PAIN, X_REACH, X_ENFORCEMENT, X_CONTENT,
 X_GRIEVANCE, X_HEAT, X_HARM_ALARM, X_REPORT_PUBLIC, X_REPORT_AGENCY, X_REPORT_LOCAL, X_MIX,
 X_TRANSPARENCY, X_PERCEIVED, X_MARKET_ENFORCEMENT, X_EXPECTED_GROWTH, X_TREND, X_LOG_PATH,
 X_LOG_REVENUE, X_VALUATION, X_PEAK, X_JOBS_PEAK, X_DRAWDOWN, X_SHORTFALL, X_JOBS, X_PAIN,
 X_HHI, X_PLEDGED_SHARE) = range(len(SECTOR_STATE))
SECTOR_INTS = ("phase", "months_in_phase")
XI_PHASE, XI_MONTHS = range(len(SECTOR_INTS))
PROVINCE_STATE = ("base_dependence", "dependence", "protection")
PV_BASE, PV_DEPENDENCE, PV_PROTECTION = range(len(PROVINCE_STATE))

SECTOR_CONSTANTS = ("alignment", "base_growth", "gated", "data_rich", "can_ban", "hhi0",
                    "tolerance", "lead_agency")
"""Rows of the sectors' constants (flags as 0/1, the lead agency as its event-log code)."""
(CS_ALIGNMENT, CS_BASE_GROWTH, CS_GATED, CS_DATA_RICH, CS_CAN_BAN, CS_HHI0, CS_TOLERANCE,
 CS_LEAD_AGENCY) = range(len(SECTOR_CONSTANTS))
SCHEDULED_FIELDS = ("month", "kind", "sector", "magnitude")
"""Rows of the scheduled events (a column each, in the scenario's order; sector −1: none)."""
SE_MONTH, SE_KIND, SE_SECTOR, SE_MAGNITUDE = range(len(SCHEDULED_FIELDS))

SCALARS = ("n", "climate", "climate_jump", "macro_pulse", "macro_now", "economy_pain",
           "growth", "index_peak", "n_events", "overflow", "retired")
"""The scalars of the state, kept in one float array between calls (``retired`` counts the
firms retired so far, so that the glue knows when Mesa agents are to be removed)."""
(SC_N, SC_CLIMATE, SC_CLIMATE_JUMP, SC_MACRO_PULSE, SC_MACRO_NOW, SC_ECONOMY_PAIN, SC_GROWTH,
 SC_INDEX_PEAK, SC_N_EVENTS, SC_OVERFLOW, SC_RETIRED) = range(len(SCALARS))

TALLIES = ("entries", "exits", "acquisitions", "blocked", "defiance", "listings", "pledges",
           "max_scandal")
"""The month's economy-wide tallies (``model.stats`` of the reference)."""
(T_ENTRIES, T_EXITS, T_ACQUISITIONS, T_BLOCKED, T_DEFIANCE, T_LISTINGS, T_PLEDGES,
 T_MAX_SCANDAL) = range(len(TALLIES))

DONE, NEED_CAPACITY = 0, 1
"""Status of :func:`run_months`."""

# ---- the parameters: one float vector, bools and ints as floats -----------------------------

PARAMETERS = (
    "rules_mode", "signal_min", "tau_signal_loose", "tau_signal_crackdown",
    "tau_signal_compromise", "compromise_margin", "theta_alarm", "honeymoon", "spillover",
    "hard_alarm_multiple", "trigger_magnitude", "severity_base", "severity_alarm",
    "severity_surprise", "theta_pain", "pain_exponent", "tau_pain", "sector_pain_weight",
    "pain_release", "min_crackdown_months", "min_compromise_months", "floor_erosion",
    "floor_ratchet", "ban_alarm_base", "ban_pressure", "ban_min_months", "climate_decay",
    "climate_jump", "climate_threshold", "climate_transparency", "climate_trigger",
    "climate_severity", "rules_gain_alarm", "rules_gain_pain", "rules_onset",
    "tau_signal_rules", "censorship", "growth_faction", "local_underreporting", "revelation",
    "revelation_magnitude", "revelation_months", "tau_enforcement", "zeal", "harm_response",
    "harm_knee", "content_floor", "content_filter", "case_rate", "visibility_base",
    "visibility_signal", "fine_base", "fine_signal", "fine_cap", "headline_severity",
    "violation_kept", "campaign_cut", "routine_cut", "blacklist_months", "blacklist_bonus",
    "licence_freeze", "freeze_drag", "merger_review", "retroactive", "recent_harm_months",
    "protection_min", "protection_slope", "protection_cap", "subsidy", "tau_belief",
    "demonstration", "beta", "reward", "cost", "penalty_weight", "aggressiveness_min",
    "tau_aggressiveness", "growth_aggressiveness", "enforcement_drag", "growth_noise",
    "growth_type_sd", "violation_decay", "acquisition_rate", "entry_rate", "entrant_size",
    "pledge_top", "pledge_cost", "pledge_targeting", "pledge_alarm", "pledge_restraint",
    "defiance_rate", "listing_rate", "exit_floor", "tau_grievance", "tolerance_growth",
    "scandal_rate", "scandal_alpha", "scandal_cap", "amplification", "scandal_heat",
    "heat_decay", "valuation_rho", "growth_valuation", "tau_market", "peak_decay",
    "trend_months", "level_months", "weight_drawdown", "weight_shortfall", "weight_jobs",
    "valuation_base",
)
(RULES_MODE, SIGNAL_MIN, TAU_SIGNAL_LOOSE, TAU_SIGNAL_CRACKDOWN, TAU_SIGNAL_COMPROMISE,
 COMPROMISE_MARGIN, THETA_ALARM, HONEYMOON, SPILLOVER, HARD_ALARM_MULTIPLE, TRIGGER_MAGNITUDE,
 SEVERITY_BASE, SEVERITY_ALARM, SEVERITY_SURPRISE, THETA_PAIN, PAIN_EXPONENT, TAU_PAIN,
 SECTOR_PAIN_WEIGHT, PAIN_RELEASE, MIN_CRACKDOWN_MONTHS, MIN_COMPROMISE_MONTHS, FLOOR_EROSION,
 FLOOR_RATCHET, BAN_ALARM_BASE, BAN_PRESSURE, BAN_MIN_MONTHS, CLIMATE_DECAY, CLIMATE_JUMP,
 CLIMATE_THRESHOLD, CLIMATE_TRANSPARENCY, CLIMATE_TRIGGER, CLIMATE_SEVERITY, RULES_GAIN_ALARM,
 RULES_GAIN_PAIN, RULES_ONSET, TAU_SIGNAL_RULES, CENSORSHIP, GROWTH_FACTION,
 LOCAL_UNDERREPORTING, REVELATION, REVELATION_MAGNITUDE, REVELATION_MONTHS, TAU_ENFORCEMENT,
 ZEAL, HARM_RESPONSE, HARM_KNEE, CONTENT_FLOOR, CONTENT_FILTER, CASE_RATE, VISIBILITY_BASE,
 VISIBILITY_SIGNAL, FINE_BASE, FINE_SIGNAL, FINE_CAP, HEADLINE_SEVERITY, VIOLATION_KEPT,
 CAMPAIGN_CUT, ROUTINE_CUT, BLACKLIST_MONTHS, BLACKLIST_BONUS, LICENCE_FREEZE, FREEZE_DRAG,
 MERGER_REVIEW, RETROACTIVE, RECENT_HARM_MONTHS, PROTECTION_MIN, PROTECTION_SLOPE,
 PROTECTION_CAP, SUBSIDY, TAU_BELIEF, DEMONSTRATION, BETA, REWARD, COST, PENALTY_WEIGHT,
 AGGRESSIVENESS_MIN, TAU_AGGRESSIVENESS, GROWTH_AGGRESSIVENESS, ENFORCEMENT_DRAG, GROWTH_NOISE,
 GROWTH_TYPE_SD, VIOLATION_DECAY, ACQUISITION_RATE, ENTRY_RATE, ENTRANT_SIZE, PLEDGE_TOP,
 PLEDGE_COST, PLEDGE_TARGETING, PLEDGE_ALARM, PLEDGE_RESTRAINT, DEFIANCE_RATE, LISTING_RATE,
 EXIT_FLOOR, TAU_GRIEVANCE, TOLERANCE_GROWTH, SCANDAL_RATE, SCANDAL_ALPHA, SCANDAL_CAP,
 AMPLIFICATION, SCANDAL_HEAT, HEAT_DECAY, VALUATION_RHO, GROWTH_VALUATION, TAU_MARKET,
 PEAK_DECAY, TREND_MONTHS, LEVEL_MONTHS, WEIGHT_DRAWDOWN, WEIGHT_SHORTFALL, WEIGHT_JOBS,
 VALUATION_BASE) = range(len(PARAMETERS))
"""Entries of the parameter vector (MODEL.md symbols in :mod:`sim.model.params`). Derived:
``tau_pain`` is τ_P / f_fast; ``growth_faction`` and ``local_underreporting`` are 0 for a unified
regulator; ``exit_floor`` is R_exit at t = 0; ``valuation_base`` is Σ V at the start."""
PARAMETER_TYPES = {"rules_mode": bool, "revelation": bool, "retroactive": bool,
                   "min_crackdown_months": int, "min_compromise_months": int,
                   "ban_min_months": int, "blacklist_months": int, "pledge_top": int}
"""Parameters that are not floats (stored as 0/1 or whole numbers)."""


def _check_codes() -> None:
    """Fail at import if the codes above no longer match the enums and the schema."""
    problems = []
    if EVENT_KIND_NAMES != tuple(k.value for k in EventKind):
        problems.append("event kinds")
    if tuple(int(p) for p in Phase) != (PHASE_BANNED, PHASE_LOOSE, PHASE_COMPROMISE,
                                        PHASE_CRACKDOWN):
        problems.append("phases")
    if SCHEDULED_KINDS != tuple(k.value for k in ScheduledKind):
        problems.append("scheduled kinds")
    if tuple(c.value for c in Cause if c.value != "rules") != CAUSES[1:]:
        problems.append("causes")
    if AGGREGATE_ORDER != tuple(c.name for c in SERIES_AGGREGATES if c.name != "date"):
        problems.append("aggregate columns")
    if QUANTITY_ORDER != tuple(q.name for q in SECTOR_QUANTITIES):
        problems.append("sector quantities")
    if CONTENT != 2 or len(HARM_DIMENSIONS) != 5:
        problems.append("the harm dimensions")
    if problems:
        raise RuntimeError(f"sim.model.kernel is out of date with the model: {problems}")


_check_codes()


# =============================================================================================
# small rules (sim.model.dynamics, firms, agencies)
# =============================================================================================


@_inner
def _relax(x, target, tau):
    """X + (target − x)·min(1, 1/τ) (:func:`sim.model.dynamics.relax`)."""
    return x + (target - x) * min(1.0, 1.0 / tau)


@_inner
def _pairwise_block(a, lo, n):
    """Numpy's summation of a block of at most 128 values: 8 accumulators, then the rest."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - n % 8:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@_inner
def _np_sum(a):
    """Numpy's pairwise summation of a 1-D float64 array (its ``sum``, bit for bit).

    numpy halves an array of more than 128 values (the first half a multiple of 8 long) and
    adds the halves' sums. Written with an explicit stack: numba's cache cannot hold a
    recursive function (the issue's pilot: a cached recursive kernel failed at run time).
    """
    n = a.shape[0]
    if n <= 128:
        return _pairwise_block(a, 0, n)
    stack_lo = np.empty(192, dtype=np.int64)
    stack_n = np.empty(192, dtype=np.int64)
    stack_open = np.empty(192, dtype=np.bool_)
    values = np.empty(96)
    k = 0
    stack_lo[0], stack_n[0], stack_open[0] = 0, n, False
    top = 1
    while top > 0:
        top -= 1
        lo, m, expanded = stack_lo[top], stack_n[top], stack_open[top]
        if m <= 128:
            values[k] = _pairwise_block(a, lo, m)
            k += 1
        elif expanded:
            values[k - 2] = values[k - 2] + values[k - 1]
            k -= 1
        else:
            half = m // 2
            half -= half % 8
            stack_lo[top], stack_n[top], stack_open[top] = lo, m, True
            stack_lo[top + 1], stack_n[top + 1], stack_open[top + 1] = lo + half, m - half, False
            stack_lo[top + 2], stack_n[top + 2], stack_open[top + 2] = lo, half, False
            top += 3
    return values[0]


@_inner
def _fine_rate(signal, P):
    """f_0 + f_1·L² (:func:`sim.model.firms.fine_rate`)."""
    return P[FINE_BASE] + P[FINE_SIGNAL] * signal * signal


@_inner
def _record(FF, i, P):
    """The punishable record of firm i: V, or V_r without retroaction."""
    return FF[F_VIOLATION, i] if P[RETROACTIVE] else FF[F_RECENT_VIOLATION, i]


@_inner
def _record_years(record, revenue):
    """V / (12·R), 0 without revenue (:func:`sim.model.firms.record_years`)."""
    return record / (12.0 * revenue) if revenue > 0 else 0.0


@_inner
def _best_response(belief, years, P):
    """a* = a_lo + (1 − a_lo)·logistic(β·(r − c·ê − k_π·π)) (:func:`firms.best_response`)."""
    penalty = belief * _fine_rate(belief, P) * years
    x = P[BETA] * (P[REWARD] - P[COST] * belief - P[PENALTY_WEIGHT] * penalty)
    low = P[AGGRESSIVENESS_MIN]
    return low + (1.0 - low) * (1.0 / (1.0 + np.exp(-x)))


@_inner
def _members(FI, FB, n, s):
    """Slots of the live firms of sector s, in slot order."""
    sector, alive = FI[FI_SECTOR], FB[FB_ALIVE]
    count = 0
    for i in range(n):
        if alive[i] and sector[i] == s:
            count += 1
    out = np.empty(count, dtype=np.int64)
    k = 0
    for i in range(n):
        if alive[i] and sector[i] == s:
            out[k] = i
            k += 1
    return out


@_inner
def _group_by_sector(FI, FB, n, n_sectors):
    """The live firms grouped by sector, each group in slot order (one counting pass).

    Returns (slots, start): sector s's live firms are ``slots[start[s]:start[s + 1]]``, what
    :func:`_members` gives for s. Valid while no firm enters or dies: from campaign enforcement
    through the acquisitions (which kill only in the sector being handled).
    """
    sector, alive = FI[FI_SECTOR], FB[FB_ALIVE]
    start = np.zeros(n_sectors + 1, dtype=np.int64)
    for i in range(n):
        if alive[i]:
            start[sector[i] + 1] += 1
    for s in range(n_sectors):
        start[s + 1] += start[s]
    fill = np.empty(n_sectors, dtype=np.int64)
    for s in range(n_sectors):
        fill[s] = start[s]
    slots = np.empty(start[n_sectors], dtype=np.int64)
    for i in range(n):
        if alive[i]:
            slots[fill[sector[i]]] = i
            fill[sector[i]] += 1
    return slots, start


@_small
def _largest(revenue, slots, k):
    """The k largest of ``slots`` by revenue, largest first, ties in slot order.

    Equals ``slots[np.argsort(-revenue[slots], kind="stable")[:k]]`` (:func:`firms.largest`).
    """
    m = slots.shape[0]
    k = max(min(k, m), 0)
    taken = np.zeros(m, dtype=np.bool_)
    out = np.empty(k, dtype=np.int64)
    for j in range(k):
        best = -1
        for i in range(m):
            if not taken[i] and (best < 0 or revenue[slots[i]] > revenue[slots[best]]):
                best = i
        taken[best] = True
        out[j] = slots[best]
    return out


@_inner
def _in_top(revenue, members, slot, k):
    """Whether ``slot`` is among the k largest ``members`` (ranked as :func:`_largest` does)."""
    rank = 0
    r = revenue[slot]
    for j in members:
        if revenue[j] > r or (revenue[j] == r and j < slot):
            rank += 1
    return rank < k


@_inner
def _sector_sums(FI, FB, n, values, n_sectors):
    """Σ values·alive by sector, in slot order (``np.bincount`` of ``sector_total``)."""
    sector, alive = FI[FI_SECTOR], FB[FB_ALIVE]
    out = np.zeros(n_sectors)
    for i in range(n):
        out[sector[i]] += values[i] * alive[i]
    return out


# =============================================================================================
# the event log
# =============================================================================================


@_inner
def _count(counts):
    """Σ of an integer array (a loop: numpy's array methods cost seconds of compilation)."""
    total = 0
    for k in counts:
        total += k
    return total


@_inner
def _room(ev, sc, extra):
    """The event buffer with room for ``extra`` more rows (a larger copy when needed).

    The month makes room before each stage for as many events as the stage can log (firms,
    sectors, the cases and scandals drawn), so that :func:`_log` never runs out.
    """
    k = int(sc[SC_N_EVENTS])
    if k + extra <= ev.shape[0]:
        return ev
    bigger = np.empty((max(2 * ev.shape[0], k + extra) + 64, E_WIDTH))
    for row in range(k):  # loops: a slice assignment compiles numpy's shape checks (seconds)
        for col in range(E_WIDTH):
            bigger[row, col] = ev[row, col]
    return bigger


@_small
def _log(ev, sc, month, kind, sector, slot, revenue, agency, magnitude, fine, detail, cause):
    """Append one event row (:data:`EVENT_FIELDS`); flags an overflow rather than write past."""
    k = int(sc[SC_N_EVENTS])
    if k >= ev.shape[0]:
        sc[SC_OVERFLOW] = 1.0
        return
    ev[k, 0] = month
    ev[k, 1] = kind
    ev[k, 2] = sector
    ev[k, 3] = slot
    ev[k, 4] = revenue
    ev[k, 5] = agency
    ev[k, 6] = magnitude
    ev[k, 7] = fine
    ev[k, 8] = detail
    ev[k, 9] = cause
    sc[SC_N_EVENTS] = k + 1


@_small
def _log_firm(ev, sc, month, kind, FF, FI, slot, agency, magnitude, fine, detail):
    """An event about the firm in ``slot``: its sector and its revenue now."""
    _log(ev, sc, month, kind, FI[FI_SECTOR, slot], slot, FF[F_REVENUE, slot], agency,
         magnitude, fine, detail, CA_NONE)


@_small
def _remove(FF, FB, sc, slot, vacate):
    """Retire a firm (:meth:`FirmPopulation.remove`)."""
    sc[SC_RETIRED] += 1.0
    FB[FB_ALIVE, slot] = False
    FB[FB_VACANT, slot] = vacate
    FB[FB_PLEDGED, slot] = False
    FF[F_REVENUE, slot] = 0.0
    FF[F_HARM, slot] = 0.0
    FF[F_VIOLATION, slot] = 0.0
    FF[F_RECENT_VIOLATION, slot] = 0.0


# =============================================================================================
# 1–3. local governments, agencies' enforcement, campaign enforcement
# =============================================================================================


@_inner
def _local_governments(FF, FI, FB, XS, PV, P, n):
    """Fiscal dependence, protection, and the protection each firm faces (sim.model.local)."""
    revenue, protection = FF[F_REVENUE], FF[F_PROTECTION]
    sector, province, alive = FI[FI_SECTOR], FI[FI_PROVINCE], FB[FB_ALIVE]
    base, dependence, protected = PV[PV_BASE], PV[PV_DEPENDENCE], PV[PV_PROTECTION]
    signal = XS[X_SIGNAL]
    n_p = base.shape[0]
    tax = np.zeros(n_p)
    for i in range(n):
        tax[province[i]] += revenue[i] * alive[i]
    mean = _np_sum(tax) / n_p
    for p in range(n_p):
        rel = tax[p] / mean if mean > 0 else 0.0
        dependence[p] = min(1.0, base[p] * rel)
        protected[p] = min(P[PROTECTION_CAP],
                           P[PROTECTION_MIN] + P[PROTECTION_SLOPE] * dependence[p])
    for i in range(n):
        protection[i] = protected[province[i]] * (1.0 - signal[sector[i]]) * alive[i]


@_inner
def _agencies_set_enforcement(FF, FI, FB, XS, P, n, crackdown):
    """E relaxes toward max(F, L·(1 + ζ·crackdown)) + k_r·max(report − knee, 0) (agencies)."""
    signal, floor, report = XS[X_SIGNAL], XS[X_FLOOR], XS[X_REPORT_AGENCY]
    enforcement, content = XS[X_ENFORCEMENT], XS[X_CONTENT]
    for s in range(signal.shape[0]):
        target = (max(floor[s], signal[s] * (1.0 + P[ZEAL] * crackdown[s]))
                  + P[HARM_RESPONSE] * max(report[s] - P[HARM_KNEE], 0.0))
        target = min(max(target, 0.0), 1.0)
        enforcement[s] = _relax(enforcement[s], target, P[TAU_ENFORCEMENT])
        content[s] = _relax(content[s], max(target, P[CONTENT_FLOOR]), P[TAU_ENFORCEMENT])
    sector, alive = FI[FI_SECTOR], FB[FB_ALIVE]
    protection, faced = FF[F_PROTECTION], FF[F_ENFORCEMENT_FACED]
    for i in range(n):
        faced[i] = enforcement[sector[i]] * (1.0 - protection[i]) * alive[i]


@_inner
def _draw_targets(FF, FI, FB, members, k, signal, P, rng):
    """K distinct targets ∝ W by Efraimidis–Spirakis keys, largest key first.

    W = V·(R/R_max)^(v_0 + v_1·L²)·(1 − e_pl·pledged)·(1 − protection)·(1 + b_BL·blacklisted)
    (:func:`agencies.targeting_weights`, :func:`agencies.draw_targets`). Returns the targets
    and max(R_max, 1e-300).
    """
    revenue, protection = FF[F_REVENUE], FF[F_PROTECTION]
    pledged, blacklist = FB[FB_PLEDGED], FI[FI_BLACKLIST]
    m = members.shape[0]
    exponent = P[VISIBILITY_BASE] + P[VISIBILITY_SIGNAL] * signal * signal
    largest_revenue = 0.0
    for j in range(m):
        largest_revenue = max(largest_revenue, revenue[members[j]])
    top_revenue = max(largest_revenue, 1e-300)
    weights = np.empty(m)
    w_max = -np.inf
    for j in range(m):
        i = members[j]
        size = revenue[i] / top_revenue
        weights[j] = (_record(FF, i, P) * size ** exponent
                      * (1.0 - P[PLEDGE_TARGETING] * pledged[i])
                      * (1.0 - protection[i])
                      * (1.0 + P[BLACKLIST_BONUS] * (blacklist[i] > 0)))
        w_max = max(w_max, weights[j])
    k = min(k, m)
    keys = np.empty(m)
    for j in range(m):
        w = weights[j] + 1e-12 * w_max + 1e-300
        keys[j] = np.log(rng.random()) / w
    taken = np.zeros(m, dtype=np.bool_)
    targets = np.empty(k, dtype=np.int64)
    for t in range(k):
        best = -1
        for j in range(m):
            if not taken[j] and (best < 0 or keys[j] > keys[best]):
                best = j
        taken[best] = True
        targets[t] = members[best]
    return targets, top_revenue


@_inner
def _campaign_enforcement(FF, FI, FB, XS, CS, P, grouped, start, month, drawn, cases, fines, ev,
                          sc, rng):
    """The ``drawn`` cases: targets, fines, settlement, demonstration, delisting.

    (:meth:`RegulatoryModel._campaign_enforcement` and :mod:`sim.model.agencies`.)
    """
    signal, enforcement = XS[X_SIGNAL], XS[X_ENFORCEMENT]
    revenue, belief, aggressiveness = FF[F_REVENUE], FF[F_BELIEF], FF[F_AGGRESSIVENESS]
    violation, recent = FF[F_VIOLATION], FF[F_RECENT_VIOLATION]
    blacklist, listed = FI[FI_BLACKLIST], FB[FB_LISTED]
    for s in range(signal.shape[0]):
        if drawn[s] == 0:
            continue
        members = grouped[start[s]:start[s + 1]]
        if members.shape[0] == 0:
            continue
        L, E = signal[s], enforcement[s]
        targets, top_revenue = _draw_targets(FF, FI, FB, members, drawn[s], L, P, rng)
        k = targets.shape[0]
        rates = np.empty(k)
        for t in range(k):
            i = targets[t]
            years = _record_years(_record(FF, i, P), revenue[i])
            headline = (revenue[i] / top_revenue) ** P[HEADLINE_SEVERITY]
            rates[t] = min(P[FINE_CAP], _fine_rate(L, P) * years * headline)
        amounts = np.empty(k)
        settled = (1.0 - P[VIOLATION_KEPT]) * L * L
        campaign = L > 0.5
        cut = P[CAMPAIGN_CUT] if campaign else P[ROUTINE_CUT]
        for t in range(k):
            i = targets[t]
            amounts[t] = rates[t] * 12.0 * revenue[i]
            revenue[i] *= 1.0 - rates[t]
            violation[i] *= 1.0 - settled
            recent[i] *= 1.0 - settled
            aggressiveness[i] *= 1.0 - cut
            belief[i] = max(belief[i], E)
            if campaign:
                blacklist[i] = int(P[BLACKLIST_MONTHS])
        cases[s] += k
        fines[s] += _np_sum(amounts)
        agency = CS[CS_LEAD_AGENCY, s]
        for t in range(k):
            _log_firm(ev, sc, month, EV_SANCTION, FF, FI, targets[t], agency, rates[t],
                      amounts[t], D_NONE)
        # "kill the chicken to scare the monkeys": a campaign fine on a top-5 firm
        if L > 0.5 and P[DEMONSTRATION] > 0 and k > 0:
            hit = False
            for t in range(k):
                if _in_top(revenue, members, targets[t], 5):
                    hit = True
                    break
            if hit:
                for i in members:
                    belief[i] = max(belief[i], P[DEMONSTRATION] * E)
        # in a campaign, a sanctioned firm listed abroad is made to delist (Didi, 2021)
        if L > 0.5:
            was_listed = np.zeros(k, dtype=np.bool_)
            for t in range(k):
                was_listed[t] = listed[targets[t]]
            for t in range(k):
                if was_listed[t]:
                    listed[targets[t]] = False
                    _log_firm(ev, sc, month, EV_LISTING_SUSPENSION, FF, FI, targets[t],
                              agency, np.nan, 0.0, D_NONE)


# =============================================================================================
# 4. firms: learn, choose, pledge, grow, merge, exit, enter, harm, rare events
# =============================================================================================


@_inner
def _learn_and_choose(FF, FB, P, n):
    """ê → e (τ_ê); a → a*(ê, record) (τ_a), 0 for dead firms (firms.learn, firms.choose)."""
    belief, faced = FF[F_BELIEF], FF[F_ENFORCEMENT_FACED]
    revenue, aggressiveness, alive = FF[F_REVENUE], FF[F_AGGRESSIVENESS], FB[FB_ALIVE]
    for i in range(n):  # each firm on its own: learning, then its choice
        belief[i] = _relax(belief[i], faced[i], P[TAU_BELIEF])
        years = _record_years(_record(FF, i, P), revenue[i])
        target = _best_response(belief[i], years, P)
        aggressiveness[i] = (_relax(aggressiveness[i], target, P[TAU_AGGRESSIVENESS])
                             if alive[i] else 0.0)


@_inner
def _pledges(FF, FI, FB, XS, XI, P, n, grouped, start, month, crackdown, tally, ev, sc):
    """Top firms of sectors in crackdown pledge when the expected penalty exceeds the cost.

    Pledges lapse once the sector is LOOSE again (turnover.pledges, firms.pledge_candidates).
    """
    revenue, belief, aggressiveness = FF[F_REVENUE], FF[F_BELIEF], FF[F_AGGRESSIVENESS]
    sector, pledged, phase, signal = FI[FI_SECTOR], FB[FB_PLEDGED], XI[XI_PHASE], XS[X_SIGNAL]
    for i in range(n):
        if phase[sector[i]] == PHASE_LOOSE:
            pledged[i] = False
    for s in range(signal.shape[0]):
        if not crackdown[s]:
            continue
        members = grouped[start[s]:start[s + 1]]
        count = 0
        for i in members:
            if not pledged[i]:
                count += 1
        open_ = np.empty(count, dtype=np.int64)
        count = 0
        for i in members:
            if not pledged[i]:
                open_[count] = i
                count += 1
        top = _largest(revenue, open_, int(P[PLEDGE_TOP]))
        go = np.zeros(top.shape[0], dtype=np.bool_)
        for j in range(top.shape[0]):
            i = top[j]
            expected = max(belief[i], signal[s])
            years = _record_years(_record(FF, i, P), revenue[i])
            go[j] = expected * _fine_rate(expected, P) * years > P[PLEDGE_COST]
        for j in range(top.shape[0]):
            if go[j]:
                i = top[j]
                pledged[i] = True
                revenue[i] *= 1.0 - P[PLEDGE_COST]
                aggressiveness[i] *= 1.0 - P[PLEDGE_RESTRAINT]
                tally[T_PLEDGES] += 1
        for j in range(top.shape[0]):
            if go[j]:
                _log_firm(ev, sc, month, EV_PLEDGE, FF, FI, top[j], -1, P[PLEDGE_COST],
                          0.0, D_NONE)


@_inner
def _grow(FF, FI, FB, XS, CS, P, n, frozen, rng):
    """Log R grows by γ_s + type + g_a·a − d_e·e + σ·ε (sectors.sector_growth, firms.grow)."""
    signal = XS[X_SIGNAL]
    alignment, base_growth = CS[CS_ALIGNMENT], CS[CS_BASE_GROWTH]
    S = signal.shape[0]
    growth = np.empty(S)
    for s in range(S):
        growth[s] = (base_growth[s] + P[SUBSIDY] * alignment[s] * (1.0 - signal[s])
                     - P[FREEZE_DRAG] * frozen[s])
    revenue, growth_type = FF[F_REVENUE], FF[F_GROWTH_TYPE]
    aggressiveness, faced = FF[F_AGGRESSIVENESS], FF[F_ENFORCEMENT_FACED]
    sector, alive = FI[FI_SECTOR], FB[FB_ALIVE]
    for i in range(n):
        shock = rng.standard_normal()
        g = (growth[sector[i]] + growth_type[i] + P[GROWTH_AGGRESSIVENESS] * aggressiveness[i]
             - P[ENFORCEMENT_DRAG] * faced[i] + P[GROWTH_NOISE] * shock)
        revenue[i] *= np.exp(g) * alive[i]


@_inner
def _acquisitions(FF, FI, FB, XS, P, grouped, start, month, banned, tally, ev, sc, rng):
    """Top-5 firms buy a random smaller rival with chance p_acq·a; review blocks with μ·E_s."""
    if P[ACQUISITION_RATE] <= 0:
        return
    revenue, aggressiveness = FF[F_REVENUE], FF[F_AGGRESSIVENESS]
    violation, recent, alive = FF[F_VIOLATION], FF[F_RECENT_VIOLATION], FB[FB_ALIVE]
    enforcement = XS[X_ENFORCEMENT]
    for s in range(enforcement.shape[0]):
        if banned[s]:
            continue
        members = grouped[start[s]:start[s + 1]]
        top = _largest(revenue, members, 5)
        rivals = np.empty(members.shape[0], dtype=np.int64)
        m = 0
        for i in members:  # members are in slot order: the rivals stay sorted (setdiff1d)
            acquirer = False
            for j in range(top.shape[0]):
                acquirer = acquirer or top[j] == i
            if not acquirer:
                rivals[m] = i
                m += 1
        rivals = rivals[:m]
        tries = np.zeros(top.shape[0], dtype=np.bool_)
        for j in range(top.shape[0]):
            tries[j] = rng.random() < P[ACQUISITION_RATE] * aggressiveness[top[j]]
        for j in range(top.shape[0]):
            if not tries[j]:
                continue
            buyer = top[j]
            keep = 0
            for r in range(rivals.shape[0]):
                if alive[rivals[r]]:
                    rivals[keep] = rivals[r]
                    keep += 1
            rivals = rivals[:keep]
            if keep == 0:
                break
            # numpy's rng.choice(rivals) draws integers(0, len): numba's integers draws the same
            # way (tests/model/test_compiled.py's acquisitions variant checks it)
            target = rivals[rng.integers(0, keep)]
            if rng.random() < P[MERGER_REVIEW] * enforcement[s]:
                tally[T_BLOCKED] += 1
                continue
            _log_firm(ev, sc, month, EV_ACQUISITION, FF, FI, buyer, -1, revenue[target],
                      0.0, D_NONE)
            revenue[buyer] += revenue[target]
            violation[buyer] += violation[target]
            recent[buyer] += recent[target]
            _log_firm(ev, sc, month, EV_EXIT, FF, FI, target, -1, np.nan, 0.0, D_ACQUIRED)
            _remove(FF, FB, sc, target, True)
            tally[T_EXITS] += 1
            tally[T_ACQUISITIONS] += 1


@_inner
def _exits(FF, FI, FB, P, n, month, tally, ev, sc):
    """Firms below the exit floor R_exit·e^{g_Y·t} leave (turnover.exits)."""
    revenue, alive = FF[F_REVENUE], FB[FB_ALIVE]
    floor = P[EXIT_FLOOR] * np.exp(P[TOLERANCE_GROWTH] * month)
    gone = 0
    for i in range(n):  # logged with its revenue, then retired (no firm's exit moves another's)
        if alive[i] and revenue[i] < floor:
            _log_firm(ev, sc, month, EV_EXIT, FF, FI, i, -1, np.nan, 0.0, D_REVENUE)
            _remove(FF, FB, sc, i, True)
            gone += 1
    tally[T_EXITS] += gone


@_inner
def _entries(FF, FI, FB, XS, PV, P, n, month, banned, tally, ev, sc, rng):
    """Each vacant place is taken with chance p_ent × confidence (none in a banned sector).

    Entrants take new slots n, n+1, … (run_months keeps the capacity ≥ twice the slots in
    use, and entrants are at most the vacant places) and start small at their best
    response (turnover.entries); returns the new n.
    """
    sector, province, vacant = FI[FI_SECTOR], FI[FI_PROVINCE], FB[FB_VACANT]
    valuation, peak = XS[X_VALUATION], XS[X_PEAK]
    places = np.empty(n, dtype=np.int64)
    count = 0
    for i in range(n):
        if vacant[i]:
            places[count] = i
            count += 1
    if count == 0:
        return n
    fill = np.zeros(count, dtype=np.bool_)
    k = 0
    for j in range(count):
        s = sector[places[j]]
        confidence = valuation[s] / peak[s] if peak[s] > 0 else 0.0
        confidence = min(max(confidence, 0.0), 1.0)
        chance = P[ENTRY_RATE] * confidence * (not banned[s])
        fill[j] = rng.random() < chance
        k += fill[j]
    if k == 0:
        return n
    floor = P[EXIT_FLOOR] * np.exp(P[TOLERANCE_GROWTH] * month)
    signal, enforcement, protected = XS[X_SIGNAL], XS[X_ENFORCEMENT], PV[PV_PROTECTION]
    new = n
    for j in range(count):
        if not fill[j]:
            continue
        place = places[j]
        vacant[place] = False
        s, p = sector[place], province[place]
        protection = protected[p] * (1.0 - signal[s])
        belief = enforcement[s] * (1.0 - protection)
        for row in range(FF.shape[0]):
            FF[row, new] = 0.0
        FF[F_REVENUE, new] = P[ENTRANT_SIZE] * floor
        FF[F_AGGRESSIVENESS, new] = _best_response(belief, 0.0, P)
        FF[F_BELIEF, new] = belief
        FF[F_PROTECTION, new] = protection
        FF[F_ENFORCEMENT_FACED, new] = belief
        sector[new] = s
        province[new] = p
        FI[FI_BLACKLIST, new] = 0
        FB[FB_ALIVE, new] = True
        FB[FB_PLEDGED, new] = False
        FB[FB_LISTED, new] = False
        FB[FB_VACANT, new] = False
        new += 1
    for i in range(n, new):  # growth types drawn after the responses, as one vector draw
        FF[F_GROWTH_TYPE, i] = rng.normal(0.0, P[GROWTH_TYPE_SD])
    for i in range(n, new):
        _log_firm(ev, sc, month, EV_ENTRY, FF, FI, i, -1, np.nan, 0.0, D_NONE)
    tally[T_ENTRIES] += new - n
    return new


@_inner
def _herfindahl(FF, FI, FB, XS, n):
    """HHI_s = Σ R² / (Σ R)² over live firms (unchanged where a sector has no revenue)."""
    hhi, revenue, sector, alive = XS[X_HHI], FF[F_REVENUE], FI[FI_SECTOR], FB[FB_ALIVE]
    S = hhi.shape[0]
    total = np.zeros(S)
    squares = np.zeros(S)
    for i in range(n):
        total[sector[i]] += revenue[i] * alive[i]
        squares[sector[i]] += revenue[i] * revenue[i] * alive[i]
    for s in range(S):
        if total[s] > 0:
            hhi[s] = squares[s] / max(total[s], 1e-150) ** 2


@_inner
def _harm(FF, FI, FB, XS, CS, profile0, HD, P, n, frozen):
    """Effective profiles; harm_i = R·a·Σ_k h^eff_k; records V and V_r; harm by (sector, k).

    The same pass counts each firm's blacklist down a month (the reference does it right after).

    (sectors.effective_profile, firms.harm: competition × HHI/HHI_0; content filtered by the
    CAC and cut by a licence freeze.)
    """
    hhi, content, hhi0 = XS[X_HHI], XS[X_CONTENT], CS[CS_HHI0]
    S, D = profile0.shape
    profile = np.empty((S, D))
    for s in range(S):
        for d in range(D):
            profile[s, d] = profile0[s, d]
    for s in range(S):
        profile[s, 0] *= hhi[s] / hhi0[s] if hhi0[s] > 0 else 1.0
        filt = 1.0 - P[CONTENT_FILTER] * content[s] - P[LICENCE_FREEZE] * frozen[s]
        profile[s, CONTENT] *= min(max(filt, 0.0), 1.0)
    total_profile = np.empty(S)
    for s in range(S):
        total_profile[s] = _np_sum(profile[s])
    revenue, aggressiveness, harm = FF[F_REVENUE], FF[F_AGGRESSIVENESS], FF[F_HARM]
    violation, recent = FF[F_VIOLATION], FF[F_RECENT_VIOLATION]
    sector, alive, blacklist = FI[FI_SECTOR], FB[FB_ALIVE], FI[FI_BLACKLIST]
    by_sector = np.zeros(S)
    keep_recent = 1.0 - 1.0 / P[RECENT_HARM_MONTHS]
    for i in range(n):
        blacklist[i] = max(blacklist[i] - 1, 0)  # the month's step of the blacklists, here
        scale = revenue[i] * aggressiveness[i] * alive[i]
        harm[i] = scale * total_profile[sector[i]]
        violation[i] = violation[i] * (1.0 - P[VIOLATION_DECAY]) + harm[i]
        recent[i] = recent[i] * keep_recent + harm[i]
        by_sector[sector[i]] += scale
    for s in range(S):
        for d in range(D):
            HD[s, d] = by_sector[s] * profile[s, d]


@_small
def _defy(FI, FF, P, slot, month, triggers, revealed, cause, tally, ev, sc):
    """The firm in ``slot`` defies the state: its sector's trigger, and a revelation."""
    s = FI[FI_SECTOR, slot]
    triggers[s] = True
    tally[T_DEFIANCE] += 1
    _log_firm(ev, sc, month, EV_DEFIANCE, FF, FI, slot, -1, np.nan, 0.0, D_NONE)
    if P[REVELATION] and not revealed[s]:
        revealed[s] = True
        cause[s] = CA_DEFIANCE


@_small
def _list_abroad(FF, FI, FB, slot, month, triggers, tally, ev, sc):
    """The firm in ``slot`` lists abroad: its sector's trigger."""
    FB[FB_LISTED, slot] = True
    triggers[FI[FI_SECTOR, slot]] = True
    tally[T_LISTINGS] += 1
    _log_firm(ev, sc, month, EV_FOREIGN_LISTING, FF, FI, slot, -1, np.nan, 0.0, D_NONE)


@_inner
def _rare_events(FF, FI, FB, XS, CS, SE, P, n, month, foreign, defiance, listing, revealed,
                 cause, tally, ev, sc, rng):
    """Defiance by the economy's largest firm; foreign listings; scheduled ones (rare_events)."""
    revenue, sector, alive, listed = FF[F_REVENUE], FI[FI_SECTOR], FB[FB_ALIVE], FB[FB_LISTED]
    enforcement, alignment, data_rich = XS[X_ENFORCEMENT], CS[CS_ALIGNMENT], CS[CS_DATA_RICH]
    live_rev = np.empty(n)
    biggest = 0  # the first of the largest, as np.argmax
    for i in range(n):
        live_rev[i] = revenue[i] * alive[i]
        if live_rev[i] > live_rev[biggest]:
            biggest = i
    total = _np_sum(live_rev)
    if total > 0:
        s = sector[biggest]
        share = live_rev[biggest] / total
        chance = (P[DEFIANCE_RATE] * (share / 0.1) ** 2 * (1.0 - enforcement[s])
                  * (1.0 - alignment[s]))
        if rng.random() < chance:
            _defy(FI, FF, P, biggest, month, defiance, revealed, cause, tally, ev, sc)
    S = enforcement.shape[0]
    hazard = np.empty(S)
    for s in range(S):
        hazard[s] = (P[LISTING_RATE] * (1.0 - alignment[s]) ** 2 * (1.0 - enforcement[s])
                     * (1.0 + foreign) * data_rich[s])
    for i in range(n):  # one draw per slot; a listing changes only its own firm's flag
        draw = rng.random()
        if alive[i] and not listed[i] and draw < hazard[sector[i]]:
            _list_abroad(FF, FI, FB, i, month, listing, tally, ev, sc)
    for e in range(SE.shape[1]):
        kind = int(SE[SE_KIND, e])
        if SE[SE_MONTH, e] != month or (kind != SK_DEFIANCE and kind != SK_FOREIGN_LISTING):
            continue
        members = _members(FI, FB, n, int(SE[SE_SECTOR, e]))
        if kind == SK_FOREIGN_LISTING:
            keep = 0
            for j in range(members.shape[0]):
                if not listed[members[j]]:
                    members[keep] = members[j]
                    keep += 1
            members = members[:keep]
        top = _largest(revenue, members, 1)
        if top.shape[0] == 0:
            continue
        if kind == SK_DEFIANCE:
            _defy(FI, FF, P, top[0], month, defiance, revealed, cause, tally, ev, sc)
        else:
            _list_abroad(FF, FI, FB, top[0], month, listing, tally, ev, sc)


# =============================================================================================
# 5–7. public, information, markets
# =============================================================================================


@_inner
def _draw_cases(XS, P, rng):
    """Cases per sector ~ Poisson(c_0·(1 + E_s)), all sectors first (agencies.case_counts)."""
    enforcement = XS[X_ENFORCEMENT]
    drawn = np.empty(enforcement.shape[0], dtype=np.int64)
    for s in range(enforcement.shape[0]):
        drawn[s] = rng.poisson(P[CASE_RATE] * (1.0 + enforcement[s]))
    return drawn


@_inner
def _draw_scandals(XS, CS, HD, P, month, banned, rng):
    """Harm / tolerance (T_s·e^{g_Y·t}); scandals per sector ~ Poisson(λ_0·A²) (public)."""
    harm_alarm, tolerance = XS[X_HARM_ALARM], CS[CS_TOLERANCE]
    S = harm_alarm.shape[0]
    growth = np.exp(P[TOLERANCE_GROWTH] * month)
    for s in range(S):
        harm_alarm[s] = _np_sum(HD[s]) / (tolerance[s] * growth)
    counts = np.empty(S, dtype=np.int64)
    for s in range(S):
        live = not banned[s]
        counts[s] = rng.poisson(P[SCANDAL_RATE] * harm_alarm[s] ** 2 * live)
    return counts


@_inner
def _public(XS, CS, SE, P, month, counts, scandal_trigger, revealed, cause, scandals, tally,
            ev, sc, rng):
    """The scandals' magnitudes (truncated Pareto × amplification), grievance and heat.

    ``counts`` were drawn by :func:`_draw_scandals`; scheduled scandals are appended after the
    drawn ones, sector by sector (sim.model.public).
    """
    harm_alarm, grievance, heat = XS[X_HARM_ALARM], XS[X_GRIEVANCE], XS[X_HEAT]
    S = harm_alarm.shape[0]
    alpha = P[SCANDAL_ALPHA]
    cap_term = 1.0 - P[SCANDAL_CAP] ** -alpha
    sums = np.zeros(S)
    for s in range(S):
        extra = 0
        for e in range(SE.shape[1]):
            if (SE[SE_MONTH, e] == month and SE[SE_KIND, e] == SK_SCANDAL
                    and SE[SE_SECTOR, e] == s):
                extra += 1
        k = counts[s] + extra
        if k == 0:
            continue
        mags = np.empty(k)
        for j in range(counts[s]):
            u = rng.random()
            mags[j] = (1.0 - u * cap_term) ** (-1.0 / alpha) * P[AMPLIFICATION]
        j = counts[s]
        for e in range(SE.shape[1]):
            if (SE[SE_MONTH, e] == month and SE[SE_KIND, e] == SK_SCANDAL
                    and SE[SE_SECTOR, e] == s):
                mags[j] = SE[SE_MAGNITUDE, e]
                j += 1
        sums[s] = _np_sum(mags)
        scandals[s] = k
        largest = mags[0]
        for j in range(1, k):
            largest = max(largest, mags[j])
        tally[T_MAX_SCANDAL] = max(tally[T_MAX_SCANDAL], largest)
        scandal_trigger[s] = largest > P[TRIGGER_MAGNITUDE]
        if P[REVELATION] and largest > P[REVELATION_MAGNITUDE] and not revealed[s]:
            revealed[s] = True
            cause[s] = CA_SCANDAL
        for j in range(k):
            _log(ev, sc, month, EV_SCANDAL, s, -1, np.nan, -1, mags[j], 0.0, D_NONE,
                 CA_NONE)
    for s in range(S):
        grievance[s] = _relax(grievance[s], harm_alarm[s], P[TAU_GRIEVANCE])
        heat[s] = (heat[s] + P[SCANDAL_HEAT] * sums[s]) * P[HEAT_DECAY]


@_inner
def _information(FF, FI, FB, XS, CS, PV, HD, mandate, channels, P, n, month, revealed, cause,
                 ev, sc):
    """Channel reports, delays, transparency and the perceived alarm (sim.model.information)."""
    revenue, harm = FF[F_REVENUE], FF[F_HARM]
    sector, province, alive, pledged = FI[FI_SECTOR], FI[FI_PROVINCE], FB[FB_ALIVE], FB[FB_PLEDGED]
    signal, dependence = XS[X_SIGNAL], PV[PV_DEPENDENCE]
    S = signal.shape[0]
    total, pledged_rev, local_harm = np.zeros(S), np.zeros(S), np.zeros(S)
    for i in range(n):  # three sums by sector in one pass, each in slot order
        s = sector[i]
        total[s] += revenue[i] * alive[i]
        pledged_rev[s] += revenue[i] * pledged[i] * alive[i]
        # the provinces' reports leave out min(0.9, u_loc·d_p)·(1 − L_s) of their firms' harm
        hidden = min(0.9, P[LOCAL_UNDERREPORTING] * dependence[province[i]]) * (1.0 - signal[s])
        local_harm[s] += harm[i] * (1.0 - hidden)
    share = XS[X_PLEDGED_SHARE]
    for s in range(S):
        share[s] = pledged_rev[s] / total[s] if total[s] > 0 else 0.0
    growth = np.exp(P[TOLERANCE_GROWTH] * month)
    decay = np.exp(-1.0 / P[REVELATION_MONTHS])
    w0, w1, w2 = channels[0, 0], channels[0, 1], channels[0, 2]
    d0, d1, d2 = channels[1, 0], channels[1, 1], channels[1, 2]
    alignment, tolerance0 = CS[CS_ALIGNMENT], CS[CS_TOLERANCE]
    grievance, heat, reach = XS[X_GRIEVANCE], XS[X_HEAT], XS[X_REACH]
    public, agency, local = XS[X_REPORT_PUBLIC], XS[X_REPORT_AGENCY], XS[X_REPORT_LOCAL]
    mix, transparency, perceived = XS[X_MIX], XS[X_TRANSPARENCY], XS[X_PERCEIVED]
    mandated = np.empty(HD.shape[1])
    for s in range(S):
        tolerance = tolerance0[s] * growth
        alarm = grievance[s] + heat[s]
        for d in range(mandated.shape[0]):
            mandated[d] = HD[s, d] * mandate[s, d]
        public[s] = _relax(public[s], (1.0 - P[CENSORSHIP]) * alarm, d0)
        agency[s] = _relax(agency[s], _np_sum(mandated) / tolerance
                           * (1.0 - P[GROWTH_FACTION] * alignment[s]), d1)
        local[s] = _relax(local[s], local_harm[s] / tolerance, d2)
        mix[s] = w0 * public[s] + w1 * agency[s] + w2 * local[s]
        x = 1.0 if revealed[s] else transparency[s] * decay
        x = max(x, P[CLIMATE_TRANSPARENCY] * reach[s])
        transparency[s] = x
        perceived[s] = ((1.0 - x) * mix[s] + x * alarm) * (1.0 - P[PLEDGE_ALARM] * share[s])
    threshold = XS[X_THRESHOLD]
    for s in range(S):
        if revealed[s]:
            gap = (grievance[s] + heat[s] - mix[s]) / threshold[s]
            _log(ev, sc, month, EV_REVELATION, s, -1, np.nan, -1, gap, 0.0, D_NONE,
                 cause[s])


@_inner
def _markets(FF, FI, FB, XS, SE, P, n, month, macro, crackdown, banned, sc):
    """Valuation, drawdown, growth shortfall, jobs and pain (sim.model.markets)."""
    pulse = sc[SC_MACRO_PULSE] * np.exp(-1.0 / 6.0)
    for e in range(SE.shape[1]):
        if SE[SE_MONTH, e] == month and SE[SE_KIND, e] == SK_MACRO_SHOCK:
            pulse += SE[SE_MAGNITUDE, e]
    sc[SC_MACRO_PULSE] = pulse
    shock = macro + pulse
    sc[SC_MACRO_NOW] = shock
    revenue_f = FF[F_REVENUE]
    S = XS.shape[1]
    # revenue, and jobs ∝ R^0.8 (sectors.JOBS_EXPONENT; a dead firm's R is 0 and adds nothing)
    revenue, jobs = np.zeros(S), np.zeros(S)
    sector, alive = FI[FI_SECTOR], FB[FB_ALIVE]
    for i in range(n):
        revenue[sector[i]] += revenue_f[i] * alive[i]
        if alive[i]:
            jobs[sector[i]] += revenue_f[i] ** 0.8
    log_revenue, market_e = XS[X_LOG_REVENUE], XS[X_MARKET_ENFORCEMENT]
    expected, trend, log_path = XS[X_EXPECTED_GROWTH], XS[X_TREND], XS[X_LOG_PATH]
    valuation, peak, drawdown = XS[X_VALUATION], XS[X_PEAK], XS[X_DRAWDOWN]
    shortfall, jobs_peak, job_loss, pain = XS[X_SHORTFALL], XS[X_JOBS_PEAK], XS[X_JOBS], XS[X_PAIN]
    enforcement = XS[X_ENFORCEMENT]
    before = np.empty(S)
    for s in range(S):
        before[s] = np.exp(log_revenue[s])
    total_before = _np_sum(before)
    weighted = np.empty(S)
    for s in range(S):
        log_rev = np.log(max(revenue[s], 1e-300))
        realised = log_rev - log_revenue[s]
        log_revenue[s] = log_rev
        adapt = not crackdown[s]
        market_e[s] = _relax(market_e[s], enforcement[s], P[TAU_MARKET])
        expected[s] = _relax(expected[s], realised, 12.0)
        if adapt:
            trend[s] = _relax(trend[s], realised, P[TREND_MONTHS])
        valuation[s] = revenue[s] * np.exp(
            -P[VALUATION_RHO] * market_e[s]
            + P[GROWTH_VALUATION] * 12.0 * (expected[s] - P[TOLERANCE_GROWTH]))
        peak[s] = max(peak[s] * (1.0 - P[PEAK_DECAY]), valuation[s])
        drawdown[s] = 1.0 - (valuation[s] / peak[s] if peak[s] > 0 else 1.0)
        log_path[s] = log_path[s] + trend[s]
        if adapt:
            log_path[s] = _relax(log_path[s], log_rev, P[LEVEL_MONTHS])
        shortfall[s] = max(0.0, log_path[s] - log_rev)
        jobs_peak[s] = max(jobs_peak[s] * (1.0 - P[PEAK_DECAY]), jobs[s])
        job_loss[s] = 1.0 - (jobs[s] / jobs_peak[s] if jobs_peak[s] > 0 else 1.0)
        sector_pain = (P[WEIGHT_DRAWDOWN] * drawdown[s] + P[WEIGHT_SHORTFALL] * shortfall[s]
                       + P[WEIGHT_JOBS] * job_loss[s])
        pain[s] = 0.0 if banned[s] else sector_pain
        weighted[s] = pain[s] * revenue[s]
    total = _np_sum(revenue)
    sc[SC_ECONOMY_PAIN] = (_np_sum(weighted) / total if total > 0 else 0.0) + shock
    sc[SC_GROWTH] = np.log(total / total_before) if total > 0 and total_before > 0 else 0.0
    index = 100.0 * _np_sum(valuation) / P[VALUATION_BASE]
    sc[SC_INDEX_PEAK] = max(sc[SC_INDEX_PEAK] * (1.0 - P[PEAK_DECAY]), index)


# =============================================================================================
# 8. the leadership
# =============================================================================================


@_inner
def _escalate(XS, P, s, hidden_gap):
    """Severity rises (never falls within a crackdown); L moves toward it (τ_up)."""
    gap = max(XS[X_REVEALED_GAP, s], hidden_gap[s])
    XS[X_REVEALED_GAP, s] = gap
    target = (P[SEVERITY_BASE]
              + P[SEVERITY_ALARM] * (XS[X_PERCEIVED, s] / XS[X_THRESHOLD, s] - 1.0)
              + P[SEVERITY_SURPRISE] * gap + P[CLIMATE_SEVERITY] * XS[X_REACH, s])
    severity = max(XS[X_SEVERITY, s], min(1.0, max(P[SEVERITY_BASE], target)))
    XS[X_SEVERITY, s] = severity
    XS[X_SIGNAL, s] = _relax(XS[X_SIGNAL, s], severity, P[TAU_SIGNAL_CRACKDOWN])


@_inner
def _start(XS, XI, CS, P, s, hidden_gap, sc):
    """Enter CRACKDOWN: severity from scratch; the climate jumps next month."""
    XS[X_SEVERITY, s] = 0.0
    XS[X_REVEALED_GAP, s] = 0.0
    XS[X_BAN_PRESSURE, s] = 0.0
    XI[XI_PHASE, s] = PHASE_CRACKDOWN
    XI[XI_MONTHS, s] = 0
    _escalate(XS, P, s, hidden_gap)
    jump = min(1.0, P[CLIMATE_JUMP] * XS[X_SEVERITY, s] * (1.0 - CS[CS_ALIGNMENT, s]))
    sc[SC_CLIMATE_JUMP] = 1.0 - (1.0 - sc[SC_CLIMATE_JUMP]) * (1.0 - jump)


@_inner
def _leadership(FF, FI, FB, XS, XI, CS, HD, harm_tolerance, P, n, month, crackdown, scandal,
                defiance, listing, tally, ev, sc, rng):
    """Perceived pain, thresholds, campaign triggers and the phase machine (leadership).

    Phase changes are logged after the machine has run over every sector, each followed by a
    ban's removal of the sector's firms (:meth:`RegulatoryModel._leadership`).
    """
    S = XS.shape[1]
    alignment = CS[CS_ALIGNMENT]
    signal, floor = XS[X_SIGNAL], XS[X_FLOOR]
    threshold, onset = XS[X_THRESHOLD], XS[X_ONSET_THRESHOLD]
    perceived, perceived_pain, reach = XS[X_PERCEIVED], XS[X_PERCEIVED_PAIN], XS[X_REACH]
    phase, months = XI[XI_PHASE], XI[XI_MONTHS]
    economy = sc[SC_ECONOMY_PAIN]
    weight = P[SECTOR_PAIN_WEIGHT]
    n_crackdown = 0
    for s in range(S):
        n_crackdown += crackdown[s]
    for s in range(S):
        target = (1.0 - weight) * economy + weight * XS[X_PAIN, s]
        perceived_pain[s] = _relax(perceived_pain[s], target, P[TAU_PAIN])
    for s in range(S):
        elsewhere = (n_crackdown - crackdown[s]) > 0
        spill = 1.0 - P[SPILLOVER] if elsewhere else 1.0
        threshold[s] = P[THETA_ALARM] * (1.0 + P[HONEYMOON] * alignment[s]) * spill
        onset[s] = threshold[s] * (1.0 - P[CLIMATE_THRESHOLD] * reach[s])
    campaign = np.empty(S, dtype=np.bool_)
    for s in range(S):
        campaign[s] = rng.random() < P[CLIMATE_TRIGGER] * reach[s]
    hidden_gap = np.empty(S)
    for s in range(S):
        alarm = XS[X_GRIEVANCE, s] + XS[X_HEAT, s]
        hidden_gap[s] = XS[X_TRANSPARENCY, s] * (alarm - XS[X_MIX, s]) / threshold[s]
    if P[RULES_MODE]:
        # responsive regulation: L → clip(L_min + F + k_A·max(Â/θ − a, 0) − k_P·P̂, L_min, 1)
        for s in range(S):
            target = (P[SIGNAL_MIN] + floor[s]
                      + P[RULES_GAIN_ALARM] * max(perceived[s] / threshold[s] - P[RULES_ONSET],
                                                  0.0)
                      - P[RULES_GAIN_PAIN] * perceived_pain[s])
            target = min(max(target, P[SIGNAL_MIN]), 1.0)
            if phase[s] != PHASE_BANNED:
                signal[s] = _relax(signal[s], target, P[TAU_SIGNAL_RULES])
        return
    for s in range(S):
        months[s] += 1
    pain_borne = XS[X_PAIN_BORNE]
    for s in range(S):
        total = _np_sum(HD[s])
        mixed = 0.0
        for d in range(HD.shape[1]):
            mixed += (HD[s, d] / total if total > 0 else 0.0) * harm_tolerance[d]
        pain_borne[s] = (P[THETA_PAIN] * max(perceived[s] / threshold[s], 0.0)
                         ** P[PAIN_EXPONENT] * (1.0 + mixed))
    changed_sector = np.empty(S, dtype=np.int64)
    changed_phase = np.empty(S, dtype=np.int64)
    changed_cause = np.empty(S, dtype=np.int64)
    changes = 0
    for s in range(S):
        old = phase[s]
        ratio = perceived[s] / threshold[s]
        new, why = old, CA_NONE
        if old == PHASE_LOOSE:
            signal[s] = _relax(signal[s], P[SIGNAL_MIN] + floor[s], P[TAU_SIGNAL_LOOSE])
            floor[s] = max(0.0, floor[s] - P[FLOOR_EROSION])
            above = perceived[s] > onset[s]
            own = scandal[s] or defiance[s] or listing[s]
            if above and (own or campaign[s]):
                if defiance[s]:
                    why = CA_DEFIANCE
                elif listing[s]:
                    why = CA_LISTING
                elif scandal[s]:
                    why = CA_SCANDAL
                else:
                    why = CA_CAMPAIGN
                new = PHASE_CRACKDOWN
                _start(XS, XI, CS, P, s, hidden_gap, sc)
            elif ratio > P[HARD_ALARM_MULTIPLE]:
                new, why = PHASE_CRACKDOWN, CA_HARD
                _start(XS, XI, CS, P, s, hidden_gap, sc)
        elif old == PHASE_CRACKDOWN:
            _escalate(XS, P, s, hidden_gap)
            XS[X_BAN_PRESSURE, s] += max(ratio - P[BAN_ALARM_BASE], 0.0)
            if (CS[CS_CAN_BAN, s] and months[s] >= P[BAN_MIN_MONTHS]
                    and XS[X_BAN_PRESSURE, s] >= P[BAN_PRESSURE]):
                new, why = PHASE_BANNED, CA_BAN
            elif (months[s] >= P[MIN_CRACKDOWN_MONTHS]
                    and perceived_pain[s] > pain_borne[s]):
                gap = min(1.0, max(XS[X_REVEALED_GAP, s], 0.0))
                floor[s] += P[FLOOR_RATCHET] * gap * (signal[s] - floor[s])
                new, why = PHASE_COMPROMISE, CA_PAIN
            if new != old:
                phase[s] = new
                months[s] = 0
        elif old == PHASE_BANNED:
            # the for-profit sector is gone: the campaign against it is over
            signal[s] = _relax(signal[s], P[SIGNAL_MIN] + floor[s], P[TAU_SIGNAL_COMPROMISE])
        elif old == PHASE_COMPROMISE:
            signal[s] = _relax(signal[s], floor[s] + P[COMPROMISE_MARGIN],
                               P[TAU_SIGNAL_COMPROMISE])
            if ratio > P[HARD_ALARM_MULTIPLE]:
                new, why = PHASE_CRACKDOWN, CA_HARD
                _start(XS, XI, CS, P, s, hidden_gap, sc)
            elif (months[s] >= P[MIN_COMPROMISE_MONTHS]
                    and perceived_pain[s] < P[PAIN_RELEASE] * P[THETA_PAIN]):
                new, why = PHASE_LOOSE, CA_RELIEF
                phase[s] = new
                months[s] = 0
        if new != old:
            changed_sector[changes] = s
            changed_phase[changes] = new
            changed_cause[changes] = why
            changes += 1
    for c in range(changes):
        s, new = changed_sector[c], changed_phase[c]
        _log(ev, sc, month, EV_PHASE_CHANGE, s, -1, np.nan, -1, float(new), 0.0,
             D_PHASE0 + new, changed_cause[c])
        if new == PHASE_BANNED:
            members = _members(FI, FB, n, s)
            _log(ev, sc, month, EV_SECTOR_BAN, s, -1, np.nan, -1,
                 float(members.shape[0]), 0.0, D_NONE, CA_NONE)
            for i in members:
                _log_firm(ev, sc, month, EV_EXIT, FF, FI, i, -1, np.nan, 0.0, D_BAN)
            for i in members:
                _remove(FF, FB, sc, i, False)
            tally[T_EXITS] += members.shape[0]


# =============================================================================================
# 9. recording
# =============================================================================================


@_inner
def _collect(FF, FI, FB, XS, XI, PV, HD, P, n, month, foreign, cases, fines, scandals, tally,
             agg, quant, sc):
    """One row of the series (:func:`sim.model.collection.collect`)."""
    S = XS.shape[1]
    revenue_f, alive, sector = FF[F_REVENUE], FB[FB_ALIVE], FI[FI_SECTOR]
    faced_f, belief_f = FF[F_ENFORCEMENT_FACED], FF[F_BELIEF]
    aggressiveness_f, protection_f, violation_f = (FF[F_AGGRESSIVENESS], FF[F_PROTECTION],
                                                   FF[F_VIOLATION])
    # every firm sum in one pass, each in slot order as the reference's bincounts
    revenue, n_firms, violation = np.zeros(S), np.zeros(S), np.zeros(S)
    faced, expected, aggressiveness, protection = np.zeros(S), np.zeros(S), np.zeros(S), np.zeros(S)
    protected = np.empty(n)
    live = 0
    for i in range(n):
        s, a, r = sector[i], alive[i], revenue_f[i]
        revenue[s] += r * a
        n_firms[s] += 1.0 * a
        violation[s] += violation_f[i] * a
        faced[s] += faced_f[i] * r * a
        expected[s] += belief_f[i] * r * a
        aggressiveness[s] += aggressiveness_f[i] * r * a
        protection[s] += protection_f[i] * r * a
        protected[i] = protection_f[i] * r * a
        live += a
    for s in range(S):  # revenue-weighted means (sectors.revenue_weighted), 0 without revenue
        rev = revenue[s]
        faced[s] = faced[s] / rev if rev > 0 else 0.0
        expected[s] = expected[s] / rev if rev > 0 else 0.0
        aggressiveness[s] = aggressiveness[s] / rev if rev > 0 else 0.0
        protection[s] = protection[s] / rev if rev > 0 else 0.0
    total_rev = _np_sum(revenue)
    q = quant[month]
    for s in range(S):  # the rows of QUANTITY_ORDER
        q[0, s] = XI[XI_PHASE, s]
        q[1, s] = XS[X_SIGNAL, s]
        q[2, s] = XS[X_FLOOR, s]
        q[3, s] = XS[X_ONSET_THRESHOLD, s]
        q[4, s] = XS[X_ENFORCEMENT, s]
        q[5, s] = XS[X_CONTENT, s]
        q[6, s] = faced[s]
        q[7, s] = expected[s]
        q[8, s] = XS[X_GRIEVANCE, s] + XS[X_HEAT, s]
        q[9, s] = XS[X_PERCEIVED, s]
        q[10, s] = XS[X_GRIEVANCE, s]
        q[11, s] = XS[X_HEAT, s]
        q[12, s] = XS[X_REPORT_PUBLIC, s]
        q[13, s] = XS[X_REPORT_AGENCY, s]
        q[14, s] = XS[X_REPORT_LOCAL, s]
        q[15, s] = XS[X_TRANSPARENCY, s]
        q[16, s] = XS[X_REVEALED_GAP, s]
        q[17, s] = _np_sum(HD[s])
        for d in range(HD.shape[1]):
            q[Q_HARM_FIRST + d, s] = HD[s, d]
        q[23, s] = XS[X_HHI, s]
        q[24, s] = revenue[s]
        q[25, s] = 100.0 * XS[X_VALUATION, s] / P[VALUATION_BASE]
        q[26, s] = XS[X_DRAWDOWN, s]
        q[27, s] = XS[X_SHORTFALL, s]
        q[28, s] = XS[X_JOBS, s]
        q[29, s] = XS[X_PAIN, s]
        q[30, s] = XS[X_PAIN_BORNE, s]
        q[31, s] = XS[X_PERCEIVED_PAIN, s]
        q[32, s] = n_firms[s]
        q[33, s] = aggressiveness[s]
        q[34, s] = violation[s]
        q[35, s] = protection[s]
        q[36, s] = XS[X_PLEDGED_SHARE, s]
        q[37, s] = cases[s]
        q[38, s] = fines[s]
        q[39, s] = scandals[s]
    global_phase = PHASE_BANNED
    for s in range(S):
        if XI[XI_PHASE, s] != PHASE_BANNED:
            global_phase = max(global_phase, XI[XI_PHASE, s])
    index = 100.0 * _np_sum(XS[X_VALUATION]) / P[VALUATION_BASE]
    peak = sc[SC_INDEX_PEAK]
    a = agg[month]
    a[A_MONTH] = month
    a[A_PHASE] = global_phase
    a[A_VALUATION_INDEX] = index
    a[A_PAIN] = sc[SC_ECONOMY_PAIN]
    weighted_pain = np.empty(S)
    for s in range(S):
        weighted_pain[s] = XS[X_PERCEIVED_PAIN, s] * revenue[s]
    a[A_PERCEIVED_PAIN] = (_np_sum(weighted_pain) / total_rev
                           if total_rev > 0 else 0.0)
    a[A_DRAWDOWN] = 1.0 - index / peak if peak > 0 else 0.0
    a[A_TECH_REVENUE] = total_rev
    a[A_REVENUE_GROWTH] = sc[SC_GROWTH]
    a[A_N_FIRMS] = live
    a[A_ENTRIES] = tally[T_ENTRIES]
    a[A_EXITS] = tally[T_EXITS]
    a[A_ACQUISITIONS] = tally[T_ACQUISITIONS]
    a[A_BLOCKED] = tally[T_BLOCKED]
    a[A_CASES] = _np_sum(cases)
    a[A_FINES] = _np_sum(fines)
    a[A_SCANDALS] = _np_sum(scandals)
    a[A_MAX_SCANDAL] = tally[T_MAX_SCANDAL]
    a[A_DEFIANCE] = tally[T_DEFIANCE]
    a[A_LISTINGS] = tally[T_LISTINGS]
    a[A_PLEDGES] = tally[T_PLEDGES]
    a[A_PROTECTION] = _np_sum(protected) / total_rev if total_rev > 0 else 0.0
    a[A_DEPENDENCE] = _np_sum(PV[PV_DEPENDENCE]) / PV.shape[1]
    a[A_FOREIGN] = foreign
    a[A_MACRO] = sc[SC_MACRO_NOW]
    a[A_CLIMATE] = sc[SC_CLIMATE]


# =============================================================================================
# the month, and a run of months
# =============================================================================================


@_inner
def _month(FF, FI, FB, XS, XI, PV, HD, CS, profile, mandate, harm_tolerance, channels,
           exogenous, SE, P, month, agg, quant, ev, sc, rng):
    """One month in the order of MODEL.md §3 (:meth:`RegulatoryModel.step`).

    Returns the event buffer (a larger copy when the month needed room).
    """
    S = XS.shape[1]
    n = int(sc[SC_N])
    foreign, macro = exogenous[0, month], exogenous[1, month]
    cases = np.zeros(S)
    fines = np.zeros(S)
    scandals = np.zeros(S)
    tally = np.zeros(len(TALLIES))
    # room for every event the month can log but the cases and scandals it draws: per firm
    # slot at most 4 (exit, entry, listing, ban exit); per sector the pledges, 5 acquisitions
    # with their exits (10), a revelation, a phase change and a ban (13 + pledges); per
    # scheduled event 2 (its row and its act); one defiance, and spare
    pledgers = max(int(P[PLEDGE_TOP]), 0)
    ev = _room(ev, sc, 4 * n + (13 + pledgers) * S + 2 * SE.shape[1] + 8)
    for e in range(SE.shape[1]):
        if SE[SE_MONTH, e] == month:
            _log(ev, sc, month, EV_SCHEDULED, SE[SE_SECTOR, e], -1, np.nan, -1,
                 SE[SE_MAGNITUDE, e], 0.0, D_SCHEDULED0 + SE[SE_KIND, e], CA_NONE)
    crackdown = np.empty(S, dtype=np.bool_)
    banned = np.empty(S, dtype=np.bool_)
    frozen = np.empty(S, dtype=np.bool_)
    for s in range(S):
        crackdown[s] = XI[XI_PHASE, s] == PHASE_CRACKDOWN
        banned[s] = XI[XI_PHASE, s] == PHASE_BANNED
        frozen[s] = CS[CS_GATED, s] > 0 and crackdown[s]
    # the campaign climate decays and absorbs last month's onsets (Leadership.update_climate)
    decayed = sc[SC_CLIMATE] * np.exp(-1.0 / P[CLIMATE_DECAY])
    sc[SC_CLIMATE] = min(1.0, decayed + (1.0 - decayed) * sc[SC_CLIMATE_JUMP])
    sc[SC_CLIMATE_JUMP] = 0.0
    for s in range(S):
        XS[X_REACH, s] = sc[SC_CLIMATE] * (1.0 - CS[CS_ALIGNMENT, s])
    # 1–3. local governments; agencies set enforcement; agencies select and sanction
    _local_governments(FF, FI, FB, XS, PV, P, n)
    _agencies_set_enforcement(FF, FI, FB, XS, P, n, crackdown)
    drawn = _draw_cases(XS, P, rng)
    ev = _room(ev, sc, 2 * _count(drawn))
    grouped, start = _group_by_sector(FI, FB, n, S)  # no firm enters or dies until the exits
    _campaign_enforcement(FF, FI, FB, XS, CS, P, grouped, start, month, drawn, cases, fines, ev,
                          sc, rng)
    # 4. firms
    _learn_and_choose(FF, FB, P, n)
    _pledges(FF, FI, FB, XS, XI, P, n, grouped, start, month, crackdown, tally, ev, sc)
    _grow(FF, FI, FB, XS, CS, P, n, frozen, rng)
    _acquisitions(FF, FI, FB, XS, P, grouped, start, month, banned, tally, ev, sc, rng)
    _exits(FF, FI, FB, P, n, month, tally, ev, sc)
    n = _entries(FF, FI, FB, XS, PV, P, n, month, banned, tally, ev, sc, rng)
    sc[SC_N] = n
    _herfindahl(FF, FI, FB, XS, n)
    _harm(FF, FI, FB, XS, CS, profile, HD, P, n, frozen)  # and the blacklists count down
    scandal = np.zeros(S, dtype=np.bool_)
    defiance = np.zeros(S, dtype=np.bool_)
    listing = np.zeros(S, dtype=np.bool_)
    revealed = np.zeros(S, dtype=np.bool_)
    cause = np.zeros(S, dtype=np.int64)
    _rare_events(FF, FI, FB, XS, CS, SE, P, n, month, foreign, defiance, listing, revealed,
                 cause, tally, ev, sc, rng)
    # 5–7. public; information; markets
    counts = _draw_scandals(XS, CS, HD, P, month, banned, rng)
    ev = _room(ev, sc, _count(counts))
    _public(XS, CS, SE, P, month, counts, scandal, revealed, cause, scandals, tally, ev, sc,
            rng)
    _information(FF, FI, FB, XS, CS, PV, HD, mandate, channels, P, n, month, revealed, cause,
                 ev, sc)
    _markets(FF, FI, FB, XS, SE, P, n, month, macro, crackdown, banned, sc)
    # 8. leadership
    _leadership(FF, FI, FB, XS, XI, CS, HD, harm_tolerance, P, n, month, crackdown, scandal,
                defiance, listing, tally, ev, sc, rng)
    # 9. recording
    _collect(FF, FI, FB, XS, XI, PV, HD, P, n, month, foreign, cases, fines, scandals, tally,
             agg, quant, sc)
    return ev


@njit(cache=True)  # the entry point, the one function Python calls
def run_months(FF, FI, FB, XS, XI, PV, HD, CS, profile, mandate, harm_tolerance, channels,
               exogenous, SE, P, first, last, agg, quant, ev, sc, rng):
    """Run months ``first`` … ``last − 1``; returns (status, months done, event buffer).

    The arguments (all changed in place but the constants): ``FF``, ``FI``, ``FB`` the
    firms' float, integer and boolean rows (:data:`FIRM_FLOATS`, …); ``XS``, ``XI`` the
    sectors' float and integer state rows (:data:`SECTOR_STATE`, …); ``PV`` the provinces'
    rows (:data:`PROVINCE_STATE`); ``HD`` harm by (sector, dimension); ``CS`` the sectors'
    constant rows (:data:`SECTOR_CONSTANTS`); ``profile`` and ``mandate`` (sectors ×
    dimensions); ``harm_tolerance`` κ_k; ``channels`` the channels' weights and delays (2 ×
    3); ``exogenous`` the foreign climate and the macro shock by month (2 × months); ``SE``
    the scheduled events (:data:`SCHEDULED_FIELDS` × events); ``P`` the parameter vector
    (:data:`PARAMETERS`); ``agg`` and ``quant`` the series (months × aggregates; months ×
    quantities × sectors); ``ev`` the event buffer (a larger copy is returned when it
    grows); ``sc`` the state's scalars (:data:`SCALARS`); ``rng`` the
    model's generator.

    Stops early with ``NEED_CAPACITY`` when the firm arrays might not hold a month's entrants
    (at most one per live or vacant place): the caller grows them and calls again.
    """
    capacity = FF.shape[1]
    for month in range(first, last):
        if 2 * int(sc[SC_N]) > capacity:
            return NEED_CAPACITY, month - first, ev
        ev = _month(FF, FI, FB, XS, XI, PV, HD, CS, profile, mandate, harm_tolerance, channels,
                    exogenous, SE, P, month, agg, quant, ev, sc, rng)
    return DONE, last - first, ev
