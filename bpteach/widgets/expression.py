r"""A small expression graph stepped forward, then backward one node at a time (lecture 07).

| what | code |
|---|---|
| the typed text as a graph of ``bp.Value`` nodes | ``parse_expression(text, values)`` (``ast`` and a whitelist) |
| the nodes, the steps and how far the replay has got | ``ExpressionState`` |
| the drawing, the step buttons, the text boxes | ``ExpressionGraph`` (``bw.expression_graph(...)``) |

Steps: the forward pass computes one operation per step (the leaves are known from the start);
then the output's gradient is seeded with 1; then each operation, in reverse topological order,
hands every input its local derivative times the upstream gradient (``+=``, so a value used twice
shows the second contribution being added to the first).
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.colors import to_hex
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.text import Text
from matplotlib.transforms import IdentityTransform

from bpteach.scalar import RULES, Value
from bpteach.widgets._app import App, wrap
from bpteach.widgets._base import COLORS, FigureView
from bpteach.widgets._stepbar import StepBar

__all__ = ["ExpressionGraph", "ExpressionState", "expression_graph", "parse_expression", "parse_values"]

MAX_CHARS = 200
MAX_OPERATIONS = 24  # more would not fit the drawing legibly
FUNCTIONS: dict[str, Callable[..., Value]] = {
    "exp": Value.exp,
    "log": Value.log,
    "sigmoid": Value.sigmoid,
    "tanh": Value.tanh,
    "relu": Value.relu,
    "max": Value.max,
}
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_ALLOWED = "numbers, names, + - * / ** (by a number), exp, log, sigmoid, tanh, relu and max(a, b)"
_SYMBOL = {"+": "+", "-": "−", "*": "×", "/": "÷", "**": "^", "neg": "−"}
# divide shows its local derivatives as numbers only (in the products below): exercise 07 asks the
# student to derive the rule, which the step text would otherwise print
_GATE = {"+": "add distributes", "-": "subtract: 1 and −1", "*": "multiply swaps", "max": "max routes", "/": "divide"}


def _num(v: float) -> str:
    return f"{v:.4g}"


def _factor(v: float) -> str:
    """A number inside a product or a sum: negatives in parentheses."""
    text = _num(v)
    return f"({text})" if text.startswith("-") else text


def parse_values(text: str) -> dict[str, float]:
    """``"x=2, y=-3.5"`` -> {"x": 2.0, "y": -3.5}; each item is ``name = number``."""
    if not isinstance(text, str):
        msg = f"values must be text such as 'x=2, y=-3', got {type(text).__name__}"
        raise TypeError(msg)
    out: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, number = (s.strip() for s in item.partition("="))
        if not sep or not name.isidentifier():
            msg = f"values must be items 'name=number' separated by commas, got {item!r}"
            raise ValueError(msg)
        try:
            value = float(number)
        except ValueError:
            msg = f"the value of {name} must be a number, got {number!r}"
            raise ValueError(msg) from None
        if not math.isfinite(value):
            msg = f"the value of {name} must be a finite number, got {number!r}"
            raise ValueError(msg)
        out[name] = value
    return out


class _Builder:
    """Turns a parsed expression into Values: one leaf per variable name (shared), one per constant."""

    def __init__(self, values: Mapping[str, float]) -> None:
        self.values = values
        self.leaves: dict[str, Value] = {}
        self.operations = 0
        self.named = 0  # operations too long to show as text are n1, n2, ...

    def build(self, node: ast.AST) -> Value:
        out = self._build(node)
        if not out.label:  # an operation: named by its text when short, else n1, n2, ...
            text = ast.unparse(node).replace(" ", "")
            if len(text) > 10:
                self.named += 1
                text = f"n{self.named}"
            out.label = text
        return out

    def _count(self) -> None:
        self.operations += 1
        if self.operations > MAX_OPERATIONS:
            msg = f"the expression has more than {MAX_OPERATIONS} operations: too many to draw, keep it smaller"
            raise ValueError(msg)

    def _build(self, node: ast.AST) -> Value:
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return Value(node.value, label=_num(node.value))
        if isinstance(node, ast.Name) and node.id not in FUNCTIONS:
            if node.id not in self.leaves:
                self.leaves[node.id] = Value(self.values.get(node.id, 1.0), label=node.id)
            return self.leaves[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            self._count()
            return _BINARY[type(node.op)](self.build(node.left), self.build(node.right))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            self._count()
            return self.build(node.left) ** _exponent(node.right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            if isinstance(node.operand, ast.Constant) and type(node.operand.value) in (int, float):
                sign = -1 if isinstance(node.op, ast.USub) else 1
                return Value(sign * node.operand.value, label=_num(sign * node.operand.value))
            self._count()
            inner = self.build(node.operand)
            return -inner if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS:
            n_args = 2 if node.func.id == "max" else 1
            if node.keywords or len(node.args) != n_args:
                msg = f"{node.func.id} takes {n_args} argument(s), got {ast.unparse(node)!r}"
                raise ValueError(msg)
            self._count()
            return FUNCTIONS[node.func.id](*(self.build(a) for a in node.args))
        msg = f"{ast.unparse(node)!r} is not allowed here: use {_ALLOWED}"
        raise ValueError(msg)


def _exponent(node: ast.AST) -> float:
    sign = 1.0
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        sign, node = -1.0, node.operand
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return sign * node.value
    msg = f"the exponent of ** must be a number, got {ast.unparse(node)!r}"
    raise ValueError(msg)


def parse_expression(text: str, values: Mapping[str, float] | None = None) -> Value:
    """The Value graph of ``text`` (e.g. ``"(x * y + z) * sigmoid(w)"``); names take ``values`` (default 1).

    The text is parsed with ``ast`` and only a whitelist is built ({allowed}); anything else is a
    ValueError naming it. Nothing is evaluated by Python: no ``eval``, no attribute access, no calls
    other than the listed functions.
    """
    if not isinstance(text, str):
        msg = f"expression must be text such as '(x * y + z) * sigmoid(w)', got {type(text).__name__}"
        raise TypeError(msg)
    if not text.strip():
        msg = "expression is empty: type one such as '(x * y + z) * sigmoid(w)'"
        raise ValueError(msg)
    if len(text) > MAX_CHARS:
        msg = f"expression must be at most {MAX_CHARS} characters, got {len(text)}"
        raise ValueError(msg)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        msg = f"expression {text!r} is not a formula Python can read ({exc.msg})"
        raise ValueError(msg) from None
    root = _Builder(values or {}).build(tree.body)
    if root.parents:
        root.label = "f"
    return root


parse_expression.__doc__ = (parse_expression.__doc__ or "").replace("{allowed}", _ALLOWED)


@dataclass(frozen=True)
class GraphStep:
    """One step of the replay: ``phase`` "forward", "seed" or "backward", the node and a sentence."""

    phase: str
    node: Value
    text: str


def _forward_text(node: Value) -> str:
    ps = node.parents
    if node.op in _SYMBOL and len(ps) == 2:
        numbers = f"{_factor(ps[0].data)} {_SYMBOL[node.op]} {_factor(ps[1].data)}"
    elif node.op == "**":
        numbers = f"{_num(ps[0].data)} ^ p"
    elif node.op == "neg":
        numbers = f"−({_num(ps[0].data)})"
    else:
        numbers = f"{node.op}({', '.join(_num(p.data) for p in ps)})"
    return f"forward: {node.label} = {numbers} = {_num(node.data)}"


def _derivative_of(root: Value) -> Callable[[Value], str]:
    """v -> "df/dv" in words, with the node's label in parentheses when it is an expression."""

    def name(v: Value) -> str:
        label = v.label if v.label.isidentifier() else f"({v.label})"
        return f"d{root.label}/d{label}"

    return name


class ExpressionState:
    """The expression, its values, the Value graph and the replay index (numbers only, no drawing).

    ``index`` counts the steps done (0 .. ``len(steps)``). ``shown_values`` and ``shown_grads`` say
    what the drawing shows after ``index`` steps.
    """

    def __init__(self, expression: str, values: Mapping[str, float]) -> None:
        self.expression, self.values = "", {}
        self.index = 0
        self._rebuild(expression, dict(values))

    def set(self, expression: str | None = None, values: str | Mapping | None = None, step: int | None = None) -> None:
        """Change the expression text, the values (a mapping or text 'x=2, y=-3') and/or the step index."""
        if expression is not None or values is not None:
            new_values = self.values if values is None else values
            if isinstance(new_values, str):
                new_values = parse_values(new_values)
            new_text = self.expression if expression is None else expression
            same_graph = new_text == self.expression
            self._rebuild(new_text, dict(new_values))
            if not same_graph:  # other nodes, other steps: start again
                self.index = 0
        if step is not None:
            if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= len(self.steps):
                msg = f"step must be an int between 0 and {len(self.steps)}, got {step!r}"
                raise ValueError(msg)
            self.index = step

    def _rebuild(self, expression: str, values: dict[str, float]) -> None:
        root = parse_expression(expression, values)  # raises before anything changes
        nodes = root.order()
        steps = [GraphStep("forward", n, _forward_text(n)) for n in nodes if n.parents]
        steps.append(GraphStep("seed", root, f"backward starts: d{root.label}/d{root.label} = 1"))
        d_ = _derivative_of(root)
        grads: list[dict[Value, float]] = [{root: 1.0}]
        touched = {root}
        before = {n: 0.0 for n in nodes}
        before[root] = 1.0
        for node in root.backward_steps():
            parts = []
            for p, local in zip(node.parents, node.local, strict=True):
                added = local * node.grad
                note = f" (added to the {_num(before[p])} already there: {p.label} is used more than once)"
                parts.append(
                    f"{d_(p)} += {_factor(local)} × {_factor(node.grad)} = {_num(added)}"
                    + (note if p in touched and p is not root else "")
                )
                before[p] += added
                touched.add(p)
            gate = _GATE.get(node.op, f"local derivative {', '.join(RULES[node.op])}")
            steps.append(GraphStep("backward", node, f"backward through {node.label} ({gate}): " + "; ".join(parts)))
            grads.append({n: n.grad for n in nodes if n in touched})
        self.expression, self.values = expression, values
        self.root, self.nodes, self.steps = root, nodes, steps
        self._grads = grads
        self._n_forward = sum(1 for n in nodes if n.parents)

    @property
    def current(self) -> GraphStep | None:
        return self.steps[self.index - 1] if self.index else None

    @property
    def shown_values(self) -> dict[Value, float]:
        done = {s.node for s in self.steps[: min(self.index, self._n_forward)]}
        return {n: n.data for n in self.nodes if not n.parents or n in done}

    @property
    def shown_grads(self) -> dict[Value, float]:
        k = self.index - self._n_forward  # 1 after the seed, 1 + j after j backward steps
        return self._grads[k - 1] if k >= 1 else {}

    def describe(self) -> str:
        """The state in words, with its numbers (the figure's text alternative)."""
        step = self.current
        where = f"step {self.index} of {len(self.steps)}: {step.text}" if step else "step 0: only the inputs are known"
        values = ", ".join(f"{n.label} = {_num(v)}" for n, v in self.shown_values.items())
        d_ = _derivative_of(self.root)
        grads = ", ".join(f"{d_(n)} = {_num(g)}" for n, g in self.shown_grads.items())
        return f"Graph of f = {self.expression}. {where}. Values: {values}." + (
            f" Gradients: {grads}." if grads else ""
        )


def _layout(nodes: list[Value]) -> dict[Value, tuple[float, float]]:
    """Columns by depth (longest path from a leaf), rows spread evenly within a column."""
    depth: dict[Value, int] = {}
    for n in nodes:  # forward order: parents first
        depth[n] = 1 + max((depth[p] for p in n.parents), default=-1)
    for n in reversed(nodes):  # a leaf sits just left of its first user
        users = [depth[c] for c in nodes if n in c.parents]
        if not n.parents and users:
            depth[n] = min(users) - 1
    columns: dict[int, list[Value]] = {}
    for n in nodes:
        columns.setdefault(depth[n], []).append(n)
    pos = {}
    for d, members in columns.items():
        for r, n in enumerate(members):
            pos[n] = (float(d), (len(members) - 1) / 2.0 - r)
    return pos


_KEPT_PIXELS: dict[tuple, tuple[float, float, np.ndarray]] = {}  # (text, colour, size, ha, va, dpi) -> pixels
KEPT_TEXTS = 512


class _KeptText(Text):
    """A Text laid out and drawn by matplotlib once per (text, colour, size), its pixels pasted after.

    Laying out a line costs 1-2 ms in matplotlib 3.11, most of a frame with a dozen values; pasting
    kept pixels costs microseconds. No rotation and no clipping: the pool's texts need neither.
    """

    def draw(self, renderer: RendererAgg) -> None:
        words = self.get_text()
        if not self.get_visible() or not words:
            return
        color = to_hex(self.get_color(), keep_alpha=True)
        key = (words, color, self.get_fontsize(), self.get_ha(), self.get_va(), renderer.dpi)
        x, y = self.get_transform().transform(self.get_unitless_position())
        kept = _KEPT_PIXELS.get(key)
        if kept is None:
            box = Text.get_window_extent(self, renderer)
            x0, y0 = math.floor(box.x0) - 2, math.floor(box.y0) - 2
            scratch = RendererAgg(math.ceil(box.x1) + 2 - x0, math.ceil(box.y1) + 2 - y0, renderer.dpi)
            twin = Text(x - x0, y - y0, words, color=color, fontproperties=self.get_fontproperties())
            twin.set(ha=self.get_ha(), va=self.get_va(), transform=IdentityTransform())
            twin.set_figure(self.get_figure(root=True))
            twin.draw(scratch)
            kept = (
                x0 - x,
                y0 - y,
                np.asarray(scratch.buffer_rgba())[::-1].copy(),
            )  # draw_image wants the bottom row first
            if len(_KEPT_PIXELS) >= KEPT_TEXTS:  # the oldest goes
                _KEPT_PIXELS.pop(next(iter(_KEPT_PIXELS)))
            _KEPT_PIXELS[key] = kept
        dx, dy, pixels = kept
        gc = renderer.new_gc()
        renderer.draw_image(gc, round(x + dx), round(y + dy), pixels)
        gc.restore()
        self.stale = False


def _show(text: Text, words: str) -> None:
    """Set a pooled text; an empty one is hidden, which skips even its layout when drawn."""
    text.set_text(words)
    text.set_visible(bool(words))


class ExpressionGraph(App):
    """The view: the text boxes, the step buttons and the drawing of the graph."""

    def __init__(self, state: ExpressionState, scale: float | None = None, theme: str | None = None) -> None:
        self.bar = StepBar(len(state.steps), state.index)
        text = widgets.Text(
            value=state.expression, description="f =", continuous_update=False, layout=widgets.Layout(width="60%")
        )
        values = widgets.Text(
            value=", ".join(f"{k}={v:g}" for k, v in state.values.items()),
            description="values",
            continuous_update=False,
            layout=widgets.Layout(width="38%"),
        )
        controls = {**self.bar.controls, "expression": text, "values": values}
        panel = widgets.VBox([widgets.HBox([text, values], layout=wrap()), self.bar.widget])
        super().__init__(state, controls, figsize=(9.0, 3.6), scale=scale, theme=theme, panel=panel)

    def _build(self, view: FigureView) -> None:
        with view.style():
            self.ax = view.figure.add_axes((0.01, 0.01, 0.98, 0.98))
            self.ax.set_axis_off()
            # what changes from step to step is drawn over a kept picture of the rest (boxes, labels,
            # arrows): a pool of artists, one per possible node, made once per figure and animated
            pool = range(2 * MAX_OPERATIONS + 1)  # a tree of 24 operations has at most 25 leaves
            self._value_pool = [_KeptText(0, 0, "", ha="center", va="center") for _ in pool]
            self._grad_pool = [_KeptText(0, 0, "", ha="center", va="top", color=COLORS["accent"]) for _ in pool]
            for text in [*self._value_pool, *self._grad_pool]:
                self.ax.add_artist(text)
        self.highlight = FancyBboxPatch(
            (0, 0), 1, 1, fc="none", ec=COLORS["highlight"], lw=3.0 * view.scale, visible=False, zorder=3
        )
        self.ax.add_patch(self.highlight)
        # the arrows into the current node, over the grey ones (a node has at most two inputs)
        self._lit_pool = [
            FancyArrowPatch(
                (0, 0),
                (1, 1),
                arrowstyle="-|>,head_length=0.6,head_width=0.3",
                mutation_scale=16 * view.scale,
                color=COLORS["highlight"],
                lw=1.6 * view.scale,
                shrinkA=0,
                shrinkB=0,
                visible=False,
                zorder=2,
            )
            for _ in range(2)
        ]
        for arrow in self._lit_pool:
            self.ax.add_patch(arrow)
        view.animate(*self._lit_pool, self.highlight, *self._value_pool, *self._grad_pool)
        self._static: list = []  # this expression's boxes, labels, arrows and (backward) values
        self._generation = 0  # names this expression's kept backgrounds
        self._drawn_for: Value | None = None  # the graph's artists are made by the next _draw

    # ------------------------------------------------------------------ controls -> state
    def _apply(self, changes: dict[str, object]) -> None:
        state: ExpressionState = self.state
        try:
            state.set(**changes)
        except (ZeroDivisionError, OverflowError) as exc:  # a typed expression outside its domain
            raise ValueError(str(exc)) from None
        if "expression" in changes or "values" in changes:
            # another graph has other steps: the step controls start again and span the new ones
            self._show_controls({"step": state.index})
            self.bar.slider.max = self.bar.play.max = len(state.steps)

    def describe(self) -> str:
        return self.state.describe()

    # ------------------------------------------------------------------ state -> artists
    def _make_artists(self) -> None:
        """This expression's static picture (arrows, boxes, labels) and the pool artists' places."""
        s: ExpressionState = self.state
        ax, c, scale = self.ax, self.view.colors, self.view.scale
        for artist in self._static:
            artist.remove()
        self.pos = _layout(s.nodes)
        xs = [p[0] for p in self.pos.values()]
        ys = [p[1] for p in self.pos.values()]
        ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
        ax.set_ylim(min(ys) - 0.8, max(ys) + 0.7)
        # every arrow in one quiver (a single artist: 20 annotations cost a third of a render),
        # from box edge to box edge; each box sized from its longer line, in pixels
        self.arcs = [(p, n) for n in s.nodes for p in dict.fromkeys(n.parents)]
        ax_px = ax.get_window_extent().size  # the axes in pixels; data -> pixels is linear here
        per_px = [(hi - lo) / size for (lo, hi), size in zip((ax.get_xlim(), ax.get_ylim()), ax_px, strict=True)]
        font_px = 10 * scale * self.view.dpi / 72
        # an operation named f or n3 says which operation it is; x*y or sigmoid(w) says it already
        label = {
            n: f"{n.label}  [{_SYMBOL.get(n.op, n.op)}]" if n.parents and n.label.isidentifier() else n.label
            for n in s.nodes
        }
        half = {
            n: (0.32 * font_px * max(len(label[n]), len(_num(n.data)), 3) + 0.5 * font_px, 1.25 * font_px + 4)
            for n in s.nodes
        }
        starts, vectors = [], []
        for p, n in self.arcs:
            (x0, y0), (x1, y1) = self.pos[p], self.pos[n]
            dx, dy = (x1 - x0) / per_px[0], (y1 - y0) / per_px[1]  # pixels
            length = max(math.hypot(dx, dy), 1e-9)
            ux, uy = abs(dx) / length, abs(dy) / length

            def edge(node: Value, ux: float = ux, uy: float = uy) -> float:
                w, h = half[node]
                return min(w / ux if ux else math.inf, h / uy if uy else math.inf) + 3

            a, b = min(edge(p), 0.45 * length) / length, min(edge(n), 0.45 * length) / length
            starts.append((x0 + a * (x1 - x0), y0 + a * (y1 - y0)))
            vectors.append(((1 - a - b) * (x1 - x0), (1 - a - b) * (y1 - y0)))
        self._arc_ends = [((x, y), (x + u, y + v)) for (x, y), (u, v) in zip(starts, vectors, strict=True)]
        self.arrows = ax.quiver(
            [a for a, _ in starts],
            [b for _, b in starts],
            [u for u, _ in vectors],
            [v for _, v in vectors],
            angles="xy",
            scale_units="xy",
            scale=1,
            color=COLORS["neutral"],
            width=0.0022 * scale,
            headwidth=5,
            headlength=6,
        )
        self._bounds = {}
        corners = {
            "boxstyle": f"round,pad=0,rounding_size={0.35 * font_px * per_px[0]}",
            "mutation_aspect": per_px[1] / per_px[0],  # round corners although x and y scale apart
        }
        self.highlight.set(**corners)
        self.boxes, self.labels, self.known = {}, {}, {}
        line = 0.6 * font_px * per_px[1]  # from the box's centre to each of its two lines
        for n in s.nodes:
            (x, y), w, h = self.pos[n], half[n][0] * per_px[0], half[n][1] * per_px[1]
            self._bounds[n] = (x - w, y - h, 2 * w, 2 * h)
            self.boxes[n] = ax.add_patch(
                FancyBboxPatch(
                    (x - w, y - h),
                    2 * w,
                    2 * h,
                    **corners,
                    fc=c["face"],
                    ec=c["text"],
                    lw=1.0 * scale,
                )
            )
            self.labels[n] = ax.text(x, y + line, label[n], ha="center", va="center")
            # every value, drawn into the kept picture once the forward pass is done
            self.known[n] = ax.text(x, y - line, _num(n.data), ha="center", va="center")
        self.values = dict(zip(s.nodes, self._value_pool, strict=False))
        self.grads = dict(zip(s.nodes, self._grad_pool, strict=False))
        for n in s.nodes:
            x, y = self.pos[n]
            self.values[n].set_position((x, y - line))
            self.grads[n].set_position((x, y - (half[n][1] + 2) * per_px[1]))
        for text in [*self._value_pool[len(s.nodes) :], *self._grad_pool[len(s.nodes) :]]:
            _show(text, "")
        self._static = [self.arrows, *self.boxes.values(), *self.labels.values(), *self.known.values()]
        self._generation += 1
        self._drawn_for = s.root

    def _draw(self) -> None:
        s: ExpressionState = self.state
        if s.root is not self._drawn_for:
            self._make_artists()
        values, grads, step = s.shown_values, s.shown_grads, s.current
        forward_done = len(values) == len(s.nodes)  # from here on the values are part of the kept picture
        for text in self.known.values():
            text.set_visible(forward_done)
        self.view.invalidate((self._generation, forward_done))
        for n in s.nodes:
            _show(self.values[n], "" if forward_done else _num(values[n]) if n in values else "?")
            _show(self.grads[n], f"grad {_num(grads[n])}" if n in grads else "")
        current = step.node if step is not None else None
        self.highlight.set_visible(current is not None)
        if current is not None:
            self.highlight.set_bounds(*self._bounds[current])
        self.lit_arcs = [arc for arc in self.arcs if arc[1] is current]
        lit_ends = [ends for arc, ends in zip(self.arcs, self._arc_ends, strict=True) if arc[1] is current]
        for k, arrow in enumerate(self._lit_pool):
            arrow.set_visible(k < len(lit_ends))
            if k < len(lit_ends):
                arrow.set_positions(*lit_ends[k])
        where = step.text if step else "only the inputs are known; press > to run the forward pass"
        self.show_text(readout=f"step {s.index} of {len(s.steps)}: {where}")


def expression_graph(
    expression: str = "(x * y + z) * sigmoid(w)",
    scale: float | None = None,
    theme: str | None = None,
    **values: float,
) -> ExpressionGraph:
    """Draw the graph of ``expression`` and step through its forward and backward passes.

    ``values`` gives the variables' numbers (``x=-2, y=5``); a variable without one is 1. The
    student can type another expression and other values in the boxes. ``app.state`` is the
    ``ExpressionState``; ``app.set(step=...)`` (or the buttons) moves the replay,
    ``app.set(expression=..., values="x=1, y=2")`` draws another graph; ``app.description`` says what
    is shown, in words and numbers.
    """
    for name, v in values.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            msg = f"the value of {name} must be a finite number, got {v!r}"
            raise TypeError(msg)
    return ExpressionGraph(ExpressionState(expression, values), scale=scale, theme=theme)
