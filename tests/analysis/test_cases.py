"""sim.analysis.cases: sanctions as a table, summed per crackdown (hand-built run)."""

import numpy as np
import pytest

from sim.analysis.cases import CAMPAIGN_COLUMNS, SANCTION_COLUMNS, campaign_cases, sanctions
from sim.analysis.synthetic import synthetic_events, synthetic_series

L, C, K, B = "LOOSE", "CRACKDOWN", "COMPROMISE", "BANNED"


@pytest.fixture
def run():
    """12 months; sector a: L 0-2 | C 3-6 | K 7-11; sector b: L 0-4 | C 5-7 | B 8-11."""
    phases = {"a": [L] * 3 + [C] * 4 + [K] * 5, "b": [L] * 5 + [C] * 3 + [B] * 4}
    series = synthetic_series(phases, values={"revenue.a": 100.0, "revenue.b": 50.0})
    events = synthetic_events([
        {"month": 1, "kind": "sanction", "sector": "a", "firm_id": 7, "firm_revenue": 10.0,
         "agency": "antitrust", "magnitude": 0.01, "fine": 1.2},
        {"month": 4, "kind": "sanction", "sector": "a", "firm_id": 7, "firm_revenue": 20.0,
         "agency": "antitrust", "magnitude": 0.04, "fine": 9.6},
        {"month": 5, "kind": "sanction", "sector": "a", "firm_id": 8, "firm_revenue": 5.0,
         "agency": "cyberspace", "magnitude": 0.02, "fine": 1.2},
        {"month": 6, "kind": "sanction", "sector": "b", "firm_id": 9, "firm_revenue": 25.0,
         "agency": "education", "magnitude": 0.03, "fine": 9.0},
        {"month": 6, "kind": "scandal", "sector": "b", "magnitude": 7.0},
    ])
    return series, events


def test_sanctions_table(run):
    series, events = run
    table = sanctions(series, events)
    assert list(table.columns) == list(SANCTION_COLUMNS)
    assert len(table) == 4  # the scandal is not a sanction
    assert table.month.tolist() == [1, 4, 5, 6]
    assert table.phase.tolist() == [L, C, C, C]
    assert table.firm_share.tolist() == pytest.approx([0.1, 0.2, 0.05, 0.5])
    assert table.fine_share.tolist() == pytest.approx([0.01, 0.04, 0.02, 0.03])
    assert str(table.date.iloc[1])[:7] == "2010-05"


def test_sanctions_without_any(run):
    series, _ = run
    empty = synthetic_events([{"month": 2, "kind": "scandal", "sector": "a"}])
    assert sanctions(series, empty).empty
    assert list(sanctions(series, empty).columns) == list(SANCTION_COLUMNS)


def test_campaign_cases(run):
    series, events = run
    table = campaign_cases(series, events)
    assert list(table.columns) == list(CAMPAIGN_COLUMNS)
    assert table.sector.tolist() == ["a", "b"]
    a, b = table.iloc[0], table.iloc[1]
    assert (a.onset, a.end, a.duration, a.next_phase) == (3, 6, 4, K)
    assert (a.cases, a.firms_fined) == (2, 2)  # month 1 was before the crackdown
    assert a.fines == pytest.approx(10.8)
    assert (a.largest_fine_firm, a.largest_fine, a.largest_fine_share) == (7, 9.6, 0.04)
    assert a.largest_fine_firm_share == pytest.approx(0.2)
    assert (b.next_phase, b.cases, b.largest_fine_firm) == (B, 1, 9)


def test_campaign_without_cases():
    series = synthetic_series({"a": [L, C, C, K]})
    table = campaign_cases(series, synthetic_events([]))
    assert len(table) == 1
    assert table.cases.iloc[0] == 0 and table.largest_fine_firm.iloc[0] == -1
    assert np.isnan(table.largest_fine.iloc[0])
