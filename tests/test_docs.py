"""The generated parts of docs/ODD.md match the code."""

from sim.app import docs
from sim.model.params import iter_specs


def test_odd_generated_tables_are_current():
    current = docs.ODD_PATH.read_text(encoding="utf-8")
    assert docs.render(current) == current, "docs/ODD.md is stale: run `python -m sim.app.docs`"


def test_parameter_table_lists_every_parameter():
    table = docs.parameter_table()
    for key, _field, _value in iter_specs():
        if not key.startswith("sectors."):
            assert f"`{key}`" in table
