r"""Vanishing and exploding gradients at initialisation (lecture 001's remark on phi'; lecture 004).

Lecture 001 writes one layer's share of the chain rule as
d x^{(l+1)} / d x^{(l)} = phi'(z^{(l+1)}) W^{(l+1)}: going back through a layer multiplies the
signal by phi' and by W. In lecture 000's recipe that is delta_i = (W_{i+1}^T delta_{i+1}) ⊙ s'(z_i),
so delta_1 carries the product of every layer's s'(z) and W:

| shown | meaning | code |
|---|---|---|
| ||grad W_i J|| per layer, log scale | the gradient of layer i, i = 1..m | ``state.norms[i]`` |
| mean |s'(z_i)| per layer | the derivative factor of layer i | ``state.factors[i]`` |
| prod_{k=i}^{m-1} mean |s'(z_k)| | the factors delta_i has collected from the output back | ``state.products[i]`` |
| ||grad W_1|| / ||grad W_m|| | < 1/100: the gradients vanish; > 100: they explode | ``state.ratio`` |

|phi'| small (the sigmoid's is at most 1/4) -> the early layers' gradients vanish; |phi'| W large
-> they explode. The network is ``MLP([width] * depth + [1])`` with hidden activation phi and a
linear output (so that only the hidden layers contribute factors), half squared error, drawn by
``init`` with ``init_scale`` from ``seed``; the batch is 32 inputs x ~ N(0, I) and targets
y ~ U(0, 1) drawn from ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from bpteach.activations import ACTIVATIONS, get_activation
from bpteach.init import INIT_SCHEMES, default_scale
from bpteach.matrix import MLP, MatrixRecord
from bpteach.widgets._app import App, check_names, wrap
from bpteach.widgets._base import COLORS, FigureView
from bpteach.widgets._limits import no_axis_label, unicode_log_labels, window_limits
from bpteach.widgets._onepath import OnePath
from bpteach.widgets._pathtext import PathTexts

__all__ = ["MAX_DEPTH", "MAX_WIDTH", "VanishingGradients", "VanishingState", "vanishing_gradients"]

MAX_DEPTH = 30
MAX_WIDTH = 64
N_EXAMPLES = 32
VANISH, EXPLODE = 1e-2, 1e2  # ratios ||grad W_1|| / ||grad W_m|| that the verdict calls so


def _int_in(value: object, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        msg = f"{name} must be an int from {low} to {high}, got {value!r}"
        raise ValueError(msg)
    return int(value)


class VanishingState:
    """The network at initialisation, its record on one batch, and per layer the gradient norms and factors."""

    def __init__(
        self,
        depth: int = 10,
        width: int = 8,
        activation: str = "sigmoid",
        init: str = "normal",
        init_scale: float | None = None,
        seed: int = 0,
    ) -> None:
        self.depth = _int_in(depth, "depth (the number of layers m)", 2, MAX_DEPTH)
        self.width = _int_in(width, "width (neurons per hidden layer)", 1, MAX_WIDTH)
        self.activation = get_activation(activation, "activation").name
        if init not in INIT_SCHEMES:
            msg = f"init must be one of {', '.join(map(repr, INIT_SCHEMES))}, got {init!r}"
            raise ValueError(msg)
        self.init = init
        if init_scale is None:
            init_scale = default_scale(init)
        if (
            isinstance(init_scale, bool)
            or not isinstance(init_scale, (int, float))
            or not np.isfinite(init_scale)
            or init_scale <= 0
        ):
            msg = f"init_scale must be a number > 0 (the spread of the initial weights), got {init_scale!r}"
            raise ValueError(msg)
        self.init_scale = float(init_scale)
        self.seed = _int_in(seed, "seed", 0, 2**31 - 1)
        self._compute()

    def set(self, **settings: object) -> None:
        """Change some of depth, width, activation, init, init_scale, seed (checked), then recompute."""
        check_names(settings, ("depth", "width", "activation", "init", "init_scale", "seed"), "VanishingState.set")
        current = {
            "depth": self.depth,
            "width": self.width,
            "activation": self.activation,
            "init": self.init,
            "init_scale": self.init_scale,
            "seed": self.seed,
        }
        self.__init__(**{**current, **settings})  # type: ignore[misc]

    def _compute(self) -> None:
        rng = np.random.default_rng(self.seed)
        self.X = rng.standard_normal((self.width, N_EXAMPLES))
        self.Y = rng.uniform(0.0, 1.0, size=(1, N_EXAMPLES))
        self.mlp = MLP(
            [self.width] * self.depth + [1],
            activation=self.activation,
            output_activation="identity",
            loss="half_squared_error",
            seed=self.seed,
            init=self.init,
            scale=self.init_scale,
        )
        with np.errstate(all="ignore"):  # an exploding network may overflow: the verdict says so
            self.record: MatrixRecord = self.mlp.backpropagate(self.X, self.Y)
        m = self.depth
        self.norms = {i: float(np.linalg.norm(self.record.grad_W[i])) for i in range(1, m + 1)}
        g = self.mlp.g
        self.factors = {i: float(np.mean(np.abs(g.derivative(self.record.z[i])))) for i in range(1, m)}
        self.factors[m] = 1.0  # the linear output: phi_out' = 1
        self.products = {i: float(np.prod([self.factors[k] for k in range(i, m + 1)])) for i in range(1, m + 1)}

    @property
    def ratio(self) -> float:
        """||grad W_1|| / ||grad W_m||: how much smaller the first layer's gradient is than the last's."""
        last = self.norms[self.depth]
        return self.norms[1] / last if last > 0 else float("nan")

    @property
    def verdict(self) -> str:
        r = self.ratio
        if not np.isfinite(r):
            return "no gradient reaches the output layer (every unit is saturated or dead)"
        if r < VANISH:
            return "the gradients vanish towards the input: the first layers hardly learn"
        if r > EXPLODE:
            return "the gradients explode towards the input: steps there are far too large"
        return "the gradients keep their size from layer to layer"


def _sci(v: float) -> str:
    """v in LaTeX, 3.2 \\times 10^{-6}."""
    if not np.isfinite(v):
        return r"\mathrm{undefined}"
    if v == 0:
        return "0"
    mantissa, exponent = f"{v:.2e}".split("e")
    e = int(exponent)
    return mantissa if e == 0 else rf"{mantissa} \times 10^{{{e}}}"


class VanishingGradients(App):
    """The view: depth, width, activation, init and its scale, seed; the log-scale plot; the remark."""

    def __init__(self, state: VanishingState, scale: float | None = None, theme: str | None = None) -> None:
        controls = {
            "depth": widgets.IntSlider(value=state.depth, min=2, max=MAX_DEPTH, description="depth m"),
            "width": widgets.IntSlider(value=state.width, min=1, max=MAX_WIDTH, description="width"),
            "activation": widgets.Dropdown(options=list(ACTIVATIONS), value=state.activation, description="activation"),
            "init": widgets.Dropdown(options=list(INIT_SCHEMES), value=state.init, description="init"),
            "init_scale": widgets.FloatSlider(
                value=state.init_scale, min=0.05, max=5.0, step=0.05, description="init scale"
            ),
            "seed": widgets.BoundedIntText(
                value=state.seed, min=0, max=2**31 - 1, description="seed", layout=widgets.Layout(width="180px")
            ),
        }
        c = controls
        panel = widgets.VBox(
            [
                widgets.HBox([c["depth"], c["width"], c["seed"]], layout=wrap()),
                widgets.HBox([c["activation"], c["init"], c["init_scale"]], layout=wrap()),
            ]
        )
        super().__init__(state, controls, figsize=(7.5, 4.0), scale=scale, theme=theme, panel=panel)

    def _build(self, view: FigureView) -> None:
        fig = view.figure
        c = view.colors
        with view.style():
            # x runs over [0, 1] whatever the depth: a new depth moves artists, not the axes, so the
            # cached background (axes, log ticks, legend) stays valid and only the data are redrawn
            ax = self.ax = fig.add_axes((0.1, 0.1, 0.87, 0.66))
            ax.set_yscale("log")
            unicode_log_labels(ax)
            ax.set_xlim(0.0, 1.0)
            ax.set_xticks([])
            self.bars = ax.bar(
                np.zeros(MAX_DEPTH),
                np.ones(MAX_DEPTH),
                color=COLORS["positive"],
                width=0.02,
                label=r"$\|\nabla_{W_i} J\|$",
                bottom=1e-300,
            )
            (self.product_line,) = ax.plot(
                [],
                [],
                "o-",
                color=COLORS["negative"],
                ms=4 * view.scale,
                label=r"$\prod_{k \geq i}$ mean $|s'(z_k)|$",
            )
            (self.factor_line,) = ax.plot(
                [], [], "s", color=COLORS["accent"], ms=4 * view.scale, label=r"mean $|s'(z_i)|$ of layer $i$"
            )
            ax.axhline(0.25, color=c["text"], ls=":", lw=0.8 * view.scale)
            ax.axhline(1.0, color=c["grid"], ls="-", lw=1.0 * view.scale)
            ax.set_xlabel("layer $i$ (1 = first, next to the input)", labelpad=14 * view.scale)
            legend = ax.legend(
                loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=3, frameon=False, fontsize=8.5 * view.scale
            )
            self.title = fig.text(0.5, 0.97, "", ha="center", va="top", fontsize=11 * view.scale, color=c["text"])
            self.layer_labels = PathTexts(
                ax, np.zeros((MAX_DEPTH, 2)), 8 * view.scale, c["text"], va="top", offset=(0, -4 * view.scale)
            )
            self.layer_labels.collection.set_clip_on(False)  # under the axes
            no_axis_label(ax.yaxis)
        # the bars in one draw call (_onepath.py): 30 Rectangles drawn one by one cost 4-5 ms a frame
        view.animate(OnePath(self.bars), self.product_line, self.factor_line, self.title, self.layer_labels.collection)
        view.still(legend)  # its mathtext is 40% of a full draw, needed at every new window of decades
        self._ylim: tuple[float, float] | None = None

    def _draw(self) -> None:
        state: VanishingState = self.state
        m = state.depth
        norms = np.array([state.norms[i] for i in range(1, m + 1)])
        products = np.array([state.products[i] for i in range(1, m + 1)])
        factors = np.array([state.factors[i] for i in range(1, m)])
        shown = np.concatenate([norms, products, factors, [0.25, 1.0]])
        shown = shown[np.isfinite(shown) & (shown > 0)]
        lo, hi = window_limits(np.log10(shown.min()), np.log10(shown.max()), step=12)
        floor = 10.0**lo
        x = (np.arange(1, m + 1) - 0.5) / m
        for k, bar in enumerate(self.bars):
            bar.set_visible(k < m)
            if k < m:
                v = norms[k]
                bar.set_x(x[k] - 0.35 / m)
                bar.set_width(0.7 / m)
                bar.set_y(floor)
                bar.set_height(max(v, floor) - floor if np.isfinite(v) else 0.0)
        self.product_line.set_data(x, products)
        self.factor_line.set_data(x[:-1], factors)
        every = 1 if m <= 15 else 2
        self.layer_labels.set_positions(np.column_stack([np.resize(x, MAX_DEPTH), np.full(MAX_DEPTH, floor)]))
        # counted from layer m, which is always labelled, so that the last two labels never collide
        self.layer_labels.set_texts(
            [str(k + 1) if k < m and (m - 1 - k) % every == 0 else "" for k in range(MAX_DEPTH)]
        )
        if (lo, hi) != self._ylim:
            self._ylim = (lo, hi)
            self.ax.set_ylim(floor, 10.0**hi)
            # the background (axes, log ticks, legend) depends on the window alone: one kept per window
            self.view.invalidate(key=(lo, hi))
        self.title.set_text(
            f"{state.activation}, {state.init} init (scale {state.init_scale:g}), {m} layers of width {state.width}"
        )
        self.show_text(
            formulas=(
                f"$\\|\\nabla_{{W_1}} J\\| \\,/\\, \\|\\nabla_{{W_{{{m}}}}} J\\| = {_sci(state.ratio)}$: "
                f"<b>{state.verdict}</b>.<br>"
                f"Product of the derivative factors from the output back to layer 1: "
                f"$\\prod_{{k=1}}^{{{m}}} \\mathrm{{mean}}\\,|s'(z_k)| = {_sci(state.products[1])}$.<br>"
                "Lecture 001: $\\partial x^{(l+1)} / \\partial x^{(l)} = \\phi'(z^{(l+1)})\\, W^{(l+1)}$, so every "
                "layer multiplies the backward signal by $\\phi'$ (and by $W$): $|\\phi'|$ small (the sigmoid's is at "
                "most 1/4, the dotted line) makes the gradients vanish, $|\\phi'|\\,\\|W\\|$ large makes them explode."
            )
        )

    def describe(self) -> str:
        s: VanishingState = self.state
        m = s.depth
        return (
            f"Log-scale plot for {s.activation} with {s.init} initialisation (scale {s.init_scale:g}), {m} layers of "
            f"width {s.width}: bars are the gradient norms of layers 1 to {m}, from {s.norms[1]:.2g} at layer 1 to "
            f"{s.norms[m]:.2g} at layer {m}, a ratio of {s.ratio:.2g}; {s.verdict}. The vermillion line is the "
            f"product of the mean derivative factors from the output back to each layer, {s.products[1]:.2g} at "
            f"layer 1."
        )


def vanishing_gradients(
    depth: int = 10,
    width: int = 8,
    activation: str = "sigmoid",
    init: str = "normal",
    init_scale: float | None = None,
    seed: int = 0,
    scale: float | None = None,
    theme: str | None = None,
) -> VanishingGradients:
    r"""Per-layer gradient norms ||grad W_i J|| at initialisation, on a log scale (lectures 001, 004).

    delta_i = (W_{i+1}^T delta_{i+1}) ⊙ s'(z_i) multiplies in one factor s'(z_i) per layer, so with
    the sigmoid (s' <= 1/4) the first layer's gradient is orders of magnitude smaller than the
    last's; relu with He initialisation keeps it. Change it with ``app.set(depth=..., width=...,
    activation=..., init=..., init_scale=..., seed=...)``; ``app.state`` is the ``VanishingState``.
    """
    state = VanishingState(depth, width, activation, init, init_scale, seed)
    return VanishingGradients(state, scale=scale, theme=theme)
