"""Axis limits that change rarely, so that an app's cached background (axes, ticks) stays valid.

A redraw that keeps the axes' limits repaints only the moving artists over the cached background
(``FigureView.animate``); new limits need a full draw, whose tick-label layout costs several times
more. These helpers move limits in coarse jumps and keep them while the data still fit.
"""

from __future__ import annotations

import numpy as np

__all__ = ["decade_limits", "doubling_limit"]


def decade_limits(low: float, high: float, current: tuple[float, float] | None,
                  slack: float = 5.0) -> tuple[float, float]:
    """log10 limits in whole decades around [low, high] (log10 of the data's range).

    The ``current`` limits are kept while the data sit inside them with 0.3 decades to spare and they
    are at most ``slack`` decades wider than needed.
    """
    if current is not None:
        lo, hi = current
        if lo <= low - 0.3 and hi >= high + 0.3 and hi - lo <= high - low + slack:
            return lo, hi
    return float(np.floor(low - 1)), float(np.ceil(high + 1))


def doubling_limit(value: float, current: float, start: float) -> float:
    """An upper limit >= ``value`` that doubles from ``start`` as ``value`` grows (epochs on an x axis)."""
    limit = max(current, start)
    while value > limit:
        limit *= 2
    return limit
