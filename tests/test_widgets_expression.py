"""bw.expression_graph: the typed text is parsed safely, the replay shows the numbers the lecture
derives by hand, and a fan-out shows its contributions being summed."""

from __future__ import annotations

import math

import pytest

from bpteach.scalar import Value
from bpteach.widgets import expression_graph
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
    assert (
        app.boxes[current].get_bbox_patch().get_linewidth()
        > app.boxes[app.state.nodes[0]].get_bbox_patch().get_linewidth()
    )


def test_a_fan_out_adds_the_second_contribution_to_the_first():
    # lecture 003's f = x^2 + xy + y^2 at (1, 2): df/dx = 2x + y = 4, df/dy = x + 2y = 5
    app = expression_graph("x*x + x*y + y*y", x=1.0, y=2.0)
    app.set(step=len(app.state.steps))
    grads = {n.label: g for n, g in app.state.shown_grads.items()}
    assert (grads["x"], grads["y"]) == (4.0, 5.0)
    texts = " ".join(s.text for s in app.state.steps)
    assert "is used more than once" in texts


def test_typed_expressions_agree_with_central_differences():
    text = "tanh(a * b - c) / (1 + exp(-a)) + max(a, c) ** 2 + log(b) - relu(c)"
    point = {"a": 0.7, "b": 1.3, "c": -0.4}
    app = expression_graph(text, **point)
    app.set(step=len(app.state.steps))
    grads = {n.label: g for n, g in app.state.shown_grads.items()}

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
    app.set(expression="x * (y")
    assert app.state.root is root
    assert "not a formula Python can read" in app.message.value
    app.set(values="x=abc")
    assert "the value of x must be a number, got 'abc'" in app.message.value
    app.set(values="x=4, y=0.5")
    assert app.message.value == ""
    assert app.state.root.data == 2.0
    app.set(expression="log(x - 5)")
    assert "log(a) needs a > 0" in app.message.value


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
