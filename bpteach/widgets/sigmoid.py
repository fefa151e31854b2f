r"""The sigmoid and its derivative, with the tangent line at a point z0 (lecture 1; source 000).

| lecture 000 | meaning | code |
|---|---|---|
| sigma(z) = 1 / (1 + e^{-z}) | the logistic squashing function | ``state.g``, ``state.value`` = sigma(z0) |
| sigma'(z) = sigma(z) (1 - sigma(z)) | its derivative | ``state.slope`` = sigma'(z0) |
| y = sigma(z0) + sigma'(z0) (z - z0) | the tangent at z0 | ``state.tangent_z``, ``state.tangent_y`` |
| max sigma' = 1/4 at z = 0 | the ceiling on every factor sigma' | ``state.ceiling`` |

The ceiling is why a product of many sigma' factors shrinks (lecture 001: a small phi' makes the
gradient vanish); tanh, relu and identity reach 1 instead. For tanh the app shows tanh'(z) as a
curve and a number but never its formula: deriving it is a part of exercise 2 (and of exercise 3).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from bpteach.activations import ACTIVATIONS, Activation
from bpteach.widgets._app import App, check_choice, check_number, fmt, slider
from bpteach.widgets._base import COLORS, FigureView
from bpteach.widgets._limits import no_axis_label

__all__ = ["SigmoidExplorer", "SigmoidState", "sigmoid_explorer"]

Z_RANGE = (-6.0, 6.0)
TANGENT_HALF_WIDTH = 2.5  # the tangent is drawn on z0 +- this: long enough to read its slope

# max g' and where it is reached (None: on a whole half-line, no single point)
_CEILING = {"sigmoid": (0.0, 0.25), "tanh": (0.0, 1.0), "relu": (None, 1.0), "identity": (None, 1.0)}
_CEILING_LABEL = {
    "sigmoid": r"max $\sigma'$ = 1/4 at z = 0",
    "tanh": r"max $\tanh'$ = 1 at z = 0",
    "relu": "max relu' = 1 (every z > 0)",
    "identity": "g' = 1 for every z",
}
_G_LIMITS = {"sigmoid": (-0.1, 1.1), "tanh": (-1.2, 1.2), "relu": (-0.5, 6.0), "identity": (-6.0, 6.0)}


# g as the plain-text readout writes it (no typesetting: it changes with every drag)
_NAME = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu", "identity": "g"}


def _substituted(name: str, value: float) -> str | None:
    """g'(z0) written with the number g(z0) put in, as the lecture's formula reads (a negative in
    parentheses: −0.5 × (1 − (−0.5)), not −0.5 × (1 − -0.5)); None for tanh, whose formula the
    student derives in exercise 2."""
    v = fmt(value)
    v = f"({v.replace('-', '−')})" if v.startswith("-") else v
    return {
        "sigmoid": f"{v} × (1 − {v})",
        "tanh": None,
        "relu": "[z₀ > 0]",
        "identity": "1",
    }[name]


# the formula line for tanh: its derivative is left to exercise 2, the curve and the number are shown
_TANH_DERIVATIVE_HIDDEN = r"$\tanh'(z)$: the curve on the right (its formula is yours to derive in exercise 2)"


def _lhs(latex: str) -> str:
    """'\\sigma(z) = ...' -> '\\sigma(z)': the left-hand side of a formula."""
    return latex.split("=")[0].strip()


class SigmoidState:
    """z0 and the activation g; the numbers the lecture reads off at z0 (no drawing)."""

    z = np.linspace(*Z_RANGE, 241)

    def __init__(self, z0: float = 0.0, activation: str = "sigmoid") -> None:
        self.z0 = 0.0
        self.activation = "sigmoid"
        self.set(z0=z0, activation=activation)

    def set(self, z0: float | None = None, activation: str | None = None) -> None:
        """Change z0 and/or the activation (a name in ``bp.activations.ACTIVATIONS``)."""
        if z0 is not None:
            self.z0 = check_number(z0, "z0", *Z_RANGE)
        if activation is not None:
            self.activation = str(check_choice(activation, "activation", ACTIVATIONS))
        g = self.g
        self.value = float(g(self.z0))
        self.slope = float(g.derivative(self.z0))
        self.g_z = g(self.z)
        self.dg_z = g.derivative(self.z)
        self.tangent_z = np.linspace(self.z0 - TANGENT_HALF_WIDTH, self.z0 + TANGENT_HALF_WIDTH, 2)
        self.tangent_y = self.value + self.slope * (self.tangent_z - self.z0)

    @property
    def g(self) -> Activation:
        return ACTIVATIONS[self.activation]

    @property
    def ceiling(self) -> tuple[float | None, float]:
        """(where, max g'): sigmoid (0, 1/4), tanh (0, 1); relu and identity (None, 1)."""
        return _CEILING[self.activation]


class SigmoidExplorer(App):
    """The view: g and its tangent on the left, g' with its ceiling on the right."""

    def __init__(self, state: SigmoidState, scale: float | None = None, theme: str | None = None) -> None:
        controls = {
            "z0": slider("z₀", state.z0, *Z_RANGE),
            "activation": _dropdown(state.activation),
        }
        super().__init__(state, controls, figsize=(9.0, 3.4), scale=scale, theme=theme, columns=2)

    def _build(self, view: FigureView) -> None:
        state: SigmoidState = self.state
        with view.style():
            self.ax_g, self.ax_dg = view.figure.subplots(1, 2)
            for ax in (self.ax_g, self.ax_dg):
                ax.axhline(0, color=view.colors["grid"], lw=1, zorder=0)
                ax.axvline(0, color=view.colors["grid"], lw=1, zorder=0)
                ax.set_xlim(*Z_RANGE)
                ax.set_xlabel("z")
                no_axis_label(ax.yaxis)
            self.g_line = self.ax_g.plot(state.z, state.g_z, color=COLORS["positive"])[0]
            self.dg_line = self.ax_dg.plot(state.z, state.dg_z, color=COLORS["accent"])[0]
            self.ceiling_line = self.ax_dg.axhline(0.25, color=view.colors["neutral"], ls=":", lw=1.2 * view.scale)
            self.ceiling_point = self.ax_dg.plot([], [], "D", color=view.colors["neutral"], ms=6 * view.scale)[0]
            self.ceiling_text = self.ax_dg.text(0.02, 0.97, "", transform=self.ax_dg.transAxes, va="top")
            self.tangent = self.ax_g.plot([], [], "--", color=COLORS["negative"])[0]
            self.point_g = self.ax_g.plot([], [], "o", color=COLORS["negative"], ms=7 * view.scale)[0]
            self.point_dg = self.ax_dg.plot([], [], "o", color=COLORS["negative"], ms=7 * view.scale)[0]
            self.slope_text = self.ax_g.text(0.02, 0.97, "", transform=self.ax_g.transAxes, va="top")
            # fixed margins (fractions, so they hold at every scale): tight_layout costs a full draw
            view.figure.subplots_adjust(left=0.06, right=0.98, bottom=0.14, top=0.9, wspace=0.18)
        view.animate(self.tangent, self.point_g, self.point_dg, self.slope_text)
        self._drawn_activation: str | None = None

    def _draw(self) -> None:
        s: SigmoidState = self.state
        g = s.g
        if s.activation != self._drawn_activation:
            # g, g', the limits and the ceiling belong to the static background
            self._drawn_activation = s.activation
            self.g_line.set_ydata(s.g_z)
            self.dg_line.set_ydata(s.dg_z)
            self.ax_g.set_ylim(*_G_LIMITS[s.activation])
            where, top = s.ceiling
            self.ax_dg.set_ylim(-0.1 * top, 1.25 * top)
            self.ceiling_line.set_ydata([top, top])
            self.ceiling_point.set_data([] if where is None else [where], [] if where is None else [top])
            self.ceiling_text.set_text(_CEILING_LABEL[s.activation])
            self.ax_g.set_title(f"${_lhs(g.latex)}$ and its tangent")
            self.ax_dg.set_title(f"${_lhs(g.derivative_latex)}$")
            self.view.invalidate(key=s.activation)
        self.tangent.set_data(s.tangent_z, s.tangent_y)
        self.point_g.set_data([s.z0], [s.value])
        self.point_dg.set_data([s.z0], [s.slope])
        self.slope_text.set_text(f"z0 = {fmt(s.z0, 2)}\nslope = {fmt(s.slope)}")
        g_, dg_ = _lhs(g.latex)[:-3], _lhs(g.derivative_latex)[:-3]  # without "(z)"
        name = _NAME[s.activation]
        substituted = _substituted(s.activation, s.value)
        derivative = f"${g.derivative_latex}$" if substituted is not None else _TANH_DERIVATIVE_HIDDEN
        slope = f"{substituted} = {fmt(s.slope)}" if substituted is not None else fmt(s.slope)
        self.show_text(
            formulas=(
                f"${g.latex}$, &nbsp; {derivative}; &nbsp; the tangent at $z_0$: "
                f"$y = {g_}(z_0) + {dg_}(z_0)\\,(z - z_0)$"
            ),
            readout=(
                f"at z₀ = {fmt(s.z0, 2)}: &nbsp; {name}(z₀) = {fmt(s.value)}, &nbsp; "
                f"{name}'(z₀) = {slope} (the slope of the tangent)"
            ),
        )

    def describe(self) -> str:
        s: SigmoidState = self.state
        name = _NAME[s.activation]
        where, top = s.ceiling
        ceiling = f"its maximum {top:g} at z = 0" if where is not None else f"at most {top:g}"
        return (
            f"Left: {s.activation} {name}(z) for z from -6 to 6; at z0 = {s.z0:.2f} it is {s.value:.3f}, "
            f"its slope {name}'(z0) = {s.slope:.3f}, the tangent drawn as a dashed vermillion line. "
            f"Right: the derivative {name}'(z), {ceiling}, with a dot at z0."
        )


def _dropdown(value: str) -> widgets.Dropdown:
    return widgets.Dropdown(
        options=list(ACTIVATIONS), value=value, description="activation", style={"description_width": "initial"}
    )


def sigmoid_explorer(
    z0: float = 0.0, activation: str = "sigmoid", scale: float | None = None, theme: str | None = None
) -> SigmoidExplorer:
    r"""sigma(z) and sigma'(z) = sigma(z) (1 - sigma(z)) with the tangent at z0 (lecture 1).

    A slider moves z0 (in [-6, 6]); readouts give sigma(z0) and sigma'(z0), the slope of the
    tangent y = sigma(z0) + sigma'(z0) (z - z0); the maximum 1/4 of sigma' at z = 0 is marked. The
    dropdown compares tanh (ceiling 1; its derivative shown as a curve and a number, its formula
    left to exercise 2), relu and identity.
    ``scale`` enlarges the figure and fonts for a projector; ``theme`` is "light", "dark" or "auto"
    (both default from ``$BPTEACH_SCALE`` / ``$BPTEACH_THEME``). The returned ``App`` changes with
    ``app.set(z0=..., activation=...)``; it exposes ``.state`` (a ``SigmoidState``), ``.controls``,
    ``.description`` (the figure in words), ``.formulas``, ``.readout`` and ``.view``.
    """
    return SigmoidExplorer(SigmoidState(z0, activation), scale=scale, theme=theme)
