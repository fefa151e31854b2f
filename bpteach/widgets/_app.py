"""What the lecture apps share: argument checks, sliders, number formatting and the app box.

An app is ``App(state, view, controls)``: a ``VBox`` of the controls, the formulas
(``HTMLMath``, ``app.formulas``), a readout of their numbers (plain ``HTML``, ``app.readout``) and
one ``FigureView`` (``app.view``). The numbers stay out of the typeset formulas because the browser
re-typesets a whole ``HTMLMath`` whenever its value changes, which a slider drag does every few ms;
the formulas change only with a dropdown. A control change calls
``app._apply(name, value)`` (which updates the pure state), then ``app._draw()`` (which updates the
existing artists and the readout), then ``view.render()`` once. Tests and lectures drive it
through ``app.controls[name].value = ...`` and read ``app.state``; ``with app.hold(): ...`` sets
several controls and renders once at the end.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

import ipywidgets as widgets

from bpteach.widgets._base import FigureView

__all__ = ["SUBSCRIPTS", "App", "check_choice", "check_int", "check_names", "check_number", "fmt", "slider"]


def check_number(value: object, name: str, low: float | None = None, high: float | None = None) -> float:
    """``value`` as a finite float in [low, high], or an error naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        msg = f"{name} must be a finite number, got {value!r}"
        raise TypeError(msg)
    if (low is not None and value < low) or (high is not None and value > high):
        msg = f"{name} must lie between {low} and {high}, got {value!r}"
        raise ValueError(msg)
    return float(value)


def check_int(value: object, name: str, low: int, high: int) -> int:
    """``value`` as an int in [low, high], or an error naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"{name} must be an int between {low} and {high}, got {value!r}"
        raise TypeError(msg)
    if not low <= value <= high:
        msg = f"{name} must lie between {low} and {high}, got {value!r}"
        raise ValueError(msg)
    return int(value)


def check_choice(value: object, name: str, options: Iterable[object]) -> object:
    """``value`` when it is one of ``options``, or an error listing them."""
    options = list(options)
    if value not in options:
        msg = f"{name} must be one of {', '.join(map(repr, options))}, got {value!r}"
        raise ValueError(msg)
    return value


def check_names(changes: Mapping[str, object], allowed: Iterable[str], where: str) -> None:
    """Refuse keyword arguments of ``where`` (e.g. "LogisticState.set") that are not in ``allowed``."""
    allowed = list(allowed)
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        msg = f"{where} takes {', '.join(allowed)}, got {', '.join(unknown)}"
        raise TypeError(msg)


SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def fmt(x: float, digits: int = 4) -> str:
    """A fixed-point number for a readout; -0.0000 reads 0.0000 (the sign would only confuse)."""
    text = f"{x:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def slider(
    description: str, value: float, low: float, high: float, step: float = 0.05, readout_format: str = ".2f"
) -> widgets.FloatSlider:
    """A float slider; ``continuous_update`` stays on: a change costs a few ms (see the benchmark)."""
    return widgets.FloatSlider(
        value=value,
        min=low,
        max=high,
        step=step,
        description=description,
        readout_format=readout_format,
        style={"description_width": "initial"},
        layout=widgets.Layout(width="95%"),
    )


class App(widgets.VBox):
    """The controls, the readout and the figure of one app, wired to its state.

    ``app.state`` is the pure state object, ``app.controls`` maps names to widgets,
    ``app.formulas`` the ``HTMLMath`` of the formulas, ``app.readout`` the ``HTML`` of their numbers
    and ``app.view`` the ``FigureView``.
    """

    def __init__(
        self,
        state: object,
        view: FigureView,
        controls: Mapping[str, widgets.Widget],
        columns: int = 2,
    ) -> None:
        self.state = state
        self.view = view
        self.controls = dict(controls)
        font = {"font_size": f"{round(14 * view.scale)}px"}
        self.formulas = widgets.HTMLMath(style=font)
        self.readout = widgets.HTML(style=font)
        items = list(self.controls.values())
        per_column = math.ceil(len(items) / columns)
        panel = widgets.HBox(
            [
                widgets.VBox(items[k : k + per_column], layout=widgets.Layout(width=f"{100 // columns}%"))
                for k in range(0, len(items), per_column)
            ]
        )
        super().__init__([panel, self.formulas, self.readout, view.image])
        self._held, self._stale = 0, False
        for name, control in self.controls.items():
            control.observe(lambda change, name=name: self._changed(name, change["new"]), names="value")
        self.refresh()

    def _changed(self, name: str, value: object) -> None:
        self._apply(name, value)
        if self._held:
            self._stale = True
        else:
            self.refresh()

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Set several controls, render once at the end::

        with app.hold():
            app.controls["w1"].value = 0.5
            app.controls["b"].value = -1.0
        """
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
            if not self._held and self._stale:
                self._stale = False
                self.refresh()

    def refresh(self) -> None:
        """Show the state as it is now: update the artists and the readout, render once."""
        # titles and contours made while drawing take the view's font sizes and colours
        with self.view.style():
            self._draw()
        self.view.render()

    def _apply(self, name: str, value: object) -> None:
        self.state.set(**{name: value})  # type: ignore[attr-defined]

    def _draw(self) -> None:
        raise NotImplementedError
