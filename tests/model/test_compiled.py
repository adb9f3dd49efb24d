"""The compiled month (sim/model/kernel.py) against the mechanism modules it was written from.

``RegulatoryModel(engine="numpy")`` runs the mechanism modules (the reference, unit-tested one
by one in test_mechanisms.py); the default engine runs the same month in numba kernels. Same
draws in the same order: every phase, event, count and firm must be the same, and every float
equal but for the last bits in which numpy's vectorised ``exp``/``log``/``pow`` and the C
library's round differently (rtol 1e-12; measured differences are ≤ 4e-16). Seeds are held-out
seeds (≥ 1000), never used for tuning; the variants switch on every branch of the month
(unified regulator, rules mode, acquisitions, no retroaction, no revelation, scheduled events of
every kind, a ban, the firm panel, firm arrays and the event buffer outgrowing their first size).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from small import small_params

from sim.model import compiled, kernel
from sim.model.model import RegulatoryModel
from sim.model.params import ExogenousParams, Params, ScheduledEvent

RTOL = 1e-12

SCHEDULED = (ScheduledEvent(month=10, kind="scandal", sector="platform", magnitude=30.0),
             ScheduledEvent(month=12, kind="defiance", sector="fintech", magnitude=1.0),
             ScheduledEvent(month=14, kind="foreign_listing", sector="platform", magnitude=1.0),
             ScheduledEvent(month=20, kind="macro_shock", sector="", magnitude=0.3))

VARIANTS: dict[str, dict] = {
    "default": {},
    "unified": {"agencies.structure": "unified"},
    "rules": {"leadership.mode": "rules"},
    "acquisitions": {"firms.acquisition_rate": 0.1},
    "no retroaction": {"agencies.retroactive": False},
    "no revelation": {"information.revelation": False},
    "firm panel": {"run.firm_panel_every": 7},
    # an edtech ban within the run: alarm far above the ban's base (cf. test_wiring_survivors)
    "ban": {"sectors.edtech.initial_alarm": 3.0, "leadership.ban_pressure": 0.5},
}


def _params(name: str, months: int = 150, firms: int = 40) -> Params:
    p = small_params(VARIANTS[name], months=months, firms=firms)
    if name == "default":
        p = dataclasses.replace(p, exogenous=ExogenousParams(
            events=SCHEDULED, foreign_climate=((0, 0.2), (25, 0.6)), macro_shock=((22, 0.1),)))
    return p


def assert_same_frames(reference: pd.DataFrame, compiled_: pd.DataFrame, what: str) -> None:
    assert list(reference.columns) == list(compiled_.columns), what
    assert len(reference) == len(compiled_), f"{what}: {len(reference)} != {len(compiled_)} rows"
    for c in reference.columns:
        a, b = reference[c], compiled_[c]
        assert a.dtype == b.dtype, f"{what}.{c}: dtype {a.dtype} != {b.dtype}"
        if a.dtype.kind == "f":
            np.testing.assert_allclose(b.to_numpy(), a.to_numpy(), rtol=RTOL, atol=0,
                                       err_msg=f"{what}.{c}")
        else:
            assert a.astype(str).tolist() == b.astype(str).tolist(), f"{what}.{c}"


def both(p: Params, seed: int) -> tuple[RegulatoryModel, RegulatoryModel]:
    return (RegulatoryModel(p, rng=seed, engine="numpy").run(),
            RegulatoryModel(p, rng=seed, engine="compiled").run())


@pytest.mark.parametrize("name", list(VARIANTS))
def test_the_compiled_month_matches_the_reference(name):
    p = _params(name)
    reference, fast = both(p, 1000 + list(VARIANTS).index(name))
    assert_same_frames(reference.series(), fast.series(), "series")
    assert_same_frames(reference.events(), fast.events(), "events")
    assert_same_frames(reference.firm_panel(), fast.firm_panel(), "firm panel")
    # Mesa's agents: the same live firms with the same unique ids
    assert sorted(a.unique_id for a in fast.tech_firms) == \
        sorted(a.unique_id for a in reference.tech_firms)
    assert len(fast.tech_firms) == int(fast.firms.alive[: fast.firms.n].sum())


def test_the_variants_exercise_what_they_are_for():
    """The variants above are not vacuous: each reaches the branch it names."""
    events = {name: RegulatoryModel(_params(name), rng=1000 + i).run().events()
              for i, name in enumerate(VARIANTS)}
    kinds = {name: set(e.kind.astype(str)) for name, e in events.items()}
    assert {"scheduled", "defiance", "foreign_listing", "scandal"} <= kinds["default"]
    assert "acquisition" in kinds["acquisitions"]
    assert "sector_ban" in kinds["ban"]
    assert "phase_change" not in kinds["rules"]
    assert "sanction" in kinds["default"] and "exit" in kinds["ban"]


def test_held_out_default_runs_match_at_full_size():
    """Three default runs (300 firms, 240 months) on held-out seeds."""
    p = Params().override({"run.months": 240})
    for seed in (1100, 1101, 1102):
        reference, fast = both(p, seed)
        assert_same_frames(reference.series(), fast.series(), f"seed {seed} series")
        assert_same_frames(reference.events(), fast.events(), f"seed {seed} events")


def test_stepping_month_by_month_equals_one_run():
    p = _params("default", months=60)
    stepped = RegulatoryModel(p, rng=1200)
    for _ in range(60):
        stepped.step()
    run = RegulatoryModel(p, rng=1200).run()
    pd.testing.assert_frame_equal(stepped.series(), run.series())
    pd.testing.assert_frame_equal(stepped.events(), run.events())
    assert stepped.steps == run.steps == 60 and stepped.time == run.time == 60


def test_runs_continue_past_the_horizon_and_across_calls():
    p = _params("default", months=30)  # the exogenous series end where the run was to end
    a = RegulatoryModel(p, rng=1201).run(20).run(25)  # 45 months: past run.months = 30
    b = RegulatoryModel(p, rng=1201, engine="numpy").run(45)
    assert_same_frames(b.series(), a.series(), "series")
    assert_same_frames(b.events(), a.events(), "events")


def _shrink_firm_arrays(model: RegulatoryModel) -> None:
    """Cut the firm arrays to their live slots plus one (as if they had been allocated so)."""
    pop = model.firms
    keep = pop.n + 1
    for group, names in (("floats", pop.FLOATS), ("ints", pop.INTS), ("bools", pop.BOOLS)):
        tight = getattr(pop, group)[:, :keep].copy()
        setattr(pop, group, tight)
        for row, name in enumerate(names):
            setattr(pop, name, tight[row])
    pop.capacity = keep


def test_firm_arrays_and_the_event_buffer_grow_as_needed():
    """Slots are never reused: entrants need new ones. When the firm arrays might not hold a
    month's entrants the kernel stops, the glue grows them and the run goes on, with the
    outputs of a run that never ran short; the event buffer (256 rows at first) grows too."""
    churn = {"firms.exit_revenue": 1.0, "firms.growth_noise": 0.2, "firms.entrant_size": 1.1,
             "firms.entry_rate": 1.0}
    p = small_params(churn, months=200, firms=8)
    reference = RegulatoryModel(p, rng=1202, engine="numpy").run()
    fast = RegulatoryModel(p, rng=1202)
    _shrink_firm_arrays(fast)
    fast.run()
    assert fast.firms.capacity > 9
    assert (reference.events().kind == "entry").sum() > 0
    assert fast.events_log.buffer.shape[0] > 256
    assert_same_frames(reference.series(), fast.series(), "series")
    assert_same_frames(reference.events(), fast.events(), "events")


def test_the_mechanisms_see_the_state_between_months():
    """The kernel changes the mechanisms' arrays in place: their attributes stay live views."""
    m = RegulatoryModel(_params("default", months=40), rng=1203).run(40)
    assert m.leadership.signal.base is m._compiled.state
    s = m.series().iloc[-1]
    for name in m.sector_names:
        j = m.sector_names.index(name)
        assert s[f"signal.{name}"] == m.leadership.signal[j]
        assert s[f"enforcement.{name}"] == m.regulators.enforcement[j]
        assert s[f"phase.{name}"] == ["BANNED", "LOOSE", "COMPROMISE", "CRACKDOWN"][
            int(m.leadership.phase[j]) + 1]
    assert s["campaign_climate"] == m.leadership.climate
    assert s["pain"] == m.markets.economy_pain


def test_an_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="engine must be one of compiled, numpy"):
        RegulatoryModel(small_params(), engine="cython")


def test_the_kernel_refuses_to_load_when_its_codes_drift(monkeypatch):
    monkeypatch.setattr(kernel, "EVENT_KIND_NAMES", kernel.EVENT_KIND_NAMES[:-1])
    monkeypatch.setattr(kernel, "QUANTITY_ORDER", kernel.QUANTITY_ORDER[::-1])
    with pytest.raises(RuntimeError, match=r"event kinds.*sector quantities"):
        kernel._check_codes()


def test_a_compilation_is_announced_once_and_a_cache_load_is_not(monkeypatch, capsys):
    monkeypatch.setattr(compiled, "_announced", False)
    monkeypatch.setattr(compiled, "_cache_present", lambda: True)
    assert compiled.announce_compilation() is False
    monkeypatch.setattr(compiled, "_cache_present", lambda: False)
    assert compiled.announce_compilation() is True
    assert compiled.announce_compilation() is False
    assert capsys.readouterr().err.count("compiling the model's month") == 1


def test_the_cache_is_found_where_numba_writes_it():
    """This process ran the kernel, so its cache index is on disk (package or NUMBA_CACHE_DIR)."""
    RegulatoryModel(small_params(months=2), rng=1204).run()
    assert compiled._cache_present()


def test_parameters_reach_the_kernel_by_name():
    p = small_params({"firms.beta": 7.5, "agencies.retroactive": False, "firms.pledge_top": 3,
                      "leadership.tau_pain": 8.0, "information.feedback_speed": 2.0})
    m = RegulatoryModel(p, rng=1205)
    vector = m._compiled.params
    assert vector[kernel.BETA] == 7.5
    assert vector[kernel.RETROACTIVE] == 0.0
    assert vector[kernel.PLEDGE_TOP] == 3.0
    assert vector[kernel.TAU_PAIN] == 4.0  # τ_P / f_fast
    assert len(vector) == len(kernel.PARAMETERS)


def test_a_coordinator_compiles_only_when_the_cache_lacks_the_month(monkeypatch):
    """What the local backends call before starting workers (sim.model.warmup.ensure_cache)."""
    from sim.model import warmup

    calls = []
    monkeypatch.setattr(warmup, "warm_up", lambda **_: calls.append(1) or 12.5)
    monkeypatch.setattr(compiled, "_cache_present", lambda: True)
    assert warmup.ensure_cache() == 0.0 and calls == []
    monkeypatch.setattr(compiled, "_cache_present", lambda: False)
    assert warmup.ensure_cache() == 12.5 and calls == [1]


def test_an_index_left_by_another_version_of_the_kernel_counts_as_no_cache(monkeypatch):
    """numba keys its index to the source's time stamp and size; a stale one is not a cache."""
    cache_file = kernel.run_months._cache._cache_file
    monkeypatch.setattr(cache_file, "_load_index", lambda: {})
    assert not compiled._cache_present()
