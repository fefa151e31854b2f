"""Text drawn from kept layouts and glyph bitmaps: the same pixels, for a third of matplotlib's cost.

matplotlib 3.11 lays out every line of text and has FreeType render each of its glyphs at every
draw: ~0.5 ms a line and ~0.06 ms a glyph on a slow machine, so a 50-letter title costs 3-5 ms a
frame and the tick labels of a full draw 10-20 ms. A line's layout (which glyph goes where)
depends only on the font, size and text; a glyph's bitmap only on the font, size, glyph, transform
and where the pen sits inside its pixel (FreeType counts in 1/64 pixel), whole pixels only move
it. So ``GlyphCanvas`` lays out each line and renders each such glyph once, keeps them, and blends
the kept bitmap with the same call matplotlib makes for a fresh one. Only the apps' figures use it
(``FigureView``); with another matplotlib, whose renderer lacks the method replaced here, nothing
changes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag

try:
    from matplotlib.ft2font import RenderMode
except ImportError:  # pragma: no cover - another matplotlib: its own text drawing (see GlyphCanvas)
    RenderMode = None

__all__ = ["KEPT_GLYPHS", "KEPT_LAYOUTS", "GlyphCanvas"]

KEPT_GLYPHS = 20_000  # a glyph at one size and 1/64 pixel offset is ~100 bytes
KEPT_LAYOUTS = 4_000  # laid-out lines (tick labels, titles, numbers)
_LAID_OUT: dict[tuple, list] = {}  # (font, size, dpi, text, flags, features, language) -> positioned glyphs
_KEPT: dict[tuple, tuple[np.ndarray, int, int]] = {}  # key -> (bitmap, left, top) relative to the pen's pixel
_REPLACED = "_draw_text_glyphs_and_boxes"


def _font_key(font: object, settings: tuple) -> tuple:
    """The font file and face, and ``settings``: ``_font_settings()`` when the text is drawn."""
    return (font.fname, font.face_index, *settings)  # type: ignore[attr-defined]


def _font_settings() -> tuple:
    """The rcParams matplotlib builds its fonts and layouts with."""
    return (mpl.rcParams["text.hinting_factor"], mpl.rcParams["text.kerning_factor"])


class _GlyphKeepingRenderer(RendererAgg):
    """``RendererAgg`` whose text glyphs come from ``_KEPT`` when they were rendered before."""

    def draw_text(
        self, gc: object, x: float, y: float, s: str, prop: object, angle: float, ismath: object = False, mtext=None
    ) -> None:
        # what RendererAgg does (matplotlib 3.11), with the line's layout (~0.5 ms: shaping, kerning) kept
        if ismath:
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        font = self._prepare_font(prop)
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        size = prop.get_size_in_points()  # type: ignore[attr-defined]
        key = (_font_key(font, _font_settings()), size, self.dpi, s, get_hinting_flag(), features, language)
        items = _LAID_OUT.get(key)
        if items is None:
            items = font._layout(s, flags=get_hinting_flag(), features=features, language=language)
            if len(_LAID_OUT) >= KEPT_LAYOUTS:
                _LAID_OUT.clear()
            _LAID_OUT[key] = items
        self._draw_text_glyphs_and_boxes(
            gc, x, y, angle, ((item.ft_object, size, item.glyph_index, 0, 1, item.x, item.y) for item in items), []
        )
        return None

    def _draw_text_glyphs_and_boxes(
        self, gc: object, x: float, y: float, angle: float, glyphs: Iterable, boxes: list
    ) -> None:
        # what RendererAgg does (matplotlib 3.11), with the rendered bitmaps kept
        cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        load_flags = get_hinting_flag()
        antialiased = gc.get_antialiased()  # type: ignore[attr-defined]
        settings = _font_settings()
        matrices: dict[tuple, tuple[np.ndarray, bytes]] = {}  # (slant, extend) -> FreeType's matrix, its key
        for font, size, glyph_index, slant, extend, dx, dy in glyphs:  # dy is upwards
            if (slant, extend) not in matrices:
                m = (0x10000 * np.array([[cos, -sin], [sin, cos]]) @ [[extend, extend * slant], [0, 1]]).round()
                matrices[slant, extend] = (m, m.tobytes())
            matrix, matrix_key = matrices[slant, extend]
            pen_x = round(0x40 * (x + dx * cos - dy * sin))
            pen_y = round(0x40 * (self.height - y + dx * sin + dy * cos))  # FreeType's y is upwards
            key = (_font_key(font, settings), size, self.dpi, glyph_index, matrix_key, pen_x & 63, pen_y & 63)
            key += (load_flags, antialiased)
            kept = _KEPT.get(key)
            if kept is None:
                font.set_size(size, self.dpi)
                font._set_transform(matrix.astype(int), [pen_x, pen_y])
                bitmap = font._render_glyph(
                    glyph_index, load_flags, RenderMode.NORMAL if antialiased else RenderMode.MONO
                )
                buffer = bitmap.buffer
                if not antialiased:
                    buffer *= 0xFF
                kept = (buffer, bitmap.left - (pen_x >> 6), bitmap.top - (pen_y >> 6))
                if len(_KEPT) >= KEPT_GLYPHS:
                    _KEPT.clear()
                _KEPT[key] = kept
            buffer, left, top = kept
            # draw_text_image's y is downwards & the bitmap's bottom side
            self._renderer.draw_text_image(
                buffer, left + (pen_x >> 6), int(self.height) - (top + (pen_y >> 6)) + buffer.shape[0], 0, gc
            )
        if boxes:  # the rules of mathtext (fraction bars, roots): drawn by matplotlib
            super()._draw_text_glyphs_and_boxes(gc, x, y, angle, [], boxes)


class GlyphCanvas(FigureCanvasAgg):
    """A ``FigureCanvasAgg`` whose renderer keeps glyph bitmaps (see the module)."""

    def get_renderer(self) -> RendererAgg:
        if RenderMode is None or not hasattr(RendererAgg, _REPLACED):  # another matplotlib: its own text drawing
            return super().get_renderer()
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:  # as FigureCanvasAgg does, with the glyph-keeping renderer
            self.renderer = _GlyphKeepingRenderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer
