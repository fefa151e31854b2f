r"""BACKPROPAGATE one step at a time on a drawn network (lecture 002).

The replay walks ``bp.steps(record)`` in the procedure's order:

| phase | lecture 002 | shown |
|---|---|---|
| input | a_j <- x_j | the input neuron ringed, a_j written above it |
| in, a | in_j = sum_i w_ij a_i, a_j = g(in_j) | neuron j ringed, in_j and a_j above it |
| delta | Delta_j = g'(in_j) (-2 (y - a_j)) at an output, g'(in_j) sum_j' w_jj' Delta_j' inside | Delta_j below it |
| grad | dJ/dw_ij = Delta_j a_i | the arc (i, j) thickened |

Every arc carries its weight w_ij on a label placed on it. At the backward step of a hidden neuron
j, the arcs (j, j') that carry Delta_j' back light up one after another, each labelled with its
product w_jj' Delta_j', and the partial sum grows under j until Delta_j = g'(in_j) sum_j' w_jj'
Delta_j' is written (at once when no event loop runs, e.g. in a script or a test).

``StepperState`` holds the numbers (the network, x, y, the record and the step index);
``BackpropStepper`` is the view: the diagram, the buttons and the readouts.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np

from bpteach import datasets
from bpteach._checks import as_float_array
from bpteach.graph import Network, NodeRecord
from bpteach.steps import Step, Term, steps
from bpteach.widgets._app import SUBSCRIPTS, App, wrap
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


TERM_SECONDS = 0.7  # how long each term w_jj' Delta_j' of a backward step stays the newest


def _arc_label(arc: tuple) -> str:
    return f"w{str(arc[0]).translate(SUBSCRIPTS)},{str(arc[1]).translate(SUBSCRIPTS)}"


class StepperState:
    """The network, one example (x, y), its BACKPROPAGATE record and how far the replay has got.

    ``index`` counts the steps done: 0 is before the first step, ``len(steps)`` after the last;
    the current step is ``steps[index - 1]``. The network is copied, so editing a weight here leaves
    the caller's network alone. ``set(index=..., x=..., y=..., weights={(i, j): w_ij})`` changes it.
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
        self._recompute()

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

    def set(
        self,
        index: int | None = None,
        x: object = None,
        y: object = None,
        weights: dict[tuple, float] | None = None,
    ) -> None:
        """Jump to ``index`` steps done (0 .. len(steps)); new x, y or weights {(i, j): w_ij} run
        BACKPROPAGATE again (the steps' number and order depend on the graph alone, so ``index`` keeps
        its meaning). Everything is checked before anything changes."""
        if index is not None and (
            isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index <= len(self.steps)
        ):
            msg = f"index must be an int between 0 and {len(self.steps)} (the number of steps), got {index!r}"
            raise ValueError(msg)
        new_x, new_y = self._checked(self.x if x is None else x, self.y if y is None else y)
        for arc, value in (weights or {}).items():
            if arc not in self.network.edges:
                msg = f"weights must name arcs (i, j) of the network, got {arc!r}"
                raise ValueError(msg)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
                msg = f"the weight of arc {arc!r} must be a finite number, got {value!r}"
                raise ValueError(msg)
        if index is not None:
            self.index = int(index)
        if x is not None or y is not None or weights:
            self.x, self.y = new_x, new_y
            for (i, j), value in (weights or {}).items():
                self.network.set_weight(i, j, float(value))
            self._recompute()

    def _recompute(self) -> None:
        self.record: NodeRecord = self.network.backpropagate(self.x, self.y)
        self.steps: list[Step] = steps(self.record)

    # ------------------------------------------------------------------ replay
    @property
    def current(self) -> Step | None:
        """The step just taken, or None before the first."""
        return self.steps[self.index - 1] if self.index > 0 else None

    def known(self) -> dict[str, dict]:
        """What the replay has computed so far: {"in": {j: in_j}, "a": {...}, "delta": {...}, "grad": {arc: ...}}."""
        out: dict[str, dict] = {"in": {}, "a": {}, "delta": {}, "grad": {}}
        for step in self.steps[: self.index]:
            out["a" if step.phase == "input" else step.phase][step.target] = step.value
        return out

    def terms(self) -> list[Term]:
        """The current step's sum, when it is the backward step of a hidden neuron j: one
        Term((j, j'), w_jj', Delta_j', w_jj' Delta_j') per arc out of j (``Step.terms``); else []."""
        step = self.current
        if step is None or step.phase != "delta":
            return []
        return list(step.terms)


def _drawn_target(target: object) -> object:
    """A bias gradient ("bias", j) is drawn on neuron j, its constant-1 unit having no circle."""
    if isinstance(target, tuple) and len(target) == 2 and target[0] == "bias":
        return target[1]
    return target


def _num(v: float) -> str:
    return f"{v:.4g}".replace("-", "−")


class BackpropStepper(App):
    """The view: buttons, Play and a step slider, x, y and weight boxes; the diagram; the step's formula."""

    def __init__(self, state: StepperState, scale: float | None = None, theme: str | None = None) -> None:
        net = state.network
        pos = net.layout()
        columns = len({round(p[0], 6) for p in pos.values()})
        rows = max(sum(1 for q in pos.values() if round(q[0], 6) == round(p[0], 6)) for p in pos.values())
        # a crowded column gets its numbers on one line to the right of each neuron: wider columns
        per_column = 2.0 if rows <= 6 else 2.9
        figsize = (min(1.6 + per_column * columns, 14.0), min(2.4 + 1.0 * rows, 7.5))
        self.bar = StepBar(len(state.steps), state.index)
        xs = [
            widgets.FloatText(value=float(v), description=f"x{r + 1}".translate(SUBSCRIPTS), layout=_box())
            for r, v in enumerate(state.x)
        ]
        ys = [
            widgets.FloatText(
                value=float(v),
                description="y" if len(state.y) == 1 else f"y{r + 1}".translate(SUBSCRIPTS),
                layout=_box(),
            )
            for r, v in enumerate(state.y)
        ]
        arc = widgets.Dropdown(
            options=[(_arc_label(a), a) for a in net.arcs], description="arc", layout=widgets.Layout(width="180px")
        )
        weight = widgets.FloatText(value=net.weight(*net.arcs[0]), step=0.05, description="weight", layout=_box())
        controls = {**self.bar.controls, "x": xs, "y": ys, "arc": arc, "weight": weight}
        panel = widgets.VBox([self.bar.widget, widgets.HBox([*xs, *ys, arc, weight], layout=wrap())])
        self.arc = net.arcs[0]
        self.terms_shown = 0  # how many terms of the current backward sum are lit
        super().__init__(state, controls, figsize=figsize, scale=scale, theme=theme, panel=panel)

    def _build(self, view: FigureView) -> None:
        net = self.state.network
        with view.style():
            ax = view.figure.add_axes((0.01, 0.01, 0.98, 0.98))
            self.drawing = NetDrawing(
                ax, net.layout(), net.arcs, net.inputs, net.outputs, view.colors, view.scale, arc_labels=True
            )
        d = self.drawing
        # the arcs are the background, kept per set of weights; over them, in this order, what a step
        # lights up and what must stay on top of it (a lit arc under the neurons and the labels)
        texts = [d.labels, d.arc_labels, d.above, d.below, d.term_labels]
        collections = [c for t in texts if t is not None for c in (t.halo, t.collection) if c is not None]
        view.animate(d.term_lines, d.arc_ring, d.nodes, d.node_ring, *collections)
        self._drawn_weights: tuple | None = None

    # ------------------------------------------------------------------ controls -> state
    def _apply(self, changes: dict[str, object]) -> None:
        state: StepperState = self.state
        arc = changes.get("arc", self.arc)
        if arc not in state.network.edges:
            msg = f"arc must be one of the network's arcs (i, j), got {arc!r}"
            raise ValueError(msg)
        weights = {arc: changes["weight"]} if "weight" in changes else None
        state.set(index=changes.get("step"), x=changes.get("x"), y=changes.get("y"), weights=weights)  # type: ignore[arg-type]
        if "arc" in changes:
            self.arc = arc
            self._show_controls({"weight": state.network.weight(*arc)})
        if "step" in changes:
            self._start_terms()

    def _start_terms(self) -> None:
        """Light the terms of a backward sum one after another (all at once without an event loop)."""
        n = len(self.state.terms())
        self.terms_shown = 1 if n else 0

        def next_term() -> None:
            self.terms_shown += 1
            self.refresh()
            if self.terms_shown < n:
                self._later("terms", TERM_SECONDS, next_term)

        if n > 1:
            self._later("terms", TERM_SECONDS, next_term)
        self.terms_shown = n if self.terms_shown > n else self.terms_shown

    # ------------------------------------------------------------------ state -> artists
    def _draw(self) -> None:
        state: StepperState = self.state
        known = state.known()
        terms = state.terms()[: self.terms_shown]
        step = state.current
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
        every = len(state.terms())
        if terms and len(terms) < every:  # the sum is still being formed: its partial value, not Delta_j
            below[step.target] = f"Σ={_num(sum(t[3] for t in terms))} ({len(terms)} of {every})"  # type: ignore[union-attr]
        weights = tuple(state.network.w)
        if weights != self._drawn_weights:  # a new background: arcs restyled, labels rewritten
            self._drawn_weights = weights
            self.drawing.set_weights(state.network.w)
            self.drawing.set_arc_labels([_num(w) for w in state.network.w])
            self.view.invalidate(key=weights)
        self.drawing.set_terms({arc: f"w·$\\Delta_{{{arc[1]}}}$={_num(p)}" for arc, _, _, p in terms})
        self.drawing.set_notes(above, below)
        self.drawing.highlight(None if step is None else _drawn_target(step.target))
        n = len(state.steps)
        if step is None:
            self.show_text(formulas=f"<b>step 0 of {n}</b>: press &gt; or play to run BACKPROPAGATE", readout="")
        else:
            self.show_text(
                formulas=(
                    f"<b>step {state.index} of {n}</b> ({_PHASE[step.phase]}): ${step.symbol} = {step.formula}$"
                    f"<br>${step.symbol} = {step.substituted} = {step.value:.6g}$"
                ),
                readout=" ".join(t for t in (str(step), _plain_terms(terms, every)) if t),
            )

    def describe(self) -> str:
        state: StepperState = self.state
        net = state.network
        step = state.current
        weights = ", ".join(f"{_arc_label(a)} = {w:.3g}" for a, w in zip(net.arcs, net.w, strict=True))
        head = (
            f"A network of {len(net.order)} neurons ({len(net.inputs)} inputs, {len(net.outputs)} output) "
            f"with each arc labelled by its weight: {weights}."
        )
        if step is None:
            return f"{head} Step 0 of {len(state.steps)}: nothing computed yet."
        where = f"neuron {_drawn_target(step.target)}" if step.phase != "grad" else f"arc {step.target}"
        text = (
            f"{head} Step {state.index} of {len(state.steps)}, {_PHASE[step.phase]}: {where} is highlighted, "
            f"its value {step.value:.4g}."
        )
        terms = state.terms()[: self.terms_shown]
        if terms:
            products = "; ".join(f"arc {a}: {w:.3g} × {d:.4g} = {p:.4g}" for a, w, d, p in terms)
            text += f" The arcs carrying Delta back are lit with their products w·Delta: {products}."
        return text


def _plain_terms(terms: list, every: int) -> str:
    """The backward sum in plain text while it is being formed (nothing once it is complete)."""
    if not terms or len(terms) == every:
        return ""
    parts = " + ".join(_num(t[3]) for t in terms)
    return f"(forming the sum: {parts} … {len(terms)} of {every} terms = {_num(sum(t[3] for t in terms))})"


def _box() -> widgets.Layout:
    return widgets.Layout(width="150px")


def backprop_stepper(
    network: Network | None = None,
    x: Sequence[float] | np.ndarray | None = None,
    y: Sequence[float] | np.ndarray | float | None = None,
    scale: float | None = None,
    theme: str | None = None,
) -> BackpropStepper:
    r"""Replay lecture 002's BACKPROPAGATE on ``network`` for one example (x, y), step by step.

    Forward: a_j <- x_j, in_j = \sum_i w_ij a_i, a_j = g(in_j); backward: Delta_j = g'(in_j) l'(a_j)
    at an output, Delta_j = g'(in_j) \sum_{j'} w_{j,j'} Delta_{j'} inside; then dJ/dw_ij = Delta_j a_i.
    Without arguments it shows lecture 002's 7-neuron network and example. Change it with
    ``app.set(step=k)``, ``app.set(x=[...])``, ``app.set(y=[...])``, ``app.set(arc=(i, j), weight=w)``;
    ``app.state`` is the ``StepperState``, ``app.controls`` the buttons, Play, step slider, x and y
    boxes, arc dropdown and weight box, ``app.description`` the diagram in words.
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
