"""Enumerations shared by the model, its outputs and the tools around it.

Enums are stored in results by ``.name`` so that files stay readable.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Phase(IntEnum):
    """A sector's regulatory phase (MODEL.md §2, the leadership's phase machine).

    The integer value orders phases by severity, which is how the global phase of a month
    (the most severe sector phase) is chosen. ``BANNED`` is the absorbing end-state of a
    sector whose for-profit firms were banned; it ranks below the live phases because a
    banned sector no longer produces a campaign.
    """

    BANNED = -1
    LOOSE = 0
    COMPROMISE = 1
    CRACKDOWN = 2


class Mode(StrEnum):
    """How the leadership turns alarm and pain into a signal."""

    CAMPAIGN = "campaign"  # phase machine with thresholds (the default, Zhang's pendulum)
    RULES = "rules"  # proportional, phase-free response (Braithwaite's responsive regulation)


class Structure(StrEnum):
    """How the regulatory agencies are organised."""

    FRAGMENTED = "fragmented"  # five agencies, isolated information, a growth faction
    UNIFIED = "unified"  # one agency, shared information, no growth faction


class EventKind(StrEnum):
    """Kinds of rows in the event log (MODEL.md §4)."""

    SCANDAL = "scandal"
    DEFIANCE = "defiance"
    FOREIGN_LISTING = "foreign_listing"
    SANCTION = "sanction"
    LISTING_SUSPENSION = "listing_suspension"
    ACQUISITION = "acquisition"
    ENTRY = "entry"
    EXIT = "exit"
    SECTOR_BAN = "sector_ban"
    PHASE_CHANGE = "phase_change"
    SCHEDULED = "scheduled"


class ScheduledKind(StrEnum):
    """Events a scenario may inject at a chosen month (counterfactual history)."""

    SCANDAL = "scandal"  # a scandal of the given magnitude in the sector
    DEFIANCE = "defiance"  # the sector's largest firm defies the state in public
    FOREIGN_LISTING = "foreign_listing"  # the sector's largest data-rich firm lists abroad
    MACRO_SHOCK = "macro_shock"  # a slump that adds `magnitude` to economic pain, then fades


HARM_DIMENSIONS: tuple[str, ...] = ("competition", "data", "labour", "finance")
"""The four harm dimensions of MODEL.md §2, in the order of a sector's harm profile."""

AGENCIES: tuple[str, ...] = ("antitrust", "cyberspace", "finance", "education", "industry")
"""The agencies of the fragmented structure. ``industry`` is the growth faction."""

AGENCY_HARM: dict[str, str | None] = {
    "antitrust": "competition",
    "cyberspace": "data",
    "finance": "finance",
    "education": "labour",
    "industry": None,
}
"""The harm dimension each agency watches (its own 'isolated island' of information)."""

UNIFIED_AGENCY = "unified"
