r"""Lecture 000's 2-layer gradient by hand: "raw error" times "blame for error", three ways.

| lecture 000 | meaning | code |
|---|---|---|
| h = [sigma(w_11^T x), sigma(w_12^T x)] | the hidden layer | ``state.h`` |
| p(y = +1 given x) = sigma(w_21^T h) | the output | ``state.p`` |
| ll = log p(y given x) = log sigma(y w_21^T h) | log-likelihood (maximised) | ``state.ll`` |
| I(y = 1) - sigma(w_21^T h) | raw error | ``state.raw`` |
| h; w_21[1] sigma(w_11^T x)(1 - sigma(w_11^T x)) x | blame for error | ``state.blame["w21"]``, ``["w11"]`` |
| grad_{w_21} ll = raw * h, grad_{w_11} ll = raw * blame | the hand formula | ``state.hand`` |

The same gradients come from back-propagation on ``MLP([2, 2, 1], bias=False, loss="log_loss")``
(W_1 has rows w_11, w_12; W_2 = w_21^T), which minimises J = -ll: grad ll = -grad J
(``state.backprop``), and from central differences of J (``state.numeric``). One example (x, y),
y in {-1, +1}; the lecture's sums over i add one such term per example.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from bpteach.activations import sigmoid
from bpteach.datasets import lecture000_data, lecture000_network
from bpteach.gradcheck import numerical_gradient
from bpteach.matrix import MLP
from bpteach.widgets._app import SUBSCRIPTS, App, check_choice, check_names, check_number, fmt, slider
from bpteach.widgets._base import COLORS, FigureView

__all__ = ["TwoLayerGradient", "TwoLayerState", "two_layer_gradient"]

WEIGHT_RANGE = (-3.0, 3.0)
X_RANGE = (-3.0, 3.0)
WEIGHTS = ("w21", "w11", "w12")  # in the order the lecture derives them
METHODS = ("hand", "backprop", "numeric")
# y-limits of the bar charts snap to these, so the axes (the cached background) rarely change
_LIMITS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


def _pair(value: object, name: str, low: float, high: float) -> np.ndarray:
    try:
        a, b = value  # type: ignore[misc]
    except (TypeError, ValueError):
        msg = f"{name} must be a pair of numbers ({name}[1], {name}[2]), got {value!r}"
        raise TypeError(msg) from None
    return np.array([check_number(a, f"{name}[1]", low, high), check_number(b, f"{name}[2]", low, high)])


class TwoLayerState:
    """The six weights w_11, w_12, w_21 (pairs), one example x (pair), y in {-1, +1}; the gradients.

    Defaults: ``bp.datasets.lecture000_network()``'s weights and the first example of
    ``lecture000_data()``.
    """

    def __init__(
        self,
        w11: object = None,
        w12: object = None,
        w21: object = None,
        x: object = None,
        y: float | None = None,
    ) -> None:
        net = lecture000_network()
        X, Y = lecture000_data()
        self.w11, self.w12 = net.W[1][0].copy(), net.W[1][1].copy()
        self.w21 = net.W[2][0].copy()
        self.x, self.y = X[:, 0].copy(), float(Y[0, 0])
        self.set(w11=w11, w12=w12, w21=w21, x=x, y=y)

    def set(self, **changes: object) -> None:
        """Change any of w11, w12, w21, x (pairs) and y (+1 or -1); None leaves one as it is."""
        check_names(changes, ("w11", "w12", "w21", "x", "y"), "TwoLayerState.set")
        for name in WEIGHTS:
            if changes.get(name) is not None:
                setattr(self, name, _pair(changes[name], name, *WEIGHT_RANGE))
        if changes.get("x") is not None:
            self.x = _pair(changes["x"], "x", *X_RANGE)
        if changes.get("y") is not None:
            y, name = changes["y"], "y (labels are -1 and +1, as in lecture 000)"
            if isinstance(y, bool):  # True == 1 in Python, but a flag is not a label
                msg = f"{name} must be 1 or -1, got {y!r}"
                raise TypeError(msg)
            self.y = float(check_choice(y, name, (1, -1)))
        self._compute()

    def mlp(self) -> MLP:
        """The same network as ``MLP([2, 2, 1], bias=False, loss="log_loss")``."""
        return MLP([2, 2, 1], bias=False, loss="log_loss", W={1: [self.w11, self.w12], 2: [self.w21]})

    def _compute(self) -> None:
        x, w21 = self.x, self.w21
        self.h = sigmoid(np.array([self.w11 @ x, self.w12 @ x]))
        a = float(w21 @ self.h)
        self.p = float(sigmoid(a))  # p(y = +1 | x)
        self.ll = float(-np.logaddexp(0.0, -self.y * a))  # log sigma(y a), without overflow
        # lecture 000, term by term
        self.raw = float(self.y == 1) - self.p
        h1, h2 = self.h
        self.blame = {
            "w21": self.h.copy(),
            "w11": w21[0] * h1 * (1 - h1) * x,
            "w12": w21[1] * h2 * (1 - h2) * x,
        }
        self.hand = {k: self.raw * v for k, v in self.blame.items()}
        # back-propagation minimises J = -ll, so grad ll = -grad J
        mlp = self.mlp()
        rec = mlp.backpropagate(x, [self.y])
        self.backprop = {"w11": -rec.grad_W[1][0], "w12": -rec.grad_W[1][1], "w21": -rec.grad_W[2][0]}
        num = numerical_gradient(mlp, x, [self.y])
        self.numeric = {"w11": -num["W1"][0], "w12": -num["W1"][1], "w21": -num["W2"][0]}

    def table(self) -> dict[str, np.ndarray]:
        """Every method's gradient as a (6,) array, weights in the order w21, w11, w12."""
        return {m: np.concatenate([getattr(self, m)[w] for w in WEIGHTS]) for m in METHODS}


def _limit(values: np.ndarray, current: float | None) -> float:
    """A y-limit from ``_LIMITS`` that shows ``values``; the current one is kept while it still
    fits and is not far too big, so that dragging a slider rarely redraws the axes."""
    biggest = float(np.max(np.abs(values)))
    if current is not None and 0.15 * current <= biggest <= 0.95 * current:
        return current
    return next((lim for lim in _LIMITS if biggest <= 0.9 * lim), _LIMITS[-1])


class TwoLayerGradient(App):
    """The view: raw error and blame on the left, the three gradients side by side on the right."""

    names = tuple(f"{w}[{k}]" for w in WEIGHTS for k in (1, 2))

    def __init__(self, state: TwoLayerState, scale: float = 1.0, theme: str = "light") -> None:
        view = FigureView((9.0, 3.6), scale=scale, theme=theme)
        self._build(view)
        sliders = {
            name: slider(
                f"${name[0]}_{{{name[1:3]}}}[{name[4]}]$",
                float(getattr(state, name[:3])[int(name[4]) - 1]),
                *WEIGHT_RANGE,
            )
            for name in self.names
        }
        sliders["x1"] = slider("$x_1$", float(state.x[0]), *X_RANGE)
        sliders["x2"] = slider("$x_2$", float(state.x[1]), *X_RANGE)
        sliders["y"] = widgets.ToggleButtons(
            options=[("y = +1", 1), ("y = −1", -1)], value=int(state.y), description="label"
        )
        # three columns: hidden unit 1 and x1, hidden unit 2 and x2, the output and y
        order = ("w11[1]", "w11[2]", "x1", "w12[1]", "w12[2]", "x2", "w21[1]", "w21[2]", "y")
        controls = {name: sliders[name] for name in order}
        super().__init__(state, view, controls, columns=3)

    def _build(self, view: FigureView) -> None:
        n = len(self.names)
        # unicode subscripts, not mathtext: parsing 12 math labels would double the first draw
        ticks = [f"w{w[1:3].translate(SUBSCRIPTS)}[{w[4]}]" for w in self.names]
        with view.style():
            self.ax_blame, self.ax_grad = view.figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.15, 1.4]})
            ax = self.ax_blame
            self.raw_bar = ax.bar([0], [0.0], color=COLORS["highlight"], width=0.7)[0]
            self.blame_bars = list(ax.bar(np.arange(1, n + 1), np.zeros(n), color=COLORS["sky"], width=0.7))
            ax.set_xticks(np.arange(n + 1), ["raw\nerror", *ticks])
            ax.axhline(0, color=view.colors["text"], lw=0.8)
            ax.set_title("raw error and blame for error")
            ax = self.ax_grad
            self.grad_bars = {}
            colors = {"hand": COLORS["positive"], "backprop": COLORS["accent"], "numeric": COLORS["second"]}
            labels = {"hand": "hand formula", "backprop": "backprop −∂J/∂w", "numeric": "finite difference"}
            for k, method in enumerate(METHODS):
                self.grad_bars[method] = list(
                    ax.bar(
                        np.arange(n) + (k - 1) * 0.27,
                        np.zeros(n),
                        width=0.27,
                        color=colors[method],
                        label=labels[method],
                    )
                )
            ax.set_xticks(np.arange(n), ticks)
            ax.axhline(0, color=view.colors["text"], lw=0.8)
            ax.legend(loc="upper right", fontsize=8 * view.scale)
            ax.set_title("∇ll for one example: three ways")
            self.ll_text = ax.text(0.02, 0.03, "", transform=ax.transAxes)
            self.ax_blame.tick_params(axis="x", labelsize=7.5 * view.scale)
            # fixed margins (fractions, so they hold at every scale): tight_layout costs a full draw
            view.figure.subplots_adjust(left=0.06, right=0.98, bottom=0.17, top=0.9, wspace=0.16)
        view.animate(self.raw_bar, *self.blame_bars, *(b for m in METHODS for b in self.grad_bars[m]), self.ll_text)
        self._limits: tuple[float, float] | None = None

    def _apply(self, name: str, value: object) -> None:
        s: TwoLayerState = self.state
        if name in ("x1", "x2"):
            x = s.x.copy()
            x[int(name[1]) - 1] = value
            s.set(x=x)
        elif name == "y":
            s.set(y=value)
        else:
            w, k = name[:3], int(name[4])
            pair = getattr(s, w).copy()
            pair[k - 1] = value
            s.set(**{w: pair})

    def _draw(self) -> None:
        s: TwoLayerState = self.state
        blame = np.concatenate([s.blame[w] for w in WEIGHTS])
        table = s.table()
        self.raw_bar.set_height(s.raw)
        for bar, v in zip(self.blame_bars, blame, strict=True):
            bar.set_height(v)
        for method in METHODS:
            for bar, v in zip(self.grad_bars[method], table[method], strict=True):
                bar.set_height(v)
        old = self._limits or (None, None)
        limits = (_limit(np.append(blame, s.raw), old[0]), _limit(table["hand"], old[1]))
        if limits != self._limits:
            self._limits = limits
            self.ax_blame.set_ylim(-limits[0], limits[0])
            self.ax_grad.set_ylim(-limits[1], limits[1])
            self.view.invalidate(key=limits)
        self.ll_text.set_text(f"ll = log p(y|x) = {fmt(s.ll)}")
        self.formulas.value = _FORMULAS  # the same text every time: sent and typeset once
        self.readout.value = _gradient_html(s)


_FORMULAS = (
    r"$h = [\sigma(w_{11}^\top x), \sigma(w_{12}^\top x)]$, $p(y = +1 \mid x) = \sigma(w_{21}^\top h)$, "
    r"$\mathrm{ll} = \log \sigma(y\, w_{21}^\top h)$<br>"
    r"$\nabla_{w_{21}} \mathrm{ll} = \underbrace{(I(y = 1) - \sigma(w_{21}^\top h))}_{\text{raw error}}"
    r"\; \underbrace{h}_{\text{blame}}$, &nbsp; "
    r"$\nabla_{w_{11}} \mathrm{ll} = (I(y = 1) - \sigma(w_{21}^\top h))\;"
    r"\underbrace{w_{21}[1]\, \sigma(w_{11}^\top x)(1 - \sigma(w_{11}^\top x))\, x}_{\text{blame}}$, "
    r"&nbsp; $w_{12}$ alike with $w_{21}[2]$; back-propagation minimises $J = -\mathrm{ll}$"
)
# the blame column in plain text (the readout is not typeset: it changes with every drag)
_BLAME_TEXT = {
    "w21": "h[{k}]",
    "w11": "w₂₁[1] σ(w₁₁ᵀx)(1 − σ(w₁₁ᵀx)) x[{k}]",
    "w12": "w₂₁[2] σ(w₁₂ᵀx)(1 − σ(w₁₂ᵀx)) x[{k}]",
}


def _gradient_html(s: TwoLayerState) -> str:
    head = (
        f"h = ({fmt(s.h[0])}, {fmt(s.h[1])}), p(y = +1 | x) = {fmt(s.p)}, y = {s.y:+g}, "
        f"ll = {fmt(s.ll)}; raw error I(y = 1) − σ(w₂₁ᵀh) = {fmt(s.raw)}"
    )
    cells = "".join(
        f"<th style='padding: 0 0.6em'>{c}</th>"
        for c in ("gradient", "blame for error", "raw error × blame", "back-propagation −∂J/∂w", "finite difference")
    )
    rows = []
    for w in WEIGHTS:
        for k in (1, 2):
            rows.append(
                f"<tr><td>∇ll for {w[0]}{w[1:].translate(SUBSCRIPTS)}[{k}]</td>"
                f"<td>{_BLAME_TEXT[w].format(k=k)} = {fmt(s.blame[w][k - 1])}</td>"
                f"<td>{fmt(s.raw)} × {fmt(s.blame[w][k - 1])} = {fmt(s.hand[w][k - 1], 6)}</td>"
                f"<td>{fmt(s.backprop[w][k - 1], 6)}</td><td>{fmt(s.numeric[w][k - 1], 6)}</td></tr>"
            )
    return f"{head}<table><tr>{cells}</tr>{''.join(rows)}</table>"


def two_layer_gradient(
    w11: object = None,
    w12: object = None,
    w21: object = None,
    x: object = None,
    y: float | None = None,
    scale: float = 1.0,
    theme: str = "light",
) -> TwoLayerGradient:
    r"""Lecture 000's p(y given x) = sigma(w_21^T [sigma(w_11^T x), sigma(w_12^T x)]) with its gradient.

    Sliders for the six weights (pairs w11, w12, w21 in [-3, 3]) and the example (x1, x2 and
    y in {-1, +1}). For each weight, grad ll = (I(y = 1) - sigma(w_21^T h)) * blame, the "raw
    error" times the "blame for error" (h for w_21, w_21[1] sigma(w_11^T x)(1 - sigma(w_11^T x)) x
    for w_11), is shown beside back-propagation's -grad J (J = -ll) and a central finite
    difference. Defaults: ``bp.datasets.lecture000_network()`` and the first example of
    ``lecture000_data()``. The widget exposes ``.state`` (a ``TwoLayerState``), ``.controls``
    ("w11[1]", "w11[2]", "w12[1]", "w12[2]", "w21[1]", "w21[2]", "x1", "x2", "y"), ``.formulas``,
    ``.readout`` and ``.view``.
    """
    return TwoLayerGradient(TwoLayerState(w11, w12, w21, x, y), scale=scale, theme=theme)
