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
    PLEDGE = "pledge"
    REVELATION = "revelation"


class Cause(StrEnum):
    """Why a phase changed (the ``cause`` column of a ``phase_change`` event)."""

    SCANDAL = "scandal"  # perceived alarm above θ_s and a scandal above m_trig
    DEFIANCE = "defiance"  # ... and a public act of defiance
    LISTING = "listing"  # ... and a foreign listing
    CAMPAIGN = "campaign"  # ... and a campaign elsewhere (the climate's reach)
    HARD = "hard"  # perceived alarm above h·θ_s, no trigger needed
    PAIN = "pain"  # CRACKDOWN → COMPROMISE: perceived pain above what the alarm justifies
    RELIEF = "relief"  # COMPROMISE → LOOSE: pain eased below r_P·θ_P
    BAN = "ban"  # CRACKDOWN → BANNED: ban pressure reached C_ban
    RULES = "rules"  # rules mode has no phases; never used as a cause


class ScheduledKind(StrEnum):
    """Events a scenario may inject at a chosen month (counterfactual history)."""

    SCANDAL = "scandal"  # a scandal of the given magnitude in the sector
    DEFIANCE = "defiance"  # the sector's largest firm defies the state in public
    FOREIGN_LISTING = "foreign_listing"  # the sector's largest firm not yet listed lists abroad
    MACRO_SHOCK = "macro_shock"  # a slump that adds `magnitude` to economic pain, then fades


HARM_DIMENSIONS: tuple[str, ...] = ("competition", "privacy", "content", "labour", "finance")
"""The five harm dimensions of MODEL.md §2, in the order of a sector's harm profile. v1's
``data`` dimension is split into ``privacy`` and ``content`` (CAC is strict on content in every
phase while lax on the rest)."""

CONTENT = HARM_DIMENSIONS.index("content")
"""Index of the content dimension (filtered by CAC's content floor, cut by a licence freeze)."""

AGENCIES: tuple[str, ...] = ("antitrust", "cyberspace", "finance", "education", "industry")
"""The agencies of the fragmented structure. ``industry`` is the growth faction."""

AGENCY_MANDATE: dict[str, tuple[str, ...]] = {
    "antitrust": ("competition",),
    "cyberspace": ("privacy", "content"),
    "finance": ("finance",),
    "education": ("content", "finance"),
    "industry": (),
}
"""The harm dimensions each agency watches and reports (its 'information island'). The CAC
(``cyberspace``) watches content in every sector; ``industry`` (MIIT, the growth faction) has no
enforcement mandate: it sponsors aligned sectors and discounts their reported harm."""

UNIFIED_AGENCY = "unified"
