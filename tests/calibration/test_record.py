"""The record as data: data/record.toml loads, maps onto known statistics, and bad records fail.

Every file of tests/bad_records/ names, in ``# expect:`` lines, the keys its problems must
name (``(file)`` for a problem with the whole file); the loader must report exactly those, each
under the file's path.
"""

import dataclasses
from pathlib import Path

import pytest

from sim.analysis.history import DATED_EPISODES
from sim.calibration import (
    RECORD_SETS,
    STATISTICS,
    Record,
    RecordError,
    check_against,
    load_record,
)
from sim.calibration.record import month_index
from sim.experiment.problems import ScenarioError
from sim.experiment.scenario import load_scenario
from sim.model.params import DEFAULT_SECTORS, Params

ROOT = Path(__file__).resolve().parents[2]
RECORD = ROOT / "data" / "record.toml"
SCENARIOS = ROOT / "scenarios"
BAD = sorted((Path(__file__).resolve().parents[1] / "bad_records").glob("*.toml"))


def expected_keys(path: Path) -> set[str]:
    keys = {line.removeprefix("# expect:").strip() for line in path.read_text().splitlines()
            if line.startswith("# expect:")}
    return {"" if k == "(file)" else k for k in keys}


@pytest.fixture(scope="module")
def record() -> Record:
    return load_record(RECORD)


# ---- the catalogue of bad records -----------------------------------------------------------


def test_the_catalogue_is_there():
    assert len(BAD) >= 40


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_record_names_file_key_and_allowed_values(path):
    expected = expected_keys(path)
    assert expected, f"{path.name} has no '# expect:' line"
    with pytest.raises(RecordError) as info:
        load_record(path)
    problems = info.value.problems
    assert {p.key for p in problems} == expected
    for p in problems:
        assert p.source == str(path)
        text = str(p)
        assert text.startswith(f"{path}: {p.key}")
        if p.key:  # a problem with a key says what is allowed
            assert p.allowed and f"allowed: {p.allowed}" in text


def test_record_error_is_a_scenario_error_listing_every_problem():
    path = next(p for p in BAD if p.stem == "many_problems")
    with pytest.raises(ScenarioError) as info:  # the CLI prints these and exits 2
        load_record(path)
    assert isinstance(info.value, RecordError)
    assert len(info.value.problems) == 5
    assert str(info.value).count(str(path)) == 5


def test_a_missing_file_is_one_problem(tmp_path):
    with pytest.raises(RecordError, match="no such record file"):
        load_record(tmp_path / "nope.toml")


def test_unknown_statistic_suggests_the_closest_name():
    path = next(p for p in BAD if p.stem == "unknown_statistic")
    with pytest.raises(RecordError, match=r"did you mean 'first_length\.platform'"):
        load_record(path)


# ---- the shipped record ---------------------------------------------------------------------


def test_shipped_record_loads_with_its_window(record):
    assert record.name == "china_tech_2008_2025"
    assert (record.start_date, record.end_date, record.end_month) == ("2008-01", "2025-12", 215)
    assert record.path == str(RECORD)
    assert all(o.set in RECORD_SETS for o in record.observations)
    assert record.unmapped, "facts without a model counterpart are listed"


def test_every_statistic_it_names_exists_and_is_observed_once(record):
    names = [o.statistic for o in record.observations]
    assert all(n in STATISTICS for n in names)
    assert len(names) == len(set(names))


def test_values_sit_inside_their_ranges_and_dates_are_months(record):
    for o in record.observations:
        assert o.low <= o.value <= o.high, o.name
        assert o.sources and all(s.startswith(("http://", "https://")) for s in o.sources)
        if STATISTICS[o.statistic].kind == "month":
            assert o.date is not None and o.value == month_index(o.date, "2008-01")
        else:
            assert o.date is None


def test_sets_follow_the_issue(record):
    sets = {o.name: o.set for o in record.observations}
    fit = {"platform_onset", "platform_crackdown_length", "fintech_onset",
           "fintech_crackdown_length", "edtech_onset", "edtech_ban", "ai_no_crackdown",
           "tech_drawdown", "headline_fines"}
    held = {"didi", "trough_after_easing", "campaign_spread", "gaming_2018_freeze"}
    design = {"gaming_2021_freeze", "antitrust_cases_ratio", "antitrust_fines_ratio",
              "top_two_fined"}
    assert all(sets[n] == "fit" for n in fit)
    assert all(sets[n] == "heldout" for n in held)
    assert all(sets[n] == "design" for n in design)
    assert {o.name for o in record.fitting} >= fit
    assert {o.name for o in record.held_out} >= held
    assert {o.name for o in record.design_targets} == design
    with pytest.raises(ValueError, match="unknown set"):
        record.of_set("fitting")


def test_dated_figures_agree_with_history_py(record):
    """sim/analysis/history.py's durations lie within the record's ranges, around its values."""
    by_name = {o.name: o for o in record.observations}
    pairs = {
        "platform_crackdown_length": "Platform antitrust",
        "fintech_crackdown_length": "Fintech",
        "didi": "Ride-hailing",
        "gaming_2021_freeze": "Video games",
    }
    for name, prefix in pairs.items():
        [episode] = [e for e in DATED_EPISODES if e.name.startswith(prefix)]
        o = by_name[name]
        lo, hi = episode.crackdown_months
        assert o.low <= lo <= o.value <= hi <= o.high, name
    assert by_name["platform_onset"].date == "2020-11"
    assert by_name["edtech_ban"].date == "2021-07"


# ---- check_against --------------------------------------------------------------------------


def test_the_history_scenario_fits_every_set(record):
    check_against(record, load_scenario(SCENARIOS / "counterfactual_2020.toml"))


def test_baseline_lacks_the_listing_didi_is_measured_from(record):
    baseline = load_scenario(SCENARIOS / "baseline.toml")
    with pytest.raises(RecordError) as info:
        check_against(record, baseline)
    [problem] = info.value.problems
    assert problem.key == "observations.didi.statistic"
    assert "foreign_listing in platform" in problem.message
    check_against(record, baseline, sets=("fit", "design"))


def test_scenario_calendar_and_sectors_are_checked(record):
    later = load_scenario(SCENARIOS / "baseline.toml",
                          {"run.start_date": "2009-01", "run.months": 100})
    with pytest.raises(RecordError) as info:
        check_against(record, later, sets=("fit",))
    assert {p.key for p in info.value.problems} == {"record.start_date", "record.end_date"}
    four = Params(sectors=tuple(s for s in DEFAULT_SECTORS if s.name != "ai"))
    with pytest.raises(RecordError, match="has no sector 'ai'") as info:
        check_against(record, four, sets=("fit",))
    keys = {p.key for p in info.value.problems}
    assert keys == {"observations.ai_no_crackdown.statistic",
                    "observations.tech_drawdown.statistic"}  # drawdown reads every sector


def test_a_record_built_in_code_is_checked_too(record):
    wrong = dataclasses.replace(record.observations[0], statistic="no_such_statistic")
    bad = dataclasses.replace(record, observations=(wrong,), path=None)
    with pytest.raises(RecordError, match="unknown statistic"):
        check_against(bad, Params())
