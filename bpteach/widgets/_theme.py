"""Light and dark palettes, the presenter's scale, and the WCAG contrast of text on them.

Defaults come from the environment so that ``bpteach present --theme dark --scale 1.5`` reaches
every app of a lecture without editing it: ``BPTEACH_THEME`` is ``light``, ``dark`` or ``auto``
(follow the front end: the app renders light until the page reports its theme), ``BPTEACH_SCALE`` a
float (1 = notebook, 1.5-2 = projector). Explicit ``theme=`` / ``scale=`` arguments win.

| WCAG 2.1 | meaning | code |
|---|---|---|
| L = 0.2126 R + 0.7152 G + 0.0722 B (linear sRGB) | relative luminance | ``luminance(color)`` |
| (L_1 + 0.05) / (L_2 + 0.05), L_1 >= L_2 | contrast ratio; AA text needs >= 4.5 | ``contrast(a, b)`` |
"""

from __future__ import annotations

import os

import numpy as np
from matplotlib.colors import to_rgb

__all__ = [
    "THEMES",
    "check_scale",
    "contrast",
    "legible_colors",
    "legible_on",
    "luminance",
    "resolve_scale",
    "resolve_theme",
]

# "text" and "muted" are drawn as text on "face"; both keep 4.5:1. "sky", "highlight" and "neutral"
# are graphics (bars, rings, guide lines): WCAG 1.4.11 asks 3:1 against "face". Okabe-Ito's own
# sky blue, orange and grey reach only 2.3, 2.25 and 2.85 on white, so the light theme takes darker
# shades of the same hues; they stay lighter than "positive" blue and "negative" vermillion, which
# keeps them apart by lightness too (tests/test_widgets_words.py checks every ratio).
THEMES = {
    "light": {
        "face": "#ffffff",
        "text": "#111111",
        "muted": "#595959",
        "grid": "#dddddd",
        "sky": "#3A8FC7",
        "highlight": "#C08500",
        "neutral": "#8A8A8A",
    },
    "dark": {
        "face": "#1e1e1e",
        "text": "#eeeeee",
        "muted": "#b3b3b3",
        "grid": "#444444",
        "sky": "#56B4E9",
        "highlight": "#E69F00",
        "neutral": "#999999",
    },
}
THEME_CHOICES = ("light", "dark", "auto")


def luminance(color: str | tuple) -> float:
    """WCAG relative luminance of a colour (0 black .. 1 white)."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in to_rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str | tuple, b: str | tuple) -> float:
    """WCAG contrast ratio of two colours, 1 (same) .. 21 (black on white)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def legible_on(background: str | tuple, theme: str | dict) -> str:
    """The colour that reads best on ``background`` (e.g. a heat-map cell): the theme's text or face
    (``theme`` a name or its palette), or black or white. One of black and white always reaches
    4.58:1, so the choice passes AA."""
    colors = THEMES[theme] if isinstance(theme, str) else theme
    return max((colors["text"], colors["face"], "#000000", "#ffffff"), key=lambda c: contrast(c, background))


def legible_colors(backgrounds: np.ndarray, theme: str | dict) -> list[str]:
    """``legible_on`` for many backgrounds at once: an (n, 3) or (n, 4) array of RGB(A) in 0..1."""
    colors = THEMES[theme] if isinstance(theme, str) else theme
    candidates = (colors["text"], colors["face"], "#000000", "#ffffff")
    rgb = np.asarray(backgrounds, dtype=np.float64)[:, :3]
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    lum = linear @ np.array([0.2126, 0.7152, 0.0722])
    cand = np.array([luminance(c) for c in candidates])
    high, low = np.maximum(lum[:, None], cand[None, :]), np.minimum(lum[:, None], cand[None, :])
    best = np.argmax((high + 0.05) / (low + 0.05), axis=1)
    return [candidates[k] for k in best]


def resolve_theme(theme: str | None) -> str:
    """``theme`` or ``$BPTEACH_THEME`` (default "auto"), checked: "light", "dark" or "auto"."""
    source = "theme"
    if theme is None:
        theme, source = os.environ.get("BPTEACH_THEME", "auto").strip().lower() or "auto", "BPTEACH_THEME"
    if theme not in THEME_CHOICES:
        msg = f"{source} must be one of {', '.join(map(repr, THEME_CHOICES))}, got {theme!r}"
        raise ValueError(msg)
    return theme


def check_scale(scale: object, name: str = "scale") -> float:
    """``scale`` enlarges fonts and figures for a projector (1 = notebook, 1.5-2 = projector)."""
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0.5 <= scale <= 4:
        msg = f"{name} must be a number between 0.5 and 4 (1 for a notebook, 1.5-2 for a projector), got {scale!r}"
        raise ValueError(msg)
    return float(scale)


def resolve_scale(scale: float | None) -> float:
    """``scale`` or ``$BPTEACH_SCALE`` (default 1), checked."""
    if scale is not None:
        return check_scale(scale)
    text = os.environ.get("BPTEACH_SCALE", "").strip()
    if not text:
        return 1.0
    try:
        value = float(text)
    except ValueError:
        value = text  # type: ignore[assignment]  # refused below with the variable's name
    return check_scale(value, "BPTEACH_SCALE")
