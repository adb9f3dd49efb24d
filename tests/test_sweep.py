"""Sweeps: the [sweep] table, the designs' sample matrices, and expansion into runs."""

from __future__ import annotations

import itertools
import tomllib
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import qmc

from sim.experiment.runner import expand
from sim.experiment.scenario import ScenarioError, derive_seeds, load_scenario, to_toml
from sim.experiment.sweep import (
    SAMPLER_SPAWN_KEY,
    Axis,
    Design,
    SweepSpec,
    salib_problem,
    sample_matrix,
    sampler_seed,
)
from sim.model.params import Params

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
HEAD = '[scenario]\nname = "{name}"\ndescription = "test"\n[run]\nmonths = 12\n'


def write(folder: Path, name: str, body: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(HEAD.format(name=name) + body)
    return path


GRID = """replications = 2
seed = 7
[sweep]
design = "grid"
[sweep.parameters]
"leadership.theta_alarm" = [0.4, 0.6]
"agencies.zeal" = { values = [0.0, 0.3, 0.6] }
"""


# ---- expansion ------------------------------------------------------------------------------


def test_grid_expands_point_major_with_ids_and_seeds_fixed_before_dispatch(tmp_path):
    sc = load_scenario(write(tmp_path, "grid", GRID))
    assert (sc.n_points, sc.replications, sc.n_runs) == (6, 2, 12)
    specs = expand(sc)
    seeds = derive_seeds(7, 2)
    assert [s.run_id for s in specs] == list(range(12))
    assert [(s.point, s.replicate) for s in specs] == [(p, r) for p in range(6) for r in range(2)]
    assert [s.seed for s in specs] == [seeds[r] for _ in range(6) for r in range(2)]
    combos = list(itertools.product([0.4, 0.6], [0.0, 0.3, 0.6]))  # the first key slowest
    for s in specs:
        alarm, zeal = combos[s.point]
        assert s.swept == (("leadership.theta_alarm", alarm), ("agencies.zeal", zeal))
        assert s.params.leadership.theta_alarm == alarm and s.params.agencies.zeal == zeal
        assert s.params.run.months == 12 and s.scenario == "grid"
    assert expand(sc) == specs  # pure: the same specs every time


def test_common_random_numbers_same_replicate_same_seed_at_every_point(tmp_path):
    body = GRID.replace('design = "grid"', 'design = "latin_hypercube"\nsamples = 5') \
        .replace('[0.4, 0.6]', '{ range = [0.4, 0.6] }') \
        .replace('{ values = [0.0, 0.3, 0.6] }', '{ range = [0.0, 0.6] }')
    specs = expand(load_scenario(write(tmp_path, "lhs", body)))
    assert len(specs) == 10
    by_replicate = {r: {s.seed for s in specs if s.replicate == r} for r in range(2)}
    assert by_replicate == {0: {derive_seeds(7, 2)[0]}, 1: {derive_seeds(7, 2)[1]}}
    assert len({s.swept for s in specs}) == 5  # five distinct points


def test_plain_scenarios_keep_their_seeds_and_ids():
    sc = load_scenario(SCENARIOS / "baseline.toml")
    specs = expand(sc)
    assert [s.seed for s in specs] == list(derive_seeds(20240601, 8))
    assert [(s.run_id, s.point, s.replicate, s.swept) for s in specs] == \
        [(i, 0, i, ()) for i in range(8)]
    # the historical rule: child i of SeedSequence(root), reduced to 63 bits
    state = np.random.SeedSequence(20240601, spawn_key=(3,)).generate_state(1, dtype=np.uint64)
    assert specs[3].seed == int(state[0]) >> 1


def test_more_replications_keep_the_points_and_extend_the_seeds():
    small = load_scenario(SCENARIOS / "sweep_thresholds.toml", replications=2)
    big = load_scenario(SCENARIOS / "sweep_thresholds.toml", replications=5)
    a, b = expand(small), expand(big)
    assert [s.swept for s in a if s.replicate == 0] == [s.swept for s in b if s.replicate == 0]
    assert [s.seed for s in b[:5]] == list(derive_seeds(20240601, 5))
    assert [s.seed for s in a[:2]] == [s.seed for s in b[:2]]
    assert (big.n_points, len(b)) == (16, 80)


def test_the_shipped_sweep_scenario():
    sc = load_scenario(SCENARIOS / "sweep_thresholds.toml")
    assert sc.sweep is not None and sc.sweep.design is Design.LATIN_HYPERCUBE
    assert sc.sweep.keys == ("leadership.theta_alarm", "leadership.theta_pain")
    assert (sc.n_points, sc.replications, sc.params.run.months) == (16, 4, 360)


# ---- designs --------------------------------------------------------------------------------

ALARM = Axis("leadership.theta_alarm", low=0.3, high=0.9)
PAIN = Axis("leadership.theta_pain", low=0.2, high=0.6)
CRACK = Axis("agencies.blacklist_months", low=3, high=12, integer=True)


def test_latin_hypercube_is_scipys_scaled_to_the_ranges():
    spec = SweepSpec(Design.LATIN_HYPERCUBE, axes=(ALARM, PAIN), samples=20)
    m = sample_matrix(spec, Params(), root=11)
    assert m.shape == (20, 2) and m.index.name == "point"
    seed = sampler_seed(spec, 11)
    unit = qmc.LatinHypercube(d=2, rng=np.random.default_rng(seed)).random(20)
    np.testing.assert_array_equal(m.to_numpy(), qmc.scale(unit, [0.3, 0.2], [0.9, 0.6]))
    for axis, col in ((ALARM, m.iloc[:, 0]), (PAIN, m.iloc[:, 1])):
        strata = np.floor((col - axis.low) / (axis.high - axis.low) * 20).astype(int)
        assert sorted(strata) == list(range(20))  # one point in each of the 20 strata
    assert sample_matrix(spec, Params(), root=11).equals(m)
    assert not sample_matrix(spec, Params(), root=12).equals(m)


def test_sampler_seed_is_a_separate_child_of_the_root_or_given():
    spec = SweepSpec(Design.LATIN_HYPERCUBE, axes=(ALARM,), samples=4)
    state = np.random.SeedSequence(5, spawn_key=(SAMPLER_SPAWN_KEY,)).generate_state(
        1, dtype=np.uint64)
    assert sampler_seed(spec, 5) == int(state[0]) >> 1
    assert sampler_seed(spec, 5) not in derive_seeds(5, 100)
    fixed = SweepSpec(Design.LATIN_HYPERCUBE, axes=(ALARM,), samples=4, sample_seed=99)
    assert sampler_seed(fixed, 5) == sampler_seed(fixed, 6) == 99


@pytest.mark.parametrize(("second_order", "rows"), [(False, 8 * (2 + 2)), (True, 8 * (4 + 2))])
def test_sobol_has_saltelli_shape_within_bounds(second_order, rows):
    spec = SweepSpec(Design.SOBOL, axes=(ALARM, PAIN), samples=8, second_order=second_order)
    assert spec.n_points == rows
    m = sample_matrix(spec, Params(), root=1)
    assert m.shape == (rows, 2)
    assert m.iloc[:, 0].between(0.3, 0.9).all() and m.iloc[:, 1].between(0.2, 0.6).all()
    assert salib_problem(spec) == {"num_vars": 2,
                                   "names": ["leadership.theta_alarm", "leadership.theta_pain"],
                                   "bounds": [[0.3, 0.9], [0.2, 0.6]]}


def test_morris_trajectories_move_one_parameter_per_step_on_the_level_grid():
    spec = SweepSpec(Design.MORRIS, axes=(ALARM, PAIN), samples=5, levels=4)
    m = sample_matrix(spec, Params(), root=2).to_numpy()
    assert m.shape == (5 * 3, 2) == (spec.n_points, 2)
    levels = [0.3 + k * 0.2 for k in range(4)]
    assert np.isin(np.round(m[:, 0], 12), np.round(levels, 12)).all()
    for t in range(5):
        steps = np.diff(m[3 * t:3 * t + 3], axis=0)
        assert ((steps != 0).sum(axis=1) == 1).all()  # one factor at a time


def test_integer_parameters_are_uniform_over_their_integers():
    spec = SweepSpec(Design.LATIN_HYPERCUBE, axes=(CRACK,), samples=100)
    col = sample_matrix(spec, Params(), root=3)["agencies.blacklist_months"]
    assert str(col.dtype) == "int64"
    assert set(col) == set(range(3, 13))  # 100 LHS strata cover all ten integers
    assert CRACK.from_unit(np.array([0.0, 0.0999, 0.1, 0.99999, 1.0])) == [3, 3, 4, 12, 12]


def test_grid_over_a_range_with_levels_and_points_fill_the_base(tmp_path):
    grid = SweepSpec(Design.GRID, axes=(Axis("agencies.zeal", low=0.0, high=1.0, levels=5),
                                        Axis("leadership.ban_min_months", low=2, high=4,
                                             levels=3, integer=True)))
    m = sample_matrix(grid, Params(), root=0)
    assert m["agencies.zeal"].tolist() == [z for z in (0.0, 0.25, 0.5, 0.75, 1.0) for _ in "abc"]
    assert m["leadership.ban_min_months"].tolist() == [2, 3, 4] * 5
    body = """[agencies]
zeal = 0.9
[sweep]
design = "points"
[[sweep.points]]
"leadership.theta_alarm" = 0.5
[[sweep.points]]
agencies.zeal = 0.1
"""
    sc = load_scenario(write(tmp_path, "pts", body))
    m = sample_matrix(sc.sweep, sc.params, sc.seed_root)
    assert m.to_dict("list") == {"leadership.theta_alarm": [0.5, 1.0],
                                 "agencies.zeal": [0.9, 0.1]}


# ---- the [sweep] table ----------------------------------------------------------------------


@pytest.mark.parametrize(("body", "key", "message"), [
    ('[sweep]\ndesign = "grid"\n', "sweep.parameters", "missing"),
    ('[sweep]\ndesign = "latin_hypercube"\n[sweep.parameters]\n'
     '"agencies.zeal" = { range = [0.1, 0.5] }\n', "sweep.samples", "missing"),
    ('[sweep]\ndesign = "grid"\nlevels = 3\n[sweep.parameters]\n"agencies.zeal" = [0.1]\n',
     "sweep.levels", "not used by the grid design"),
    ('[sweep]\ndesign = "points"\n[[sweep.points]]\n"agencies.zeal" = 5.0\n',
     "sweep.points[0].agencies.zeal", "out of range"),
    ('[sweep]\ndesign = "points"\npoints = []\n', "sweep.points", "empty"),
    ('[sweep]\ndesign = "grid"\n[sweep.parameters]\n"agencies.zeal" = [0.1, 0.1]\n',
     "sweep.parameters.agencies.zeal", "repeated values"),
    ('[sweep]\ndesign = "grid"\n[sweep.parameters]\n"leadership.mode" = ["rules"]\n',
     "sweep.parameters.leadership.mode", "not sweepable"),
    ('[sweep]\ndesign = "grid"\n[sweep.parameters]\n'
     '"leadership.ban_min_months" = { range = [1, 2], levels = 5 }\n',
     "sweep.parameters.leadership.ban_min_months.levels", "more levels than integers"),
    ('[sweep]\ndesign = "grid"\nsample_seed = 3\n[sweep.parameters]\n"agencies.zeal" = [0.1]\n',
     "sweep.sample_seed", "not used by the grid design"),
    ('[sweep]\ndesign = "grid"\nsampels = 3\n[sweep.parameters]\n"agencies.zeal" = [0.1]\n',
     "sweep.sampels", "did you mean 'samples'?"),
    ('[sweep]\ndesign = "grid"\n[sweep.parameters]\n"agencies.zeal" = [0.1]\n'
     '[sweep.parameters.agencies]\nzeal = [0.2]\n', "sweep.parameters.agencies.zeal",
     "given twice"),
])
def test_bad_sweep_tables_name_the_key(tmp_path, body, key, message):
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, "bad", body))
    texts = [str(p) for p in err.value.problems if p.key == key]
    assert texts and any(message in t for t in texts), str(err.value)


def test_a_sweep_key_at_the_top_says_where_it_belongs(tmp_path):
    path = tmp_path / "top.toml"
    path.write_text('design = "grid"\n' + HEAD.format(name="top"))
    with pytest.raises(ScenarioError, match="design = 'grid': unknown top-level key; it "
                                            "belongs in the \\[sweep\\] table"):
        load_scenario(path)


def test_too_many_runs_is_refused(tmp_path):
    body = '[sweep]\ndesign = "latin_hypercube"\nsamples = 1000000\n[sweep.parameters]\n' \
           '"agencies.zeal" = { range = [0.1, 0.5] }\n'
    load_scenario(write(tmp_path, "ok", body))  # 1e6 runs: allowed
    with pytest.raises(ScenarioError, match="is too many runs"):
        load_scenario(write(tmp_path, "many", body), replications=11)


def test_sweep_overrides_on_the_command_line_and_inheritance(tmp_path):
    parent = write(tmp_path, "parent", GRID)
    child = tmp_path / "child.toml"
    child.write_text('[scenario]\nname = "child"\ndescription = "d"\nextends = "parent.toml"\n'
                     '[sweep.parameters]\n"agencies.zeal" = [0.1]\n')
    sc = load_scenario(child)
    assert sc.sweep.keys == ("leadership.theta_alarm", "agencies.zeal") and sc.n_points == 2
    sc = load_scenario(parent, {"sweep.parameters.agencies.zeal": [0.2, 0.4]})
    assert sc.n_points == 4
    assert sc.hash != load_scenario(parent).hash


@pytest.mark.parametrize("name", ["grid", "lhs", "sobol", "morris", "points"])
def test_show_writes_a_sweep_that_loads_back_the_same(tmp_path, name):
    bodies = {
        "grid": GRID,
        "lhs": '[sweep]\ndesign = "latin_hypercube"\nsamples = 6\nsample_seed = 4\n'
               '[sweep.parameters]\n"agencies.blacklist_months" = { range = [2, 9] }\n',
        "sobol": '[sweep]\ndesign = "sobol"\nsamples = 4\nsecond_order = true\n'
                 '[sweep.parameters]\n"public.scandal_rate" = { range = [0.1, 1] }\n',
        "morris": '[sweep]\ndesign = "morris"\nsamples = 3\nlevels = 6\n[sweep.parameters]\n'
                  '"sectors.ai.alignment" = { range = [0.2, 0.8] }\n'
                  '"agencies.zeal" = { range = [0.0, 1.0], }\n'.replace(", }", " }"),
        "points": '[sweep]\ndesign = "points"\n[[sweep.points]]\n"agencies.zeal" = 0.2\n'
                  '"leadership.theta_pain" = 0.5\n[[sweep.points]]\n"agencies.zeal" = 0.4\n',
    }
    sc = load_scenario(write(tmp_path, name, bodies[name]))
    text = to_toml(sc)
    tomllib.loads(text)
    again = tmp_path / "again.toml"
    again.write_text(text)
    back = load_scenario(again)
    assert back.sweep == sc.sweep and back.seeds == sc.seeds
    assert sample_matrix(back.sweep, back.params, back.seed_root).equals(
        sample_matrix(sc.sweep, sc.params, sc.seed_root))
