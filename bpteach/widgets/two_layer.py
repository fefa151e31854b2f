r"""Lecture 000's 2-layer gradient by hand: "raw error" times "blame for error", and how far to trust
a finite difference.

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

The right panel shows why a gradient check picks its step h: the error of the central difference
(J(w + h) - J(w - h)) / 2h against back-propagation's value, for h from 10^-12 to 1 on log-log
axes (``state.h_errors(weight)``). Truncation error falls as h^2 (Taylor: J‴ h^2 / 6); round-off
rises as 1/h (about eps_machine |J| / h): the best h sits between them, near 10^-5.
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
from bpteach.widgets._limits import no_axis_label, unicode_log_labels

__all__ = ["TwoLayerGradient", "TwoLayerState", "two_layer_gradient"]

WEIGHT_RANGE = (-3.0, 3.0)
X_RANGE = (-3.0, 3.0)
WEIGHTS = ("w21", "w11", "w12")  # in the order the lecture derives them
METHODS = ("hand", "backprop", "numeric")
NAMES = tuple(f"{w}[{k}]" for w in WEIGHTS for k in (1, 2))  # one weight each, e.g. "w11[2]"
# y-limits of the bar chart snap to these, so the axes (the cached background) rarely change
_LIMITS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
STEPS_H = np.logspace(-12, 0, 49)  # the steps h of the central-difference panel
ERROR_FLOOR = 1e-17  # an error of exactly 0 is drawn here (a log axis has no 0)


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
            y, name = changes["y"], "y (labels are -1 and +1, as in lecture 3)"
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

    def loss_at(self, name: str, values: np.ndarray) -> np.ndarray:
        """J = -ll with the weight ``name`` (e.g. "w11[1]") set to each of ``values``, the others as they are."""
        w, k = name[:3], int(name[4]) - 1
        pairs = {v: np.repeat(getattr(self, v)[None, :], len(values), axis=0) for v in WEIGHTS}
        pairs[w][:, k] = values
        h = sigmoid(np.stack([pairs["w11"] @ self.x, pairs["w12"] @ self.x], axis=1))
        a = np.sum(pairs["w21"] * h, axis=1)
        return np.logaddexp(0.0, -self.y * a)  # -log sigma(y a), as in _compute

    def h_errors(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(h, |central difference with step h - back-propagation|) for the weight ``name``."""
        check_choice(name, "weight", NAMES)
        w, k = name[:3], int(name[4]) - 1
        w0 = float(getattr(self, w)[k])
        plus, minus = self.loss_at(name, w0 + STEPS_H), self.loss_at(name, w0 - STEPS_H)
        numeric = (plus - minus) / (2 * STEPS_H)
        return STEPS_H, np.abs(numeric - (-self.backprop[w][k]))  # backprop holds grad ll = -grad J

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


def _label(name: str) -> str:
    """ "w11[2]" -> "w₁₁[2]" (plain text: mathtext would double the first draw)."""
    return f"w{name[1:3].translate(SUBSCRIPTS)}[{name[4]}]"


class TwoLayerGradient(App):
    """The view: raw error and blame on the left, the central difference's error against h on the right."""

    names = NAMES

    def __init__(self, state: TwoLayerState, scale: float | None = None, theme: str | None = None) -> None:
        sliders = {
            name: slider(_label(name), float(getattr(state, name[:3])[int(name[4]) - 1]), *WEIGHT_RANGE)
            for name in self.names
        }
        sliders["x1"] = slider("x₁", float(state.x[0]), *X_RANGE)
        sliders["x2"] = slider("x₂", float(state.x[1]), *X_RANGE)
        sliders["y"] = widgets.ToggleButtons(
            options=[("y = +1", 1), ("y = −1", -1)], value=int(state.y), description="label"
        )
        sliders["checked"] = widgets.Dropdown(
            options=[(_label(n), n) for n in self.names],
            value="w11[1]",
            description="checked weight",
            style={"description_width": "initial"},
        )
        # three columns: hidden unit 1 and x1, hidden unit 2 and x2, the output and y; then the check
        order = ("w11[1]", "w11[2]", "x1", "w12[1]", "w12[2]", "x2", "w21[1]", "w21[2]", "y", "checked")
        self.checked = "w11[1]"
        controls = {name: sliders[name] for name in order}
        super().__init__(state, controls, figsize=(9.0, 3.6), scale=scale, theme=theme, columns=3)

    def _build(self, view: FigureView) -> None:
        n = len(self.names)
        ticks = [_label(w) for w in self.names]
        with view.style():
            self.ax_blame, self.ax_h = view.figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.15, 1.2]})
            ax = self.ax_blame
            self.raw_bar = ax.bar([0], [0.0], color=view.colors["highlight"], width=0.7)[0]
            self.blame_bars = list(ax.bar(np.arange(1, n + 1), np.zeros(n), color=view.colors["sky"], width=0.7))
            ax.set_xticks(np.arange(n + 1), ["raw\nerror", *ticks])
            ax.axhline(0, color=view.colors["text"], lw=0.8)
            ax.set_title("raw error and blame for error")
            ax.tick_params(axis="x", labelsize=7.5 * view.scale)
            ax = self.ax_h
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlim(STEPS_H[0] / 3, STEPS_H[-1] * 3)
            ax.set_ylim(ERROR_FLOOR / 3, 30.0)
            ax.set_xticks(10.0 ** np.arange(-12, 1, 3))
            ax.set_yticks(10.0 ** np.arange(-16, 1, 4))
            ax.minorticks_off()
            unicode_log_labels(ax, "x")
            unicode_log_labels(ax, "y")
            ax.set_xlabel("step ε")
            no_axis_label(self.ax_blame.xaxis, self.ax_blame.yaxis, ax.yaxis)
            ax.set_title("|central difference − backprop|")
            (self.h_line,) = ax.plot([], [], "o-", color=COLORS["positive"], ms=3 * view.scale, label="error")
            (self.trunc_line,) = ax.plot([], [], "--", color=COLORS["negative"], label="∝ ε² (truncation)")
            (self.round_line,) = ax.plot([], [], ":", color=COLORS["accent"], label="∝ 1/ε (round-off)")
            (self.best,) = ax.plot(
                [], [], "D", color=view.colors["highlight"], ms=8 * view.scale, mec=view.colors["text"], label="best ε"
            )
            ax.legend(loc="upper center", fontsize=7.5 * view.scale, frameon=False)
            self.h_text = ax.text(0.03, 0.03, "", transform=ax.transAxes, ha="left", va="bottom")
            # fixed margins (fractions, so they hold at every scale): tight_layout costs a full draw
            view.figure.subplots_adjust(left=0.06, right=0.98, bottom=0.17, top=0.9, wspace=0.2)
        view.animate(
            self.raw_bar, *self.blame_bars, self.h_line, self.trunc_line, self.round_line, self.best, self.h_text
        )
        self._limits: float | None = None

    def _apply(self, changes: dict[str, object]) -> None:
        s: TwoLayerState = self.state
        new: dict[str, object] = {}
        for name, value in changes.items():
            if name == "checked":
                self.checked = str(check_choice(value, "checked", self.names))
            elif name in ("x1", "x2"):
                x = np.array(new.get("x", s.x), dtype=float)
                x[int(name[1]) - 1] = check_number(value, name, *X_RANGE)
                new["x"] = x
            elif name == "y":
                new["y"] = value
            else:
                w, k = name[:3], int(name[4])
                pair = np.array(new.get(w, getattr(s, w)), dtype=float)
                pair[k - 1] = check_number(value, name, *WEIGHT_RANGE)
                new[w] = pair
        if new:
            s.set(**new)

    def _draw(self) -> None:
        s: TwoLayerState = self.state
        blame = np.concatenate([s.blame[w] for w in WEIGHTS])
        self.raw_bar.set_height(s.raw)
        for bar, v in zip(self.blame_bars, blame, strict=True):
            bar.set_height(v)
        limit = _limit(np.append(blame, s.raw), self._limits)
        if limit != self._limits:
            self._limits = limit
            self.ax_blame.set_ylim(-limit, limit)
            self.view.invalidate(key=limit)
        self._h_errors = h, err = s.h_errors(self.checked)  # describe() reads them too
        shown = np.maximum(err, ERROR_FLOOR)
        self.h_line.set_data(h, shown)
        k = int(np.argmin(err))
        self.best.set_data([h[k]], [shown[k]])
        # guides through the error where each effect dominates: h = 0.1 (truncation), h = 1e-10 (round-off)
        big, small = np.searchsorted(h, 0.1), np.searchsorted(h, 1e-10)
        self.trunc_line.set_data(h, shown[big] * (h / h[big]) ** 2)
        self.round_line.set_data(h, shown[small] * h[small] / h)
        self.h_text.set_text(f"best ε ≈ {h[k]:.0e}, error {err[k]:.1e}")
        # the same text every time: sent and typeset once
        self.show_text(formulas=_FORMULAS, readout=_gradient_html(s))

    def describe(self) -> str:
        s: TwoLayerState = self.state
        h, err = self._h_errors
        k = int(np.argmin(err))
        w, j = self.checked[:3], int(self.checked[4]) - 1
        blame = ", ".join(f"{_label(n)} {fmt(s.blame[n[:3]][int(n[4]) - 1], 3)}" for n in self.names)
        return (
            f"Left: bars of the raw error I(y = 1) − p = {fmt(s.raw, 3)} and the blame for error of each weight: "
            f"{blame}. Right, on log-log axes: the error of the central difference for {_label(self.checked)} "
            f"against back-propagation's value {fmt(-s.backprop[w][j], 6)} (the gradient of J), for steps ε from 1e-12 "
            f"to 1: it falls as ε² while ε is large (truncation), rises as 1/ε while ε is tiny (round-off), and is "
            f"smallest, {err[k]:.1e}, at ε ≈ {h[k]:.0e}."
        )


_FORMULAS = (
    r"$h = [\sigma(w_{11}^\top x), \sigma(w_{12}^\top x)]$, $p(y = +1 \mid x) = \sigma(w_{21}^\top h)$, "
    r"$\mathrm{ll} = \log \sigma(y\, w_{21}^\top h)$<br>"
    r"$\nabla_{w_{21}} \mathrm{ll} = \underbrace{(I(y = 1) - \sigma(w_{21}^\top h))}_{\text{raw error}}"
    r"\; \underbrace{h}_{\text{blame}}$, &nbsp; "
    r"$\nabla_{w_{11}} \mathrm{ll} = (I(y = 1) - \sigma(w_{21}^\top h))\;"
    r"\underbrace{w_{21}[1]\, \sigma(w_{11}^\top x)(1 - \sigma(w_{11}^\top x))\, x}_{\text{blame}}$, "
    r"&nbsp; back-propagation minimises $J = -\mathrm{ll}$"
)
# the blame column in plain text (the readout is not typeset: it changes with every drag); w12's
# blame is shown as a number only: its formula is exercise 3's part 4, which the student derives
_BLAME_TEXT = {
    "w21": "h[{k}]",
    "w11": "w₂₁[1] σ(w₁₁ᵀx)(1 − σ(w₁₁ᵀx)) x[{k}]",
    "w12": "(exercise 3, part 4)",
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
    scale: float | None = None,
    theme: str | None = None,
) -> TwoLayerGradient:
    r"""Lecture 3's p(y given x) = sigma(w_21^T [sigma(w_11^T x), sigma(w_12^T x)]) with its gradient.

    Sliders for the six weights (pairs w11, w12, w21 in [-3, 3]) and the example (x1, x2 and
    y in {-1, +1}). For each weight, grad ll = (I(y = 1) - sigma(w_21^T h)) * blame, the "raw
    error" times the "blame for error" (h for w_21, w_21[1] sigma(w_11^T x)(1 - sigma(w_11^T x)) x
    for w_11), is shown beside back-propagation's -grad J (J = -ll) and a central finite
    difference; the right panel plots the central difference's error against its step epsilon for the
    "checked" weight. Defaults: ``bp.datasets.lecture000_network()`` and the first example of
    ``lecture000_data()``. Change it with ``app.set(**{"w11[1]": 0.5, "x1": 1.0, "checked": "w21[2]"})``;
    controls "w11[1]", "w11[2]", "w12[1]", "w12[2]", "w21[1]", "w21[2]", "x1", "x2", "y", "checked".
    """
    return TwoLayerGradient(TwoLayerState(w11, w12, w21, x, y), scale=scale, theme=theme)
