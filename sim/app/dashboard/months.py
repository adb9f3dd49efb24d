"""Month indices of a dashboard run as calendar time.

Month 0 is the scenario's ``run.start_date``. The figures put months on an axis of decimal
years (:func:`years`); the status panel and the event list name them ``YYYY-MM``
(:func:`month_label`).
"""

from __future__ import annotations

import numpy as np

from .model import DashboardModel


def years(model: DashboardModel, months: np.ndarray) -> np.ndarray:
    """Month indices → decimal calendar years (month 0 is ``run.start_date``)."""
    start = model.start.year + (model.start.month - 1) / 12.0
    return start + np.asarray(months, dtype=float) / 12.0


def month_label(model: DashboardModel, month: int) -> str:
    """Calendar month ``YYYY-MM`` of a month index."""
    total = model.start.year * 12 + model.start.month - 1 + int(month)
    return f"{total // 12:04d}-{total % 12 + 1:02d}"



__all__ = ["month_label", "years"]
