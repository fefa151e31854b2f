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

from bpteach.scalar import RULES, Value
from bpteach.widgets._app import App
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
_GATE = {"+": "add distributes", "-": "subtract: 1 and −1", "*": "multiply swaps", "max": "max routes"}


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
        panel = widgets.VBox([widgets.HBox([text, values]), self.bar.widget])
        super().__init__(state, controls, figsize=(9.0, 3.6), scale=scale, theme=theme, panel=panel)

    def _build(self, view: FigureView) -> None:
        with view.style():
            self.ax = view.figure.add_axes((0.01, 0.01, 0.98, 0.98))
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
        s: ExpressionState = self.state
        ax, c, scale = self.ax, self.view.colors, self.view.scale
        ax.clear()
        ax.set_axis_off()
        self.pos = _layout(s.nodes)
        xs = [p[0] for p in self.pos.values()]
        ys = [p[1] for p in self.pos.values()]
        ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
        ax.set_ylim(min(ys) - 0.8, max(ys) + 0.7)
        # every arrow in one quiver (a single artist: 20 annotations cost a third of a render),
        # from box edge to box edge: each box's half size estimated from its label, in pixels
        self.arcs = [(p, n) for n in s.nodes for p in dict.fromkeys(n.parents)]
        ax_px = ax.get_window_extent().size  # the axes in pixels; data -> pixels is linear here
        per_px = [(hi - lo) / size for (lo, hi), size in zip((ax.get_xlim(), ax.get_ylim()), ax_px, strict=True)]
        font_px = 10 * scale * self.view.dpi / 72
        half = {
            n: (0.32 * font_px * max(len(n.label) + 5 * n.label.isidentifier(), 5) + 8, 1.5 * font_px + 6)
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
        box = {"boxstyle": "round,pad=0.35", "fc": c["face"], "ec": c["text"], "lw": 1.0 * scale}
        self.boxes = {n: ax.text(*self.pos[n], "", ha="center", va="center", bbox=box) for n in s.nodes}
        self.grads = {
            n: ax.text(self.pos[n][0], self.pos[n][1] - 0.32, "", ha="center", va="top", color=COLORS["accent"])
            for n in s.nodes
        }
        self._drawn_for = s.root

    def _draw(self) -> None:
        s: ExpressionState = self.state
        if s.root is not self._drawn_for:
            self._make_artists()
        values, grads, step = s.shown_values, s.shown_grads, s.current
        text_color = self.view.colors["text"]
        for n, box in self.boxes.items():
            # an operation named f or n3 says which operation it is; x*y or sigmoid(w) says it already
            op = f"  [{_SYMBOL.get(n.op, n.op)}]" if n.parents and n.label.isidentifier() else ""
            box.set_text(f"{n.label}{op}\n" + (_num(values[n]) if n in values else "?"))
            current = step is not None and step.node is n
            box.get_bbox_patch().set_edgecolor(COLORS["highlight"] if current else text_color)
            box.get_bbox_patch().set_linewidth((3.0 if current else 1.0) * self.view.scale)
            self.grads[n].set_text(f"grad {_num(grads[n])}" if n in grads else "")
        lit = [step is not None and step.node is n for _, n in self.arcs]
        self.arrows.set_color([COLORS["highlight"] if on else COLORS["neutral"] for on in lit])
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
