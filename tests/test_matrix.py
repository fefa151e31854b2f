"""Matrix form (lecture 000's recipe): shapes, the record, parameters, and the other views."""

import numpy as np
import pytest

import bpteach as bp
from bpteach.init import default_scale, draw_weights, rng_from


def test_weights_have_the_lecture_shapes_and_layers_count_from_1():
    mlp = bp.MLP([4, 3, 2])
    assert mlp.m == 2 and mlp.sizes == [4, 3, 2]
    assert sorted(mlp.W) == [1, 2] and mlp.W[1].shape == (3, 4) and mlp.W[2].shape == (2, 3)
    assert mlp.b[1].shape == (3,) and mlp.b[2].shape == (2,)
    assert not np.any(mlp.b[1]) and not np.any(mlp.b[2])  # biases start at 0
    assert list(mlp.parameters()) == ["W1", "b1", "W2", "b2"]
    assert list(bp.MLP([4, 3, 2], bias=False).parameters()) == ["W1", "W2"]
    assert mlp.neuron_ids() == [[1, 2, 3, 4], [5, 6, 7], [8, 9]]


def test_record_shapes_follow_the_lectures():
    mlp = bp.MLP([4, 3, 2])
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, 5))
    rec = mlp.backpropagate(X, rng.uniform(size=(2, 5)))
    assert rec.z[0] is None and rec.delta[0] is None and rec.grad_W[0] is None
    assert rec.h[0] is not None and np.array_equal(rec.h[0], X)
    for i, n in ((1, 3), (2, 2)):
        assert rec.z[i].shape == rec.h[i].shape == rec.delta[i].shape == (n, 5)
        assert rec.grad_W[i].shape == mlp.W[i].shape and rec.grad_b[i].shape == mlp.b[i].shape
    assert list(rec.gradients()) == list(mlp.parameters())


def test_the_recipe_on_a_hand_sized_example():
    # one example, 1-1-1 network: every quantity by hand
    mlp = bp.MLP([1, 1, 1], W={1: [[2.0]], 2: [[-1.5]]}, b={1: [0.5], 2: [0.25]})
    x, y = 0.4, 0.8
    z1 = 2.0 * x + 0.5
    h1 = 1 / (1 + np.exp(-z1))
    z2 = -1.5 * h1 + 0.25
    h2 = 1 / (1 + np.exp(-z2))
    delta2 = (h2 - y) * h2 * (1 - h2)  # l'(f) s'(z_m), half squared error
    delta1 = -1.5 * delta2 * h1 * (1 - h1)  # (W_2^T delta_2) s'(z_1)
    rec = mlp.backpropagate([[x]], [[y]])
    assert rec.loss == pytest.approx(0.5 * (y - h2) ** 2, rel=1e-14)
    assert rec.grad_W[2][0, 0] == pytest.approx(delta2 * h1, rel=1e-13)
    assert rec.grad_W[1][0, 0] == pytest.approx(delta1 * x, rel=1e-13)
    assert rec.grad_b[1][0] == pytest.approx(delta1, rel=1e-13)


def test_batch_gradient_is_the_mean_and_sum_accumulates():
    mlp = bp.MLP([3, 4, 2], "tanh", seed=2)
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(3, 6)), rng.normal(size=(2, 6))
    mean, total = mlp.backpropagate(X, Y), mlp.backpropagate(X, Y, reduction="sum")
    singles = [mlp.backpropagate(X[:, [e]], Y[:, [e]]) for e in range(6)]
    for i in (1, 2):
        per = np.array([r.grad_W[i] for r in singles])
        np.testing.assert_allclose(mean.grad_W[i], per.mean(axis=0), rtol=1e-12, atol=1e-16)
        np.testing.assert_allclose(total.grad_W[i], per.sum(axis=0), rtol=1e-12, atol=1e-16)
    assert mean.loss == pytest.approx(np.mean([r.loss for r in singles]), rel=1e-13)
    assert total.loss == pytest.approx(6 * mean.loss, rel=1e-13)


def test_one_example_may_be_a_vector_and_one_output_a_row():
    mlp = bp.MLP([2, 3, 1], seed=1)
    x = np.array([0.3, -0.2])
    a = mlp.backpropagate(x, 0.7)
    b = mlp.backpropagate(x[:, None], [[0.7]])
    np.testing.assert_array_equal(a.grad_W[1], b.grad_W[1])
    X = np.array([[0.3, 0.1], [-0.2, 0.5]])
    np.testing.assert_array_equal(
        mlp.backpropagate(X, [0.7, 0.2]).grad_W[2], mlp.backpropagate(X, [[0.7, 0.2]]).grad_W[2]
    )


def test_predict_and_loss_agree_with_the_record():
    mlp = bp.MLP([2, 3, 2], seed=3)
    X = np.array([[0.1, 0.9, -0.4], [0.4, -0.2, 0.3]])
    Y = np.array([[0.3, 0.6, 0.1], [0.9, 0.2, 0.4]])
    rec = mlp.backpropagate(X, Y)
    np.testing.assert_array_equal(mlp.predict(X), rec.h[2])
    assert mlp.loss(X, Y) == rec.loss
    assert mlp.loss(X, Y, reduction="sum") == pytest.approx(3 * rec.loss, rel=1e-14)


def test_parameters_are_live_and_copy_is_independent():
    mlp = bp.MLP([2, 2, 1], seed=0)
    params = mlp.parameters()
    assert params["W1"] is mlp.W[1] and params["b2"] is mlp.b[2]
    twin = mlp.copy()
    params["W1"][0, 0] += 1.0
    assert twin.W[1][0, 0] == pytest.approx(mlp.W[1][0, 0] - 1.0, rel=1e-15)
    assert repr(twin) == repr(mlp)
    layers = mlp.parameter_layers()
    assert layers["W2"].shape == mlp.W[2].shape and np.all(layers["W2"] == 2)


def test_given_weights_are_copied_not_aliased():
    W1 = np.ones((2, 2))
    mlp = bp.MLP([2, 2, 1], W={1: W1, 2: np.ones((1, 2))})
    W1[0, 0] = 5.0
    assert mlp.W[1][0, 0] == 1.0
    seq = bp.MLP([2, 2, 1], W=[np.ones((2, 2)), np.ones((1, 2))], bias=False)
    assert seq.W[2].shape == (1, 2)


def test_to_network_is_the_same_function_neuron_by_neuron():
    mlp = bp.MLP([3, 4, 2], "relu", "sigmoid", "log_loss", seed=5)
    mlp.b[1][:] = [0.1, -0.2, 0.3, 0.0]
    net = bp.to_network(mlp)
    ids = mlp.neuron_ids()
    assert net.inputs == ids[0] and net.outputs == ids[2] and net.hidden == ids[1]
    for i in (1, 2):
        for r, j in enumerate(ids[i]):
            for c, src in enumerate(ids[i - 1]):
                assert net.weight(src, j) == mlp.W[i][r, c]
            assert net.bias[j] == mlp.b[i][r]
    X = np.random.default_rng(5).normal(size=(3, 4))
    np.testing.assert_allclose(net.predict(X), mlp.predict(X), rtol=1e-14)
    assert net.g is bp.relu and net.g_out is bp.sigmoid and net.loss_fn is bp.log_loss


def test_side_by_side_pairs_every_delta_and_every_gradient():
    mlp = bp.MLP([2, 3, 1], seed=4)
    mlp.b[1][:] = [0.2, -0.1, 0.05]
    table = bp.side_by_side(mlp, [0.6, -0.9], [0.25])
    # 4 neurons with a Delta, 9 arcs, 4 biases
    assert len(table) == 4 + 9 + 4
    assert table.max_difference < 1e-15
    rows = {r.node: r for r in table}
    rec = mlp.backpropagate([[0.6], [-0.9]], [[0.25]])
    assert rows["Delta_6"].matrix == "delta_2[0]"
    assert rows["Delta_6"].node_value == pytest.approx(rec.delta[2][0, 0], rel=1e-15)
    assert rows["dJ/dw_(1, 3) = Delta_3 a_1"].matrix == "grad W_1[0, 0]"
    assert rows["dJ/db_5 = Delta_5"].matrix_value == pytest.approx(rec.grad_b[1][2], rel=1e-15)
    text = str(table)
    assert "Delta_6" in text and "delta_2[0]" in text and "largest difference" in text
    assert "<table>" in table._repr_html_() and "&gt;" not in table._repr_html_()


# --------------------------------------------------------------------------- initialisation
def test_initialisation_is_seeded_and_reproducible():
    a, b = bp.MLP([5, 4, 3], seed=7), bp.MLP([5, 4, 3], seed=7)
    np.testing.assert_array_equal(a.W[1], b.W[1])
    assert not np.array_equal(a.W[1], bp.MLP([5, 4, 3], seed=8).W[1])
    g = np.random.default_rng(1)
    assert rng_from(g) is g


@pytest.mark.parametrize(
    ("scheme", "scale", "expected_std"),
    [
        ("normal", None, 1.0 / np.sqrt(400)),  # N(0, sigma^2 / m), lecture 001
        ("normal", 2.0, 2.0 / np.sqrt(400)),
        ("uniform", 0.5, 0.5 / np.sqrt(3)),  # RAND(-eps, eps), lecture 002
        ("xavier", None, np.sqrt(6 / 600) / np.sqrt(3)),
        ("he", None, np.sqrt(2 / 400)),
    ],
)
def test_initialisation_schemes_have_their_spread(scheme, scale, expected_std):
    W = draw_weights((200, 400), scheme, scale, np.random.default_rng(0))
    assert W.shape == (200, 400)
    assert W.std() == pytest.approx(expected_std, rel=0.02)
    assert abs(W.mean()) < 0.01 * expected_std * 10
    if scheme == "uniform":
        assert W.min() >= -0.5 and W.max() <= 0.5
    assert default_scale("uniform") == 0.5 and default_scale("he") == 1.0
