"""bpteach.datasets: the lecture tables, the 2-D toy sets and the example networks.

Labels and geometry are checked against rules written here, not against the module's own code.
"""

import numpy as np
import pytest

from bpteach import MLP, Network, datasets


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# ----------------------------------------------------------------------------- lecture tables
def test_rain_is_lecture_003s_table():
    X, Y = datasets.rain()
    # lecture 003: Mon 3, 5 -> 0.99; Tue 1, 6 -> 0.59; Wed 0, 8 -> 0.19 (days as columns here)
    np.testing.assert_array_equal(X, [[3, 1, 0], [5, 6, 8]])
    np.testing.assert_array_equal(Y, [[0.99, 0.59, 0.19]])
    rows = datasets.rain_table()
    assert [r.day for r in rows] == ["Mon", "Tue", "Wed"]
    assert [(r.days_raining, r.kdp, r.p_rain) for r in rows] == [(3, 5, 0.99), (1, 6, 0.59), (0, 8, 0.19)]


def test_rain_returns_fresh_arrays():
    X, _ = datasets.rain()
    X[0, 0] = 99.0
    assert datasets.rain()[0][0, 0] == 3.0


def test_xor_labels_follow_the_xor_rule():
    X, Y = datasets.xor()
    assert X.shape == (2, 4)
    assert Y.shape == (1, 4)
    assert {tuple(c) for c in X.T} == {(0, 0), (0, 1), (1, 0), (1, 1)}
    for x, y in zip(X.T, Y[0], strict=True):
        assert y == (1.0 if x[0] != x[1] else 0.0)


def test_symmetry_holds_every_six_bit_vector_labelled_by_the_mirror_rule():
    X, Y = datasets.symmetry()
    assert X.shape == (6, 64)
    assert Y.shape == (1, 64)
    assert set(np.unique(X)) <= {0.0, 1.0}
    strings = ["".join(str(int(b)) for b in col) for col in X.T]
    assert len(set(strings)) == 64
    for s, y in zip(strings, Y[0], strict=True):
        assert y == float(s == s[::-1]), s
    # 2^3 free bits on one half: 8 palindromes
    assert Y.sum() == 8


# ----------------------------------------------------------------------------- 2-D toy sets
TOY = [datasets.moons, datasets.circles, datasets.spirals, datasets.blobs, datasets.xor_clouds]


@pytest.mark.parametrize("make", TOY, ids=lambda f: f.__name__)
def test_toy_set_shapes_labels_and_balance(make):
    X, Y = make(n=51, noise=0.1, seed=3)
    assert X.shape == (2, 51)
    assert Y.shape == (1, 51)
    assert set(np.unique(Y)) == {0.0, 1.0}
    assert abs(int(Y.sum()) - 51 / 2) <= 1
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("make", TOY, ids=lambda f: f.__name__)
def test_toy_sets_are_seeded(make):
    a = make(n=40, noise=0.2, seed=7)
    b = make(n=40, noise=0.2, seed=7)
    c = make(n=40, noise=0.2, seed=8)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    # a Generator works too, and is advanced (two draws differ)
    g = np.random.default_rng(1)
    assert not np.array_equal(make(n=40, noise=0.2, seed=g)[0], make(n=40, noise=0.2, seed=g)[0])


@pytest.mark.parametrize("make", TOY, ids=lambda f: f.__name__)
def test_one_example_works(make):
    X, Y = make(n=1, noise=0.0, seed=0)
    assert X.shape == (2, 1)
    assert Y.shape == (1, 1)


def test_moons_without_noise_lie_on_their_half_circles():
    X, Y = datasets.moons(n=100, noise=0.0)
    upper, lower = X[:, Y[0] == 0], X[:, Y[0] == 1]
    np.testing.assert_allclose(upper[0] ** 2 + upper[1] ** 2, 1.0)
    assert np.all(upper[1] >= -1e-12)
    np.testing.assert_allclose((lower[0] - 1) ** 2 + (lower[1] - 0.5) ** 2, 1.0)
    assert np.all(lower[1] <= 0.5 + 1e-12)


def test_circles_radii_and_noise_level():
    X, Y = datasets.circles(n=60, noise=0.0, factor=0.3)
    r = np.hypot(X[0], X[1])
    np.testing.assert_allclose(r[Y[0] == 0], 1.0)
    np.testing.assert_allclose(r[Y[0] == 1], 0.3)
    # isotropic jitter of standard deviation s moves the radius by about s (s << 1)
    X, Y = datasets.circles(n=4000, noise=0.02, seed=1)
    outer = np.hypot(X[0], X[1])[Y[0] == 0]
    assert abs(np.std(outer - 1.0) - 0.02) < 0.002


def test_spirals_are_each_other_turned_by_pi():
    X, Y = datasets.spirals(n=80, noise=0.0)
    a = X[:, Y[0] == 0]
    b = X[:, Y[0] == 1]
    key = np.lexsort
    np.testing.assert_allclose(a[:, key(a)], (-b)[:, key(-b)], atol=1e-12)
    assert np.hypot(a[0], a[1]).max() == pytest.approx(1.0)


def test_blobs_and_xor_clouds_without_noise_sit_on_their_centres():
    X, Y = datasets.blobs(n=10, noise=0.0)
    for x, y in zip(X.T, Y[0], strict=True):
        assert tuple(x) == ((1.0, 1.0) if y == 1 else (-1.0, -1.0))
    X, Y = datasets.xor_clouds(n=20, noise=0.0)
    assert {tuple(x) for x in X.T} == {(1, 1), (-1, -1), (1, -1), (-1, 1)}
    np.testing.assert_array_equal(Y[0], (X[0] * X[1] < 0).astype(float))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n": 0}, "n .*int >= 1, got 0"),
        ({"n": 2.5}, "n .*got 2.5"),
        ({"n": True}, "n .*got True"),
        ({"noise": -0.1}, "noise .*>= 0.0, got -0.1"),
        ({"noise": float("nan")}, "noise"),
    ],
)
@pytest.mark.parametrize("make", TOY, ids=lambda f: f.__name__)
def test_toy_sets_check_their_arguments(make, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make(**kwargs)


def test_noise_must_be_a_number_and_factor_a_ratio():
    with pytest.raises(TypeError, match=r"noise .*got str: 'a'"):
        datasets.moons(noise="a")
    with pytest.raises(ValueError, match=r"factor .*must be a finite number > 0.0 and < 1.0, got 1\.0"):
        datasets.circles(factor=1.0)


# ----------------------------------------------------------------------------- split
def test_split_partitions_the_columns():
    Y = np.arange(10.0).reshape(1, 10)
    X = np.vstack([-Y, 2 * Y])
    X_tr, Y_tr, X_te, Y_te = datasets.split(X, Y, test_fraction=0.3, seed=4)
    assert X_tr.shape == (2, 7)
    assert X_te.shape == (2, 3)
    # each column keeps its own target, and every example lands in exactly one part
    np.testing.assert_array_equal(X_tr, np.vstack([-Y_tr, 2 * Y_tr]))
    np.testing.assert_array_equal(X_te, np.vstack([-Y_te, 2 * Y_te]))
    assert sorted([*Y_tr[0], *Y_te[0]]) == list(range(10))
    again = datasets.split(X, Y, test_fraction=0.3, seed=4)
    np.testing.assert_array_equal(again[3], Y_te)


def test_split_keeps_one_example_on_each_side():
    X, Y = np.zeros((1, 3)), np.zeros((1, 3))
    assert datasets.split(X, Y, test_fraction=0.01)[2].shape == (1, 1)
    assert datasets.split(X, Y, test_fraction=0.99)[0].shape == (1, 1)


@pytest.mark.parametrize(
    ("X", "Y", "frac", "match"),
    [
        (np.zeros((2, 4)), np.zeros((1, 3)), 0.25, r"X holds 4 examples but Y holds 3"),
        (np.zeros(4), np.zeros((1, 4)), 0.25, r"2-D .*got X of shape \(4,\)"),
        (np.zeros((2, 4)), np.zeros((1, 4)), 1.0, "test_fraction .*got 1.0"),
        (np.zeros((2, 1)), np.zeros((1, 1)), 0.5, "at least 2 examples"),
    ],
)
def test_split_checks_its_arguments(X, Y, frac, match):
    with pytest.raises(ValueError, match=match):
        datasets.split(X, Y, test_fraction=frac)


# ----------------------------------------------------------------------------- example networks
def test_lecture002_network_is_the_seven_neuron_network():
    net = datasets.lecture002_network()
    assert isinstance(net, Network)
    assert net.inputs == [1, 2]
    assert net.outputs == [7]
    assert net.hidden == [3, 4, 5, 6]
    assert set(net.arcs) == {(1, 3), (1, 4), (2, 3), (2, 4), (3, 5), (3, 6), (4, 5), (4, 6), (5, 7), (6, 7)}
    assert net.bias_neurons == []
    assert net.loss_fn.name == "squared_error"
    assert all(round(w, 2) == w for w in net.edges.values())
    pos = net.layout()
    assert [pos[j][0] for j in range(1, 8)] == [0, 0, 1, 1, 2, 2, 3]


def test_lecture002_example_by_hand():
    net = datasets.lecture002_network()
    x, y = datasets.lecture002_example()
    w = net.edges
    a = {1: x[0], 2: x[1]}
    for j in (3, 4, 5, 6, 7):
        a[j] = _sigmoid(sum(w[(i, jj)] * a[i] for (i, jj) in w if jj == j))
    assert net.predict(x)[0] == pytest.approx(a[7])
    assert net.loss(x, y) == pytest.approx((y[0] - a[7]) ** 2)


def test_lecture000_network_loss_is_lecture_000s_negative_log_likelihood():
    mlp = datasets.lecture000_network()
    assert isinstance(mlp, MLP)
    assert mlp.sizes == [2, 2, 1]
    assert not mlp.bias
    X, Y = datasets.lecture000_data()
    assert set(np.unique(Y)) == {-1.0, 1.0}
    w11, w12 = mlp.W[1]
    w21 = mlp.W[2][0]
    # ll(W) = sum_i log sigma(y_i w_21^T [sigma(w_11^T x_i), sigma(w_12^T x_i)])
    ll = 0.0
    for x, y in zip(X.T, Y[0], strict=True):
        h = np.array([_sigmoid(w11 @ x), _sigmoid(w12 @ x)])
        ll += np.log(_sigmoid(y * (w21 @ h)))
    assert mlp.loss(X, Y, reduction="sum") == pytest.approx(-ll)


def test_rain_network_matches_its_documented_untrained_error():
    mlp = datasets.rain_network()
    assert mlp.sizes == [2, 3, 1]
    assert not mlp.bias
    assert mlp.loss_fn.name == "half_squared_error"
    X, Y = datasets.rain()
    a2 = _sigmoid(mlp.W[2] @ _sigmoid(mlp.W[1] @ X))
    # the docstring states a^2 = (0.542, 0.505, 0.471) and a total error of 0.1434
    np.testing.assert_allclose(a2[0], [0.542, 0.505, 0.471], atol=5e-4)
    assert 0.5 * np.sum((Y - a2) ** 2) == pytest.approx(0.1434, abs=5e-5)
    assert mlp.loss(X, Y, reduction="sum") == pytest.approx(0.5 * np.sum((Y - a2) ** 2))


def test_lecture004_network_loss_is_gt_minus_p_squared():
    mlp = datasets.lecture004_network()
    assert mlp.sizes == [3, 4, 1]
    assert not mlp.bias
    x, gt = datasets.lecture004_example()
    P = _sigmoid(mlp.W[2] @ _sigmoid(mlp.W[1] @ x))
    assert mlp.loss(x, gt) == pytest.approx(float((gt - P)[0] ** 2))


def test_example_networks_are_fresh_each_call():
    a = datasets.rain_network()
    a.W[1][0, 0] = 5.0
    assert datasets.rain_network().W[1][0, 0] == 0.20
    n = datasets.lecture002_network()
    n.set_weight(1, 3, 9.0)
    assert datasets.lecture002_network().weight(1, 3) == 0.15
