"""A grid image drawn with nearest-neighbour sampling, for a fraction of matplotlib's cost per frame.

``ax.imshow(grid, interpolation="nearest")`` resamples the grid to the screen's pixels on every
draw, about 8 ms for the logistic unit's plane on a slow machine: most of a frame. With nearest
sampling every screen pixel shows exactly one grid cell, and which cell depends only on where the
image sits, not on the numbers in it. ``NearestGridImage`` asks matplotlib once which cell each
pixel shows (it draws a probe whose cells carry their own row and column as colours) and then
colours each frame by looking the cells up: the same pixels, for about a millisecond.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.image import AxesImage

__all__ = ["NearestGridImage", "nearest_grid_image"]

_PROBE_MAX = 127  # a probe colour 2 k + 1 must fit in a byte: grids up to 127 x 127


class NearestGridImage(AxesImage):
    """An ``AxesImage`` with ``interpolation="nearest"`` that remembers which cell each pixel shows."""

    def __init__(self, ax: Axes, **kwargs: object) -> None:
        super().__init__(ax, interpolation="nearest", **kwargs)
        self._place: tuple | None = None  # where the lookup below was learned
        self._lookup: np.ndarray | None = None  # (h, w) cell index per pixel; rows * cols = outside
        self._corner: tuple = ()

    def make_image(self, renderer: object, magnification: float = 1.0, unsampled: bool = False) -> tuple:
        A = self._A
        if unsampled or A.ndim != 2 or max(A.shape) > _PROBE_MAX or np.ma.is_masked(A):
            return super().make_image(renderer, magnification, unsampled)
        clip = self.get_clip_box() or self.axes.bbox
        place = (self.get_window_extent().bounds, clip.bounds, magnification, A.shape, self.origin)
        if place != self._place:
            self._lookup, self._corner = self._learn(renderer, magnification)
            self._place = place
        colours = self.to_rgba(A, bytes=True).reshape(-1, 4)
        outside = self.to_rgba(np.zeros((1, 1)), bytes=True).reshape(1, 4)  # what matplotlib leaves
        outside[0, 3] = 0  # there: the colour of 0, transparent
        table = np.concatenate([colours, outside]).view(np.uint32).ravel()  # a pixel as one number: faster to gather
        return (table[self._lookup].view(np.uint8).reshape(*self._lookup.shape, 4), *self._corner)

    def _learn(self, renderer: object, magnification: float) -> tuple[np.ndarray, tuple]:
        """Which cell each pixel shows: draw a probe whose cell (i, j) is coloured (2 i + 1, 2 j + 1)."""
        rows, cols = self._A.shape
        i, j = np.indices((rows, cols))
        probe = np.zeros((rows, cols, 4), dtype=np.uint8)
        probe[..., 0], probe[..., 1], probe[..., 3] = 2 * i + 1, 2 * j + 1, 255
        data = self._A
        self._A = probe
        try:
            pixels, *corner = super().make_image(renderer, magnification)
        finally:
            self._A = data
        # odd codes survive the probe's round trip through floats even when it truncates by one
        lookup = (pixels[..., 0].astype(np.intp) // 2) * cols + pixels[..., 1] // 2
        lookup[pixels[..., 3] == 0] = rows * cols  # outside the grid: the transparent entry
        return lookup, tuple(corner)


def nearest_grid_image(ax: Axes, grid: np.ndarray, **kwargs: object) -> NearestGridImage:
    """What ``ax.imshow(grid, interpolation="nearest", **kwargs)`` makes, as a ``NearestGridImage``.

    ``kwargs`` are ``AxesImage``'s (``cmap``, ``norm``, ``origin``, ``extent``); the axes' aspect
    is left as it is (imshow's ``aspect="auto"``).
    """
    image = NearestGridImage(ax, **kwargs)
    image.set_data(grid)
    image.set_clip_path(ax.patch)  # as imshow does
    image.set_extent(image.get_extent())
    ax.add_image(image)
    return image
