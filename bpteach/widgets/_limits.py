"""Axis limits that change rarely, so that an app's cached background (axes, ticks) stays valid.

A redraw that keeps the axes' limits repaints only the moving artists over the cached background
(``FigureView.animate``); new limits need a full draw, whose tick-label layout costs several times
more. These helpers move limits in coarse jumps and keep them while the data still fit.
"""

from __future__ import annotations

import numpy as np

__all__ = ["decade_limits", "doubling_limit", "no_axis_label", "unicode_log_labels", "window_limits"]

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def decade_limits(
    low: float, high: float, current: tuple[float, float] | None, slack: float = 5.0
) -> tuple[float, float]:
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


def window_limits(low: float, high: float, step: int = 8) -> tuple[float, float]:
    """log10 limits from a fixed ladder of windows around [low, high] (log10 of the data's range).

    The lower limit is a multiple of ``step`` decades, the upper one 10^1 or 1 + a multiple of
    ``step``: few distinct windows, so a view can keep one background per window.
    """
    lo = step * np.floor((low - 0.3) / step)
    hi = 1.0 if high + 0.3 <= 1 else 1.0 + step * np.ceil((high + 0.3 - 1) / step)
    return float(lo), float(hi)


def unicode_log_labels(ax: object, axis: str = "y") -> None:
    """Label a log axis 10⁻⁶ in plain Unicode: laid out ten times faster than mathtext's $10^{-6}$
    the first time a new window of decades is drawn."""
    from matplotlib.ticker import FuncFormatter

    def label(value: float, _: int) -> str:
        if value <= 0:
            return ""
        exponent = np.log10(value)
        if abs(exponent - round(exponent)) > 1e-9:
            return ""  # minor ticks stay unlabelled
        return "10" + str(round(exponent)).translate(_SUPERSCRIPT)

    getattr(ax, f"{axis}axis").set_major_formatter(FuncFormatter(label))


def no_axis_label(*axes: object) -> None:
    """For axes (``ax.xaxis``, ``ax.yaxis``) that never get a label: pin the empty label in place.

    matplotlib moves an axis label clear of the tick labels before every draw, laying all tick
    labels out once more to measure them, even when the label is empty: a fixed place costs
    nothing and draws the same (nothing). A full draw of an axes gets about a quarter faster.
    """
    for axis in axes:
        if axis.label.get_text():  # type: ignore[attr-defined]
            msg = f"no_axis_label is for axes without a label, this one reads {axis.label.get_text()!r}"  # type: ignore[attr-defined]
            raise ValueError(msg)
        axis.set_label_coords(0.5, 0.5)  # type: ignore[attr-defined]
