"""sim.app.notebooks: the size switch, scenario lookup, running scenarios at a notebook size on the
held-out seeds, and the tables the notebooks show (pain at exits, the channels, the theory's
statistics and predictions)."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from sim.analysis.hypotheses import HYPOTHESIS_METRICS
from sim.analysis.synthetic import synthetic_events, synthetic_series
from sim.app import notebooks as nb
from sim.experiment.store import load_results
from sim.model.params import Params


def test_size_switch():
    assert nb.notebook_size({}).name == "full"
    quick = nb.notebook_size({nb.SIZE_VARIABLE: " Quick "})
    assert quick.name == "quick" and quick.seeds < nb.SIZES["full"].seeds
    assert nb.SIZES["full"].seeds >= 20 and nb.SIZES["full"].months is None
    assert quick.overrides() == {"run.months": quick.months}
    assert nb.SIZES["full"].overrides() == {}
    assert quick.overrides("morris") == {"run.months": quick.sweep_months,
                                         "sweep.samples": quick.morris_trajectories}
    assert nb.SIZES["full"].overrides("sobol") == {"sweep.samples": nb.SIZES["full"].sobol_samples}
    assert nb.SIZES["full"].overrides("grid") == {}
    assert nb.notebook_size({nb.SIZE_VARIABLE: "quick", nb.WORKERS_VARIABLE: "3"}).workers == 3
    with pytest.raises(ValueError, match="quick, full"):
        nb.notebook_size({nb.SIZE_VARIABLE: "huge"})
    with pytest.raises(ValueError, match="positive integer"):
        nb.notebook_size({nb.WORKERS_VARIABLE: "0"})


def test_scenario_files_and_hypotheses():
    assert nb.scenario_file("baseline").name == "baseline.toml"
    for name in nb.HYPOTHESES:
        assert nb.scenario_file(name).is_file()
    with pytest.raises(FileNotFoundError):
        nb.scenario_file("no_such_scenario")
    table = nb.describe_scenarios(["baseline", "no_zeal", "counterfactual_2020"])
    assert table.changes.tolist()[:2] == ["—", "agencies.zeal = 0.0 (baseline 0.3)"]
    assert "defiance fintech" in table.changes.iloc[2]


def test_results_root(tmp_path):
    assert nb.results_root({nb.RESULTS_VARIABLE: str(tmp_path / "r")}) == tmp_path / "r"
    assert (tmp_path / "r").is_dir()
    assert nb.results_root({}).parts[-2:] == ("results", "notebooks")


def test_run_at_a_size(tmp_path):
    size = nb.NotebookSize("tiny", seeds=2, months=14, workers=1, n_boot=10,
                           morris_trajectories=1, sobol_samples=2, sweep_seeds=1,
                           sweep_months=12)
    folders = nb.run_all(["baseline", "no_zeal"], size, overrides={"firms.n_firms": 20},
                         root=tmp_path)
    assert list(folders) == ["baseline", "no_zeal"]
    base, other = (load_results(f) for f in folders.values())
    assert len(base.runs) == 2 and base.series.month.max() == 13
    assert base.runs.seed.tolist() == other.runs.seed.tolist()  # common random numbers
    assert base.runs.seed.tolist() == [1000, 1001] == nb.held_out_seeds(2)  # never 0-99
    theory = nb.theory_summary(folders)
    assert list(theory.columns) == ["scenario", "run_id", "seed", *nb.THEORY_METRICS]
    assert theory.scenario.tolist() == ["baseline"] * 2 + ["no_zeal"] * 2
    assert theory.seed.tolist() == [1000, 1001] * 2
    assert (theory.first_onset == 14).all() and (theory.crackdowns_na == 0).all()
    means = nb.sector_means(folders, ["enforcement", "floor"], ["platform", "fintech"])
    assert list(means.index) == ["baseline", "no_zeal"]
    assert means.loc["baseline", "floor"] == pytest.approx(np.mean(
        [base.series[f"floor.{s}"].mean() for s in ("platform", "fintech")]))
    onsets = nb.onset_revelations(folders, ["platform"])
    assert onsets.loc["baseline"].tolist() == [0, 0, 0, 0]
    series, events = nb.run_tables(base, 1)
    assert "run_id" not in series.columns and "run_id" not in events.columns
    pd.testing.assert_frame_equal(series, base.run(1))
    runs = nb.ensemble_runs(base)
    assert len(runs) == 2 and len(runs[0].series) == 14


TINY = nb.NotebookSize("tiny", seeds=2, months=12, workers=1, n_boot=10,
                       morris_trajectories=1, sobol_samples=2, sweep_seeds=1, sweep_months=12)


def test_reuse_takes_the_folder_of_the_same_runs(tmp_path):
    small = {"firms.n_firms": 20}
    first = nb.run("baseline", TINY, overrides=small, root=tmp_path)
    assert nb.run("baseline", TINY, overrides=small, root=tmp_path, reuse=True) == first
    assert nb.run("baseline", TINY, overrides=small, root=tmp_path, reuse=False) != first
    other = nb.run("baseline", TINY, overrides={**small, "run.months": 13}, root=tmp_path,
                   reuse=True)  # other runs: a folder of its own
    assert other != first and load_results(other).series.month.max() == 12
    assert nb.reuse_requested({nb.REUSE_VARIABLE: " Yes "})
    assert not nb.reuse_requested({})


def test_explicit_seeds_win_over_the_held_out_ones(tmp_path):
    folder = nb.run("baseline", TINY, overrides={"firms.n_firms": 20, "run.seeds": [5000, 5001]},
                    root=tmp_path)
    assert load_results(folder).runs.seed.tolist() == [5000, 5001]
    sweep = load_results(nb.run("sensitivity_morris", TINY, root=tmp_path,
                                overrides={"firms.n_firms": 20}))
    assert set(sweep.runs.seed) == {1000}  # a sweep point runs the first held-out seed


def _crackdown_run():
    """Platform: LOOSE 3 months, CRACKDOWN 4 (months 3-6), COMPROMISE from month 7."""
    names = Params().sector_names
    phases = {s: ["LOOSE"] * 10 for s in names}
    phases["platform"] = ["LOOSE"] * 3 + ["CRACKDOWN"] * 4 + ["COMPROMISE"] * 3
    at_exit = lambda v: [0.0] * 7 + [v] * 3  # noqa: E731
    series = synthetic_series(phases, start="2008-01", values={
        "drawdown.platform": at_exit(0.5), "pain_shortfall.platform": at_exit(0.2),
        "pain_jobs.platform": at_exit(0.1), "pain.platform": at_exit(0.4),
        "pain": at_exit(0.25), "perceived_pain.platform": at_exit(0.33),
        "pain_bound.platform": at_exit(0.3), "valuation.platform": 1.0,
        "alarm.platform": 1.0, "report_public.platform": 0.6, "report_agency.platform": 0.4,
        "report_local.platform": 0.5, "perceived_alarm.platform": 0.5,
        "transparency.platform": 0.1})
    events = synthetic_events([
        {"month": 3, "kind": "phase_change", "sector": "platform", "detail": "CRACKDOWN",
         "cause": "scandal"},
        {"month": 7, "kind": "phase_change", "sector": "platform", "detail": "COMPROMISE",
         "cause": "pain"}])
    return series, events


def test_exit_pain_is_read_at_the_first_compromise_month():
    series, events = _crackdown_run()
    table = nb.exit_pain(series, events, Params())
    assert list(table.columns) == list(nb.EXIT_COLUMNS) and len(table) == 1
    row = table.iloc[0]
    assert (row.sector, row.onset, row.exit, row.duration, row.onset_cause) == (
        "platform", 3, 7, 4, "scandal")
    # weighted components: 0.3 x 0.5, 1 x 0.2, 0.5 x 0.1, summing to sector pain
    assert (row.drawdown, row.shortfall, row.jobs) == pytest.approx((0.15, 0.2, 0.05))
    assert row.drawdown + row.shortfall + row.jobs == pytest.approx(row.sector_pain)
    assert (row.economy_pain, row.perceived_pain, row.pain_bound) == pytest.approx(
        (0.25, 0.33, 0.3))
    assert row.pain_over_bound == pytest.approx(1.1)


def test_channel_table_gives_each_channel_s_share_of_the_true_alarm():
    series, _ = _crackdown_run()
    table = nb.channel_table(series).set_index("sector")
    assert list(table.columns) == list(nb.CHANNEL_COLUMNS)[1:]
    row = table.loc["platform"]
    assert row.months == 3  # LOOSE months only
    assert (row.public_share, row.agency_share, row.local_share, row.perceived_share) == \
        pytest.approx((0.6, 0.4, 0.5, 0.5))
    assert nb.channel_table(series, phase=None).loc[0, "months"] == 10


def test_predictions_name_known_scenarios_and_metrics():
    metrics = set(HYPOTHESIS_METRICS) | set(nb.THEORY_METRICS)
    for p in nb.PREDICTIONS:
        assert p.scenario in nb.HYPOTHESES and p.metric in metrics, p
        assert p.expect in ("lower", "higher", "changes", "little") and p.size >= 0 and p.why
    covered = {p.scenario for p in nb.PREDICTIONS}
    assert covered == set(nb.HYPOTHESES) - {"counterfactual_2020"}


@pytest.mark.parametrize(("expect", "size", "rel", "lo", "hi", "word"), [
    ("lower", 0.2, -0.25, -0.3, -0.2, "holds"),
    ("lower", 0.2, -0.10, -0.15, -0.05, "direction only"),
    ("lower", 0.0, -0.01, -0.02, -0.001, "holds"),
    ("lower", 0.0, -0.10, -0.3, 0.1, "not shown"),
    ("lower", 0.0, 0.10, 0.05, 0.2, "does not hold"),
    ("higher", 0.0, math.nan, 0.5, 1.5, "holds"),
    ("higher", 0.1, math.nan, 0.5, 1.5, "direction only"),
    ("changes", 0.1, -0.15, -0.2, -0.1, "holds"),
    ("changes", 0.1, 0.05, 0.01, 0.1, "does not hold"),
    ("little", 0.1, 0.08, -0.1, 0.3, "holds"),
    ("little", 0.1, -0.12, -0.2, -0.05, "does not hold"),
])
def test_verdict_rules(expect, size, rel, lo, hi, word):
    p = nb.Prediction("no_zeal", "enforcement_sd_na", expect, size, "test")
    assert nb.verdict(p, rel, (lo + hi) / 2, lo, hi).startswith(word)


def test_prediction_table():
    rows = [{"scenario": "unified_regulator", "metric": "enforcement_sd_na", "reference": 0.2,
             "value": 0.15, "diff": -0.05, "diff_lo": -0.07, "diff_hi": -0.03, "rel": -0.25,
             "rel_lo": -0.35, "rel_hi": -0.15},
            {"scenario": "ai_honeymoon_ends", "metric": "crackdowns_ai", "reference": 0.0,
             "value": 1.5, "diff": 1.5, "diff_lo": 1.0, "diff_hi": 2.0, "rel": np.nan,
             "rel_lo": np.nan, "rel_hi": np.nan}]
    preds = [nb.Prediction("unified_regulator", "enforcement_sd_na", "lower", 0.2, "v5"),
             nb.Prediction("ai_honeymoon_ends", "crackdowns_ai", "higher", 0.0, "alignment")]
    table = nb.prediction_table(pd.DataFrame(rows), preds)
    assert list(table.columns) == list(nb.PREDICTION_COLUMNS)
    assert table.verdict.tolist() == ["holds", "holds"]
    assert table.change.tolist() == ["-25.0 % [-35.0, -15.0]", "n/a"]
    assert table.difference.iloc[1] == "+1.5 [+1, +2]"
    assert table.prediction.tolist() == ["lower by ≥ 20%", "higher"]


def test_failed_runs_raise(tmp_path):
    folder = nb.run("baseline", TINY, overrides={"firms.n_firms": 20}, root=tmp_path)
    manifest = folder / "manifest.json"
    meta = json.loads(manifest.read_text())
    meta["status"] = "incomplete"
    meta["runs"][1].update(status="failed", error="Traceback ...\nValueError: boom\n")
    manifest.write_text(json.dumps(meta))
    with pytest.raises(RuntimeError, match=r"1 of 2 runs did not finish .*ValueError: boom"):
        nb.check_complete(folder)


def test_the_package_exports_every_name_the_notebooks_use():
    """Each ``nb.<name>`` of notebooks/*.ipynb is in ``sim.app.notebooks.__all__``, and every
    module of the package stays under 500 lines."""
    import doctest
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    used = set()
    for notebook in sorted((root / "notebooks").glob("*.ipynb")):
        for cell in json.loads(notebook.read_text())["cells"]:
            used |= set(re.findall(r"\bnb\.([A-Za-z_]\w*)", "".join(cell["source"])))
    assert used, "no nb.<name> found in the notebooks"
    assert used <= set(nb.__all__), sorted(used - set(nb.__all__))
    assert all(hasattr(nb, name) for name in nb.__all__)
    for module in Path(nb.__file__).parent.glob("*.py"):
        assert len(module.read_text().splitlines()) < 500, module.name
    assert doctest.testmod(nb).failed == 0
