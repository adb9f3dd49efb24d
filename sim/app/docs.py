"""Generate the documentation tables that must stay true to the code.

``docs/ODD.md`` holds blocks between ``<!-- BEGIN name -->`` and ``<!-- END name -->`` markers
that are rendered from the parameter metadata (:mod:`sim.model.params`) and the output schema
(:mod:`sim.model.schema`). ``python -m sim.app.docs`` rewrites them; a test fails when they are
stale.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from ..model.params import GROUPS, Params, SectorSpec, fmt_number, iter_specs
from ..model.schema import EVENT_COLUMNS, PANEL_COLUMNS, SECTOR_QUANTITIES, SERIES_AGGREGATES
from ..model.schema import markdown_table as schema_table

ODD_PATH = Path(__file__).resolve().parents[2] / "docs" / "ODD.md"


def _allowed(meta) -> str:
    if meta.get("choices"):
        return " / ".join(f"`{c}`" for c in meta["choices"])
    if meta.get("range"):
        lo, hi = meta["range"]
        return f"[{fmt_number(lo)}, {fmt_number(hi)}]"
    return "true / false"


def parameter_table() -> str:
    """Markdown tables of every scalar parameter, grouped, with symbol, default, range and doc."""
    params = Params()
    out: list[str] = []
    for group in GROUPS:
        out.append(f"**`{group}`** ({GROUPS[group].__doc__.splitlines()[0]})\n")
        out.append("| key | symbol | default | allowed | unit | meaning |")
        out.append("| --- | --- | --- | --- | --- | --- |")
        for key, f, value in iter_specs(params):
            if key.split(".")[0] != group:
                continue
            m = f.metadata
            out.append(f"| `{key}` | {m['symbol']} | `{value!r}` | {_allowed(m)} | "
                       f"{m['unit']} | {m['doc']} |")
        out.append("")
    out.append("**`sectors.<sector>`** (one row of the sector table per sector)\n")
    fields = [f for f in SectorSpec.__dataclass_fields__.values() if f.name != "name"]
    out.append("| sector | " + " | ".join(f"`{f.name}`" for f in fields) + " |")
    out.append("| --- |" + " --- |" * len(fields))
    for s in params.sectors:
        cells = " | ".join(f"{getattr(s, f.name)!r}" for f in fields)
        out.append(f"| `{s.name}` | {cells} |")
    out.append("")
    out.append("| field | symbol | allowed | meaning |")
    out.append("| --- | --- | --- | --- |")
    for f in fields:
        m = f.metadata
        out.append(f"| `{f.name}` | {m['symbol']} | {_allowed(m)} | {m['doc']} |")
    return "\n".join(out)


def output_tables() -> str:
    """Markdown tables of the series, event and panel columns."""
    return "\n\n".join([
        "**Series, aggregate columns** (one row per month)\n\n" + schema_table(SERIES_AGGREGATES),
        "**Series, per-sector columns** (named `<quantity>.<sector>`)\n\n"
        + schema_table(SECTOR_QUANTITIES),
        "**Event log**\n\n" + schema_table(EVENT_COLUMNS),
        "**Firm panel**\n\n" + schema_table(PANEL_COLUMNS),
    ])


BLOCKS = {"parameters": parameter_table, "outputs": output_tables}


def render(text: str) -> str:
    """Replace every generated block in ``text`` with its current rendering."""
    for name, make in BLOCKS.items():
        pattern = re.compile(rf"(<!-- BEGIN {name} -->\n).*?(<!-- END {name} -->)", re.S)
        if not pattern.search(text):
            raise ValueError(f"docs block '{name}' is missing its BEGIN/END markers")
        text = pattern.sub(lambda m, make=make: m.group(1) + make() + "\n" + m.group(2), text)
    return text


def main(argv: list[str] | None = None) -> int:
    """Rewrite the generated blocks of docs/ODD.md (``--check``: exit 1 if they are stale)."""
    argv = sys.argv[1:] if argv is None else argv
    current = ODD_PATH.read_text(encoding="utf-8")
    fresh = render(current)
    if "--check" in argv:
        if fresh != current:
            print(f"{ODD_PATH} is stale: run `python -m sim.app.docs`", file=sys.stderr)
            return 1
        return 0
    ODD_PATH.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
