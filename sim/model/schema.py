"""The column schema of every output table: the one place the code and the docs read.

Three tables come out of a run (MODEL.md §4):

* the **series**: one row per month; aggregate columns, then per-sector columns named
  ``<quantity>.<sector>``;
* the **event log**: one row per event;
* the **firm panel**: firm-level snapshots every ``run.firm_panel_every`` months.

Each column is declared once with its dtype, unit and meaning. Model v2 split v1's ``data``
harm dimension into ``privacy`` and ``content`` (``harm_data`` → ``harm_privacy``,
``harm_content``) and added the channels, pain components, exit bound and pledges per sector,
the campaign climate, the ``pledge`` and ``revelation`` event kinds and the events' ``cause``.
``docs/ODD.md`` and the results README render these tables; the recorder allocates from them;
tests check frames against them.

A scenario may store only part of the series and of the event log (``run.series`` and
``run.events``, as in NetLogo BehaviorSpace's reporters or EMA Workbench's outcomes): an
:class:`OutputSelection` says which columns and event kinds a results folder keeps.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .states import HARM_DIMENSIONS, EventKind


@dataclass(frozen=True, slots=True)
class Column:
    """One output column."""

    name: str
    dtype: str  # numpy/pandas dtype name, or "category" for names stored as text
    unit: str
    doc: str


SERIES_AGGREGATES: tuple[Column, ...] = (
    Column("month", "int64", "month", "months since the start (0 = state after the first step)"),
    Column("date", "datetime64[s]", "date", "first day of the calendar month"),
    Column("phase", "category", "", "global phase: the most severe live sector phase, by name"),
    Column("valuation_index", "float64", "index", "Σ revenue × multiple, 100 at the start"),
    Column("pain", "float64", "share", "economy-wide pain: drawdown + growth shortfall + job loss"),
    Column("perceived_pain", "float64", "share", "pain as the leadership perceives it (τ_P)"),
    Column("drawdown", "float64", "share", "valuation index below its decaying peak"),
    Column("tech_revenue", "float64", "revenue units", "monthly revenue of all live firms"),
    Column("revenue_growth", "float64", "per month", "monthly growth of tech revenue"),
    Column("n_firms", "int64", "firms", "live firms at the end of the month"),
    Column("entries", "int64", "firms", "firms that entered this month"),
    Column("exits", "int64", "firms", "firms that exited this month (incl. bans, acquisitions)"),
    Column("acquisitions", "int64", "deals", "acquisitions completed this month"),
    Column("acquisitions_blocked", "int64", "deals", "acquisitions blocked by merger review"),
    Column("cases_opened", "int64", "cases", "sanction cases opened by all agencies"),
    Column("fines_total", "float64", "revenue units", "fines imposed this month"),
    Column("scandals", "int64", "scandals", "scandals this month (all sectors)"),
    Column("max_scandal", "float64", "magnitude", "largest scandal magnitude this month (0: none)"),
    Column("defiance_events", "int64", "events", "public acts of defiance this month"),
    Column("listing_events", "int64", "events", "foreign listings this month"),
    Column("pledges", "int64", "firms", "pledges made this month"),
    Column("mean_protection", "float64", "share", "revenue-weighted local protection faced"),
    Column("mean_fiscal_dependence", "float64", "share", "mean provincial fiscal dependence on "
           "tech taxes d_p"),
    Column("foreign_climate", "float64", "index", "exogenous foreign regulatory climate"),
    Column("macro_shock", "float64", "share", "macro slump added to economy pain (exogenous "
           "series plus scheduled shocks)"),
    Column("campaign_climate", "float64", "[0,1]", "the leadership's campaign climate K"),
)

SECTOR_QUANTITIES: tuple[Column, ...] = (
    Column("phase", "category", "", "the sector's phase (LOOSE, CRACKDOWN, COMPROMISE, BANNED)"),
    Column("signal", "float64", "[0,1]", "leadership signal L_s (0 growth first, 1 control)"),
    Column("floor", "float64", "[0,1]", "regulatory floor F_s"),
    Column("threshold", "float64", "alarm", "onset threshold θ_s this month (after spillover and "
           "the campaign climate)"),
    Column("enforcement", "float64", "[0,1]", "the lead agency's enforcement E_s"),
    Column("content_enforcement", "float64", "[0,1]", "CAC's content enforcement E_c,s "
           "(≥ its floor in every phase)"),
    Column("enforcement_faced", "float64", "[0,1]", "revenue-weighted enforcement firms face e"),
    Column("expected_enforcement", "float64", "[0,1]", "revenue-weighted firms' belief ê"),
    Column("alarm", "float64", "alarm", "true alarm A_s: grievance + scandal heat"),
    Column("perceived_alarm", "float64", "alarm", "alarm as the leadership perceives it Â_s: "
           "its channels' mix, moved toward the true alarm by transparency, less pledges"),
    Column("grievance", "float64", "alarm", "public grievance G_s: memory of harm / tolerance"),
    Column("scandal_heat", "float64", "alarm", "decaying heat of scandals"),
    Column("report_public", "float64", "alarm", "public channel (censored alarm), delayed"),
    Column("report_agency", "float64", "alarm", "agencies' reports (mandate dimensions, growth "
           "faction's discount), delayed"),
    Column("report_local", "float64", "alarm", "provinces' reports (fiscal under-reporting), "
           "delayed"),
    Column("transparency", "float64", "[0,1]", "X_s: how far the leadership's view is moved to "
           "the true alarm (revelation, campaign climate)"),
    Column("revealed_gap", "float64", "θ_s", "hidden harm revealed in the current or last "
           "crackdown: max X·(A − channels' mix)/θ_s"),
    Column("harm", "float64", "revenue units", "harm done this month, all dimensions"),
    *(
        Column(f"harm_{dim}", "float64", "revenue units", f"harm done this month: {dim}")
        for dim in HARM_DIMENSIONS
    ),
    Column("hhi", "float64", "[0,1]", "Herfindahl index of revenue shares"),
    Column("revenue", "float64", "revenue units", "monthly revenue of the sector's live firms"),
    Column("valuation", "float64", "index", "revenue × valuation multiple (index share)"),
    Column("drawdown", "float64", "share", "sector valuation below its decaying peak"),
    Column("pain_shortfall", "float64", "log", "revenue below the planners' path (frozen in a "
           "crackdown)"),
    Column("pain_jobs", "float64", "share", "job loss: Σ revenue^0.8 below its decaying peak"),
    Column("pain", "float64", "share", "sector pain w_v·drawdown + w_g·shortfall + w_j·jobs"),
    Column("pain_bound", "float64", "share", "perceived pain that would end a crackdown at this "
           "month's alarm and harm mix: θ_P·(Â/θ_s)^γ·(1 + Σ κ_k·share_k)"),
    Column("perceived_pain", "float64", "share", "pain the leadership weighs for this sector: "
           "(1−w_P)·economy pain (with macro shocks) + w_P·sector pain, delayed τ_P"),
    Column("n_firms", "int64", "firms", "live firms"),
    Column("aggressiveness", "float64", "[0,1]", "revenue-weighted mean aggressiveness a"),
    Column("violation_record", "float64", "revenue units", "Σ violation records V"),
    Column("protection", "float64", "[0,1]", "revenue-weighted local protection faced"),
    Column("pledged_share", "float64", "share", "revenue share of firms under a pledge"),
    Column("cases", "int64", "cases", "cases opened in the sector"),
    Column("fines", "float64", "revenue units", "fines imposed in the sector"),
    Column("scandals", "int64", "scandals", "scandals in the sector"),
)

EVENT_COLUMNS: tuple[Column, ...] = (
    Column("month", "int64", "month", "month of the event"),
    Column("kind", "category", "", "scandal, defiance, foreign_listing, sanction, "
           "listing_suspension, acquisition, entry, exit, sector_ban, phase_change, scheduled, "
           "pledge, revelation"),
    Column("sector", "category", "", "sector name ('' for economy-wide events)"),
    Column("firm_id", "int64", "id", "Mesa unique_id of the firm involved (-1: none)"),
    Column("firm_revenue", "float64", "revenue units", "its monthly revenue (NaN: no firm)"),
    Column("agency", "category", "", "agency involved ('' : none)"),
    Column("magnitude", "float64", "", "scandal magnitude; fine share of annual revenue; "
           "acquired revenue; new phase's code; scheduled magnitude; pledge cost; revealed gap "
           "(in θ_s); firms exited by a ban"),
    Column("fine", "float64", "revenue units", "fine amount (0 unless a sanction)"),
    Column("detail", "category", "", "new phase for phase_change, reason for exit, scheduled "
           "kind"),
    Column("cause", "category", "", "why: a phase change's cause (scandal, defiance, listing, "
           "campaign, hard, pain, relief, ban), what revealed hidden harm ('' : none)"),
)

PANEL_COLUMNS: tuple[Column, ...] = (
    Column("month", "int64", "month", "snapshot month"),
    Column("firm_id", "int64", "id", "Mesa unique_id"),
    Column("sector", "category", "", "sector name"),
    Column("province", "int64", "index", "home province 0..N_P−1"),
    Column("revenue", "float64", "revenue units", "monthly revenue"),
    Column("aggressiveness", "float64", "[0,1]", "a"),
    Column("expected_enforcement", "float64", "[0,1]", "ê"),
    Column("violation_record", "float64", "revenue units", "V"),
    Column("protection", "float64", "[0,1]", "local protection the firm enjoys"),
    Column("enforcement_faced", "float64", "[0,1]", "e"),
    Column("blacklisted", "bool", "", "on a blacklist this month"),
    Column("pledged", "bool", "", "has made a pledge in the current campaign"),
    Column("listed_abroad", "bool", "", "listed on a foreign exchange"),
)


def sector_column(quantity: str, sector: str) -> str:
    """Name of a per-sector series column."""
    return f"{quantity}.{sector}"


def series_columns(sectors: tuple[str, ...] | list[str]) -> list[str]:
    """All series column names, in order, for the given sectors."""
    names = [c.name for c in SERIES_AGGREGATES]
    names += [sector_column(q.name, s) for q in SECTOR_QUANTITIES for s in sectors]
    return names


def split_column(name: str) -> tuple[str, str | None]:
    """``'enforcement.ai'`` → ``('enforcement', 'ai')``; aggregates give ``(name, None)``."""
    quantity, _, sector = name.partition(".")
    return (quantity, sector) if sector else (name, None)


def sectors_in(columns: Iterable[str]) -> list[str]:
    """The sectors named by ``<quantity>.<sector>`` columns, in order of first appearance."""
    return list(dict.fromkeys(sector for _, sector in map(split_column, map(str, columns))
                              if sector is not None))


ALWAYS_STORED: tuple[str, ...] = ("month", "date")
"""Series columns a results folder keeps whatever ``run.series`` selects (with run_id, seed)."""

SERIES_NAMES: tuple[str, ...] = tuple(dict.fromkeys(
    [c.name for c in SERIES_AGGREGATES] + [q.name for q in SECTOR_QUANTITIES]))
"""The names ``run.series`` accepts (besides single ``<quantity>.<sector>`` columns): every
aggregate column, then every per-sector quantity; a name that is both (``phase``, ``drawdown``,
``perceived_pain``, ``pain``, ``n_firms``, ``scandals``) appears once and selects both."""

EVENT_KINDS: tuple[str, ...] = tuple(k.value for k in EventKind)
"""The event kinds ``run.events`` accepts (:class:`sim.model.states.EventKind` values)."""


@dataclass(frozen=True, slots=True)
class OutputSelection:
    """Which series columns and event kinds a results folder stores (``run.series``/``events``).

    A series name selects the aggregate column of that name and, for a per-sector quantity,
    every ``<quantity>.<sector>`` column; a name that is both (``phase``: the global phase and
    every sector's) selects both. A ``<quantity>.<sector>`` name selects that one column.
    :data:`ALWAYS_STORED` (and the ``run_id`` and ``seed`` columns) are kept whatever the
    selection. The run's cycle metrics (``summary.parquet``) are computed before anything is
    dropped, so they do not depend on the selection.

    Attributes:
        series: the names selected, or None for every column (the default).
        events: the event kinds kept, or None for every kind (the default).
    """

    series: tuple[str, ...] | None = None
    events: tuple[str, ...] | None = None

    @property
    def is_default(self) -> bool:
        """Whether everything is stored (neither key given)."""
        return self.series is None and self.events is None

    def keeps_column(self, name: str) -> bool:
        """Whether a series column is stored (``run_id`` and ``seed`` always are)."""
        if self.series is None or name in ALWAYS_STORED or name in ("run_id", "seed"):
            return True
        if name in self.series:
            return True
        quantity, sector = split_column(name)
        return sector is not None and quantity in self.series

    def series_columns(self, columns: Iterable[str]) -> list[str]:
        """The stored columns among ``columns``, in their order."""
        return [c for c in columns if self.keeps_column(c)]

    def keeps_event(self, kind: str) -> bool:
        """Whether events of a kind are stored."""
        return self.events is None or kind in self.events

    def to_dict(self) -> dict[str, Any]:
        """``{"series": [...] or None, "events": [...] or None}`` (for manifests and hashes)."""
        return {"series": None if self.series is None else list(self.series),
                "events": None if self.events is None else list(self.events)}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> OutputSelection:
        """The inverse of :meth:`to_dict`; None or missing keys mean everything."""
        data = data or {}
        series, events = data.get("series"), data.get("events")
        return cls(series=None if series is None else tuple(series),
                   events=None if events is None else tuple(events))


def compact_columns(columns: Sequence[str], sectors: Sequence[str]) -> list[str]:
    """Column names for messages: ``q.*`` stands for ``q.<s>`` of every sector in ``sectors``."""
    names = set(columns)
    out: list[str] = []
    for c in columns:
        quantity, sector = split_column(c)
        if sector is not None and sectors and all(sector_column(quantity, s) in names
                                                  for s in sectors):
            c = f"{quantity}.*"
        if c not in out:
            out.append(c)
    return out


def markdown_table(columns: tuple[Column, ...]) -> str:
    """Render a column table as Markdown (for docs)."""
    lines = ["| column | dtype | unit | meaning |", "| --- | --- | --- | --- |"]
    lines += [f"| `{c.name}` | {c.dtype} | {c.unit} | {c.doc} |" for c in columns]
    return "\n".join(lines)
