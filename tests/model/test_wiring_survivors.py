"""The month's wiring seen from outside: event-log fields, the month's counters, scheduled events.

A mutation-testing pass over the model's wiring (the month of ``sim/model/model.py`` and the
modules it calls: turnover, rare events, exogenous inputs, collection) left behaviours no fast
test pinned. Each test below runs a small model for a few months through the public API
(``RegulatoryModel``, ``step``/``run``, ``events()``, ``series()``) with parameters chosen so the
behaviour shows, and checks it. Parameters are the small defaults unless a test says otherwise.
"""

import dataclasses
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from small import small_params

from sim.model import RegulatoryModel
from sim.model.exogenous import MACRO_PULSE_MONTHS
from sim.model.params import ExogenousParams, Params, ScheduledEvent
from sim.model.states import HARM_DIMENSIONS, Phase

SECTORS = Params().sector_names

QUIET = {"public.scandal_rate": 0.0, "firms.defiance_rate": 0.0, "firms.listing_rate": 0.0}
"""No random scandals, defiance or listings: only scheduled ones happen."""

CRACKDOWN_AT_ONCE = {"leadership.theta_alarm": 0.05}
"""Alarm far above every threshold: each sector cracks down in month 0 (cause ``hard``)."""

BAN_EVERYTHING = {
    **{f"sectors.{s}.ban_possible": True for s in SECTORS},
    "leadership.ban_max_alignment": 1.0, "sectors.ai.initial_alarm": 0.45,
    "leadership.ban_pressure": 0.0, "leadership.ban_min_months": 0,
    **CRACKDOWN_AT_ONCE,
}
"""Every sector may be banned and is, the month after its crackdown starts (month 1)."""


def _with_events(params: Params, *events: ScheduledEvent) -> Params:
    return dataclasses.replace(params, exogenous=ExogenousParams(events=events))


def _kind(events: pd.DataFrame, kind: str) -> pd.DataFrame:
    return events[events.kind == kind]


def _uids(model: RegulatoryModel) -> set[int]:
    """Every firm id the model ever gave (slots are never reused by another firm's id)."""
    return {int(u) for u in model.firms.uid[:model.firms.n]}


# ============================================================================ sanctions


def test_sanction_and_delisting_rows_name_the_firm_its_revenue_and_the_lead_agency():
    """In a crackdown with every firm listed abroad, each sanction row carries the sanctioned
    firm's id and (finite, positive) revenue and the sector's lead agency; each listing
    suspension (a campaign sanction of a listed firm, L > ½) names the firm and the agency too,
    and the firm is no longer listed."""
    m = RegulatoryModel(small_params(CRACKDOWN_AT_ONCE, months=4), rng=0)
    m.firms.listed_abroad[:m.firms.n] = True
    m.run()
    ev = m.events()
    lead = {s.name: s.lead_agency for s in m.p.sectors}
    uids = _uids(m)
    for kind in ("sanction", "listing_suspension"):
        rows = _kind(ev, kind)
        assert len(rows) > 0, kind
        assert set(rows.firm_id.tolist()) <= uids
        assert np.isfinite(rows.firm_revenue).all() and (rows.firm_revenue > 0).all()
        assert rows.agency.astype(str).tolist() == [lead[s] for s in rows.sector.astype(str)]
    suspended = _kind(ev, "listing_suspension").firm_id.tolist()
    slot_of = {int(u): k for k, u in enumerate(m.firms.uid[:m.firms.n])}
    assert not m.firms.listed_abroad[[slot_of[u] for u in suspended]].any()


def test_a_signal_of_exactly_one_half_is_not_a_campaign_and_delists_nobody():
    """Delisting needs L > ½ strictly: with L_min = ½ and no floor the signal stays exactly ½
    in LOOSE; firms listed abroad are sanctioned but none is made to delist."""
    p = small_params({"leadership.signal_min": 0.5, "leadership.floor_start": 0.0,
                      "leadership.theta_alarm": 5.0}, months=4)
    m = RegulatoryModel(p, rng=0)
    m.firms.listed_abroad[:m.firms.n] = True
    m.run()
    assert (m.leadership.signal == 0.5).all()
    ev = m.events()
    assert len(_kind(ev, "sanction")) > 0
    assert len(_kind(ev, "listing_suspension")) == 0
    assert m.firms.listed_abroad[m.firms.live].all()


# ============================================================================ turnover


def _acquisitive(**over) -> RegulatoryModel:
    p = small_params({"firms.acquisition_rate": 1.0, "firms.entry_rate": 1.0, **over}, months=6)
    return RegulatoryModel(p, rng=0).run()


def test_acquisitions_name_the_buyer_and_remove_the_target_as_acquired():
    """Each acquisition row names the buying firm (a known id, its revenue) with the target's
    revenue as magnitude; each is matched by one exit of detail ``acquired`` in its month and
    sector; the month's ``acquisitions`` count equals its acquisition rows."""
    m = _acquisitive()
    ev = m.events()
    acq = _kind(ev, "acquisition")
    assert len(acq) >= 3
    assert set(acq.firm_id.tolist()) <= _uids(m)
    assert np.isfinite(acq.firm_revenue).all() and (acq.magnitude > 0).all()
    acquired = _kind(ev, "exit")
    acquired = acquired[acquired.detail.astype(str) == "acquired"]
    key = ["month", "sector"]
    assert (acq.groupby(key, observed=True).size().to_dict()
            == acquired.groupby(key, observed=True).size().to_dict())
    per_month = acq.groupby("month").size().reindex(range(6), fill_value=0)
    assert m.series().acquisitions.tolist() == per_month.tolist()


def test_a_blocked_deal_does_not_stop_the_next_buyer():
    """Merger review blocks deals one by one: in a one-sector economy in crackdown (E near 1)
    a month sees more than one blocked deal (each buyer that tries is reviewed)."""
    p = small_params({"firms.acquisition_rate": 1.0, **CRACKDOWN_AT_ONCE}, months=8)
    p = dataclasses.replace(p, sectors=(dataclasses.replace(p.sectors[0], revenue_share=1.0),))
    s = RegulatoryModel(p, rng=0).run().series()
    assert s.acquisitions_blocked.max() >= 2


def test_entries_name_the_entrant_and_its_sector_and_are_counted():
    """Each entry row names the entrant (a known id, in the row's sector) and its sector; the
    month's ``entries`` count equals its entry rows."""
    m = _acquisitive()
    ev = m.events()
    entry = _kind(ev, "entry")
    assert len(entry) >= 3
    slot_of = {int(u): k for k, u in enumerate(m.firms.uid[:m.firms.n])}
    assert set(entry.firm_id.tolist()) <= set(slot_of)
    sector_of = [SECTORS[m.firms.sector[slot_of[u]]] for u in entry.firm_id]
    assert entry.sector.astype(str).tolist() == sector_of
    per_month = entry.groupby("month").size().reindex(range(6), fill_value=0)
    assert m.series().entries.tolist() == per_month.tolist()


def test_the_exit_floor_grows_with_the_economy():
    """The exit floor is R_exit·q_5%·e^{g_Y·t}: at g_Y = 0.05 it is e^0.5 ≈ 1.65 times its
    start in month 10, so a firm set to 1.2 times the starting floor leaves that month (detail
    ``revenue``)."""
    p = small_params({"public.tolerance_growth": 0.05}, months=12)
    m = RegulatoryModel(p, rng=0)
    m.run(10)
    slot = int(m.firms.live[0])
    m.firms.revenue[slot] = 1.2 * m.exit_floor
    uid = int(m.firms.uid[slot])
    m.step()
    ev = m.events()
    gone = ev[(ev.kind == "exit") & (ev.firm_id == uid)]
    assert gone.month.tolist() == [10]
    assert gone.detail.astype(str).tolist() == ["revenue"]


# ============================================================================ bans


def _banned_economy() -> RegulatoryModel:
    p = small_params({**BAN_EVERYTHING, "markets.peak_decay": 0.5}, months=12)
    return RegulatoryModel(p, rng=0)


def test_a_dead_economy_steps_without_warnings():
    """Once every firm is gone, the month still raises no warning: no 0/0 (no largest firm's
    share of a zero total is taken for defiance) and no division that leaves sectors without
    revenue or harm to uninitialised memory (numpy warns of ``where`` without ``out``)."""
    m = _banned_economy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m.run()
    assert m.series().n_firms.iloc[-1] == 0


@pytest.fixture(scope="module")
def banned_economy() -> RegulatoryModel:
    """Every sector banned in month 1; the index's peak decays by half a month after."""
    return _banned_economy().run()


def test_a_ban_is_logged_for_its_sector_and_removes_the_sectors_firms(banned_economy):
    """A ban row names its sector, with the number of firms removed as magnitude; each of
    those firms exits with detail ``ban``; the sector has no firms afterwards."""
    m = banned_economy
    ev = m.events()
    bans = _kind(ev, "sector_ban")
    assert sorted(bans.sector.astype(str)) == sorted(SECTORS)
    assert (bans.month == 1).all()
    exits = _kind(ev, "exit")
    by_ban = exits[exits.detail.astype(str) == "ban"].groupby("sector", observed=True).size()
    assert {str(k): float(v) for k, v in by_ban.items()} == dict(
        zip(bans.sector.astype(str), bans.magnitude, strict=True))
    assert set(exits.detail.astype(str)) <= {"ban", "revenue", "acquired"}
    s = m.series()
    assert (s[[f"n_firms.{x}" for x in SECTORS]].iloc[1:] == 0).all().all()
    assert (s.n_firms.iloc[1:] == 0).all()


def test_phase_change_rows_carry_the_new_phase_as_magnitude(banned_economy):
    """A phase-change row's magnitude is the new phase's integer code, its detail the name."""
    pc = _kind(banned_economy.events(), "phase_change")
    assert len(pc) == 2 * len(SECTORS)
    assert pc.magnitude.tolist() == [float(Phase[d]) for d in pc.detail.astype(str)]


def test_a_dead_economy_has_zero_weighted_means_and_a_full_drawdown(banned_economy):
    """With no firms left: revenue-weighted sector means are 0, the index is 0 and its
    drawdown is 1 even once the decaying peak falls below 1 (100·½^t, month 8 on)."""
    s = banned_economy.series()
    later = s.iloc[2:]
    for q in ("aggressiveness", "protection", "enforcement_faced", "expected_enforcement"):
        assert (later[[f"{q}.{x}" for x in SECTORS]] == 0.0).all().all(), q
    assert (later.valuation_index == 0.0).all()
    assert (later.drawdown == 1.0).all()


def test_the_pain_borne_of_a_banned_sector_has_no_harm_mix_term():
    """Pain borne is θ_P·(Â/θ_s)^γ·(1 + Σ_k κ_k·share_k); a banned sector has no harm, so no
    harm mix: from the month after edtech's ban (month 1) its pain borne is θ_P·(Â/θ_s)^γ
    exactly, while the other sectors still have harm. (No climate lowering onset thresholds,
    so the recorded threshold is θ_s.)"""
    p = small_params({**CRACKDOWN_AT_ONCE, "leadership.ban_pressure": 0.0,
                      "leadership.ban_min_months": 0, "leadership.climate_threshold": 0.0},
                     months=5)
    m = RegulatoryModel(p, rng=0).run()
    s = m.series()
    assert _kind(m.events(), "sector_ban").sector.astype(str).tolist() == ["edtech"]
    later = s.iloc[2:]
    assert (later["harm.edtech"] == 0).all() and (later["harm.platform"] > 0).all()
    lp = p.leadership
    expected = lp.theta_pain * (later["perceived_alarm.edtech"]
                                / later["threshold.edtech"]) ** lp.pain_exponent
    np.testing.assert_allclose(later["pain_bound.edtech"], expected, rtol=1e-12)


# ============================================================================ scheduled events


def _scheduled(*events: ScheduledEvent, months: int = 6, **over) -> RegulatoryModel:
    p = _with_events(small_params({**QUIET, **over}, months=months), *events)
    return RegulatoryModel(p, rng=0).run()


def test_a_scheduled_scandal_happens_in_its_month_and_sector_only():
    """A scheduled scandal is a scandal row of its magnitude in its month and sector, counted
    in that month's series; other scheduled kinds make no scandal."""
    m = _scheduled(ScheduledEvent(1, "scandal", "fintech", 2.5),
                   ScheduledEvent(2, "macro_shock", "", 0.3),
                   ScheduledEvent(3, "defiance", "gaming"))
    ev = m.events()
    sc = _kind(ev, "scandal")
    assert sc[["month", "magnitude"]].values.tolist() == [[1, 2.5]]
    assert sc.sector.astype(str).tolist() == ["fintech"]
    s = m.series()
    assert s.scandals.tolist() == [0, 1, 0, 0, 0, 0]
    assert s["scandals.fintech"].tolist() == [0, 1, 0, 0, 0, 0]


def test_a_scheduled_macro_shock_adds_to_pain_then_fades_by_exp_minus_one_sixth():
    """The macro pulse: the shock's magnitude in its month, × e^{−1/6} each month after; a
    scheduled scandal adds nothing to it; the scheduled row of a macro shock has no sector."""
    m = _scheduled(ScheduledEvent(1, "scandal", "fintech", 2.5),
                   ScheduledEvent(2, "macro_shock", "", 0.3))
    decay = math.exp(-1.0 / MACRO_PULSE_MONTHS)
    expected = [0.0, 0.0, 0.3, 0.3 * decay, 0.3 * decay ** 2, 0.3 * decay ** 3]
    np.testing.assert_allclose(m.series().macro_shock, expected, rtol=1e-12, atol=0)
    rows = _kind(m.events(), "scheduled")
    assert rows.detail.astype(str).tolist() == ["scandal", "macro_shock"]
    assert rows.sector.astype(str).tolist() == ["fintech", ""]


def test_defiance_and_listings_are_counted_one_each():
    """Two scheduled acts of defiance in one month count 2, one foreign listing counts 1, and
    a month without any counts 0 (no random ones: their rates are 0)."""
    m = _scheduled(ScheduledEvent(2, "defiance", "platform"),
                   ScheduledEvent(2, "defiance", "gaming"),
                   ScheduledEvent(4, "foreign_listing", "fintech"))
    s = m.series()
    assert s.defiance_events.tolist() == [0, 0, 2, 0, 0, 0]
    assert s.listing_events.tolist() == [0, 0, 0, 0, 1, 0]
    ev = m.events()
    assert _kind(ev, "defiance").month.tolist() == [2, 2]
    assert _kind(ev, "foreign_listing").month.tolist() == [4]


@pytest.mark.parametrize(("magnitude", "onset"), [(1.0, False), (1.0001, True)])
def test_a_scandal_triggers_an_onset_only_above_the_trigger_magnitude(magnitude, onset):
    """With edtech's perceived alarm between its onset threshold and h·θ (θ = 0.25), a
    scheduled scandal of exactly m_trig = 1 triggers nothing; one just above starts a
    crackdown in its month, cause ``scandal``."""
    m = _scheduled(ScheduledEvent(1, "scandal", "edtech", magnitude), months=2,
                   **{"leadership.theta_alarm": 0.25, "leadership.trigger_magnitude": 1.0})
    pc = _kind(m.events(), "phase_change")
    got = [[int(mo), str(s), str(c)] for mo, s, c in zip(pc.month, pc.sector, pc.cause,
                                                         strict=True)]
    assert got == ([[1, "edtech", "scandal"]] if onset else [])


# ============================================================================ recording


def test_sector_harm_is_the_sum_over_its_dimensions():
    """The ``harm`` of a sector is the sum of its ``harm_<dimension>`` columns, sector by
    sector (not the economy's total)."""
    s = RegulatoryModel(small_params(months=3), rng=0).run().series()
    for x in SECTORS:
        parts = s[[f"harm_{d}.{x}" for d in HARM_DIMENSIONS]].sum(axis=1)
        np.testing.assert_allclose(s[f"harm.{x}"], parts, rtol=1e-12)
    assert s[[f"harm.{x}" for x in SECTORS]].nunique(axis=1).gt(1).all()


def test_stepping_past_the_horizon_holds_the_exogenous_series_at_their_last_value():
    """A model stepped past ``run.months`` (3) keeps going (the horizon doubles as needed):
    the foreign climate and macro series continue at their last breakpoint's value."""
    p = small_params(months=3)
    p = dataclasses.replace(p, exogenous=ExogenousParams(
        foreign_climate=((0, 0.1), (2, 0.7)), macro_shock=((1, 0.2),)))
    m = RegulatoryModel(p, rng=0)
    for _ in range(9):
        m.step()
    s = m.series()
    assert s.month.tolist() == list(range(9))
    assert s.foreign_climate.tolist() == [0.1, 0.1] + [0.7] * 7
    assert s.macro_shock.tolist() == [0.0] + [0.2] * 8


# ============================================================================ second pass


@pytest.mark.parametrize(("kind", "cause"), [("defiance", "defiance"),
                                             ("foreign_listing", "listing")])
def test_defiance_and_a_foreign_listing_are_triggers_for_their_sector(kind, cause):
    """With edtech's perceived alarm between its onset threshold and h·θ (θ = 0.25), a
    scheduled act of defiance (or foreign listing) in edtech sets its sector's trigger: a
    crackdown starts in that month, its cause named after the act."""
    m = _scheduled(ScheduledEvent(1, kind, "edtech"), months=2,
                   **{"leadership.theta_alarm": 0.25})
    pc = _kind(m.events(), "phase_change")
    got = [[int(mo), str(s), str(c)] for mo, s, c in zip(pc.month, pc.sector, pc.cause,
                                                         strict=True)]
    assert got == [[1, "edtech", cause]]


def test_defiance_and_listing_rows_name_the_firm_and_no_agency():
    """A defiance or foreign-listing row names the acting firm (its id, in the row's sector,
    and its revenue); rows of no agency (defiance, listing, scandal, scheduled) have agency
    ``""``."""
    m = _scheduled(ScheduledEvent(2, "defiance", "platform"),
                   ScheduledEvent(3, "foreign_listing", "fintech"),
                   ScheduledEvent(3, "scandal", "gaming", 1.5))
    ev = m.events()
    slot_of = {int(u): k for k, u in enumerate(m.firms.uid[:m.firms.n])}
    for kind, sector in (("defiance", "platform"), ("foreign_listing", "fintech")):
        rows = _kind(ev, kind)
        assert rows.sector.astype(str).tolist() == [sector], kind
        uid = int(rows.firm_id.iloc[0])
        assert uid in slot_of, kind
        assert SECTORS[m.firms.sector[slot_of[uid]]] == sector
        assert np.isfinite(rows.firm_revenue).all() and (rows.firm_revenue > 0).all()
    assert m.firms.listed_abroad[slot_of[int(_kind(ev, "foreign_listing").firm_id.iloc[0])]]
    for kind in ("defiance", "foreign_listing", "scandal", "scheduled", "revelation"):
        rows = _kind(ev, kind)
        assert len(rows) > 0, kind
        assert (rows.agency.astype(str) == "").all(), kind


def test_a_revelation_row_carries_the_hidden_gap_in_thresholds():
    """Defiance reveals its sector's hidden harm: the month's revelation row (cause
    ``defiance``) has magnitude (A − B)/θ_s, true alarm less the channels' mix over the
    sector's threshold (read after the month: no crackdown, so θ_s has not moved)."""
    m = _scheduled(ScheduledEvent(2, "defiance", "platform"), months=3)
    rev = _kind(m.events(), "revelation")
    assert rev[["month"]].values.ravel().tolist() == [2]
    assert rev.cause.astype(str).tolist() == ["defiance"]
    s = SECTORS.index("platform")
    gap = (m.public.alarm[s] - m.channels.mix[s]) / m.leadership.threshold[s]
    assert math.isfinite(rev.magnitude.iloc[0])
    assert rev.magnitude.iloc[0] == pytest.approx(gap, rel=1e-12)


def test_sanction_rows_carry_the_fine_rate_and_the_fines_add_up():
    """Each sanction row's magnitude is its fine rate (in (0, 1]) and its fine is
    rate·12·revenue before the fine (revenue after / (1 − rate)); the month's ``fines`` of a
    sector, and ``fines_total``, are the sums of its rows' fines."""
    m = RegulatoryModel(small_params(CRACKDOWN_AT_ONCE, months=4), rng=0).run()
    sanctions = _kind(m.events(), "sanction")
    assert len(sanctions) > 0
    rate = sanctions.magnitude
    assert ((rate > 0) & (rate <= 1)).all()
    np.testing.assert_allclose(sanctions.fine, rate * 12 * sanctions.firm_revenue / (1 - rate),
                               rtol=1e-9)
    s = m.series()
    per_month = sanctions.groupby("month").fine.sum().reindex(range(4), fill_value=0.0)
    np.testing.assert_allclose(s.fines_total, per_month, rtol=1e-12)
    assert (s.fines_total > 0).any()
    for x in SECTORS:
        rows = sanctions[sanctions.sector.astype(str) == x]
        mine = rows.groupby("month").fine.sum().reindex(range(4), fill_value=0.0)
        np.testing.assert_allclose(s[f"fines.{x}"], mine, rtol=1e-12)


def test_max_scandal_is_the_months_largest_scandal():
    """``max_scandal`` is the largest magnitude of the month's scandals (0 without any)."""
    m = _scheduled(ScheduledEvent(1, "scandal", "fintech", 2.5),
                   ScheduledEvent(1, "scandal", "gaming", 1.5),
                   ScheduledEvent(3, "scandal", "edtech", 0.5), months=4)
    assert m.series().max_scandal.tolist() == [0.0, 2.5, 0.0, 0.5]


def test_scheduled_macro_shocks_of_one_month_add_up():
    """Two macro shocks scheduled in the same month add: the pulse is their sum."""
    m = _scheduled(ScheduledEvent(2, "macro_shock", "", 0.3),
                   ScheduledEvent(2, "macro_shock", "", 0.2), months=3)
    np.testing.assert_allclose(m.series().macro_shock, [0.0, 0.0, 0.5], rtol=1e-12)


def test_mean_protection_is_the_revenue_weighted_mean_of_the_firm_panel():
    """``mean_protection`` is Σ protection·revenue / Σ revenue over the live firms, the same
    as computed from the month's firm panel."""
    m = RegulatoryModel(small_params({"run.firm_panel_every": 1}, months=3), rng=0).run()
    panel = m.firm_panel()
    expected = [float((g.protection * g.revenue).sum() / g.revenue.sum())
                for _, g in panel.groupby("month")]
    got = m.series().mean_protection.tolist()
    assert all(0 < x < 1 for x in got)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_a_firm_with_one_blacklisted_month_left_is_blacklisted_in_the_panel():
    """The blacklist counts down one a month before recording: a firm set to 2 shows on the
    panel as blacklisted (1 month left) and the month after as not (0)."""
    m = RegulatoryModel(small_params({"run.firm_panel_every": 1}, months=3), rng=0)
    slot = int(m.firms.live[0])
    m.firms.blacklist[slot] = 2
    m.run(2)
    panel = m.firm_panel()
    mine = panel[panel.firm_id == int(m.firms.uid[slot])]
    assert mine.blacklisted.tolist() == [True, False]
    assert not panel[panel.firm_id != int(m.firms.uid[slot])].blacklisted.any()


def test_perceived_pain_relaxes_with_tau_pain_over_feedback_speed():
    """P̂_s relaxes toward (1 − w_P)·economy pain + w_P·sector pain with time constant
    τ_P / f_fast: at f_fast = 2 (τ_P = 4) it closes half the gap each month."""
    p = _with_events(small_params({**QUIET, "information.feedback_speed": 2.0}, months=5),
                     ScheduledEvent(1, "macro_shock", "", 0.5))
    m = RegulatoryModel(p, rng=0).run()
    s = m.series()
    lp = p.leadership
    assert lp.tau_pain == 4.0
    step = 1.0 / (lp.tau_pain / 2.0)
    for x in SECTORS:
        target = (1 - lp.sector_pain_weight) * s.pain + lp.sector_pain_weight * s[f"pain.{x}"]
        prev = s[f"perceived_pain.{x}"].shift(1)
        expected = prev + (target - prev) * step
        np.testing.assert_allclose(s[f"perceived_pain.{x}"].iloc[1:], expected.iloc[1:],
                                   rtol=1e-12)
        assert (target.iloc[1:] - prev.iloc[1:]).abs().max() > 1e-3


def test_founding_without_retroactive_punishment_reaches_a_finite_steady_state():
    """With only the recent record punishable, the founding's fixed point still uses a real
    recent record: starting aggressiveness is finite and the first months' series too."""
    p = small_params({"agencies.retroactive": False}, months=2)
    m = RegulatoryModel(p, rng=0)
    n = m.firms.n
    assert np.isfinite(m.firms.aggressiveness[:n]).all()
    recent = m.firms.recent_violation[:n]
    assert np.isfinite(recent).all() and (recent > 0).all()
    s = m.run().series()
    assert np.isfinite(s[[f"aggressiveness.{x}" for x in SECTORS]].to_numpy()).all()


def test_the_founding_harm_alarm_is_taken_at_month_zero():
    """At founding the public's harm alarm is harm over tolerance at month 0 (no growth of
    tolerance yet): it equals each sector's initial alarm even with g_Y = 0.05."""
    p = small_params({"public.tolerance_growth": 0.05}, months=2)
    m = RegulatoryModel(p, rng=0)
    initial = np.array([s.initial_alarm for s in p.sectors])
    np.testing.assert_allclose(m.public.harm_alarm, initial, rtol=1e-12)
