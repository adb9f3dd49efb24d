"""The reduced (mean-field) model (issue #15): invariants, determinism, the vectorised grid, the
closed forms and the agreement measures.

No test here runs the ABM or compares with it (the agreement is measured on held-out seeds
>= 1000 in notebooks/05_regimes.ipynb and reported in docs/ODD.md); the reduced model is
deterministic and draws nothing, so no seed enters these tests.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from sim.analysis.regimes import classify_rows
from sim.meanfield import reduce, simulate
from sim.meanfield.agreement import cohen_kappa, cycle_lengths, latin_hypercube, map_agreement
from sim.meanfield.closed_form import against_integration, lax_equilibrium, onset_alarm
from sim.meanfield.grid import Axis, classify_cells, grid_points, reduced_map
from sim.meanfield.hazards import ban_probability, onset_hazard
from sim.meanfield.model import BANNED, COMPROMISE, CRACKDOWN, LOOSE, RECORDED
from sim.model.params import DEFAULT_SECTORS, ParameterError, Params

MONTHS = 600

# broad ranges, beyond notebook 03's, so that the invariants are checked off the defaults too
RANGES = {"leadership.theta_alarm": (0.4, 3.0), "leadership.theta_pain": (0.1, 3.0),
          "public.amplification": (0.3, 3.0), "public.scandal_rate": (0.05, 1.0),
          "public.tolerance_growth": (0.002, 0.012), "firms.cost": (0.5, 2.0),
          "information.censorship": (0.0, 0.9), "leadership.floor_ratchet": (0.0, 1.0)}


@pytest.fixture(scope="module")
def batch():
    """A batch of 12 parameter points (a Latin hypercube) integrated together, all series."""
    _, points = latin_hypercube(RANGES, 12, seed=3)
    return points, simulate(reduce(points), MONTHS, record=RECORDED)


def test_state_stays_within_its_bounds(batch):
    _, tr = batch
    for name in ("signal", "floor", "enforcement", "aggressiveness", "drawdown"):
        x = tr.series[name]
        assert np.isfinite(x).all() and (x >= 0).all() and (x <= 1 + 1e-12).all(), name
    for name in ("alarm", "perceived", "pain", "shortfall", "harm", "hazard", "pain_bound"):
        x = tr.series[name]
        assert np.isfinite(x).all() and (x >= 0).all(), name
    assert np.isin(tr.phases, [BANNED, LOOSE, COMPROMISE, CRACKDOWN]).all()


def test_phases_follow_the_machine_and_its_minimum_stays(batch):
    points, tr = batch
    allowed = {(LOOSE, CRACKDOWN), (CRACKDOWN, COMPROMISE), (CRACKDOWN, BANNED),
               (COMPROMISE, LOOSE), (COMPROMISE, CRACKDOWN)}
    seen = set()
    for k, p in enumerate(points):
        lp = p.leadership
        for j in range(len(p.sectors)):
            x = tr.phases[k, j]
            assert x[0] == LOOSE  # the lax steady state
            cut = np.flatnonzero(np.diff(x)) + 1
            moves = set(zip(x[cut - 1].tolist(), x[cut].tolist(), strict=True))
            assert moves <= allowed, moves - allowed
            seen |= moves
            if BANNED in x:  # absorbing
                assert (x[np.argmax(x == BANNED):] == BANNED).all()
            bounds = np.concatenate(([0], cut, [x.size]))
            for a, b in itertools.pairwise(bounds):
                if b == x.size:
                    continue  # still running at the horizon
                if x[a] == CRACKDOWN and x[b] == COMPROMISE:
                    assert b - a >= lp.min_crackdown_months
                if x[a] == COMPROMISE and x[b] == LOOSE:
                    assert b - a >= lp.min_compromise_months
    assert {(LOOSE, CRACKDOWN), (CRACKDOWN, COMPROMISE), (COMPROMISE, LOOSE)} <= seen


def test_same_input_same_output():
    points = [Params(), Params().override({"leadership.theta_pain": 1.2})]
    a = simulate(reduce(points), 300, record=("alarm", "pain"))
    b = simulate(reduce(points), 300, record=("alarm", "pain"))
    assert np.array_equal(a.phases, b.phases)
    assert np.array_equal(a.series["alarm"], b.series["alarm"])
    assert np.array_equal(a.series["pain"], b.series["pain"])


def test_vectorised_grid_equals_cell_by_cell():
    cells, points = grid_points(Params(), Axis("leadership.theta_alarm", 0.6, 2.4, 3),
                                Axis("public.tolerance_growth", 0.004, 0.012, 2))
    together = simulate(reduce(points), MONTHS, record=("alarm", "pain"))
    assert len(cells) == 6 and cells["x"].tolist()[:3] == pytest.approx([0.6, 1.5, 2.4])
    for k, p in enumerate(points):
        alone = simulate(reduce(p), MONTHS, record=("alarm", "pain"))
        assert np.array_equal(together.phases[k], alone.phases[0])
        assert np.array_equal(together.series["alarm"][k], alone.series["alarm"][0])
        assert np.array_equal(together.series["pain"][k], alone.series["pain"][0])
    assert len(np.unique(together.phases.reshape(6, -1), axis=0)) > 1  # the cells differ


def test_fast_classes_are_the_regime_module_s(batch):
    _, tr = batch
    codes = tr.phases.reshape(-1, MONTHS)
    rng = np.random.default_rng(1000)  # hand-made sequences: runs of random phases
    made = np.repeat(rng.choice([LOOSE, CRACKDOWN, COMPROMISE], size=(40, 60)), 10, axis=1)
    made[::7, 300:] = BANNED
    for rows in (codes, made, codes[:, :130]):
        mine = classify_cells(rows, stuck_months=100)
        ref = classify_rows(rows, stuck_months=100)
        assert mine["regime"].tolist() == ref["regime"].tolist()
        assert mine["n_crackdowns"].tolist() == ref["n_crackdowns"].tolist()
        assert np.allclose(mine["open_crackdown"], ref["open_crackdown"])
        assert np.allclose(mine["period"], ref["period"], equal_nan=True)


@pytest.mark.parametrize("sector", ["platform", "fintech", "edtech", "gaming"])
def test_closed_forms_match_the_integrated_phases(sector):
    """Each complete LOOSE and CRACKDOWN of a sector alone (no campaign climate) lasts what
    the closed form says from the state at its start, within 25 % or 3 months."""
    spec = next(s for s in DEFAULT_SECTORS if s.name == sector)
    p = Params(sectors=(spec,)).override({"leadership.climate_jump": 0.0})
    df = against_integration(reduce(p), 1000)
    assert set(df["phase"]) == {"LOOSE", "CRACKDOWN"} and len(df) >= 6
    tolerance = np.maximum(0.25 * df["integrated"], 3.0)
    assert ((df["closed_form"] - df["integrated"]).abs() <= tolerance).all(), df


def test_the_pendulum_stops_where_the_lax_equilibrium_stays_below_the_onset_alarm():
    """Closed form: no onset ever when A_eq(F = 0) < A_on; the integrated model agrees."""
    spec = DEFAULT_SECTORS[0]
    low = Params(sectors=(spec,)).override({"leadership.climate_jump": 0.0})
    high = low.override({"leadership.theta_alarm": 3.0})
    for p, cycles in ((low, True), (high, False)):
        r = reduce(p)
        recurs = lax_equilibrium(r, 0.0, 600.0) > onset_alarm(r.theta_s, r)
        assert bool(recurs[0, 0]) is cycles
        phases = simulate(r, 1200).phases[0, 0]
        assert (CRACKDOWN in phases) is cycles


def test_hazards_known_answers():
    r = reduce(Params())
    shape = r.alpha.shape
    theta_on = np.full(shape, 1.5)
    far = onset_hazard(np.full(shape, 0.3), np.full(shape, 0.2), np.full(shape, 0.3), theta_on,
                       np.zeros((1, 1)), r)
    assert (far == 0).all()  # no scandal's heat can bridge 1.2 (cap 50 × 0.016)
    near = onset_hazard(np.full(shape, 1.45), np.full(shape, 0.8), np.full(shape, 1.4),
                        theta_on, np.zeros((1, 1)), r)
    above = onset_hazard(np.full(shape, 2.0), np.full(shape, 1.6), np.full(shape, 1.4),
                         theta_on, np.zeros((1, 1)), r)
    assert (near > 0).all() and (above > near).all()
    p = ban_probability(np.array([[0.0, 1.0, 2.5, 10.0]]), r.take([0]))
    assert p[0, 0] == 0 and p[0, 2] == pytest.approx(0.5) and np.all(np.diff(p[0]) > 0)


def test_reduced_map_and_agreement_measures():
    df = reduced_map(Params(), Axis("leadership.theta_alarm", 0.75, 3.0, 3),
                     Axis("public.tolerance_growth", 0.004, 0.014, 2), 600,
                     sectors=["platform", "gaming"])
    assert len(df) == 12 and set(df["sector"]) == {"platform", "gaming"}
    assert (df["share"] == 1).all() and df["regime"].isin(["none", "one", "recurrent",
                                                           "stuck", "ban"]).all()
    assert df.loc[df["regime"] != "recurrent", "period"].isna().all()
    assert cohen_kappa(["a", "b", "a", "b"], ["a", "b", "a", "b"]) == 1.0
    assert cohen_kappa(["a", "a", "b", "b"], ["a", "b", "a", "b"]) == pytest.approx(0.0)
    # a textbook case: 20 items, 70 % agreement, marginals 10/10 and 11/9 -> κ = 0.4
    x = ["y"] * 10 + ["n"] * 10
    y = ["y"] * 7 + ["n"] * 3 + ["y"] * 4 + ["n"] * 6
    assert cohen_kappa(x, y) == pytest.approx((0.65 - 0.5) / 0.5)
    agreement = map_agreement(x, y)
    assert agreement["agree"] == pytest.approx(0.65) and agreement["cells"] == 20
    assert int(agreement["confusion"].to_numpy().sum()) == 20


def test_cycle_lengths_of_a_hand_made_run():
    run = np.array([[0] * 10 + [2] * 5 + [1] * 3 + [0] * 20 + [2] * 4 + [1] * 2 + [0] * 6])
    df = cycle_lengths(run, ["s"]).set_index("sector")
    assert df.loc["s", "crackdown"] == 4.5 and df.loc["s", "compromise"] == 2.5
    assert df.loc["s", "lax"] == 20 and df.loc["s", "period"] == 28
    assert df.loc["s", "n_lax"] == 1  # the initial and the final LOOSE are censored


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="rules mode"):
        simulate(reduce(Params().override({"leadership.mode": "rules"})), 10)
    with pytest.raises(ValueError, match="unknown series"):
        simulate(reduce(Params()), 10, record=("nonsense",))
    with pytest.raises(ValueError, match="sectors"):
        reduce([Params(), Params(sectors=DEFAULT_SECTORS[:2])])
    with pytest.raises(ParameterError, match="theta_alarm"):
        grid_points(Params(), Axis("leadership.theta_alarm", 0.1, 9.0, 2),
                    Axis("leadership.theta_pain", 0.2, 0.4, 2))
    assert isinstance(latin_hypercube(RANGES, 3, seed=1)[0], pd.DataFrame)
