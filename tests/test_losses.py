"""Losses l(a, y) per output neuron: values, derivatives, log_loss labels and its fused signal.

| loss | l(a, y) | l'(a) |
|---|---|---|
| squared_error (lecture 002) | (y - a)^2 | -2 (y - a) |
| half_squared_error (lectures 001, 003, 004) | 1/2 (y - a)^2 | a - y |
| log_loss (lecture 000) | -log p(y given x), t = I(y = 1) | (a - t) / (a (1 - a)) |
"""

import math
import re
from string import Template

import numpy as np
import pytest

import bpteach as bp
from bpteach.losses import LOSSES, get_loss

ALL = [bp.squared_error, bp.half_squared_error, bp.log_loss]
A = np.array([0.05, 0.2, 0.5, 0.7, 0.93])


def central_difference(f, a, h=1e-7):
    return (f(a + h) - f(a - h)) / (2 * h)


def test_registry_and_names():
    assert set(LOSSES) == {"squared_error", "half_squared_error", "log_loss"}
    for loss in ALL:
        assert LOSSES[loss.name] is loss and get_loss(loss.name) is loss and get_loss(loss) is loss


@pytest.mark.parametrize("g", [bp.sigmoid, bp.tanh, bp.identity], ids=lambda g: g.name)
@pytest.mark.parametrize("loss", ALL, ids=lambda l: l.name)
def test_delta_latex_filled_with_numbers_is_the_output_signal(loss, g):
    # the template bp.steps writes: its numeric filling, read as arithmetic, gives loss.delta
    z, y = 0.4, 1.0
    a = float(g(z))
    t = float(loss.targets(np.array(y)))
    numbers = {"dg": f"({float(g.derivative(z))!r})", "a": f"({a!r})", "y": f"({y!r})", "t": f"({t!r})"}
    text = Template(loss.delta_formula(g)).substitute(numbers)
    expr = re.sub(r"\\frac\{(.*)\}\{(.*)\}", r"(\1)/(\2)", text).replace(r"\,", "*")
    assert set(expr) <= set("0123456789.e+-*/() "), expr
    assert eval(expr, {"__builtins__": {}}) == pytest.approx(float(loss.delta(z, a, y, g)), rel=1e-12)


def test_values_against_the_lecture_formulas():
    y = np.array([1.0, 0.0, 1.0, 0.0, 1.0])
    np.testing.assert_allclose(bp.squared_error(A, y), (y - A) ** 2, rtol=1e-15)
    np.testing.assert_allclose(bp.half_squared_error(A, y), 0.5 * (y - A) ** 2, rtol=1e-15)
    expected = [-math.log(a) if t == 1 else -math.log(1 - a) for a, t in zip(A, y, strict=True)]
    np.testing.assert_allclose(bp.log_loss(A, y), expected, rtol=1e-14)
    assert bp.squared_error(0.25, 1.0) == pytest.approx(0.5625, rel=1e-15)  # (1 - 0.25)^2
    assert bp.half_squared_error(0.25, 1.0) == pytest.approx(0.28125, rel=1e-15)


@pytest.mark.parametrize("loss", ALL, ids=lambda l: l.name)
@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])
def test_derivative_matches_central_differences(loss, y):
    numeric = central_difference(lambda a: loss(a, np.full_like(a, y)), A)
    np.testing.assert_allclose(loss.derivative(A, np.full_like(A, y)), numeric, rtol=1e-7)


def test_known_derivatives():
    y = np.array([1.0, 0.0, 0.5, 0.0, 1.0])
    np.testing.assert_allclose(bp.squared_error.derivative(A, y), -2 * (y - A), rtol=1e-15)
    np.testing.assert_allclose(bp.half_squared_error.derivative(A, y), A - y, rtol=1e-15)


def test_log_loss_takes_plus_minus_one_labels_as_lecture_000():
    # lecture 000: log p(y_i | x_i) = log sigma(y_i w21^T h) with y_i in {-1, +1}
    z = np.array([-2.0, -0.3, 0.0, 0.8, 3.0])
    a = bp.sigmoid(z)
    for y in (-1.0, 1.0):
        expected = [-math.log(1 / (1 + math.exp(-y * v))) for v in z]
        np.testing.assert_allclose(bp.log_loss(a, np.full(5, y)), expected, rtol=1e-13)
        np.testing.assert_allclose(bp.log_loss.value(z, a, np.full(5, y), bp.sigmoid), expected, rtol=1e-13)
    pm = np.array([-1.0, 1.0, 1.0, -1.0, 1.0])
    np.testing.assert_array_equal(bp.log_loss(a, pm), bp.log_loss(a, (pm + 1) / 2))
    np.testing.assert_array_equal(bp.log_loss.derivative(a, pm), bp.log_loss.derivative(a, (pm + 1) / 2))


def test_log_loss_accepts_soft_targets():
    t = 0.3
    expected = -(t * np.log(A) + (1 - t) * np.log(1 - A))
    np.testing.assert_allclose(bp.log_loss(A, np.full_like(A, t)), expected, rtol=1e-14)


@pytest.mark.parametrize("y", [-1.0, 0.0, 1.0])
def test_fused_log_loss_signal_equals_the_unfused_product(y):
    z = np.linspace(-12, 12, 25)
    a = bp.sigmoid(z)
    t = 1.0 if y == 1.0 else 0.0
    ys = np.full_like(z, y)
    assert bp.log_loss.fused(bp.sigmoid)
    fused = bp.log_loss.delta(z, a, ys, bp.sigmoid)
    np.testing.assert_array_equal(fused, a - t)
    unfused = bp.log_loss.derivative(a, ys) * bp.sigmoid.derivative(z)  # l'(a) g'(z)
    assert np.all(np.isfinite(unfused))
    np.testing.assert_allclose(fused, unfused, rtol=1e-9, atol=1e-15)


def test_fused_log_loss_signal_does_not_underflow_at_plus_minus_50():
    z = np.array([-50.0, 50.0, -50.0, 50.0])
    y = np.array([0.0, 0.0, 1.0, 1.0])
    a = bp.sigmoid(z)
    fused = bp.log_loss.delta(z, a, y, bp.sigmoid)
    # a - t, exactly: sigma(-50) = e^-50 / (1 + e^-50) survives, no 0 * inf
    np.testing.assert_array_equal(fused, a - y)
    assert fused[0] == pytest.approx(math.exp(-50) / (1 + math.exp(-50)), rel=1e-14)
    assert fused[0] > 0
    assert fused[1] == 1.0 and fused[2] == -1.0
    # where the unfused product is finite it agrees: the fused form only removes the 0 * inf
    with np.errstate(divide="ignore", invalid="ignore"):
        unfused = bp.log_loss.derivative(a, y) * bp.sigmoid.derivative(z)
    finite = np.isfinite(unfused)
    assert not finite.all()  # at z = 50, t = 0 the textbook product is 0 * inf
    np.testing.assert_allclose(fused[finite], unfused[finite], rtol=1e-12)


def test_fused_log_loss_value_is_finite_where_a_saturates():
    # -log(1 - sigma(50)) = 50 + log(1 + e^-50): the value from z never takes log(0)
    z = np.array([50.0, -50.0, 800.0])
    a = bp.sigmoid(z)
    value = bp.log_loss.value(z, a, np.array([0.0, 1.0, 0.0]), bp.sigmoid)
    np.testing.assert_allclose(value, [50.0, 50.0, 800.0], rtol=1e-15)


def test_loss_value_from_z_equals_value_from_a_where_finite():
    z = np.linspace(-6, 6, 13)
    a = bp.sigmoid(z)
    for y in (0.0, 1.0):
        ys = np.full_like(z, y)
        np.testing.assert_allclose(bp.log_loss.value(z, a, ys, bp.sigmoid), bp.log_loss(a, ys), rtol=1e-12)


@pytest.mark.parametrize("loss", [bp.squared_error, bp.half_squared_error], ids=lambda l: l.name)
@pytest.mark.parametrize("g", [bp.sigmoid, bp.tanh, bp.relu, bp.identity], ids=lambda g: g.name)
def test_output_signal_is_l_prime_times_g_prime(loss, g):
    # Delta_j = l'(a_j) g'(in_j) (lecture 002) = d l(g(z)) / dz, checked by central differences
    z = np.array([-1.7, -0.4, 0.35, 1.2])
    y = np.array([0.2, -0.5, 0.9, 1.0])
    assert not loss.fused(g)
    numeric = central_difference(lambda v: loss(g(v), y), z)
    np.testing.assert_allclose(loss.delta(z, g(z), y, g), numeric, rtol=1e-7, atol=1e-12)


def test_log_loss_unfused_with_tanh_output_is_the_plain_product():
    assert not bp.log_loss.fused(bp.tanh)
    z = np.array([0.2, 0.9])
    a = bp.tanh(z)
    y = np.array([1.0, 0.0])
    expected = (a - y) / (a * (1 - a)) * (1 - np.tanh(z) ** 2)
    np.testing.assert_allclose(bp.log_loss.delta(z, a, y, bp.tanh), expected, rtol=1e-14)


def test_log_loss_rejects_other_labels():
    with pytest.raises(ValueError, match=r"labels in \{0, 1\}.*or in \{-1, \+1\}, got \[2\.\]"):
        bp.log_loss(np.array([0.5]), np.array([2.0]))
    with pytest.raises(ValueError, match=r"mixes the labels -1 and 0"):
        bp.log_loss(np.array([0.5, 0.5]), np.array([-1.0, 0.0]))


def test_mismatched_shapes_fail_naming_both():
    with pytest.raises(ValueError, match=r"a has shape \(3,\) but y has shape \(2,\)"):
        bp.squared_error(np.zeros(3), np.zeros(2))
    # a scalar y broadcasts, as a lecture's single target does
    np.testing.assert_array_equal(bp.squared_error(np.zeros(3), 1.0), np.ones(3))


@pytest.mark.parametrize(("z", "t"), [(50.0, 0.0), (-50.0, 1.0), (-50.0, 0.0)])
def test_saturated_sigmoid_output_still_learns_in_both_algorithms(z, t):
    # a single arc with w = z and x = 1: in = z, Delta = a - t, dJ/dw = (a - t) * 1, J = -log p
    net = bp.Network({(1, 2): z}, [1], [2], output_activation="sigmoid", loss="log_loss")
    mlp = bp.MLP([1, 1], loss="log_loss", bias=False, W={1: [[z]]})
    a = math.exp(min(z, 0.0)) / (1 + math.exp(-abs(z)))  # sigma(z) without overflow
    nrec = net.backpropagate([1.0], t)
    mrec = mlp.backpropagate([[1.0]], [[t]])
    for delta, grad, loss in (
        (nrec.delta[2], nrec.grad[(1, 2)], nrec.loss),
        (mrec.delta[1][0, 0], mrec.grad_W[1][0, 0], mrec.loss),
    ):
        assert delta == pytest.approx(a - t, rel=1e-14) and delta != 0.0
        assert grad == pytest.approx(a - t, rel=1e-14)
        expected_loss = math.log1p(math.exp(-abs(z))) + max(z, 0.0) - t * z  # log(1 + e^z) - t z
        assert loss == pytest.approx(expected_loss, rel=1e-14) and math.isfinite(loss)
