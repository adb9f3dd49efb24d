"""What compiling the month costs (issue #12): cold first run, warm start, workers side by side.

Each figure is taken in fresh child processes whose numba cache is an empty temporary folder
(``NUMBA_CACHE_DIR``), so that the package's own cache plays no part:

- **cold**: one process imports ``sim`` and makes the baseline run (300 firms, 240 months,
  series and events framed) with nothing cached: import, first run (compilation included), and
  whether it said on stderr that it was compiling;
- **warm**: a second process on the now-filled cache: import, first run, and their sum;
- **two cold at once**: two processes start together on another empty cache and both compile
  (what worker processes did before the coordinator warmed the cache): each one's first run;
- **warmed first**: one process warms the cache (``sim.model.warmup.warm_up``), then two start
  together and load it (what ``regcycle run`` does before it starts its workers).

Run alone: ``python benchmarks/compile_bench.py`` (about 3 minutes on 2 cores); bench.py runs it
as part (g).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import sim
from sim import Params, RegulatoryModel
t1 = time.perf_counter()
if sys.argv[1] == "warm_up":
    from sim.model.warmup import warm_up
    warm_up()
else:
    m = RegulatoryModel(Params().override({"run.months": 240}), rng=1000).run()
    m.series(); m.events()
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first_run": t2 - t1}))
"""


def _start(cache: Path, what: str = "run") -> subprocess.Popen:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", CHILD, what], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen) -> dict[str, object]:
    out, err = proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"child failed ({proc.returncode}): {err[-2000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    result["said_compiling"] = "compiling the model's month" in err
    return result


def measure() -> dict[str, object]:
    """All four figures, in seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        cold_cache, pair_cache, warmed_cache = (tmp_path / n for n in ("cold", "pair", "warmed"))
        cold = _finish(_start(cold_cache))
        warm = _finish(_start(cold_cache))
        start = time.perf_counter()
        pair = [_finish(p) for p in [_start(pair_cache), _start(pair_cache)]]
        pair_wall = time.perf_counter() - start
        start = time.perf_counter()
        warming = _finish(_start(warmed_cache, "warm_up"))
        loaders = [_finish(p) for p in [_start(warmed_cache), _start(warmed_cache)]]
        warmed_wall = time.perf_counter() - start
    return {
        "cold_import_s": cold["import"], "cold_first_run_s": cold["first_run"],
        "cold_said_compiling": cold["said_compiling"],
        "warm_import_s": warm["import"], "warm_first_run_s": warm["first_run"],
        "warm_start_and_first_run_s": warm["import"] + warm["first_run"],
        "warm_said_compiling": warm["said_compiling"],
        "two_cold_first_runs_s": [p["first_run"] for p in pair], "two_cold_wall_s": pair_wall,
        "warm_up_s": warming["first_run"],
        "two_after_warm_up_first_runs_s": [p["first_run"] for p in loaders],
        "warm_up_then_two_wall_s": warmed_wall,
    }


def main() -> None:
    figures = measure()
    for key, value in figures.items():
        if isinstance(value, float):
            print(f"{key:34s} {value:8.2f}")
        elif isinstance(value, list):
            print(f"{key:34s} " + ", ".join(f"{v:.2f}" for v in value))
        else:
            print(f"{key:34s} {value}")


if __name__ == "__main__":
    main()
