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
def test_each_activation_has_a_name_and_latex(act):
    assert isinstance(act.name, str) and act.name
    assert act.latex.count("{") == act.latex.count("}")
    assert "=" in act.latex and "=" in act.derivative_latex
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
    assert bp.sigmoid(-745.5) == 0.0 or bp.sigmoid(-745.5) < 1e-323


def test_sigmoid_derivative_is_s_times_one_minus_s():
    z = np.linspace(-8, 8, 33)
    s = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(bp.sigmoid.derivative(z), s * (1 - s), rtol=1e-13)
    assert bp.sigmoid.derivative(0.0) == 0.25


# z away from 0 so that relu's kink never sits inside the difference
Z = np.array([-4.0, -1.3, -0.2, 0.3, 0.9, 2.5, 6.0])


@pytest.mark.parametrize("act", ALL, ids=lambda a: a.name)
def test_derivative_matches_central_differences(act):
    numeric = central_difference(act, Z)
    np.testing.assert_allclose(act.derivative(Z), numeric, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("act", ALL, ids=lambda a: a.name)
def test_derivative_from_value_equals_derivative(act, rng):
    z = rng.normal(scale=3.0, size=200)
    z = z[np.abs(z) > 1e-3]
    np.testing.assert_array_equal(derivative_from_value(act, z, act(z)), act.derivative(z))


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
