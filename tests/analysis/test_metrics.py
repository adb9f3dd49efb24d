import math

import numpy as np
import pytest
from scipy import stats

from sim.analysis.metrics import (
    coefficient_of_variation,
    crackdowns,
    crossing_time,
    dominant_period,
    drawdown,
    excess_kurtosis,
    jaccard,
    phase_locking,
    rise_time,
    synchrony,
)
from sim.analysis.synthetic import synthetic_events, synthetic_series

T = np.arange(240)


def test_crossing_and_rise_time_on_a_ramp():
    t = np.arange(11.0)
    assert crossing_time(t, t, 2.5) == pytest.approx(2.5)
    assert crossing_time(t, t, 0.0) == 0.0
    assert math.isnan(crossing_time(t, t, 11.0))
    assert rise_time(t, t) == pytest.approx(8.0)  # from 1 to 9
    # a step: 10 % and 90 % both crossed between months 3 and 4
    step = np.r_[np.zeros(4), np.ones(3)]
    assert rise_time(np.arange(7.0), step) == pytest.approx(0.8)
    assert math.isnan(rise_time(t, np.ones(11)))


def test_drawdown_cv_kurtosis_jaccard():
    assert drawdown(np.array([50, 100.0]), np.array([80, 40.0, 60])) == pytest.approx(0.6)
    assert math.isnan(drawdown(np.array([0.0]), np.array([0.0])))
    assert coefficient_of_variation([10, 20, 30]) == pytest.approx(0.5)
    assert math.isnan(coefficient_of_variation([7.0]))
    assert excess_kurtosis([-1, 1] * 5) == pytest.approx(-2.0)
    assert excess_kurtosis([0] * 8 + [1, -1]) == pytest.approx(2.0)
    assert math.isnan(excess_kurtosis([0.0] * 10))
    x = np.random.default_rng(3).standard_t(4, 500)
    assert excess_kurtosis(x) == pytest.approx(stats.kurtosis(x, fisher=True, bias=True))
    a = np.array([1, 1, 0, 0, 1], bool)
    b = np.array([0, 1, 1, 0, 1], bool)
    assert jaccard(a, b) == pytest.approx(2 / 4)
    assert math.isnan(jaccard(np.zeros(3, bool), np.zeros(3, bool)))


def test_dominant_period_of_sinusoids():
    assert dominant_period(np.sin(2 * np.pi * T / 40)) == pytest.approx(40.0)
    assert dominant_period(0.3 + 0.2 * np.cos(2 * np.pi * T / 24)) == pytest.approx(24.0)
    summed = [np.sin(2 * np.pi * T / 40), 2 * np.sin(2 * np.pi * T / 60)]
    assert dominant_period(summed) == pytest.approx(60.0)
    assert math.isnan(dominant_period(np.full(240, 0.4)))


def test_phase_locking_value():
    x = np.sin(2 * np.pi * T / 40)
    assert phase_locking(x, np.sin(2 * np.pi * T / 40 + 1.0)) == pytest.approx(1.0, abs=1e-9)
    assert phase_locking(x, np.sin(2 * np.pi * T / 60)) == pytest.approx(0.0, abs=1e-9)
    assert math.isnan(phase_locking(x, np.zeros(240)))


def test_crackdown_table_of_hand_run(hand_run):
    series, events = hand_run
    cds = crackdowns(series, events)
    assert cds[["sector", "onset", "end", "duration", "next_phase", "cycle_end"]].values.tolist() \
        == [["a", 6, 9, 4, "COMPROMISE", 14], ["a", 23, 25, 3, "COMPROMISE", 29],
            ["b", 8, 11, 4, "COMPROMISE", 14]]
    a1, a2, b1 = (cds.loc[i] for i in range(3))
    # enforcement
    assert (a1.trough_enforcement, a1.peak_enforcement, a1.peak_month) == (0.05, 1.1, 8)
    assert a1.amplitude == pytest.approx(1.05)
    assert a1.onset_sharpness == pytest.approx(7.5 - 5.25)
    assert (a2.trough_enforcement, a2.peak_enforcement, a2.peak_month) == (0.2, 0.8, 23)
    assert a2.onset_sharpness == pytest.approx(0.8)
    assert b1.onset_sharpness == pytest.approx(0.8)
    assert b1.amplitude == pytest.approx(0.6)
    # trigger → first sanction (the sanction at month 3 predates the onset)
    assert cds["trigger"].tolist() == [6.0, 23.0, 8.0]
    assert cds["trigger_to_sanction"].tolist() == [1.0, 0.0, 2.0]
    # slow exit, pain at the switch
    assert cds["peak_to_compromise"].tolist() == [2.0, 3.0, 4.0]
    assert cds["pain_at_exit"].tolist() == [0.5, 0.6, 0.4]
    # valuation drawdown
    assert cds["drawdown_index"].tolist() == pytest.approx([0.6, 1 - 66 / 110, 0.6])
    assert cds["drawdown_sector"].tolist() == pytest.approx([0.6, 1 - 66 / 110, 0.6])
    # harm and floor before / after
    assert a1.harm_before == pytest.approx(2.0)
    assert a1.harm_after == pytest.approx(26 / 12)
    assert a2.harm_before == pytest.approx(28 / 12)
    assert a2.harm_after == pytest.approx(0.5)
    assert cds["floor_before"].tolist() == pytest.approx([0.1, 0.2, 0.1])
    assert cds["floor_after"].tolist() == pytest.approx([0.2, 0.3, 0.1])
    assert cds["fines"].tolist() == [8.0, 0.0, 0.0]
    assert not cds["left_censored"].any()


def test_trigger_from_phase_change_event_a_month_early(hand_run):
    series, events = hand_run
    events.loc[events["kind"] == "phase_change", "month"] = 7
    cds = crackdowns(series, events)
    b1 = cds.loc[cds["sector"] == "b"].iloc[0]
    assert (b1.trigger, b1.trigger_to_sanction) == (7.0, 3.0)


def test_without_events_and_with_censoring():
    series = synthetic_series({"s": ["CRACKDOWN"] * 3 + ["BANNED"] * 2},
                              values={"enforcement.s": [0.9, 1.0, 0.8, 0.0, 0.0]})
    cds = crackdowns(series, None)
    row = cds.iloc[0]
    assert row.left_censored and not row.right_censored
    assert row.next_phase == "BANNED"
    assert row.cycle_end == 2
    assert row.trough_enforcement == 0.9
    assert math.isnan(row.trigger_to_sanction)
    assert math.isnan(row.peak_to_compromise)
    empty = crackdowns(synthetic_series({"s": ["LOOSE"] * 4}), synthetic_events([]))
    assert len(empty) == 0


def test_synchrony_of_hand_run(hand_run):
    series, _ = hand_run
    sync = synchrony(series)
    assert sync["overlap"] == pytest.approx(2 / 9)
    assert 0.0 <= sync["plv"] <= 1.0
    locked = synthetic_series({"x": ["LOOSE"] * 240, "y": ["LOOSE"] * 240},
                              values={"enforcement.x": 0.5 + 0.4 * np.sin(2 * np.pi * T / 48),
                                      "enforcement.y": 0.4 + 0.2 * np.sin(2 * np.pi * T / 48 - 1)})
    assert synchrony(locked)["plv"] == pytest.approx(1.0, abs=1e-9)
    assert math.isnan(synchrony(locked)["overlap"])


def test_dominant_period_ignores_a_run_long_trend():
    drift = np.sin(2 * np.pi * T / 40) + 0.02 * T  # the drift alone would win at 4N / 1 months
    assert dominant_period(drift) == pytest.approx(40.0)


def test_peak_to_compromise_counts_from_the_plateau():
    # enforcement creeps towards 1 into the compromise; the plateau (90 % of the rise) is month 3
    phases = ["LOOSE"] * 2 + ["CRACKDOWN"] * 4 + ["COMPROMISE"] * 4
    enf = [0.0, 0.0, 0.5, 0.95, 0.97, 0.98, 0.99, 1.0, 0.6, 0.3]
    row = crackdowns(synthetic_series({"s": phases}, values={"enforcement.s": enf})).iloc[0]
    assert (row.peak_enforcement, row.peak_month) == (1.0, 7)
    assert row.peak_to_compromise == 6 - 3
    # 10 % (0.1) at month 1 + 0.1 / 0.5; 90 % (0.9) at month 2 + 0.4 / 0.45
    assert row.onset_sharpness == pytest.approx((2 + 0.4 / 0.45) - (1 + 0.2))
