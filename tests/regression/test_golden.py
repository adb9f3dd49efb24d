"""Golden regression test (Covasim's habit): any change to the model's numbers fails here.

Two small runs of the default model (60 firms, 180 months, held-out seeds 1000 and 1001, never
used for tuning) are recomputed and compared with the committed ``golden.json`` (phases as
run-length pairs, phase changes with their causes, event counts by kind and by (kind, sector),
total fines) and ``golden_series.npy`` (per sector signal, enforcement, perceived alarm and pain,
valuation, revenue, aggressiveness, alarm threshold and pain bound; valuation index, pain and
campaign climate; every month at full float64 precision). Integers, phases and counts must be
equal; floats must pass ``numpy.testing.assert_allclose(rtol=1e-12, atol=0)``. A failure names
the first differing quantity, sector and month, lists further differences and any parameter
whose default changed.

When the change is intended, rewrite the files and say why in the commit:

    .venv/bin/python tests/regression/update_golden.py

See ``golden.py`` for the storage format and the choice of precision.
"""

import copy
import functools

import golden
import numpy as np
import pytest


@functools.cache
def stored():
    return golden.load()


@functools.cache
def current(index, engine="compiled"):
    return golden.compute(golden.SEEDS[index], golden.params(), engine)


@pytest.mark.parametrize("engine", ["compiled", "numpy"])
@pytest.mark.parametrize("index", range(len(golden.SEEDS)), ids=lambda i: f"seed{golden.SEEDS[i]}")
def test_golden_run_is_unchanged(index, engine):
    """Both engines: the compiled month (the default) and the mechanism modules (the reference)
    reproduce the same golden numbers (issue #12: the kernels changed no output)."""
    doc, floats = stored()
    seed = golden.SEEDS[index]
    assert doc["seeds"] == list(golden.SEEDS) and doc["overrides"] == golden.OVERRIDES, (
        f"golden.json was made for seeds {doc['seeds']} with {doc['overrides']}, the test runs "
        f"seeds {list(golden.SEEDS)} with {golden.OVERRIDES}: run `{golden.UPDATE_COMMAND}`")
    p = golden.params()
    now = current(index, engine)
    diffs = golden.differences(doc, floats, index, now)
    if not diffs:
        return
    message = golden.report(doc, seed, diffs, p)
    if now.floats.shape == floats[index].shape:
        try:  # numpy adds how many values differ and by how much
            np.testing.assert_allclose(now.floats, floats[index], rtol=golden.RTOL, atol=0,
                                       err_msg=message)
        except AssertionError as error:
            message = str(error)
    pytest.fail(message, pytrace=False)


def test_a_difference_is_named_by_quantity_sector_and_month():
    """The comparison itself, on the stored files nudged by hand (no model run of its own)."""
    doc, floats = stored()
    now = current(0)
    column = doc["series_columns"].index("enforcement.gaming")
    nudged = floats.copy()
    nudged[0, column, 50:] *= 1 + 1e-13  # last-bit noise passes
    assert golden.differences(doc, nudged, 0, now) == []
    nudged[0, column, 50:] *= 1 + 1e-9
    diffs = golden.differences(doc, nudged, 0, now)
    assert len(diffs) == 1
    assert diffs[0].startswith(f"quantity enforcement, sector gaming, month 50 ({now.dates[50]})")
    assert "differs in 130 months" in diffs[0]

    edited = copy.deepcopy(doc)
    run = edited["runs"][0]
    phases = golden.expand(run["phases"]["edtech"])
    phases[10] = "CRACKDOWN" if phases[10] != "CRACKDOWN" else "LOOSE"
    run["phases"]["edtech"] = golden.run_length(phases)
    run["events_by_kind"]["sanction"] += 1
    run["events_by_kind_sector"]["sanction"]["ai"] += 1
    diffs = golden.differences(edited, nudged, 0, now)
    assert diffs[0].startswith("quantity phase, sector edtech, month 10 (")
    assert diffs[1].startswith("quantity enforcement, sector gaming, month 50 (")
    assert diffs[2].startswith("event count of kind sanction: now ")
    assert "ai " in diffs[2]
    message = golden.report(edited, golden.SEEDS[0], diffs, golden.params())
    assert "First difference: quantity phase, sector edtech, month 10" in message
    assert golden.UPDATE_COMMAND in message
