"""Property tests over the declared parameter ranges (hypothesis).

Each example overrides a handful of sweepable numeric parameters, drawn within the ranges
``iter_specs()`` declares, plus the structural choices (mode, structure, retroaction,
revelation) and up to two scheduled events, then runs a small model (30 firms, 5 provinces,
36 months) and checks invariants that must hold for any valid parameters: finite outputs,
signals and enforcement in [0, 1], CAC's content enforcement never below its floor, alarms,
pain and valuation non-negative, valid phases (none at all in rules mode), consistent firm
counts and event logs, and the output schema.

Examples are derandomized, so CI sees the same cases on every run.
"""

import dataclasses

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from small import small_params

from sim.model import RegulatoryModel
from sim.model.params import ExogenousParams, Params, ScheduledEvent, iter_specs
from sim.model.schema import EVENT_COLUMNS, PANEL_COLUMNS, SECTOR_QUANTITIES, series_columns
from sim.model.states import EventKind, Mode, Phase, ScheduledKind, Structure

MONTHS = 36
"""The horizon of every example: the small model's 30 firms and 5 provinces, 36 months."""
SECTORS = Params().sector_names

SPECS = {key: f for key, f, _ in iter_specs()}
SWEEPABLE = sorted(key for key, f in SPECS.items()
                   if f.metadata["sweepable"] and f.type in ("int", "float"))

LOWER_BOUNDS: dict[str, float] = {}
"""Bounds narrower than declared (none: every parameter is drawn over its declared range; a
sector with no revenue at all runs, see ``test_a_sector_without_revenue_runs``)."""

UNIT_SECTOR = ("signal", "floor", "enforcement", "content_enforcement", "enforcement_faced",
               "expected_enforcement", "aggressiveness", "hhi", "protection", "drawdown",
               "pain_jobs", "transparency", "pledged_share")
NON_NEGATIVE_SECTOR = ("threshold", "alarm", "perceived_alarm", "grievance", "scandal_heat",
                       "report_public", "report_agency", "report_local", "revealed_gap", "harm",
                       *(f"harm_{d}" for d in ("competition", "privacy", "content", "labour",
                                               "finance")),
                       "revenue", "valuation", "pain_shortfall", "pain", "perceived_pain",
                       "violation_record", "cases", "fines", "scandals", "n_firms")
UNIT_AGGREGATE = ("drawdown", "mean_protection", "campaign_climate")
NON_NEGATIVE_AGGREGATE = ("valuation_index", "pain", "perceived_pain", "tech_revenue",
                          "fines_total", "max_scandal", "entries", "exits", "acquisitions",
                          "acquisitions_blocked", "cases_opened", "scandals", "defiance_events",
                          "listing_events", "pledges", "n_firms", "mean_fiscal_dependence",
                          "macro_shock")
PHASES = {p.name for p in Phase}
EPS = 1e-12


def _value(key: str):
    f = SPECS[key]
    lo, hi = f.metadata["range"]
    lo = LOWER_BOUNDS.get(key, lo)
    if f.type == "int":
        return st.integers(int(lo), int(hi))
    return st.floats(float(lo), float(hi), allow_nan=False, allow_infinity=False)


@st.composite
def overrides(draw) -> dict:
    keys = draw(st.lists(st.sampled_from(SWEEPABLE), min_size=1, max_size=6, unique=True))
    values = {key: draw(_value(key)) for key in keys}
    values["leadership.mode"] = draw(st.sampled_from([m.value for m in Mode]))
    values["agencies.structure"] = draw(st.sampled_from([s.value for s in Structure]))
    values["agencies.retroactive"] = draw(st.booleans())
    values["information.revelation"] = draw(st.booleans())
    return values


events = st.lists(
    st.builds(ScheduledEvent,
              month=st.integers(0, MONTHS - 1),
              kind=st.sampled_from([k.value for k in ScheduledKind]),
              sector=st.sampled_from(SECTORS),
              magnitude=st.floats(0.0, 1000.0, allow_nan=False)),
    max_size=2)


def build(values: dict, scheduled=()) -> Params:
    p = small_params({**values, "run.firm_panel_every": 6}, months=MONTHS)
    return dataclasses.replace(p, exogenous=ExogenousParams(events=tuple(scheduled)))


def _sector_block(s: pd.DataFrame, q: str, names) -> np.ndarray:
    return s[[f"{q}.{sec}" for sec in names]].to_numpy(dtype=float)


def check_run(model: RegulatoryModel) -> None:
    """Every invariant of one finished run."""
    p = model.p
    names = p.sector_names
    s, ev, panel = model.series(), model.events(), model.firm_panel()

    # ---- schema
    assert list(s.columns) == series_columns(names)
    assert len(s) == p.run.months
    assert s.month.tolist() == list(range(p.run.months))
    assert str(s.date.dtype) == "datetime64[s]"
    assert list(ev.columns) == [c.name for c in EVENT_COLUMNS]
    assert list(panel.columns) == [c.name for c in PANEL_COLUMNS]
    for frame, columns in ((ev, EVENT_COLUMNS), (panel, PANEL_COLUMNS)):
        for c in columns:
            assert str(frame[c.name].dtype) == c.dtype, (c.name, frame[c.name].dtype)
    for q in SECTOR_QUANTITIES:
        for sec in names:
            col = s[f"{q.name}.{sec}"]
            assert str(col.dtype) == q.dtype, (q.name, col.dtype)
    assert set(ev.kind.astype(str)) <= {k.value for k in EventKind}

    # ---- no NaN, no infinity
    numeric = s.select_dtypes(include="number").to_numpy(dtype=float)
    bad = ~np.isfinite(numeric).all(axis=0)
    assert not bad.any(), s.select_dtypes(include="number").columns[bad].tolist()
    assert np.isfinite(ev[["month", "firm_id", "fine"]].to_numpy(dtype=float)).all()
    assert not np.isinf(ev[["firm_revenue", "magnitude"]].to_numpy(dtype=float)).any()
    assert np.isfinite(panel.select_dtypes(include="number").to_numpy(dtype=float)).all()

    # ---- bounds
    for q in UNIT_SECTOR:
        block = _sector_block(s, q, names)
        assert (block >= -EPS).all() and (block <= 1 + EPS).all(), (q, block.min(), block.max())
    for q in NON_NEGATIVE_SECTOR:
        assert (_sector_block(s, q, names) >= -EPS).all(), q
    for name in UNIT_AGGREGATE:
        assert s[name].between(-EPS, 1 + EPS).all(), (name, s[name].min(), s[name].max())
    for name in NON_NEGATIVE_AGGREGATE:
        assert (s[name] >= -EPS).all(), name
    # CAC keeps its content floor in every phase (and content ≥ general enforcement)
    content = _sector_block(s, "content_enforcement", names)
    assert (content >= p.agencies.content_floor - EPS).all(), content.min()
    assert (content >= _sector_block(s, "enforcement", names) - 1e-9).all()
    for col in ("aggressiveness", "expected_enforcement", "protection", "enforcement_faced"):
        assert panel[col].between(0, 1).all(), col
    assert (panel.revenue >= 0).all()
    assert (ev.firm_revenue.dropna() >= 0).all()
    assert (ev.fine >= 0).all()
    sanctions = ev[ev.kind == "sanction"]
    assert (sanctions.magnitude <= p.agencies.fine_cap + EPS).all()

    # ---- phases
    for sec in names:
        phases = s[f"phase.{sec}"].astype(str)
        assert set(phases) <= PHASES, set(phases)
        banned = (phases == "BANNED").to_numpy()
        if banned.any():  # absorbing, and the sector is empty from then on
            assert banned[banned.argmax():].all()
            assert (s[f"n_firms.{sec}"].to_numpy()[banned] == 0).all()
    changes = sum(int((s[f"phase.{sec}"].astype(str).to_numpy()[1:]
                       != s[f"phase.{sec}"].astype(str).to_numpy()[:-1]).sum())
                  + int(s[f"phase.{sec}"].astype(str).iloc[0] != "LOOSE")
                  for sec in names)
    assert (ev.kind == "phase_change").sum() == changes
    if p.leadership.mode == "rules":
        assert changes == 0
        assert (s.phase.astype(str) == "LOOSE").all()

    # ---- firm counts
    n_firms = s.n_firms.to_numpy()
    per_sector = _sector_block(s, "n_firms", names).sum(axis=1)
    np.testing.assert_array_equal(per_sector, n_firms)
    assert n_firms[-1] == len(model.tech_firms)
    assert n_firms[-1] == int(model.firms.alive[: model.firms.n].sum())
    previous = np.r_[p.firms.n_firms, n_firms[:-1]]
    np.testing.assert_array_equal(n_firms, previous + s.entries - s.exits)
    if len(panel):  # panel snapshots hold exactly the live firms
        sizes = panel.groupby("month").size()
        np.testing.assert_array_equal(sizes.to_numpy(), n_firms[sizes.index.to_numpy()])
        assert set(sizes.index) == set(range(0, p.run.months, p.run.firm_panel_every)) - {
            m for m in range(p.run.months) if n_firms[m] == 0}

    # ---- events agree with the series
    per_month = ev.groupby(["month", "kind"], observed=True).size().unstack(fill_value=0)
    per_month = per_month.reindex(index=range(p.run.months), fill_value=0)

    def count(kind: str) -> np.ndarray:
        return (per_month[kind] if kind in per_month else pd.Series(0, per_month.index)
                ).to_numpy()

    np.testing.assert_array_equal(count("entry"), s.entries)
    np.testing.assert_array_equal(count("exit"), s.exits)
    np.testing.assert_array_equal(count("acquisition"), s.acquisitions)
    np.testing.assert_array_equal(count("sanction"), s.cases_opened)
    np.testing.assert_array_equal(count("defiance"), s.defiance_events)
    np.testing.assert_array_equal(count("foreign_listing"), s.listing_events)
    np.testing.assert_array_equal(count("scandal"), s.scandals)
    np.testing.assert_array_equal(count("pledge"), s.pledges)
    if not p.information.revelation:
        assert count("revelation").sum() == 0


@settings(max_examples=30, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(values=overrides(), scheduled=events, seed=st.integers(0, 2**32 - 1))
@example(values={}, scheduled=[], seed=0)
@example(values={"local.protection_slope": 0.0, "local.dependence_max": 0.0,
                 "information.local_underreporting": 10.0}, scheduled=[], seed=1)
@example(values={"public.scandal_alpha": 1.01, "public.amplification": 10.0,
                 "public.scandal_cap": 1000.0, "firms.entry_rate": 1.0}, scheduled=[], seed=2)
@example(values={"leadership.ban_pressure": 0.0, "leadership.ban_min_months": 0,
                 "leadership.theta_alarm": 0.05},
         scheduled=[ScheduledEvent(2, "scandal", "edtech", 1000.0)], seed=3)
@example(values={"sectors.platform.growth": -0.05, "firms.enforcement_drag": 0.2,
                 "firms.growth_noise": 0.2, "firms.revenue_sigma": 4.0}, scheduled=[], seed=4)
@example(values={"leadership.tau_signal_crackdown": 0.5, "agencies.tau_enforcement": 0.25,
                 "agencies.zeal": 2.0, "agencies.harm_response": 5.0, "agencies.harm_knee": 0.0,
                 "leadership.theta_alarm": 0.05},
         scheduled=[ScheduledEvent(0, "defiance", "ai", 1000.0)], seed=5)
@example(values={"leadership.mode": "rules", "leadership.rules_gain_alarm": 5.0,
                 "leadership.rules_onset": 0.0}, scheduled=[], seed=6)
@example(values={"agencies.content_floor": 1.0, "agencies.fine_cap": 1.0,
                 "agencies.fine_signal": 0.5, "firms.acquisition_rate": 1.0},
         scheduled=[ScheduledEvent(5, "macro_shock", "ai", 1000.0)], seed=7)
def test_invariants_hold_over_the_parameter_ranges(values, scheduled, seed):
    model = RegulatoryModel(build(values, scheduled), rng=seed).run()
    check_run(model)


def test_invariants_hold_for_the_small_default_model():
    """The same checks, once, without hypothesis (a quick smoke test of ``check_run``)."""
    model = RegulatoryModel(build({}), rng=11).run()
    check_run(model)
    assert model.series().cases_opened.sum() > 0


def test_every_sweepable_parameter_can_be_drawn():
    """The strategy can reach every sweepable numeric parameter at both ends of its range."""
    assert len(SWEEPABLE) > 100
    for key in SWEEPABLE:
        cast = int if SPECS[key].type == "int" else float
        for end in SPECS[key].metadata["range"]:
            assert Params().override({key: cast(end)}).get(key) == end


def test_run_past_the_planned_horizon_extends_the_series():
    model = RegulatoryModel(build({}), rng=0).run()
    model.run(6)
    s = model.series()
    assert len(s) == MONTHS + 6
    assert s.month.tolist() == list(range(len(s)))
    assert s.n_firms.iloc[-1] == len(model.tech_firms)
    assert np.isfinite(s.select_dtypes(include="number").to_numpy(dtype=float)).all()
