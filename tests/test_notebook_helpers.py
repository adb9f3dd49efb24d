"""sim.notebooks: the size switch, scenario lookup and running scenarios at a notebook size."""

import json

import pandas as pd
import pytest

from sim import notebooks as nb
from sim.store import load_results


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


def test_failed_runs_raise(tmp_path):
    folder = nb.run("baseline", TINY, overrides={"firms.n_firms": 20}, root=tmp_path)
    manifest = folder / "manifest.json"
    meta = json.loads(manifest.read_text())
    meta["status"] = "incomplete"
    meta["runs"][1].update(status="failed", error="Traceback ...\nValueError: boom\n")
    manifest.write_text(json.dumps(meta))
    with pytest.raises(RuntimeError, match=r"1 of 2 runs did not finish .*ValueError: boom"):
        nb._check_complete(folder)
