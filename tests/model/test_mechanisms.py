"""Unit tests of the mechanisms in ``sim/model/`` (MODEL.md v2 §2), one section per module.

Each test feeds a rule explicit, small inputs (a few firms, one or two sectors) and checks the
numbers worked out by hand from MODEL.md's formulas, written out in the comments. Parameters are
the defaults unless a test says otherwise; where a rule needs a Mesa model (agents), the small
model of ``conftest.py`` provides one.
"""

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from hand import LOCAL, MP, FixedUniform

import sim.model as mechanisms
from sim.model import RegulatoryModel
from sim.model import agencies as ag
from sim.model import firms as fm
from sim.model.agencies import Agency, Regulators
from sim.model.dynamics import logistic, relax, sector_sums, truncated_pareto
from sim.model.information import Channels, channel_values
from sim.model.leadership import Leadership, Triggers
from sim.model.local import LocalGovernment, Provinces
from sim.model.markets import Markets
from sim.model.params import (
    GROUPS,
    AgencyParams,
    ExogenousParams,
    FirmParams,
    InformationParams,
    LeadershipParams,
    MarketParams,
    Params,
    PublicParams,
    ScheduledEvent,
    SectorSpec,
)
from sim.model.public import Public
from sim.model.states import AGENCIES, HARM_DIMENSIONS, Cause, Phase

# The parameter values the hand computations below use (MODEL.md's v4/v5 numbers), pinned here
# so that recalibrating a default in sim/model/params.py does not change what these tests check.
AP = AgencyParams(
    tau_enforcement=2.0, zeal=0.3, harm_response=0.6, harm_knee=0.5, content_floor=0.5,
    content_filter=0.6, case_rate=1.0, visibility_base=0.3, visibility_signal=10.0,
    fine_base=0.0002, fine_signal=0.01, fine_cap=0.1, headline_severity=0.5, violation_kept=0.2,
    campaign_cut=0.4, routine_cut=0.1, blacklist_months=12, blacklist_bonus=1.0,
    retroactive=True)
FP = FirmParams(
    tau_belief=18.0, beta=5.0, reward=0.25, cost=1.2, penalty_weight=10.0,
    aggressiveness_min=0.1, tau_aggressiveness=6.0, growth_aggressiveness=0.012,
    enforcement_drag=0.02, violation_decay=0.01, pledge_top=5, pledge_cost=0.003,
    pledge_restraint=0.2, defiance_rate=0.01, listing_rate=0.002)
LP = LeadershipParams(
    mode="campaign", signal_min=0.05, tau_signal_loose=12.0, tau_signal_crackdown=1.5,
    tau_signal_compromise=6.0, compromise_margin=0.05, theta_alarm=1.0, honeymoon=1.5,
    spillover=0.2, hard_alarm_multiple=1.8, severity_base=0.35, severity_alarm=0.5,
    severity_surprise=1.0, theta_pain=0.5, pain_exponent=0.5, tolerance_competition=1.5,
    tolerance_privacy=0.0, tolerance_content=1.0, tolerance_labour=0.0, tolerance_finance=3.5,
    pain_release=0.5, min_crackdown_months=6, min_compromise_months=6, floor_start=0.05,
    floor_erosion=0.002, floor_ratchet=0.5, ban_alarm_base=0.6, ban_pressure=2.5,
    ban_min_months=3, climate_decay=15.0, climate_jump=1.0, climate_threshold=0.4,
    climate_severity=0.3, rules_gain_alarm=1.0, rules_gain_pain=1.0, rules_onset=0.6,
    tau_signal_rules=3.0)
PP = PublicParams(tau_grievance=12.0, tolerance_growth=0.005, scandal_rate=0.25,
                  scandal_heat=0.02, heat_decay=0.8)
IP = InformationParams(weight_public=0.35, weight_agency=0.35, weight_local=0.30,
                       delay_public=2.0, delay_agency=6.0, delay_local=9.0, feedback_speed=1.0,
                       revelation_months=12.0)




# ============================================================================ dynamics


def test_relax_takes_one_tau_th_of_the_gap_and_never_overshoots():
    assert relax(0.0, 1.0, 4.0) == 0.25
    assert relax(1.0, 0.0, 2.0) == 0.5
    # a time constant below one month reaches the target at once, no overshoot
    assert relax(0.2, 0.7, 0.5) == 0.7
    np.testing.assert_allclose(relax(np.array([0.0, 1.0]), np.array([1.0, 0.0]), 4.0),
                               [0.25, 0.75])


def test_logistic_values():
    assert logistic(0.0) == 0.5
    assert logistic(math.log(3.0)) == pytest.approx(0.75)
    assert logistic(-math.log(3.0)) == pytest.approx(0.25)


def test_truncated_pareto_is_an_exact_inversion_on_one_to_cap():
    # u = 0 → 1; α = 1, cap = 2, u = ½: (1 − ½·(1 − ½))^−1 = 4/3; u → 1 → cap
    draws = truncated_pareto(FixedUniform([0.0, 0.5, 1.0]), 3, 1.0, 2.0)
    np.testing.assert_allclose(draws, [1.0, 4.0 / 3.0, 2.0])
    # α = 2, cap = 4, u = ½: (1 − ½·(1 − 1/16))^−½ = (17/32)^−½
    draw = truncated_pareto(FixedUniform([0.5]), 1, 2.0, 4.0)
    assert draw[0] == pytest.approx((17.0 / 32.0) ** -0.5)


def test_truncated_pareto_bounds_hold_for_many_draws():
    rng = np.random.default_rng(1)
    for alpha, cap in ((1.01, 1000.0), (1.5, 50.0), (3.0, 2.0)):
        x = truncated_pareto(rng, 20_000, alpha, cap)
        assert x.min() >= 1.0
        assert x.max() <= cap
        # heavy tail: with α = 1.5 and cap 50, P(X > 10) = (10^−1.5 − 50^−1.5)/(1 − 50^−1.5)
        if alpha == 1.5:
            expected = (10 ** -1.5 - cap ** -1.5) / (1 - cap ** -1.5)
            assert (x > 10).mean() == pytest.approx(expected, abs=0.006)
    assert truncated_pareto(rng, 0, 1.5, 50.0).shape == (0,)


def test_sector_sums():
    np.testing.assert_array_equal(sector_sums(np.array([0, 2, 2, 0]),
                                              np.array([1.0, 2.0, 3.0, 4.0]), 4),
                                  [5.0, 0.0, 5.0, 0.0])


# ============================================================================ firms


def test_fine_rate_is_f0_plus_f1_signal_squared_and_rises_with_the_signal():
    # f_0 = 0.0002, f_1 = 0.01
    assert fm.fine_rate(0.0, AP) == pytest.approx(0.0002)
    assert fm.fine_rate(0.5, AP) == pytest.approx(0.0002 + 0.01 * 0.25)
    assert fm.fine_rate(1.0, AP) == pytest.approx(0.0102)
    rates = fm.fine_rate(np.linspace(0, 1, 11), AP)
    assert (np.diff(rates) > 0).all()


def test_record_years_is_v_over_twelve_months_of_revenue(make_firms):
    years = fm.record_years(np.array([24.0, 6.0, 5.0]), np.array([1.0, 0.5, 0.0]))
    np.testing.assert_allclose(years, [2.0, 1.0, 0.0])  # a dead firm (R = 0) has 0
    pop = make_firms([1.0, 1.0], violation=[36.0, 36.0], recent=[12.0, 0.0])
    np.testing.assert_array_equal(fm.punishable_record(pop, True), [36.0, 36.0])
    np.testing.assert_array_equal(fm.punishable_record(pop, False), [12.0, 0.0])


def test_best_response_hand_numbers():
    # β = 2·ln 3, r = ½, c = 1, k_π = 10, a_lo = 0.1; fine rate 0.01 at every signal
    fp = dataclasses.replace(FP, beta=2 * math.log(3.0), reward=0.5, cost=1.0,
                             penalty_weight=10.0, aggressiveness_min=0.1)
    ap = dataclasses.replace(AP, fine_base=0.01, fine_signal=0.0)
    a = fm.best_response(np.array([0.5, 0.0, 0.5]), np.array([0.0, 0.0, 10.0]), fp, ap)
    # ê = ½, no record: x = β·(½ − ½) = 0 → a* = 0.1 + 0.9·½ = 0.55
    # ê = 0: x = β·½ = ln 3 → logistic = ¾ → a* = 0.1 + 0.9·¾ = 0.775
    # ê = ½, 10 years: π = ½·0.01·10 = 0.05, k_π·π = ½: x = −ln 3 → a* = 0.1 + 0.9·¼ = 0.325
    np.testing.assert_allclose(a, [0.55, 0.775, 0.325])


def test_best_response_falls_with_belief_and_with_record_years():
    beliefs = np.linspace(0.0, 1.0, 11)
    a = fm.best_response(beliefs, np.full(11, 1.0), FP, AP)
    assert (np.diff(a) < 0).all()
    years = np.linspace(0.0, 20.0, 11)
    a = fm.best_response(np.full(11, 0.5), years, FP, AP)
    assert (np.diff(a) < 0).all()
    # a fully deterred firm keeps a_lo, an undeterred one stays below 1
    a = fm.best_response(np.array([1.0, 0.0]), np.array([1e3, 0.0]), FP, AP)
    assert a[0] == pytest.approx(FP.aggressiveness_min)
    assert FP.aggressiveness_min < a[1] < 1.0


def test_retroactive_record_deters_more_than_the_recent_record(make_firms):
    # same firm, an old record (V = 120) of which only 12 is recent
    retro = make_firms([1.0], belief=0.5, violation=120.0, recent=12.0, aggressiveness=0.5)
    recent = make_firms([1.0], belief=0.5, violation=120.0, recent=12.0, aggressiveness=0.5)
    fm.choose(retro, FP, dataclasses.replace(AP, retroactive=True))
    fm.choose(recent, FP, dataclasses.replace(AP, retroactive=False))
    years_retro, years_recent = 10.0, 1.0
    a_retro = fm.best_response(np.array([0.5]), np.array([years_retro]), FP, AP)[0]
    a_recent = fm.best_response(np.array([0.5]), np.array([years_recent]), FP, AP)[0]
    # a moves 1/τ_a = 1/6 of the way toward a*
    assert retro.aggressiveness[0] == pytest.approx(0.5 + (a_retro - 0.5) / 6.0)
    assert recent.aggressiveness[0] == pytest.approx(0.5 + (a_recent - 0.5) / 6.0)
    assert retro.aggressiveness[0] < recent.aggressiveness[0]


def test_learning_moves_belief_toward_enforcement_faced_slowly(make_firms):
    pop = make_firms([1.0, 1.0], belief=[0.0, 0.9], enforcement_faced=[0.9, 0.0])
    fm.learn(pop, FP)  # τ_ê = 18
    np.testing.assert_allclose(pop.belief[:2], [0.05, 0.85])


def test_choose_zeroes_dead_firms(make_firms):
    pop = make_firms([1.0, 1.0])
    pop.alive[1] = False
    fm.choose(pop, FP, AP)
    assert pop.aggressiveness[1] == 0.0 and pop.aggressiveness[0] > 0.0


def test_growth_hand_numbers_and_dead_firms(make_firms):
    fp = dataclasses.replace(FP, growth_noise=0.0)
    pop = make_firms([1.0, 2.0, 3.0], sector=[0, 1, 0], aggressiveness=0.5,
                     enforcement_faced=[0.5, 0.0, 0.0], growth_type=[0.0, 0.001, 0.0])
    pop.alive[2] = False
    fm.grow(pop, np.array([0.01, 0.002]), fp, np.random.default_rng(0))
    # firm 0: 0.01 + 0 + 0.012·½ − 0.02·½ = 0.006; firm 1: 0.002 + 0.001 + 0.006 = 0.009
    np.testing.assert_allclose(pop.revenue[:3], [math.exp(0.006), 2 * math.exp(0.009), 0.0])


def test_harm_scales_revenue_aggressiveness_and_profile_and_builds_the_record(make_firms):
    pop = make_firms([2.0, 1.0, 4.0], sector=[0, 0, 1], aggressiveness=[0.5, 1.0, 0.25],
                     violation=[10.0, 0.0, 0.0], recent=[12.0, 0.0, 0.0])
    profile = np.array([[0.5, 0.5, 0.0, 0.0, 0.0],
                        [0.0, 0.0, 1.0, 0.0, 1.0]])
    by_dim = fm.harm(pop, profile, FP, 12.0, 2)
    # R·a: 1, 1, 1 → sector 0 has 2, sector 1 has 1; harm per firm = R·a·Σ profile
    np.testing.assert_allclose(by_dim, [[1.0, 1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0, 1.0]])
    np.testing.assert_allclose(pop.harm[:3], [1.0, 1.0, 2.0])
    # V ← V·(1 − 0.01) + harm; V_r ← V_r·(1 − 1/12) + harm
    np.testing.assert_allclose(pop.violation[:3], [10.9, 1.0, 2.0])
    np.testing.assert_allclose(pop.recent_violation[:3], [12.0, 1.0, 2.0])


def test_largest_orders_by_revenue(make_firms):
    pop = make_firms([3.0, 9.0, 1.0, 5.0])
    np.testing.assert_array_equal(fm.largest(pop, np.arange(4), 2), [1, 3])
    np.testing.assert_array_equal(fm.largest(pop, np.array([0, 2]), 5), [0, 2])
    assert len(fm.largest(pop, np.arange(4), 0)) == 0


# ---- pledges

PLEDGE_AP = dataclasses.replace(AP, fine_base=0.01, fine_signal=0.0)  # 0.01 per year of record
PLEDGE_FP = dataclasses.replace(FP, pledge_top=2, pledge_cost=0.003)


def _pledge_firms(make_firms):
    # revenues 10, 5, 1; record years 1, 0.5, 10
    return make_firms([10.0, 5.0, 1.0], violation=[120.0, 30.0, 120.0], belief=0.0)


def test_pledge_only_when_the_expected_penalty_exceeds_the_cost(make_firms):
    pop = _pledge_firms(make_firms)
    members = np.arange(3)
    # ê = 0 but the campaign is public: expected enforcement max(ê, L) = ½
    # penalty = ½·0.01·years = 0.005 (firm 0), 0.0025 (firm 1) against c_pl = 0.003;
    # firm 2 (penalty 0.05) is not among the two largest
    go = fm.pledge_candidates(pop, members, 0.5, PLEDGE_FP, PLEDGE_AP)
    np.testing.assert_array_equal(go, [0])
    # a dearer pledge (0.006) is worth nobody's while
    dear = dataclasses.replace(PLEDGE_FP, pledge_cost=0.006)
    assert len(fm.pledge_candidates(pop, members, 0.5, dear, PLEDGE_AP)) == 0
    # no signal and no belief: no expected penalty, no pledge
    assert len(fm.pledge_candidates(pop, members, 0.0, PLEDGE_FP, PLEDGE_AP)) == 0
    # the firm's own belief counts too
    pop.belief[1] = 1.0  # penalty 1·0.01·½ = 0.005
    np.testing.assert_array_equal(fm.pledge_candidates(pop, members, 0.5, PLEDGE_FP,
                                                       PLEDGE_AP), [0, 1])
    # pledge_top = 0 turns pledges off
    off = dataclasses.replace(PLEDGE_FP, pledge_top=0)
    assert len(fm.pledge_candidates(pop, members, 1.0, off, PLEDGE_AP)) == 0


def test_pledgers_are_the_largest_firms_not_yet_pledged(make_firms):
    pop = _pledge_firms(make_firms)
    pop.pledged[0] = True
    go = fm.pledge_candidates(pop, np.arange(3), 0.5, PLEDGE_FP, PLEDGE_AP)
    np.testing.assert_array_equal(go, [2])  # firm 1 (0.0025) no; firm 2 (0.05) yes


def test_a_pledge_costs_revenue_and_aggressiveness(make_firms):
    pop = make_firms([10.0, 5.0], aggressiveness=0.5)
    fm.make_pledges(pop, np.array([0]), FP)
    assert pop.pledged[:2].tolist() == [True, False]
    assert pop.revenue[0] == pytest.approx(10.0 * (1 - 0.003))
    assert pop.aggressiveness[0] == pytest.approx(0.5 * (1 - 0.2))
    assert (pop.revenue[1], pop.aggressiveness[1]) == (5.0, 0.5)


# ---- rare events


def test_defiance_probability_hand_numbers():
    # d_0·(share/0.1)²·(1 − E)·(1 − α) = 0.01·4·½·½
    assert fm.defiance_probability(0.2, 0.5, 0.5, FP) == pytest.approx(0.01)
    assert fm.defiance_probability(0.2, 1.0, 0.0, FP) == 0.0
    assert fm.defiance_probability(0.2, 0.0, 1.0, FP) == 0.0


def test_listing_hazard_is_rare_for_aligned_sectors_and_falls_with_enforcement():
    alignment = np.array([0.0, 0.9, 0.0, 0.0])
    enforcement = np.array([0.0, 0.0, 0.5, 0.0])
    data_rich = np.array([True, True, True, False])
    h = fm.listing_hazard(alignment, enforcement, data_rich, 0.5, FP)
    # l_0·(1 − α)²·(1 − E)·(1 + climate): 0.002·1.5 = 0.003; aligned ×0.01; E = ½ halves it
    np.testing.assert_allclose(h, [0.003, 0.00003, 0.0015, 0.0])


# ============================================================================ local


def _provinces(base, **kw) -> Provinces:
    lp = dataclasses.replace(LOCAL, n_provinces=len(base), **kw)
    prov = Provinces(lp, np.random.default_rng(0))
    prov.base_dependence = np.asarray(base, dtype=float)
    return prov, lp


def test_provinces_draw_dependence_in_the_declared_range():
    prov = Provinces(LOCAL, np.random.default_rng(3))
    assert prov.n == 31
    assert ((prov.base_dependence >= 0.05) & (prov.base_dependence <= 0.4)).all()


def test_protection_is_capped_linear_in_fiscal_dependence():
    prov, lp = _provinces([0.1, 0.4, 0.5, 1.0])
    prov.update(np.ones(4), lp)
    np.testing.assert_allclose(prov.dependence, [0.1, 0.4, 0.5, 1.0])
    # π = min(0.9, 0.2 + 0.8·d)
    np.testing.assert_allclose(prov.protection, [0.28, 0.52, 0.6, 0.9])


def test_dependence_follows_the_tax_base():
    prov, lp = _provinces([0.1, 0.2, 0.3, 0.4])
    prov.update(np.array([2.0, 1.0, 0.0, 1.0]), lp)  # mean 1: hubs depend more
    np.testing.assert_allclose(prov.dependence, [0.2, 0.2, 0.0, 0.4])
    np.testing.assert_allclose(prov.protection, [0.36, 0.36, 0.2, 0.52])


def test_without_the_fiscal_link_protection_is_flat():
    prov, lp = _provinces([0.1, 0.4, 0.9], protection_slope=0.0)
    prov.update(np.array([5.0, 1.0, 0.1]), lp)
    np.testing.assert_allclose(prov.protection, [0.2, 0.2, 0.2])


def test_protection_folds_with_the_signal():
    prov, lp = _provinces([0.5, 0.5])
    prov.update(np.ones(2), lp)  # π = 0.6
    faced = prov.protection_faced(np.array([0, 1, 1]), np.array([0, 0, 1]),
                                  np.array([0.0, 0.5]))
    np.testing.assert_allclose(faced, [0.6, 0.6, 0.3])  # π·(1 − L_s)
    np.testing.assert_allclose(prov.protection_faced(np.array([0]), np.array([0]),
                                                     np.array([1.0])), [0.0])


def test_dependence_is_capped_at_one():
    prov, lp = _provinces([0.5, 0.1, 0.1])
    prov.update(np.array([3.0, 0.0, 0.0]), lp)  # 0.5·3 = 1.5 → 1
    np.testing.assert_allclose(prov.dependence, [1.0, 0.0, 0.0])


def test_hidden_share_is_capped_at_ninety_percent_and_folds_in_campaigns():
    prov, lp = _provinces([0.2, 0.4, 0.8])
    prov.update(np.ones(3), lp)
    province, sector = np.array([0, 1, 2, 0]), np.array([0, 0, 0, 1])
    lax = np.zeros(2)
    np.testing.assert_allclose(prov.hidden_share(province, sector, lax, 1.5),
                               [0.3, 0.6, 0.9, 0.3])  # min(0.9, u·d)
    np.testing.assert_array_equal(prov.hidden_share(province, sector, lax, 0.0), 0.0)
    # × (1 − L_s): a campaign in sector 1 halves what its firms' provinces hide
    np.testing.assert_allclose(prov.hidden_share(province, sector, np.array([0.0, 0.5]), 1.5),
                               [0.3, 0.6, 0.9, 0.15])


def test_local_government_agents_read_the_arrays(small_model):
    govs = small_model.agents_by_type[LocalGovernment]
    assert len(govs) == 5
    for gov in govs:
        assert gov.protection == small_model.provinces.protection[gov.index]
        assert gov.fiscal_dependence == small_model.provinces.dependence[gov.index]


# ============================================================================ agencies


def test_fragmented_mandate_is_the_lead_agencys_dimensions_plus_content():
    reg = Regulators(Params())
    # competition, privacy, content, labour, finance
    np.testing.assert_array_equal(reg.mandate, [
        [1, 0, 1, 0, 0],  # platform: antitrust + content
        [0, 0, 1, 0, 1],  # fintech: finance + content
        [0, 0, 1, 0, 1],  # edtech: education (content, finance)
        [0, 1, 1, 0, 0],  # gaming: cyberspace (privacy, content)
        [0, 1, 1, 0, 0],  # ai: cyberspace
    ])
    assert reg.lead == ["antitrust", "finance", "education", "cyberspace", "cyberspace"]
    specs = {name: (mandate, leads) for name, mandate, leads in reg.agency_specs()}
    assert list(specs) == list(AGENCIES)
    assert specs["industry"] == ((), ())  # the growth faction: no mandate, leads nothing
    assert specs["cyberspace"][1] == (3, 4)


def test_unified_mandate_is_all_ones():
    reg = Regulators(Params().override({"agencies.structure": "unified"}))
    np.testing.assert_array_equal(reg.mandate, np.ones((5, len(HARM_DIMENSIONS))))
    assert set(reg.lead) == {"unified"}
    assert reg.agency_specs() == [("unified", HARM_DIMENSIONS, (0, 1, 2, 3, 4))]


def test_enforcement_starts_at_the_lax_steady_state():
    reg = Regulators(Params())
    reg.start(np.array([0.1, 0.6]), np.array([0.3, 0.0]), AP)
    np.testing.assert_allclose(reg.enforcement, [0.3, 0.6])  # max(F, L)
    np.testing.assert_allclose(reg.content, [0.5, 0.6])  # ≥ the content floor


def test_enforcement_relaxes_toward_signal_zeal_and_reported_harm():
    reg = Regulators(Params())
    reg.enforcement = np.zeros(3)
    reg.content = np.full(3, 0.5)
    reg.update(signal=np.array([0.5, 0.5, 0.2]), floor=np.array([0.1, 0.1, 0.3]),
               crackdown=np.array([1.0, 0.0, 0.0]), agency_report=np.array([0.0, 0.8, 0.0]),
               ap=AP)
    # targets: max(0.1, ½·1.3) = 0.65; max(0.1, ½) + 0.6·(0.8 − ½) = 0.68; max(0.3, 0.2) = 0.3
    # τ_E = 2: half the way from 0
    np.testing.assert_allclose(reg.enforcement, [0.325, 0.34, 0.15])
    # content: toward max(target, ½) from ½
    np.testing.assert_allclose(reg.content, [0.575, 0.59, 0.5])


def test_enforcement_target_is_clipped_at_one():
    reg = Regulators(Params())
    reg.enforcement = np.zeros(1)
    reg.content = np.zeros(1)
    reg.update(np.array([1.0]), np.zeros(1), np.ones(1), np.array([5.0]), AP)
    assert reg.enforcement[0] == pytest.approx(0.5)  # toward 1, not 1.3 + 2.7


@pytest.mark.parametrize("crackdown", [0.0, 1.0])
def test_content_floor_is_kept_in_every_phase(crackdown):
    reg = Regulators(Params())
    reg.start(np.full(2, 0.9), np.zeros(2), AP)
    for _ in range(100):  # the signal collapses to 0: E follows, content stays at its floor
        reg.update(np.zeros(2), np.zeros(2), np.full(2, crackdown), np.zeros(2), AP)
        assert (reg.content >= AP.content_floor).all()
    assert reg.enforcement.max() < 1e-6
    np.testing.assert_allclose(reg.content, AP.content_floor, atol=1e-6)


def test_case_counts_are_poisson_with_mean_c0_times_one_plus_e():
    rng = np.random.default_rng(5)
    counts = np.array([ag.case_counts(np.array([0.0, 1.0]), AP, rng) for _ in range(20_000)])
    np.testing.assert_allclose(counts.mean(axis=0), [1.0, 2.0], atol=0.04)
    off = dataclasses.replace(AP, case_rate=0.0)
    assert ag.case_counts(np.array([1.0]), off, rng).tolist() == [0]


def test_targeting_weights_hand_numbers(make_firms):
    pop = make_firms([1.0, 2.0, 4.0], violation=10.0)
    ap = dataclasses.replace(AP, visibility_base=1.0, visibility_signal=4.0)
    members, none = np.arange(3), np.zeros(3)
    # W = V·(R/R_max)^(v_0 + v_1·L²): exponent 1 at L = 0, 2 at L = ½
    np.testing.assert_allclose(ag.targeting_weights(pop, members, 0.0, none, ap, 0.3),
                               [2.5, 5.0, 10.0])
    np.testing.assert_allclose(ag.targeting_weights(pop, members, 0.5, none, ap, 0.3),
                               [0.625, 2.5, 10.0])
    # pledge (×0.7), protection (×(1 − π)), blacklist (×(1 + 1))
    pop.pledged[2] = True
    pop.blacklist[0] = 3
    protection = np.array([0.0, 0.5, 0.0])
    np.testing.assert_allclose(ag.targeting_weights(pop, members, 0.0, protection, ap, 0.3),
                               [5.0, 2.5, 7.0])


def test_targeting_visibility_of_size_rises_steeply_with_the_signal(make_firms):
    pop = make_firms([1.0, 16.0], violation=10.0)
    ratios = []
    for signal in (0.0, 0.3, 0.6, 1.0):
        w = ag.targeting_weights(pop, np.arange(2), signal, np.zeros(2), AP, 0.3)
        ratios.append(w[1] / w[0])
        assert w[1] / w[0] == pytest.approx(16.0 ** (0.3 + 10.0 * signal**2))
    assert ratios[0] < 3 and ratios[-1] > 1e12
    assert (np.diff(ratios) > 0).all()


def test_draw_targets(make_firms):
    rng = np.random.default_rng(2)
    members = np.array([4, 7, 9])
    for _ in range(50):
        assert ag.draw_targets(members, np.array([0.0, 0.0, 1.0]), 1, rng).tolist() == [9]
    both = ag.draw_targets(members, np.array([1.0, 1.0, 1.0]), 5, rng)
    assert sorted(both.tolist()) == [4, 7, 9]  # k > members: each firm once
    # no record anywhere: the cases still find targets
    assert len(ag.draw_targets(members, np.zeros(3), 2, rng)) == 2
    assert len(ag.draw_targets(members, np.ones(3), 0, rng)) == 0


FINE_AP = dataclasses.replace(AP, fine_base=0.01, fine_signal=0.04, headline_severity=0.5,
                              fine_cap=0.1)


def test_fine_rates_hand_numbers_rise_with_the_signal_and_are_capped(make_firms):
    # A: R = 1, V = 36 (3 years), headline (1/4)^½ = ½; B: R = 4, V = 192 (4 years)
    pop = make_firms([1.0, 4.0], violation=[36.0, 192.0])
    members = np.arange(2)
    # L = ½: rate 0.01 + 0.04/4 = 0.02 per year → A 0.02·3·½ = 0.03, B 0.02·4 = 0.08
    np.testing.assert_allclose(ag.fine_rates(pop, members, members, 0.5, FINE_AP),
                               [0.03, 0.08])
    # L = 1: 0.05 per year → A 0.075, B 0.2 → the legal cap 0.1
    np.testing.assert_allclose(ag.fine_rates(pop, members, members, 1.0, FINE_AP),
                               [0.075, 0.1])
    # a huge record never passes the cap
    pop.violation[:2] = 1e9
    assert (ag.fine_rates(pop, members, members, 1.0, FINE_AP) <= 0.1).all()


def test_fine_rates_without_retroaction_use_the_recent_record(make_firms):
    pop = make_firms([1.0], violation=36.0, recent=12.0)
    ap = dataclasses.replace(FINE_AP, retroactive=False)
    # 1 year of recent record, rate 0.02 at L = ½
    np.testing.assert_allclose(ag.fine_rates(pop, np.arange(1), np.arange(1), 0.5, ap), [0.02])


def test_sanction_takes_the_fine_from_revenue_and_resets_the_record(make_firms):
    pop = make_firms([10.0, 3.0], violation=[100.0, 50.0], recent=[30.0, 5.0],
                     aggressiveness=0.5, belief=[0.1, 0.1])
    done = ag.sanction(pop, 0, np.array([0]), np.array([0.04]), 1.0, 0.7, AP)
    # fine = 4 % of annual revenue = 0.04·12·10; revenue keeps 96 %
    np.testing.assert_allclose(done.amounts, [4.8])
    assert pop.revenue[0] == pytest.approx(9.6)
    # at L = 1 the record keeps v_keep = 0.2 (both the whole and the recent record)
    assert pop.violation[0] == pytest.approx(20.0)
    assert pop.recent_violation[0] == pytest.approx(6.0)
    assert pop.aggressiveness[0] == pytest.approx(0.3)  # campaign cut 40 %
    assert pop.belief[0] == 0.7  # jumps to the agency's E
    assert pop.blacklist[0] == AP.blacklist_months
    # the other firm is untouched
    assert (pop.revenue[1], pop.violation[1], pop.belief[1], pop.blacklist[1]) == (3.0, 50.0,
                                                                                   0.1, 0)


def test_sanction_settles_more_of_the_record_the_harsher_the_campaign(make_firms):
    kept = []
    for signal in (0.0, 0.3, 0.6, 1.0):
        pop = make_firms([10.0], violation=100.0)
        ag.sanction(pop, 0, np.array([0]), np.array([0.01]), signal, 0.5, AP)
        # a share (1 − v_keep)·L² of the record is settled
        assert pop.violation[0] == pytest.approx(100.0 * (1 - 0.8 * signal**2))
        kept.append(pop.violation[0])
    assert kept[0] == 100.0 and kept[-1] == pytest.approx(100.0 * AP.violation_kept)
    assert (np.diff(kept) < 0).all()


def test_routine_sanction_cuts_less_and_does_not_blacklist(make_firms):
    pop = make_firms([10.0], violation=100.0, aggressiveness=0.5, belief=0.9)
    ag.sanction(pop, 0, np.array([0]), np.array([0.01]), 0.5, 0.2, AP)  # L = ½ is no campaign
    assert pop.aggressiveness[0] == pytest.approx(0.45)
    assert pop.blacklist[0] == 0
    assert pop.belief[0] == 0.9  # never lowered by a sanction
    assert pop.revenue[0] == pytest.approx(9.9)


def test_demonstration_only_for_a_top5_firm_in_a_campaign(make_firms):
    def fresh():
        return make_firms([7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0], belief=0.1)

    members = np.arange(7)
    pop = fresh()
    assert ag.demonstration(pop, members, np.array([2]), 0.6, 0.8, 0.5)
    np.testing.assert_allclose(pop.belief[:7], 0.4)  # every peer: max(ê, δ·E) = 0.4
    for targets, signal, share in ((np.array([5]), 0.6, 0.5),  # rank 6: no
                                   (np.array([0]), 0.5, 0.5),  # L = ½: no campaign
                                   (np.array([0]), 0.6, 0.0),  # δ = 0: off
                                   (np.array([], dtype=int), 0.9, 0.5)):
        pop = fresh()
        assert not ag.demonstration(pop, members, targets, signal, 0.8, share)
        np.testing.assert_array_equal(pop.belief[:7], 0.1)
    # beliefs above δ·E are kept; firms outside the sector untouched
    pop = fresh()
    pop.belief[1] = 0.9
    ag.demonstration(pop, members[:4], np.array([0]), 0.6, 0.8, 0.5)
    np.testing.assert_allclose(pop.belief[:7], [0.4, 0.9, 0.4, 0.4, 0.1, 0.1, 0.1])


# ============================================================================ public


def test_public_starts_at_the_initial_alarm():
    pub = Public(np.array([2.0, 0.0]), np.array([0.5, 0.5]))
    np.testing.assert_allclose(pub.tolerance, [4.0, 2.0])  # harm_0 / A_0 (1 / A_0 if no harm)
    np.testing.assert_allclose(pub.grievance, [0.5, 0.0])
    np.testing.assert_array_equal(pub.heat, [0.0, 0.0])
    np.testing.assert_allclose(pub.alarm, [0.5, 0.0])


def test_tolerance_grows_with_the_economy():
    pub = Public(np.array([2.0]), np.array([0.5]))
    assert pub.perceive_harm(np.array([4.0]), 0, PP)[0] == pytest.approx(1.0)
    # month 100, g_Y = 0.005: tolerance × e^0.5
    assert pub.perceive_harm(np.array([4.0]), 100, PP)[0] == pytest.approx(math.exp(-0.5))


def test_grievance_and_heat_updates():
    pub = Public(np.array([2.0, 2.0]), np.array([0.5, 0.5]))
    pub.perceive_harm(np.array([4.0, 2.0]), 0, PP)  # harm alarm 1.0, 0.5
    pub.update(np.array([10.0, 0.0]), PP)
    # G: ½ + (1 − ½)/12; heat: (0 + 0.02·10)·0.8 = 0.16
    np.testing.assert_allclose(pub.grievance, [0.5 + 0.5 / 12.0, 0.5])
    np.testing.assert_allclose(pub.heat, [0.16, 0.0])
    np.testing.assert_allclose(pub.alarm, pub.grievance + pub.heat)
    pub.update(np.zeros(2), PP)
    np.testing.assert_allclose(pub.heat, [0.128, 0.0])  # decays by h_dec


def test_scandals_are_bounded_by_cap_times_amplification():
    pp = dataclasses.replace(PP, amplification=2.0, scandal_cap=50.0)
    pub = Public(np.array([1.0, 1.0]), np.array([0.5, 0.5]))
    pub.harm_alarm = np.array([10.0, 10.0])  # λ_0·A² = 25 a month
    rng = np.random.default_rng(4)
    mags = np.concatenate([m for _ in range(100)
                           for m in pub.draw_scandals(np.array([True, True]), pp, rng)])
    assert len(mags) > 4000
    assert mags.min() >= 2.0  # ≥ 1 × amplification
    assert mags.max() <= 100.0  # ≤ cap × amplification
    assert mags.max() > 60.0  # the tail reaches toward the cap


def test_scandal_rate_rises_with_harm_squared_and_stops_in_banned_sectors():
    pub = Public(np.ones(3), np.full(3, 0.5))
    pub.harm_alarm = np.array([1.0, 2.0, 2.0])
    rng = np.random.default_rng(8)
    live = np.array([True, True, False])
    counts = np.array([[len(m) for m in pub.draw_scandals(live, PP, rng)]
                       for _ in range(8000)])
    # λ_0·A² = 0.25, 1.0, and 0 where the sector is banned
    np.testing.assert_allclose(counts.mean(axis=0), [0.25, 1.0, 0.0], atol=0.03)


# ============================================================================ information


def _channel_inputs(**kw):
    inputs = dict(
        true_alarm=np.array([1.0, 2.0]),
        harm=np.array([[1.0, 1.0, 1.0, 1.0, 1.0], [2.0, 0.0, 2.0, 0.0, 0.0]]),
        tolerance=np.array([2.0, 4.0]),
        mandate=np.array([[1, 0, 1, 0, 0], [0, 1, 1, 0, 0]], dtype=float),
        alignment=np.array([0.0, 0.8]),
        local_harm=np.array([1.0, 2.0]),
        censorship=0.35,
        growth_faction=0.5,
    )
    inputs.update(kw)
    return inputs


def test_channel_values_hand_numbers():
    public, agency, local = channel_values(**_channel_inputs())
    np.testing.assert_allclose(public, [0.65, 1.3])  # (1 − 0.35)·A
    # mandate dims / tolerance × (1 − u_ind·α): 2/2 = 1; 2/4·(1 − 0.4) = 0.3
    np.testing.assert_allclose(agency, [1.0, 0.3])
    np.testing.assert_allclose(local, [0.5, 0.5])


def test_censorship_lowers_the_public_report():
    open_ = channel_values(**_channel_inputs(censorship=0.0))[0]
    closed = channel_values(**_channel_inputs(censorship=0.8))[0]
    np.testing.assert_allclose(open_, [1.0, 2.0])
    np.testing.assert_allclose(closed, [0.2, 0.4])


def test_growth_faction_discounts_only_aligned_sectors():
    faction = channel_values(**_channel_inputs(growth_faction=0.5))[1]
    none = channel_values(**_channel_inputs(growth_faction=0.0))[1]
    assert faction[0] == none[0]  # alignment 0: no discount
    assert faction[1] == pytest.approx(0.6 * none[1])  # 1 − 0.5·0.8


def test_agencies_see_only_their_mandate():
    islands = channel_values(**_channel_inputs())[1]
    shared = channel_values(**_channel_inputs(mandate=np.ones((2, 5)), growth_faction=0.0))[1]
    np.testing.assert_allclose(shared, [2.5, 1.0])  # every dimension: 5/2, 4/4
    assert (islands < shared).all()


def test_local_under_reporting_hides_harm_of_dependent_provinces(make_firms):
    prov, lp = _provinces([0.2, 0.5])
    prov.update(np.ones(2), lp)
    pop = make_firms([1.0, 1.0, 1.0], sector=[0, 0, 1], province=[0, 1, 1])
    pop.harm[:3] = [1.0, 1.0, 2.0]
    reported = []
    for u in (0.0, 1.5):
        hidden = prov.hidden_share(pop.province[:3], pop.sector[:3], np.zeros(2), u)
        local_harm = sector_sums(pop.sector[:3], pop.harm[:3] * (1 - hidden), 2)
        reported.append(channel_values(**_channel_inputs(local_harm=local_harm))[2])
    # u = 1.5 hides 0.3 and 0.75: sector 0 reports (0.7 + 0.25)/2, sector 1 0.5/4
    np.testing.assert_allclose(reported[0], [1.0, 0.5])
    np.testing.assert_allclose(reported[1], [0.475, 0.125])


def _channels(initial=None, **kw) -> tuple[Channels, InformationParams]:
    ip = dataclasses.replace(IP, **kw)
    if initial is None:
        initial = np.array([[0.6, 0.6], [0.3, 0.3], [0.3, 0.3]])
    return Channels(initial, ip), ip


def test_channels_mix_with_normalised_weights_and_delays():
    ch, ip = _channels(weight_public=0.2, weight_agency=0.2, weight_local=0.4)
    np.testing.assert_allclose(ch.weights, [0.25, 0.25, 0.5])
    np.testing.assert_allclose(ch.mix, [0.375, 0.375])
    current = np.array([[1.2, 0.6], [0.9, 0.3], [1.2, 0.3]])
    ch.update(current, np.array([1.0, 1.0]), np.zeros(2, bool), np.zeros(2), np.zeros(2), ip,
              0.8, 0.6)
    # delays 2, 6, 9: 0.6 + 0.6/2 = 0.9; 0.3 + 0.6/6 = 0.4; 0.3 + 0.9/9 = 0.4
    np.testing.assert_allclose(ch.reports[:, 0], [0.9, 0.4, 0.4])
    np.testing.assert_allclose(ch.reports[:, 1], [0.6, 0.3, 0.3])
    np.testing.assert_allclose(ch.mix, [0.25 * 0.9 + 0.25 * 0.4 + 0.5 * 0.4, 0.375])
    # no transparency, no pledges: perceived = the mix
    np.testing.assert_allclose(ch.perceived, ch.mix)


def test_faster_feedback_divides_the_delays():
    ch, _ = _channels(feedback_speed=2.0)
    np.testing.assert_allclose(ch.delays, [1.0, 3.0, 4.5])


def test_transparency_jumps_to_one_on_revelation_and_decays():
    ch, ip = _channels()
    current = ch.reports.copy()
    a = np.array([2.0, 2.0])
    none, zero = np.zeros(2, bool), np.zeros(2)
    ch.update(current, a, np.array([True, False]), zero, zero, ip, 0.8, 0.6)
    np.testing.assert_array_equal(ch.transparency, [1.0, 0.0])
    # B = 0.35·0.6 + 0.35·0.3 + 0.3·0.3 = 0.405
    np.testing.assert_allclose(ch.perceived, [2.0, 0.405])  # X = 1: the true alarm
    for _ in range(12):  # τ_X = 12 months
        ch.update(current, a, none, zero, zero, ip, 0.8, 0.6)
    np.testing.assert_allclose(ch.transparency, [math.exp(-1.0), 0.0])
    x = math.exp(-1.0)
    assert ch.perceived[0] == pytest.approx((1 - x) * 0.405 + x * 2.0)


def test_transparency_decays_faster_with_a_shorter_revelation_time():
    ch, ip = _channels(revelation_months=3.0)
    current, a, zero = ch.reports.copy(), np.ones(2), np.zeros(2)
    ch.update(current, a, np.array([True, True]), zero, zero, ip, 0.8, 0.6)
    ch.update(current, a, np.zeros(2, bool), zero, zero, ip, 0.8, 0.6)
    np.testing.assert_allclose(ch.transparency, math.exp(-1.0 / 3.0))


def test_campaign_reach_keeps_transparency_up():
    ch, ip = _channels()
    zero = np.zeros(2)
    ch.update(ch.reports.copy(), np.ones(2), np.zeros(2, bool), np.array([0.5, 0.0]), zero, ip,
              0.8, 0.6)
    np.testing.assert_allclose(ch.transparency, [0.4, 0.0])  # ≥ K_X·reach


def test_perceived_alarm_formula_with_pledges():
    ch, ip = _channels()
    ch.transparency = np.array([0.5, 0.0])
    decay = math.exp(-1.0 / 12.0)
    ch.update(ch.reports.copy(), np.array([2.0, 2.0]), np.zeros(2, bool), np.zeros(2),
              np.array([0.5, 0.5]), ip, 0.8, 0.6)
    x = 0.5 * decay
    # Â = ((1 − X)·B + X·A)·(1 − e·pledged) with B = 0.405, e = 0.6, pledged ½
    np.testing.assert_allclose(ch.perceived, [((1 - x) * 0.405 + x * 2.0) * 0.7, 0.405 * 0.7])
    # the hidden harm the leadership now sees, in θ_s: X·(A − B)/θ
    np.testing.assert_allclose(ch.revealed_gap(np.array([2.0, 2.0]), np.array([0.5, 1.0])),
                               [x * (2.0 - 0.405) / 0.5, 0.0])


# ============================================================================ markets


def _markets(revenue=(1.0, 1.0), trend=(0.01, 0.01), **kw) -> tuple[Markets, MarketParams]:
    mp = dataclasses.replace(MP, **kw)
    revenue = np.asarray(revenue, dtype=float)
    mk = Markets(revenue, revenue.copy(), np.zeros(len(revenue)), np.asarray(trend, float), mp,
                 0.01)
    return mk, mp


def _update(mk, mp, revenue, *, frozen=(False, False), enforcement=None, banned=None,
            macro=0.0, jobs=None):
    revenue = np.asarray(revenue, dtype=float)
    n = len(revenue)
    mk.update(revenue, revenue.copy() if jobs is None else np.asarray(jobs, float),
              np.zeros(n) if enforcement is None else np.asarray(enforcement, float),
              np.asarray(frozen, bool), np.zeros(n, bool) if banned is None else banned,
              macro, mp)


def test_shortfall_widens_month_by_month_while_frozen_and_not_when_adapting():
    mk, mp = _markets()
    frozen, adapting = [], []
    for _ in range(120):
        _update(mk, mp, [1.0, 1.0], frozen=(True, False))  # revenue flat, trend 1 %
        frozen.append(mk.shortfall[0])
        adapting.append(mk.shortfall[1])
    # frozen: the planners' path keeps growing 1 % a month above flat revenue
    np.testing.assert_allclose(frozen, 0.01 * np.arange(1, 121))
    # adapting, month 1: trend 0.01·59/60, path re-based by 1/24 toward revenue
    assert adapting[0] == pytest.approx(0.01 * 59 / 60 * 23 / 24)
    # the trend learns the flat revenue: the shortfall peaks and fades, a tenth of the frozen one
    assert adapting[-1] < max(adapting) < 0.15
    assert adapting[-1] < 0.1 * frozen[-1]
    assert all(a < f for a, f in zip(adapting, frozen, strict=True))


def test_no_shortfall_when_revenue_keeps_to_the_trend():
    mk, mp = _markets(trend=(0.01, 0.01))
    for t in range(1, 25):
        _update(mk, mp, [math.exp(0.01 * t)] * 2, frozen=(True, False))
    np.testing.assert_allclose(mk.shortfall, 0.0, atol=1e-12)


def test_drawdown_from_a_decaying_peak():
    mk, mp = _markets(valuation_rho=0.0, growth_valuation=0.0, peak_decay=0.0)
    _update(mk, mp, [0.4, 1.0])
    np.testing.assert_allclose(mk.valuation, [0.4, 1.0])  # ρ = k_g = 0: valuation = revenue
    np.testing.assert_allclose(mk.drawdown, [0.6, 0.0])
    mk, mp = _markets(valuation_rho=0.0, growth_valuation=0.0, peak_decay=0.01)
    _update(mk, mp, [0.4, 1.0])
    np.testing.assert_allclose(mk.drawdown, [1 - 0.4 / 0.99, 0.0])


def test_enforcement_lowers_valuation_through_the_market_view():
    mk, mp = _markets(growth_valuation=0.0, peak_decay=0.0)
    _update(mk, mp, [1.0, 1.0], enforcement=[0.6, 0.0])
    # Ê_market: 0 + 0.6/3 = 0.2; valuation = R·e^(−ρ·Ê)
    np.testing.assert_allclose(mk.valuation, [math.exp(-0.2), 1.0])
    np.testing.assert_allclose(mk.drawdown, [1 - math.exp(-0.2), 0.0])


def test_pain_is_the_weighted_sum_of_its_stocks_and_zero_once_banned():
    mk, mp = _markets(valuation_rho=0.0, growth_valuation=0.0, peak_decay=0.0)
    _update(mk, mp, [0.5, 0.5], jobs=[0.8, 0.8], frozen=(True, True),
            banned=np.array([False, True]))
    drawdown, shortfall, jobs = 0.5, math.log(1.0) + 0.01 - math.log(0.5), 0.2
    np.testing.assert_allclose(mk.drawdown, [drawdown, drawdown])
    np.testing.assert_allclose(mk.shortfall, [shortfall, shortfall])
    np.testing.assert_allclose(mk.jobs, [jobs, jobs])
    expected = 0.3 * drawdown + 1.0 * shortfall + 0.5 * jobs
    np.testing.assert_allclose(mk.pain, [expected, 0.0])


def test_economy_pain_is_revenue_weighted_plus_the_macro_shock():
    mk, mp = _markets(revenue=(1.0, 3.0), valuation_rho=0.0, growth_valuation=0.0,
                      peak_decay=0.0, weight_shortfall=0.0, weight_jobs=0.0, weight_drawdown=1.0)
    _update(mk, mp, [0.5, 3.0], macro=0.0)
    assert mk.pain.tolist() == [0.5, 0.0]
    assert mk.economy_pain == pytest.approx(0.5 * 0.5 / 3.5)
    mk2, mp2 = _markets(revenue=(1.0, 3.0), valuation_rho=0.0, growth_valuation=0.0,
                        peak_decay=0.0, weight_shortfall=0.0, weight_jobs=0.0,
                        weight_drawdown=1.0)
    _update(mk2, mp2, [0.5, 3.0], macro=0.3)
    assert mk2.economy_pain == pytest.approx(mk.economy_pain + 0.3)
    np.testing.assert_array_equal(mk2.pain, mk.pain)  # the shock is economy pain only


# ============================================================================ leadership


def _triggers(n=1, **kw) -> Triggers:
    t = Triggers(scandal=np.zeros(n, bool), defiance=np.zeros(n, bool),
                 listing=np.zeros(n, bool), campaign=np.zeros(n, bool))
    for name, value in kw.items():
        getattr(t, name)[:] = value
    return t


CONTENT_SHARE = np.array([[0.0, 0.0, 1.0, 0.0, 0.0]])


class Apex:
    """A Leadership of ``n`` sectors with a helper to step its phase machine."""

    def __init__(self, model, n=1, lp=LP, alignment=None):
        self.lp = lp
        self.lead = Leadership(model, n, lp)
        self.n = n
        self.alignment = np.zeros(n) if alignment is None else np.asarray(alignment, float)

    def step(self, perceived, *, triggers=None, gap=0.0, share=None, can_ban=False):
        n = self.n
        return self.lead.step_phases(
            np.broadcast_to(np.asarray(perceived, float), (n,)).copy(),
            np.broadcast_to(np.asarray(gap, float), (n,)).copy(),
            triggers or _triggers(n),
            np.repeat(CONTENT_SHARE, n, axis=0) if share is None else np.asarray(share, float),
            np.broadcast_to(np.asarray(can_ban), (n,)).copy(),
            self.lp, self.alignment)

    def phase(self, s=0) -> Phase:
        return Phase(int(self.lead.phase[s]))

    def start_crackdown(self, perceived=1.2, gap=0.0, **kw):
        changes = self.step(perceived, triggers=_triggers(self.n, scandal=True), gap=gap, **kw)
        assert self.phase() == Phase.CRACKDOWN
        return changes


def test_loose_signal_drifts_to_the_floor_and_the_floor_erodes(small_model):
    apex = Apex(small_model)
    lead = apex.lead
    lead.signal[:] = 0.5
    lead.floor[:] = 0.2
    apex.step(0.1)
    assert lead.floor[0] == pytest.approx(0.198)  # ε_F = 0.002
    # the signal drifts toward L_min + F (the floor before this month's erosion)
    assert lead.signal[0] == pytest.approx(0.5 + (0.05 + 0.2 - 0.5) / 12.0)
    for _ in range(200):
        apex.step(0.1)
    assert lead.floor[0] == 0.0  # never negative
    assert lead.signal[0] == pytest.approx(LP.signal_min, abs=1e-4)


def test_thresholds_hand_numbers(small_model):
    lead = Leadership(small_model, 3, LP)
    lead.reach = np.array([0.0, 0.0, 0.5])
    lead.thresholds(np.array([0.0, 0.9, 0.0]), np.array([False, True, False]), LP)
    # θ·(1 + η·α)·(1 − σ·elsewhere): 1; 2.35·0.8; 1 — and the onset × (1 − 0.4·reach)
    np.testing.assert_allclose(lead.threshold, [1.0, 2.35 * 0.8, 1.0])
    np.testing.assert_allclose(lead.onset_threshold, [1.0, 2.35 * 0.8, 0.8])


def test_no_crackdown_without_a_trigger_below_the_hard_threshold(small_model):
    apex = Apex(small_model)
    for _ in range(300):  # Â = 1.79 > θ_on = 1 but < h·θ = 1.8, no trigger: stays LOOSE
        assert apex.step(1.79) == []
    assert apex.phase() == Phase.LOOSE


def test_a_trigger_below_the_onset_threshold_does_nothing(small_model):
    apex = Apex(small_model)
    for kind in ("scandal", "defiance", "listing", "campaign"):
        assert apex.step(0.99, triggers=_triggers(**{kind: True})) == []
    assert apex.phase() == Phase.LOOSE


@pytest.mark.parametrize(("kinds", "cause"), [
    (("scandal",), Cause.SCANDAL),
    (("defiance",), Cause.DEFIANCE),
    (("listing",), Cause.LISTING),
    (("campaign",), Cause.CAMPAIGN),
    (("scandal", "listing", "defiance"), Cause.DEFIANCE),
    (("scandal", "listing"), Cause.LISTING),
    (("scandal", "campaign"), Cause.SCANDAL),
])
def test_trigger_above_the_onset_threshold_starts_a_crackdown_with_its_cause(
        small_model, kinds, cause):
    apex = Apex(small_model)
    changes = apex.step(1.2, triggers=_triggers(**dict.fromkeys(kinds, True)))
    assert [(c.sector, c.old, c.new, c.cause) for c in changes] == [
        (0, Phase.LOOSE, Phase.CRACKDOWN, cause)]
    assert apex.lead.months_in_phase[0] == 0


def test_the_onset_threshold_uses_the_climates_reach(small_model):
    apex = Apex(small_model)
    apex.lead.onset_threshold = np.array([0.7])  # lowered by the reach: θ_on < θ_s = 1
    apex.step(0.8, triggers=_triggers(campaign=True))
    assert apex.phase() == Phase.CRACKDOWN


def test_hard_threshold_starts_a_crackdown_without_a_trigger(small_model):
    apex = Apex(small_model)
    changes = apex.step(1.81)
    assert [(c.new, c.cause) for c in changes] == [(Phase.CRACKDOWN, Cause.HARD)]


def test_severity_and_signal_at_onset_and_severity_never_falls(small_model):
    apex = Apex(small_model)
    lead = apex.lead
    assert lead.signal[0] == pytest.approx(0.1)  # L_min + F_0: the LOOSE drift keeps it
    apex.start_crackdown(1.6, gap=0.2)
    # c_L0 + k_A·(Â/θ − 1) + k_S·gap = 0.35 + 0.5·0.6 + 0.2
    assert lead.severity[0] == pytest.approx(0.85)
    assert lead.revealed_gap[0] == pytest.approx(0.2)
    # τ_up = 1.5 toward the severity: 0.1 + 0.75/1.5
    assert lead.signal[0] == pytest.approx(0.6)
    apex.step(1.0, gap=0.0)  # alarm falls: severity and revealed gap are kept
    assert lead.severity[0] == pytest.approx(0.85)
    assert lead.revealed_gap[0] == pytest.approx(0.2)
    for _ in range(10):
        apex.step(1.0)
    assert lead.signal[0] == pytest.approx(0.85, abs=1e-3)


def test_exit_to_compromise_needs_pain_above_pain_borne_and_the_minimum_stay(small_model):
    apex = Apex(small_model)
    apex.start_crackdown()
    apex.lead.perceived_pain[:] = 1.01
    # Â = θ: pain borne θ_P·1^γ·(1 + κ_content) = 0.5·2 = 1.0 < 1.01
    for month in range(1, 6):
        assert apex.step(1.0) == [], month  # the minimum stay of 6 months
        assert apex.lead.pain_borne[0] == pytest.approx(1.0)
    changes = apex.step(1.0)
    assert [(c.old, c.new, c.cause) for c in changes] == [
        (Phase.CRACKDOWN, Phase.COMPROMISE, Cause.PAIN)]


def test_no_timer_a_crackdown_with_pain_below_pain_borne_never_ends(small_model):
    apex = Apex(small_model)
    apex.start_crackdown()
    apex.lead.perceived_pain[:] = 0.99  # just below the pain borne (1.0)
    for _ in range(200):
        assert apex.step(1.0) == []
    assert apex.phase() == Phase.CRACKDOWN
    assert apex.lead.months_in_phase[0] == 200


def test_more_alarm_means_more_pain_borne(small_model):
    apex = Apex(small_model)
    apex.start_crackdown()
    apex.lead.perceived_pain[:] = 1.5
    for _ in range(20):  # Â = 4θ: pain borne 0.5·4^½·2 = 2.0 > 1.5
        apex.step(4.0)
    assert apex.lead.pain_borne[0] == pytest.approx(2.0)
    assert apex.phase() == Phase.CRACKDOWN
    apex.step(1.0)  # the alarm falls: 1.0 < 1.5
    assert apex.phase() == Phase.COMPROMISE


def test_harm_kind_finance_heavy_sectors_need_more_pain(small_model):
    apex = Apex(small_model, n=3)
    share = np.array([[0, 0, 0, 0, 1.0],  # finance: 0.5·(1 + 3.5)
                      [0, 0, 1.0, 0, 0],  # content: 0.5·(1 + 1)
                      [0.15, 0.15, 0, 0, 0.7]])  # fintech-like: 0.5·(1 + .225 + 2.45)
    apex.start_crackdown(share=share)
    apex.lead.perceived_pain[:] = 1.5
    for _ in range(200):
        apex.step(1.0, share=share)
    np.testing.assert_allclose(apex.lead.pain_borne[[0, 2]], [2.25, 1.8375])
    assert [apex.phase(s) for s in range(3)] == [Phase.CRACKDOWN, Phase.COMPROMISE,
                                                 Phase.CRACKDOWN]


def test_floor_rises_by_iota_gap_l_minus_f_on_entering_compromise(small_model):
    rises = {}
    for gap in (0.0, 0.4, 0.8, 2.0):
        apex = Apex(small_model)
        apex.start_crackdown(gap=gap)
        apex.lead.perceived_pain[:] = 5.0
        for _ in range(5):
            apex.step(1.0)
        before = apex.lead.floor[0]
        apex.step(1.0)
        assert apex.phase() == Phase.COMPROMISE
        after, signal = apex.lead.floor[0], apex.lead.signal[0]
        # F += ι·min(1, gap)·(L − F), ι = ½
        assert after == pytest.approx(before + 0.5 * min(1.0, gap) * (signal - before))
        rises[gap] = after - before
    assert rises[0.0] == 0.0
    assert 0 < rises[0.4] < rises[0.8] < rises[2.0]


def test_ban_only_for_can_ban_sectors_after_the_minimum_months(small_model):
    apex = Apex(small_model, n=2)
    apex.start_crackdown(2.6)
    # pressure += Â/θ − b_0 = 2.0 a month: 2.0 (month 1), 4.0 (month 2, before D_ban = 3)
    can_ban = np.array([True, False])
    assert apex.step(2.6, can_ban=can_ban) == []
    assert apex.step(2.6, can_ban=can_ban) == []
    assert apex.lead.ban_pressure[0] == pytest.approx(4.0)
    changes = apex.step(2.6, can_ban=can_ban)
    assert [(c.sector, c.new, c.cause) for c in changes] == [(0, Phase.BANNED, Cause.BAN)]
    for _ in range(100):  # the other sector is never banned; a ban is absorbing
        apex.step(2.6, can_ban=can_ban, triggers=_triggers(2, scandal=True))
    assert [apex.phase(0), apex.phase(1)] == [Phase.BANNED, Phase.CRACKDOWN]


def test_ban_pressure_accumulates_alarm_above_b0(small_model):
    apex = Apex(small_model)
    apex.start_crackdown(1.2)
    assert apex.lead.ban_pressure[0] == 0.0  # reset at onset
    for _ in range(4):
        apex.step(0.85, can_ban=True)  # 0.25 a month
    assert apex.lead.ban_pressure[0] == pytest.approx(1.0)
    assert apex.phase() == Phase.CRACKDOWN
    apex.step(0.5, can_ban=True)  # below b_0: nothing added
    assert apex.lead.ban_pressure[0] == pytest.approx(1.0)


def _to_compromise(apex: Apex) -> None:
    apex.start_crackdown()
    apex.lead.perceived_pain[:] = 5.0
    for _ in range(6):
        apex.step(1.0)
    assert apex.phase() == Phase.COMPROMISE


def test_compromise_returns_to_loose_on_relief_only(small_model):
    apex = Apex(small_model)
    _to_compromise(apex)
    apex.lead.perceived_pain[:] = 0.26  # above r_P·θ_P = 0.25
    for _ in range(200):
        assert apex.step(1.0) == []
    assert apex.phase() == Phase.COMPROMISE
    # L falls toward F + ΔL
    assert apex.lead.signal[0] == pytest.approx(apex.lead.floor[0] + 0.05)
    apex.lead.perceived_pain[:] = 0.24
    changes = apex.step(1.0)
    assert [(c.old, c.new, c.cause) for c in changes] == [
        (Phase.COMPROMISE, Phase.LOOSE, Cause.RELIEF)]


def test_relief_waits_for_the_minimum_stay(small_model):
    apex = Apex(small_model)
    _to_compromise(apex)
    apex.lead.perceived_pain[:] = 0.0
    for _ in range(5):
        assert apex.step(1.0) == []
    assert apex.step(1.0)[0].new == Phase.LOOSE


def test_a_ban_is_absorbing_and_its_signal_returns_to_the_floor(small_model):
    apex = Apex(small_model)
    apex.start_crackdown(2.6)
    for _ in range(3):
        apex.step(2.6, can_ban=True)
    assert apex.phase() == Phase.BANNED
    lead = apex.lead
    signal, floor = lead.signal[0], lead.floor[0]
    assert apex.step(3.0, triggers=_triggers(scandal=True), can_ban=True) == []
    # L relaxes toward L_min + F (τ_L,comp = 6); the floor stays
    assert lead.signal[0] == pytest.approx(signal + (0.05 + floor - signal) / 6.0)
    assert lead.floor[0] == floor
    for _ in range(200):
        assert apex.step(3.0, triggers=_triggers(scandal=True)) == []
    assert apex.phase() == Phase.BANNED
    assert lead.signal[0] == pytest.approx(0.05 + floor)


def test_compromise_back_to_crackdown_above_the_hard_threshold(small_model):
    apex = Apex(small_model)
    _to_compromise(apex)
    changes = apex.step(1.81)
    assert [(c.old, c.new, c.cause) for c in changes] == [
        (Phase.COMPROMISE, Phase.CRACKDOWN, Cause.HARD)]


def test_climate_decays_and_jumps_at_onsets(small_model):
    apex = Apex(small_model, n=2, alignment=[0.2, 0.9])
    lead = apex.lead
    apex.start_crackdown(1.2)  # both sectors: severity 0.35 + 0.5·0.2 = 0.45
    assert lead.climate == 0.0  # the jump lands next month
    reach = lead.update_climate(apex.alignment, LP)
    # jumps 0.45·0.8 = 0.36 and 0.45·0.1 = 0.045 combine: 1 − 0.64·0.955
    assert lead.climate == pytest.approx(1 - 0.64 * 0.955)
    np.testing.assert_allclose(reach, lead.climate * np.array([0.8, 0.1]))
    k = lead.climate
    lead.update_climate(apex.alignment, LP)  # no onset: decays with τ_K = 15
    assert lead.climate == pytest.approx(k * math.exp(-1 / 15))


def test_single_onset_climate_jump_and_saturation(small_model):
    apex = Apex(small_model, alignment=[0.2])
    apex.start_crackdown(1.2)
    apex.lead.update_climate(apex.alignment, LP)
    assert apex.lead.climate == pytest.approx(0.36)  # severity × (1 − alignment)
    apex.lead.climate = 0.5
    apex.lead._climate_jump = 0.36
    apex.lead.update_climate(apex.alignment, LP)
    decayed = 0.5 * math.exp(-1 / 15)
    assert apex.lead.climate == pytest.approx(decayed + (1 - decayed) * 0.36)


def test_no_climate_when_the_jump_is_zero(small_model):
    apex = Apex(small_model, lp=dataclasses.replace(LP, climate_jump=0.0))
    apex.start_crackdown(1.6)
    apex.lead.update_climate(apex.alignment, apex.lp)
    assert apex.lead.climate == 0.0


def test_reach_adds_to_severity(small_model):
    apex = Apex(small_model)
    apex.lead.reach = np.array([0.5])
    apex.start_crackdown(1.2)
    assert apex.lead.severity[0] == pytest.approx(0.45 + 0.3 * 0.5)  # + K_sev·reach


def test_perceived_pain_mixes_sector_and_economy_pain(small_model):
    lead = Leadership(small_model, 2, LP)
    lead.perceive_pain(np.array([1.0, 0.0]), 0.4, 0.5, 4.0)
    # target ½·0.4 + ½·sector pain; τ_P = 4 from 0
    np.testing.assert_allclose(lead.perceived_pain, [0.7 / 4, 0.2 / 4])


def test_rules_mode_never_changes_phase(small_model):
    lp = dataclasses.replace(LP, mode="rules")
    apex = Apex(small_model, lp=lp)
    apex.lead.perceived_pain[:] = 0.1
    # target clip(L_min + F + k_A·max(Â/θ − a, 0) − k_P·P̂) = 0.05 + 0.05 + 0.4 − 0.1 = 0.4
    assert apex.step(1.0) == []
    assert apex.lead.signal[0] == pytest.approx(0.1 + (0.4 - 0.1) / 3.0)
    for _ in range(200):
        assert apex.step(50.0, triggers=_triggers(scandal=True, defiance=True),
                         can_ban=True) == []
    assert apex.phase() == Phase.LOOSE
    assert apex.lead.months_in_phase[0] == 0
    assert apex.lead.signal[0] == pytest.approx(1.0)  # clipped at 1


def test_leadership_is_a_single_agent(small_model):
    assert len(small_model.agents_by_type[Leadership]) == 1
    assert small_model.leadership.phase.tolist() == [int(Phase.LOOSE)] * 5


# ============================================================================ the wiring


def test_agents_of_the_small_model(small_model, small_params):
    firms = small_model.tech_firms
    assert len(firms) == small_params.firms.n_firms
    firm = next(iter(firms))
    assert firm.revenue == small_model.firms.revenue[firm.slot]
    assert firm.sector == small_model.firms.sector[firm.slot]
    names = [a.name for a in small_model.agents_by_type[Agency]]
    assert names == list(AGENCIES)
    unified = RegulatoryModel(small_params.override({"agencies.structure": "unified"}), rng=0)
    assert [a.name for a in unified.agents_by_type[Agency]] == ["unified"]
    assert unified.growth_faction == 0.0 and unified.local_underreporting == 0.0


def test_the_model_starts_at_a_lax_steady_state(small_model, small_params):
    m, p = small_model, small_params
    live = m.firms.live
    # the public's alarm starts at A_0
    np.testing.assert_allclose(m.public.alarm, [s.initial_alarm for s in p.sectors])
    # firms are at their best response to the enforcement they face and their records
    years = fm.record_years(m.firms.violation[live], m.firms.revenue[live])
    target = fm.best_response(m.firms.belief[live], years, p.firms, p.agencies)
    np.testing.assert_allclose(m.firms.aggressiveness[live], target, atol=1e-6)
    np.testing.assert_allclose(m.firms.belief[live], m.firms.enforcement_faced[live])
    # every channel at its steady value, all sectors LOOSE
    np.testing.assert_allclose(m.channels.reports, m.channel_reports(m.harm_by_dim))
    assert (m.leadership.phase == int(Phase.LOOSE)).all()


def test_can_ban_needs_a_ban_possible_low_alignment_sector(small_params):
    m = RegulatoryModel(small_params, rng=0)
    assert m.can_ban.tolist() == [False, False, True, False, False]
    aligned = RegulatoryModel(small_params.override({"sectors.edtech.alignment": 0.3}), rng=0)
    assert not aligned.can_ban.any()


def test_licence_freeze_and_content_filter_in_the_effective_profile(small_params):
    m = RegulatoryModel(small_params.override({"agencies.content_filter": 0.6,
                                               "agencies.content_floor": 0.5,
                                               "agencies.licence_freeze": 0.8}), rng=0)
    m.hhi = m.hhi0.copy()
    calm = m.harm_profile(np.zeros(5, bool))
    # content × (1 − k_c·E_c) with E_c = ½: × 0.7
    np.testing.assert_allclose(calm[:, 2], m.profile[:, 2] * 0.7)
    frozen = m.harm_profile(np.ones(5, bool))
    gaming = m.sector_names.index("gaming")
    assert frozen[gaming, 2] == 0.0  # 1 − 0.3 − 0.8 < 0: clipped, the freeze cuts it all
    others = [s for s in range(5) if s != gaming]
    np.testing.assert_allclose(frozen[others], calm[others])


def _with_events(params: Params, *events: ScheduledEvent, **overrides) -> Params:
    params = params.override(overrides) if overrides else params
    return dataclasses.replace(params, exogenous=ExogenousParams(events=events))


def test_scheduled_defiance_reveals_hidden_harm(small_params):
    p = _with_events(small_params, ScheduledEvent(3, "defiance", "platform", 1.0))
    m = RegulatoryModel(p, rng=1).run()
    s = m.series()
    assert s["transparency.platform"].iloc[3] == 1.0
    ev = m.events()
    rev = ev[ev.kind == "revelation"]
    assert rev.month.tolist() == [3] and rev.cause.astype(str).tolist() == ["defiance"]
    assert s["perceived_alarm.platform"].iloc[3] == pytest.approx(
        s["alarm.platform"].iloc[3] * (1 - 0.6 * s["pledged_share.platform"].iloc[3]))


def test_a_sector_without_revenue_runs(small_params):
    # revenue_share 0 is allowed: its firms have no revenue, no harm, no fines, and no NaN
    p = small_params.override({"sectors.ai.revenue_share": 0.0})
    s = RegulatoryModel(p, rng=1).run().series()
    assert np.isfinite(s.select_dtypes("number").to_numpy(float)).all()


def test_targeting_weights_are_finite_for_zero_revenue(make_firms):
    pop = make_firms([0.0, 0.0], violation=1.0)
    w = ag.targeting_weights(pop, np.arange(2), 0.5, np.zeros(2), AP, 0.3)
    assert np.isfinite(w).all()


MODULES = ("firms", "local", "agencies", "public", "information", "markets", "leadership",
           "model", "dynamics", "founding", "sectors", "exogenous", "turnover", "rare_events",
           "collection")
READ_ELSEWHERE = {
    # read through a property: κ_k as harm_tolerance, a sector's profile as harms
    **{f"leadership.tolerance_{d}": "harm_tolerance" for d in HARM_DIMENSIONS},
    **{f"sectors.harm_{d}": "harms" for d in HARM_DIMENSIONS},
}


def test_every_declared_parameter_is_read_by_the_model():
    """A parameter no mechanism reads is a slider that does nothing (v2 had two at first).

    A static check: each field must be read as ``.<name>`` somewhere in ``sim/model/`` (the
    run group is read by the runner, not the mechanisms).
    """
    source = "".join((Path(mechanisms.__file__).parent / f"{m}.py").read_text()
                     for m in MODULES)
    keys = [(f"{g}.{f.name}", f.name) for g, cls in GROUPS.items() if g != "run"
            for f in dataclasses.fields(cls)]
    keys += [(f"sectors.{f.name}", f.name) for f in dataclasses.fields(SectorSpec)
             if f.name != "name"]
    unread = [key for key, name in keys if f".{READ_ELSEWHERE.get(key, name)}" not in source]
    assert unread == []


# ============================================================================ mutation survivors
# Tests written to kill mutants that survived a mutmut pass over sim/model/ (benchmarks/
# MUTATION.md). Each pins a rule the tests above left free; the numbers are worked by hand.


def test_alarm_is_read_relative_to_a_threshold_other_than_one(small_model):
    """Â enters every rule as Â/θ_s: with θ_s = 2 a division and a product differ.

    (The tests above use θ = 1, where Â/θ = Â·θ.)
    """
    apex = Apex(small_model)
    lead = apex.lead
    lead.threshold = np.array([2.0])
    lead.onset_threshold = np.array([2.0])
    assert apex.step(3.0) == []  # Â/θ = 1.5 < h = 1.8: no hard onset (Â·θ = 6 would be)
    # pain borne θ_P·(Â/θ)^γ·(1 + κ_content) = 0.5·1.5^0.5·2
    assert lead.pain_borne[0] == pytest.approx(math.sqrt(1.5))
    apex.step(3.0, triggers=_triggers(scandal=True))
    # severity c_L0 + k_A·(Â/θ − 1) = 0.35 + 0.5·0.5
    assert lead.severity[0] == pytest.approx(0.6)
    assert [(c.new, c.cause) for c in apex.step(3.7)] == []  # in a crackdown: no new onset
    rules = Apex(small_model, lp=dataclasses.replace(LP, mode="rules"))
    rules.lead.threshold = np.array([2.0])
    rules.lead.perceived_pain[:] = 0.1
    rules.step(2.0)
    # target L_min + F + k_A·max(Â/θ − a, 0) − k_P·P̂ = 0.05 + 0.05 + 0.4 − 0.1 = 0.4; τ = 3
    assert rules.lead.signal[0] == pytest.approx(0.1 + 0.3 / 3.0)


def test_hard_onset_at_a_threshold_other_than_one(small_model):
    apex = Apex(small_model)
    apex.lead.threshold = np.array([2.0])
    apex.lead.onset_threshold = np.array([2.0])
    changes = apex.step(3.7)  # Â/θ = 1.85 > 1.8
    assert [(c.new, c.cause) for c in changes] == [(Phase.CRACKDOWN, Cause.HARD)]


def test_pain_borne_falls_with_the_alarm_below_the_threshold(small_model):
    """(Â/θ)^γ is not floored at 1: a crackdown whose alarm has faded ends on less pain."""
    apex = Apex(small_model)
    apex.start_crackdown()
    apex.step(0.25)
    assert apex.lead.pain_borne[0] == pytest.approx(0.5 * 0.5 * 2.0)  # θ_P·0.25^0.5·2


def test_severity_is_capped_at_one(small_model):
    apex = Apex(small_model)
    apex.start_crackdown(5.0)  # 0.35 + 0.5·4 = 2.35 → 1
    assert apex.lead.severity[0] == 1.0
    assert apex.lead.signal[0] == pytest.approx(0.1 + 0.9 / 1.5)


def test_each_onsets_climate_jump_is_capped_at_one_before_they_combine(small_model):
    """jump = min(1, k_K·severity·(1 − α)); two onsets combine as 1 − Π(1 − jump).

    With k_K = 3 and severity 0.45 each jump is 1.35 → 1, so K = 1. Uncapped, the two jumps
    would combine to 1 − 0.35² = 0.8775.
    """
    lp = dataclasses.replace(LP, climate_jump=3.0)
    apex = Apex(small_model, n=2, lp=lp)
    apex.start_crackdown(1.2)
    apex.lead.update_climate(apex.alignment, lp)
    assert apex.lead.climate == 1.0


def test_onset_needs_alarm_strictly_above_the_onset_threshold(small_model):
    apex = Apex(small_model)
    assert apex.step(1.0, triggers=_triggers(scandal=True)) == []  # Â = θ_on: not above
    assert apex.step(1.8) == []  # Â/θ = h exactly: not above the hard threshold
    assert apex.phase() == Phase.LOOSE


def test_phase_changes_name_their_sector_and_old_phase(small_model):
    """Hard onsets, bans and relief in one sector leave the other sector alone."""
    apex = Apex(small_model, n=2)
    changes = apex.step([1.0, 1.81])
    assert [(c.sector, c.old, c.new, c.cause) for c in changes] == [
        (1, Phase.LOOSE, Phase.CRACKDOWN, Cause.HARD)]
    assert apex.phase(0) == Phase.LOOSE
    assert apex.lead.severity[0] == 0.0


def test_ban_and_relief_changes_name_their_old_phase(small_model):
    apex = Apex(small_model)
    apex.start_crackdown()
    apex.lead.months_in_phase[:] = 5
    apex.lead.ban_pressure[:] = 2.5  # = C_ban; Â/θ = 0.6 = b_0 adds nothing
    changes = apex.step(0.6, can_ban=True)  # pressure reaches C_ban: ≥ bans
    assert [(c.old, c.new, c.cause) for c in changes] == [
        (Phase.CRACKDOWN, Phase.BANNED, Cause.BAN)]
    apex = Apex(small_model)
    _to_compromise(apex)
    apex.lead.perceived_pain[:] = 0.0
    apex.lead.months_in_phase[:] = 6
    changes = apex.step(1.0)
    assert [(c.sector, c.old, c.new, c.cause) for c in changes] == [
        (0, Phase.COMPROMISE, Phase.LOOSE, Cause.RELIEF)]


def test_hard_return_from_compromise_names_its_sector(small_model):
    apex = Apex(small_model, n=2)
    apex.lead.phase[:] = int(Phase.COMPROMISE)
    changes = apex.step([1.0, 1.81])
    assert [(c.sector, c.old, c.new, c.cause) for c in changes] == [
        (1, Phase.COMPROMISE, Phase.CRACKDOWN, Cause.HARD)]
    assert apex.phase(0) == Phase.COMPROMISE
    assert apex.step([1.8, 1.0]) == []  # sector 0 at Â/θ = h exactly: not above
    assert apex.phase(0) == Phase.COMPROMISE


def test_a_ban_does_not_skip_the_other_sectors_this_month(small_model):
    apex = Apex(small_model, n=2)
    apex.start_crackdown(1.2)
    apex.lead.months_in_phase[:] = 5
    apex.lead.ban_pressure[:] = [3.0, 0.0]
    changes = apex.step(1.6, can_ban=np.array([True, False]))
    assert [(c.sector, c.new) for c in changes] == [(0, Phase.BANNED)]
    assert apex.lead.ban_pressure[1] == pytest.approx(1.0)  # sector 1 still accumulated 1.6 − 0.6


def test_exit_and_relief_need_strict_inequalities(small_model):
    """Exit needs P̂ > pain borne; relief needs P̂ < r_P·θ_P: equality stays put."""
    apex = Apex(small_model)
    apex.start_crackdown()
    apex.lead.months_in_phase[:] = 6
    apex.lead.perceived_pain[:] = 1.0  # pain borne at Â = θ: 0.5·1·2 = 1.0
    assert apex.step(1.0) == []
    apex = Apex(small_model)
    _to_compromise(apex)
    apex.lead.months_in_phase[:] = 6
    apex.lead.perceived_pain[:] = 0.25  # = r_P·θ_P
    assert apex.step(1.0) == []
    assert apex.phase() == Phase.COMPROMISE


def test_rules_mode_clips_at_the_minimum_signal_and_leaves_banned_sectors(small_model):
    apex = Apex(small_model, n=2, lp=dataclasses.replace(LP, mode="rules"))
    lead = apex.lead
    np.testing.assert_array_equal(lead.pain_borne, [0.0, 0.0])  # an array even in rules mode
    lead.phase[1] = int(Phase.BANNED)
    lead.signal[1] = 0.7
    lead.perceived_pain[:] = 1.0  # 0.1 + 0.4 − 1.0 < L_min: target clipped to 0.05
    apex.step(1.0)
    assert lead.signal[0] == pytest.approx(0.1 + (0.05 - 0.1) / 3.0)
    assert lead.signal[1] == 0.7


def test_draw_targets_returns_the_largest_keys_largest_first():
    """Keys log(u)/w, largest first: with equal weights the order of the uniforms.

    Pins the order of the targets (a demonstration goes to the first) and the partition
    that keeps exactly the k largest keys.
    """
    members = np.arange(10, 18)
    u = [0.2, 0.9, 0.5, 0.3, 0.95, 0.1, 0.6, 0.4]
    by_u = [14, 11, 16, 12, 17, 13, 10, 15]  # members by u, largest first
    for k in range(1, 8):
        got = ag.draw_targets(members, np.ones(8), k, FixedUniform(u))
        assert got.tolist() == by_u[:k], k


def test_draw_targets_floor_is_relative_to_the_largest_weight():
    """The floor that keeps every firm possible is 1e-12 × the largest weight, not absolute.

    Weights (1e-6, 0), uniforms (0.5, 0.9): keys log(0.5)/1e-6 ≈ −6.9e5 and
    log(0.9)/1e-18 ≈ −1.1e17, so the firm with a record comes first. (A floor of
    1e-12 / max = 1e-6 would put the other first.)
    """
    got = ag.draw_targets(np.array([3, 5]), np.array([1e-6, 0.0]), 2, FixedUniform([0.5, 0.9]))
    assert got.tolist() == [3, 5]


def test_confidence_is_valuation_over_peak_and_zero_without_a_peak():
    mk, _ = _markets(revenue=(1.0, 1.0, 1.0), trend=(0.01, 0.01, 0.01))
    mk.valuation = np.array([0.5, 0.0, 2.0])
    mk.peak = np.array([2.0, 0.0, 2.0])
    # V/peak; a sector with no peak (gone) has no confidence, not 0/0
    np.testing.assert_array_equal(mk.confidence(), [0.25, 0.0, 1.0])


def test_targeting_size_is_relative_to_the_largest_even_below_one(make_firms):
    """Size is R/R_max (scale-free) for any revenue scale, and a blacklist of one month left
    still earns the bonus."""
    pop = make_firms([0.25, 0.5], violation=10.0)
    ap = dataclasses.replace(AP, visibility_base=1.0, visibility_signal=0.0)
    members, none = np.arange(2), np.zeros(2)
    np.testing.assert_allclose(ag.targeting_weights(pop, members, 0.0, none, ap, 0.3),
                               [5.0, 10.0])  # V·R/R_max = 10·(½, 1)
    pop.blacklist[0] = 1
    np.testing.assert_allclose(ag.targeting_weights(pop, members, 0.0, none, ap, 0.3),
                               [10.0, 10.0])  # × (1 + b_BL)


def test_fine_headline_is_relative_to_the_largest_even_below_one(make_firms):
    # one year of record each (V = 12·R); at L = 0 fine_rate = f_0 = 0.01; × (R/R_max)^½
    pop = make_firms([0.25, 0.5], violation=[3.0, 6.0])
    rates = ag.fine_rates(pop, np.arange(2), np.arange(2), 0.0, FINE_AP)
    np.testing.assert_allclose(rates, [0.01 * math.sqrt(0.5), 0.01])


def test_sanction_reports_its_sector_targets_and_rates(make_firms):
    pop = make_firms([10.0, 3.0], violation=[100.0, 50.0])
    done = ag.sanction(pop, 2, np.array([1]), np.array([0.05]), 0.2, 0.3, AP)
    assert done.sector == 2
    assert done.slots.tolist() == [1]
    np.testing.assert_allclose(done.rates, [0.05])
    np.testing.assert_allclose(done.amounts, [0.05 * 12.0 * 3.0])


def test_valuation_prices_expected_growth_above_tolerance_at_an_annual_rate():
    """V = R·exp(−ρ·Ê + k_G·12·(Ĝ − g_y)); Ĝ relaxes (12 months) to the realised growth.

    Sector 0 grows by 0.13 in log: Ĝ = 0.01 + 0.12/12 = 0.02, V = e^0.13·e^(12·0.01).
    Sector 1 is flat: Ĝ = 0.01 − 0.01/12, V = e^(−0.01).
    """
    mk, mp = _markets(peak_decay=0.0)
    _update(mk, mp, [math.exp(0.13), 1.0])
    np.testing.assert_allclose(mk.valuation, [math.exp(0.25), math.exp(-0.01)])


def test_valuation_subtracts_the_tolerated_growth():
    # Ĝ = 0.02 against g_y = 0.01: e^(12·(0.02 − 0.01)), not e^(12·(0.02 + 0.01))
    mk, mp = _markets(peak_decay=0.0)
    _update(mk, mp, [math.exp(0.13), 1.0])
    assert mk.valuation[0] == pytest.approx(math.exp(0.13 + 0.12))


def test_job_loss_is_measured_from_a_decaying_peak():
    """jobs pain = 1 − J/J_peak with J_peak = max(J_peak·(1 − d), J)."""
    mk, mp = _markets(peak_decay=0.01)
    _update(mk, mp, [1.0, 1.0], jobs=[0.5, 1.0])
    np.testing.assert_allclose(mk.jobs_peak, [0.99, 1.0])
    np.testing.assert_allclose(mk.jobs, [1.0 - 0.5 / 0.99, 0.0])


def test_a_sector_with_no_peak_has_no_drawdown_and_no_job_loss():
    # zero revenue and jobs from the start: peaks are 0, and 0/0 counts as no loss (not NaN)
    mk, mp = _markets(revenue=(0.0, 1.0))
    _update(mk, mp, [0.0, 1.0], jobs=[0.0, 1.0])
    np.testing.assert_array_equal(mk.drawdown, [0.0, 0.0])
    np.testing.assert_array_equal(mk.jobs, [0.0, 0.0])


def test_economy_pain_and_growth_at_small_and_zero_total_revenue():
    """Economy pain = Σ pain·R / Σ R + macro for any revenue scale; growth = log(ΣR / ΣR_before).

    With no revenue left both fall back: pain to the macro shock alone, growth to 0 (not NaN or
    −inf).
    """
    mk, mp = _markets(revenue=(0.25, 0.25), growth_valuation=0.0)
    _update(mk, mp, [0.25, 0.5], enforcement=[0.6, 0.0], macro=0.1)
    assert mk.pain[0] > 0.0  # the drawdown of the enforced sector
    assert mk.economy_pain == pytest.approx((0.25 * mk.pain[0] + 0.5 * mk.pain[1]) / 0.75 + 0.1)
    assert mk.growth == pytest.approx(math.log(0.75 / 0.5))
    _update(mk, mp, [0.0, 0.0], macro=0.1)
    assert mk.economy_pain == pytest.approx(0.1)
    assert mk.growth == 0.0
