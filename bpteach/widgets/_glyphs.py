"""Text drawn from kept glyph bitmaps: the same pixels, for a third of matplotlib's cost.

matplotlib 3.11 has FreeType render every glyph of every text at every draw, about 0.06 ms a glyph
on a slow machine: a 50-letter title costs 3-5 ms a frame, the tick labels of a full draw 10-20 ms.
A glyph's bitmap depends only on the font, its size, the glyph, the transform and where the pen
sits inside its pixel (FreeType counts in 1/64 pixel); the whole pixels only move the bitmap. So
``GlyphCanvas`` renders each such glyph once, keeps the bitmap, and blends the kept bitmap with the
same call matplotlib makes for a fresh one. Only the figures of the apps use it (``FigureView``);
with another matplotlib, whose renderer lacks the method replaced here, nothing changes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag

try:
    from matplotlib.ft2font import RenderMode
except ImportError:  # pragma: no cover - another matplotlib: its own text drawing (see GlyphCanvas)
    RenderMode = None

__all__ = ["KEPT_GLYPHS", "GlyphCanvas"]

KEPT_GLYPHS = 20_000  # a glyph at one size and 1/64 pixel offset is ~100 bytes
_KEPT: dict[tuple, tuple[np.ndarray, int, int]] = {}  # key -> (bitmap, left, top) relative to the pen's pixel
_REPLACED = "_draw_text_glyphs_and_boxes"


class _GlyphKeepingRenderer(RendererAgg):
    """``RendererAgg`` whose text glyphs come from ``_KEPT`` when they were rendered before."""

    def _draw_text_glyphs_and_boxes(
        self, gc: object, x: float, y: float, angle: float, glyphs: Iterable, boxes: list
    ) -> None:
        # what RendererAgg does (matplotlib 3.11), with the rendered bitmaps kept
        cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        load_flags = get_hinting_flag()
        antialiased = gc.get_antialiased()  # type: ignore[attr-defined]
        for font, size, glyph_index, slant, extend, dx, dy in glyphs:  # dy is upwards
            matrix = (0x10000 * np.array([[cos, -sin], [sin, cos]]) @ [[extend, extend * slant], [0, 1]]).round()
            pen_x = round(0x40 * (x + dx * cos - dy * sin))
            pen_y = round(0x40 * (self.height - y + dx * sin + dy * cos))  # FreeType's y is upwards
            key = (font.fname, font.face_index, size, self.dpi, glyph_index, matrix.tobytes(), pen_x & 63, pen_y & 63)
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
