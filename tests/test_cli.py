"""The regcycle command, called in-process (and once as a killed subprocess)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pandas as pd
import pytest

import sim.model
from sim.app.cli import main
from sim.experiment.runner import RunSpec, run_one
from sim.experiment.scenario import derive_seeds
from sim.model.params import Params

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = REPO / "scenarios"
BASELINE = str(SCENARIOS / "baseline.toml")
BAD = sorted((Path(__file__).resolve().parent / "bad_scenarios").glob("*.toml"))
FAST = ["--set", "firms.n_firms=30", "--months", "12", "-q", "--no-plot"]


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def folder_of(out: str) -> Path:
    return Path(out.strip().splitlines()[-1])


# ---- help and usage ---------------------------------------------------------------------------


def test_help_lists_commands_and_examples(capsys):
    code, out, _ = run_cli(capsys, "--help")
    assert code == 0
    for word in ("run", "validate", "list", "show", "examples:",
                 "regcycle run scenarios/baseline.toml"):
        assert word in out
    code, out, _ = run_cli(capsys, "run", "--help")
    assert code == 0
    for option in ("--seeds", "--months", "--out", "--workers", "--set", "--resume"):
        assert option in out


@pytest.mark.parametrize(("argv", "message"), [
    ([], "usage: regcycle"),
    (["bogus"], "invalid choice: 'bogus'"),
    (["run"], "the following arguments are required: SCENARIO"),
    (["run", BASELINE, "--seeds", "0"], "must be at least 1, got 0"),
    (["run", BASELINE, "--workers", "two"], "not an integer: 'two'"),
    (["validate"], "the following arguments are required: SCENARIO"),
])
def test_usage_errors_exit_2_with_one_message(capsys, argv, message):
    code, _, err = run_cli(capsys, *argv)
    assert code == 2
    assert message in err


# ---- list, show, validate -----------------------------------------------------------------


def test_list_shows_every_scenario_with_its_description(capsys):
    code, out, _ = run_cli(capsys, "list", "--dir", str(SCENARIOS))
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == 30  # 14 in scenarios/, 13 in ablations/, 3 in counterfactuals/
    assert any(line.startswith("rules_based.toml") and "proportional response" in line
               for line in lines)
    assert any(line.startswith("ablations/no_revelation.toml") and "revelation" in line
               for line in lines)
    code, _, err = run_cli(capsys, "list", "--dir", "/no/such/folder")
    assert code == 2 and "no such folder" in err


def test_show_prints_resolved_toml_with_overrides(capsys):
    code, out, _ = run_cli(capsys, "show", str(SCENARIOS / "no_zeal.toml"),
                           "--set", "leadership.theta_alarm=0.7")
    assert code == 0
    data = tomllib.loads(out)
    assert data["agencies"]["zeal"] == 0.0
    assert data["leadership"]["theta_alarm"] == 0.7
    assert data["run"]["replications"] == 8 and data["run"]["seed"] == 20240601
    assert len(data["leadership"]) == len(Params().leadership.__slots__)
    assert "# default: 1.0" in out


def test_show_json_and_bare_names_from_anywhere(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no ./scenarios here: falls back to the package's folder
    code, out, _ = run_cli(capsys, "show", "ai_honeymoon_ends", "--json")
    assert code == 0
    flat = json.loads(out)
    assert flat["sectors.ai.alignment"] == 0.3
    assert flat["run.seeds"] == list(derive_seeds(20240601, 8))


def test_validate_every_shipped_scenario(capsys):
    shipped = sorted(SCENARIOS.glob("*.toml")) + sorted(SCENARIOS.glob("*/*.toml"))
    code, out, err = run_cli(capsys, "validate", *map(str, shipped))
    assert code == 0 and err == ""
    assert out.count(": ok (") == 30


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_validate_names_the_file_and_key_of_each_bad_case(capsys, path):
    expected = [line.removeprefix("# expect:").strip() for line in path.read_text().splitlines()
                if line.startswith("# expect:")]
    code, _, err = run_cli(capsys, "validate", str(path))
    assert code == 2
    assert err.startswith(f"{path}: {len(expected)} problem")
    for item in expected:
        key, _, where = item.partition(" @ ")
        source = str(path.parent / where) if where else str(path)
        if key == "(file)":
            assert f"{source}: is not valid TOML" in err
        else:
            assert f"{source}: {key} = " in err


def test_validate_reports_good_and_bad_files_together(capsys):
    code, out, err = run_cli(capsys, "validate", BASELINE, str(BAD[0]))
    assert code == 2
    assert "baseline.toml: ok" in out and str(BAD[0]) in err


# ---- run ------------------------------------------------------------------------------------


def test_run_writes_a_results_folder_with_overrides(capsys, tmp_path):
    code, out, _ = run_cli(capsys, "run", BASELINE, "--seeds", "2", "--out", str(tmp_path),
                           "--workers", "1", "--set", "agencies.zeal=0",
                           "--set", "sectors.ai.alignment=0.5", *FAST)
    assert code == 0
    folder = folder_of(out)
    assert folder.parent == tmp_path / "baseline"
    runs = pd.read_parquet(folder / "runs.parquet")
    assert runs["agencies.zeal"].tolist() == [0.0, 0.0]
    assert runs["sectors.ai.alignment"].tolist() == [0.5, 0.5]
    assert runs["run.months"].tolist() == [12, 12]
    assert runs["seed"].tolist() == list(derive_seeds(20240601, 2))
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["scenario"]["overrides"] == {
        "agencies.zeal": 0, "sectors.ai.alignment": 0.5, "firms.n_firms": 30, "run.months": 12}
    assert manifest["invocations"][0]["command"][:3] == ["regcycle", "run", BASELINE]
    series = pd.read_parquet(folder / "series.parquet")
    assert len(series) == 24


def test_run_summary_and_overview_plot(capsys, tmp_path):
    code, out, _ = run_cli(capsys, "run", BASELINE, "--seeds", "1", "--months", "24",
                           "--set", "firms.n_firms=30", "--out", str(tmp_path))
    assert code == 0
    assert "baseline: 1 runs × 24 months" in out
    folder = next((tmp_path / "baseline").iterdir())
    assert f"overview plot: {folder / 'overview.png'}" in out
    assert (folder / "overview.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(("extra", "message"), [
    (["--set", "leadership.theta_alarm=9"],
     "regcycle: command line: leadership.theta_alarm = 9: out of range; allowed: a number in"),
    (["--set", "leadership.theta_alrm=0.5"], "did you mean 'theta_alarm'?"),
    (["--set", "leadership.mode=rule"], "did you mean 'rules'?"),
    (["--set", "oops"], "not an assignment"),
    (["--set", "sectors.robots.alignment=0.5"], "unknown sector"),
])
def test_bad_overrides_exit_2(capsys, tmp_path, extra, message):
    code, _, err = run_cli(capsys, "run", BASELINE, "--out", str(tmp_path), *extra)
    assert code == 2
    assert message in err
    assert not (tmp_path / "baseline").exists()  # nothing ran


def test_missing_scenario_and_bad_folders_exit_2(capsys, tmp_path):
    code, _, err = run_cli(capsys, "run", str(tmp_path / "nope.toml"))
    assert code == 2 and err == f"regcycle: {tmp_path / 'nope.toml'}: no such scenario file\n"
    code, _, err = run_cli(capsys, "run", BASELINE, "--resume", str(tmp_path / "gone"), *FAST)
    assert code == 2 and "no such results folder" in err
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = run_cli(capsys, "run", BASELINE, "--out", str(blocker), *FAST)
    assert code == 2 and err.startswith("regcycle: ")


def test_resume_with_a_different_command_exits_2(capsys, tmp_path):
    code, out, _ = run_cli(capsys, "run", BASELINE, "--seeds", "1", "--out", str(tmp_path),
                           "--workers", "1", *FAST)
    folder = folder_of(out)
    code, _, err = run_cli(capsys, "run", BASELINE, "--seeds", "1", "--workers", "1",
                           "--resume", str(folder), *FAST[:2], "--months", "13", "-q")
    assert code == 2 and "was made for other runs" in err


def test_run_stores_a_selection_set_on_the_command_line(capsys, tmp_path):
    select = ["--set", 'run.series=["pain", "enforcement"]', "--set", "run.events=[]"]
    code, out, _ = run_cli(capsys, "run", BASELINE, "--seeds", "2", "--months", "24",
                           "--set", "firms.n_firms=30", "--out", str(tmp_path), "--workers", "1",
                           *select)
    assert code == 0
    # month, date, the economy's pain and (v2) each sector's, and enforcement: 2 + 1 + 5 + 5
    assert "stored: 13 series columns (run.series), 0 event kinds (run.events)" in out
    folder = next((tmp_path / "baseline").iterdir())
    assert list(pd.read_parquet(folder / "series.parquet").columns) == [
        "run_id", "seed", "month", "date", "pain",
        *(f"enforcement.{s}" for s in Params().sector_names),
        *(f"pain.{s}" for s in Params().sector_names)]
    assert len(pd.read_parquet(folder / "events.parquet")) == 0
    assert not (folder / "overview.png").exists()  # no phase columns: skipped with a note
    code, out, _ = run_cli(capsys, "summarize", str(folder), "--metrics", "n_crackdowns")
    assert code == 0 and "n_crackdowns" in out  # the summary was made from everything
    for argv in (["summarize", str(folder), "--refresh"], ["plot", str(folder)]):
        code, _, err = run_cli(capsys, *argv)
        assert code == 2 and "phase.*" in err and '"phase"' in err and "to run.series" in err
    code, out, _ = run_cli(capsys, "plot", str(folder), "--kind", "fan", "--out",
                           str(tmp_path / "fan.png"))
    assert code == 0  # enforcement is stored
    code, _, err = run_cli(capsys, "run", BASELINE, "--seeds", "2", "--months", "24",
                           "--set", "firms.n_firms=30", "--resume", str(folder), "-q")
    assert code == 2 and "--resume needs the same selection" in err
    code, _, err = run_cli(capsys, "run", BASELINE, "--set", "run.series=pain", "-q")
    assert code == 2 and "command line: run.series = 'pain': wrong type" in err


def _flaky_model(fail_seed: int, exc: type[BaseException]):
    real = sim.model.RegulatoryModel

    def factory(params, *, rng=None):
        if rng == fail_seed:
            raise exc("injected")
        return real(params, rng=rng)

    return factory


def test_failed_run_exits_1_and_resume_completes(capsys, tmp_path, monkeypatch):
    seeds = derive_seeds(20240601, 3)
    monkeypatch.setattr(sim.model, "RegulatoryModel", _flaky_model(seeds[1], RuntimeError))
    argv = ["run", BASELINE, "--seeds", "3", "--out", str(tmp_path), "--workers", "1", *FAST]
    code, _, err = run_cli(capsys, *argv)
    assert code == 1
    assert "1 of 3 runs failed (run 1)" in err and "--resume" in err
    folder = next((tmp_path / "baseline").iterdir())
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "incomplete"
    assert "RuntimeError: injected" in manifest["runs"][1]["error"]
    monkeypatch.undo()
    code, out, _ = run_cli(capsys, *argv, "--resume", str(folder))
    assert code == 0 and folder_of(out) == folder
    series = pd.read_parquet(folder / "series.parquet")
    assert sorted(series["run_id"].unique()) == [0, 1, 2]


def test_interrupt_exits_130_and_resume_completes(capsys, tmp_path, monkeypatch):
    seeds = derive_seeds(20240601, 3)
    monkeypatch.setattr(sim.model, "RegulatoryModel", _flaky_model(seeds[2], KeyboardInterrupt))
    argv = ["run", BASELINE, "--seeds", "3", "--out", str(tmp_path), "--workers", "1", *FAST]
    code, _, err = run_cli(capsys, *argv)
    assert code == 130 and "interrupted" in err
    folder = next((tmp_path / "baseline").iterdir())
    assert json.loads((folder / "manifest.json").read_text())["status"] == "interrupted"
    assert sorted(p.name for p in (folder / "parts").glob("run-*")) == ["run-000000",
                                                                        "run-000001"]
    monkeypatch.undo()
    code, _, _ = run_cli(capsys, *argv, "--resume", str(folder))
    assert code == 0
    assert json.loads((folder / "manifest.json").read_text())["status"] == "complete"


def test_same_files_with_one_or_two_workers(capsys, tmp_path):
    files = {}
    for workers in ("1", "2"):
        code, out, _ = run_cli(capsys, "run", BASELINE, "--seeds", "3", "--months", "24",
                               "--out", str(tmp_path / workers), "--workers", workers,
                               "--set", "firms.n_firms=40", "-q", "--no-plot")
        assert code == 0
        files[workers] = folder_of(out)
    for name in ("series.parquet", "events.parquet", "runs.parquet"):
        assert (files["1"] / name).read_bytes() == (files["2"] / name).read_bytes(), name
    m1, m2 = (json.loads((files[w] / "manifest.json").read_text()) for w in ("1", "2"))
    assert m1["params"] == m2["params"] and m1["seeds"] == m2["seeds"]


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX process groups")
def test_kill_and_resume(capsys, tmp_path):
    """SIGKILL a running `regcycle run` after some runs finished; resume; every run once."""
    out = tmp_path / "results"
    argv = ["run", BASELINE, "--seeds", "10", "--months", "60", "--workers", "2",
            "--out", str(out), "-q", "--no-plot"]
    log = (tmp_path / "stderr.txt").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "sim", *argv], stdout=subprocess.DEVNULL,
                            stderr=log, start_new_session=True, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            parts = [p for p in out.glob("baseline/*/parts/run-*") if p.is_dir()]
            if len(parts) >= 2 or proc.poll() is not None:
                break
            time.sleep(0.01)
        assert proc.poll() is None, "the run ended before it could be killed: " + \
            (tmp_path / "stderr.txt").read_text()
        os.killpg(proc.pid, signal.SIGKILL)  # the command and its workers
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        log.close()
    assert proc.returncode == -signal.SIGKILL
    (folder,) = (out / "baseline").iterdir()
    # finished runs; a run being written when killed may have left a .tmp-* directory
    killed_with = sorted(p.name for p in (folder / "parts").glob("run-*") if p.is_dir())
    assert 2 <= len(killed_with) < 10
    assert not (folder / "series.parquet").exists()

    resume = [("1" if prev == "--workers" else a) for prev, a in zip(["", *argv], argv,
                                                                      strict=False)]
    assert resume != argv  # resumed in-process with one worker
    code, stdout, _ = run_cli(capsys, *resume, "--resume", str(folder))
    assert code == 0 and folder_of(stdout) == folder
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "complete" and len(manifest["invocations"]) == 2
    assert [r["status"] for r in manifest["runs"]] == ["done"] * 10
    assert not (folder / "parts").exists()
    seeds = derive_seeds(20240601, 10)
    series = pd.read_parquet(folder / "series.parquet")
    assert series.groupby("run_id").size().to_dict() == {i: 60 for i in range(10)}
    assert not series.duplicated(["run_id", "month"]).any()
    assert series.groupby("run_id")["seed"].first().tolist() == list(seeds)
    events = pd.read_parquet(folder / "events.parquet")
    assert sorted(events["run_id"].unique()) == list(range(10))
    runs = pd.read_parquet(folder / "runs.parquet")
    assert runs["run_id"].tolist() == list(range(10)) and runs["status"].eq("done").all()
    # a run finished before the kill and one finished after it equal a fresh run
    params = Params().override({"run.months": 60})
    for rid in (int(killed_with[0].split("-")[1]), 9):
        fresh = run_one(RunSpec(rid, seeds[rid], params)).series
        stored = series[series["run_id"] == rid].reset_index(drop=True)
        pd.testing.assert_frame_equal(stored, fresh, check_dtype=False, check_categorical=False)
