"""Interactive apps for the lectures (ipywidgets + matplotlib), in lecture order.

Each app is a function returning an ipywidgets widget: a thin view over a pure state object
(numbers and records only). Importing this package needs ipywidgets and matplotlib;
``import bpteach`` alone does not load them.
"""

from bpteach.widgets._base import COLORS, FigureView

__all__ = ["COLORS", "FigureView"]
