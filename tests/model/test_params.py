"""Parameters (v2): defaults, validation messages, immutability, overrides and metadata coverage."""

import dataclasses
import math
import re

import numpy as np
import pytest

from sim.model.params import (
    DEFAULT_SECTORS,
    GROUPS,
    AgencyParams,
    ExogenousParams,
    FirmParams,
    InformationParams,
    LeadershipParams,
    LocalParams,
    MarketParams,
    ParameterError,
    Params,
    PublicParams,
    RunParams,
    ScheduledEvent,
    SectorSpec,
    field_for,
    iter_specs,
)
from sim.model.states import AGENCIES, HARM_DIMENSIONS


def _numeric(f: dataclasses.Field) -> bool:
    return f.type in ("int", "float")


# ------------------------------------------------------------------ defaults


def test_defaults_are_valid_and_match_model_md():
    p = Params()
    # MODEL.md v2 defaults that the rest of the suite relies on
    assert p.sector_names == ("platform", "fintech", "edtech", "gaming", "ai")
    assert p.firms.n_firms == 300
    assert p.local.n_provinces == 31
    assert p.run.months == 360
    assert p.run.start_date == "2008-01"
    assert p.leadership.mode == "campaign"
    assert p.agencies.structure == "fragmented"
    assert p.agencies.retroactive is True
    assert p.information.revelation is True
    assert p.agencies.fine_cap == pytest.approx(0.10)  # the law (assumed)
    assert p.agencies.content_floor == pytest.approx(0.5)
    assert p.public.scandal_alpha == pytest.approx(1.5)
    assert p.public.scandal_cap == pytest.approx(50.0)
    assert p.firms.tau_belief == pytest.approx(18.0)
    assert p.leadership.climate_decay == pytest.approx(15.0)


def test_groups_are_the_v2_actors_in_documentation_order():
    assert list(GROUPS) == ["leadership", "information", "agencies", "local", "firms", "public",
                            "markets", "run"]
    assert GROUPS["information"] is InformationParams
    assert GROUPS["markets"] is MarketParams


def test_no_timer_minimum_stays_are_at_most_six_months():
    """MODEL.md §1: no timer ends a phase; stated minimum stays of a few months (≤ 6)."""
    for key in ("leadership.min_crackdown_months", "leadership.min_compromise_months",
                "leadership.ban_min_months"):
        lo, hi = field_for(key).metadata["range"]
        assert (lo, hi) == (0, 6), key
        assert Params().get(key) <= 6
    names = {f.name for f in dataclasses.fields(LeadershipParams)}
    assert not {n for n in names if "fatigue" in n or "timer" in n}


def test_harm_tolerance_follows_the_harm_dimensions():
    lp = LeadershipParams()
    assert len(lp.harm_tolerance) == len(HARM_DIMENSIONS)
    for k, dim in enumerate(HARM_DIMENSIONS):
        assert lp.harm_tolerance[k] == getattr(lp, f"tolerance_{dim}")
    # MODEL.md: κ highest for financial-stability harm, then competition and content
    kappa = dict(zip(HARM_DIMENSIONS, lp.harm_tolerance, strict=True))
    assert kappa["finance"] == max(kappa.values())
    assert min(kappa["competition"], kappa["content"]) > max(kappa["privacy"], kappa["labour"])


MODEL_MD_SECTORS = [
    # name, harms (competition, privacy, content, labour, finance), alignment, lead, ban
    ("platform", (0.45, 0.2, 0.05, 0.25, 0.0), 0.3, "antitrust", False),
    ("fintech", (0.15, 0.15, 0.0, 0.0, 0.7), 0.2, "finance", False),
    ("edtech", (0.05, 0.1, 0.35, 0.1, 0.2), 0.1, "education", True),
    ("gaming", (0.1, 0.2, 0.6, 0.05, 0.0), 0.1, "cyberspace", False),
    ("ai", (0.1, 0.3, 0.5, 0.1, 0.0), 0.9, "cyberspace", False),
]


@pytest.mark.parametrize(("name", "harms", "alignment", "lead", "ban"), MODEL_MD_SECTORS,
                         ids=[row[0] for row in MODEL_MD_SECTORS])
def test_sector_table_matches_model_md(name, harms, alignment, lead, ban):
    spec = {s.name: s for s in DEFAULT_SECTORS}[name]
    assert spec.harms == harms
    assert spec.alignment == alignment
    assert spec.lead_agency == lead
    assert spec.ban_possible is ban
    assert spec.licence_gate is (name == "gaming")


def test_sector_table_shares_and_alignment():
    assert sum(s.revenue_share for s in DEFAULT_SECTORS) == pytest.approx(1.0)
    assert max(DEFAULT_SECTORS, key=lambda s: s.alignment).name == "ai"
    # the growth faction (industry) leads no sector
    assert field_for("sectors.ai.lead_agency").metadata["choices"] == AGENCIES[:-1]
    assert "industry" not in {s.lead_agency for s in DEFAULT_SECTORS}


def test_every_default_is_inside_its_declared_range():
    for key, f, value in iter_specs():
        meta = f.metadata
        if meta["range"] is not None:
            lo, hi = meta["range"]
            assert lo <= value <= hi, key
        if meta["choices"] is not None:
            assert value in meta["choices"], key


@pytest.mark.parametrize("group", [LeadershipParams, InformationParams, AgencyParams, LocalParams,
                                   FirmParams, PublicParams, MarketParams, RunParams, SectorSpec,
                                   ExogenousParams])
def test_each_group_constructs_with_defaults(group):
    assert dataclasses.is_dataclass(group())


# ------------------------------------------------------------------ bad values, one at a time

BAD_VALUES = [
    # key, value, regex the message must contain (key, value, what is allowed)
    ("agencies.zeal", 2.5, r"agencies\.zeal = 2\.5: out of range; allowed: a number in \[0, 2\]"),
    ("agencies.fine_cap", -0.1,
     r"agencies\.fine_cap = -0\.1: out of range; allowed: a number in \[0, 1\]"),
    ("leadership.theta_alarm", 0.0,
     r"leadership\.theta_alarm = 0\.0: out of range; allowed: a number in \[0\.05, 5\]"),
    ("firms.n_firms", 4,
     r"firms\.n_firms = 4: out of range; allowed: an integer in \[5, 1000000\]"),
    ("firms.n_firms", 40.0,
     r"firms\.n_firms = 40\.0: not an integer; allowed: an integer in \[5, 1000000\]"),
    ("leadership.min_crackdown_months", 7,
     r"leadership\.min_crackdown_months = 7: out of range; allowed: an integer in \[0, 6\]"),
    ("information.censorship", True,
     r"information\.censorship = True: wrong type; allowed: a number in \[0, 1\]"),
    ("information.censorship", "0.1",
     r"information\.censorship = '0\.1': wrong type; allowed: a number in \[0, 1\]"),
    ("public.amplification", math.nan,
     r"public\.amplification = nan: not a finite number; allowed: a number in \[0, 10\]"),
    ("public.amplification", math.inf,
     r"public\.amplification = inf: not a finite number; allowed: a number in \[0, 10\]"),
    ("markets.trend_months", 0.5,
     r"markets\.trend_months = 0\.5: out of range; allowed: a number in \[1, 600\]"),
    ("leadership.mode", "chaos",
     r"leadership\.mode = 'chaos': unknown choice; allowed: one of 'campaign', 'rules'"),
    ("agencies.structure", "federal",
     r"agencies\.structure = 'federal': unknown choice; allowed: one of 'fragmented', 'unified'"),
    ("agencies.retroactive", 1,
     r"agencies\.retroactive = 1: wrong type; allowed: true or false"),
    ("information.revelation", "no",
     r"information\.revelation = 'no': wrong type; allowed: true or false"),
    ("sectors.ai.alignment", 1.5,
     r"sectors\.ai\.alignment = 1\.5: out of range; allowed: a number in \[0, 1\]"),
    ("sectors.edtech.lead_agency", "industry",
     r"sectors\.edtech\.lead_agency = 'industry': unknown choice; allowed: one of 'antitrust'"),
    ("sectors.gaming.ban_possible", "yes",
     r"sectors\.gaming\.ban_possible = 'yes': wrong type; allowed: true or false"),
    ("sectors.fintech.harm_finance", -0.2,
     r"sectors\.fintech\.harm_finance = -0\.2: out of range; allowed: a number in \[0, 1\]"),
]


@pytest.mark.parametrize(("key", "value", "message"), BAD_VALUES,
                         ids=[f"{k}={v!r}" for k, v, _ in BAD_VALUES])
def test_bad_value_names_key_value_and_allowed(key, value, message):
    with pytest.raises(ParameterError, match=message) as info:
        Params().override({key: value})
    assert len(info.value.problems) == 1
    problem = info.value.problems[0]
    assert problem.key == key
    assert problem.value is value or problem.value == value


def test_bad_value_at_construction_is_rejected_too():
    with pytest.raises(ParameterError, match=r"agencies\.tau_enforcement = 0\.1: out of range"):
        AgencyParams(tau_enforcement=0.1)
    with pytest.raises(ParameterError, match=r"information\.delay_local = 0\.0: out of range"):
        InformationParams(delay_local=0.0)
    with pytest.raises(ParameterError, match=r"run\.start_date = '2008-13'.*YYYY-MM"):
        RunParams(start_date="2008-13")
    with pytest.raises(ParameterError, match=r"sectors\.my sector\.name = 'my sector'"):
        SectorSpec(name="my sector")


def test_boundary_values_are_allowed():
    lo_hi = {"agencies.zeal": 0.0, "agencies.fine_cap": 1.0, "leadership.theta_alarm": 5.0,
             "firms.n_firms": 5, "leadership.min_crackdown_months": 6,
             "information.censorship": 1.0, "public.scandal_alpha": 1.01}
    p = Params().override(lo_hi)
    for key, value in lo_hi.items():
        assert p.get(key) == value


def test_int_accepted_for_float_field_and_stored_as_float():
    p = Params().override({"agencies.zeal": 1, "sectors.ai.alignment": 0})
    assert p.agencies.zeal == 1.0 and type(p.agencies.zeal) is float
    assert p.get("sectors.ai.alignment") == 0.0
    assert type(p.get("sectors.ai.alignment")) is float
    # integers stay integers
    assert type(Params().override({"firms.n_firms": 40}).firms.n_firms) is int


def test_numpy_scalars_are_accepted_as_plain_numbers():
    p = Params().override({"agencies.zeal": np.float64(0.5), "firms.n_firms": np.int64(40),
                           "agencies.retroactive": np.bool_(False)})
    assert type(p.agencies.zeal) is float and type(p.firms.n_firms) is int
    assert p.agencies.retroactive is False


# ------------------------------------------------------------------ immutability


def test_params_are_frozen():
    p = Params()
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.agencies.zeal = 0.5  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.run = RunParams(months=12)  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.sectors[0].alignment = 0.9  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.information.censorship = 0.0  # type: ignore[misc]
    assert isinstance(p.sectors, tuple)


def test_override_returns_a_copy_and_leaves_the_original_alone():
    p = Params()
    before = p.to_flat_dict()
    q = p.override({"agencies.zeal": 0.0, "firms.n_firms": 40, "information.censorship": 0.01})
    assert q is not p
    assert p.to_flat_dict() == before
    assert (q.agencies.zeal, q.firms.n_firms, q.information.censorship) == (0.0, 40, 0.01)
    assert q.agencies.tau_enforcement == p.agencies.tau_enforcement
    # untouched groups are shared unchanged
    assert q.leadership == p.leadership
    assert q.markets == p.markets
    assert q.sectors == p.sectors


def test_spec_rejects_mutable_defaults():
    from sim.model.params import spec

    with pytest.raises(TypeError, match="immutable"):
        spec([1, 2], symbol="x", doc="x")


# ------------------------------------------------------------------ override


def test_override_collects_every_problem_at_once():
    bad = {
        "agencies.zeal": 5.0,
        "firms.n_firms": 3.5,
        "information.censorship": True,
        "leadership.mode": "chaos",
        "markets.weight_jobs": -1.0,
        "sectors.ai.alignment": 2,
    }
    with pytest.raises(ParameterError) as info:
        Params().override(bad)
    keys = [pr.key for pr in info.value.problems]
    assert sorted(keys) == sorted(bad)
    text = str(info.value)
    assert len(text.splitlines()) == len(bad)
    for key in bad:
        assert key in text


def test_override_unknown_keys_are_problems_collected_with_bad_values():
    bad = {
        "leadership.zeal": 1.0,  # zeal lives in agencies
        "leadership.fatigue": 36.0,  # v1's timer is gone
        "nogroup.x": 1,
        "sectors.mars.alignment": 0.1,
        "sectors.ai.harm_data": 0.1,  # v1's data dimension is split into privacy and content
        "agencies": 1,
        "agencies.zeal": -1.0,
    }
    with pytest.raises(ParameterError) as info:
        Params().override(bad)
    by_key = {pr.key: pr for pr in info.value.problems}
    assert set(by_key) == set(bad)
    assert by_key["leadership.zeal"].message == "unknown parameter"
    assert "signal_min" in by_key["leadership.zeal"].allowed
    assert by_key["leadership.fatigue"].message == "unknown parameter"
    assert by_key["nogroup.x"].message == "unknown key"
    assert by_key["agencies"].message == "unknown key"
    assert by_key["sectors.mars.alignment"].message == "unknown sector"
    assert "platform, fintech, edtech, gaming, ai" in by_key["sectors.mars.alignment"].allowed
    assert by_key["sectors.ai.harm_data"].message == "unknown parameter"
    assert "harm_privacy" in by_key["sectors.ai.harm_data"].allowed
    assert by_key["agencies.zeal"].message == "out of range"


def test_sector_override_changes_only_that_sector():
    p = Params().override({"sectors.ai.alignment": 0.2, "sectors.edtech.ban_possible": False,
                           "sectors.gaming.harm_privacy": 0.9})
    by_name = {s.name: s for s in p.sectors}
    assert by_name["ai"].alignment == 0.2
    assert by_name["edtech"].ban_possible is False
    assert by_name["gaming"].harms == (0.1, 0.9, 0.6, 0.05, 0.0)
    for name in ("platform", "fintech"):
        assert by_name[name] == {s.name: s for s in DEFAULT_SECTORS}[name]
    assert p.sector_names == Params().sector_names  # order kept
    assert p.get("sectors.ai.alignment") == 0.2


def test_get_reads_dotted_keys_and_rejects_unknown():
    p = Params()
    assert p.get("agencies.fine_cap") == p.agencies.fine_cap == 0.10
    assert p.get("information.censorship") == p.information.censorship
    assert p.get("sectors.ai.lead_agency") == "cyberspace"
    for key in ("agencies", "nogroup.x", "sectors.ai", "exogenous.events"):
        with pytest.raises(KeyError):
            p.get(key)
    with pytest.raises(KeyError):
        p.get("sectors.mars.alignment")


def test_cross_checks_collect_event_and_sector_problems():
    events = (
        ScheduledEvent(month=500, kind="scandal", sector="edtech", magnitude=5.0),
        ScheduledEvent(month=3, kind="earthquake", sector="ai", magnitude=1.0),
        ScheduledEvent(month=3, kind="defiance", sector="mars", magnitude=-1.0),
    )
    with pytest.raises(ParameterError) as info:
        Params(exogenous=ExogenousParams(events=events))
    keys = {pr.key for pr in info.value.problems}
    assert keys == {"exogenous.events[0].month", "exogenous.events[1].kind",
                    "exogenous.events[2].sector", "exogenous.events[2].magnitude"}
    assert "an integer in [0, 359]" in str(info.value)
    # a macro shock needs no sector
    Params(exogenous=ExogenousParams(events=(ScheduledEvent(3, "macro_shock", "", 0.5),)))


def test_cross_checks_on_sectors_and_series():
    with pytest.raises(ParameterError, match=r"sectors = \[.ai.\]: duplicate"):
        Params(sectors=(DEFAULT_SECTORS[4], DEFAULT_SECTORS[4]))
    with pytest.raises(ParameterError, match=r"sectors = \(\): empty"):
        Params(sectors=())
    with pytest.raises(ParameterError, match=r"exogenous\.foreign_climate.*unordered"):
        Params(exogenous=ExogenousParams(foreign_climate=((10, 0.5), (5, 0.2))))
    with pytest.raises(ParameterError, match=re.escape("exogenous.macro_shock = (3, 1.5)")):
        Params(exogenous=ExogenousParams(macro_shock=((3, 1.5),)))
    with pytest.raises(ParameterError,
                       match=re.escape("exogenous.foreign_climate = (360, 0.5): outside the run")):
        Params(exogenous=ExogenousParams(foreign_climate=((360, 0.5),)))


def test_an_economy_needs_some_revenue():
    """All revenue shares 0 would leave the market index 0/0 in the first month: refused."""
    zero = {f"sectors.{s}.revenue_share": 0.0 for s in Params().sector_names}
    with pytest.raises(ParameterError, match=r"revenue_share = \[0\.0.*\]: all zero"):
        Params().override(zero)
    one = {**zero, "sectors.ai.revenue_share": 0.1}
    assert [s.revenue_share for s in Params().override(one).sectors] == [0, 0, 0, 0, 0.1]


# ------------------------------------------------------------------ metadata


def test_iter_specs_covers_every_field():
    p = Params()
    keys = [k for k, _, _ in iter_specs(p)]
    assert len(keys) == len(set(keys))
    expected = {f"{g}.{f.name}" for g, cls in GROUPS.items() for f in dataclasses.fields(cls)}
    expected |= {f"sectors.{s}.{f.name}" for s in p.sector_names
                 for f in dataclasses.fields(SectorSpec) if f.name != "name"}
    assert set(keys) == expected
    # and the values are the current ones
    for key, _, value in iter_specs(p):
        assert p.get(key) == value
    # every scalar of to_flat_dict is covered
    flat = {k for k in p.to_flat_dict() if not k.startswith("exogenous.")}
    assert flat == set(keys)


def test_iter_specs_reads_the_given_params():
    p = Params().override({"agencies.zeal": 1.25, "sectors.ai.alignment": 0.4,
                           "markets.weight_jobs": 2.0})
    values = {k: v for k, _, v in iter_specs(p)}
    assert values["agencies.zeal"] == 1.25
    assert values["sectors.ai.alignment"] == 0.4
    assert values["markets.weight_jobs"] == 2.0


def test_every_spec_has_symbol_doc_and_every_numeric_a_range():
    for key, f, value in iter_specs():
        meta = f.metadata
        assert meta["symbol"], key
        assert meta["doc"], key
        assert f.type in ("int", "float", "str", "bool"), key
        if _numeric(f):
            assert meta["range"] is not None, f"{key} has no range"
            lo, hi = meta["range"]
            assert lo < hi, key
            assert type(value) is (int if f.type == "int" else float), key
        if f.type == "str" and key not in ("run.start_date",) and not key.endswith(".name"):
            assert meta["choices"], f"{key} has no choices"


def test_sweepable_parameters_are_numeric():
    sweepable = [k for k, f, _ in iter_specs() if f.metadata["sweepable"]]
    assert len(sweepable) > 100
    for key, f, _ in iter_specs():
        if f.metadata["sweepable"]:
            assert _numeric(f), key
    # structural choices are not swept
    not_swept = {k for k, f, _ in iter_specs() if not f.metadata["sweepable"]}
    assert {"leadership.mode", "agencies.structure", "agencies.retroactive",
            "information.revelation", "firms.n_firms", "local.n_provinces",
            "run.months"} <= not_swept


def test_field_for_finds_the_declaring_field():
    assert field_for("agencies.zeal").metadata["symbol"] == "ζ"
    assert field_for("information.censorship").metadata["range"] == (0.0, 1.0)
    assert field_for("sectors.ai.alignment").metadata["range"] == (0.0, 1.0)
    with pytest.raises(KeyError):
        field_for("agencies.nope")
    with pytest.raises(KeyError):
        field_for("sectors.mars.alignment")
    with pytest.raises(KeyError):
        field_for("nonsense")


def test_to_flat_dict_round_trips_through_override():
    p = Params().override({"agencies.zeal": 0.7, "sectors.ai.alignment": 0.3,
                           "information.revelation": False, "markets.trend_months": 90.0})
    flat = {k: v for k, v in p.to_flat_dict().items() if not k.startswith("exogenous.")}
    assert Params().override(flat) == p


def test_to_flat_dict_writes_exogenous_tables_as_plain_lists():
    p = Params(exogenous=ExogenousParams(events=(ScheduledEvent(3, "macro_shock", "", 0.5),),
                                         macro_shock=((12, 0.2),)))
    flat = p.to_flat_dict()
    assert flat["exogenous.events"] == [{"month": 3, "kind": "macro_shock", "sector": "",
                                         "magnitude": 0.5}]
    assert flat["exogenous.macro_shock"] == [[12, 0.2]]
    assert flat["exogenous.foreign_climate"] == []
