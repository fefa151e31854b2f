r"""Lecture 5's matrix gradient recipe, one line at a time, as annotated heat maps.

| line | lecture 5 | code |
|---|---|---|
| forward, i = 1..m | h_i = s(W_i h_{i-1}) (h_0 = x; f(x, W) = h_m) | ``record.h[i]`` |
| output signal | delta_m = l'(f(x, W)) * s'(z_m) | ``record.delta[m]`` |
| error signal, i = m-1..1 | delta_i = (W_{i+1}^T delta_{i+1}) ⊙ s'(z_i) | ``record.delta[i]`` |
| gradient, i = m..1 | grad W_i J = delta_i h_{i-1}^T | ``record.grad_W[i]`` |

Each W_i, h_i, delta_i and grad W_i is a heat map with its values in the cells and its shape in the
title; a quantity appears when the line that computes it is reached. The maps of one row (all W_i,
all h_i, all delta_i, all grad W_i) share one colour scale, printed in their titles, so that their
colours can be compared. The gradient is the mean over the N examples, (1/N) delta_i h_{i-1}^T, or
their sum delta_i h_{i-1}^T (``reduction``); the view says which. Choosing a neuron j (its
node-level id, lecture 4) rings it in a small node view with its Delta_j and boxes the same
number in delta_i: neuron k of layer i is row k of delta_i, example e is column e, both counted
from 1 as the lectures count. The readout names the cost whose derivative starts delta_m
(1/2 (y - a)^2, (y - a)^2 or log-loss), since the node level's own rule uses (y - a)^2.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.patches import Rectangle
from matplotlib.transforms import Bbox

from bpteach import datasets
from bpteach.compare import to_network
from bpteach.graph import NodeRecord
from bpteach.matrix import MLP, MatrixRecord
from bpteach.widgets._app import App, wrap
from bpteach.widgets._base import AUTO_TITLE, COLORS, FigureView
from bpteach.widgets._keptgroup import KeptGroup
from bpteach.widgets._netdraw import NetDrawing
from bpteach.widgets._pathtext import PathTexts
from bpteach.widgets._stepbar import StepBar
from bpteach.widgets._theme import legible_colors

__all__ = ["MatrixRecipe", "RecipeState", "matrix_recipe", "recipe_lines"]

_MAX_ANNOTATED = 120  # cells; beyond that the numbers would be too small to read
# the cost as the lectures write it: the two squared errors are a factor 2 apart, so the readout says which
_COST = {"half_squared_error": "½ (y − a)²", "squared_error": "(y − a)²", "log_loss": "log-loss"}


def recipe_lines(m: int, reduction: str = "mean") -> list[tuple[str, int, str]]:
    """The recipe for m layers as (quantity, layer i, LaTeX line): forward, then back from the output."""
    mean = r"\frac{1}{N}\," if reduction == "mean" else ""
    lines = [("h", i, rf"h_{{{i}}} = s(W_{{{i}}}\, h_{{{i - 1}}})") for i in range(1, m + 1)]
    lines[-1] = ("h", m, rf"f(x, W) = h_{{{m}}} = s(W_{{{m}}}\, h_{{{m - 1}}})")
    for i in range(m, 0, -1):
        if i == m:
            lines.append(("delta", m, rf"\delta_{{{m}}} = \ell'(f(x, W)) \times s'(z_{{{m}}})"))
        else:
            lines.append(("delta", i, rf"\delta_{{{i}}} = (W_{{{i + 1}}}^\top \delta_{{{i + 1}}}) \odot s'(z_{{{i}}})"))
        lines.append(("grad", i, rf"\nabla_{{W_{{{i}}}}} J = {mean}\delta_{{{i}}}\, h_{{{i - 1}}}^\top"))
    return lines


class RecipeState:
    """The MLP, the batch (X, Y), its matrix record, the recipe line reached, the chosen neuron and example.

    ``line`` counts the recipe lines done (0: only W_i and h_0 = X are known). ``neuron`` is a
    node-level id of a non-input neuron (``mlp.neuron_ids()``), ``example`` a column of X counted
    from 1. ``reduction`` says whether grad W_i is the mean or the sum over the examples.
    ``set(line=..., neuron=..., example=...)`` changes them.
    """

    def __init__(self, mlp: MLP, X: object, Y: object, reduction: str = "mean") -> None:
        if not isinstance(mlp, MLP):
            msg = f"mlp must be a bpteach MLP (e.g. bp.MLP([2, 3, 1])), got {type(mlp).__name__}"
            raise TypeError(msg)
        if reduction not in ("mean", "sum"):
            msg = f"reduction must be 'mean' or 'sum' (of the examples' gradients), got {reduction!r}"
            raise ValueError(msg)
        self.reduction = reduction
        self.mlp = mlp.copy()
        self.record: MatrixRecord = self.mlp.backpropagate(X, Y, reduction=reduction)  # checks X, Y
        self.X = self.record.h[0]
        self.Y = np.asarray(Y, dtype=np.float64).reshape(self.mlp.sizes[-1], self.X.shape[1])
        self.lines = recipe_lines(self.mlp.m, reduction)
        self.line = 0
        self.ids = self.mlp.neuron_ids()
        self.network = to_network(self.mlp)
        self._node_records: dict[int, NodeRecord] = {}
        self.neuron = self.ids[1][0]
        self.example = 1

    @property
    def n_examples(self) -> int:
        return self.X.shape[1]

    @property
    def cost(self) -> str:
        """The loss of one output as the lectures write it, e.g. "½ (y − a)²"."""
        name = self.mlp.loss_fn.name
        return _COST.get(name, name)

    def set(self, line: int | None = None, neuron: int | None = None, example: int | None = None) -> None:
        """Jump to ``line`` recipe lines done (0 .. len(lines)); choose the neuron j (a non-input node
        id) and/or the example e (column e of X, 1..n). Everything is checked before anything changes."""
        if line is not None and (
            isinstance(line, bool) or not isinstance(line, (int, np.integer)) or not 0 <= line <= len(self.lines)
        ):
            msg = f"line must be an int between 0 and {len(self.lines)} (the recipe's lines), got {line!r}"
            raise ValueError(msg)
        if neuron is not None:
            self.locate(neuron)
        if example is not None and (
            isinstance(example, bool)
            or not isinstance(example, (int, np.integer))
            or not 1 <= example <= self.n_examples
        ):
            msg = f"example must be a column of X counted from 1, 1..{self.n_examples}, got {example!r}"
            raise ValueError(msg)
        if line is not None:
            self.line = int(line)
        if neuron is not None:
            self.neuron = neuron
        if example is not None:
            self.example = int(example)

    def known(self) -> set[tuple[str, int]]:
        """The quantities computed so far: W_i and h_0 from the start, then what each line adds."""
        done = {("W", i) for i in range(1, self.mlp.m + 1)} | {("h", 0)}
        return done | {(kind, i) for kind, i, _ in self.lines[: self.line]}

    def locate(self, neuron: int) -> tuple[int, int]:
        """(layer i, row r): neuron j is row r of h_i and delta_i."""
        for i, layer in enumerate(self.ids):
            if neuron in layer:
                if i == 0:
                    break
                return i, layer.index(neuron)
        valid = [j for layer in self.ids[1:] for j in layer]
        msg = f"neuron must be the id of a hidden or output neuron, one of {valid}, got {neuron!r}"
        raise ValueError(msg)

    def node_record(self) -> NodeRecord:
        """Lecture 4's BACKPROPAGATE on the chosen example, node by node (cached per example)."""
        k = self.example - 1
        if k not in self._node_records:
            self._node_records[k] = self.network.backpropagate(self.X[:, k], self.Y[:, k])
        return self._node_records[k]

    def node_delta(self) -> float:
        """Delta_j of the chosen neuron and example, from the node-level algorithm."""
        return float(self.node_record().delta[self.neuron])

    def matrix_delta(self) -> float:
        """delta_i[r, e]: the entry of the matrix recipe for the chosen neuron and example."""
        i, r = self.locate(self.neuron)
        return float(self.record.delta[i][r, self.example - 1])  # type: ignore[index]

    def matrix(self, kind: str, i: int) -> np.ndarray:
        """W_i, h_i, delta_i or grad W_i."""
        rec = self.record
        return {"W": self.mlp.W, "h": rec.h, "delta": rec.delta, "grad": rec.grad_W}[kind][i]


_TITLE = {"W": "W_{{{i}}}", "h": "h_{{{i}}}", "delta": r"\delta_{{{i}}}", "grad": r"\nabla_{{W_{{{i}}}}}\, J"}
_ROWS = ("W", "h", "delta", "grad")


def title(kind: str, i: int, shape: tuple[int, int]) -> str:
    """The heat map's title: symbol and shape, e.g. "$W_{2}$ (1 x 3)"."""
    if (kind, i) == ("h", 0):
        return f"$h_{{0}} = x$ ({shape[0]} x {shape[1]})"
    return f"${_TITLE[kind].format(i=i)}$ ({shape[0]} x {shape[1]})"


def _cell_format(v: float) -> str:
    return f"{v:.3g}"  # three digits: 0.0155 must not read as 0.02 beside the node view's Delta_j


class _HeatMap:
    """One matrix as an image with its values written in the cells (updated in place)."""

    def __init__(
        self, ax: object, shape: tuple[int, int], cmap: object, colors: dict, scale: float, theme: str
    ) -> None:
        self.ax, self.shape, self.theme = ax, shape, theme
        # a QuadMesh, not imshow: a few cells draw as quads about ten times faster than a resampled image
        self.image = ax.pcolormesh(
            np.arange(shape[1] + 1) - 0.5,
            np.arange(shape[0] + 1) - 0.5,  # type: ignore[attr-defined]
            np.full(shape, np.nan),
            cmap=cmap,
            vmin=-1,
            vmax=1,
        )
        ax.set_ylim(shape[0] - 0.5, -0.5)  # type: ignore[attr-defined]  # row 1 on top, as a matrix is written
        rows, cols = np.indices(shape)
        self.annotate = shape[0] * shape[1] <= _MAX_ANNOTATED
        size = scale * float(np.clip(40.0 / max(shape[1], 1), 5.0, 8.0))
        self.cells = PathTexts(ax, np.column_stack([cols.ravel(), rows.ravel()]), size, colors["text"], zorder=4)
        self.frame = Rectangle(
            (0, 0),
            1,
            1,
            transform=ax.transAxes,
            fill=False,  # type: ignore[attr-defined]
            edgecolor=colors["highlight"],
            linewidth=4 * scale,
            clip_on=False,
            visible=False,
        )
        ax.add_patch(self.frame)  # type: ignore[attr-defined]
        ax.set_xticks([])  # type: ignore[attr-defined]
        ax.set_yticks([])  # type: ignore[attr-defined]
        self.shown: tuple | None = None  # what the artists show now: values and scale

    def key(self) -> tuple:
        """What the map's pixels show: a step that leaves it so pastes its kept pixels (KeptGroup)."""
        return (self.shown, self.frame.get_visible())

    def region(self) -> Bbox:
        """The map's pixels: its axes and the frame's width around them."""
        frame = self.frame.get_linewidth() * self.ax.figure.dpi / 72  # type: ignore[attr-defined]
        return self.ax.get_window_extent().padded(frame / 2 + 2)  # type: ignore[attr-defined]

    def show(self, values: np.ndarray | None, biggest: float) -> None:
        """Draw ``values`` on the colour scale -biggest..biggest (None: not computed yet, a blank map)."""
        shown = (None if values is None else values.tobytes(), biggest)
        if shown == self.shown:
            return
        self.shown = shown
        if values is None:
            self.image.set_array(np.full(self.shape, np.nan))
            self.cells.set_texts([""] * (self.shape[0] * self.shape[1]))
            return
        self.image.set_array(values)
        self.image.set_clim(-biggest, biggest)
        if self.annotate:
            flat = values.ravel()
            # each digit in the theme's text or face colour, whichever reads better on its cell
            colors = legible_colors(self.image.cmap(self.image.norm(flat)), self.theme)
            self.cells.set_texts([_cell_format(v) for v in flat], colors)


class MatrixRecipe(App):
    """The view: recipe lines with the current one highlighted; the heat maps; the node view."""

    def __init__(self, state: RecipeState, scale: float | None = None, theme: str | None = None) -> None:
        m = state.mlp.m
        self.bar = StepBar(len(state.lines), state.line, interval_ms=1200, label="line")
        neuron = widgets.Dropdown(
            options=[
                (f"neuron {j} (layer {i}, row {r + 1})", j)
                for i, layer in enumerate(state.ids)
                if i > 0
                for r, j in enumerate(layer)
            ],
            value=state.neuron,
            description="neuron",
        )
        example = widgets.BoundedIntText(
            value=state.example,
            min=1,
            max=state.n_examples,
            description="example",
            disabled=state.n_examples == 1,
            layout=widgets.Layout(width="160px"),
        )
        controls = {**self.bar.controls, "neuron": neuron, "example": example}
        self.lines = widgets.HTMLMath()
        panel = widgets.VBox([self.bar.widget, widgets.HBox([neuron, example], layout=wrap()), self.lines])
        super().__init__(
            state, controls, figsize=(min(2.3 * (m + 1), 13.0), 7.6), scale=scale, theme=theme, panel=panel
        )

    def _build(self, view: FigureView) -> None:
        state: RecipeState = self.state
        m = state.mlp.m
        c = view.colors
        cmap = LinearSegmentedColormap.from_list(
            "sign", [COLORS["negative"], c["face"], COLORS["positive"]]
        ).with_extremes(bad=c["face"])
        fig = view.figure
        self.maps: dict[tuple[str, int], _HeatMap] = {}
        # one colour scale per row: the maps a student compares (W_1 with W_2, ...) share it; x has its own
        self.scales: dict[tuple[str, int] | str, float] = {
            kind: max(float(np.max(np.abs(state.matrix(kind, i)))) for i in range(1, m + 1)) or 1.0 for kind in _ROWS
        }
        self.scales["x"] = float(np.max(np.abs(state.X))) or 1.0
        # matplotlib places the two-line titles (lifted clear of the axes at a presenter's scale): the
        # background is drawn once per view, so the placement costs nothing per step
        with view.style(AUTO_TITLE):
            grid = fig.add_gridspec(4, m + 1, left=0.03, right=0.99, bottom=0.02, top=0.91, hspace=0.55, wspace=0.25)
            for row, kind in enumerate(_ROWS):
                for i in range(0 if kind == "h" else 1, m + 1):
                    ax = fig.add_subplot(grid[row, i])
                    shape = state.matrix(kind, i).shape
                    ax.set_title(
                        f"{title(kind, i, shape)}\ncolours ±{self.scales[_scale(kind, i)]:.3g}", fontsize=9 * view.scale
                    )
                    self.maps[(kind, i)] = _HeatMap(ax, shape, cmap, c, view.scale, view.theme)
            node_ax = fig.add_subplot(grid[2:, 0])
            pos = state.network.layout()
            self.drawing = NetDrawing(
                node_ax, pos, state.network.arcs, state.network.inputs, state.network.outputs, c, 0.8 * view.scale
            )
            self.drawing.set_weights(state.network.w)
            node_ax.set_title("node view (lecture 4)", fontsize=9 * view.scale)
            self.boxes = {
                i: Rectangle(
                    (-0.5, -0.5),
                    1,
                    1,
                    fill=False,
                    edgecolor=view.colors["highlight"],
                    linewidth=3 * view.scale,
                    visible=False,
                    zorder=6,
                )
                for i in range(1, m + 1)
            }
            for i, box in self.boxes.items():
                self.maps[("delta", i)].ax.add_patch(box)
            line_ax = fig.add_subplot(grid[0, 0])
            line_ax.set_axis_off()
            self.current = line_ax.text(
                0.0, 0.5, "", transform=line_ax.transAxes, va="center", fontsize=10 * view.scale, color=c["text"]
            )
            which = "mean over the N examples" if state.reduction == "mean" else "sum over the N examples"
            fig.text(0.5, 0.995, f"∇W J here is the {which}", ha="center", va="top", fontsize=10 * view.scale)
        # titles, axes and arcs stay: only the moving artists are redrawn over a cached background
        # a step changes one or two maps: the others paste their kept pixels (_keptgroup.py)
        moving = [
            KeptGroup(view, (hm.image, hm.cells.collection, hm.frame), hm.region, hm.key) for hm in self.maps.values()
        ]
        moving += [*self.boxes.values(), self.drawing.node_ring, *self.drawing.note_artists(), self.current]
        for key, heat in self.maps.items():
            heat.show(state.matrix(*key), self.scales[_scale(*key)])  # lays out every number once: stepping is fast
        view.animate(*moving)

        # each line's mathtext is parsed and laid out now, once (10-20 ms a line), not at its first step
        renderer = view.figure.canvas.get_renderer()
        for line in range(len(state.lines) + 1):
            self.current.set_text(_line_text(state, line))
            self.current.draw(renderer)  # onto the canvas, which the first render draws afresh

    def _apply(self, changes: dict[str, object]) -> None:
        self.state.set(line=changes.get("step"), neuron=changes.get("neuron"), example=changes.get("example"))

    def _draw(self) -> None:
        state: RecipeState = self.state
        known = state.known()
        current = state.lines[state.line - 1][:2] if state.line else None
        for key, heat in self.maps.items():
            heat.show(state.matrix(*key) if key in known else None, self.scales[_scale(*key)])
            heat.frame.set_visible(key == current)
        self.current.set_text(_line_text(state, state.line))
        i, r = state.locate(state.neuron)
        for layer, box in self.boxes.items():
            box.set_visible(layer == i)
        self.boxes[i].set_xy((state.example - 1.5, r - 0.5))
        j, delta = state.neuron, state.node_delta()
        self.drawing.highlight(j)
        self.drawing.set_notes({}, {j: f"$\\Delta_{{{j}}}$={delta:.4g}"})
        rows = []
        for k, (_, _, latex) in enumerate(state.lines, start=1):
            style = (
                "background:#E69F0055;font-weight:bold" if k == state.line else "" if k < state.line else "opacity:0.6"
            )
            rows.append(f"<div style='{style}'>{k}. ${latex}$</div>")
        self.lines.value = "".join(rows)
        if ("delta", i) in known:
            matrix = f"matrix form δ{_sub(i)}[{r + 1}, {state.example}] = {state.matrix_delta():.6g}"
        else:
            line = next(k for k, (kind, layer, _) in enumerate(state.lines, start=1) if (kind, layer) == ("delta", i))
            matrix = f"matrix form δ{_sub(i)}[{r + 1}, {state.example}]: computed at line {line}"
        if state.n_examples == 1:
            batch = "∇W J is the gradient of the one example."
        else:
            which = "mean" if state.reduction == "mean" else "sum"
            batch = f"∇W J is the {which} of the {state.n_examples} examples' gradients."
        self.show_text(
            readout=(
                f"neuron {j} = row {r + 1} of layer {i}, example {state.example} (column {state.example} of X): "
                f"node level (lecture 4), cost {state.cost}: Δ{_sub(j)} = {delta:.6g}; {matrix}. {batch}"
            )
        )

    def describe(self) -> str:
        state: RecipeState = self.state
        known = state.known()
        i, r = state.locate(state.neuron)
        shown = [f"{kind} {layer}" for kind, layer in self.maps if (kind, layer) in known and kind != "W"]
        step = "the start" if state.line == 0 else f"line {state.line} of {len(state.lines)}"
        which = "mean" if state.reduction == "mean" else "sum"
        return (
            f"Heat maps of the matrix recipe for a network of {state.mlp.m} layers on {state.n_examples} examples, "
            f"at {step}; blue positive, vermillion negative, one colour scale per row. Computed so far: the weights "
            f"W and {', '.join(shown)}. Boxed: row {r + 1}, column {state.example} of delta {i}, the neuron "
            f"{state.neuron} ringed in the node view with Delta = {state.node_delta():.4g}. The gradients are the "
            f"{which} over the examples."
        )


def _line_text(state: RecipeState, line: int) -> str:
    """The figure's words for recipe line ``line`` (0: the start)."""
    if line == 0:
        return "start: the weights $W_i$\nand $h_0 = x$ are given"
    symbol, rest = state.lines[line - 1][2].split(" = ", 1)
    return f"line {line}:\n${symbol}$\n$= {rest}$"


def _scale(kind: str, i: int) -> str:
    """Which colour scale a map uses: its row's, or x's own for h_0 = x."""
    return "x" if (kind, i) == ("h", 0) else kind


def _sub(i: int) -> str:
    return str(i).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def matrix_recipe(
    mlp: MLP | None = None,
    X: object = None,
    Y: object = None,
    reduction: str = "mean",
    scale: float | None = None,
    theme: str | None = None,
) -> MatrixRecipe:
    r"""Step through lecture 5's matrix recipe on ``mlp`` and the batch X (n_0, N), Y (n_m, N).

    h_i = s(W_i h_{i-1}); delta_m = l'(f) * s'(z_m); delta_i = (W_{i+1}^T delta_{i+1}) ⊙ s'(z_i);
    grad W_i J = (1/N) delta_i h_{i-1}^T (``reduction="mean"``) or delta_i h_{i-1}^T (``"sum"``).
    Without arguments it shows lecture 5's rain network and data. Change it with
    ``app.set(step=k, neuron=j, example=e)`` (e counted from 1); ``app.state`` (``RecipeState``),
    ``app.controls`` (first, back, forward, last, play, step, neuron, example), ``app.maps`` the heat maps.
    """
    if mlp is None and X is None and Y is None:
        mlp = datasets.rain_network()
        X, Y = datasets.rain()
    if X is None or Y is None:
        msg = "X and Y must both be given (examples as columns), got " + ("X=None" if X is None else "Y=None")
        raise ValueError(msg)
    return MatrixRecipe(RecipeState(mlp, X, Y, reduction), scale=scale, theme=theme)  # type: ignore[arg-type]
