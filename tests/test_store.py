"""Results folders: layout, schema, manifest, atomic parts, resume, loading."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from small import small_params

from sim.experiment.runner import RunResult, expand, record_of, run_one, run_scenario
from sim.experiment.scenario import Scenario, derive_seeds, load_scenario
from sim.experiment.store import (
    MANIFEST,
    ResultsFolder,
    StoreError,
    latest_results,
    load_results,
    load_series,
    runs_table,
    spec_hash,
)
from sim.model.params import Params
from sim.model.schema import (
    EVENT_COLUMNS,
    PANEL_COLUMNS,
    SECTOR_QUANTITIES,
    SERIES_AGGREGATES,
    OutputSelection,
    series_columns,
)

SMALL = small_params(months=12)


def store_run(folder: ResultsFolder, spec, result: RunResult) -> None:
    """Store one run's result as the coordinator does: encoded as its worker would."""
    folder.record(record_of(spec, result))


def scenario(n: int = 3, params: Params = SMALL, name: str = "small") -> Scenario:
    return Scenario(name=name, description="tiny", path=None, params=params,
                    seeds=derive_seeds(4, n), seed_root=4)


def run_into(root: Path, sc: Scenario, **kw) -> Path:
    return run_scenario(sc, out=root, workers=1, plot=False, **kw)


def test_folder_contents_manifest_and_cleanup(tmp_path):
    folder = run_into(tmp_path, scenario(3), command=["regcycle", "run", "x"])
    assert folder.parent == tmp_path / "small"
    files = {p.name for p in folder.iterdir()} - {"summary.parquet"}  # derived by sim.analysis
    assert files == {"events.parquet", "manifest.json", "runs.parquet", "series.parquet"}
    m = json.loads((folder / MANIFEST).read_text())
    assert m["status"] == "complete" and m["id"] == folder.name
    assert [r["status"] for r in m["runs"]] == ["done"] * 3
    assert [r["seed"] for r in m["runs"]] == list(derive_seeds(4, 3))
    assert m["seeds"] == {"root": 4, "replications": 3, "per_run": list(derive_seeds(4, 3))}
    assert m["params"] == json.loads(json.dumps(SMALL.to_flat_dict()))
    assert m["scenario"]["name"] == "small" and m["scenario"]["hash"] == scenario(3).hash
    for dep in ("regcycle", "mesa", "numpy", "pandas", "pyarrow"):
        assert m["versions"][dep]
    assert m["platform"]["python_implementation"]
    assert m["git"] is None or len(m["git"]["revision"]) == 40
    assert m["started"] <= m["finished"]
    assert m["invocations"][0]["command"] == ["regcycle", "run", "x"]


def test_manifest_keeps_the_scenario_text_and_hash(tmp_path):
    path = tmp_path / "s.toml"
    text = '[scenario]\nname = "s"\ndescription = "d"\n[run]\nmonths = 6\nreplications = 1\n' \
           '[firms]\nn_firms = 20\n'
    path.write_text(text)
    folder = run_into(tmp_path / "out", load_scenario(path))
    files = json.loads((folder / MANIFEST).read_text())["scenario"]["files"]
    assert files == [{"path": str(path), "sha256": hashlib.sha256(text.encode()).hexdigest(),
                      "text": text}]


def test_tables_follow_the_schema(tmp_path):
    params = SMALL.override({"run.firm_panel_every": 6})
    folder = run_into(tmp_path, scenario(2, params))
    res = load_results(folder, params=False)
    series, events, panel, runs = res.series, res.events, res.panel, res.runs
    raw = pd.read_parquet(folder / "series.parquet")  # what other tools read
    assert list(raw.columns) == list(series.columns) and len(raw) == len(series)
    sectors = params.sector_names
    assert list(series.columns) == ["run_id", "seed", *series_columns(sectors)]
    dtypes = {c.name: c.dtype for c in SERIES_AGGREGATES}
    dtypes |= {f"{q.name}.{s}": q.dtype for q in SECTOR_QUANTITIES for s in sectors}
    for name, dtype in dtypes.items():
        assert str(series[name].dtype) == dtype, name
    for c in EVENT_COLUMNS:
        assert str(events[c.name].dtype) == c.dtype, c.name
    assert str(series["run_id"].dtype) == "int64" and str(series["seed"].dtype) == "int64"
    assert len(series) == 2 * 12
    assert series.groupby("run_id")["month"].apply(list).tolist() == [list(range(12))] * 2
    assert list(events.columns) == ["run_id", "seed", *(c.name for c in EVENT_COLUMNS)]
    assert list(panel.columns) == ["run_id", "seed", *(c.name for c in PANEL_COLUMNS)]
    assert set(panel["month"]) <= set(range(12)) and len(panel) > 0
    assert list(runs.columns[:6]) == ["run_id", "seed", "scenario", "status", "point",
                                      "replicate"]
    assert runs["point"].tolist() == [0, 0] and runs["replicate"].tolist() == [0, 1]
    assert set(runs.columns[6:]) == set(params.to_flat_dict())
    assert runs["seed"].tolist() == list(derive_seeds(4, 2))
    assert runs["firms.n_firms"].tolist() == [30, 30]
    assert set(series["seed"]) == set(derive_seeds(4, 2))


def test_runs_table_stores_events_as_json():
    params = Params()
    specs = expand(scenario(1, params))
    table = runs_table(specs, {0: "done"})
    assert table.loc[0, "status"] == "done"
    assert json.loads(table.loc[0, "exogenous.events"]) == []


def test_a_part_is_complete_or_absent(tmp_path):
    sc = scenario(3)
    specs = expand(sc)
    folder = ResultsFolder.create(tmp_path, sc.name)
    assert folder.begin(sc, specs) == specs
    store_run(folder, specs[1], run_one(specs[1]))
    # a write killed half-way leaves only a temporary directory: not a run
    junk = folder.parts / ".tmp-run-000002-deadbeef"
    junk.mkdir()
    (junk / "series.parquet").write_bytes(b"PAR1 truncated")
    assert sorted(folder.done_runs()) == [1]
    again = ResultsFolder.open(folder.path)
    pending = again.begin(sc, specs)
    assert [s.run_id for s in pending] == [0, 2]
    assert not junk.exists()  # cleaned on resume
    meta = json.loads((folder.parts / "run-000001" / "run.json").read_text())
    assert meta["spec_hash"] == spec_hash(specs[1]) and meta["seed"] == specs[1].seed


def test_resume_refuses_other_runs(tmp_path):
    sc = scenario(2)
    folder = run_into(tmp_path, sc)
    other = scenario(2, SMALL.override({"agencies.zeal": 0.0}))
    with pytest.raises(StoreError, match="was made for other runs"):
        ResultsFolder.open(folder).begin(other, expand(other))
    with pytest.raises(StoreError, match="no such results folder"):
        ResultsFolder.open(tmp_path / "missing")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("not results")
    with pytest.raises(StoreError, match="not a results folder"):
        ResultsFolder.open(tmp_path / "other")


def test_resume_refuses_a_part_made_with_other_parameters(tmp_path):
    sc, other = scenario(2), scenario(2, SMALL.override({"agencies.zeal": 0.0}))
    folder = ResultsFolder.create(tmp_path, "small")
    folder.begin(other, expand(other))
    store_run(folder, expand(other)[0], run_one(expand(other)[0]))
    (folder.path / MANIFEST).unlink()  # as if killed before the manifest was written
    with pytest.raises(StoreError, match="made with other parameters, seed"):
        ResultsFolder.open(folder.path).begin(sc, expand(sc))


def test_failed_runs_leave_an_incomplete_folder_that_resumes(tmp_path):
    sc = scenario(3)
    specs = expand(sc)
    folder = ResultsFolder.create(tmp_path, sc.name)
    folder.begin(sc, specs)
    for spec in specs:
        res = run_one(spec)
        if spec.run_id == 1:
            res = RunResult(1, spec.seed, None, None, None, res.started, res.finished, 0.1,
                            error="Traceback: boom")
        store_run(folder, spec, res)
    m = folder.finish(specs)
    assert m["status"] == "incomplete"
    assert [r["status"] for r in m["runs"]] == ["done", "failed", "done"]
    assert m["runs"][1]["error"] == "Traceback: boom"
    assert (folder.parts / "run-000001.failed.json").is_file()
    runs = pd.read_parquet(folder.path / "runs.parquet")
    assert runs["status"].tolist() == ["done", "failed", "done"]
    assert sorted(pd.read_parquet(folder.path / "series.parquet")["run_id"].unique()) == [0, 2]
    # resume: only the failed run is redone
    path = run_scenario(sc, resume=folder.path, workers=1, plot=False)
    m = json.loads((path / MANIFEST).read_text())
    assert m["status"] == "complete" and len(m["invocations"]) == 2
    assert not (path / "parts").exists()
    series = pd.read_parquet(path / "series.parquet")
    assert series.groupby("run_id").size().to_dict() == {0: 12, 1: 12, 2: 12}


def test_resuming_a_complete_folder_changes_nothing(tmp_path):
    sc = scenario(2)
    folder = run_into(tmp_path, sc)
    before = (folder / "series.parquet").read_bytes()
    run_scenario(sc, resume=folder, workers=1, plot=False)
    assert (folder / "series.parquet").read_bytes() == before
    assert json.loads((folder / MANIFEST).read_text())["status"] == "complete"


def test_load_results_joins_parameters(tmp_path):
    folder = run_into(tmp_path, scenario(2))
    res = load_results(folder)
    assert res.scenario == "small"
    assert res.series["firms.n_firms"].tolist() == [30] * 24
    assert res.series["scenario"].unique().tolist() == ["small"]
    assert (res.events["leadership.theta_alarm"] == 1.0).all()
    assert "agencies.zeal" in res.param_columns and "seed" not in res.param_columns
    one = res.run(1)
    assert list(one.columns) == series_columns(SMALL.sector_names) and len(one) == 12
    some = load_results(folder, params=["agencies.zeal"])
    assert some.series.columns[-1] == "agencies.zeal"
    bare = load_results(folder, params=False)
    assert list(bare.series.columns) == ["run_id", "seed", *series_columns(SMALL.sector_names)]
    with pytest.raises(StoreError, match="unknown parameter columns"):
        load_results(folder, params=["agencies.zeel"])
    with pytest.raises(KeyError):
        res.run(7)


def test_load_series_and_latest_results_compare_folders(tmp_path):
    a = run_into(tmp_path, scenario(1, name="a"))
    b = run_into(tmp_path, scenario(1, SMALL.override({"agencies.zeal": 0.0}), name="b"))
    both = load_series([a, b], params=["scenario", "agencies.zeal"])
    assert both.groupby("scenario")["agencies.zeal"].first().to_dict() == {"a": 0.3, "b": 0.0}
    assert list(both.columns[:3]) == ["results", "run_id", "seed"]
    assert latest_results(tmp_path, "b") == b
    b2 = run_into(tmp_path, scenario(1, SMALL.override({"agencies.zeal": 0.0}), name="b"))
    assert latest_results(tmp_path, "b") == b2
    with pytest.raises(StoreError, match="no complete results"):
        latest_results(tmp_path, "c")


def test_unfinished_folder_does_not_load(tmp_path):
    sc = scenario(1)
    folder = ResultsFolder.create(tmp_path, sc.name)
    folder.begin(sc, expand(sc))
    with pytest.raises(StoreError, match="no finished tables yet"):
        load_results(folder.path)


def test_create_never_reuses_a_folder(tmp_path):
    paths = {ResultsFolder.create(tmp_path, "x").path for _ in range(3)}
    assert len(paths) == 3


def test_overview_plot_is_a_png(tmp_path):
    folder = run_scenario(scenario(1), out=tmp_path, workers=1, plot=True)
    assert (folder / "overview.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_folder_killed_before_its_manifest_resumes(tmp_path):
    sc = scenario(1)
    empty = ResultsFolder.create(tmp_path, sc.name).path
    (empty / ".tmp-manifest.json-0badf00d").write_text("{")  # a killed manifest write
    path = run_scenario(sc, resume=empty, workers=1, plot=False)
    assert path == empty
    files = {p.name for p in empty.iterdir()} - {"summary.parquet"}  # derived by sim.analysis
    assert files == {"events.parquet", "manifest.json", "runs.parquet", "series.parquet"}


# ---- what a folder stores: run.series, run.events ---------------------------------------------

# crackdowns happen: v2 starts from a lax steady state in 2008, its first crackdowns years later
# TODO(v2-number): 240 months chosen so that every seed of `selected` has a crackdown; the
# default 31 provinces, not the small 5: the selection keeps "entry" events, and these runs have
# one (first seed) with 31 provinces, none with 5
LONGER = small_params(months=240, provinces=31)
SELECT = OutputSelection(series=("pain", "enforcement", "phase.ai"),
                         events=("scandal", "entry"))


def selected(outputs: OutputSelection, n: int = 3, params: Params = LONGER) -> Scenario:
    return dataclasses.replace(scenario(n, params), outputs=outputs)


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> tuple[Path, Path]:
    """The same runs stored whole and with :data:`SELECT`."""
    root = tmp_path_factory.mktemp("pair")
    return run_into(root / "all", selected(OutputSelection())), \
        run_into(root / "some", selected(SELECT))


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Categories as text (their categories are the values found, so they differ by subset)."""
    return frame.astype({c: str for c in frame.columns if frame[c].dtype == "category"})


def test_a_selection_stores_exactly_the_selected_columns_and_kinds(pair):
    full, some = (load_results(p, params=False) for p in pair)
    sectors = LONGER.sector_names
    expected = ["run_id", "seed", "month", "date", "pain", "phase.ai",  # in the schema's order
                *(f"enforcement.{s}" for s in sectors), *(f"pain.{s}" for s in sectors)]
    assert list(some.series.columns) == expected
    assert list(pd.read_parquet(pair[1] / "series.parquet").columns) == expected
    pd.testing.assert_frame_equal(as_text(some.series), as_text(full.series[expected]),
                                  check_exact=True)
    assert set(full.events["kind"].astype(str)) > {"scandal", "entry"}
    kept = full.events.loc[full.events["kind"].astype(str).isin(["scandal", "entry"])]
    assert len(some.events) == len(kept) > 0
    pd.testing.assert_frame_equal(as_text(some.events), as_text(kept.reset_index(drop=True)),
                                  check_exact=True)
    manifest = json.loads((pair[1] / MANIFEST).read_text())
    assert manifest["outputs"] == {"series": ["pain", "enforcement", "phase.ai"],
                                   "events": ["scandal", "entry"],
                                   "series_columns": expected[2:]}
    assert some.outputs == SELECT and full.outputs == OutputSelection()


def test_the_summary_is_identical_with_and_without_a_selection(pair):
    full, some = (pd.read_parquet(p / "summary.parquet") for p in pair)
    # the selection drops what the metrics read: they were computed before trimming
    assert (full["n_crackdowns"] > 0).all() and full["trigger_to_sanction_median"].notna().any()
    pd.testing.assert_frame_equal(some, full, check_exact=True)


def test_the_default_stores_everything_and_keeps_its_hashes(pair):
    full = pair[0]
    m = json.loads((full / MANIFEST).read_text())
    assert m["outputs"] == {"series": None, "events": None}
    assert list(pd.read_parquet(full / "series.parquet").columns) == \
        ["run_id", "seed", *series_columns(LONGER.sector_names)]
    spec = expand(selected(OutputSelection()))[1]
    legacy = {"run_id": spec.run_id, "seed": spec.seed, "params": spec.params.to_flat_dict()}
    text = json.dumps(legacy, sort_keys=True, separators=(",", ":"), default=str)
    assert spec_hash(spec) == hashlib.sha256(text.encode()).hexdigest()
    assert spec_hash(expand(selected(SELECT))[1]) != spec_hash(spec)


def test_resume_refuses_another_selection(pair):
    for other in (OutputSelection(), OutputSelection(series=("pain",), events=SELECT.events)):
        with pytest.raises(StoreError, match="--resume needs the same selection") as err:
            ResultsFolder.open(pair[1]).begin(selected(other), expand(selected(other)))
        assert 'run.series = ["pain", "enforcement", "phase.ai"]' in str(err.value)
    with pytest.raises(StoreError, match=r"was made with run.series = \(everything\)"):
        ResultsFolder.open(pair[0]).begin(selected(SELECT), expand(selected(SELECT)))


def test_resume_completes_a_folder_with_its_selection(pair, tmp_path):
    sc = selected(SELECT)
    specs = expand(sc)
    folder = ResultsFolder.create(tmp_path, sc.name)
    folder.begin(sc, specs)
    store_run(folder, specs[1], run_one(specs[1]))  # then killed
    path = run_scenario(sc, resume=folder.path, workers=1, plot=False)
    for name in ("series.parquet", "events.parquet", "summary.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(path / name),
                                      pd.read_parquet(pair[1] / name), check_exact=True)
    # a part stored with another selection is not taken for this one
    other = ResultsFolder.create(tmp_path, "other")
    other.begin(sc, specs)
    store_run(other, specs[0], run_one(specs[0]))
    (other.path / MANIFEST).unlink()
    plain = selected(OutputSelection())
    with pytest.raises(StoreError, match="stored outputs"):
        ResultsFolder.open(other.path).begin(plain, expand(plain))


def test_an_empty_selection_keeps_month_date_and_the_summary(tmp_path, pair):
    path = run_into(tmp_path, selected(OutputSelection(series=(), events=())))
    res = load_results(path)
    assert list(res.series.columns[:4]) == ["run_id", "seed", "month", "date"]
    assert "pain" not in res.series.columns and len(res.series) == 3 * LONGER.run.months
    assert len(res.events) == 0 and list(res.events.columns[:3]) == ["run_id", "seed", "month"]
    pd.testing.assert_frame_equal(pd.read_parquet(path / "summary.parquet"),
                                  pd.read_parquet(pair[0] / "summary.parquet"), check_exact=True)


def test_a_folder_of_failed_runs_has_the_selected_columns(tmp_path):
    def broken(spec):
        return RunResult(spec.run_id, spec.seed, None, None, None, "", "", 0.0, error="boom")

    path = run_scenario(selected(SELECT, 1, SMALL), out=tmp_path, workers=1, plot=False,
                        fn=broken)
    columns = list(pd.read_parquet(path / "series.parquet").columns)
    assert columns == ["run_id", "seed", "month", "date", "pain", "phase.ai",
                       *(f"enforcement.{s}" for s in SMALL.sector_names),
                       *(f"pain.{s}" for s in SMALL.sector_names)]
    plain = run_scenario(scenario(1), out=tmp_path, workers=1, plot=False, fn=broken)
    assert list(pd.read_parquet(plain / "series.parquet").columns) == \
        ["run_id", "seed", *series_columns(SMALL.sector_names)]


def test_overview_draws_the_stored_sectors_or_is_skipped_with_a_note(pair, tmp_path, caplog):
    from sim.plots.overview import write_overview

    assert write_overview(pair[1]).name == "overview.png"  # phase.ai
    path = run_into(tmp_path, selected(OutputSelection(series=("pain",)), 1, SMALL))
    with caplog.at_level("WARNING", logger="sim.plots.overview"):
        assert write_overview(path) is None
    assert not (path / "overview.png").exists()
    assert "no overview.png" in caplog.text and "run.series" in caplog.text


def test_remaking_the_summary_names_what_the_selection_left_out(pair, tmp_path):
    from sim.analysis.results import load_summary, write_summary

    with pytest.raises(StoreError) as err:
        write_summary(pair[1], strict=True)
    text = str(err.value)
    for word in ("summary.parquet", "harm.*", "phase.platform", "valuation_index",
                 "phase_change", "sanction", 'add "perceived_pain"', "to run.series",
                 "to run.events"):
        assert word in text, word
    assert "enforcement.platform" not in text  # stored
    with pytest.raises(StoreError, match=r"run\.series"):
        load_summary(pair[1], refresh=True)
    assert load_summary(pair[1], params=False).equals(  # the stored table is current
        pd.read_parquet(pair[1] / "summary.parquet"))
    assert write_summary(pair[0], strict=True) is not None  # everything stored: remade
