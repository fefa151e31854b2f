"""Activations g (lecture 002) = s (lecture 000): values, derivatives, stability, names.

Every derivative is checked against central differences of the value, never against itself.
"""

import math

import numpy as np
import pytest

import bpteach as bp
from bpteach.activations import ACTIVATIONS, derivative_from_value, get_activation

ALL = [bp.sigmoid, bp.tanh, bp.relu, bp.identity]


def central_difference(f, z, h=1e-6):
    return (f(z + h) - f(z - h)) / (2 * h)


def test_registry_holds_the_four_activations_by_name():
    assert set(ACTIVATIONS) == {"sigmoid", "tanh", "relu", "identity"}
    for act in ALL:
        assert ACTIVATIONS[act.name] is act
        assert get_activation(act.name) is act
        assert get_activation(act) is act


@pytest.mark.parametrize("act", ALL, ids=lambda a: a.name)
def test_each_activations_latex_is_valid_math_that_names_it(act):
    from matplotlib.mathtext import MathTextParser

    parser = MathTextParser("path")
    for formula in (act.latex, act.derivative_latex):
        parser.parse(f"${formula}$")  # raises ValueError on LaTeX mathtext cannot read
    # the left sides are g(z) and g'(z) with one symbol g: the steps write g(in_j) and g'(in_j) with it
    symbol = act.latex.split("(z) = ")[0]
    assert act.derivative_latex.startswith(f"{symbol}'(z) = ")
    assert act.name in repr(act)


def test_values_against_their_textbook_definitions():
    z = np.array([-3.0, -0.5, 0.0, 0.25, 2.0])
    np.testing.assert_allclose(bp.sigmoid(z), [1 / (1 + math.exp(-v)) for v in z], rtol=1e-15)
    np.testing.assert_allclose(
        bp.tanh(z),
        [(math.exp(v) - math.exp(-v)) / (math.exp(v) + math.exp(-v)) for v in z],
        rtol=1e-14,
        atol=1e-16,
    )
    np.testing.assert_array_equal(bp.relu(z), [0.0, 0.0, 0.0, 0.25, 2.0])
    np.testing.assert_array_equal(bp.identity(z), z)
    assert bp.sigmoid(0.0) == 0.5


def test_sigmoid_is_exact_at_plus_minus_1000_without_warning():
    # pytest runs with warnings as errors, so an overflow warning would fail this test
    assert bp.sigmoid(1000.0) == 1.0
    assert bp.sigmoid(-1000.0) == 0.0
    np.testing.assert_array_equal(bp.sigmoid(np.array([-1000.0, 1000.0])), [0.0, 1.0])
    np.testing.assert_array_equal(bp.sigmoid.derivative(np.array([-1000.0, 1000.0])), [0.0, 0.0])
    with np.errstate(all="raise"):  # and no floating-point error slips through silently
        assert bp.sigmoid(np.array([-1000.0]))[0] == 0.0


def test_sigmoid_keeps_relative_accuracy_in_its_tails():
    # sigma(-30) = e^-30 / (1 + e^-30); a 1 - sigma(30) formula would lose every digit
    for z in (-30.0, -100.0, -700.0):
        expected = math.exp(z) / (1 + math.exp(z))
        assert bp.sigmoid(z) == pytest.approx(expected, rel=1e-14)
    # past z = -709.78, e^-z overflows and sigma(z) is 0; the true value there is below the smallest
    # normal float (about 2.2e-308), an absolute error no gradient can see
    for z in (-710.0, -740.0, -745.5):
        assert bp.sigmoid(z) == 0.0 and math.exp(z) < 2.3e-308
    assert bp.sigmoid(-709.0) == pytest.approx(math.exp(-709.0), rel=1e-14)  # the last z before overflow


def test_sigmoid_derivative_is_its_closed_form_from_exp():
    # sigma'(z) = e^-z / (1 + e^-z)^2, written with math.exp: no sigma(1 - sigma) anywhere
    z = np.linspace(-30, 30, 61)
    expected = [math.exp(-v) / (1 + math.exp(-v)) ** 2 for v in z]
    np.testing.assert_allclose(bp.sigmoid.derivative(z), expected, rtol=1e-12, atol=1e-300)
    assert bp.sigmoid.derivative(0.0) == 0.25


# z away from 0 so that relu's kink never sits inside the difference
Z = np.array([-4.0, -1.3, -0.2, 0.3, 0.9, 2.5, 6.0])


@pytest.mark.parametrize("act", ALL, ids=lambda a: a.name)
def test_derivative_matches_central_differences(act):
    numeric = central_difference(act, Z)
    np.testing.assert_allclose(act.derivative(Z), numeric, rtol=1e-8, atol=1e-10)


# g'(z) by closed forms that never call the package: what derivative_from_value must give from a = g(z)
CLOSED_FORMS = {
    "sigmoid": lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2,
    "tanh": lambda z: 1 / np.cosh(z) ** 2,
    "relu": lambda z: (z > 0).astype(float),
    "identity": np.ones_like,
}


@pytest.mark.parametrize("act", ALL, ids=lambda a: a.name)
def test_derivative_from_value_is_the_closed_form(act, rng):
    z = rng.normal(scale=3.0, size=200)
    z = z[np.abs(z) > 1e-3]
    expected = CLOSED_FORMS[act.name](z)
    np.testing.assert_allclose(act.derivative(z), expected, rtol=1e-10, atol=1e-300)
    # from a = g(z), 1 - a cancels where g saturates: the error is absolute, a few ulps of 1
    np.testing.assert_allclose(derivative_from_value(act, z, act(z)), expected, rtol=1e-10, atol=1e-15)


def test_known_derivative_values():
    # 1 - tanh^2 cancels where tanh is near 1: a few ulps of tanh become 1e-12 relative at z = 6
    np.testing.assert_allclose(bp.tanh.derivative(Z), 1 / np.cosh(Z) ** 2, rtol=1e-10)
    np.testing.assert_array_equal(bp.relu.derivative(Z), (Z > 0).astype(float))
    np.testing.assert_array_equal(bp.identity.derivative(Z), np.ones_like(Z))
    assert bp.relu.derivative(0.0) == 0.0  # the subgradient chosen at the kink


@pytest.mark.parametrize("act", ALL, ids=lambda a: a.name)
def test_shape_is_preserved_and_input_not_modified(act):
    z = np.arange(-3.0, 3.0).reshape(2, 3)
    before = z.copy()
    assert act(z).shape == (2, 3) and act.derivative(z).shape == (2, 3)
    np.testing.assert_array_equal(z, before)
    out = act(z)
    out[...] = 99.0  # the result is a new array, never a view of the caller's z
    np.testing.assert_array_equal(z, before)


def test_activations_accept_lists_and_scalars():
    assert bp.sigmoid([0.0, 0.0]).tolist() == [0.5, 0.5]
    assert float(bp.tanh(0)) == 0.0


def test_activation_of_text_fails_naming_z():
    with pytest.raises(TypeError, match=r"z must be numbers"):
        bp.sigmoid("abc")
