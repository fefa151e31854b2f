"""Animated artists that share a rectangle and mostly stay as they were: their pixels are kept.

A view redraws every animated artist each frame over its kept background. matrix_recipe has 13
heat maps (a mesh, its numbers, a frame) and a step changes one or two of them; drawing all costs
~0.6 ms a map. A ``KeptGroup`` remembers the pixels of its rectangle after drawing its artists;
while what they show (its ``key``) and the background beneath are as then, drawing the group
pastes those pixels (~0.05 ms) instead. The rectangle must hold every pixel the artists draw, and
no animated artist drawn before the group may draw inside it (one drawn after it may).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence

from matplotlib.artist import Artist
from matplotlib.transforms import Bbox

__all__ = ["KeptGroup"]


class KeptGroup(Artist):
    """Draws ``artists`` in order, or pastes their pixels kept from the last time ``key()`` was the same."""

    def __init__(
        self, view: object, artists: Sequence[Artist], region: Callable[[], Bbox], key: Callable[[], Hashable]
    ) -> None:
        super().__init__()
        self.view, self.artists, self.region, self.key = view, list(artists), region, key
        self._kept: tuple[Hashable, object] | None = None  # (key and background serial, pixels)
        for artist in self.artists:
            artist.set_animated(True)  # left out of the background; drawn (or pasted) by the group

    def draw(self, renderer: object) -> None:
        state = (self.key(), self.view.background_serial)  # type: ignore[attr-defined]
        if self._kept is not None and self._kept[0] == state:
            renderer.restore_region(self._kept[1])  # type: ignore[attr-defined]
            return
        for artist in self.artists:
            artist.draw(renderer)
        box = self.region()
        whole = Bbox.from_extents(math.floor(box.x0), math.floor(box.y0), math.ceil(box.x1), math.ceil(box.y1))
        self._kept = (state, renderer.copy_from_bbox(whole))  # type: ignore[attr-defined]
