"""Scenario files: loading, inheritance, validation, seeds, overrides, round trip."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import numpy as np
import pytest

from sim.experiment.scenario import (
    COMMAND_LINE,
    ScenarioError,
    derive_seeds,
    find_scenario,
    list_scenarios,
    load_scenario,
    parse_assignment,
    to_toml,
)
from sim.model.params import (
    MAX_EVENT_MAGNITUDE,
    ExogenousParams,
    ParameterError,
    Params,
    ScheduledEvent,
)
from sim.model.schema import EVENT_KINDS, SERIES_NAMES, OutputSelection, series_columns
from sim.model.states import HARM_DIMENSIONS

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = REPO / "scenarios"
BAD = Path(__file__).resolve().parent / "bad_scenarios"

HEAD = '[scenario]\nname = "{name}"\ndescription = "{name} for a test"\n'


def write(folder: Path, name: str, body: str = "", *, head: bool = True) -> Path:
    path = folder / f"{name}.toml"
    path.write_text((HEAD.format(name=name) if head else "") + body)
    return path


def flat_diff(a: Params, b: Params) -> dict[str, object]:
    fa, fb = a.to_flat_dict(), b.to_flat_dict()
    return {k: fb[k] for k in fa if fa[k] != fb[k]}


def expectations(path: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """The ``# expect: key [@ file]`` and ``# suggest: name`` lines of a catalogue file."""
    keys, suggests = [], []
    for line in path.read_text().splitlines():
        if line.startswith("# expect:"):
            key, _, where = line.removeprefix("# expect:").strip().partition(" @ ")
            keys.append((key, str(path.parent / where) if where else str(path)))
        elif line.startswith("# suggest:"):
            suggests.append(line.removeprefix("# suggest:").strip())
    return keys, suggests


# ---- the shipped scenarios ----------------------------------------------------------------


def test_baseline_is_the_defaults_with_eight_seeded_runs():
    sc = load_scenario(SCENARIOS / "baseline.toml")
    assert sc.name == "baseline"
    assert sc.params == Params()
    assert sc.seed_root == 20240601
    assert sc.seeds == derive_seeds(20240601, 8)
    assert sc.params.run.months == 360 and sc.params.run.start_date == "2008-01"
    assert [s.path for s in sc.sources] == [str(SCENARIOS / "baseline.toml")]


HYPOTHESES = {
    "rules_based": {"leadership.mode": "rules"},
    "faster_feedback": {"information.feedback_speed": 3.0},
    "fiscal_decoupling": {"local.protection_slope": 0.0, "information.local_underreporting": 0.0},
    "unified_regulator": {"agencies.structure": "unified"},
    "no_zeal": {"agencies.zeal": 0.0},
    "ai_honeymoon_ends": {"sectors.ai.alignment": 0.3},
    "loud_public_sphere": {"public.amplification": 2.0},
    "no_retroactive": {"agencies.retroactive": False},
    "open_information": {"information.censorship": 0.1},
}


@pytest.mark.parametrize("name", sorted(HYPOTHESES))
def test_each_hypothesis_changes_exactly_its_parameters(name):
    base = load_scenario(SCENARIOS / "baseline.toml")
    sc = load_scenario(SCENARIOS / f"{name}.toml")
    assert sc.name == name
    assert flat_diff(base.params, sc.params) == HYPOTHESES[name]
    assert sc.seeds == base.seeds  # inherited replications and root seed
    assert [Path(s.path).name for s in sc.sources] == ["baseline.toml", f"{name}.toml"]


def test_counterfactual_schedules_events_at_calendar_months():
    sc = load_scenario(SCENARIOS / "counterfactual_2020.toml")
    ex = sc.params.exogenous
    # 2020-10 is month (2020 - 2008) * 12 + 9 = 153 from 2008-01
    assert ex.events == (
        ScheduledEvent(month=153, kind="defiance", sector="fintech", magnitude=1.5),
        ScheduledEvent(month=161, kind="foreign_listing", sector="platform", magnitude=1.0),
        ScheduledEvent(month=171, kind="macro_shock", sector="", magnitude=0.2),
    )
    assert ex.foreign_climate == ((155, 0.5),)
    base = load_scenario(SCENARIOS / "baseline.toml").params
    assert dataclasses.replace(sc.params, exogenous=base.exogenous) == base


def test_every_shipped_scenario_names_itself_after_its_file_and_lists():
    entries = list_scenarios(SCENARIOS)
    top = [e for e in entries if e[0].parent == SCENARIOS]
    ablations = [e for e in entries if e[0].parent == SCENARIOS / "ablations"]
    counterfactuals = [e for e in entries if e[0].parent == SCENARIOS / "counterfactuals"]
    assert len(top) == 14  # the baseline, ten policy hypotheses, one sweep, the history and
    # its posterior
    assert len(ablations) == 13  # eight switched-off mechanisms or shocks, five zero-harm sectors
    assert len(counterfactuals) == 3  # the history without each of its three shocks
    assert len(entries) == 30 and entries[:14] == top  # the folder's own files first
    for path, name, description in entries:
        assert name == path.stem
        assert description and len(description) < 100
        text = path.read_text()
        assert text.startswith("#"), f"{path.name} should open with a comment on what it tests"
        if name != "baseline":
            parent = {SCENARIOS: "baseline.toml", SCENARIOS / "counterfactuals": "../history.toml"
                      }.get(path.parent, "../baseline.toml")
            if name == "history_posterior":  # the calibrated history (regcycle calibrate)
                parent = "history.toml"
            assert tomllib.loads(text)["scenario"]["extends"] == parent


ABLATIONS = {
    "no_revelation": {"information.revelation": False, "run.months": 720},
    "no_campaign_climate": {"leadership.climate_jump": 0.0},
    "no_pledges": {"firms.pledge_top": 0},
    "no_retroactive": {"agencies.retroactive": False},
    "unified_regulator": {"agencies.structure": "unified"},
    "faster_feedback": {"information.feedback_speed": 3.0},
    "open_information": {"information.censorship": 0.1},
    **{f"zero_harm_{s}": {f"sectors.{s}.harm_{dim}": 0.0 for dim in HARM_DIMENSIONS}
       for s in ("platform", "fintech", "edtech", "gaming", "ai")},
}


@pytest.mark.parametrize("name", sorted(ABLATIONS))
def test_each_ablation_switches_off_exactly_its_mechanism(name):
    base = load_scenario(SCENARIOS / "baseline.toml")
    sc = load_scenario(SCENARIOS / "ablations" / f"{name}.toml")
    assert sc.name == name
    expected = {k: v for k, v in ABLATIONS[name].items() if base.params.get(k) != v}
    assert flat_diff(base.params, sc.params) == expected
    assert sc.seeds == base.seeds
    # no_revelation alone runs longer (its late crackdowns must be seen to end)
    longer = {"months": 720} if name == "no_revelation" else {}
    assert sc.params.run == dataclasses.replace(base.params.run, **longer)
    assert [Path(s.path).name for s in sc.sources] == ["baseline.toml", f"{name}.toml"]
    if name in HYPOTHESES:  # the same switch as the policy hypothesis of the same name
        assert sc.params == load_scenario(SCENARIOS / f"{name}.toml").params


def test_macro_shock_ablation_adds_only_a_one_year_slump():
    base = load_scenario(SCENARIOS / "baseline.toml").params
    sc = load_scenario(SCENARIOS / "ablations" / "macro_shock.toml")
    # 2019-06 is month (2019 - 2008) * 12 + 5 = 137 from 2008-01; the slump ends a year later
    assert sc.params.exogenous.macro_shock == ((137, 0.2), (149, 0.0))
    assert dataclasses.replace(sc.params, exogenous=base.exogenous) == base


def test_every_ablation_is_tested():
    shipped = {p.stem for p in (SCENARIOS / "ablations").glob("*.toml")}
    assert shipped == set(ABLATIONS) | {"macro_shock"}


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml"))
                         + sorted(SCENARIOS.glob("ablations/*.toml"))
                         + sorted(SCENARIOS.glob("counterfactuals/*.toml")),
                         ids=lambda p: p.relative_to(SCENARIOS).with_suffix("").as_posix())
def test_show_output_loads_back_to_the_same_scenario(path, tmp_path):
    sc = load_scenario(path)
    text = to_toml(sc)
    out = tmp_path / "resolved.toml"
    out.write_text(text)
    again = load_scenario(out)
    assert again.params == sc.params
    assert again.seeds == sc.seeds
    assert (again.name, again.description) == (sc.name, sc.description)


def test_show_marks_values_that_differ_from_the_defaults():
    text = to_toml(load_scenario(SCENARIOS / "no_zeal.toml"))
    assert 'zeal = 0.0  # default: 0.3' in text
    assert "theta_alarm = 1.0\n" in text  # unchanged values carry no comment


# ---- inheritance -----------------------------------------------------------------------------


def test_extends_chain_merges_tables_and_replaces_values(tmp_path):
    write(tmp_path, "a", '[run]\nmonths = 60\nreplications = 3\nseed = 7\n'
                         '[leadership]\ntheta_alarm = 0.7\ntheta_pain = 0.3\n'
                         '[sectors.ai]\nalignment = 0.5\n'
                         '[exogenous]\nforeign_climate = [[1, 0.2], [5, 0.4]]\n')
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "b", 'extends = "../a.toml"\n[leadership]\ntheta_pain = 0.35\n'
                                 '[sectors.gaming]\nalignment = 0.4\n')
    c = write(tmp_path / "sub", "c", 'extends = "b"\n'  # relative to sub/, suffix optional
                                     '[run]\nmonths = 48\n'
                                     '[exogenous]\nforeign_climate = [[2, 0.9]]\n')
    sc = load_scenario(c)
    p = sc.params
    assert sc.name == "c" and sc.description == "c for a test"
    assert p.run.months == 48
    assert p.leadership.theta_alarm == 0.7 and p.leadership.theta_pain == 0.35
    assert {s.name: s.alignment for s in p.sectors}["ai"] == 0.5
    assert {s.name: s.alignment for s in p.sectors}["gaming"] == 0.4
    assert p.exogenous.foreign_climate == ((2, 0.9),)  # arrays replace, never merge
    assert sc.seeds == derive_seeds(7, 3)
    assert [Path(s.path).name for s in sc.sources] == ["a.toml", "b.toml", "c.toml"]


def test_child_seed_list_replaces_inherited_replications_and_back(tmp_path):
    write(tmp_path, "root", "[run]\nreplications = 5\nseed = 3\n")
    listed = write(tmp_path, "listed", 'extends = "root.toml"\n[run]\nseeds = [11, 12]\n')
    again = write(tmp_path, "again", 'extends = "listed.toml"\n[run]\nreplications = 2\n')
    assert load_scenario(listed).seeds == (11, 12)
    assert load_scenario(listed).seed_root is None
    sc = load_scenario(again)
    assert sc.seeds == derive_seeds(0, 2) and sc.seed_root == 0


def test_scenario_table_is_not_inherited(tmp_path):
    write(tmp_path, "parent")
    child = write(tmp_path, "child", '[scenario]\nextends = "parent.toml"\n', head=False)
    with pytest.raises(ScenarioError) as err:
        load_scenario(child)
    keys = {(p.key, Path(p.source).name) for p in err.value.problems}
    assert keys == {("scenario.name", "child.toml"), ("scenario.description", "child.toml")}


def test_problems_of_parent_and_child_are_all_reported(tmp_path):
    write(tmp_path, "parent", "[leadership]\ntheta_alarm = 9.0\n")
    child = write(tmp_path, "child", 'extends = "parent.toml"\n[agencies]\nzeal = -1.0\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(child)
    found = {(p.key, Path(p.source).name) for p in err.value.problems}
    assert found == {("leadership.theta_alarm", "parent.toml"), ("agencies.zeal", "child.toml")}


def test_a_child_can_fix_a_parents_bad_value(tmp_path):
    write(tmp_path, "parent", "[leadership]\ntheta_alarm = 9.0\n")
    child = write(tmp_path, "child", 'extends = "parent.toml"\n[leadership]\ntheta_alarm = 0.9\n')
    assert load_scenario(child).params.leadership.theta_alarm == 0.9


# ---- validation catalogue -------------------------------------------------------------------

CATALOGUE = sorted(BAD.glob("*.toml"))


def test_catalogue_has_at_least_25_cases():
    assert len(CATALOGUE) >= 25


@pytest.mark.parametrize("path", CATALOGUE, ids=lambda p: p.stem)
def test_catalogue_case_reports_exactly_the_expected_keys(path):
    keys, suggests = expectations(path)
    assert keys, f"{path.name} has no '# expect:' line"
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    problems = err.value.problems
    found = sorted((p.key or "(file)", p.source) for p in problems)
    assert found == sorted(keys)
    for p in problems:
        text = str(p)
        assert text.startswith(f"{p.source}: ")
        if p.key:
            assert f"{p.key} = " in text and "; allowed: " in text
    for word in suggests:
        assert any(f"did you mean {word!r}" in str(p) for p in problems)


def test_value_types_are_checked_not_coerced(tmp_path):
    path = write(tmp_path, "types", '[leadership]\ntheta_alarm = "0.6"\n')
    with pytest.raises(ScenarioError, match=r"theta_alarm = '0.6': wrong type"):
        load_scenario(path)


def test_integers_for_float_parameters_become_floats(tmp_path):
    sc = load_scenario(write(tmp_path, "ints", "[leadership]\ntheta_alarm = 1\n"))
    assert sc.params.leadership.theta_alarm == 1.0
    assert isinstance(sc.params.leadership.theta_alarm, float)


def test_event_month_range_follows_the_run(tmp_path):
    body = '[run]\nmonths = 12\nstart_date = "2020-01"\n' \
           '[[events]]\ndate = "2020-12"\nkind = "scandal"\nsector = "ai"\nmagnitude = 9.0\n'
    sc = load_scenario(write(tmp_path, "ok", body))
    assert sc.params.exogenous.events == (ScheduledEvent(11, "scandal", "ai", 9.0),)
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, "late", body.replace("2020-12", "2021-01")))
    assert [p.key for p in err.value.problems] == ["events[0].date"]
    assert "after the end of the run" in str(err.value)


def test_scheduled_events_are_checked_by_the_models_rules(tmp_path):
    # one rule set (sim.model.params.check_event): a file's event meets the model's bound and
    # is refused with the model's words, under the file's key
    body = '[[events]]\nmonth = 3\nkind = "scandal"\nsector = "ai"\nmagnitude = {}\n'
    sc = load_scenario(write(tmp_path, "top", body.format(MAX_EVENT_MAGNITUDE)))
    assert sc.params.exogenous.events[0].magnitude == MAX_EVENT_MAGNITUDE
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, "over", body.format(MAX_EVENT_MAGNITUDE + 1)))
    with pytest.raises(ParameterError) as model_err:
        Params(exogenous=ExogenousParams(
            events=(ScheduledEvent(3, "scandal", "ai", MAX_EVENT_MAGNITUDE + 1),)))
    [problem], [model_problem] = err.value.problems, model_err.value.problems
    assert problem.key == "events[0].magnitude"
    assert (problem.allowed, problem.message) == (model_problem.allowed, model_problem.message)
    assert problem.allowed == "a number in [0, 1000]"


def test_missing_file_is_one_problem(tmp_path):
    with pytest.raises(ScenarioError) as err:
        load_scenario(tmp_path / "nope.toml")
    expected = f"{tmp_path / 'nope.toml'}: no such scenario file"
    assert [str(p) for p in err.value.problems] == [expected]


def test_a_scenario_file_is_data_not_code(tmp_path):
    marker = tmp_path / "executed"
    body = f'[leadership]\nmode = "__import__(\'pathlib\').Path(\'{marker}\').touch()"\n'
    with pytest.raises(ScenarioError, match=r"leadership\.mode"):
        load_scenario(write(tmp_path, "evil", body))
    assert not marker.exists()


# ---- overrides ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "key", "value"), [
    ("leadership.theta_alarm=0.7", "leadership.theta_alarm", 0.7),
    ("leadership.mode=rules", "leadership.mode", "rules"),
    ('leadership.mode="rules"', "leadership.mode", "rules"),
    ("agencies.retroactive=false", "agencies.retroactive", False),
    ("run.months = 12", "run.months", 12),
    ("exogenous.macro_shock=[[3, 0.5]]", "exogenous.macro_shock", [[3, 0.5]]),
    ("run.start_date=2012-03", "run.start_date", "2012-03"),
])
def test_parse_assignment(text, key, value):
    assert parse_assignment(text) == (key, value)


@pytest.mark.parametrize("text", ["leadership.theta_alarm", "=3", "a..b=1"])
def test_parse_assignment_rejects_non_assignments(text):
    with pytest.raises(ScenarioError, match="not an assignment"):
        parse_assignment(text)


def test_overrides_apply_last_and_are_validated():
    base = SCENARIOS / "no_zeal.toml"
    sc = load_scenario(base, {"agencies.zeal": 0.5, "sectors.ai.alignment": 0.4,
                              "run.months": 36})
    assert sc.params.agencies.zeal == 0.5
    assert sc.params.sectors[-1].alignment == 0.4 and sc.params.run.months == 36
    assert sc.overrides == {"agencies.zeal": 0.5, "sectors.ai.alignment": 0.4, "run.months": 36}
    with pytest.raises(ScenarioError) as err:
        load_scenario(base, {"agencies.zeel": 0.5, "leadership.theta_alarm": 9.0,
                             "scenario.name": "x"})
    found = {(p.source, p.key) for p in err.value.problems}
    assert found == {(COMMAND_LINE, "agencies.zeel"), (COMMAND_LINE, "leadership.theta_alarm"),
                     (COMMAND_LINE, "scenario.name")}
    assert "did you mean 'zeal'" in str(err.value)


# ---- seeds ----------------------------------------------------------------------------------


def test_derive_seeds_matches_seedsequence_spawning_and_is_a_prefix():
    seeds = derive_seeds(20240601, 5)
    children = np.random.SeedSequence(20240601).spawn(5)
    assert seeds == tuple(int(c.generate_state(1, dtype=np.uint64)[0]) >> 1 for c in children)
    assert derive_seeds(20240601, 3) == seeds[:3]
    assert len(set(seeds)) == 5 and all(0 <= s < 2**63 for s in seeds)
    assert derive_seeds(1, 2) != derive_seeds(2, 2)


def test_replications_argument(tmp_path):
    rooted = write(tmp_path, "rooted", "[run]\nreplications = 2\nseed = 5\n")
    assert load_scenario(rooted, replications=4).seeds == derive_seeds(5, 4)
    listed = write(tmp_path, "listed", "[run]\nseeds = [4, 5, 6]\n")
    assert load_scenario(listed, replications=2).seeds == (4, 5)
    with pytest.raises(ScenarioError, match=r"--seeds = 5: more runs than listed seeds"):
        load_scenario(listed, replications=5)


def test_defaults_without_run_table(tmp_path):
    sc = load_scenario(write(tmp_path, "bare"))
    assert sc.params == Params() and sc.seeds == derive_seeds(0, 1) and sc.workers is None


def test_find_scenario_by_bare_name(tmp_path):
    assert find_scenario("baseline", [tmp_path, SCENARIOS]) == SCENARIOS / "baseline.toml"
    assert find_scenario("nothing", [SCENARIOS]) == Path("nothing")
    assert find_scenario("x.toml", [SCENARIOS]) == Path("x.toml")
    assert find_scenario("ablations/no_pledges", [tmp_path, SCENARIOS]) \
        == SCENARIOS / "ablations" / "no_pledges.toml"
    assert find_scenario("no_pledges", [SCENARIOS]) == Path("no_pledges")  # not searched down


# ---- what a results folder stores (run.series, run.events) ------------------------------------


def test_outputs_default_to_everything(tmp_path):
    sc = load_scenario(SCENARIOS / "baseline.toml")
    assert sc.outputs == OutputSelection() and sc.outputs.is_default
    assert "series = " not in to_toml(sc) and "\nevents = " not in to_toml(sc)


def test_outputs_load_inherit_override_and_show(tmp_path):
    write(tmp_path, "parent", '[run]\nseries = ["phase", "enforcement", "pain"]\n'
                              'events = ["sanction", "phase_change"]\n')
    child = write(tmp_path, "child", 'extends = "parent.toml"\n[run]\nseries = ["harm.ai"]\n')
    sc = load_scenario(child)
    # an array replaces the parent's; the other key is inherited
    assert sc.outputs == OutputSelection(series=("harm.ai",),
                                         events=("sanction", "phase_change"))
    sc = load_scenario(child, {"run.series": [], "run.events": ["scandal"]})
    assert sc.outputs == OutputSelection(series=(), events=("scandal",))
    assert parse_assignment('run.series=["pain", "phase"]') == ("run.series", ["pain", "phase"])
    out = tmp_path / "shown.toml"
    out.write_text(to_toml(load_scenario(child)))
    assert load_scenario(out).outputs == load_scenario(child).outputs


@pytest.mark.parametrize(("body", "key", "value", "message"), [
    ('series = ["valuaton_index"]', "run.series", "valuaton_index",
     "unknown series name, did you mean 'valuation_index'?"),
    ('series = ["enforcement.mars"]', "run.series", "enforcement.mars", "unknown sector 'mars'"),
    ('series = ["valuation_index.ai"]', "run.series", "valuation_index.ai",
     "unknown series name"),
    ('series = [3]', "run.series", 3, "wrong type"),
    ('series = "pain"', "run.series", "pain", "wrong type"),
    ('series = ["pain", "harm", "pain"]', "run.series", ["pain", "harm", "pain"],
     "repeated names ['pain']"),
    ('events = ["fine"]', "run.events", "fine", "unknown event kind"),
    ('events = ["sanction", "sanction"]', "run.events", ["sanction", "sanction"],
     "repeated names ['sanction']"),
])
def test_outputs_problems_name_the_key_value_and_allowed_names(tmp_path, body, key, value,
                                                               message):
    path = write(tmp_path, "bad", f"[run]\n{body}\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    [problem] = err.value.problems
    assert (problem.source, problem.key, problem.value) == (str(path), key, value)
    assert problem.message.startswith(message)
    names = SERIES_NAMES if key == "run.series" else EVENT_KINDS
    assert all(name in problem.allowed for name in names)
    assert str(problem).startswith(f"{path}: {key} = ")


def test_outputs_overrides_are_validated_as_command_line(tmp_path):
    path = write(tmp_path, "ok")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path, {"run.events": ["sanctions"], "run.series": "pain"})
    found = {(p.source, p.key, p.value) for p in err.value.problems}
    assert found == {(COMMAND_LINE, "run.events", "sanctions"),
                     (COMMAND_LINE, "run.series", "pain")}


def test_an_empty_selection_keeps_only_month_and_date():
    sel = OutputSelection(series=(), events=())
    columns = series_columns(Params().sector_names)
    assert sel.series_columns(["run_id", "seed", *columns]) == ["run_id", "seed", "month", "date"]
    assert not sel.keeps_event("sanction")


def test_a_name_selects_the_aggregate_and_every_sector():
    sectors = Params().sector_names
    columns = series_columns(sectors)
    sel = OutputSelection(series=("phase", "enforcement", "valuation_index", "harm.ai"))
    assert sel.series_columns(columns) == [
        "month", "date", "phase", "valuation_index", *(f"phase.{s}" for s in sectors),
        *(f"enforcement.{s}" for s in sectors), "harm.ai"]
    # pain is both an aggregate (the economy's) and a per-sector quantity (v2)
    sel = OutputSelection(series=("pain",))
    assert sel.series_columns(columns) == ["month", "date", "pain",
                                           *(f"pain.{s}" for s in sectors)]
    assert OutputSelection().series_columns(columns) == columns
