"""The relaxation cycle in the (alarm, perceived pain) plane: nullclines and switching curves.

One sector's pendulum is a relaxation oscillator. In LOOSE it creeps along the slow manifold
P̂ ≈ 0 while the alarm A grows toward the lax equilibrium A_eq(F) (the A-nullcline: routine
enforcement and the floor stop harm outgrowing tolerance); it jumps when A passes the onset
alarm A_on (a revealing scandal then suffices). In CRACKDOWN the pain has no nullcline — the
shortfall grows as long as the planners' trend outruns crackdown growth — and the alarm falls,
so the trajectory meets the exit curve P̂ = P*(A) = θ_P·(b·(1 − e_pl·π_pl)·A/θ_s)^γ·(1 + κ̄)
(transparency faded, pledges in). In COMPROMISE pain ebbs to the relief line r_P·θ_P. The
pendulum stops when A_eq(0) < A_on (no onset, ever) or when crackdown growth keeps up with the
trend (no pain: a crackdown that never ends).

:func:`portrait_lines` computes these curves from the reduced constants;
:func:`plot_portrait` draws a trajectory (the reduced model's or the ABM's) on them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from ..model.states import Phase
from ..plots._common import get_ax
from ..plots.style import PHASE_COLOURS
from .closed_form import lax_equilibrium, onset_alarm
from .reduction import Reduced
from .rules import content_factor, harm_mix

__all__ = ["PortraitLines", "plot_portrait", "portrait_lines"]


@dataclass(frozen=True, slots=True)
class PortraitLines:
    """Curves of one sector's (A, P̂) plane (one cell of the reduced constants).

    Attributes:
        onset: A_on, the onset alarm (vertical).
        equilibria: {floor F: A_eq(F)}, the LOOSE A-nullcline for each floor (vertical; inf:
            harm outgrows tolerance even at full routine enforcement).
        relief: r_P·θ_P, the pain below which a compromise ends (horizontal).
        alarm: alarm values of the exit curve.
        exit: P*(A) on them.
        theta: θ_s (no spillover, no climate).
    """

    onset: float
    equilibria: dict[float, float]
    relief: float
    alarm: np.ndarray
    exit: np.ndarray
    theta: float


def portrait_lines(r: Reduced, sector: int, cell: int = 0,
                   floors: tuple[float, ...] = (0.0, 0.3), months: float = 600.0,
                   alarm_max: float = 3.0) -> PortraitLines:
    """The switching curves and LOOSE nullclines of one sector of one cell."""
    one = r.take([cell])
    theta = float(one.theta_s[sector, 0])
    on = float(onset_alarm(one.theta_s, one)[sector, 0])
    eq = {f: float(lax_equilibrium(one, f, months)[sector, 0]) for f in floors}
    alarm = np.linspace(0.0, alarm_max, 200)
    cf = content_factor(np.ones_like(one.alpha), one.gate, one)
    _, mixed = harm_mix(cf, one)
    seen = float(one.bias_fixed[sector, 0] * (1.0 - one.pledge[0, 0]))
    bound = (float(one.theta_p[0, 0]) * (1.0 + float(mixed[sector, 0]))
             * (seen * alarm / theta) ** float(one.gamma[0, 0]))
    return PortraitLines(onset=on, equilibria=eq,
                         relief=float(one.r_p[0, 0] * one.theta_p[0, 0]), alarm=alarm,
                         exit=bound, theta=theta)


_NAMES = {int(p): p.name for p in Phase}


def plot_portrait(alarm: np.ndarray, pain: np.ndarray, phases: np.ndarray,
                  lines: PortraitLines | None = None, ax: Axes | None = None,
                  title: str | None = None) -> Axes:
    """Draw a trajectory in the (true alarm, perceived pain) plane, coloured by phase.

    Args:
        alarm: the true alarm A month by month.
        pain: perceived pain P̂ month by month.
        phases: phase codes (:class:`sim.model.states.Phase` values) month by month.
        lines: the switching curves and nullclines to draw (:func:`portrait_lines`).
        ax: axes to draw on (default: a new figure).
        title: axes title.

    Returns:
        The axes.
    """
    ax = get_ax(ax, figsize=(6.0, 4.5))
    x, y = np.asarray(alarm, dtype=float), np.asarray(pain, dtype=float)
    codes = np.asarray(phases).astype(int)
    segments = np.stack([np.column_stack([x[:-1], y[:-1]]), np.column_stack([x[1:], y[1:]])],
                        axis=1)
    colours = [PHASE_COLOURS[_NAMES[c]] for c in codes[1:]]
    ax.add_collection(LineCollection(segments, colors=colours, linewidths=1.4))
    handles = [Line2D([], [], color=PHASE_COLOURS[n], label=n.lower())
               for n in ("LOOSE", "CRACKDOWN", "COMPROMISE")]
    top = float(np.nanmax(y)) if y.size else 1.0
    right = float(np.nanmax(x)) if x.size else 1.0
    if lines is not None:
        ax.axvline(lines.onset, color="0.2", ls="--", lw=1)
        handles.append(Line2D([], [], color="0.2", ls="--", label="onset alarm $A_{on}$"))
        for a_eq in lines.equilibria.values():
            if np.isfinite(a_eq) and a_eq > 0:
                ax.axvline(a_eq, color="0.5", ls=":", lw=1.2)
                right = max(right, a_eq)
        handles.append(Line2D([], [], color="0.5", ls=":", label="lax nullcline $A_{eq}(F)$ "
                              + ", ".join(f"F={f:g}" for f in lines.equilibria)))
        ax.axhline(lines.relief, color="0.4", ls="-.", lw=1)
        handles.append(Line2D([], [], color="0.4", ls="-.", label="relief $r_P θ_P$"))
        keep = lines.alarm <= 1.1 * max(right, lines.onset)
        ax.plot(lines.alarm[keep], lines.exit[keep], color="0.1", lw=1.2)
        handles.append(Line2D([], [], color="0.1", label="exit curve $P^*(A)$"))
        right = max(right, lines.onset)
    ax.set_xlim(0.0, 1.08 * right)
    ax.set_ylim(0.0, 1.1 * max(top, lines.relief if lines else 0.0))
    ax.set_xlabel("true alarm A (harm over tolerance)")
    ax.set_ylabel("perceived pain P̂")
    ax.legend(handles=handles, fontsize=7, loc="upper right")
    if title:
        ax.set_title(title)
    return ax
