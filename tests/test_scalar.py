"""bp.Value, the scalar computational graph: every gradient against an independent computation.

The references are the node level (``Network.backpropagate``), the matrix form (``MLP``), central
differences of the forward pass, and derivatives worked by hand in the comments above the asserts.
"""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import bpteach as bp
from bpteach.scalar import Value


# --------------------------------------------------------------------- the node level, from Values
def network_from_values(net: bp.Network, x, y):
    """Lecture 002's forward pass written with Values: in_j = sum_i w_ij a_i, a_j = g(in_j).

    Returns (J, in_, a, w, b): J = sum over outputs of (y - a_j)^2 (squared error, lecture 002),
    and dicts of the Values of in_j, a_j, every weight w_ij and every bias b_j.
    """
    g = {"sigmoid": Value.sigmoid, "tanh": Value.tanh, "relu": Value.relu, "identity": lambda v: v}
    w = {arc: Value(wv, label=f"w_{arc}") for arc, wv in net.edges.items()}
    b = {j: Value(bv, label=f"b_{j}") for j, bv in net.bias.items()}
    a = {j: Value(float(xj), label=f"a_{j}") for j, xj in zip(net.inputs, x, strict=True)}
    in_ = {}
    for j in net.order[len(net.inputs) :]:
        terms = [w[(i, k)] * a[i] for (i, k) in net.arcs if k == j]
        total = terms[0]
        for t in terms[1:]:
            total = total + t  # the sum over i: (i, j) in A
        if j in b:
            total = total + b[j]
        in_[j] = total
        act = net.g_out if j in net.outputs else net.g
        a[j] = g[act.name](total)
    J = Value(0.0)
    for j, yj in zip(net.outputs, y, strict=True):
        J = J + (yj - a[j]) ** 2
    return J, in_, a, w, b


@pytest.mark.parametrize(
    "net",
    [
        bp.datasets.lecture002_network(),
        bp.Network.layered([2, 2, 2, 1], seed=0),
        bp.Network.layered([3, 4, 2], activation="tanh", output_activation="sigmoid", bias=True, seed=3),
    ],
    ids=["lecture002", "layered-seed0", "tanh-bias"],
)
def test_scalar_graph_gives_the_node_levels_in_a_delta_and_gradient(net):
    rng = np.random.default_rng(7)
    x = rng.normal(0.0, 1.0, len(net.inputs))
    y = rng.uniform(0.0, 1.0, len(net.outputs))
    if len(net.inputs) == 2 and len(net.outputs) == 1:
        x, y = bp.datasets.lecture002_example()
    # squared error both ways; a Network built with loss "squared_error" uses (y - a)^2 per output
    # and bias weights live in rec.grad_bias
    rec = net.backpropagate(x, y)
    J, in_, a, w, b = network_from_values(net, x, y)
    J.backward()
    assert J.data == pytest.approx(rec.loss, rel=1e-12, abs=0)
    for j in in_:
        assert in_[j].data == pytest.approx(rec.in_[j], rel=1e-12, abs=1e-15)
        assert a[j].data == pytest.approx(rec.a[j], rel=1e-12, abs=1e-15)
        # Delta_j = dJ/d in_j: the gradient arriving at the node in_j
        assert in_[j].grad == pytest.approx(rec.delta[j], rel=1e-12, abs=1e-15)
    for arc, wv in w.items():
        assert wv.grad == pytest.approx(rec.grad[arc], rel=1e-12, abs=1e-15)
    for j, bv in b.items():
        assert bv.grad == pytest.approx(rec.grad_bias[j], rel=1e-12, abs=1e-15)


def test_scalar_graph_gives_the_matrix_forms_grad_W():
    mlp = bp.MLP([2, 3, 1], loss="half_squared_error", seed=0)
    x, y = np.array([0.3, -1.2]), np.array([0.8])
    rec = mlp.backpropagate(x[:, None], y[:, None])
    W = {i: [[Value(float(v)) for v in row] for row in mlp.W[i]] for i in (1, 2)}
    bias = {i: [Value(float(v)) for v in mlp.b[i].ravel()] for i in (1, 2)}
    h = [Value(float(v)) for v in x]
    for i in (1, 2):
        z = [sum((wr * hc for wr, hc in zip(row, h, strict=True)), bias[i][r]) for r, row in enumerate(W[i])]
        h = [zr.sigmoid() for zr in z]  # h_i = s(W_i h_{i-1} + b_i)
    J = 0.5 * (float(y[0]) - h[0]) ** 2  # half squared error, as MLP's default
    J.backward()
    for i in (1, 2):
        np.testing.assert_allclose([[v.grad for v in row] for row in W[i]], rec.grad_W[i], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose([v.grad for v in bias[i]], np.ravel(rec.grad_b[i]), rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------- random expressions
# smooth operations only (relu and max have kinks where a difference quotient is meaningless);
# arguments are kept in each operation's domain: log(1 + e^2), e / (1 + e^2), exp(tanh e)
UNARY = [
    lambda e: e**2,
    lambda e: (e * e + 1.0) ** 0.5,
    lambda e: e.tanh().exp(),
    lambda e: (e * e + 1.0).log(),
    lambda e: e.sigmoid(),
    lambda e: e.tanh(),
    lambda e: -e,
    lambda e: 1.0 / (e * e + 1.0),
]
BINARY = [
    lambda p, q: p + q,
    lambda p, q: p - q,
    lambda p, q: p * q,
    lambda p, q: p / (q * q + 1.0),
    lambda p, q: 2.0 * p - q,
    lambda p, q: 3.0 + p * q,
]

leaf = st.sampled_from([0, 1, 2])  # one of three variables
tree = st.recursive(
    leaf,
    lambda sub: st.one_of(
        st.tuples(st.sampled_from(range(len(UNARY))), sub),
        st.tuples(st.sampled_from(range(len(BINARY))), sub, sub),
    ),
    max_leaves=8,
)


def evaluate(t, xs):
    if isinstance(t, int):
        return xs[t]
    if len(t) == 2:
        return UNARY[t[0]](evaluate(t[1], xs))
    return BINARY[t[0]](evaluate(t[1], xs), evaluate(t[2], xs))


@settings(max_examples=150, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(t=tree, point=st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3))
def test_random_expressions_agree_with_central_differences(t, point):
    xs = [Value(p) for p in point]
    try:
        J = evaluate(t, xs)
    except OverflowError:
        assume(False)
    assume(isinstance(J, Value) and abs(J.data) < 1e4)
    J.backward()
    h = 1e-6
    for k in range(3):
        up = [Value(p + (h if i == k else 0.0)) for i, p in enumerate(point)]
        down = [Value(p - (h if i == k else 0.0)) for i, p in enumerate(point)]
        numeric = (evaluate(t, up).data - evaluate(t, down).data) / (2 * h)
        assert xs[k].grad == pytest.approx(numeric, rel=1e-5, abs=1e-5 * (1.0 + abs(J.data)))


# --------------------------------------------------------------------- each gate by hand
def test_add_distributes_the_upstream_gradient():
    a, b = Value(2.0), Value(-3.0)
    J = (a + b) * 5.0  # dJ/d(a+b) = 5, and + hands 5 to both
    J.backward()
    assert (a.grad, b.grad) == (5.0, 5.0)


def test_multiply_swaps_its_inputs():
    # CS231n's f = (x + y) z at x = -2, y = 5, z = -4: q = 3, f = -12;
    # df/dz = q = 3, df/dq = z = -4, and + passes -4 to x and y
    x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    q = x + y
    f = q * z
    f.backward()
    assert f.data == -12.0
    assert (z.grad, q.grad, x.grad, y.grad) == (3.0, -4.0, -4.0, -4.0)


def test_max_routes_the_gradient_to_the_larger_input():
    a, b = Value(4.0), Value(1.0)
    J = a.max(b) * 2.0
    J.backward()
    assert (a.grad, b.grad) == (2.0, 0.0)
    c, d = Value(-1.0), Value(3.0)
    (c.max(d) * 2.0).backward()
    assert (c.grad, d.grad) == (0.0, 2.0)
    e, f = Value(1.5), Value(1.5)
    (e.max(f)).backward()  # a tie goes to the first input
    assert (e.grad, f.grad) == (1.0, 0.0)


def test_fan_out_sums_what_comes_back():
    # lecture 003: f = x^2 + xy + y^2, df/dx = 2x + y, df/dy = x + 2y; at (1, 2): 4 and 5
    x, y = Value(1.0), Value(2.0)
    f = x**2 + x * y + y**2
    f.backward()
    assert f.data == 7.0
    assert (x.grad, y.grad) == (4.0, 5.0)
    # x * x: x reaches the product twice, once per input; 3 + 3 = 6 = 2x
    u = Value(3.0)
    (u * u).backward()
    assert u.grad == 6.0


@pytest.mark.parametrize(
    ("make", "at", "value", "derivative"),
    [
        (lambda v: v - 4.0, 1.0, -3.0, 1.0),
        (lambda v: 4.0 - v, 1.0, 3.0, -1.0),
        (lambda v: 2.0 * v, 1.5, 3.0, 2.0),
        (lambda v: 1.0 + v, 1.5, 2.5, 1.0),
        (lambda v: v / 4.0, 2.0, 0.5, 0.25),
        (lambda v: 3.0 / v, 2.0, 1.5, -0.75),  # d(3/v)/dv = -3/v^2
        (lambda v: v**3, 2.0, 8.0, 12.0),  # 3 v^2
        (lambda v: v**0.5, 4.0, 2.0, 0.25),  # 1 / (2 sqrt v)
        (lambda v: -v, 2.0, -2.0, -1.0),
        (lambda v: +v, 2.0, 2.0, 1.0),
        (lambda v: v.exp(), 0.0, 1.0, 1.0),
        (lambda v: v.log(), 2.0, math.log(2.0), 0.5),
        (lambda v: v.sigmoid(), 0.0, 0.5, 0.25),  # sigma(0)(1 - sigma(0))
        (lambda v: v.tanh(), 0.0, 0.0, 1.0),
        (lambda v: v.relu(), 2.0, 2.0, 1.0),
        (lambda v: v.relu(), -1.0, 0.0, 0.0),
        (lambda v: v.max(1.0), 3.0, 3.0, 1.0),
        (lambda v: v.max(1.0), -3.0, 1.0, 0.0),
    ],
)
def test_each_gate_against_its_hand_derivative(make, at, value, derivative):
    v = Value(at)
    out = make(v)
    out.backward()
    assert out.data == pytest.approx(value, rel=1e-15)
    assert v.grad == pytest.approx(derivative, rel=1e-15)


def test_local_derivatives_are_kept_beside_the_forward():
    a, b = Value(3.0), Value(-2.0)
    assert (a * b).local == (-2.0, 3.0)  # swapped
    assert (a + b).local == (1.0, 1.0)
    assert (a / b).local == (-0.5, -0.75)  # 1/b, -a/b^2
    assert a.max(b).local == (1.0, 0.0)
    assert a.local == () and a.parents == () and a.op == ""


def test_every_operation_has_its_rule_written_once_per_input():
    a, b = Value(1.5), Value(0.5)
    made = [a + b, a - b, a * b, a / b, a**2, -a, a.exp(), a.log(), a.sigmoid(), a.tanh(), a.relu(), a.max(b)]
    assert sorted(v.op for v in made) == sorted(bp.scalar.RULES)
    for v in made:
        assert len(bp.scalar.RULES[v.op]) == len(v.local) == len(v.parents)


def test_sigmoid_equals_the_cores_sigmoid_even_far_out():
    for z in (-800.0, -30.0, -1.0, 0.3, 40.0, 800.0):
        assert Value(z).sigmoid().data == float(bp.sigmoid(z))


# --------------------------------------------------------------------- deep graphs, no recursion
def test_a_chain_of_10000_multiplications_runs_backward():
    x = Value(0.5)
    v = x
    for _ in range(10_000):
        v = v * 1.0001
    v.backward()
    # d(x c^n)/dx = c^n, multiplied up one factor at a time in the same order as the forward
    expected = 1.0
    for _ in range(10_000):
        expected *= 1.0001
    assert x.grad == pytest.approx(expected, rel=1e-12)
    assert len(v.order()) == 20_001  # x, and a constant and a product per step


def test_a_chain_of_100000_nodes_runs_backward():
    x = Value(0.25)
    v = x
    for _ in range(100_000):
        v = v.tanh()
    v.backward()
    # dv/dx = prod_k (1 - t_k^2) over the tanh outputs t_k, computed independently with floats
    t, expected = 0.25, 1.0
    for _ in range(100_000):
        t = math.tanh(t)
        expected *= 1.0 - t * t
    assert v.data == t
    assert x.grad == pytest.approx(expected, rel=1e-9)


# --------------------------------------------------------------------- backward's semantics
def test_backward_twice_gives_the_same_gradients_not_the_double():
    x, y = Value(1.0), Value(2.0)
    f = x * y + x
    f.backward()
    first = (x.grad, y.grad)
    f.backward()
    assert (x.grad, y.grad) == first == (3.0, 1.0)


def test_two_roots_sharing_a_node_each_get_their_own_gradient():
    x = Value(3.0)
    square, triple = x * x, x * 3.0
    square.backward()
    assert x.grad == 6.0
    triple.backward()  # the last backward decides x.grad: d(3x)/dx
    assert x.grad == 3.0


def test_backward_steps_visits_every_operation_once_in_reverse_topological_order():
    x, y = Value(1.0, "x"), Value(2.0, "y")
    q = x * y
    f = q + x
    visited = list(f.backward_steps())
    assert visited == [f, q]  # the leaves have no rule to run
    assert f.order()[-1] is f
    positions = {v: k for k, v in enumerate(f.order())}
    for node in f.order():
        assert all(positions[p] < positions[node] for p in node.parents)


# --------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        ("1.0", TypeError, "data must be a number, got str: '1.0'"),
        (True, TypeError, "data must be a number, got bool: True"),
        (None, TypeError, "data must be a number, got NoneType: None"),
        ([1.0], TypeError, "data must be a number, got list: [1.0]"),
        (float("nan"), ValueError, "data must be a finite number, got nan"),
        (float("-inf"), ValueError, "data must be a finite number, got -inf"),
    ],
)
def test_a_value_must_be_a_finite_number(data, error, message):
    with pytest.raises(error) as info:
        Value(data)
    assert str(info.value) == message


def test_numpy_numbers_are_numbers():
    assert Value(np.float64(1.5)).data == 1.5
    assert Value(np.int64(3)).data == 3.0


def test_bad_operands_and_domains_are_named():
    x = Value(2.0)
    with pytest.raises(TypeError, match=r"^the other operand must be a number, got str: 'a'$"):
        x + "a"
    with pytest.raises(TypeError, match=r"^the other operand must be a number, got bool: True$"):
        x * True
    with pytest.raises(ValueError, match=r"^log\(a\) needs a > 0, got a.data = -1.0$"):
        Value(-1.0).log()
    with pytest.raises(ValueError, match=r"^log\(a\) needs a > 0, got a.data = 0.0$"):
        Value(0.0).log()
    with pytest.raises(ZeroDivisionError, match=r"^a / b with b.data = 0: division by zero$"):
        x / 0
    with pytest.raises(ValueError, match=r"not an integer is not a real number$"):
        Value(-8.0) ** (1 / 3)
    with pytest.raises(TypeError, match=r"^the exponent of a \*\* p must be a number, got a Value"):
        x ** Value(2.0)
    with pytest.raises(OverflowError, match=r"^exp\(a\) overflows a float"):
        Value(1000.0).exp()
    with pytest.raises(OverflowError, match=r"^a \* b is not a finite number"):
        Value(1e200) * 1e200
    with pytest.raises(TypeError, match=r"^label must be a str, got int: 3$"):
        Value(1.0, label=3)
    with pytest.raises(ValueError, match=r"^data must be a finite number, got inf$"):
        x.data = float("inf")


def test_the_infinite_slope_of_a_root_at_zero_is_an_error_not_inf():
    v = Value(0.0)
    out = v**0.5
    assert out.data == 0.0
    with pytest.raises(ZeroDivisionError, match=r"^the local derivative of '\*\*' at Value\(data=0, .*\) is infinite"):
        out.backward()


def test_changing_data_after_use_makes_backward_refuse():
    x = Value(2.0, "x")
    f = x * x
    x.data = 3.0  # f still holds 4, built from the old x
    with pytest.raises(ValueError, match=r"had its \.data changed after it was used in a '\*' operation"):
        f.backward()
    g = x * x  # built again from the new number: fine
    g.backward()
    assert x.grad == 6.0


def test_a_cycle_cannot_be_built_and_one_forced_in_is_reported():
    a = Value(1.0, "a")
    b = a * 2.0
    order = b.order()
    assert order.index(a) < order.index(b)  # a node is made after its parents, never before
    a._parents = (b,)  # forced: the public API has no way to do this
    with pytest.raises(ValueError, match=r"^the graph has a cycle \(.*\): a value cannot depend on itself$"):
        b.backward()


def test_scalar_imports_only_the_floor_of_the_core():
    tree = ast.parse(Path(bp.scalar.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    core = {m for m in imported if m.startswith("bpteach")}
    assert core <= {"bpteach._checks", "bpteach.activations"}
    assert "numpy" not in imported
