"""bw.expression_graph: the typed text is parsed safely, the replay shows the numbers the lecture
derives by hand, and a fan-out shows its contributions being summed."""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.colors import to_rgb

from bpteach.scalar import Value
from bpteach.widgets import COLORS, expression_graph
from bpteach.widgets.expression import parse_expression, parse_values


def test_the_default_example_ends_with_the_hand_derived_gradients():
    # f = (x y + z) sigmoid(w) at x = -2, y = 5, z = -4, w = 0: q = -14, s = 1/2, f = -7;
    # df/dx = s y = 2.5, df/dy = s x = -1, df/dz = s = 0.5, df/dw = q s (1 - s) = -3.5
    app = expression_graph(x=-2.0, y=5.0, z=-4.0, w=0.0)
    assert app.state.index == 0
    assert "step 0" in app.description
    app.set(step=len(app.state.steps))
    grads = {n.label: g for n, g in app.state.shown_grads.items()}
    assert grads["x"] == 2.5 and grads["y"] == -1.0 and grads["z"] == 0.5 and grads["w"] == -3.5
    assert "df/dx = 2.5, df/dy = -1" in app.description
    assert app.state.root.data == -7.0
    assert app.grads[app.state.root].get_text() == "grad 1"


def test_stepping_shows_one_more_node_each_time():
    app = expression_graph("(x * y + z) * sigmoid(w)", x=-2.0, y=5.0, z=-4.0, w=0.0)
    n_ops = sum(1 for n in app.state.nodes if n.parents)
    assert len(app.state.steps) == 2 * n_ops + 1  # forward, the seed, backward
    shown = [len(app.state.shown_values)]
    for _ in range(n_ops):
        app.controls["step"].value += 1
        shown.append(len(app.state.shown_values))
    assert shown == list(range(4, 4 + n_ops + 1))  # 4 leaves, then one operation per step
    assert app.state.shown_grads == {}
    app.set(step=n_ops + 1)
    assert app.readout.value.endswith("backward starts: df/df = 1")
    app.set(step=n_ops + 2)  # the last multiply swaps: d f/dq = s = 0.5, df/ds = q = -14
    assert "multiply swaps" in app.readout.value
    assert "df/d(x*y+z) += 0.5 × 1 = 0.5" in app.readout.value
    assert "df/d(sigmoid(w)) += (-14) × 1 = -14" in app.readout.value
    current = app.state.current.node
    # the arrows into the current node, and only they, are drawn again in the highlight colour
    assert app.lit_arcs == [(p, n) for p, n in app.arcs if n is current] and len(app.lit_arcs) == 2
    lit = [a for a in app._lit_pool if a.get_visible()]
    assert len(lit) == 2 and all(to_rgb(a.get_edgecolor()) == to_rgb(COLORS["highlight"]) for a in lit)
    # a thick frame around the current node's box, and around no other
    frame = app.highlight
    assert frame.get_visible() and frame.get_linewidth() > app.boxes[current].get_linewidth()
    assert (frame.get_x(), frame.get_y()) == (app.boxes[current].get_x(), app.boxes[current].get_y())
    # after the forward pass every value is in its box (drawn once, into the kept picture)
    assert all(t.get_visible() for t in app.known.values()) and app.known[current].get_text() == "-7"
    app.set(step=1)  # x*y = -10 is known, x*y+z and f are not yet
    x_y, x_y_z = app.state.nodes[2], app.state.nodes[4]
    assert [app.values[n].get_text() for n in (x_y, x_y_z, app.state.root)] == ["-10", "?", "?"]
    assert not any(t.get_visible() for t in app.known.values())
    app.set(step=0)
    assert not frame.get_visible() and not any(a.get_visible() for a in app._lit_pool)


def test_a_fan_out_adds_the_second_contribution_to_the_first():
    # lecture 003's f = x^2 + xy + y^2 at (1, 2): df/dx = 2x + y = 4, df/dy = x + 2y = 5
    app = expression_graph("x*x + x*y + y*y", x=1.0, y=2.0)
    app.set(step=len(app.state.steps))
    grads = {n.label: g for n, g in app.state.shown_grads.items()}
    assert (grads["x"], grads["y"]) == (4.0, 5.0)
    texts = " ".join(s.text for s in app.state.steps)
    assert "is used more than once" in texts


def test_divide_shows_its_local_derivatives_as_numbers_only():
    # exercise 07 asks for the divide rule: the step prints the products, never the symbolic rule
    app = expression_graph("a / b", a=3.0, b=2.0)
    app.set(step=len(app.state.steps))
    assert "backward through f (divide): df/da += 0.5 × 1 = 0.5; df/db += (-0.75) × 1 = -0.75" in app.description
    assert "1/b" not in app.description and "b²" not in app.description


def test_typed_expressions_agree_with_central_differences():
    text = "tanh(a * b - c) / (1 + exp(-a)) + max(a, c) ** 2 + log(b) - relu(c)"
    point = {"a": 0.7, "b": 1.3, "c": -0.4}
    app = expression_graph(text, **point)
    app.set(step=len(app.state.steps))
    grads = {n.label: g for n, g in app.state.shown_grads.items()}
    labels = [n.label for n in app.state.nodes]
    assert len(set(labels)) == len(labels)  # every node is named once, so the steps' words are unambiguous

    def f(p):
        return parse_expression(text, p).data

    h = 1e-6
    for name in point:
        up, down = dict(point), dict(point)
        up[name] += h
        down[name] -= h
        assert grads[name] == pytest.approx((f(up) - f(down)) / (2 * h), rel=1e-6)


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('ls')",
        "x.__class__",
        "open('/etc/passwd')",
        "[x for x in y]",
        "lambda: 1",
        "x[0]",
        "x if y else z",
        "x ** y",
        "exp(x, y)",
        "exp(x=1)",
        "'text'",
        "True + x",
        "x < y",
    ],
)
def test_anything_outside_the_whitelist_is_refused_without_running(text):
    with pytest.raises(ValueError, match=r"not allowed here|takes 1 argument|exponent of \*\* must be a number"):
        parse_expression(text, {"x": 1.0, "y": 2.0})


def test_bad_text_leaves_the_graph_and_says_why():
    app = expression_graph("x * y", x=2.0, y=3.0)
    root = app.state.root
    app.controls["expression"].value = "x * (y"  # typed into the box: refused in words
    assert app.state.root is root
    assert "not a formula Python can read" in app.message.value
    app.controls["values"].value = "x=abc"
    assert "the value of x must be a number, got 'abc'" in app.message.value
    app.controls["values"].value = "x=4, y=0.5"
    assert app.message.value == ""
    assert app.state.root.data == 2.0
    app.controls["expression"].value = "log(x - 5)"
    assert "log(a) needs a > 0" in app.message.value
    app.controls["expression"].value = "1 / (x - 4)"
    assert "division by zero" in app.message.value
    assert app.state.root.data == 2.0  # still the last good graph
    with pytest.raises(ValueError, match="not a formula Python can read"):
        app.set(expression="x +")  # from code: raised


def test_another_expression_restarts_the_step_controls():
    app = expression_graph("x * y", x=2.0, y=3.0)
    app.set(step=3)
    app.set(expression="exp(x) + y * y - x")
    assert app.state.index == 0 and app.controls["step"].value == 0
    assert app.controls["step"].max == len(app.state.steps) == 2 * 4 + 1
    app.set(step=len(app.state.steps))
    grads = {n.label: g for n, g in app.state.shown_grads.items()}
    assert grads["x"] == pytest.approx(math.exp(2.0) - 1.0, rel=1e-15)  # e^x - 1
    assert grads["y"] == 6.0  # 2y
    app.set(values="x=0, y=1")  # the same graph, other numbers: the step stays
    assert app.state.index == len(app.state.steps)
    assert {n.label: g for n, g in app.state.shown_grads.items()}["x"] == 0.0  # e^0 - 1


def test_limits_and_values():
    with pytest.raises(ValueError, match="at most 200 characters"):
        parse_expression("x + " * 60 + "x")
    with pytest.raises(ValueError, match="more than 24 operations"):
        parse_expression("+".join(["x"] * 30))
    assert parse_values("x=2, y = -3.5,") == {"x": 2.0, "y": -3.5}
    with pytest.raises(ValueError, match="finite"):
        parse_values("x=inf")
    with pytest.raises(ValueError, match="name=number"):
        parse_values("2=x")
    root = parse_expression("sigmoid(w) * 2", {"w": 0.0})
    assert isinstance(root, Value) and root.data == 1.0 and root.label == "f"
    assert math.isclose(parse_expression("-x ** 2", {"x": 3.0}).data, -9.0)
    with pytest.raises(TypeError, match="the value of x must be a finite number"):
        expression_graph(x=float("nan"))


def test_the_figure_carries_the_description_and_survives_a_theme_change():
    app = expression_graph("x * y", x=2.0, y=3.0)
    app.set(step=len(app.state.steps))
    assert "df/dx = 3, df/dy = 2" in app.description
    assert "df/dx = 3, df/dy = 2" in app.figure.value  # the <img> alt text
    renders = app.view.renders
    app.set(theme="dark", scale=1.5)  # a new figure: the graph's artists are made again
    assert app.view.theme == "dark" and app.view.scale == 1.5
    assert app.view.renders == 1 and renders >= 1
    assert app.grads[app.state.root].get_text() == "grad 1"
    assert app.grads[app.state.root].axes is app.view.figure.axes[0]


@pytest.mark.parametrize(("ha", "va"), [("center", "top"), ("center", "center"), ("left", "baseline")])
def test_a_kept_text_looks_like_matplotlibs_own(ha, va):
    # the pool's values and gradients are pasted from pixels kept per text: the picture must be
    # the one matplotlib draws itself (pixel for pixel), the first time and from the kept pixels after
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    from bpteach.widgets.expression import _KeptText

    pictures = []
    for make in (Text, _KeptText, _KeptText):
        figure = Figure(figsize=(2.0, 1.0), dpi=100)
        FigureCanvasAgg(figure)
        figure.add_artist(make(0.5, 0.5, "grad -3.5", ha=ha, va=va, color=COLORS["accent"], fontsize=12))
        figure.canvas.draw()
        pictures.append(np.asarray(figure.canvas.buffer_rgba()).astype(int))
    own, first, again = pictures
    assert (own != 255).any()  # something was drawn
    assert np.array_equal(first, own) and np.array_equal(again, own)
