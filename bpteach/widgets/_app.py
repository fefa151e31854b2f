"""The one base of every lecture app, ``App``, and what apps share (argument checks, sliders, numbers).

The public surface (what an app's user, a test or a new app relies on):

| member | meaning |
|---|---|
| ``app.set(**changes)`` | the one verb for a state change: control names -> new values; ``theme=``, ``scale=`` too |
| ``app.state`` | the pure state object (numbers and records, no drawing) |
| ``app.controls`` | name -> widget (a list of widgets for a vector, e.g. the stepper's x boxes) |
| ``app.description`` | the figure's text alternative with the current numbers (the ``<img>`` alt) |
| ``app.figure`` | the ``ipywidgets.HTML`` holding ``<figure><img alt=... src=data:...></figure>`` |
| ``app.live`` | the polite live region: ``description`` once a change has settled (not per frame) |
| ``app.formulas`` / ``app.readout`` | typeset formulas (``HTMLMath``) / their numbers (plain ``HTML``) |
| ``app.message`` | a refused control value, in words (the state stays as it was) |
| ``app.view`` | the ``FigureView``: ``view.figure``, ``view.renders``, ``view.last_png`` |
| ``app.hold()`` | ``with app.hold(): ...`` several changes, one render at the end |
| ``app.refresh()`` | draw the state as it is now (after editing ``app.state`` by hand) |

A new app subclasses ``App`` and writes four methods, nothing else::

    class MyApp(App):
        def __init__(self, state, scale=None, theme=None):
            controls = {"z0": slider("z₀", state.z0, -6, 6)}
            super().__init__(state, controls, figsize=(6, 4), scale=scale, theme=theme)

        def _build(self, view):      # make the artists on view.figure (again after a theme change)
        def _apply(self, changes):   # control names -> the state (default: self.state.set(**changes))
        def _draw(self):             # state -> artists (set_data, set_text), then self.show_text(...)
        def describe(self) -> str:   # what the figure shows, with the current numbers

Optional: ``super().__init__(..., panel=widget)`` lays the controls out yourself (rows of controls
in ``widgets.HBox(..., layout=wrap())``, so they wrap); ``columns=k`` for the default grid;
``passive = ("name",)`` for a control read only when needed (its change is no state change);
``self.show_text(formulas=..., readout=...)`` in ``_draw`` sends the texts after the figure.
Buttons and a ``Play`` are not observed: a button acts (``on_click``), a Play drives a slider.

A control's change calls ``app.set(name=value)``; ``set`` checks the names, updates the state
through ``_apply`` (a ``TypeError`` / ``ValueError`` from a control is shown in ``app.message``, from
code it is raised), moves the controls to the new values, then ``refresh``: ``_draw``, one render,
the alt text and, once the changes settle, the live region. The numbers stay out of the typeset
formulas because the browser re-typesets a whole ``HTMLMath`` whenever its value changes.

Theme and scale: ``theme`` is "light", "dark" or "auto" (follow the front end), ``scale`` a float;
``None`` takes ``$BPTEACH_THEME`` / ``$BPTEACH_SCALE`` (see ``_theme.py``). The display output
carries, beside the widget view, a static ``text/html`` fallback: the current figure with its alt.
"""

from __future__ import annotations

import asyncio
import itertools
import math
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

import ipywidgets as widgets

from bpteach.widgets._base import FigureView
from bpteach.widgets._page import figure_html, setup_html
from bpteach.widgets._theme import resolve_scale, resolve_theme

__all__ = ["SUBSCRIPTS", "App", "check_choice", "check_int", "check_names", "check_number", "fmt", "slider", "wrap"]

SETTLE_SECONDS = 0.6  # the live region speaks after this long without a change: once per settled change


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
    """A float slider; ``continuous_update`` stays on: a change costs a few ms (see the benchmark).

    ``description`` is plain text (Unicode subscripts, no LaTeX): it is also the handle's accessible name.
    """
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


def wrap() -> widgets.Layout:
    """A row of controls that wraps instead of running off a narrow page or a scaled-up one."""
    return widgets.Layout(flex_flow="row wrap")


class App(widgets.VBox):
    """The controls, the formulas, the figure and its words of one app, wired to its state (see the module)."""

    passive: tuple[str, ...] = ()  # controls whose value is read when needed, not a state change

    def __init__(
        self,
        state: object,
        controls: Mapping[str, widgets.Widget | list],
        *,
        figsize: tuple[float, float],
        scale: float | None = None,
        theme: str | None = None,
        panel: widgets.Widget | None = None,
        columns: int = 2,
    ) -> None:
        self.state = state
        self.controls = dict(controls)
        self._texts: dict[str, str] = {}
        self.theme = resolve_theme(theme)
        self._figsize = figsize
        scale = resolve_scale(scale)
        # "auto" renders light until the front end reports its theme into this hidden box
        self._page_theme = widgets.Text(
            value="", continuous_update=True, _dom_classes=("bpteach-theme",), layout=widgets.Layout(display="none")
        )
        self.view = FigureView(figsize, scale=scale, theme=self._render_theme())
        self._build(self.view)
        font = {"font_size": f"{round(14 * scale)}px"}
        self.formulas = widgets.HTMLMath(style=font)
        self.readout = widgets.HTML(style=font)
        self.message = widgets.HTML()
        self.figure = widgets.HTML()
        self.live = widgets.HTML(_dom_classes=("bpteach-live",))
        scope = f"bpteach-app-{next(_SERIAL)}"
        setup = widgets.HTML(setup_html(scope, scale), layout=widgets.Layout(display="none"))
        panel = panel or _columns(self.controls, columns)
        panel.add_class("bpteach-panel")
        super().__init__(
            [
                panel,
                self.formulas,
                self.figure,
                self.readout,
                self.message,
                self.live,
                self._page_theme,
                setup,
            ],
            _dom_classes=("bpteach-app", scope),
        )
        self._held, self._stale, self._syncing = 0, False, False
        self._pending: dict[str, asyncio.TimerHandle] = {}
        for name, control in self.controls.items():
            for k, one in enumerate(control if isinstance(control, list) else [control]):
                if isinstance(one, (widgets.Button, widgets.Play)):
                    continue  # buttons act (move a step slider, train); a Play drives a slider
                one.observe(lambda change, name=name, k=k: self._changed(name, k, change["new"]), names="value")
        self._page_theme.observe(self._on_page_theme, names="value")
        self.refresh()

    # ------------------------------------------------------------------ the one verb
    def set(self, **changes: object) -> None:
        """Change the state: control names -> new values (``theme=``, ``scale=`` rebuild the figure).

        The controls move to the new values; the figure, its alt text and the readouts follow, with
        one render (inside ``hold()``: at its end).
        """
        allowed = [*self.controls, "theme", "scale"]
        check_names(changes, allowed, f"{type(self).__name__}.set")
        look = {k: changes.pop(k) for k in ("theme", "scale") if k in changes}
        if changes:
            self._apply(changes)
            self._show_controls(changes)
        if look:
            self._restyle(**look)
        if self._held:
            self._stale = True
        else:
            self.refresh()

    def _changed(self, name: str, k: int, value: object) -> None:
        if self._syncing or name in self.passive:
            return
        control = self.controls[name]
        if isinstance(control, list):
            value = [c.value for c in control]
        try:
            self.set(**{name: value})
        except (TypeError, ValueError) as exc:
            # a value typed into a box: say why it was refused; the state keeps its last good value
            self.message.value = f"<span style='color:var(--jp-error-color1, #b00020)'>{exc}</span>"
        else:
            self.message.value = ""

    def _show_controls(self, changes: Mapping[str, object]) -> None:
        """Move the controls to values set from code, without hearing them as new changes."""
        self._syncing = True
        try:
            for name, value in changes.items():
                control = self.controls[name]
                pairs = zip(control, value, strict=True) if isinstance(control, list) else [(control, value)]
                for one, v in pairs:
                    if not isinstance(one, widgets.Button) and one.value != v:
                        one.value = v
        finally:
            self._syncing = False

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Several changes, one render at the end::

        with app.hold():
            app.set(w1=0.5)
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

    # ------------------------------------------------------------------ drawing and words
    @property
    def description(self) -> str:
        """The figure's text alternative: what it shows, with the current numbers."""
        return self.describe()

    def refresh(self) -> None:
        """Show the state as it is now: the artists, one render, the alt text, the readouts."""
        # titles and contours made while drawing take the view's font sizes and colours
        with self.view.style():
            self._draw()
        words = self.describe()
        self.figure.value = figure_html(self.view.render(), words, self.view.width_px)
        texts, self._texts = self._texts, {}
        if "readout" in texts:
            self.readout.value = texts["readout"]
        if texts.get("formulas", self.formulas.value) != self.formulas.value:
            # a frame after the figure: MathJax typesetting (the slow part in the browser) then runs
            # after the new figure is on screen
            self._later("formulas", 0.02, lambda: setattr(self.formulas, "value", texts["formulas"]))
        self._later("live", SETTLE_SECONDS, lambda: setattr(self.live, "value", words))

    def show_text(self, formulas: str | None = None, readout: str | None = None) -> None:
        """The typeset formulas and the plain readout for this state; sent after the figure."""
        if formulas is not None:
            self._texts["formulas"] = formulas
        if readout is not None:
            self._texts["readout"] = readout

    def _later(self, key: str, seconds: float, action: object) -> None:
        """Run ``action`` after ``seconds`` unless called again first (no event loop: now)."""
        if key in self._pending:
            self._pending.pop(key).cancel()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # a script or a test: nothing to wait for
            action()  # type: ignore[operator]
            return

        def run() -> None:
            self._pending.pop(key, None)
            action()  # type: ignore[operator]

        self._pending[key] = loop.call_later(seconds, run)

    def _render_theme(self) -> str:
        if self.theme != "auto":
            return self.theme
        return self._page_theme.value if self._page_theme.value in ("light", "dark") else "light"

    def _on_page_theme(self, _: dict) -> None:
        if self.theme == "auto" and self._render_theme() != self.view.theme:
            self._restyle()
            self.refresh()

    def _restyle(self, theme: str | None = None, scale: float | None = None) -> None:
        """A new figure for another theme or scale: the artists are made again by ``_build``."""
        if theme is not None:
            self.theme = resolve_theme(theme)
        scale = self.view.scale if scale is None else resolve_scale(scale)
        self.view = FigureView(self._figsize, scale=scale, theme=self._render_theme())
        self._build(self.view)

    def _repr_mimebundle_(self, **kwargs: object) -> dict:
        """The widget view, and beside it the figure with its alt text for a page without widgets."""
        bundle = super()._repr_mimebundle_(**kwargs)
        words = self.describe()
        fallback = figure_html(self.view.last_png or self.view.render(), words, self.view.width_px)
        return {**(bundle or {}), "text/html": fallback}

    # ------------------------------------------------------------------ what an app writes
    def _build(self, view: FigureView) -> None:
        raise NotImplementedError

    def _apply(self, changes: dict[str, object]) -> None:
        self.state.set(**changes)  # type: ignore[attr-defined]

    def _draw(self) -> None:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


_SERIAL = itertools.count(1)


def _columns(controls: Mapping[str, object], columns: int) -> widgets.HBox:
    """The controls in ``columns`` columns, filled top to bottom."""
    items = [w for c in controls.values() for w in (c if isinstance(c, list) else [c])]
    per_column = max(math.ceil(len(items) / columns), 1)
    return widgets.HBox(
        [
            widgets.VBox(
                items[k : k + per_column], layout=widgets.Layout(width=f"{100 // columns}%", min_width="260px")
            )
            for k in range(0, len(items), per_column)
        ],
        layout=wrap(),
    )
