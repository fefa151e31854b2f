"""Blocks (lecture 004): each block's backward(dL/dy) -> dL/dx and its stored dL/dW, checked by
central differences on a scalar L = sum(R * y) whose dL/dy is the random matrix R."""

import numpy as np
import pytest

import bpteach as bp


def numeric_gradient(f, X, h=1e-6):
    """d f / d X by central differences (f returns a float)."""
    G = np.zeros_like(X)
    for idx in np.ndindex(X.shape):
        old = X[idx]
        X[idx] = old + h
        plus = f()
        X[idx] = old - h
        minus = f()
        X[idx] = old
        G[idx] = (plus - minus) / (2 * h)
    return G


def test_linear_block_forward_and_backward():
    rng = np.random.default_rng(0)
    W, b, x = rng.normal(size=(4, 3)), rng.normal(size=4), rng.normal(size=(3, 5))
    R = rng.normal(size=(4, 5))  # dL/dy for L = sum(R * y)
    lin = bp.Linear(W, b)
    np.testing.assert_allclose(lin.forward(x), W @ x + b[:, None], rtol=1e-14)
    dL_dx = lin.backward(R)

    def L():
        return float(np.sum(R * lin.forward(x)))

    np.testing.assert_allclose(dL_dx, numeric_gradient(L, x), rtol=1e-7)
    np.testing.assert_allclose(lin.dL_dW, numeric_gradient(L, lin.W), rtol=1e-7)
    np.testing.assert_allclose(lin.dL_db, numeric_gradient(L, lin.b), rtol=1e-7)
    assert lin.learnable and "bias=True" in repr(lin)


@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu", "identity"])
def test_activation_block_backward(act):
    rng = np.random.default_rng(1)
    x = rng.uniform(0.1, 2.0, size=(3, 4)) * rng.choice([-1.0, 1.0], size=(3, 4))  # no kink
    R = rng.normal(size=(3, 4))
    block = bp.ActivationBlock(act)
    y = block.forward(x)
    np.testing.assert_array_equal(y, bp.activations.ACTIVATIONS[act](x))
    dL_dx = block.backward(R)
    numeric = numeric_gradient(lambda: float(np.sum(R * block.forward(x))), x)
    np.testing.assert_allclose(dL_dx, numeric, rtol=1e-7, atol=1e-10)
    assert not block.learnable


@pytest.mark.parametrize("loss", ["squared_error", "half_squared_error", "log_loss"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_loss_block_backward(loss, reduction):
    rng = np.random.default_rng(2)
    a = rng.uniform(0.1, 0.9, size=(2, 3))
    y = rng.choice([0.0, 1.0], size=(2, 3))
    block = bp.LossBlock(loss, reduction)
    L = block.forward(a, y)
    expected = bp.losses.LOSSES[loss](a, y).sum()
    want = expected / 3 if reduction == "mean" else expected
    assert want == pytest.approx(L, rel=1e-14)
    dL_da = block.backward()
    numeric = numeric_gradient(lambda: block.forward(a, y), a)
    np.testing.assert_allclose(dL_da, numeric, rtol=1e-7)


def test_lecture004_three_four_one_chain_matches_the_mlp():
    # z = W x (4 x 3), y = phi(z), O = W' y (1 x 4), P = phi(O), L = (GT - P)^2
    rng = np.random.default_rng(3)
    W, Wp = rng.normal(size=(4, 3)), rng.normal(size=(1, 4))
    chain = bp.Chain(
        [bp.Linear(W), bp.ActivationBlock("sigmoid"), bp.Linear(Wp), bp.ActivationBlock("sigmoid")],
        loss="squared_error",
    )
    x, gt = rng.normal(size=(3, 1)), np.array([[0.8]])
    rec = chain.backpropagate(x, gt)
    # by hand, as the slides' detailed view
    y = 1 / (1 + np.exp(-(W @ x)))
    P = 1 / (1 + np.exp(-(Wp @ y)))
    dO = -2 * (gt - P) * P * (1 - P)
    dWp = dO @ y.T
    dW = ((Wp.T @ dO) * y * (1 - y)) @ x.T
    assert rec.loss == pytest.approx(((gt - P) ** 2).item(), rel=1e-14)
    np.testing.assert_allclose(rec.gradients()["W2"], dWp, rtol=1e-13)
    np.testing.assert_allclose(rec.gradients()["W1"], dW, rtol=1e-13)
    mlp = bp.MLP([3, 4, 1], loss="squared_error", bias=False, W={1: W, 2: Wp})
    np.testing.assert_allclose(mlp.backpropagate(x, gt).grad_W[1], dW, rtol=1e-13)
    # the trace records dL/dy handed back at every stage, from the loss to the first block
    assert len(chain.trace) == 5 and chain.trace[0][0] == "loss"
    np.testing.assert_allclose(chain.trace[-1][1], W.T @ ((Wp.T @ dO) * y * (1 - y)), rtol=1e-13)


def test_to_chain_shares_the_mlps_weight_arrays():
    mlp = bp.MLP([2, 3, 1], seed=0)
    chain = bp.to_chain(mlp)
    X = np.array([[0.5, -0.2], [0.1, 0.9]])
    np.testing.assert_allclose(chain.forward(X), mlp.predict(X), rtol=1e-15)
    mlp.W[2][0, 0] += 1.0  # training the MLP trains the chain
    np.testing.assert_allclose(chain.forward(X), mlp.predict(X), rtol=1e-15)
    assert chain.parameters()["W2"] is mlp.W[2] and chain.parameters()["b1"] is mlp.b[1]
    assert len(chain.linear_blocks()) == 2
    assert repr(chain).startswith("Chain(Linear") and "half_squared_error" in repr(chain)
    assert "loss=" in repr(chain.backpropagate(X, [[0.1, 0.2]]))
