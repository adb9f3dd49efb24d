"""Small hand-worked tests of rules the other model tests left free.

A mutation-testing pass over ``sim/model/`` (mutmut) left mutants that the fast model tests did
not catch. Each test below pins one behaviour such a mutant changed, with inputs chosen by hand
so that the right rule and the plausible wrong ones give different numbers (worked out in the
comments). Parameters are the defaults unless a test says otherwise.
"""

import dataclasses
import math

import hand
import numpy as np
import pytest
from hand import MP, FixedUniform

from sim.model import agencies as ag
from sim.model import firms as fm
from sim.model.agencies import Agency
from sim.model.dynamics import sector_sums
from sim.model.firms import FirmPopulation
from sim.model.information import Channels
from sim.model.local import Provinces
from sim.model.markets import Markets
from sim.model.params import (
    AgencyParams,
    FirmParams,
    InformationParams,
)
from sim.model.states import AGENCY_MANDATE

LOCAL = dataclasses.replace(hand.LOCAL, n_provinces=2)




# ============================================================================ firms


def _add(pop, model, revenue, sector=0):
    k = len(revenue)
    return pop.add(model, np.full(k, sector), np.zeros(k, dtype=np.int64),
                   np.asarray(revenue, dtype=float), np.full(k, 0.5), np.zeros(k),
                   np.zeros(k))


def test_population_grows_past_its_capacity_and_keeps_its_firms(small_model):
    """Adding firms beyond the capacity reallocates: capacity max(2·capacity, n + k), and the
    firms already there keep their whole state (floats, ints and flags)."""
    pop = FirmPopulation(capacity=2)
    assert pop.capacity == 2
    _add(pop, small_model, [5.0, 7.0], sector=3)
    pop.violation[:2] = [1.5, 2.5]
    pop.pledged[1] = True
    slots = _add(pop, small_model, [9.0])  # n = 3 > 2: capacity 2·2 = 4
    assert slots.tolist() == [2]
    assert pop.capacity == 4
    slots = _add(pop, small_model, [1.0] * 6)  # n = 9 > 4: capacity max(8, 9) = 9
    assert slots.tolist() == list(range(3, 9))
    assert pop.capacity == 9
    assert pop.n == 9
    np.testing.assert_array_equal(pop.revenue[:9], [5.0, 7.0, 9.0] + [1.0] * 6)
    np.testing.assert_array_equal(pop.violation[:3], [1.5, 2.5, 0.0])
    np.testing.assert_array_equal(pop.sector[:3], [3, 3, 0])
    np.testing.assert_array_equal(pop.pledged[:3], [False, True, False])
    assert pop.alive[:9].all()
    assert pop.live.tolist() == list(range(9))


def test_a_removed_firm_leaves_the_model_and_its_slot_reads_empty(small_model):
    """remove(): the Mesa agent leaves the model and its entry becomes None; the slot is dead,
    unpledged, with no revenue, harm or record — also as a retired agent reads it."""
    pop = small_model.firms
    n = pop.n
    pop.harm[:n] = 0.5
    pop.pledged[:n] = True
    before = pop.revenue[:n].copy()
    gone, kept = pop.agents[1], pop.agents[2]
    pop.remove(np.array([1]), vacate=True)
    assert pop.agents[1] is None
    assert gone not in small_model.agents
    assert kept in small_model.agents
    assert not gone.alive and not gone.pledged
    assert gone.revenue == 0.0 and gone.violation_record == 0.0
    assert pop.vacant[1]
    for name in ("revenue", "harm", "violation", "recent_violation"):
        assert getattr(pop, name)[1] == 0.0, name
    # the other firms are untouched
    np.testing.assert_array_equal(np.delete(pop.revenue[:n], 1), np.delete(before, 1))
    assert pop.pledged[[0, 2]].all()
    assert pop.live.tolist() == [0, *range(2, n)]


def test_largest_with_one_member_and_with_no_count(make_firms):
    """A sector of one firm has that firm as its largest; a count of zero or less selects no
    firm (the guard ``k <= 0``; no caller passes a negative count)."""
    pop = make_firms([4.0, 1.0, 2.0])
    assert fm.largest(pop, np.array([2]), 5).tolist() == [2]
    assert fm.largest(pop, np.array([2]), 1).tolist() == [2]
    assert fm.largest(pop, np.array([0, 1, 2]), 0).tolist() == []
    assert fm.largest(pop, np.array([0, 1, 2]), -1).tolist() == []


def test_largest_breaks_revenue_ties_by_slot_in_large_sectors(make_firms):
    """Firms of equal revenue (same-month entrants start at the same size) are ranked by slot,
    also in sectors of more than 16 firms, where numpy's default (unstable) sort reorders ties:
    the ranking — who acquires first, who pledges — does not depend on the sort algorithm."""
    revenue = [3, 2, 2, 1, 1, 1, 1, 1, 1, 3, 2, 3, 2, 2, 3, 3, 2]
    pop = make_firms(np.array(revenue, dtype=float))
    members = np.arange(17)
    assert fm.largest(pop, members, 5).tolist() == [0, 9, 11, 14, 15]
    assert fm.largest(pop, members, 17).tolist() == [0, 9, 11, 14, 15, 1, 2, 10, 12, 13, 16,
                                                     3, 4, 5, 6, 7, 8]


PLEDGE_AP = dataclasses.replace(AgencyParams(), fine_base=0.0625, fine_signal=0.25,
                                retroactive=True)
PLEDGE_FP = dataclasses.replace(FirmParams(), pledge_top=5, pledge_cost=0.0625)


def test_a_lone_open_firm_pledges_only_if_its_penalty_exceeds_the_cost(make_firms):
    """With a single firm left to pledge, the cost test still applies: no record, no pledge."""
    pop = make_firms([1.0], violation=0.0, belief=0.5)
    got = fm.pledge_candidates(pop, np.array([0]), 0.5, PLEDGE_FP, PLEDGE_AP)
    assert got.tolist() == []
    pop.violation[0] = 24.0  # two years of record: 0.5·0.125·2 = 0.125 > 0.0625
    got = fm.pledge_candidates(pop, np.array([0]), 0.5, PLEDGE_FP, PLEDGE_AP)
    assert got.tolist() == [0]


def test_a_pledge_needs_a_penalty_strictly_above_its_cost(make_firms):
    """ê·fine_rate(ê)·years > c_pl, strictly: at ê = ½, fine_rate = 1/16 + ¼·¼ = ⅛, one year of
    record gives exactly ½·⅛·1 = 1/16 = c_pl (no pledge); two years give ⅛ (pledge)."""
    pop = make_firms([1.0, 1.0], violation=[12.0, 24.0], belief=0.0)
    got = fm.pledge_candidates(pop, np.array([0, 1]), 0.5, PLEDGE_FP, PLEDGE_AP)
    assert got.tolist() == [1]


def test_defiance_hazard_is_quadratic_in_the_share():
    """d_0·(share/0.1)²·(1 − E)·(1 − α): share 0.3 gives 9× (not 6×) the base rate."""
    fp = dataclasses.replace(FirmParams(), defiance_rate=0.01)
    got = fm.defiance_probability(0.3, 0.5, 0.2, fp)
    assert got == pytest.approx(0.01 * 9.0 * 0.5 * 0.8)
    assert fm.defiance_probability(0.2, 0.0, 0.0, fp) == pytest.approx(0.04)


# ============================================================================ agencies


def test_agency_agents_carry_their_mandate_sectors_and_enforcement(small_model):
    """Each Agency agent holds its mandate (the dimensions it watches), the sectors it leads and
    reports their enforcement by sector name."""
    model = small_model
    agents = list(model.agents_by_type[Agency])
    assert agents
    regs = model.regulators
    led = set()
    for agent in agents:
        assert agent.mandate == AGENCY_MANDATE[agent.name]
        leads = tuple(s for s, lead in enumerate(regs.lead) if lead == agent.name)
        assert agent.leads == leads
        led.update(leads)
        assert agent.enforcement == {model.sector_names[s]: float(regs.enforcement[s])
                                     for s in leads}
    assert led == set(range(model.n_sectors))


def test_draw_targets_without_any_record_follows_the_uniforms():
    """A sector where no firm has a record (all weights 0) still yields its cases, drawn as with
    equal weights: the largest uniform first (the floor keeps every weight positive)."""
    members = np.array([4, 6, 8])
    u = [0.2, 0.9, 0.5]
    got = ag.draw_targets(members, np.zeros(3), 1, FixedUniform(u))
    assert got.tolist() == [6]
    got = ag.draw_targets(members, np.zeros(3), 3, FixedUniform(u))
    assert got.tolist() == [6, 8, 4]


def test_draw_targets_picks_the_largest_key_for_one_case():
    """One case among several firms goes to the firm with the largest key log(u)/w.

    Keys: log(0.5)/1 ≈ −0.69, log(0.9)/1 ≈ −0.11, log(0.6)/2 ≈ −0.26, log(0.3)/4 ≈ −0.30: the
    second firm, then the third, then the fourth.
    """
    members = np.array([10, 11, 12, 13])
    w = np.array([1.0, 1.0, 2.0, 4.0])
    u = [0.5, 0.9, 0.6, 0.3]
    assert ag.draw_targets(members, w, 1, FixedUniform(u)).tolist() == [11]
    assert ag.draw_targets(members, w, 2, FixedUniform(u)).tolist() == [11, 12]
    assert ag.draw_targets(members, w, 3, FixedUniform(u)).tolist() == [11, 12, 13]


def test_draw_targets_keeps_exactly_the_largest_keys_in_a_large_sector():
    """In a sector of 300 firms with equal weights the k cases go to the k largest uniforms,
    largest first. (numpy partitions arrays of more than 256 elements without sorting them, so
    only a large sector shows that the partition keeps exactly the k largest keys.)"""
    n = 300
    u = ((np.arange(n) * 97) % 301 + 1) / 302.0  # distinct, in scrambled order
    members = np.arange(1000, 1000 + n)
    by_u = members[np.argsort(-u)]
    for k in (1, 2, 5, 40):
        got = ag.draw_targets(members, np.ones(n), k, FixedUniform(u))
        assert got.tolist() == by_u[:k].tolist(), k


# ============================================================================ information


def test_channels_with_all_weights_zero_weigh_them_equally():
    """w = (0, 0, 0) is allowed; the mix then falls back to equal weights ⅓ (not 0/0)."""
    ip = dataclasses.replace(InformationParams(), weight_public=0.0, weight_agency=0.0,
                             weight_local=0.0)
    initial = np.array([[3.0, 0.3], [6.0, 0.6], [12.0, 1.2]])
    ch = Channels(initial, ip)
    np.testing.assert_allclose(ch.weights, [1.0 / 3.0] * 3)
    np.testing.assert_allclose(ch.mix, [7.0, 0.7])


def test_channels_as_built_perceive_the_mix(small_model):
    """Before any month (no revelation, no pledges) the perceived alarm is the channels' mix:
    Â = B. (The dashboard plots the model as built.)"""
    ip = InformationParams()
    initial = np.array([[1.0, 2.0], [3.0, 0.0], [0.0, 4.0]])
    ch = Channels(initial, ip)
    w = np.array([ip.weight_public, ip.weight_agency, ip.weight_local])
    np.testing.assert_allclose(ch.perceived, w @ initial / w.sum())
    ch = small_model.channels
    np.testing.assert_array_equal(ch.perceived, ch.mix)


# ============================================================================ markets


def _markets(revenue, enforcement, trend, mp=MP, tolerance_growth=0.01):
    revenue = np.asarray(revenue, dtype=float)
    return Markets(revenue, revenue.copy(), np.asarray(enforcement, float),
                   np.asarray(trend, float), mp, tolerance_growth)


def _update(mk, revenue, enforcement, mp=MP):
    revenue = np.asarray(revenue, dtype=float)
    n = len(revenue)
    mk.update(revenue, revenue.copy(), np.asarray(enforcement, float), np.zeros(n, bool),
              np.zeros(n, bool), 0.0, mp)


def test_starting_valuation_prices_enforcement_and_growth_and_sets_the_first_peak():
    """V_0 = R·exp(−ρ·E + k_G·12·(trend − g_Y)); the first month's drawdown is measured from it.

    Sector 0: E = 0.5, trend 0.02, g_Y = 0.01: V_0 = e^(−0.5 + 0.12) = e^−0.38. A flat month at
    the same E: Ê stays 0.5, Ĝ = 0.02·11/12, V_1 = e^(−0.5 + 12·(0.02·11/12 − 0.01)) = e^−0.4,
    so (no peak decay) drawdown = 1 − e^−0.02. Sector 1 (E = 0, trend = g_Y) starts at V = R.
    """
    mp = dataclasses.replace(MP, peak_decay=0.0)
    mk = _markets([1.0, 2.0], [0.5, 0.0], [0.02, 0.01], mp)
    np.testing.assert_allclose(mk.valuation, [math.exp(-0.38), 2.0])
    np.testing.assert_allclose(mk.peak, mk.valuation)
    assert mk.index == pytest.approx(100.0)
    _update(mk, [1.0, 2.0], [0.5, 0.0], mp)
    assert mk.valuation[0] == pytest.approx(math.exp(-0.4))
    assert mk.drawdown[0] == pytest.approx(1.0 - math.exp(-0.02))
    assert mk.peak[0] == pytest.approx(math.exp(-0.38))


def test_markets_as_built_have_no_economy_pain():
    """Before any month the economy's pain is 0 (the dashboard plots the model as built)."""
    mk = _markets([1.0, 1.0], [0.3, 0.0], [0.01, 0.01])
    assert mk.economy_pain == 0.0


def test_index_peak_starts_at_100_and_decays_when_the_index_falls():
    """index_peak = max(index_peak·(1 − δ_peak), index), from 100: halving revenue (index
    ≈ 50) leaves a peak of 100·0.99 = 99, then 99·0.99; the drawdown reads against it."""
    mk = _markets([1.0, 1.0], [0.0, 0.0], [0.01, 0.01])
    assert mk.index_peak == 100.0
    _update(mk, [0.5, 0.5], [0.0, 0.0])
    assert mk.index < 60.0
    assert mk.index_peak == pytest.approx(99.0)
    _update(mk, [0.5, 0.5], [0.0, 0.0])
    assert mk.index_peak == pytest.approx(99.0 * 0.99)


# ============================================================================ local governments


def _provinces(base):
    prov = Provinces(LOCAL, np.random.default_rng(0))
    prov.base_dependence = np.asarray(base, dtype=float)
    return prov


def test_dependence_is_relative_to_the_mean_tax_base():
    """d_p = min(1, d⁰_p · tax_p / mean tax); protection = min(π_max, π_0 + π_d·d_p).

    Taxes (1, 3), mean 2: relative (½, 3/2); d⁰ = (0.2, 0.4) gives d = (0.1, 0.6) and
    protection (0.2 + 0.08, 0.2 + 0.48). (tax × mean would give (0.4, 1).)
    """
    prov = _provinces([0.2, 0.4])
    prov.update(np.array([1.0, 3.0]), LOCAL)
    np.testing.assert_allclose(prov.dependence, [0.1, 0.6])
    np.testing.assert_allclose(prov.protection, [0.28, 0.68])


def test_no_tax_base_means_no_dependence():
    """With no tech tax anywhere (every firm gone) provinces depend on nothing: d = 0 (a float
    array, not 0/0), protection at π_0, and the hidden share still weights harm sums."""
    prov = _provinces([0.2, 0.4])
    prov.update(np.zeros(2), LOCAL)
    assert prov.dependence.dtype == np.float64
    np.testing.assert_array_equal(prov.dependence, [0.0, 0.0])
    np.testing.assert_allclose(prov.protection, [0.2, 0.2])
    hidden = prov.hidden_share(np.array([0, 1]), np.array([0, 0]), np.array([0.0]), 1.5)
    np.testing.assert_array_equal(sector_sums(np.array([0, 0]), 2.0 * (1.0 - hidden), 1), [4.0])


def test_an_entrant_starts_clean_even_in_a_reused_population(small_model):
    """add(): a new firm is alive, unpledged, not listed abroad and not a vacancy, whatever the
    flags of the slots before it (set here to the opposite on purpose)."""
    pop = FirmPopulation(capacity=8)
    _add(pop, small_model, [1.0, 2.0])
    pop.pledged[:2] = True
    pop.listed_abroad[:2] = True
    pop.vacant[:2] = True
    slots = _add(pop, small_model, [3.0])
    assert not pop.pledged[slots].any()
    assert not pop.listed_abroad[slots].any()
    assert not pop.vacant[slots].any()
    assert pop.alive[slots].all()


def test_sector_harm_sums_revenue_times_aggressiveness_per_sector(small_model):
    """harm(): a sector's harm in dimension k is Σ_i R_i·a_i·profile_{s,k} over its live firms
    (not a count of firms), with a row for every sector, including an empty last one."""
    pop = FirmPopulation(capacity=4)
    _add(pop, small_model, [2.0, 4.0], sector=0)  # aggressiveness 0.5 each: Σ R·a = 3
    _add(pop, small_model, [10.0], sector=1)      # Σ R·a = 5
    profile = np.array([[1.0, 0.5], [0.2, 0.0], [1.0, 1.0]])
    out = fm.harm(pop, profile, FirmParams(), recent_months=12.0, n_sectors=3)
    np.testing.assert_allclose(out, [[3.0, 1.5], [1.0, 0.0], [0.0, 0.0]])
