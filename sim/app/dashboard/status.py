"""What the dashboard shows as text: the status panel and the list of latest events (HTML).

The status panel gives the months simulated, each sector's phase (a coloured chip), signal,
enforcement and alarm now, the parameters changed from the scenario and the latest events
(:func:`latest_events`: phase changes, bans, big fines, scandals, defiance, listings, pledges,
revelations and scheduled events). Every function takes a
:class:`~sim.app.dashboard.model.DashboardModel` and reads its history and event log; none
imports Solara or matplotlib.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np

from ...model.schema import EVENT_COLUMNS
from ...model.states import EventKind, Phase
from ...plots.style import PHASE_COLOURS, phase_label
from .controls import describe
from .model import DashboardModel
from .months import month_label

BIG_FINE_SHARE = 0.03
"""A fine of at least this share of the firm's annual revenue is listed as a big fine (the
2021 antitrust fine on Alibaba was about 4 %)."""

N_EVENTS = 12
"""How many of the latest events the page lists."""

LISTED_KINDS: tuple[str, ...] = (
    EventKind.PHASE_CHANGE.value,
    EventKind.SECTOR_BAN.value,
    EventKind.SANCTION.value,
    EventKind.SCANDAL.value,
    EventKind.DEFIANCE.value,
    EventKind.FOREIGN_LISTING.value,
    EventKind.SCHEDULED.value,
    EventKind.PLEDGE.value,
    EventKind.REVELATION.value,
)
"""Event kinds the list shows (sanctions only when big; phase changes but BANNED, which the
sector-ban row reports)."""

PHASE_TEXT_COLOUR: dict[str, str] = {
    Phase.LOOSE.name: "#000000",
    Phase.COMPROMISE.name: "#000000",
    Phase.CRACKDOWN.name: "#FFFFFF",
    Phase.BANNED.name: "#FFFFFF",
}
"""Text colour on each phase's colour (legible contrast)."""

_COL = {c.name: i for i, c in enumerate(EVENT_COLUMNS)}


@dataclass(frozen=True, slots=True)
class EventLine:
    """One row of the event list."""

    month: int
    kind: str
    sector: str
    text: str


def _describe_event(row: tuple, trigger: float) -> str | None:
    kind = row[_COL["kind"]]
    firm = row[_COL["firm_id"]]
    magnitude = row[_COL["magnitude"]]
    detail = row[_COL["detail"]]
    cause = row[_COL["cause"]] if len(row) > _COL["cause"] else ""
    if kind == EventKind.PHASE_CHANGE.value:
        text = {Phase.CRACKDOWN.name: "crackdown starts",
                Phase.COMPROMISE.name: "compromise",
                Phase.LOOSE.name: "back to lax"}.get(detail)
        return f"{text} ({cause})" if text and cause else text
    if kind == EventKind.SECTOR_BAN.value:
        return f"for-profit firms banned ({int(magnitude)} closed)"
    if kind == EventKind.SANCTION.value:
        if not magnitude >= BIG_FINE_SHARE:
            return None
        agency = row[_COL["agency"]]
        return (f"big fine {row[_COL['fine']]:.1f} on firm #{firm} by {agency} "
                f"({100 * magnitude:.1f} % of annual revenue)")
    if kind == EventKind.SCANDAL.value:
        tag = " — a trigger" if magnitude > trigger else ""
        return f"scandal, magnitude {magnitude:.1f}{tag}"
    if kind == EventKind.DEFIANCE.value:
        return f"firm #{firm} defies the state in public"
    if kind == EventKind.FOREIGN_LISTING.value:
        return f"firm #{firm} lists abroad"
    if kind == EventKind.SCHEDULED.value:
        return f"scheduled {detail}, magnitude {magnitude:g}"
    if kind == EventKind.PLEDGE.value:
        return f"firm #{firm} pledges"
    if kind == EventKind.REVELATION.value:
        by = f" by a {cause}" if cause else ""
        return f"hidden harm revealed{by} ({magnitude:.2f} θ)"
    return None


def latest_events(model: DashboardModel, n: int = N_EVENTS) -> list[EventLine]:
    """The ``n`` latest listed events, newest first (see :data:`LISTED_KINDS`)."""
    trigger = model.p.leadership.trigger_magnitude
    out: list[EventLine] = []
    for row in reversed(model.events_log.rows):
        if row[_COL["kind"]] not in LISTED_KINDS:
            continue
        text = _describe_event(row, trigger)
        if text is None:
            continue
        out.append(EventLine(int(row[_COL["month"]]), row[_COL["kind"]], row[_COL["sector"]],
                             text))
        if len(out) >= n:
            break
    return out


def _chip(phase: str) -> str:
    return (f'<span class="regcycle-phase" style="background:{PHASE_COLOURS[phase]};'
            f'color:{PHASE_TEXT_COLOUR[phase]};padding:0 6px;border-radius:3px;'
            f'font-size:85%">{html.escape(phase_label(phase))}</span>')


def status_html(model: DashboardModel) -> str:
    """The status panel as HTML.

    It shows the months simulated, each sector's phase, signal, enforcement and alarm now, the
    parameters changed from the scenario and the latest events.
    """
    e = html.escape
    months = len(model.history) - 1  # = model.steps, but never ahead of the history
    when = (f"last month {month_label(model, months - 1)}" if months
            else f"starts {month_label(model, 0)}")
    seed = "fresh" if model.seed is None else str(model.seed)
    parts = [f'<div class="regcycle-month" style="font-size:110%"><b>Month {months}</b> '
             f'simulated · {when}</div>',
             f'<div style="color:#555;font-size:85%">seed {e(seed)} · figures drawn in '
             f'<span class="regcycle-render">{1000 * model.render_seconds:.0f}</span> ms</div>']
    ratio = model.history.get("alarm_ratio", len(model.sector_names))
    signal = model.history.get("signal", len(model.sector_names))
    enforcement = model.history.get("enforcement", len(model.sector_names))
    rows = []
    for i, (name, phase) in enumerate(zip(model.sector_names, model.current_phases(),
                                          strict=True)):
        alarm = f"{ratio[-1, i]:.2f}" if len(ratio) and np.isfinite(ratio[-1, i]) else "–"
        rows.append(f"<tr><td>{e(name)}</td><td>{_chip(phase.name)}</td>"
                    f"<td>{signal[-1, i]:.2f}</td>"
                    f"<td>{enforcement[-1, i]:.2f}</td><td>{alarm}</td></tr>")
    parts.append('<table class="regcycle-sectors" style="font-size:85%;margin:4px 0;'
                 'border-spacing:8px 1px"><tr style="text-align:left"><th>sector</th>'
                 '<th>phase</th><th>signal</th><th>enforcement</th><th>alarm ÷ θ</th></tr>'
                 + "".join(rows) + "</table>")
    if model.changed:
        changed = ", ".join(describe(k, v, model.p) for k, v in model.changed.items())
        parts.append(f'<div class="regcycle-changed" style="font-size:85%">Changed from the '
                     f'scenario: {e(changed)}</div>')
    events = latest_events(model)
    items = "".join(
        f'<li><span style="color:#555">{month_label(model, ev.month)}</span> '
        f'<b>{e(ev.sector or "economy")}</b> {e(ev.text)}</li>' for ev in events)
    parts.append('<div style="font-size:90%;margin-top:6px"><b>Latest events</b></div>'
                 f'<ul class="regcycle-events" style="font-size:85%;margin:0;'
                 f'padding-left:18px">{items or "<li>none yet</li>"}</ul>')
    return "\n".join(parts)


__all__ = [
    "BIG_FINE_SHARE",
    "LISTED_KINDS",
    "N_EVENTS",
    "PHASE_TEXT_COLOUR",
    "EventLine",
    "latest_events",
    "status_html",
]
