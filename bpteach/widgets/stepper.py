r"""BACKPROPAGATE one step at a time on a drawn network (lecture 002).

The replay walks ``bp.steps(record)`` in the procedure's order:

| phase | lecture 002 | shown |
|---|---|---|
| input | a_j <- x_j | the input neuron ringed, a_j written above it |
| in, a | in_j = sum_i w_ij a_i, a_j = g(in_j) | neuron j ringed, in_j and a_j above it |
| delta | Delta_j = g'(in_j) (-2 (y - a_j)) at an output, g'(in_j) sum_j' w_jj' Delta_j' inside | Delta_j below it |
| grad | dJ/dw_ij = Delta_j a_i | the arc (i, j) thickened |

``StepperState`` holds the numbers (the network, x, y, the record and the step index);
``backprop_stepper`` is the view: the diagram, the buttons and the readouts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

import ipywidgets as widgets
import numpy as np

from bpteach import datasets
from bpteach._checks import as_float_array
from bpteach.graph import Network, NodeRecord
from bpteach.steps import Step, steps
from bpteach.widgets._base import FigureView
from bpteach.widgets._netdraw import NetDrawing
from bpteach.widgets._stepbar import StepBar

__all__ = ["BackpropStepper", "StepperState", "backprop_stepper"]

_PHASE = {
    "input": "forward: an input neuron takes its value",
    "in": "forward: total input of a neuron",
    "a": "forward: activation of a neuron",
    "delta": "backward: error signal of a neuron",
    "grad": "gradient of one weight",
}


def _arc_label(arc: tuple) -> str:
    return f"w_{arc[0]},{arc[1]}"


class StepperState:
    """The network, one example (x, y), its BACKPROPAGATE record and how far the replay has got.

    ``index`` counts the steps done: 0 is before the first step, ``len(steps)`` after the last;
    the current step is ``steps[index - 1]``. The network is copied, so editing a weight here leaves
    the caller's network alone.
    """

    def __init__(self, network: Network, x: object, y: object) -> None:
        if not isinstance(network, Network):
            msg = (
                f"network must be a bpteach Network (e.g. bp.datasets.lecture002_network()), "
                f"got {type(network).__name__}"
            )
            raise TypeError(msg)
        self.network = network.copy()
        self.index = 0
        self.x, self.y = self._checked(x, y)
        self.record: NodeRecord = self.network.backpropagate(self.x, self.y)
        self.steps: list[Step] = steps(self.record)

    def _checked(self, x: object, y: object) -> tuple[np.ndarray, np.ndarray]:
        n_in, n_out = len(self.network.inputs), len(self.network.outputs)
        x_ = np.atleast_1d(as_float_array(x, "x"))
        y_ = np.atleast_1d(as_float_array(y, "y"))
        if x_.shape != (n_in,):
            msg = f"x must be one example with {n_in} value(s), one per input neuron, got shape {np.shape(x)}"
            raise ValueError(msg)
        if y_.shape != (n_out,):
            msg = f"y must be one target with {n_out} value(s), one per output neuron, got shape {np.shape(y)}"
            raise ValueError(msg)
        return x_.copy(), y_.copy()

    # ------------------------------------------------------------------ replay
    @property
    def current(self) -> Step | None:
        """The step just taken, or None before the first."""
        return self.steps[self.index - 1] if self.index > 0 else None

    def go(self, index: int) -> None:
        """Jump to ``index`` steps done (0 .. len(steps))."""
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index <= len(self.steps):
            msg = f"index must be an int between 0 and {len(self.steps)} (the number of steps), got {index!r}"
            raise ValueError(msg)
        self.index = int(index)

    def forward(self) -> None:
        self.go(min(self.index + 1, len(self.steps)))

    def back(self) -> None:
        self.go(max(self.index - 1, 0))

    def known(self) -> dict[str, dict]:
        """What the replay has computed so far: {"in": {j: in_j}, "a": {...}, "delta": {...}, "grad": {arc: ...}}."""
        out: dict[str, dict] = {"in": {}, "a": {}, "delta": {}, "grad": {}}
        for step in self.steps[: self.index]:
            out["a" if step.phase == "input" else step.phase][step.target] = step.value
        return out

    # ------------------------------------------------------------------ edits
    def _recompute(self) -> None:
        # the steps' number and order depend on the graph alone, so the index stays meaningful
        self.record = self.network.backpropagate(self.x, self.y)
        self.steps = steps(self.record)

    def set_x(self, x: object) -> None:
        self.x, _ = self._checked(x, self.y)
        self._recompute()

    def set_y(self, y: object) -> None:
        _, self.y = self._checked(self.x, y)
        self._recompute()

    def set_weight(self, arc: tuple, value: float) -> None:
        """w_ij <- value for arc = (i, j), then BACKPROPAGATE again."""
        if arc not in self.network.edges:
            msg = f"arc must be one of the network's arcs (i, j), got {arc!r}"
            raise ValueError(msg)
        self.network.set_weight(arc[0], arc[1], value)
        self._recompute()


def _drawn_target(target: object) -> object:
    """A bias gradient ("bias", j) is drawn on neuron j, its constant-1 unit having no circle."""
    if isinstance(target, tuple) and len(target) == 2 and target[0] == "bias":
        return target[1]
    return target


def _num(v: float) -> str:
    return f"{v:.4g}"


class BackpropStepper(widgets.VBox):
    """The view: buttons, Play and a step slider; the diagram; the formula and its numbers."""

    def __init__(self, state: StepperState, scale: float = 1.0, theme: str = "light") -> None:
        self.state = state
        net = state.network
        pos = net.layout()
        columns = len({round(p[0], 6) for p in pos.values()})
        rows = max(sum(1 for q in pos.values() if round(q[0], 6) == round(p[0], 6)) for p in pos.values())
        # a crowded column gets its numbers on one line to the right of each neuron: wider columns
        per_column = 1.6 if rows <= 6 else 2.9
        self.view = FigureView(
            figsize=(min(2.0 + per_column * columns, 14.0), min(2.2 + 0.75 * rows, 7.0)), scale=scale, theme=theme
        )
        fig = self.view.figure
        with self.view.style():
            ax = fig.add_axes((0.02, 0.02, 0.96, 0.96))
            self.drawing = NetDrawing(ax, pos, net.arcs, net.inputs, net.outputs, self.view.colors, self.view.scale)
        self.bar = StepBar(len(state.steps), state.index)
        xs = [
            widgets.FloatText(value=float(v), description=f"x_{r + 1}", layout=widgets.Layout(width="150px"))
            for r, v in enumerate(state.x)
        ]
        ys = [
            widgets.FloatText(
                value=float(v),
                description="y" if len(state.y) == 1 else f"y_{r + 1}",
                layout=widgets.Layout(width="150px"),
            )
            for r, v in enumerate(state.y)
        ]
        arc = widgets.Dropdown(
            options=[(_arc_label(a), a) for a in net.arcs], description="arc", layout=widgets.Layout(width="180px")
        )
        weight = widgets.FloatText(
            value=net.weight(*net.arcs[0]), step=0.05, description="w", layout=widgets.Layout(width="150px")
        )
        self.controls = {**self.bar.controls, "x": xs, "y": ys, "arc": arc, "weight": weight}
        self.formula = widgets.HTMLMath()
        self.substituted = widgets.HTMLMath()
        self._pending: asyncio.TimerHandle | None = None
        self.message = widgets.HTML()

        self.bar.slider.observe(self._on_step, names="value")
        for box in xs:
            box.observe(self._on_x, names="value")
        for box in ys:
            box.observe(self._on_y, names="value")
        arc.observe(self._on_arc, names="value")
        weight.observe(self._on_weight, names="value")

        super().__init__(
            [
                self.bar.widget,
                self.view.image,
                self.formula,
                self.substituted,
                widgets.HBox([*xs, *ys, arc, weight]),
                self.message,
            ]
        )
        self.redraw()

    # ------------------------------------------------------------------ controls -> state
    def _on_step(self, change: dict) -> None:
        self.state.go(change["new"])
        self.redraw()

    def _edit(self, apply: Callable[[], None]) -> None:
        try:
            apply()
        except ValueError as exc:
            self.message.value = f"<span style='color:#D55E00'>{exc}</span>"
            return
        self.message.value = ""
        self.redraw()

    def _on_x(self, _: dict) -> None:
        self._edit(lambda: self.state.set_x([b.value for b in self.controls["x"]]))

    def _on_y(self, _: dict) -> None:
        self._edit(lambda: self.state.set_y([b.value for b in self.controls["y"]]))

    def _on_arc(self, change: dict) -> None:
        box = self.controls["weight"]
        box.unobserve(self._on_weight, names="value")
        box.value = self.state.network.weight(*change["new"])
        box.observe(self._on_weight, names="value")

    def _on_weight(self, change: dict) -> None:
        self._edit(lambda: self.state.set_weight(self.controls["arc"].value, change["new"]))

    # ------------------------------------------------------------------ state -> artists
    def redraw(self) -> None:
        state = self.state
        known = state.known()
        above = {}
        for j in state.network.order:
            parts = []
            if j in known["in"]:
                parts.append(f"$\\mathrm{{in}}_{{{j}}}$={_num(known['in'][j])}")
            if j in known["a"]:
                parts.append(f"$a_{{{j}}}$={_num(known['a'][j])}")
            if parts:
                above[j] = "\n".join(parts)
        below = {j: f"$\\Delta_{{{j}}}$={_num(v)}" for j, v in known["delta"].items()}
        self.drawing.set_weights(state.network.w)
        self.drawing.set_notes(above, below)
        step = state.current
        self.drawing.highlight(None if step is None else _drawn_target(step.target))
        # the PNG goes out first and the formulas a frame later: MathJax typesetting (the slow part
        # of a step in the browser) then runs after the new figure is on screen
        self.view.render()
        n = len(state.steps)
        if step is None:
            texts = (f"<b>step 0 of {n}</b>: press &gt; or play to run BACKPROPAGATE", "")
        else:
            texts = (
                f"<b>step {state.index} of {n}</b> ({_PHASE[step.phase]}): ${step.symbol} = {step.formula}$",
                f"${step.symbol} = {step.substituted} = {step.value:.6g}$",
            )
        self._show_formulas(texts)

    def _show_formulas(self, texts: tuple[str, str]) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a script or a test): show them at once
            loop = None
        if loop is None:
            self.formula.value, self.substituted.value = texts
            return

        def show() -> None:
            self._pending = None
            self.formula.value, self.substituted.value = texts

        self._pending = loop.call_later(0.02, show)


def backprop_stepper(
    network: Network | None = None,
    x: Sequence[float] | np.ndarray | None = None,
    y: Sequence[float] | np.ndarray | float | None = None,
    scale: float = 1.0,
    theme: str = "light",
) -> BackpropStepper:
    r"""Replay lecture 002's BACKPROPAGATE on ``network`` for one example (x, y), step by step.

    Forward: a_j <- x_j, in_j = \sum_i w_ij a_i, a_j = g(in_j); backward: Delta_j = g'(in_j) l'(a_j)
    at an output, Delta_j = g'(in_j) \sum_{j'} w_{j,j'} Delta_{j'} inside; then dJ/dw_ij = Delta_j a_i.
    Without arguments it shows lecture 002's 7-neuron network and example. Returns the widget;
    ``app.state`` is the ``StepperState``, ``app.controls`` the buttons, Play, step slider, x and y
    boxes, arc dropdown and weight box, ``app.view`` the ``FigureView``.
    """
    if network is None:
        network = datasets.lecture002_network()
        if x is None and y is None:
            x, y = datasets.lecture002_example()
    if x is None or y is None:
        msg = "x and y must both be given (one example and its target), got " + ("x=None" if x is None else "y=None")
        raise ValueError(msg)
    state = StepperState(network, x, y)
    return BackpropStepper(state, scale=scale, theme=theme)
