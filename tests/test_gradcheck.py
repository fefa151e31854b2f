"""bp.gradcheck and bp.numerical_gradient: central differences for a Network, an MLP or a Chain."""

import re

import numpy as np
import pytest

import bpteach as bp


def linear_model():
    # identity output, half squared error: J = (1/n) sum 1/2 (y - W x)^2, grad W = (W X - Y) X^T / n
    W = np.array([[0.3, -0.7, 1.1]])
    return bp.MLP([3, 1], "identity", bias=False, W={1: W}), W


def test_numerical_gradient_of_a_quadratic_is_its_closed_form():
    mlp, W = linear_model()
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(3, 4)), rng.normal(size=(1, 4))
    numeric = bp.numerical_gradient(mlp, X, Y)
    np.testing.assert_allclose(numeric["W1"], (W @ X - Y) @ X.T / 4, rtol=1e-9)


def test_numerical_gradient_restores_every_weight_exactly():
    net = bp.Network.layered([2, 3, 1], bias=True, seed=1)
    before_w, before_b = net.w.copy(), net.b.copy()
    bp.numerical_gradient(net, np.array([0.3, 0.4]), 0.5)
    np.testing.assert_array_equal(net.w, before_w)
    np.testing.assert_array_equal(net.b, before_b)


@pytest.mark.parametrize("kind", ["Network", "MLP", "Chain"])
def test_gradcheck_agrees_on_a_correct_gradient(kind):
    mlp = bp.MLP([2, 3, 2], "tanh", seed=2)
    mlp.b[1][:] = [0.1, -0.3, 0.2]
    model = {"MLP": mlp, "Network": bp.to_network(mlp), "Chain": bp.to_chain(mlp)}[kind]
    X = np.array([[0.5, -1.0, 0.2], [0.3, 0.8, -0.6]])
    Y = np.array([[0.1, 0.4, -0.2], [0.7, -0.5, 0.3]])
    check = bp.gradcheck(model, X, Y)
    assert check.ok and check.max_rel_error < 1e-7
    assert check.n_checked == 6 + 3 + 6 + 2
    assert "agree" in str(check) and "17 weights checked" in str(check)
    label = r"w_\(\d+, \d+\)|b_\d+" if kind == "Network" else r"[Wb]\[\d\]\[\d+(, \d+)?\]"
    assert re.fullmatch(label, check.where), check.where


class WrongGradient(bp.MLP):
    """An MLP whose back-propagation forgets s'(z) in the hidden layer (a classic slip)."""

    def backpropagate(self, X, Y, reduction="mean"):
        rec = super().backpropagate(X, Y, reduction)
        X_ = np.asarray(X, float)
        delta1 = self.W[2].T @ rec.delta[2]  # missing ⊙ s'(z_1)
        rec.grad_W[1] = delta1 @ X_.T / X_.shape[1]
        return rec


def test_gradcheck_catches_a_wrong_gradient_and_says_where():
    model = WrongGradient([2, 3, 1], seed=3, bias=False)
    X = np.array([[0.5, -1.0], [0.3, 0.8]])
    Y = np.array([[0.1, 0.4]])
    check = bp.gradcheck(model, X, Y)
    assert not check.ok and check.max_rel_error > 0.1
    assert check.where.startswith("W[1]")
    assert "DISAGREE" in str(check)
    assert check.analytic != pytest.approx(check.numeric, rel=1e-3)


def test_a_larger_eps_makes_central_differences_worse():
    # truncation error grows as eps^2: the check reflects it (so it measures something real)
    mlp = bp.MLP([2, 3, 1], "sigmoid", seed=4, scale=3.0)
    X, Y = np.array([[1.5], [-2.0]]), np.array([[0.9]])
    fine = bp.gradcheck(mlp, X, Y, eps=1e-5).max_rel_error
    coarse = bp.gradcheck(mlp, X, Y, eps=1e-1).max_rel_error
    assert coarse > 100 * fine
