"""Grid images (``imshow``) that keep what their place on the screen decides: the same pixels, cheaper.

``ax.imshow(grid, interpolation="nearest")`` resamples the grid to the screen's pixels on every
draw, about 8 ms for the logistic unit's plane on a slow machine: most of a frame. With nearest
sampling every screen pixel shows exactly one grid cell, and which cell depends only on where the
image sits, not on the numbers in it. ``NearestGridImage`` asks matplotlib once which cell each
pixel shows (it draws a probe whose cells carry their own row and column as colours) and then
colours each frame by looking the cells up: the same pixels, for about a millisecond.

``SmoothGridImage`` does the same for a smooth (e.g. bilinear) image: matplotlib resamples both the
grid and a grid of ones (how much of each pixel the image covers) at every draw, plus copies and
masked arrays (~8 ms for the dashboard's boundary). What depends only on the image's place (the
transform to the screen and the coverage) is kept; a frame resamples the values alone, with
matplotlib's own resampler, and colours them as matplotlib does. On each new place the kept path
is checked against matplotlib's full one, and given up if they differ in one pixel.
"""

from __future__ import annotations

import numpy as np
from matplotlib import image as mimage
from matplotlib.axes import Axes
from matplotlib.image import AxesImage

__all__ = ["NearestGridImage", "SmoothGridImage", "grid_image", "nearest_grid_image"]

_PROBE_MAX = 127  # a probe colour 2 k + 1 must fit in a byte: grids up to 127 x 127


def _place(image: AxesImage, magnification: float) -> tuple:
    """What decides which grid cells each pixel shows, and how much of it the image covers."""
    clip = image.get_clip_box() or image.axes.bbox
    sampling = (image.get_interpolation(), image.get_interpolation_stage(), image.get_resample())
    sampling += (image.get_filternorm(), image.get_filterrad())
    shape = image.get_array().shape
    return (image.get_window_extent().bounds, clip.bounds, magnification, shape, image.origin, sampling)


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
        place = _place(self, magnification)
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


class SmoothGridImage(AxesImage):
    """An ``AxesImage`` of a grid that keeps what its place on the screen decides (see the module)."""

    def __init__(self, ax: Axes, **kwargs: object) -> None:
        super().__init__(ax, **kwargs)
        self._place: tuple | None = None
        self._kept: tuple | None = None  # (out_shape, transform, coverage, corner), None: matplotlib's way

    def make_image(self, renderer: object, magnification: float = 1.0, unsampled: bool = False) -> tuple:
        A = self._A
        if unsampled or A.ndim != 2 or np.ma.is_masked(A) or not hasattr(mimage, "_resample"):
            return super().make_image(renderer, magnification, unsampled)
        place = _place(self, magnification)
        if place != self._place:
            self._place = place
            return self._learn(renderer, magnification)
        if self._kept is None:
            return super().make_image(renderer, magnification, unsampled)
        return self._fast(*self._kept)

    def _learn(self, renderer: object, magnification: float) -> tuple:
        """matplotlib's image at this place, and its transform and coverage kept if the fast path agrees."""
        full = super().make_image(renderer, magnification)
        pixels, left, bottom, transform = full
        self._kept = None
        if pixels is None:
            return full
        # the numbers of this place: the live transform would follow the axes' limits (and the
        # image's extent moves with them, so the place, and what is kept, stays the same)
        transform = transform.frozen()
        ones = np.ones(self._A.shape, np.float32)  # matplotlib's coverage of an unmasked grid
        coverage = mimage._resample(self, ones, pixels.shape[:2], transform, resample=True)
        kept = (pixels.shape[:2], transform, coverage, (left, bottom, transform))
        if np.array_equal(self._fast(*kept)[0], pixels):
            self._kept = kept
        return full

    def _fast(self, out_shape: tuple, transform: object, coverage: np.ndarray, corner: tuple) -> tuple:
        """The values resampled and coloured, the coverage kept (matplotlib's "data" stage)."""
        values = mimage._resample(self, self._A.astype(np.float64), out_shape, transform)
        pixels = self.to_rgba(self.norm(values), bytes=True, norm=False)
        alpha = pixels[..., 3]
        alpha[:] = alpha.astype(np.float32) * coverage * self._get_scalar_alpha()  # cast to bytes, as matplotlib
        return (pixels, *corner)


def grid_image(ax: Axes, grid: np.ndarray, kind: type = NearestGridImage, **kwargs: object) -> AxesImage:
    """What ``ax.imshow(grid, **kwargs)`` makes, as a ``kind`` (``NearestGridImage``, ``SmoothGridImage``).

    ``kwargs`` are ``AxesImage``'s (``cmap``, ``norm``, ``origin``, ``extent``, ``interpolation``,
    ``alpha``); the axes' aspect is left as it is (imshow's ``aspect="auto"``).
    """
    image = kind(ax, **{"resample": None, **kwargs})  # None: rcParams["image.resample"], as imshow
    image.set_data(grid)
    image.set_clip_path(ax.patch)  # as imshow does
    image.set_extent(image.get_extent())
    ax.add_image(image)
    return image


def nearest_grid_image(ax: Axes, grid: np.ndarray, **kwargs: object) -> NearestGridImage:
    """``ax.imshow(grid, interpolation="nearest", **kwargs)`` as a ``NearestGridImage``."""
    return grid_image(ax, grid, NearestGridImage, **kwargs)  # type: ignore[return-value]
