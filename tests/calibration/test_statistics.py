"""Summary statistics: known answers on hand-made frames (censoring included), agreement with
sim.analysis on model runs, determinism, and the record's fitting set on the baseline.

Runs use seeds >= 1000 (never used for tuning).
"""

import math
from pathlib import Path

import numpy as np
import pytest

from sim.analysis.stylized import Run, crackdown_table, headline_fines, onset_spread
from sim.analysis.summary import summarize_run
from sim.analysis.synthetic import synthetic_events, synthetic_series
from sim.calibration import (
    CAMPAIGN_SECTORS,
    KINDS,
    STATISTICS,
    StatisticError,
    load_record,
    simulate,
    statistics_of,
)
from sim.calibration.statistics import RATIO_CAP
from sim.experiment.scenario import load_scenario
from sim.model import RegulatoryModel
from sim.model.params import DEFAULT_SECTORS, ScheduledEvent

ROOT = Path(__file__).resolve().parents[2]
L, C, K, B = "LOOSE", "CRACKDOWN", "COMPROMISE", "BANNED"
END = 35  # the window: months 0..35 of a 40-month run (36..39 must be ignored)


def _piece(*pieces):
    return np.concatenate([np.full(n, v, dtype=float) for n, v in pieces])


@pytest.fixture(scope="module")
def hand():
    """40 months, the five default sectors; statistics over months 0..35.

    platform: L 0-9 | C 10-15 | K 16-19 | L 20-27 | C 28-39 (running at the window's end)
    fintech:  C 0-3 (under way at month 0: no onset) | K 4-6 | L 7-20 | C 21-24 | K 25-39
    edtech:   L 0-11 | C 12-16 | BANNED 17-39
    gaming:   L 0-29 | C 30-39
    ai:       L throughout
    valuation index 100 but 40 in months 14-15, 30 in month 18, 10 in month 37 (outside).
    """
    phases = {
        "platform": [L] * 10 + [C] * 6 + [K] * 4 + [L] * 8 + [C] * 12,
        "fintech": [C] * 4 + [K] * 3 + [L] * 14 + [C] * 4 + [K] * 15,
        "edtech": [L] * 12 + [C] * 5 + [B] * 23,
        "gaming": [L] * 30 + [C] * 10,
        "ai": [L] * 40,
    }
    index = np.full(40, 100.0)
    index[14:16], index[18], index[37] = 40.0, 30.0, 10.0
    cases = _piece((10, 1), (12, 3), (18, 0))
    fines = np.zeros(40)
    fines[5], fines[11], fines[12], fines[13] = 2.0, 10.0, 20.0, 10.0
    values = {"valuation_index": index, "cases.platform": cases, "fines.platform": fines,
              "revenue.platform": 100.0}
    sanction = {"kind": "sanction", "sector": "platform"}
    events = synthetic_events([
        sanction | {"month": 11, "firm_id": 1, "firm_revenue": 10.0, "magnitude": 0.02,
                    "fine": 10.0},
        sanction | {"month": 12, "firm_id": 2, "firm_revenue": 8.0, "magnitude": 0.03,
                    "fine": 20.0},
        sanction | {"month": 12, "firm_id": 3, "firm_revenue": 1.0, "magnitude": 0.09,
                    "fine": 5.0},  # not dominant: 1 % of the sector
        sanction | {"month": 13, "firm_id": 1, "firm_revenue": 10.0, "magnitude": 0.04,
                    "fine": 10.0},
        sanction | {"month": 20, "firm_id": 2, "firm_revenue": 8.0, "magnitude": 0.08,
                    "fine": 5.0},  # after the crackdown, inside its first year
        {"month": 12, "kind": "scheduled", "sector": "platform", "detail": "foreign_listing",
         "magnitude": 1.0},
        {"month": 38, "kind": "sanction", "sector": "gaming", "firm_id": 9,
         "firm_revenue": 1.0, "magnitude": 0.5, "fine": 1.0},  # outside the window
    ])
    return synthetic_series(phases, start="2008-01", values=values), events


EXPECTED = {
    "first_onset.platform": 10, "first_length.platform": 6, "second_onset.platform": 28,
    "second_length.platform": 8,  # censored: 28..35
    "last_onset.platform": 28, "last_length.platform": 8, "crackdowns.platform": 2,
    "any_crackdown.platform": 1, "banned.platform": 0, "ban_month.platform": 36,
    "first_onset.fintech": 21, "first_length.fintech": 4, "crackdowns.fintech": 1,
    "any_crackdown.fintech": 1, "second_onset.fintech": 36, "second_length.fintech": 0,
    "first_onset.edtech": 12, "first_length.edtech": 5, "ban_month.edtech": 17,
    "banned.edtech": 1, "first_onset.gaming": 30, "first_length.gaming": 6,
    "first_onset.ai": 36, "first_length.ai": 0, "last_length.ai": 0, "any_crackdown.ai": 0,
    "crackdowns.ai": 0, "ban_month.ai": 36,
    "gap.platform.fintech": 11, "gap.platform.ai": 26, "gap.edtech.gaming": 18,
    "onset_spread": 20,  # first onsets 10, 21, 12, 30
    "wave_spread": 18,  # platform 28, fintech 21, edtech 12, gaming 30
    "drawdown_max": 0.7,  # platform's first cycle 10..19: 30 against 100
    "easing_to_trough.platform": 2,  # trough in month 18, easing in 16
    "headline_fine.platform": 0.035,  # firm 1: 0.04, firm 2: 0.03 (firm 3 not dominant)
    "cases_ratio.platform": 3.6,  # 12 × 3 against 10 × 1
    "fines_ratio.platform": 20.0,  # 40 against 2
    "top2_fine_share.platform": 0.9,  # firm 2: 25, firm 1: 20, firm 3: 5
    "listing_rectification.platform": 8,  # listed in 12 (CRACKDOWN), LOOSE again in 20
    "cases_ratio.ai": 1, "fines_ratio.ai": 1, "top2_fine_share.ai": 0, "headline_fine.ai": 0,
    "easing_to_trough.ai": 0, "headline_fine.edtech": 0,
}


def test_known_answers_on_a_hand_made_run(hand):
    series, events = hand
    got = statistics_of(series, events, end_month=END, names=list(EXPECTED))
    assert list(got) == list(EXPECTED)
    for name, value in EXPECTED.items():
        assert got[name] == pytest.approx(value), name
        assert type(got[name]) is float


def test_the_window_ignores_later_months(hand):
    """Month 37's index fall and month 38's sanction lie outside months 0..35."""
    series, events = hand
    wide = statistics_of(series, events, end_month=39,
                         names=["drawdown_max", "second_length.platform", "first_length.gaming"])
    assert wide == {"drawdown_max": 0.9, "second_length.platform": 12.0,
                    "first_length.gaming": 10.0}


def test_drawdown_and_counts_agree_with_the_summary(hand):
    series, events = hand
    cut = series.iloc[:END + 1]
    summary = summarize_run(cut, events.loc[events["month"] <= END])
    got = statistics_of(series, events, end_month=END,
                        names=["drawdown_max", *[f"crackdowns.{s}" for s in EXPECTED_SECTORS]])
    assert got["drawdown_max"] == pytest.approx(summary["drawdown_max"])
    for s in EXPECTED_SECTORS:
        assert got[f"crackdowns.{s}"] == summary[f"n_crackdowns.{s}"]


EXPECTED_SECTORS = tuple(s.name for s in DEFAULT_SECTORS)


def test_censoring_and_neutral_values():
    quiet = synthetic_series({s: [L] * 12 for s in EXPECTED_SECTORS}, start="2008-01",
                             values={"valuation_index": 100.0})
    names = ["first_onset.platform", "first_length.platform", "ban_month.edtech",
             "onset_spread", "wave_spread", "drawdown_max", "fines_ratio.platform",
             "easing_to_trough.platform", "headline_fine.platform"]
    got = statistics_of(quiet, None, end_month=11, names=names)
    assert got == {"first_onset.platform": 12.0, "first_length.platform": 0.0,
                   "ban_month.edtech": 12.0, "onset_spread": 0.0, "wave_spread": 12.0,
                   "drawdown_max": 0.0, "fines_ratio.platform": 1.0,
                   "easing_to_trough.platform": 0.0, "headline_fine.platform": 0.0}


def test_an_incomplete_wave_counts_as_the_window():
    phases = {s: [L] * 5 + [C] * 7 for s in CAMPAIGN_SECTORS} | {"ai": [L] * 12}
    phases["gaming"] = [L] * 12  # three sectors crack down together, gaming never
    series = synthetic_series(phases, start="2008-01")
    got = statistics_of(series, None, end_month=11, names=["wave_spread", "onset_spread"])
    assert got == {"wave_spread": 12.0, "onset_spread": 7.0}


def test_fines_ratio_is_capped_without_fines_before(hand):
    series, events = hand
    fines = series["fines.platform"].to_numpy().copy()
    fines[5] = 0.0
    got = statistics_of(series.assign(**{"fines.platform": fines}), events, end_month=END,
                        names=["fines_ratio.platform"])
    assert got["fines_ratio.platform"] == RATIO_CAP


def test_listing_statistic_reads_the_scheduled_events(hand):
    series, events = hand

    def at(month: int) -> float:
        listing = [ScheduledEvent(month=month, kind="foreign_listing", sector="platform")]
        return statistics_of(series, events, end_month=END, scheduled=listing,
                             names=["listing_rectification.platform"])[
            "listing_rectification.platform"]

    assert at(12) == 8.0  # in the crackdown: back to LOOSE in month 20
    assert at(17) == 3.0  # in the compromise
    assert at(22) == 0.0  # LOOSE: the listing started nothing
    assert at(30) == 6.0  # still in CRACKDOWN at the end: counted to month 36
    with pytest.raises(StatisticError, match="needs a scheduled foreign_listing in platform"):
        statistics_of(series, events, end_month=END, scheduled=[],
                      names=["listing_rectification.platform"])


def test_bad_requests_raise(hand):
    series, events = hand
    with pytest.raises(StatisticError, match="unknown statistics"):
        statistics_of(series, events, end_month=END, names=["first_onset.p2p"])
    with pytest.raises(StatisticError, match=r"need months 0\.\.50"):
        statistics_of(series, events, end_month=50, names=["first_onset.platform"])
    two = synthetic_series({"platform": [L] * 40, "fintech": [L] * 40}, start="2008-01")
    with pytest.raises(StatisticError, match="no sector 'edtech'"):
        statistics_of(two, None, end_month=END, names=["first_onset.edtech"])
    broken = series.assign(**{"phase.ai": ["SLEEPING"] * 40})
    with pytest.raises(StatisticError, match="unknown phase 'SLEEPING'"):
        statistics_of(broken, events, end_month=END, names=["any_crackdown.ai"])


def test_registry_is_complete():
    families = {n.split(".")[0] for n in STATISTICS if n.count(".") == 1}
    for family in families:
        assert all(f"{family}.{s}" in STATISTICS for s in EXPECTED_SECTORS), family
    for stat in STATISTICS.values():
        assert stat.kind in KINDS and stat.doc and set(stat.sectors) <= set(EXPECTED_SECTORS)
        assert stat.bounds[0] <= stat.bounds[1]


# ---- on model runs (held-out seeds) ---------------------------------------------------------


@pytest.fixture(scope="module")
def history_runs():
    """Seeds 1000-1002 of the history scenario (counterfactual_2020), 216 months."""
    params = load_scenario(ROOT / "scenarios" / "counterfactual_2020.toml").params
    out = []
    for seed in (1000, 1001, 1002):
        model = RegulatoryModel(params, rng=seed).run(216)
        out.append((seed, model.series(), model.events()))
    return params, out


def test_agreement_with_the_analysis_functions(history_runs):
    """Run seeds 1000-1002: the same numbers as summary, stylized.onset_spread, headline_fines."""
    params, runs = history_runs
    names = ["drawdown_max", "onset_spread", "headline_fine.platform",
             *[f"crackdowns.{s}" for s in EXPECTED_SECTORS]]
    for _, series, events in runs:
        got = statistics_of(series, events, end_month=215, names=names,
                            scheduled=params.exogenous.events)
        summary = summarize_run(series, events)
        if math.isfinite(summary["drawdown_max"]):
            assert got["drawdown_max"] == pytest.approx(summary["drawdown_max"], abs=1e-12)
        for s in EXPECTED_SECTORS:
            assert got[f"crackdowns.{s}"] == summary[f"n_crackdowns.{s}"]
        table = crackdown_table(Run(series, events), params)
        assert got["onset_spread"] == onset_spread(table, CAMPAIGN_SECTORS, len(series))
        first = table[table.sector == "platform"].iloc[:1]
        fines = headline_fines(series, events[events.kind == "sanction"], first)
        assert got["headline_fine.platform"] == pytest.approx(
            float(np.median(fines)) if fines.size else 0.0)


def test_scheduled_events_from_the_log_or_the_params_agree(history_runs):
    params, runs = history_runs
    name = ["listing_rectification.platform"]
    for _, series, events in runs:
        assert statistics_of(series, events, end_month=215, names=name) == \
            statistics_of(series, events, end_month=215, names=name,
                          scheduled=params.exogenous.events)


def test_simulate_is_deterministic_and_finite(history_runs):
    params, runs = history_runs
    names = [o.statistic for o in load_record(ROOT / "data" / "record.toml").observations]
    seed, series, events = runs[0]
    first = simulate(params, seed, end_month=215, names=names)
    assert first == simulate(params, seed, end_month=215, names=names)
    assert first == statistics_of(series, events, end_month=215, names=names,
                                  scheduled=params.exogenous.events)
    assert all(type(v) is float and math.isfinite(v) for v in first.values())
    assert first != simulate(params, runs[1][0], end_month=215, names=names)


def test_fitting_statistics_on_the_baseline():
    """Seeds 1000-1009 of the baseline (no scheduled events): every fitted statistic is finite."""
    record = load_record(ROOT / "data" / "record.toml")
    names = [o.statistic for o in record.fitting]
    params = load_scenario(ROOT / "scenarios" / "baseline.toml").params
    for seed in range(1000, 1010):
        got = simulate(params, seed, end_month=record.end_month, names=names)
        assert list(got) == names
        for name, value in got.items():
            lo, hi = STATISTICS[name].bounds
            assert math.isfinite(value) and lo <= value <= hi, (seed, name, value)
