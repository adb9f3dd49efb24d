"""Scenario tables of the calibration (issue #13): ``[calibrate]``, ``[posterior]``, history.

What is checked: the tables' validation (every bad case exits 2 through ``regcycle validate``
naming its key), their round trip through ``to_toml``, the scenario hash, posterior draws in
``expand`` (replication r runs draw r mod n), common random numbers over seed *and* draw for
two overlays of one posterior scenario (paired run by run, in the library and in
``regcycle compare --paired``), results folders that record each run's draw and resume, and the
shipped history scenario and its counterfactuals. No stylized fact is tested here: the runs are
12-month smoke runs whose seeds (root 1001) serve only to pair them.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest

from sim.analysis.hypotheses import drawn_parameters, hypothesis_summary, paired_differences
from sim.analysis.results import load_summary
from sim.app.cli import main
from sim.experiment.runner import expand, run_one, run_scenario
from sim.experiment.scenario import ScenarioError, derive_seeds, load_scenario, to_toml
from sim.experiment.scenario.calibrate import CalibrateSpec, PosteriorDraws
from sim.experiment.store import MANIFEST
from sim.model.params import ScheduledEvent, field_for

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = REPO / "scenarios"
BAD = Path(__file__).resolve().parent / "bad_scenarios"
CASES = sorted([*BAD.glob("calibrate_*.toml"), *BAD.glob("posterior_*.toml")])

SMALL = '[run]\nmonths = 12\nreplications = 5\nseed = 1001\n[firms]\nn_firms = 30\n' \
        '[local]\nn_provinces = 5\n'
POSTERIOR = '''
[posterior]
source = "calibration.db"
parameters = ["leadership.theta_alarm", "agencies.fine_signal", "agencies.blacklist_months"]
draws = [[0.5, 0.01, 3.4], [0.8, 0.03, 12], [1.2, 0.02, 7.6]]
'''
CALIBRATE = '''
[calibrate]
record = "../data/record.toml"
population = 40
seed = 7
[calibrate.parameters]
"leadership.theta_alarm" = { range = [0.5, 2.0] }
leadership = { theta_pain = {} }
"agencies.blacklist_months" = { range = [1, 24] }
'''


def write(folder: Path, name: str, body: str, extends: str | None = None) -> Path:
    head = f'[scenario]\nname = "{name}"\ndescription = "{name} for a test"\n'
    if extends:
        head += f'extends = "{extends}"\n'
    path = folder / f"{name}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(head + body)
    return path


# ---- validation: every bad case through the command line --------------------------------------


def test_the_catalogue_has_the_calibration_cases():
    names = {p.stem for p in CASES}
    assert {"calibrate_unknown_parameter", "calibrate_empty_range", "posterior_wrong_width",
            "posterior_with_sweep"} <= names and len(CASES) >= 10


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_validate_exits_2_naming_the_key(path, capsys):
    keys = [line.removeprefix("# expect:").strip() for line in path.read_text().splitlines()
            if line.startswith("# expect:")]
    assert keys
    assert main(["validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in err and out == ""
    assert err.startswith(f"{path}: {len(keys)} problem")
    for key in keys:
        assert f"{path}: {key} = " in err
    assert err.count("; allowed: ") == len(keys)  # every problem says what is allowed


def test_messages_name_the_allowed_values(tmp_path):
    path = write(tmp_path, "bad", '[calibrate.parameters]\n'
                 '"leadership.theta_alarm" = { range = [0.01, 2.0] }\n'
                 '"leadership.theta_pain" = { rnage = [0.2, 0.3] }\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    text = str(err.value)
    assert "calibrate.parameters.leadership.theta_alarm.range[0] = 0.01: out of range; " \
           "allowed: a number in [0.05, 5]" in text
    assert "calibrate.parameters.leadership.theta_pain.rnage" in text
    assert "did you mean 'range'?" in text


def test_a_posterior_in_a_parent_and_a_sweep_in_a_child_is_refused(tmp_path):
    parent = write(tmp_path, "parent", POSTERIOR)
    child = write(tmp_path, "child", '[sweep]\ndesign = "grid"\n[sweep.parameters]\n'
                  '"leadership.spillover" = [0.1, 0.2]\n', extends="parent.toml")
    with pytest.raises(ScenarioError) as err:
        load_scenario(child)
    (problem,) = err.value.problems
    assert (problem.key, problem.source) == ("posterior", str(parent))


def test_many_bad_draws_are_listed_up_to_a_limit(tmp_path):
    rows = ", ".join("[9.0]" for _ in range(30))
    path = write(tmp_path, "bad", f'[posterior]\nparameters = ["leadership.theta_alarm"]\n'
                 f'draws = [{rows}]\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    problems = err.value.problems
    assert len(problems) == 21 and problems[-1].message == "and 10 more bad draws"


# ---- resolving and writing back ----------------------------------------------------------------


def test_calibrate_resolves_priors_and_the_record_path(tmp_path):
    sc = load_scenario(write(tmp_path / "scen", "cal", CALIBRATE))
    assert sc.calibrate == CalibrateSpec(
        parameters=(("leadership.theta_alarm", 0.5, 2.0), ("leadership.theta_pain", 0.01, 5.0),
                    ("agencies.blacklist_months", 1.0, 24.0)),
        record=str((tmp_path / "data" / "record.toml").resolve()), population=40, seed=7)
    assert sc.calibrate.keys[1] == "leadership.theta_pain"
    # {} is the parameter's whole declared range
    assert sc.calibrate.parameters[1][1:] == field_for("leadership.theta_pain").metadata["range"]
    # a child in another folder adds a prior; the record stays relative to the file that set it
    child = write(tmp_path / "other" / "deeper", "child",
                  '[calibrate.parameters]\n"leadership.tau_pain" = { range = [1, 18] }\n',
                  extends="../../scen/cal.toml")
    spec = load_scenario(child).calibrate
    assert spec.record == sc.calibrate.record
    assert spec.keys == (*sc.calibrate.keys, "leadership.tau_pain")
    # on the command line, a record is relative to the working directory
    spec = load_scenario(child, {"calibrate.record": "rec.toml"}).calibrate
    assert spec.record == str(Path("rec.toml").resolve())


def test_posterior_draws_resolve_with_integers_rounded(tmp_path):
    sc = load_scenario(write(tmp_path, "post", SMALL + POSTERIOR))
    post = sc.posterior
    assert post.keys == ("leadership.theta_alarm", "agencies.fine_signal",
                         "agencies.blacklist_months")
    assert post.draws == ((0.5, 0.01, 3), (0.8, 0.03, 12), (1.2, 0.02, 8))
    assert post.source == "calibration.db" and post.n_draws == 3
    assert post.matrix.shape == (3, 3)
    assert sc.calibrate is None and load_scenario(SCENARIOS / "baseline.toml").posterior is None


def test_both_tables_round_trip_through_to_toml(tmp_path):
    sc = load_scenario(write(tmp_path / "scen", "both", SMALL + CALIBRATE + POSTERIOR))
    text = to_toml(sc)
    assert "[calibrate]" in text and "[posterior]" in text
    out = tmp_path / "elsewhere" / "resolved.toml"  # the record path is absolute: it moves
    out.parent.mkdir()
    out.write_text(text)
    again = load_scenario(out)
    assert again.calibrate == sc.calibrate and again.posterior == sc.posterior
    assert again.params == sc.params and again.seeds == sc.seeds
    assert [s.params for s in expand(again)] == [s.params for s in expand(sc)]


def test_the_hash_follows_both_tables(tmp_path):
    base = load_scenario(write(tmp_path, "a", SMALL + CALIBRATE + POSTERIOR))
    other_draws = POSTERIOR.replace("[1.2, 0.02, 7.6]", "[1.3, 0.02, 7.6]")
    assert load_scenario(write(tmp_path, "a", SMALL + CALIBRATE + other_draws)).hash != base.hash
    other_prior = CALIBRATE.replace("[0.5, 2.0]", "[0.5, 2.5]")
    assert load_scenario(write(tmp_path, "a", SMALL + other_prior + POSTERIOR)).hash != base.hash
    assert load_scenario(write(tmp_path, "a", SMALL + CALIBRATE + POSTERIOR)).hash == base.hash
    # a scenario built in code has no texts: the tables themselves enter the hash
    bare = dataclasses.replace(base, sources=())
    assert dataclasses.replace(bare, posterior=None).hash != bare.hash
    assert dataclasses.replace(bare, calibrate=None).hash != bare.hash
    fewer = PosteriorDraws(keys=base.posterior.keys, draws=base.posterior.draws[:2])
    assert dataclasses.replace(bare, posterior=fewer).hash != bare.hash
    moved = dataclasses.replace(base.calibrate, record="/somewhere/else.toml")
    assert dataclasses.replace(bare, calibrate=moved).hash == bare.hash  # a path, not content


# ---- posterior draws in the runs ---------------------------------------------------------------


def test_replication_r_runs_draw_r_mod_n_with_replication_rs_seed(tmp_path):
    sc = load_scenario(write(tmp_path, "post", SMALL + POSTERIOR))
    specs = expand(sc)
    assert [s.seed for s in specs] == list(derive_seeds(1001, 5))
    for r, spec in enumerate(specs):
        draw = sc.posterior.draws[r % 3]
        assert (spec.run_id, spec.replicate, spec.point) == (r, r, 0)
        assert spec.swept == tuple(zip(sc.posterior.keys, draw, strict=True))
        assert (spec.params.leadership.theta_alarm, spec.params.agencies.fine_signal,
                spec.params.agencies.blacklist_months) == draw
        assert dataclasses.replace(spec.params, leadership=sc.params.leadership,
                                   agencies=sc.params.agencies) == sc.params
    # --seeds 2 runs the first two draws; more replications than draws repeat them
    assert [s.swept for s in expand(load_scenario(sc.path, replications=2))] == \
        [s.swept for s in specs[:2]]


def test_a_value_set_after_the_posterior_fixes_that_parameter(tmp_path):
    write(tmp_path, "post", SMALL + '[leadership]\ntheta_alarm = 3.0\n' + POSTERIOR)
    # set before (or with) the draws: the draws win
    assert {s.params.leadership.theta_alarm for s in expand(load_scenario(tmp_path / "post.toml"))
            } == {0.5, 0.8, 1.2}
    policy = write(tmp_path, "policy", '[leadership]\ntheta_alarm = 1.7\n', extends="post.toml")
    sc = load_scenario(policy)
    assert sc.posterior.keys == ("agencies.fine_signal", "agencies.blacklist_months")
    assert sc.posterior.fixed == ("leadership.theta_alarm",)
    specs = expand(sc)
    assert {s.params.leadership.theta_alarm for s in specs} == {1.7}
    assert [s.params.agencies.fine_signal for s in specs] == [0.01, 0.03, 0.02, 0.01, 0.03]
    again = tmp_path / "again.toml"
    again.write_text(to_toml(sc))
    assert "# fixed by a later file or --set" in again.read_text()
    assert [s.params for s in expand(load_scenario(again))] == [s.params for s in specs]
    # the command line comes after every file; fixing every drawn parameter drops the table
    every = {"leadership.theta_alarm": 1.0, "agencies.fine_signal": 0.05,
             "agencies.blacklist_months": 6}
    assert load_scenario(tmp_path / "post.toml", every).posterior is None


def test_two_overlays_of_one_posterior_pair_on_seed_and_draw(tmp_path, capsys):
    """Common random numbers over parameter uncertainty: run r of two policies extending one
    posterior scenario has the same seed and the same draw, and the paired difference is
    taken run by run (in the library and in ``regcycle compare --paired``)."""
    write(tmp_path, "post", SMALL + POSTERIOR)
    a = load_scenario(write(tmp_path, "restrained", '[firms]\nreward = 0.05\n',
                            extends="post.toml"))
    b = load_scenario(write(tmp_path, "bold", '[firms]\nreward = 1.5\n', extends="post.toml"))
    for sa, sb in zip(expand(a), expand(b), strict=True):
        assert sa.seed == sb.seed and sa.swept == sb.swept and sa.replicate == sb.replicate
    folders = {sc.name: run_scenario(sc, out=tmp_path / "res", backend="serial", plot=False)
               for sc in (a, b)}
    drawn = drawn_parameters(list(folders.values()))
    assert drawn == list(a.posterior.keys)
    summary = hypothesis_summary(folders, params=drawn)
    both = paired_differences(summary, "mean_harm", "bold", reference="restrained",
                              pair=["seed", *drawn])
    assert len(both) == 5
    ra = summary[summary.scenario == "restrained"].set_index("seed")["mean_harm"]
    rb = summary[summary.scenario == "bold"].set_index("seed")["mean_harm"]
    for row in both.itertuples():
        assert row.diff == rb[row.seed] - ra[row.seed]
    assert (both["diff"] != 0).all()  # the policy moved harm in every run
    # runs of the same seed but another draw are no pair (as if "bold" had drawn otherwise)
    other = summary.copy()
    other.loc[(other.scenario == "bold") & other.run_id.isin([0, 3]), drawn[0]] = 0.6
    assert paired_differences(other, "mean_harm", "bold", reference="restrained",
                              pair=["seed", *drawn])["seed"].tolist() == \
        [s for s in both["seed"] if s not in set(summary.loc[summary.run_id.isin([0, 3]),
                                                              "seed"])]
    capsys.readouterr()
    csv = tmp_path / "cmp.csv"
    assert main(["compare", str(folders["restrained"]), str(folders["bold"]), "--paired",
                 "--metrics", "mean_harm", "--boot", "50", "--csv", str(csv),
                 "--out", str(tmp_path / "cmp.png"), "--dpi", "30"]) == 0
    assert "pairing runs on their seed and their draw of" in capsys.readouterr().err
    table = pd.read_csv(csv).set_index("scenario")
    assert table.loc["bold", "n"] == 5
    assert table.loc["bold", "diff"] == pytest.approx(both["diff"].mean())


def test_a_posterior_folder_records_each_runs_draw_and_resumes(tmp_path):
    sc = load_scenario(write(tmp_path, "post", SMALL + POSTERIOR))

    def interrupted(spec):
        if spec.run_id == 3:
            raise KeyboardInterrupt
        return run_one(spec)

    with pytest.raises(KeyboardInterrupt):
        run_scenario(sc, out=tmp_path / "res", backend="serial", fn=interrupted, plot=False)
    (folder,) = (tmp_path / "res" / "post").iterdir()
    path = run_scenario(sc, resume=folder, backend="serial", plot=False)
    manifest = json.loads((path / MANIFEST).read_text())
    assert manifest["status"] == "complete" and len(manifest["invocations"]) == 2
    assert manifest["posterior"]["draw_per_run"] == [0, 1, 2, 0, 1]
    assert manifest["posterior"]["parameters"] == list(sc.posterior.keys)
    table = load_summary(path, params=True)
    for r, draw in enumerate(manifest["posterior"]["draw_per_run"]):
        row = table.loc[table.run_id == r].iloc[0]
        assert tuple(row[k] for k in sc.posterior.keys) == sc.posterior.draws[draw]


# ---- the history scenario and its counterfactuals ---------------------------------------------


HISTORY_EVENTS = {
    # months from 2008-01: 2020-10 is 153, 2021-06 is 161, 2022-04 is 171
    "bund_speech": ScheduledEvent(month=153, kind="defiance", sector="fintech", magnitude=1.5),
    "didi_listing": ScheduledEvent(month=161, kind="foreign_listing", sector="platform",
                                   magnitude=1.0),
    "lockdown": ScheduledEvent(month=171, kind="macro_shock", sector="", magnitude=0.2),
}
COUNTERFACTUALS = {"no_bund_speech": "bund_speech", "no_didi_listing": "didi_listing",
                   "no_lockdown": "lockdown"}


def test_history_injects_the_records_events_and_calibrates_a_few_wide_priors():
    history = load_scenario(SCENARIOS / "history.toml")
    base = load_scenario(SCENARIOS / "baseline.toml")
    ex = history.params.exogenous
    assert ex.events == tuple(HISTORY_EVENTS.values())
    assert ex.foreign_climate == ((155, 0.5),)  # from 2020-12
    assert history.params.run.months == 276  # 2008-01 .. 2030-12
    assert history.params.run.start_date == "2008-01" and history.seeds == base.seeds
    assert dataclasses.replace(history.params, exogenous=base.params.exogenous,
                               run=base.params.run) == base.params
    # the same shocks as counterfactual_2020, the 30-year policy comparison
    assert load_scenario(SCENARIOS / "counterfactual_2020.toml").params.exogenous == ex
    spec = history.calibrate
    assert 4 <= len(spec.parameters) <= 6
    assert spec.record == str((REPO / "data" / "record.toml").resolve())
    for key, lo, hi in spec.parameters:
        mlo, mhi = field_for(key).metadata["range"]
        assert mlo <= lo < hi <= mhi
        default = history.params.get(key)
        assert lo < default < hi and (hi - lo) >= default  # wide: at least the default's size
    assert history.posterior is None
    again = load_scenario(SCENARIOS / "history.toml")
    assert again.hash == history.hash


@pytest.mark.parametrize("name", sorted(COUNTERFACTUALS))
def test_each_counterfactual_removes_exactly_one_event(name):
    history = load_scenario(SCENARIOS / "history.toml")
    sc = load_scenario(SCENARIOS / "counterfactuals" / f"{name}.toml")
    assert sc.name == name and [Path(s.path).name for s in sc.sources] == \
        ["baseline.toml", "history.toml", f"{name}.toml"]
    removed = HISTORY_EVENTS[COUNTERFACTUALS[name]]
    assert sc.params.exogenous.events == tuple(e for e in history.params.exogenous.events
                                               if e != removed)
    assert dataclasses.replace(sc.params, exogenous=history.params.exogenous) == history.params
    assert sc.params.exogenous.foreign_climate == history.params.exogenous.foreign_climate
    assert sc.seeds == history.seeds and sc.calibrate == history.calibrate


def test_every_counterfactual_is_tested():
    shipped = {p.stem for p in (SCENARIOS / "counterfactuals").glob("*.toml")}
    assert shipped == set(COUNTERFACTUALS)


def test_a_posterior_of_history_reaches_its_counterfactuals(tmp_path):
    """What ``regcycle calibrate --write-scenario`` writes extends history.toml; an overlay of
    it that swaps the events is a counterfactual under the posterior, run by run."""
    post = write(tmp_path, "history_posterior", '[run]\nreplications = 4\n' + POSTERIOR,
                 extends=str(SCENARIOS / "history.toml"))
    events = (SCENARIOS / "counterfactuals" / "no_bund_speech.toml").read_text()
    events = events[events.index("\n[[events]]"):]
    cf = write(tmp_path, "no_bund_speech_posterior", events, extends="history_posterior.toml")
    a, b = load_scenario(post), load_scenario(cf)
    assert a.calibrate == load_scenario(SCENARIOS / "history.toml").calibrate
    assert len(b.params.exogenous.events) == 2
    assert [(s.seed, s.swept) for s in expand(a)] == [(s.seed, s.swept) for s in expand(b)]
