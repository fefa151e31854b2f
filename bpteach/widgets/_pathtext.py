"""Many short labels drawn as one collection of glyph outlines: fast to redraw, cheap to change.

A matplotlib ``Text`` lays out its glyphs again at every draw (about 1-2 ms each here), so a
diagram with 30 numbers would miss the 30 ms redraw budget on text alone. ``PathTexts`` turns each
string into a ``TextPath`` once (cached by content) and draws all of them with a single
``PathCollection``: positions are data coordinates, glyph sizes stay in points whatever the axes'
aspect. Strings may use mathtext (``"$\\Delta_{5}$=0.12"``) and newlines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.font_manager import FontProperties
from matplotlib.path import Path
from matplotlib.textpath import TextPath, text_to_path
from matplotlib.transforms import Affine2D

__all__ = ["PathTexts"]

_EMPTY = Path(np.zeros((0, 2)))
_LINE_SPACING = 1.25
_PROP = FontProperties(family="DejaVu Sans")
_MATH = re.compile(r"(\$[^$]+\$)")


@lru_cache(maxsize=4096)
def _segment(s: str, size: float) -> tuple[Path, float]:
    """One run of plain text or one $mathtext$ as glyph outlines on the baseline, and its advance width.

    Parsing mathtext costs ~5 ms and laying out a number ~0.5 ms, so a label such as
    "$\\Delta_{5}$=-0.0293" is cut into its symbol (parsed once, then cached) and its number.
    """
    ismath = s.startswith("$") and s.endswith("$")
    path = TextPath((0.0, 0.0), s, size=size, prop=_PROP)
    width = text_to_path.get_text_width_height_descent(s, _PROP, ismath=ismath)[0] * size / _PROP.get_size_in_points()
    return path, width


def _line(s: str, size: float) -> tuple[Path, float]:
    parts, x = [], 0.0
    for piece in _MATH.split(s):
        if piece:
            path, width = _segment(piece, size)
            parts.append(path.transformed(Affine2D().translate(x, 0.0)))
            x += width
    if not parts:
        return _EMPTY, 0.0
    return Path.make_compound_path(*parts), x


@lru_cache(maxsize=8192)
def _outline(s: str, size: float, ha: str, va: str, dx: float, dy: float) -> Path:
    """The glyphs of ``s`` in points, aligned on (0, 0) then shifted by (dx, dy) points."""
    if not s:
        return _EMPTY
    parts = []
    for r, text in enumerate(s.split("\n")):
        p, width = _line(text, size)
        shift = {"left": 0.0, "center": -width / 2, "right": -width}[ha]
        parts.append(p.transformed(Affine2D().translate(shift, -r * _LINE_SPACING * size)))
    path = Path.make_compound_path(*parts)
    if not len(path.vertices):
        return _EMPTY
    # the control points bound the glyphs closely enough, at a hundredth of Path.get_extents' cost
    y0, y1 = float(path.vertices[:, 1].min()), float(path.vertices[:, 1].max())
    shift_y = {"bottom": -y0, "top": -y1, "center": -(y0 + y1) / 2, "baseline": 0.0}[va]
    return path.transformed(Affine2D().translate(dx, shift_y + dy))


class PathTexts:
    """Strings at data positions ``xy`` on ``ax``, all of one size and alignment.

    ``set_texts`` changes the strings (and optionally the colours); ``texts`` reads them back.
    ``offset`` moves every string by (dx, dy) points from its position; ``halo`` (a colour, usually
    the face) outlines the glyphs so that they stay legible over lines; ``box`` (a colour) puts each
    string on a filled rectangle instead, hiding what lies under it.
    """

    def __init__(
        self,
        ax: object,
        xy: Sequence[tuple[float, float]] | np.ndarray,
        fontsize: float,
        color: str | Sequence[str],
        ha: str = "center",
        va: str = "center",
        offset: tuple[float, float] = (0.0, 0.0),
        zorder: float = 5,
        halo: str | None = None,
        box: str | None = None,
    ) -> None:
        if ha not in ("left", "center", "right") or va not in ("bottom", "top", "center", "baseline"):
            msg = f"ha must be left, center or right and va bottom, top, center or baseline, got {ha!r}, {va!r}"
            raise ValueError(msg)
        self.xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        self.fontsize, self.ha, self.va = float(fontsize), ha, va
        self.offset = (float(offset[0]), float(offset[1]))
        self.texts = [""] * len(self.xy)
        fig = ax.figure  # type: ignore[attr-defined]
        common = {
            "offsets": self.xy,
            "offset_transform": ax.transData,  # type: ignore[attr-defined]
            "transform": Affine2D().scale(1 / 72) + fig.dpi_scale_trans,
        }
        # the halo is a second collection under the glyphs: a stroke on the glyphs themselves would thin them
        self.boxed = box is not None
        self.halo = (
            None
            if halo is None and box is None
            else PathCollection(
                [_EMPTY] * len(self.xy),
                facecolors=halo or box,
                edgecolors=halo or box,
                linewidths=0 if box else 2.5 * fontsize / 8,
                zorder=zorder - 0.01,
                **common,
            )
        )
        self.collection = PathCollection(
            [_EMPTY] * len(self.xy), facecolors=color, edgecolors="none", linewidths=0, zorder=zorder, **common
        )
        for c in (self.halo, self.collection):
            if c is not None:
                ax.add_collection(c, autolim=False)  # type: ignore[attr-defined]

    def set_texts(self, texts: Sequence[str], colors: Sequence[str] | str | None = None) -> None:
        texts = [str(t) for t in texts]
        if len(texts) != len(self.xy):
            msg = f"texts must hold one string per position ({len(self.xy)}), got {len(texts)}"
            raise ValueError(msg)
        if texts != self.texts:
            self.texts = texts
            paths = [_outline(t, self.fontsize, self.ha, self.va, *self.offset) for t in texts]
            self.collection.set_paths(paths)
            if self.halo is not None:
                self.halo.set_paths([_box(p, 0.2 * self.fontsize) for p in paths] if self.boxed else paths)
        if colors is not None:
            self.collection.set_facecolors(colors)

    def set_positions(self, xy: Sequence[tuple[float, float]] | np.ndarray) -> None:
        """Move the strings (same number of positions)."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        if xy.shape != self.xy.shape:
            msg = f"xy must hold {len(self.xy)} positions, got {len(xy)}"
            raise ValueError(msg)
        self.xy = xy
        for c in (self.halo, self.collection):
            if c is not None:
                c.set_offsets(xy)


def _box(path: Path, pad: float) -> Path:
    """The rectangle around a string's glyphs, ``pad`` points wider on each side."""
    if not len(path.vertices):
        return _EMPTY
    (x0, y0), (x1, y1) = path.vertices.min(axis=0) - pad, path.vertices.max(axis=0) + pad
    return Path([(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)], closed=True)
