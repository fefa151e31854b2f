r"""One neuron on 2-D data: logistic regression as a neural network, and its chain rule.

| lecture | meaning | code |
|---|---|---|
| 000: p(y = 1 given x) = sigma(w^T x + b) | the logistic unit | ``state.f`` (every example), ``state.p_grid`` |
| 000: w^T x + b = 0 | the decision boundary | ``state.boundary()`` |
| 000: y_hat = sign(w^T x + b) | the perceptron's step output | ``output="step"`` (display only) |
| 001: z = w^T x, f = phi(z), d = 1/2 (y - f)^2 | one unit, one example | ``state.z_i``, ``state.f_i``, ``state.d_i`` |
| 001: dd/dw = dd/df * df/dz * dz/dw = (f - y) phi'(z) x | chain rule | ``state.dd_df * state.df_dz * state.dz_dw`` |

The bias b is the weight of an input that is always 1 (lecture 003), so dz/db = 1. Labels are
y in {0, 1} (y = 1 is the class p(y = 1 given x) predicts). The loss can be lecture 001's
1/2 (y - f)^2, lecture 002's (y - f)^2 or lecture 000's log loss -log p(y given x).
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib as mpl
import numpy as np
from matplotlib.colors import ListedColormap, Normalize, to_rgba

from bpteach._checks import as_float_array, check_finite
from bpteach.activations import sigmoid
from bpteach.datasets import blobs
from bpteach.losses import LOSSES
from bpteach.widgets._app import App, check_choice, check_int, check_names, check_number, fmt, slider
from bpteach.widgets._base import COLORS, FigureView
from bpteach.widgets._fastimage import nearest_grid_image
from bpteach.widgets._limits import no_axis_label

__all__ = ["LogisticState", "LogisticUnit", "logistic_unit"]

WEIGHT_RANGE = (-4.0, 4.0)
PLANE = (-3.5, 3.5)  # the square of the plane drawn, x1 and x2
GRID = 90  # p(y = 1 given x) is drawn on GRID x GRID points: fine enough at this figure size
Z_SHOWN = 8.0  # the right panel shows z in [-8, 8]; examples beyond sit at its edge
OUTPUTS = ("sigmoid", "step")

# d and dd/df for each loss, in lecture 001's letters (f the output, y the target)
_D_LATEX = {
    "half_squared_error": r"\tfrac{1}{2}(y - f)^2",
    "squared_error": r"(y - f)^2",
    "log_loss": r"-y \log f - (1 - y) \log(1 - f)",
}
_DD_DF_LATEX = {
    "half_squared_error": r"(f - y)",
    "squared_error": r"-2(y - f)",
    "log_loss": r"\frac{f - y}{f(1 - f)}",
}


def _data(X: object, Y: object) -> tuple[np.ndarray, np.ndarray]:
    if X is None and Y is None:
        return blobs(n=24, noise=0.8, seed=3)
    if X is None or Y is None:
        msg = "give both X (2, n) and Y (1, n) or neither (a fixed two-blob set is used)"
        raise ValueError(msg)
    X_, Y_ = as_float_array(X, "X"), as_float_array(Y, "Y")
    if X_.ndim != 2 or X_.shape[0] != 2 or X_.shape[1] < 1:
        msg = f"X must have shape (2, n_examples): two inputs x1, x2 per column, got shape {X_.shape}"
        raise ValueError(msg)
    Y_ = Y_.reshape(1, -1) if Y_.ndim == 1 else Y_
    if Y_.shape != (1, X_.shape[1]):
        msg = f"Y must have shape (1, {X_.shape[1]}) (one label per column of X), got shape {Y_.shape}"
        raise ValueError(msg)
    check_finite(X_, "X")
    if not np.all((Y_ == 0) | (Y_ == 1)):
        msg = f"Y must hold labels in {{0, 1}} (1 is the class p(y = 1 | x) predicts), got {np.unique(Y_)}"
        raise ValueError(msg)
    return X_.copy(), Y_.copy()


class LogisticState:
    """The unit's weights (w1, w2, b), the data, the loss and one chosen example i (1..n)."""

    grid = np.linspace(*PLANE, GRID)

    def __init__(
        self,
        w1: float = 1.0,
        w2: float = -0.5,
        b: float = 0.0,
        X: object = None,
        Y: object = None,
        loss: str = "half_squared_error",
        example: int = 1,
        output: str = "sigmoid",
    ) -> None:
        self.X, self.Y = _data(X, Y)
        self.n = self.X.shape[1]
        self._g1, self._g2 = np.meshgrid(self.grid, self.grid)
        self.w1 = self.w2 = self.b = 0.0
        self.loss, self.example, self.output = "half_squared_error", 1, "sigmoid"
        self.set(w1=w1, w2=w2, b=b, loss=loss, example=example, output=output)

    def set(self, **changes: object) -> None:
        """Change any of w1, w2, b, loss, example (1..n), output ("sigmoid" or "step")."""
        check_names(changes, ("w1", "w2", "b", "loss", "example", "output"), "LogisticState.set")
        for name in ("w1", "w2", "b"):
            if changes.get(name) is not None:
                setattr(self, name, check_number(changes[name], name, *WEIGHT_RANGE))
        if changes.get("loss") is not None:
            self.loss = str(check_choice(changes["loss"], "loss", LOSSES))
        if changes.get("example") is not None:
            self.example = check_int(changes["example"], "example", 1, self.n)
        if changes.get("output") is not None:
            self.output = str(check_choice(changes["output"], "output", OUTPUTS))
        self._compute()

    def _compute(self) -> None:
        w = np.array([self.w1, self.w2])
        loss = LOSSES[self.loss]
        self.z = w @ self.X + self.b  # (n,)
        self.f = sigmoid(self.z)
        y = self.Y[0]
        with np.errstate(divide="ignore", invalid="ignore"):  # log loss at f = 0 or 1 is inf, shown as such
            self.d = loss(self.f, y)
        self.J = float(np.mean(self.d))
        self.accuracy = float(np.mean((self.z > 0) == (y == 1)))
        i = self.example - 1
        self.x_i, self.y_i = self.X[:, i], float(y[i])
        self.z_i, self.f_i, self.d_i = float(self.z[i]), float(self.f[i]), float(self.d[i])
        with np.errstate(divide="ignore", invalid="ignore"):
            self.dd_df = float(loss.derivative(self.f_i, self.y_i))
        self.df_dz = float(sigmoid.derivative(self.z_i))
        self.dz_dw = np.array([self.x_i[0], self.x_i[1], 1.0])  # (w1, w2, b)
        self.grad = self.dd_df * self.df_dz * self.dz_dw
        z_grid = self.w1 * self._g1 + self.w2 * self._g2 + self.b
        self.p_grid = sigmoid(z_grid) if self.output == "sigmoid" else (z_grid > 0).astype(np.float64)

    def boundary(self) -> tuple[np.ndarray, np.ndarray]:
        """Two points of the line w1 x1 + w2 x2 + b = 0 spanning the plane (empty when w = 0)."""
        lo, hi = PLANE
        if abs(self.w2) >= abs(self.w1) and self.w2 != 0:
            x1 = np.array([lo, hi])
            return x1, -(self.w1 * x1 + self.b) / self.w2
        if self.w1 != 0:
            x2 = np.array([lo, hi])
            return -(self.w2 * x2 + self.b) / self.w1, x2
        return np.array([]), np.array([])


class LogisticUnit(App):
    """The view: the plane with p(y = 1 given x) and the boundary; f = sigma(z) with every example."""

    def __init__(self, state: LogisticState, scale: float | None = None, theme: str | None = None) -> None:
        controls = {
            "w1": slider("w₁", state.w1, *WEIGHT_RANGE),
            "w2": slider("w₂", state.w2, *WEIGHT_RANGE),
            "b": slider("b", state.b, *WEIGHT_RANGE),
            "example": widgets.IntSlider(
                value=state.example, min=1, max=state.n, description="example i", style={"description_width": "initial"}
            ),
            "loss": widgets.Dropdown(
                options=[
                    # named as the notation page names them, not by the source decks' numbers
                    ("½ (y − f)²  (half_squared_error)", "half_squared_error"),
                    ("(y − f)²  (squared_error)", "squared_error"),
                    ("log-loss  (logistic regression)", "log_loss"),
                ],
                value=state.loss,
                description="loss",
                style={"description_width": "initial"},
            ),
            "output": widgets.ToggleButtons(
                options=[("sigmoid σ(z)", "sigmoid"), ("perceptron step", "step")],
                value=state.output,
                description="shown",
            ),
        }
        super().__init__(state, controls, figsize=(9.0, 4.0), scale=scale, theme=theme, columns=2)

    def _build(self, view: FigureView) -> None:
        s: LogisticState = self.state
        with view.style():
            self.ax_plane, self.ax_z = view.figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
            ax = self.ax_plane
            # imshow(interpolation="nearest") that looks its cells up instead of resampling (_fastimage.py)
            self.image = nearest_grid_image(
                ax, s.p_grid, extent=(*PLANE, *PLANE), origin="lower", cmap=_pale("RdBu", view), norm=Normalize(0, 1)
            )
            ms = 6 * view.scale
            self.data = [
                ax.plot(
                    s.X[0, s.Y[0] == label],
                    s.X[1, s.Y[0] == label],
                    marker,
                    color=color,
                    mec=view.colors["text"],
                    ms=ms,
                    label=f"y = {label}",
                )[0]
                for label, marker, color in ((1, "o", COLORS["positive"]), (0, "s", COLORS["negative"]))
            ]
            # in the right panel: nothing is drawn over it there, so it stays in the cached background
            self.ax_z.legend(handles=self.data, loc="lower right")
            ax.set_xlim(*PLANE)
            ax.set_ylim(*PLANE)
            ax.set_xlabel("$x_1$")
            ax.set_ylabel("$x_2$")
            self._shown_output: str | None = None
            self.boundary = ax.plot([], [], "-", color=view.colors["text"], lw=2 * view.scale)[0]
            ring = {
                "marker": "o",
                "ms": 16 * view.scale,
                "mfc": "none",
                "mec": view.colors["highlight"],
                "mew": 2.5 * view.scale,
                "ls": "none",
            }
            self.ring_plane = ax.plot([], [], **ring)[0]

            az = self.ax_z
            zz = np.linspace(-Z_SHOWN, Z_SHOWN, 200)
            az.plot(zz, sigmoid(zz), color=view.colors["grid"], lw=3 * view.scale, zorder=0)
            az.set_xlim(-Z_SHOWN * 1.05, Z_SHOWN * 1.05)
            az.set_ylim(-0.08, 1.08)
            az.set_xlabel("$z = w^T x + b$")
            no_axis_label(az.yaxis)
            az.set_title("f = σ(z) for every example")
            colors = np.where(s.Y[0] == 1, COLORS["positive"], COLORS["negative"])
            self.points_z = az.scatter(
                np.zeros(s.n),
                np.zeros(s.n),
                c=colors,
                s=(5 * view.scale) ** 2,
                edgecolors=view.colors["text"],
                linewidths=0.5,
            )
            self.ring_z = az.plot([], [], **ring)[0]
            self.text = az.text(0.02, 0.97, "", transform=az.transAxes, va="top")
            # fixed margins (fractions, so they hold at every scale): tight_layout costs a full draw
            view.figure.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.91, wspace=0.18)
        # the image changes with every weight, so everything over it is redrawn after it
        view.animate(self.image, *self.data, self.boundary, self.ring_plane, self.points_z, self.ring_z, self.text)

    def _draw(self) -> None:
        s: LogisticState = self.state
        if s.output != self._shown_output:
            self._shown_output = s.output
            shown = "p(y = 1 | x)" if s.output == "sigmoid" else r"perceptron $\hat y = [w^T x + b > 0]$"
            self.ax_plane.set_title(f"{shown} and the boundary $w^T x + b = 0$")
            self.view.invalidate(key=s.output)
        self.image.set_data(s.p_grid)
        self.boundary.set_data(*s.boundary())
        self.ring_plane.set_data([s.x_i[0]], [s.x_i[1]])
        shown = np.clip(s.z, -Z_SHOWN, Z_SHOWN)
        self.points_z.set_offsets(np.column_stack([shown, s.f]))
        self.ring_z.set_data([np.clip(s.z_i, -Z_SHOWN, Z_SHOWN)], [s.f_i])
        self.text.set_text(f"J = {fmt(s.J)}\naccuracy = {fmt(100 * s.accuracy, 0)}%")
        # unchanged text: nothing is sent, nothing re-typeset
        self.show_text(formulas=_chain_rule_latex(s), readout=_chain_rule_html(s))

    def describe(self) -> str:
        s: LogisticState = self.state
        shown = "p(y = 1 | x) as shading" if s.output == "sigmoid" else "the perceptron's step output as shading"
        return (
            f"Left: the plane of the inputs x1, x2 with {s.n} examples (circles y = 1, squares y = 0), "
            f"{shown} and the boundary line {_signed(s.w1, first=True)} x1 {_signed(s.w2)} x2 {_signed(s.b)} = 0; "
            f"{fmt(100 * s.accuracy, 0)}% of the examples lie on their side. Right: f = σ(z) against z for "
            f"every example, mean loss J = {fmt(s.J, 3)}. Example {s.example} is ringed: z = {fmt(s.z_i, 3)}, "
            f"f = {fmt(s.f_i, 3)}, y = {s.y_i:g}."
        )


def _signed(v: float, first: bool = False) -> str:
    """A term of a sum in words: "− 0.50" (or "−0.50" first), "+ 0.50"."""
    text = fmt(abs(v), 2)
    if v < 0 and text != fmt(0.0, 2):
        return f"−{text}" if first else f"− {text}"
    return text if first else f"+ {text}"


def _pale(name: str, view: FigureView) -> ListedColormap:
    """The colour map mixed with the page colour: the data stay readable on top (an opaque image
    draws faster than a translucent one)."""
    face = np.array(to_rgba(view.colors["face"]))
    return ListedColormap(0.45 * mpl.colormaps[name](np.linspace(0, 1, 256)) + 0.55 * face)


def _chain_rule_latex(s: LogisticState) -> str:
    """Lecture 001's chain rule for the chosen loss: typeset, it changes only with the loss."""
    text = (
        f"$z = w_1 x_1 + w_2 x_2 + b$, $f = \\sigma(z)$, $d = {_D_LATEX[s.loss]}$; &nbsp; "
        f"$\\frac{{\\partial d}}{{\\partial w}} = \\frac{{\\partial d}}{{\\partial f}} \\cdot "
        f"\\frac{{\\partial f}}{{\\partial z}} \\cdot \\frac{{\\partial z}}{{\\partial w}} "
        f"= {_DD_DF_LATEX[s.loss]} \\cdot \\sigma'(z) \\cdot x$ (and $\\partial z / \\partial b = 1$)"
    )
    if s.output == "step":
        text += (
            "<br>shown: the perceptron's step $\\hat y = [w^T x + b > 0]$; its derivative is 0 wherever it "
            "exists, so the gradient is the sigmoid unit's"
        )
    return text


def _chain_rule_html(s: LogisticState) -> str:
    """The numbers of the chain rule for example i, each factor's value substituted (plain HTML)."""
    head = (
        f"example i = {s.example}: x = ({fmt(s.x_i[0], 2)}, {fmt(s.x_i[1], 2)}), y = {s.y_i:g}, "
        f"z = {fmt(s.z_i)}, f = σ(z) = {fmt(s.f_i)}, d = {fmt(s.d_i)}; "
        f"mean loss over the {s.n} examples J = {fmt(s.J)}"
    )
    rows = []
    for k, (w, x) in enumerate((("w₁", "x₁"), ("w₂", "x₂"), ("b", "1"))):
        rows.append(
            f"<tr><td>∂d/∂{w} = ∂d/∂f · ∂f/∂z · {x}</td>"
            f"<td>= ({fmt(s.dd_df)}) · ({fmt(s.df_dz)}) · ({fmt(s.dz_dw[k], 2)})</td>"
            f"<td>= {fmt(s.grad[k])}</td></tr>"
        )
    return f"{head}<table>{''.join(rows)}</table>"


def logistic_unit(
    w1: float = 1.0,
    w2: float = -0.5,
    b: float = 0.0,
    X: object = None,
    Y: object = None,
    loss: str = "half_squared_error",
    example: int = 1,
    output: str = "sigmoid",
    scale: float | None = None,
    theme: str | None = None,
) -> LogisticUnit:
    r"""One neuron f = sigma(w1 x1 + w2 x2 + b) on 2-D data (lecture 2).

    Sliders for w1, w2 and b (in [-4, 4]) move the decision boundary w^T x + b = 0 and
    p(y = 1 given x) over the plane; the loss (``"half_squared_error"`` 1/2 (y - f)^2,
    ``"squared_error"`` or ``"log_loss"``) is shown over the data, and for example i the chain rule
    dd/dw = dd/df * df/dz * dz/dw = (f - y) sigma'(z) x with every factor's value.
    ``X`` (2, n) and ``Y`` (1, n) with labels in {0, 1} default to a fixed set of 24 points in two
    blobs. ``output="step"`` shows the perceptron's step [w^T x + b > 0] over the plane instead.
    Change it with ``app.set(w1=..., w2=..., b=..., example=..., loss=..., output=...)``; it exposes
    ``.state`` (a ``LogisticState``), ``.controls``, ``.description``, ``.formulas``, ``.readout``.
    """
    return LogisticUnit(LogisticState(w1, w2, b, X, Y, loss, example, output), scale=scale, theme=theme)
