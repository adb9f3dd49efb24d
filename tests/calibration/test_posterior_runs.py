"""Running any scenario over posterior draws (`regcycle run --posterior`, notebooks).

Issue #13 item 5: each policy hypothesis runs over the posterior draws with common random
numbers, so its effects carry parameter uncertainty. Runs here are tiny (24 months) and use the
held-out seeds' machinery only through the scenario files; no stylized fact is tested.
"""

import json
from pathlib import Path

import pytest

from sim.app.cli import main
from sim.experiment.runner import expand
from sim.experiment.scenario import attach_posterior, load_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"

POSTERIOR = """\
[scenario]
name = "toy_posterior"
description = "three draws of two parameters"

[posterior]
source = "hand-written for a test"
parameters = ["leadership.theta_alarm", "leadership.theta_pain"]
draws = [[0.8, 0.5], [1.2, 0.7], [1.5, 0.9]]
"""


@pytest.fixture
def posterior_file(tmp_path):
    path = tmp_path / "toy_posterior.toml"
    path.write_text(POSTERIOR)
    return path


def test_replication_r_takes_draw_r_mod_n_and_keeps_its_seed(posterior_file):
    base = load_scenario(SCENARIOS / "baseline.toml", replications=5)
    draws = load_scenario(posterior_file).posterior
    scenario = attach_posterior(base, draws)
    specs = expand(scenario)
    assert [s.seed for s in specs] == list(base.seeds)
    for r, spec in enumerate(specs):
        want = draws.draws[r % 3]
        assert spec.params.leadership.theta_alarm == want[0]
        assert spec.params.leadership.theta_pain == want[1]
    assert scenario.hash != base.hash


def test_a_policy_that_sets_a_drawn_parameter_keeps_its_value(posterior_file, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text(f'[scenario]\nname = "policy"\ndescription = "x"\n'
                      f'extends = "{(SCENARIOS / "baseline.toml").as_posix()}"\n'
                      '[leadership]\ntheta_pain = 1.9\n')
    scenario = attach_posterior(load_scenario(policy, replications=4),
                                load_scenario(posterior_file).posterior)
    assert scenario.posterior.keys == ("leadership.theta_alarm",)
    assert scenario.posterior.fixed == ("leadership.theta_pain",)
    assert {s.params.leadership.theta_pain for s in expand(scenario)} == {1.9}


def test_run_posterior_then_compare_paired(posterior_file, tmp_path, capsys):
    out = tmp_path / "results"
    for name in ("baseline", "rules_based"):
        code = main(["run", str(SCENARIOS / f"{name}.toml"), "--posterior", str(posterior_file),
                     "--seeds", "3", "--months", "24", "--workers", "1", "--out", str(out),
                     "--no-plot", "-q"])
        assert code == 0
    folders = [next((out / n).iterdir()) for n in ("baseline", "rules_based")]
    manifest = json.loads((folders[0] / "manifest.json").read_text())
    assert manifest["posterior"]["n_draws"] == 3
    capsys.readouterr()
    png = tmp_path / "cmp.png"
    assert main(["compare", *map(str, folders), "--paired", "--metrics", "share_crackdown",
                 "--out", str(png)]) == 0
    assert png.is_file()
    assert "pairing runs on their seed and their draw" in capsys.readouterr().err


def test_a_posterior_file_without_draws_exits_2(capsys, tmp_path):
    code = main(["run", "baseline", "--posterior", str(SCENARIOS / "baseline.toml"),
                 "--months", "12", "--out", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "--posterior" in err and "[posterior]" in err and "Traceback" not in err


def test_notebook_runs_take_the_posterior_from_the_environment(posterior_file, tmp_path,
                                                                monkeypatch):
    """Notebook 02 with REGCYCLE_NOTEBOOK_POSTERIOR: every scenario over the same draws."""
    import dataclasses

    from sim.app import notebooks as nb

    monkeypatch.setenv(nb.POSTERIOR_VARIABLE, str(posterior_file))
    size = dataclasses.replace(nb.SIZES["quick"], seeds=2, months=12)
    folders = nb.run_all(["baseline", "rules_based"], size, root=tmp_path, reuse=False)
    runs = {}
    for name, folder in folders.items():
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["posterior"]["n_draws"] == 3
        runs[name] = [r["seed"] for r in manifest["runs"]]
    assert runs["baseline"] == runs["rules_based"] == nb.held_out_seeds(2)
