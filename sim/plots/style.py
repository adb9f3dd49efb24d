"""Colours, line styles and labels shared by every plot, declared once.

The palette is Okabe & Ito's (2008) colour-blind-safe set. Phases have fixed colours whose
lightness differs (yellow < sky blue < vermillion < black in darkness) so they also read in
greyscale print; crackdowns are hatched where bars are drawn. Sector lines cycle colours *and*
line styles for the same reason. Nothing here touches ``matplotlib.rcParams``.
"""

from __future__ import annotations

from ..model.states import Phase

OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
"""The Okabe–Ito palette by name."""

PHASE_COLOURS: dict[str, str] = {
    Phase.LOOSE.name: OKABE_ITO["sky_blue"],
    Phase.COMPROMISE.name: OKABE_ITO["yellow"],
    Phase.CRACKDOWN.name: OKABE_ITO["vermillion"],
    Phase.BANNED.name: OKABE_ITO["black"],
}
"""Fixed colour of each phase, by phase name."""

PHASE_HATCH: dict[str, str] = {
    Phase.LOOSE.name: "",
    Phase.COMPROMISE.name: "..",
    Phase.CRACKDOWN.name: "//",
    Phase.BANNED.name: "xx",
}
"""Hatch of each phase for bars (print-safe redundancy)."""

SHADED_PHASES: tuple[str, ...] = (Phase.CRACKDOWN.name, Phase.COMPROMISE.name, Phase.BANNED.name)
"""Phases shaded behind time series (LOOSE is the unshaded background)."""

SHADE_ALPHA: dict[str, float] = {
    Phase.CRACKDOWN.name: 0.22,
    Phase.COMPROMISE.name: 0.30,
    Phase.BANNED.name: 0.15,
}
"""Opacity of phase shading behind lines."""

SECTOR_COLOURS: tuple[str, ...] = (
    OKABE_ITO["blue"],
    OKABE_ITO["orange"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["black"],
    OKABE_ITO["sky_blue"],
)
"""Sector line colours in sector order (vermillion and yellow are kept for phases)."""

SECTOR_LINESTYLES: tuple[str | tuple[int, tuple[int, ...]], ...] = (
    "-",
    "--",
    "-.",
    ":",
    (0, (5, 1, 1, 1, 1, 1)),
    (0, (1, 3)),
)
"""Sector line styles in sector order (for greyscale print)."""

EVENT_STYLE: dict[str, dict[str, object]] = {
    "scandal": {"marker": "v", "color": OKABE_ITO["vermillion"], "label": "scandal"},
    "defiance": {"marker": "*", "color": OKABE_ITO["black"], "label": "defiance"},
    "foreign_listing": {"marker": "D", "color": OKABE_ITO["blue"], "label": "foreign listing"},
    "sector_ban": {"marker": "X", "color": OKABE_ITO["black"], "label": "sector ban"},
}
"""Marker, colour and label of the event kinds marked on time axes."""

BAND_COLOUR = OKABE_ITO["blue"]
"""Colour of fan-chart bands and medians."""


def sector_style(i: int) -> dict[str, object]:
    """Colour and line style of the i-th sector (cycles past the palette's end)."""
    return {
        "color": SECTOR_COLOURS[i % len(SECTOR_COLOURS)],
        "linestyle": SECTOR_LINESTYLES[i % len(SECTOR_LINESTYLES)],
    }


def phase_label(name: str) -> str:
    """Legend label of a phase name ('CRACKDOWN' → 'crackdown')."""
    return name.lower()
