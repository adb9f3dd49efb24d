"""A hand-built two-sector run whose cycle metrics are worked out by hand in the tests."""

import numpy as np
import pytest

from sim.analysis.synthetic import synthetic_events, synthetic_series

L, C, K, B = "LOOSE", "CRACKDOWN", "COMPROMISE", "BANNED"


def _piecewise(*pieces):
    return np.concatenate([np.full(n, v, dtype=float) for n, v in pieces])


@pytest.fixture
def hand_run():
    """30 months, sectors a and b.

    a: L 0-5 | C 6-9 | K 10-14 | L 15-22 | C 23-25 | K 26-29 (right-censored)
    b: L 0-7 | C 8-11 | K 12-14 | L 15-29
    """
    phases = {
        "a": [L] * 6 + [C] * 4 + [K] * 5 + [L] * 8 + [C] * 3 + [K] * 4,
        "b": [L] * 8 + [C] * 4 + [K] * 3 + [L] * 15,
    }
    enf_a = _piecewise((4, 0.1), (1, 0.05), (1, 0.1), (1, 0.5), (1, 0.9), (1, 1.1), (1, 1.0),
                       (5, 0.5), (8, 0.2), (3, 0.8), (4, 0.4))
    enf_b = _piecewise((8, 0.0), (4, 0.6), (3, 0.3), (15, 0.1))
    index = _piecewise((3, 100), (1, 120), (2, 100), (1, 90), (1, 60), (1, 48), (6, 70),
                       (8, 110), (4, 80), (1, 66), (2, 80))
    pain = np.zeros(30)
    pain[10], pain[26], pain[12] = 0.5, 0.6, 0.4
    fines_a = np.zeros(30)
    fines_a[7], fines_a[8] = 5.0, 3.0
    values = {
        "enforcement.a": enf_a,
        "enforcement.b": enf_b,
        "valuation_index": index,
        "valuation.a": index / 2,
        "valuation.b": index / 2,
        "perceived_pain": pain,
        "harm.a": _piecewise((6, 2.0), (9, 1.0), (8, 3.0), (7, 0.5)),
        "floor.a": _piecewise((10, 0.1), (16, 0.2), (4, 0.3)),
        "floor.b": 0.1,
        "fines.a": fines_a,
        "fines_total": fines_a,
    }
    events = synthetic_events([
        {"month": 3, "kind": "sanction", "sector": "a", "magnitude": 0.04},
        {"month": 7, "kind": "sanction", "sector": "a", "magnitude": 0.03},
        {"month": 8, "kind": "phase_change", "sector": "b", "detail": C},
        {"month": 10, "kind": "sanction", "sector": "b", "magnitude": 0.02},
        {"month": 23, "kind": "sanction", "sector": "a", "magnitude": 0.05},
        {"month": 12, "kind": "scandal", "sector": "a", "magnitude": 9.0},
    ])
    return synthetic_series(phases, values=values), events
