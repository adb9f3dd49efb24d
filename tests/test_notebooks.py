"""Execute every notebook of notebooks/ top to bottom in quick mode (nbclient).

Each notebook is read, run in a fresh kernel of this interpreter with
``REGCYCLE_NOTEBOOK_SIZE=quick`` and its results under a temporary folder, and written to a
temporary copy: the committed notebooks (with the outputs of a full run) are never rewritten.
nbclient raises on the first cell that raises. After the notebook's own cells, the test runs a few
cells of its own in the same kernel that check concrete results (the stylized-facts table covers
MODEL.md §5's thirteen facts with their kind, every crackdown ended on pain ends above its bound,
every hypothesis was compared over the same held-out seeds (≥ 1000) and set beside its
prediction, the sensitivity indices cover every parameter and metric) and that the kernel ran
this interpreter.

A fast test reads the committed notebooks as they are: every code cell ran, in order, without
error, in full size, and no placeholder is left in the prose.
"""

import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
TIMEOUT = 600
"""Seconds any one cell may take (quick mode needs a few)."""

CHECKS: dict[str, list[str]] = {
    "01_cycle_dynamics.ipynb": [
        "assert base.runs.seed.tolist() == nb.held_out_seeds(size.seeds)",
        "assert nb.FIRST_SEED >= 1000 and rules.runs.seed.tolist() == base.runs.seed.tolist()",
        "assert sorted(set(facts.fact)) == list(range(1, 14)), sorted(set(facts.fact))",
        "assert len(facts) >= 13 and facts.measured.notna().sum() >= 13",
        "assert {'measured', 'bound', 'holds', 'kind'} <= set(facts.columns)",
        "assert set(facts.kind) == {'emergent', 'assumed', 'reported'}",
        "assert len(duration_comparison(eps)) == len(DATED_EPISODES) >= 6",
        "assert len(campaigns) >= 1 and campaigns.cases.sum() > 0",
        "assert len(all_exits) >= 1 and (all_exits.pain_over_bound > 1).all()",
        "assert {'pain', 'relief'} <= set(moves.cause) and 'CRACKDOWN' in set(moves.to)",
        "parts = all_exits[['drawdown', 'shortfall', 'jobs']].sum(axis=1)",
        "assert ((parts - all_exits.sector_pain).abs() < 1e-9).all()",
        "assert len(nb.channel_table(base.series)) == len(params.sector_names)",
        "assert len(base.runs) == size.seeds and size.name == 'quick'",
    ],
    "02_policy_hypotheses.ipynb": [
        "assert list(folders) == ['baseline', *nb.HYPOTHESES]",
        "assert same_seeds and summary.seed.nunique() == size.seeds",
        "assert sorted(set(summary.seed)) == nb.held_out_seeds(size.seeds)",
        "assert set(effects.scenario) == set(folders)",
        "assert set(effects.metric) == set(METRICS)",
        "assert set(METRICS) >= set(HYPOTHESIS_METRICS) | set(nb.THEORY_METRICS)",
        "sd = effects.set_index(['scenario', 'metric'])['diff']",
        "assert sd['rules_based', 'enforcement_sd'] < 0, sd",
        "assert sd['rules_based', 'enforcement_sd_na'] < 0, sd",
        "assert set(predictions.hypothesis) == set(nb.HYPOTHESES) - {'counterfactual_2020'}",
        "assert len(predictions) == len(nb.PREDICTIONS) and predictions.verdict.str.len().all()",
    ],
    "03_sensitivity.ipynb": [
        "names = set(morris_design.problem['names'])",
        "assert len(names) >= 8 and set(morris.parameter) == names",
        "assert set(morris.metric) == set(SENSITIVITY_METRICS)",
        "assert set(sobol.parameter) == set(sobol_design.problem['names']) <= names",
        "assert set(sobol.metric) == set(SENSITIVITY_METRICS)",
        "assert {'S1', 'S1_conf', 'ST', 'ST_conf'} <= set(sobol.columns)",
        "assert sobol.ST.notna().any() and morris.sigma_ratio.notna().any()",
        "noise = seed_noise(load_summary(morris_folder), metrics)",
        "assert list(noise.index) == metrics and (noise.points == 0).all()  # 1 seed a point",
        "seeds = set(load_summary(morris_folder).seed) | set(load_summary(sobol_folder).seed)",
        "assert seeds == set(nb.held_out_seeds(size.sweep_seeds)), seeds",
    ],
    "04_calibration.ipynb": [
        "assert size.name == 'quick' and csize.name == 'quick' and cal.PREDICTIVE_SEED >= 1000",
        "assert list(settings.statistics) == [o.statistic for o in record.fitting]",
        "assert list(summary.parameter) == list(settings.keys) and len(generations) >= 2",
        "assert (summary.q05 <= summary['median']).all()",
        "assert (summary['median'] <= summary.q95).all()",
        "assert summary.width_ratio.between(0, 1).all()",
        "assert set(observations.set) == {'fit', 'heldout', 'design'}",
        "assert len(recovery) == csize.truths * len(settings.keys)",
        "assert set(coverage.parameter) == set(settings.keys)",
        "assert coverage.coverage90.between(0, 1).all()",
        "assert sorted(truths.truth_id) == sorted(set(recovery.truth_id))",
        "from sim.experiment.scenario import derive_seeds",
        "want = derive_seeds(cal.PREDICTIVE_SEED, csize.draws)",
        "assert all(r.seeds == want for r in runs.values()) and len(runs) == 5",
        "assert set(fit_check.observation) == {o.name for o in record.fitting}",
        "held = heldout[heldout.set == 'heldout']",
        "assert set(held.observation) == {o.name for o in record.held_out}",
        "design = set(heldout.observation) - set(held.observation)",
        "assert design == {o.name for o in record.design_targets}",
        "assert heldout.status[heldout.set == 'design'].str.contains('NOT out of sample').all()",
        "assert heldout.post_inside.dtype == bool",
        "assert heldout.post_low.le(heldout.post_high).all()",
        "f = forecasts.set_index('forecast')",
        "probs = ['ai_crackdown_by_2027', 'ai_crackdown_by_2030', 'p_next_platform_crackdown']",
        "p = f.loc[probs, ['posterior', 'prior']]",
        "assert p.notna().all().all() and ((p >= 0) & (p <= 1)).all().all()",
        "assert (f.loc[probs[0], 'posterior'] <= f.loc[probs[1], 'posterior'])",
        "assert set(shifts.counterfactual) == set(counterfactuals)",
        "assert set(counterfactuals) == {'no_bund_speech', 'no_didi_listing', 'no_lockdown'}",
        "assert set(shifts.statistic) == set(cal.COUNTERFACTUAL_STATISTICS)",
        "assert (shifts.n == csize.draws).all()",
        "assert set(given.counterfactual) == set(counterfactuals)",
        "assert given.n.le(csize.draws).all()",
    ],
    "05_regimes.ipynb": [
        "assert QUICK and MONTHS == 360 and min(MAP_SEEDS + LHS_SEEDS) >= nb.FIRST_SEED >= 1000",
        "assert set(lengths.sector) == {*names, 'pooled'} and set(lengths.point) == {0, 1, 2}",
        "assert list(kappas['map']) == ['A'] * 4 + ['B', 'A'] and kappas.agree.between(0, 1).all()",
        "assert set(forms.phase) <= {'LOOSE', 'CRACKDOWN'} and len(forms) > 0",
        "assert set(fine.regime) <= {'none', 'one', 'recurrent', 'stuck', 'ban'}",
        "assert len(fine) == FINE_N ** 2 * len(names)",
    ],
}
"""Cells appended to each notebook's copy, run in its kernel after its own cells."""


def _images(nb: nbformat.NotebookNode) -> int:
    return sum("image/png" in out.get("data", {}) for cell in nb.cells
               if cell.cell_type == "code" for out in cell.get("outputs", []))


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_committed_notebook_has_the_outputs_of_a_full_run(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    outputs = [o for c in code for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outputs)
    assert "NotebookSize(name='full'" in text and "name='quick'" not in text
    assert _images(nb) >= 2
    prose = "".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert not re.search(r"\b[A-Z]+_READING\b|\bTODO\b", prose)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CHECKS))
def test_notebook_runs_in_quick_mode(name, tmp_path, monkeypatch):
    monkeypatch.setenv("REGCYCLE_NOTEBOOK_SIZE", "quick")
    monkeypatch.setenv("REGCYCLE_NOTEBOOK_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    # only this environment's kernel: no user-level kernelspec may shadow "python3"
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter"))
    monkeypatch.delenv("JUPYTER_PATH", raising=False)
    source = NOTEBOOKS / name
    nb = nbformat.read(source, as_version=4)
    own = len(nb.cells)
    for check in [*CHECKS[name], "import sys; print(sys.prefix)"]:
        nb.cells.append(nbformat.v4.new_code_cell(check))
    client = NotebookClient(nb, timeout=TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    try:
        client.execute()
    finally:
        nbformat.write(nb, tmp_path / name)  # for inspection when a cell fails
    errors = [c for c in nb.cells if c.cell_type == "code"
              for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    assert _images(nb) >= 2, "the notebook drew no figures"
    prefix = nb.cells[-1].outputs[0]["text"].strip()
    assert Path(prefix).resolve() == Path(sys.prefix).resolve()
    assert len(nbformat.read(source, as_version=4).cells) == own  # the source is untouched
