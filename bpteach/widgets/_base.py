"""The drawing surface every app shares: one persistent matplotlib figure rendered to a PNG.

A change of a control updates the app's pure state, then the artists of this one figure
(``set_data``, ``set_text``, ...), then ``render()`` draws the figure once with Agg and returns the
PNG (the app shows it with its alt text, see ``_page.py``). No pyplot (nothing is displayed behind
the app's back), no new figure per change, no ipympl: it works in plain JupyterLab and in Voila.
"""

from __future__ import annotations

import struct
import zlib
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from contextlib import contextmanager

try:
    import ipywidgets  # noqa: F401  # the apps need it: fail here, with the install hint
    import matplotlib as mpl
    from matplotlib.artist import Artist
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
except ImportError as exc:  # pragma: no cover - exercised only without the extras
    msg = (
        "bpteach.widgets needs ipywidgets and matplotlib, which are not installed here "
        f"({exc.name} is missing): pip install ipywidgets matplotlib (or pip install -e '.[lectures]')"
    )
    raise ImportError(msg) from exc
import numpy as np

from bpteach.widgets._theme import THEMES, check_scale

__all__ = ["COLORS", "THEMES", "FigureView", "check_scale", "encode_png", "theme_colors"]

# Okabe-Ito: distinguishable with every common colour-vision deficiency. The sign of a weight is
# also carried by line style (solid positive, dashed negative), never by hue alone. "sky",
# "highlight" and "neutral" are too light for 3:1 on white: apps take them from the view's theme
# palette (``view.colors``, see _theme.py), whose light theme has darker shades of these hues.
COLORS = {
    "positive": "#0072B2",  # blue
    "negative": "#D55E00",  # vermillion
    "highlight": "#E69F00",  # orange
    "accent": "#009E73",  # bluish green
    "second": "#CC79A7",  # reddish purple
    "neutral": "#999999",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
}
_CYCLE = ("positive", "negative", "accent", "second", "highlight")
POSITIVE_STYLE = "-"
NEGATIVE_STYLE = "--"

KEPT_BACKGROUNDS = 8  # an 800 x 400 background is 1.3 MB


_ROWS: dict[tuple[int, int], np.ndarray] = {}


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def encode_png(rgba: np.ndarray) -> bytes:
    """An (h, w, 4) uint8 RGBA canvas as PNG bytes: RGB, no row filters, zlib level 1.

    About 2.5 times faster than PIL's encoder on an 800 x 400 figure (PIL tries a filter on every
    row) and no larger for flat-coloured figures. RGB, not RGBA: the face is opaque, and a quarter
    fewer bytes to deflate.
    """
    h, w, _ = rgba.shape
    rows = _ROWS.get((h, w))
    if rows is None:  # one buffer per figure size, kept: no fresh megabytes for every frame
        rows = _ROWS[(h, w)] = np.zeros((h, 3 * w + 1), dtype=np.uint8)  # each row starts with filter 0, "none"
    rgb = rows[:, 1:].reshape(h, w, 3)  # a view of the rows
    for c in range(3):  # one plane at a time: 4 times faster than numpy's 3-of-4-bytes strided copy
        rgb[..., c] = rgba[..., c]
    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # 8-bit truecolour, not interlaced
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(rows, 1))
        + _png_chunk(b"IEND", b"")
    )


def theme_colors(theme: str) -> dict[str, str]:
    """The palette of a rendering theme, "light" or "dark"."""
    if theme not in THEMES:
        msg = f"theme must be one of {', '.join(map(repr, THEMES))}, got {theme!r}"
        raise ValueError(msg)
    return THEMES[theme]


class FigureView:
    """One persistent figure, rendered to PNG bytes on demand.

    ``view.figure`` is a plain ``matplotlib.figure.Figure``; change its artists, then call
    ``view.render()``, which returns the PNG and keeps it as ``view.last_png``. ``scale``
    multiplies the figure size and the font sizes; ``width_px`` is the PNG's width.
    """

    def __init__(
        self,
        figsize: tuple[float, float] = (6.0, 4.0),
        scale: float = 1.0,
        theme: str = "light",
        dpi: int = 96,
    ) -> None:
        self.scale = check_scale(scale)
        self.colors = theme_colors(theme)
        self.theme = theme
        self.dpi = dpi
        width, height = figsize
        with self.style():
            self.figure = Figure(figsize=(width * self.scale, height * self.scale), dpi=dpi)
        self.figure.set_facecolor(self.colors["face"])
        FigureCanvasAgg(self.figure)
        self.width_px = round(width * self.scale * dpi)
        self.last_png = b""
        self._pixels: np.ndarray | None = None  # the pixels of last_png
        self.renders = 0
        self._animated: list = []
        self._background = None
        self._key: Hashable = None
        self._backgrounds: OrderedDict = OrderedDict()  # key -> pixels, most recent last

    @contextmanager
    def style(self) -> Iterator[None]:
        """rcParams for this view's theme and scale; wrap artist creation in it."""
        c = self.colors
        rc = {
            "font.size": 10 * self.scale,
            "axes.titlesize": 11 * self.scale,
            "axes.labelsize": 10 * self.scale,
            "xtick.labelsize": 9 * self.scale,
            "ytick.labelsize": 9 * self.scale,
            "legend.fontsize": 9 * self.scale,
            "lines.linewidth": 1.8 * self.scale,
            "figure.facecolor": c["face"],
            "axes.facecolor": c["face"],
            "savefig.facecolor": c["face"],
            "text.color": c["text"],
            "axes.labelcolor": c["text"],
            "axes.edgecolor": c["text"],
            "xtick.color": c["text"],
            "ytick.color": c["text"],
            "grid.color": c["grid"],
            "axes.prop_cycle": mpl.cycler(color=[c.get(k, COLORS[k]) for k in _CYCLE]),  # the theme's shades first
        }
        # only these keys are set and put back: rc_context copies all of rcParams, ~3 ms a frame
        old = {key: mpl.rcParams[key] for key in rc}
        mpl.rcParams.update(rc)
        try:
            yield
        finally:
            mpl.rcParams.update(old)

    def animate(self, *artists: Artist) -> None:
        """Mark the artists the controls change; ``render()`` then redraws only them.

        The rest of the figure (axes, ticks, labels, contours) is drawn once and kept as a pixel
        background: text layout of the ticks is most of a full draw, so a change that moves only
        these artists renders several times faster. Call ``invalidate()`` when the static part
        changes (new limits, a new contour set). The artists are drawn in the order given.
        """
        for artist in artists:
            artist.set_animated(True)
            self._animated.append(artist)
        self._background = None
        self._backgrounds.clear()  # drawn with artists that are now animated

    def invalidate(self, key: Hashable = None) -> None:
        """The static part of the figure changed: the next render draws everything again.

        ``key`` names the static state (e.g. the chosen activation, or the axis limits): the
        background drawn for it is kept (the last ``KEPT_BACKGROUNDS`` of them) and reused when
        ``invalidate`` is called with the same key again, so switching back costs no full draw.
        The caller promises that equal keys mean equal static pixels.
        """
        self._background = None
        self._key = key

    def _blit_png(self) -> bytes:
        canvas = self.figure.canvas
        if self._background is None:
            kept = self._backgrounds.get(self._key) if self._key is not None else None
            if kept is None:
                canvas.draw()  # animated artists are left out of a full draw
                kept = canvas.copy_from_bbox(self.figure.bbox)
                if self._key is not None:
                    self._backgrounds[self._key] = kept
                    while len(self._backgrounds) > KEPT_BACKGROUNDS:
                        self._backgrounds.popitem(last=False)
            else:
                self._backgrounds.move_to_end(self._key)
            self._background = kept
        canvas.restore_region(self._background)
        for artist in self._animated:
            self.figure.draw_artist(artist)
        return self._encode()

    def _encode(self) -> bytes:
        """The canvas as PNG; the last PNG again when no pixel changed (comparing costs ~0.2 ms, deflating 5)."""
        rgba = np.asarray(self.figure.canvas.buffer_rgba())
        pixels = rgba.view(np.uint32)  # whole pixels: compared twice as fast as bytes
        if self.last_png and self._pixels is not None and np.array_equal(self._pixels, pixels):
            return self.last_png
        if self._pixels is None or self._pixels.shape != pixels.shape:
            self._pixels = np.empty_like(pixels)
        np.copyto(self._pixels, pixels)
        return encode_png(rgba)

    def png(self) -> bytes:
        """The figure as PNG bytes (fast zlib level: the PNG lives only in the browser)."""
        if self._animated:
            return self._blit_png()
        self.figure.canvas.draw()
        return self._encode()

    def render(self) -> bytes:
        """Draw the figure once; the PNG (also kept as ``last_png``)."""
        self.last_png = self.png()
        self.renders += 1
        return self.last_png
