"""Backends on sweeps: serial, local processes and dask give the same files; failures; resume.

One dask cluster (two single-threaded worker processes on 127.0.0.1) serves the module; the
runner reaches it by its address, the path a running cluster elsewhere would take.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import sim.experiment.store
import sim.experiment.store.tables
import sim.model
from sim.app.cli import main
from sim.experiment.backends import _windowed
from sim.experiment.runner import (
    DaskBackend,
    ProcessPoolBackend,
    RunSpec,
    SerialBackend,
    expand,
    make_backend,
    run_many,
    run_one,
    run_scenario,
)
from sim.experiment.scenario import derive_seeds, load_scenario
from sim.experiment.store import PartSink, ResultsFolder, load_results

distributed = pytest.importorskip("dask.distributed")

SWEEP = """[scenario]
name = "tiny_sweep"
description = "a small grid for backend tests"

[run]
months = 12
replications = 2
seed = 5

[firms]
n_firms = 30

[sweep]
design = "grid"

[sweep.parameters]
"leadership.theta_alarm" = [0.3, 0.6]
"agencies.zeal" = [0.0, 0.5]
"""
TABLES = ("series", "events", "runs", "summary", "sweep")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None,
                                  scheduler_kwargs={"dashboard": False,
                                                    "dashboard_address": "127.0.0.1:0"},
                                  silence_logs=logging.ERROR) as c:
        yield c


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    path = tmp_path_factory.mktemp("scenario") / "tiny_sweep.toml"
    path.write_text(SWEEP)
    return load_scenario(path)


@pytest.fixture(scope="module")
def reference(sweep, tmp_path_factory):
    """The sweep run in this process, one run after another: what every backend must write."""
    return run_scenario(sweep, out=tmp_path_factory.mktemp("serial"), backend="serial",
                        plot=False)


def frames(folder: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(folder / f"{name}.parquet") for name in TABLES}


def assert_same_folders(a: Path, b: Path) -> None:
    fa, fb = frames(a), frames(b)
    for name in TABLES:
        pd.testing.assert_frame_equal(fa[name], fb[name], check_exact=True, obj=name)
        assert (a / f"{name}.parquet").read_bytes() == (b / f"{name}.parquet").read_bytes(), name


class Exploding:
    """A model that raises while running (stands in for a bug met at some parameter point)."""

    def __init__(self, params, *, rng=None):
        raise FloatingPointError("the model diverged")


def flaky(spec: RunSpec):
    """Point 2, replicate 1 fails inside the model; every other run is normal."""
    return run_one(spec, model=Exploding if (spec.point, spec.replicate) == (2, 1) else None)


# ---- bit-identical across backends ----------------------------------------------------------


def test_serial_processes_and_dask_write_identical_folders(sweep, reference, tmp_path,
                                                          cluster):
    serial = reference
    two = run_scenario(sweep, out=tmp_path / "p2", backend="processes", workers=2, plot=False)
    dask = run_scenario(sweep, out=tmp_path / "d", scheduler=cluster.scheduler_address,
                        plot=False)
    back = run_scenario(sweep, out=tmp_path / "b", scheduler=cluster.scheduler_address,
                        worker_writes=False, plot=False)
    for other in (two, dask, back):
        assert_same_folders(serial, other)
    res = load_results(serial)
    assert len(res.runs) == 8 and res.runs["status"].eq("done").all()
    assert res.series.groupby("run_id").size().tolist() == [12] * 8
    assert res.sweep.to_dict("list") == {"point": [0, 1, 2, 3],
                                         "leadership.theta_alarm": [0.3, 0.3, 0.6, 0.6],
                                         "agencies.zeal": [0.0, 0.5, 0.0, 0.5]}
    manifest = json.loads((dask / "manifest.json").read_text())
    assert manifest["sweep"]["design"] == "grid" and manifest["sweep"]["n_points"] == 4
    assert manifest["seeds"]["per_replication"] == list(derive_seeds(5, 2))
    # what was stored is what the model makes: a run replayed alone, bit for bit
    spec = expand(sweep)[5]
    fresh = sim.experiment.store.normalize(run_one(spec).series, "series")
    stored = res.series[res.series["run_id"] == 5][list(fresh.columns)].reset_index(drop=True)
    cats = [c for c in fresh.columns if isinstance(fresh[c].dtype, pd.CategoricalDtype)]
    pd.testing.assert_frame_equal(stored.astype(dict.fromkeys(cats, object)),
                                  fresh.astype(dict.fromkeys(cats, object)), check_exact=True)


def test_run_many_on_dask_returns_the_same_tables(sweep, cluster):
    specs = expand(sweep)[:3]
    local = {r.run_id: r for r in run_many(specs, workers=1)}
    remote = {r.run_id: r for r in run_many(specs, scheduler=cluster.scheduler_address)}
    assert sorted(remote) == [0, 1, 2]
    for rid, r in remote.items():
        pd.testing.assert_frame_equal(r.series, local[rid].series, check_exact=True)
        pd.testing.assert_frame_equal(r.events, local[rid].events, check_exact=True)


def test_the_command_runs_a_sweep_on_a_running_scheduler(capsys, sweep, reference, tmp_path,
                                                         cluster):
    code = main(["run", sweep.path, "--scheduler", cluster.scheduler_address, "--out",
                 str(tmp_path), "--no-plot"])
    out = capsys.readouterr().out
    assert code == 0
    assert "tiny_sweep: 4 points × 2 replications = 8 runs × 12 months" in out
    assert "0 failed" in out and "grid design; sample matrix:" in out
    (folder,) = (tmp_path / "tiny_sweep").iterdir()
    assert_same_folders(folder, reference)
    command = json.loads((folder / "manifest.json").read_text())["invocations"][0]["command"]
    assert command[3:5] == ["--scheduler", cluster.scheduler_address]


def test_a_dask_backend_starts_and_stops_its_own_local_cluster(sweep):
    with DaskBackend(workers=1) as backend:
        address = backend._client.scheduler.address
        assert address.startswith("tcp://127.0.0.1:") and backend.workers == 1
        got = [r.run_id for r in backend.map(run_one, expand(sweep)[:2])]
        assert backend.startup_seconds > 0
    assert sorted(got) == [0, 1]
    assert backend._client is None and backend._cluster is None


# ---- failures, interrupts, resume -----------------------------------------------------------


@pytest.mark.parametrize("where", ["processes", "dask"])
def test_a_failing_run_is_recorded_and_the_sweep_completes(sweep, reference, tmp_path, cluster,
                                                           where):
    kw = {"scheduler": cluster.scheduler_address} if where == "dask" else \
        {"backend": "processes", "workers": 2}
    folder = run_scenario(sweep, out=tmp_path, fn=flaky, plot=False, **kw)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "incomplete"
    failed = [r for r in manifest["runs"] if r["status"] == "failed"]
    assert [(r["run_id"], r["point"], r["replicate"]) for r in failed] == [(5, 2, 1)]
    assert "FloatingPointError: the model diverged" in failed[0]["error"]
    assert failed[0]["params"] == {"leadership.theta_alarm": 0.6, "agencies.zeal": 0.0}
    assert failed[0]["seed"] == derive_seeds(5, 2)[1]
    runs = pd.read_parquet(folder / "runs.parquet")
    assert runs.set_index("run_id")["status"].to_dict() == {i: "failed" if i == 5 else "done"
                                                             for i in range(8)}
    assert sorted(pd.read_parquet(folder / "series.parquet")["run_id"].unique()) == \
        [0, 1, 2, 3, 4, 6, 7]
    marker = json.loads((folder / "parts" / "run-000005.failed.json").read_text())
    assert marker["params"] == failed[0]["params"] and "diverged" in marker["error"]
    # resume runs only the failed run and completes the folder (a backend is free to choose)
    if where == "processes":
        kw = {"backend": "serial"}
    again = run_scenario(sweep, resume=folder, plot=False, **kw)
    assert again == folder
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "complete" and len(manifest["invocations"]) == 2
    assert_same_folders(folder, reference)


def test_the_command_summarises_failures_and_exits_1(capsys, sweep, tmp_path, monkeypatch):
    real = sim.model.RegulatoryModel

    def factory(params, *, rng=None):
        if params.leadership.theta_alarm == 0.6 and params.agencies.zeal == 0.0 \
                and rng == derive_seeds(5, 2)[1]:
            raise FloatingPointError("the model diverged")
        return real(params, rng=rng)

    monkeypatch.setattr(sim.model, "RegulatoryModel", factory)  # in-process: one worker
    code = main(["run", sweep.path, "--workers", "1", "--out", str(tmp_path), "-q",
                 "--no-plot"])
    err = capsys.readouterr().err
    assert code == 1
    assert "1 of 8 runs failed (run 5)" in err
    assert "run 5 (seed" in err and "FloatingPointError: the model diverged" in err
    assert "'leadership.theta_alarm': 0.6" in err and "--resume" in err


def test_an_error_outside_the_model_is_a_failed_run_too(sweep, tmp_path):
    def broken(spec):  # serial: need not pickle
        if spec.run_id == 1:
            raise OSError("disk on fire")
        return run_one(spec)

    folder = run_scenario(sweep, out=tmp_path, backend="serial", fn=broken, plot=False)
    rows = json.loads((folder / "manifest.json").read_text())["runs"]
    assert [r["status"] for r in rows].count("failed") == 1
    assert "the run's worker failed" in rows[1]["error"] and "disk on fire" in rows[1]["error"]


def test_interrupted_dask_sweep_keeps_finished_runs_and_resumes(sweep, reference, tmp_path,
                                                                cluster, monkeypatch):
    real = ResultsFolder.record
    seen = []

    def record_then_interrupt(self, record):
        real(self, record)
        seen.append(record.run_id)
        if len(seen) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(ResultsFolder, "record", record_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        run_scenario(sweep, out=tmp_path, scheduler=cluster.scheduler_address, plot=False)
    monkeypatch.undo()
    (folder,) = (tmp_path / "tiny_sweep").iterdir()
    assert json.loads((folder / "manifest.json").read_text())["status"] == "interrupted"
    kept = sorted(int(p.name[4:]) for p in (folder / "parts").glob("run-*"))
    assert set(seen) <= set(kept) and len(kept) < 8
    run_scenario(sweep, resume=folder, scheduler=cluster.scheduler_address, plot=False)
    assert_same_folders(folder, reference)


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX process groups")
def test_sweep_resumes_after_sigkill_on_the_process_backend(sweep, tmp_path):
    out = tmp_path / "results"
    argv = [sweep.path, "--months", "48", "--workers", "2", "--backend", "processes", "--out",
            str(out), "-q", "--no-plot"]
    log = (tmp_path / "stderr.txt").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "sim", "run", *argv],
                            stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if len([p for p in out.glob("tiny_sweep/*/parts/run-*") if p.is_dir()]) >= 2:
                break
            time.sleep(0.01)
        assert proc.poll() is None, "finished before the kill: " + \
            (tmp_path / "stderr.txt").read_text()
        os.killpg(proc.pid, signal.SIGKILL)  # the coordinator and its workers, mid-write maybe
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        log.close()
    (folder,) = (out / "tiny_sweep").iterdir()
    kept = sorted(p.name for p in (folder / "parts").glob("run-*") if p.is_dir())
    assert 2 <= len(kept) < 8 and not (folder / "series.parquet").exists()
    code = main(["run", *argv[:-4], "--resume", str(folder), "-q", "--no-plot"])
    assert code == 0
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "complete" and [r["status"] for r in manifest["runs"]] == \
        ["done"] * 8
    longer = load_scenario(sweep.path, {"run.months": 48})
    assert_same_folders(folder, run_scenario(longer, out=tmp_path / "fresh", backend="serial",
                                             plot=False))


# ---- the pieces -----------------------------------------------------------------------------


def test_backend_choice_and_bad_combinations():
    assert isinstance(make_backend(1), SerialBackend)
    assert isinstance(make_backend(1, "processes"), ProcessPoolBackend)
    assert isinstance(make_backend(4, scheduler="tcp://127.0.0.1:1"), DaskBackend)
    with pytest.raises(ValueError, match="needs the dask backend"):
        make_backend(2, "processes", "tcp://127.0.0.1:1")
    with pytest.raises(ValueError, match="unknown backend 'mpi'"):
        make_backend(2, "mpi")
    with pytest.raises(RuntimeError, match="context manager"):
        next(DaskBackend(1).map(run_one, []))


def test_usage_errors_for_backends(capsys, sweep):
    assert main(["run", sweep.path, "--backend", "threads"]) == 2
    assert "invalid choice: 'threads'" in capsys.readouterr().err
    assert main(["run", sweep.path, "--backend", "serial", "--scheduler",
                 "tcp://127.0.0.1:1"]) == 2
    assert "--scheduler needs --backend dask" in capsys.readouterr().err


def test_at_most_a_window_of_runs_is_in_flight():
    """Memory stays flat: results are taken and dropped as new runs are submitted."""
    in_flight, peak = set(), [0]

    class Done:
        def __init__(self, spec):
            self.spec = spec

        def result(self):
            return self.spec.run_id

    def submit(spec):
        fut = Done(spec)
        in_flight.add(fut)
        peak[0] = max(peak[0], len(in_flight))
        return fut

    def wait_one(futures):
        fut = min(futures, key=lambda f: f.spec.run_id)
        in_flight.discard(fut)
        return [fut]

    specs = [RunSpec(i, i, None) for i in range(1000)]
    got = list(_windowed(submit, specs, 6, wait_one, None, lambda f: None))
    assert got == list(range(1000)) and peak[0] == 6


def test_gathering_streams_parts_in_bounded_row_groups(sweep, reference, tmp_path,
                                                       monkeypatch):
    whole = reference
    # 12 rows a run: 3 runs per group; patched where gather_parts reads it
    monkeypatch.setattr(sim.experiment.store.tables, "ROW_GROUP_ROWS", 30)
    chunked = run_scenario(sweep, out=tmp_path / "b", backend="serial", plot=False)
    assert pq.ParquetFile(whole / "series.parquet").num_row_groups == 1
    assert pq.ParquetFile(chunked / "series.parquet").num_row_groups == 3
    for name in ("series", "events", "summary"):
        pd.testing.assert_frame_equal(pd.read_parquet(whole / f"{name}.parquet"),
                                      pd.read_parquet(chunked / f"{name}.parquet"),
                                      check_exact=True)


def test_a_worker_writes_its_run_only_where_it_sees_the_coordinators_token(tmp_path):
    parts = tmp_path / "parts"
    parts.mkdir()
    (parts / ".sink-token").write_text("abc")
    assert PartSink(str(parts), "abc").reachable()
    assert not PartSink(str(parts), "xyz").reachable()
    assert not PartSink(str(tmp_path / "elsewhere"), "abc").reachable()


def test_the_summary_is_the_one_computed_from_the_stored_tables(reference):
    from sim.analysis.results import summarize_folder

    folder = reference
    pd.testing.assert_frame_equal(pd.read_parquet(folder / "summary.parquet"),
                                  summarize_folder(folder), check_exact=True)
