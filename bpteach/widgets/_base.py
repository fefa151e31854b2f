"""The drawing surface every app shares: one persistent matplotlib figure rendered to a PNG.

A change of a control updates the app's pure state, then the artists of this one figure
(``set_data``, ``set_text``, ...), then ``render()`` draws the figure once with Agg and returns the
PNG (the app shows it with its alt text, see ``_page.py``). No pyplot (nothing is displayed behind
the app's back), no new figure per change, no ipympl: it works in plain JupyterLab and in Voila.
"""

from __future__ import annotations

import math
import struct
import zlib
from collections import OrderedDict
from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

try:
    import ipywidgets  # noqa: F401  # the apps need it: fail here, with the install hint
    import matplotlib as mpl
    from matplotlib.artist import Artist
    from matplotlib.colors import to_rgba
    from matplotlib.figure import Figure
    from matplotlib.transforms import Bbox
except ImportError as exc:  # pragma: no cover - exercised only without the extras
    msg = (
        "bpteach.widgets needs ipywidgets and matplotlib, which are not installed here "
        f"({exc.name} is missing): pip install ipywidgets matplotlib (or pip install -e '.[lectures]')"
    )
    raise ImportError(msg) from exc
import numpy as np

from bpteach.widgets._glyphs import GlyphCanvas
from bpteach.widgets._theme import THEMES, check_scale

__all__ = ["AUTO_TITLE", "COLORS", "THEMES", "FigureView", "check_scale", "encode_png", "theme_colors"]

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

# for ``view.style(AUTO_TITLE)``: a title that matplotlib lifts clear of its axes when it reaches
# below its baseline (a subscript), at the cost of a layout of the y tick labels per draw
AUTO_TITLE = {"axes.titley": None}

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


@dataclass
class _Panel:
    """A rectangle of the figure whose static pixels are kept and redrawn apart from the rest."""

    artists: list  # hidden while another panel is drawn alone
    bbox: Bbox  # in pixels, whole pixels
    key: Hashable = None
    pixels: object = None  # the current static pixels (a canvas region), None when stale
    kept: OrderedDict = field(default_factory=OrderedDict)  # key -> pixels, most recent last


def _rgba_bytes(color: object) -> bytes:
    """A colour as the four bytes Agg writes for it (R, G, B, A)."""
    return bytes(round(255 * c) for c in to_rgba(color))


@contextmanager
def _hidden(artists: list) -> Iterator[None]:
    """The visible ones of ``artists`` hidden for a while."""
    shown = [a for a in artists if a.get_visible()]
    for artist in shown:
        artist.set_visible(False)
    try:
        yield
    finally:
        for artist in shown:
            artist.set_visible(True)


def _rows(box: Bbox, pixels: np.ndarray) -> tuple[slice, slice]:
    """The part of a canvas array (rows from the top) inside ``box`` (pixels, y from the bottom)."""
    height, width = pixels.shape[:2]
    top, bottom = max(height - int(box.y1), 0), max(height - int(box.y0), 0)
    return slice(top, bottom), slice(max(int(box.x0), 0), min(int(box.x1), width))


def _pixel_box(box: Bbox, margin: int = 2) -> Bbox:
    """``box`` grown to whole pixels and ``margin`` more on every side (antialiased edges)."""
    return Bbox.from_extents(
        math.floor(box.x0) - margin, math.floor(box.y0) - margin, math.ceil(box.x1) + margin, math.ceil(box.y1) + margin
    )


def _keep(kept: OrderedDict, key: Hashable, pixels: object) -> None:
    """Remember ``pixels`` for ``key``, forgetting the oldest beyond ``KEPT_BACKGROUNDS``."""
    if key is None:
        return
    kept[key] = pixels
    kept.move_to_end(key)
    while len(kept) > KEPT_BACKGROUNDS:
        kept.popitem(last=False)


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
        GlyphCanvas(self.figure)  # FigureCanvasAgg whose text glyphs are rendered once (_glyphs.py)
        self.width_px = round(width * self.scale * dpi)
        self.last_png = b""
        self._pixels: np.ndarray | None = None  # the pixels of last_png
        self.renders = 0
        self.full_draws = 0  # draws of the whole figure (or of one panel alone): the slow ones
        self.background_serial = 0  # counts the backgrounds shown: pixels kept over one stay valid with it
        self._animated: list = []
        self._background = None
        self._key: Hashable = None
        self._backgrounds: OrderedDict = OrderedDict()  # key -> (pixels, panel keys), most recent last
        self._panels: dict[str, _Panel] = {}
        self._still: dict[Artist, object] = {}  # artist -> its kept pixels (None until drawn alone)

    @contextmanager
    def style(self, extra: dict | None = None) -> Iterator[None]:
        """rcParams for this view's theme and scale (and ``extra`` ones); wrap artist creation in it."""
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
            # titles sit just above their axes, where matplotlib's automatic placement puts them when
            # no tick label is on top: the automatic one lays out every y tick label once more per draw
            "axes.titley": 1.0,
            **(extra or {}),
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
        for one in self._panels.values():
            one.kept.clear()
            one.pixels = None

    def invalidate(self, key: Hashable = None, panel: str | None = None) -> None:
        """The static part of the figure changed: the next render draws everything again.

        ``key`` names the static state (e.g. the chosen activation, or the axis limits): the
        background drawn for it is kept (the last ``KEPT_BACKGROUNDS`` of them) and reused when
        ``invalidate`` is called with the same key again, so switching back costs no full draw.
        The caller promises that equal keys mean equal static pixels.

        ``panel`` (a name given to ``panel()``): only that panel's static part changed; the next
        render draws that panel alone, the rest of the background stays.
        """
        if panel is not None:
            one = self._panels[panel]
            if key is None or one.key != key:
                one.key, one.pixels = key, None
            return
        self._background = None
        self._key = key

    def panel(self, name: str, artists: Sequence[Artist], region: tuple[float, float, float, float]) -> None:
        """Give a part of the figure (e.g. one axes of four) a background of its own.

        ``region`` (x0, y0, x1, y1 in figure fractions) must hold everything ``artists`` draw and
        nothing that other artists draw. ``invalidate(key, panel=name)`` then redraws only this
        panel: the figure is drawn with the other panels' artists hidden, which costs one axes'
        tick layout instead of the whole figure's (four times less on the dashboard). A panel
        that draws outside its region is noticed, and the whole figure is drawn instead.
        """
        width, height = self.figure.canvas.get_width_height(physical=True)  # whole pixels, as the canvas has
        x0, y0, x1, y1 = region
        bbox = Bbox.from_extents(round(x0 * width), round(y0 * height), round(x1 * width), round(y1 * height))
        self._panels[name] = _Panel(list(artists), bbox)
        self._background = None

    def still(self, *artists: Artist) -> None:
        """Artists that never change and sit alone on the bare face (e.g. a legend above the axes).

        Each full draw then leaves them out and pastes their pixels, kept from the first draw: a
        legend of three mathtext labels is 40% of the vanishing-gradients plot's full draw. Before
        pasting, the view checks that nothing else was drawn where the artist sits; if something
        was, the artist is drawn again from then on, as any other.
        """
        for artist in artists:
            self._still[artist] = None

    def _draw_everything(self) -> None:
        """A full draw of the canvas (animated artists are left out), the still artists pasted in."""
        canvas = self.figure.canvas
        self.full_draws += 1
        shown = [a for a in self._still if a.get_visible() and (a.axes is None or a.axes.get_visible())]
        with _hidden(shown):
            canvas.draw()
        for artist in shown:
            kept = self._still[artist]
            box = kept[0] if kept is not None else _pixel_box(artist.get_window_extent(canvas.get_renderer()))
            if not self._bare(box):  # something else draws there: the artist is drawn as any other
                del self._still[artist]
                canvas.draw()
                return
            if kept is None:  # on the bare face, alone: the same pixels as in a full draw
                self.figure.draw_artist(artist)
                kept = self._still[artist] = (box, canvas.copy_from_bbox(box))
            canvas.restore_region(kept[1])

    def _bare(self, box: Bbox) -> bool:
        """Whether the canvas holds only the figure's face colour inside ``box`` (pixels)."""
        pixels = np.asarray(self.figure.canvas.buffer_rgba()).view(np.uint32)[..., 0]
        inside = pixels[_rows(box, pixels)]
        return bool(np.all(inside == self._face()))

    def _face(self) -> np.uint32:
        return np.frombuffer(_rgba_bytes(self.figure.get_facecolor()), dtype=np.uint32)[0]

    def _blit_png(self) -> bytes:
        canvas = self.figure.canvas
        if self._background is None:
            self._background = self._whole_background()
            self.background_serial += 1
        if any(p.pixels is None for p in self._panels.values()):
            self._background = self._update_panels()
            self.background_serial += 1
        canvas.restore_region(self._background)
        for artist in self._animated:
            self.figure.draw_artist(artist)
        return self._encode()

    def _whole_background(self) -> object:
        """The static pixels of the whole figure: kept for the view's key, or drawn."""
        canvas = self.figure.canvas
        kept = self._backgrounds.get(self._key) if self._key is not None else None
        if kept is not None:
            self._backgrounds.move_to_end(self._key)
            pixels, panel_keys = kept
            for name, p in self._panels.items():  # a panel changed since: drawn again below
                p.pixels = p.pixels if panel_keys.get(name) == p.key else None
            return pixels
        self._draw_everything()
        for p in self._panels.values():
            p.pixels = canvas.copy_from_bbox(p.bbox)
            _keep(p.kept, p.key, p.pixels)
        pixels = canvas.copy_from_bbox(self.figure.bbox)
        if self._key is not None:
            _keep(self._backgrounds, self._key, (pixels, {n: p.key for n, p in self._panels.items()}))
        return pixels

    def _update_panels(self) -> object:
        """The background with the stale panels drawn again (each alone), or kept ones pasted in."""
        canvas = self.figure.canvas
        for name, p in self._panels.items():
            if p.pixels is None:
                p.pixels = p.kept.get(p.key) if p.key is not None else None
                if p.pixels is None:
                    p.pixels = self._draw_alone(name)
                    if p.pixels is None:  # it drew outside its region: draw everything
                        self._key = None
                        return self._whole_background()
                    _keep(p.kept, p.key, p.pixels)
                else:
                    p.kept.move_to_end(p.key)
        canvas.restore_region(self._background)
        for p in self._panels.values():
            canvas.restore_region(p.pixels)
        pixels = canvas.copy_from_bbox(self.figure.bbox)
        if self._key is not None:
            _keep(self._backgrounds, self._key, (pixels, {n: p.key for n, p in self._panels.items()}))
        return pixels

    def _draw_alone(self, name: str) -> object:
        """Panel ``name``'s static pixels, drawn with every other panel hidden; None if it leaks."""
        canvas = self.figure.canvas
        with _hidden([a for n, p in self._panels.items() if n != name for a in p.artists]):
            self._draw_everything()
        bbox = self._panels[name].bbox
        pixels = np.asarray(canvas.buffer_rgba()).view(np.uint32)[..., 0]
        outside = pixels != self._face()
        outside[_rows(bbox, outside)] = False
        if outside.any():
            return None
        return canvas.copy_from_bbox(bbox)

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
