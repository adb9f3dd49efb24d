"""Pure cycle analysis over output series and event logs (no model needed)."""

from .episodes import episodes, phase_runs, sector_episodes
from .frames import sectors_of

__all__ = ["episodes", "phase_runs", "sector_episodes", "sectors_of"]
