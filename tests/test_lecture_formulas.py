"""The lectures' closed forms, computed by hand here and compared with the algorithms.

Nothing below calls the algorithm under test to get an expected value: the forward passes are
plain Python arithmetic (math.exp), and the gradients are the formulas the slides derive.
"""

import math

import numpy as np
import pytest

import bpteach as bp


def s(v):
    return 1.0 / (1.0 + math.exp(-v))


def ds(v):
    return s(v) * (1.0 - s(v))


def dot(u, v):
    return sum(a * b for a, b in zip(u, v, strict=True))


# --------------------------------------------------------------------------- lecture 000
# p(y | x) = sigma(w21^T [sigma(w11^T x), sigma(w12^T x)]^T), labels y in {-1, +1},
# ll(W) = sum_i log p(y_i | x_i); the package minimises J = -ll (log_loss, reduction="sum").
W11 = [0.7, -1.2, 0.4]
W12 = [-0.3, 0.8, 1.1]
W21 = [1.5, -0.9]
XS = [[0.5, 1.0, -0.2], [-1.3, 0.4, 0.9], [2.0, -0.7, 0.1], [0.2, 0.2, -1.5]]
YS = [1, -1, -1, 1]


def lecture000_closed_forms():
    grad_w21 = [0.0, 0.0]
    grad_w11 = [0.0, 0.0, 0.0]
    grad_w12 = [0.0, 0.0, 0.0]
    grad_w21_signed = [0.0, 0.0]
    ll = 0.0
    for x, y in zip(XS, YS, strict=True):
        h = [s(dot(W11, x)), s(dot(W12, x))]
        raw_error = (1.0 if y == 1 else 0.0) - s(dot(W21, h))  # I(y_i = 1) - sigma(w21^T h)
        ll += math.log(s(y * dot(W21, h)))
        for k in range(2):
            grad_w21[k] += raw_error * h[k]
            # the slide's previous line: (1 - sigma(y_i w21^T h)) y_i h
            grad_w21_signed[k] += (1 - s(y * dot(W21, h))) * y * h[k]
        for k in range(3):
            # blame for error: w21[1] sigma(w11^T x_i) (1 - sigma(w11^T x_i)) x_i
            grad_w11[k] += raw_error * W21[0] * ds(dot(W11, x)) * x[k]
            grad_w12[k] += raw_error * W21[1] * ds(dot(W12, x)) * x[k]
    return ll, grad_w21, grad_w11, grad_w12, grad_w21_signed


def lecture000_mlp():
    return bp.MLP([3, 2, 1], "sigmoid", loss="log_loss", bias=False, W={1: [W11, W12], 2: [W21]})


def test_lecture000_the_two_forms_of_grad_w21_agree():
    _, grad_w21, _, _, signed = lecture000_closed_forms()
    np.testing.assert_allclose(signed, grad_w21, rtol=1e-13)


def test_lecture000_matrix_form_is_minus_the_likelihood_gradient():
    ll, grad_w21, grad_w11, grad_w12, _ = lecture000_closed_forms()
    X = np.array(XS).T  # examples are columns
    Y = np.array([YS], dtype=float)
    rec = lecture000_mlp().backpropagate(X, Y, reduction="sum")
    assert rec.loss == pytest.approx(-ll, rel=1e-13)
    np.testing.assert_allclose(rec.grad_W[2][0], [-g for g in grad_w21], rtol=1e-12)
    np.testing.assert_allclose(rec.grad_W[1][0], [-g for g in grad_w11], rtol=1e-12)
    np.testing.assert_allclose(rec.grad_W[1][1], [-g for g in grad_w12], rtol=1e-12)
    # the "raw error" is delta_2 with its sign flipped: delta_m = a - I(y = 1)
    for i, (x, y) in enumerate(zip(XS, YS, strict=True)):
        h = [s(dot(W11, x)), s(dot(W12, x))]
        assert rec.delta[2][0, i] == pytest.approx(s(dot(W21, h)) - (y == 1), rel=1e-12)


def test_lecture000_node_level_is_minus_the_likelihood_gradient():
    ll, grad_w21, grad_w11, _, _ = lecture000_closed_forms()
    net = bp.to_network(lecture000_mlp())  # inputs 1, 2, 3; hidden 4, 5; output 6
    rec = net.backpropagate(np.array(XS).T, np.array(YS, dtype=float), reduction="sum")
    assert rec.loss == pytest.approx(-ll, rel=1e-13)
    assert [rec.grad[(4, 6)], rec.grad[(5, 6)]] == pytest.approx([-g for g in grad_w21], rel=1e-12)
    assert [rec.grad[(i, 4)] for i in (1, 2, 3)] == pytest.approx([-g for g in grad_w11], rel=1e-12)


def test_lecture000_mean_reduction_divides_by_n():
    _, grad_w21, _, _, _ = lecture000_closed_forms()
    rec = lecture000_mlp().backpropagate(np.array(XS).T, np.array([YS], dtype=float))
    np.testing.assert_allclose(rec.grad_W[2][0], [-g / len(XS) for g in grad_w21], rtol=1e-12)


# --------------------------------------------------------------------------- lecture 002
# The 7-neuron network: inputs 1, 2; hidden 3, 4 then 5, 6; output 7; J = (y - a_7)^2.
def test_network_layered_numbers_the_seven_neurons_as_lecture_002():
    net = bp.Network.layered([2, 2, 2, 1])
    assert net.inputs == [1, 2] and net.outputs == [7] and net.hidden == [3, 4, 5, 6]
    assert sorted(net.arcs) == [(1, 3), (1, 4), (2, 3), (2, 4), (3, 5), (3, 6), (4, 5), (4, 6), (5, 7), (6, 7)]
    assert net.loss_fn is bp.squared_error and net.g is bp.sigmoid
    assert all(-0.5 <= w <= 0.5 for w in net.w)  # RAND(-eps, eps), eps = 0.5


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lecture002_expansions_of_the_deltas_and_gradients(seed):
    net = bp.Network.layered([2, 2, 2, 1], seed=seed, scale=2.0)
    w = {arc: net.weight(*arc) for arc in net.arcs}
    x1, x2, y = 0.8, -0.35, 0.9
    a = {1: x1, 2: x2}
    in_ = {}
    for j in (3, 4, 5, 6, 7):  # in_j = sum_{i:(i,j) in A} w_ij a_i, a_j = g(in_j)
        in_[j] = sum(w[(i, jj)] * a[i] for (i, jj) in w if jj == j)
        a[j] = s(in_[j])

    delta7 = -2 * (y - a[7]) * ds(in_[7])
    delta5 = delta7 * w[(5, 7)] * ds(in_[5])
    delta6 = delta7 * w[(6, 7)] * ds(in_[6])
    delta3 = ds(in_[3]) * (w[(3, 5)] * delta7 * w[(5, 7)] * ds(in_[5]) + w[(3, 6)] * delta7 * w[(6, 7)] * ds(in_[6]))
    dw57 = -2 * (y - a[7]) * ds(in_[7]) * a[5]
    dw35 = -2 * (y - a[7]) * ds(in_[7]) * w[(5, 7)] * ds(in_[5]) * a[3]
    dw13 = delta3 * a[1]  # the slide's "Delta_3 a_11" is a typo for a_1

    rec = net.backpropagate([x1, x2], y)
    assert rec.loss == pytest.approx((y - a[7]) ** 2, rel=1e-13)
    assert rec.delta[7] == pytest.approx(delta7, rel=1e-12)
    assert rec.delta[5] == pytest.approx(delta5, rel=1e-12)
    assert rec.delta[6] == pytest.approx(delta6, rel=1e-12)
    assert rec.delta[3] == pytest.approx(delta3, rel=1e-12)
    assert rec.grad[(5, 7)] == pytest.approx(dw57, rel=1e-12)
    assert rec.grad[(3, 5)] == pytest.approx(dw35, rel=1e-12)
    assert rec.grad[(1, 3)] == pytest.approx(dw13, rel=1e-12)
    # and the quick recap: dJ/dw_ij = Delta_j a_i on every arc
    for (i, j), g in rec.grad.items():
        assert g == pytest.approx(rec.delta[j] * a[i], rel=1e-12)


def test_lecture002_minibatch_gradient_is_the_mean_of_delta_a():
    # (1/|B|) sum_{e in B} Delta_j^(e) a_i^(e): one BACKPROPAGATE per example, then the mean
    net = bp.Network.layered([2, 2, 2, 1], seed=3)
    X = np.array([[0.1, -0.4, 0.9], [0.5, 0.3, -0.8]])
    Y = np.array([0.2, 0.7, 0.4])
    singles = [net.backpropagate(X[:, e], Y[e]) for e in range(3)]
    batch = net.backpropagate(X, Y)
    for arc in net.arcs:
        i, j = arc
        mean = sum(r.delta[j] * r.a[i] for r in singles) / 3
        assert batch.grad[arc] == pytest.approx(mean, rel=1e-12)


# --------------------------------------------------------------------------- lecture 003
# The rain data in row form: X (3 days x 2 features), a 2-3-1 sigmoid network without biases,
# C = 1/2 sum over the days of (y - a^2)^2.
X_ROWS = np.array([[3.0, 5.0], [1.0, 6.0], [0.0, 8.0]])
Y_RAIN = np.array([[0.99], [0.59], [0.19]])
W1_ROWS = np.array([[0.2, -0.4, 0.1], [-0.3, 0.15, 0.05]])  # W^1: 2 x 3, w^1_{ij} from i to j
W2_ROWS = np.array([[0.6], [-0.8], [0.4]])  # W^2: 3 x 1


def sigma(M):
    return np.vectorize(s)(M)


def sigma_prime(M):
    return np.vectorize(ds)(M)


def rain_row_form():
    z1 = X_ROWS @ W1_ROWS
    a1 = sigma(z1)
    z2 = a1 @ W2_ROWS
    a2 = sigma(z2)
    delta2 = (a2 - Y_RAIN) * sigma_prime(z2)
    dC_dW2 = a1.T @ delta2  # (a^1)^T delta^2
    delta1 = (delta2 @ W2_ROWS.T) * sigma_prime(z1)  # delta^2 (W^2)^T * sigma'(z^1)
    dC_dW1 = X_ROWS.T @ delta1  # X^T delta^1
    C = 0.5 * float(np.sum((Y_RAIN - a2) ** 2))
    return C, dC_dW1, dC_dW2, delta1, delta2


def rain_mlp():
    # the column form stores W_i = (W^i)^T: n_i x n_{i-1}
    return bp.MLP([2, 3, 1], "sigmoid", bias=False, W={1: W1_ROWS.T, 2: W2_ROWS.T})


def test_lecture003_row_form_is_the_transpose_of_the_column_form():
    C, dC_dW1, dC_dW2, delta1, delta2 = rain_row_form()
    rec = rain_mlp().backpropagate(X_ROWS.T, Y_RAIN.T, reduction="sum")
    assert rec.loss == pytest.approx(C, rel=1e-13)
    np.testing.assert_allclose(rec.grad_W[2], dC_dW2.T, rtol=1e-12)
    np.testing.assert_allclose(rec.grad_W[1], dC_dW1.T, rtol=1e-12)
    np.testing.assert_allclose(rec.delta[2], delta2.T, rtol=1e-12)
    np.testing.assert_allclose(rec.delta[1], delta1.T, rtol=1e-12)
    # and the node level on the same network, neuron by neuron
    net = bp.to_network(rain_mlp())  # inputs 1, 2; hidden 3, 4, 5; output 6
    nrec = net.backpropagate(X_ROWS.T, Y_RAIN.T, reduction="sum")
    for k, j in enumerate((3, 4, 5)):
        assert nrec.grad[(j, 6)] == pytest.approx(dC_dW2[k, 0], rel=1e-12)
        for i in (1, 2):
            assert nrec.grad[(i, j)] == pytest.approx(dC_dW1[i - 1, k], rel=1e-12)


def test_lecture003_accumulating_over_the_cases_is_the_sum_of_each_days_gradient():
    _, dC_dW1, dC_dW2, _, _ = rain_row_form()
    mlp = rain_mlp()
    days = [mlp.backpropagate(X_ROWS[d][:, None], Y_RAIN[d][:, None]) for d in range(3)]
    np.testing.assert_allclose(sum(r.grad_W[1] for r in days), dC_dW1.T, rtol=1e-12)
    np.testing.assert_allclose(sum(r.grad_W[2] for r in days), dC_dW2.T, rtol=1e-12)


def test_lecture003_row_form_x_is_refused_with_the_hint_to_transpose():
    with pytest.raises(ValueError, match=r"pass X with shape \(2, n_examples\).*pass X\.T"):
        rain_mlp().backpropagate(X_ROWS, Y_RAIN)
