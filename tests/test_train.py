"""bpteach.train: each update rule against a hand computation, training runs, stopping, divergence.

The hand computations use a 2-1-1 sigmoid network with squared error (lecture 002), whose
gradient is written out below with the chain rule, independently of the package's backprop.
"""

import math

import numpy as np
import pytest

import bpteach as bp
from bpteach import datasets
from bpteach.train import STOP_REASONS, EpochState


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _tiny(w1=(0.3, -0.2), b1=0.1, w2=0.7, b2=-0.4):
    """x (2) -> neuron 3 -> neuron 4, sigmoid, J = (y - a_4)^2, with biases."""
    return bp.MLP([2, 1, 1], "sigmoid", loss="squared_error", W={1: [list(w1)], 2: [[w2]]}, b={1: [b1], 2: [b2]})


def _weights(mlp):
    """(w13, w23, b3, w34, b4) of the tiny network."""
    return np.array([mlp.W[1][0, 0], mlp.W[1][0, 1], mlp.b[1][0], mlp.W[2][0, 0], mlp.b[2][0]])


def _hand_gradient(p, x, y):
    """dJ/d(w13, w23, b3, w34, b4) for one example, by the chain rule of lecture 002."""
    w13, w23, b3, w34, b4 = p
    a3 = _sigmoid(w13 * x[0] + w23 * x[1] + b3)
    a4 = _sigmoid(w34 * a3 + b4)
    D4 = -2.0 * (y - a4) * a4 * (1 - a4)  # Delta_4 = g'(in_4) (-2 (y - a_4))
    D3 = a3 * (1 - a3) * w34 * D4  # Delta_3 = g'(in_3) w_34 Delta_4
    return np.array([D3 * x[0], D3 * x[1], D3, D4 * a3, D4])


def _batch_gradient(p, X, Y, reduction="mean"):
    total = sum(_hand_gradient(p, X[:, k], Y[0, k]) for k in range(X.shape[1]))
    return total / X.shape[1] if reduction == "mean" else total


X1 = np.array([[1.5], [-0.5]])
Y1 = np.array([[1.0]])


def _as_model(mlp, kind):
    return mlp if kind == "mlp" else bp.to_network(mlp)


def _params(model):
    """(w13, w23, b3, w34, b4) of the tiny network, whichever kind of model it is."""
    if isinstance(model, bp.MLP):
        return _weights(model)
    return np.array([model.weight(1, 3), model.weight(2, 3), model.bias[3], model.weight(3, 4), model.bias[4]])


KINDS = ["mlp", "network"]


# ----------------------------------------------------------------------------- update rules by hand
@pytest.mark.parametrize("kind", KINDS)
def test_one_sgd_step_is_w_minus_alpha_delta_a(kind):
    mlp = _tiny()
    p0 = _weights(mlp)
    model = _as_model(mlp, kind)
    h = bp.train(model, X1, Y1, lr=0.3, epochs=1, batch_size=1)
    # w_ij <- w_ij - alpha Delta_j a_i (lecture 002)
    np.testing.assert_allclose(_params(model), p0 - 0.3 * _hand_gradient(p0, X1[:, 0], 1.0), rtol=1e-12)
    assert h.updates == 1
    assert h.epochs == 1


@pytest.mark.parametrize("kind", KINDS)
def test_two_momentum_steps_carry_alpha_times_the_last_change(kind):
    mlp = _tiny()
    p0 = _weights(mlp)
    model = _as_model(mlp, kind)
    bp.train(model, X1, Y1, lr=0.3, momentum=0.9, epochs=2, batch_size=1)
    # Delta w(t) = -eps dE/dw(t) + alpha Delta w(t-1) (lecture 003, eq. 9), Delta w(0) = 0
    dw1 = -0.3 * _hand_gradient(p0, X1[:, 0], 1.0)
    p1 = p0 + dw1
    dw2 = -0.3 * _hand_gradient(p1, X1[:, 0], 1.0) + 0.9 * dw1
    np.testing.assert_allclose(_params(model), p1 + dw2, rtol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("decay_bias", [False, True])
def test_one_weight_decay_step(kind, decay_bias):
    mlp = _tiny()
    p0 = _weights(mlp)
    model = _as_model(mlp, kind)
    bp.train(model, X1, Y1, lr=0.3, weight_decay=0.05, decay_bias=decay_bias, epochs=1)
    # w <- w - alpha Delta_j a_i - 2 alpha lambda w (lecture 002); biases (entries 2 and 4) only if asked
    decayed = np.array([1.0, 1.0, decay_bias, 1.0, decay_bias])
    expected = p0 - 0.3 * _hand_gradient(p0, X1[:, 0], 1.0) - 2 * 0.3 * 0.05 * p0 * decayed
    np.testing.assert_allclose(_params(model), expected, rtol=1e-12)


X4 = np.array([[1.0, -1.0, 0.5, 2.0], [0.5, 1.5, -2.0, 0.0]])
Y4 = np.array([[1.0, 0.0, 1.0, 0.0]])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_full_batch_step_uses_the_mean_or_the_sum_of_per_example_gradients(kind, reduction):
    mlp = _tiny()
    p0 = _weights(mlp)
    model = _as_model(mlp, kind)
    h = bp.train(model, X4, Y4, lr=0.2, epochs=1, batch_size=None, reduction=reduction)
    expected = p0 - 0.2 * _batch_gradient(p0, X4, Y4, reduction)
    np.testing.assert_allclose(_params(model), expected, rtol=1e-12)
    assert h.updates == 1


class Recording:
    """A model that passes everything to an MLP and remembers the columns of each batch (the
    training protocol of bpteach.train: checks once in _examples, then _backpropagate per batch)."""

    def __init__(self, mlp, X):
        self.mlp, self.X, self.batches = mlp, X, []

    def parameters(self):
        return self.mlp.parameters()

    def parameter_layers(self):
        return self.mlp.parameter_layers()

    def _examples(self, X, Y):
        return self.mlp._examples(X, Y)

    def _loss(self, X, Y, reduction):
        return self.mlp._loss(X, Y, reduction)

    def _backpropagate(self, X, Y, reduction):
        # which columns of the training set this batch holds
        self.batches.append([int(np.flatnonzero(np.all(x[:, None] == self.X, axis=0))[0]) for x in X.T])
        return self.mlp._backpropagate(X, Y, reduction)


def test_mini_batches_follow_a_fresh_permutation_and_use_the_batch_mean():
    X = np.hstack([X4, [[0.2], [-0.7]]])
    Y = np.hstack([Y4, [[1.0]]])
    mlp = _tiny()
    p = _weights(mlp)
    rec = Recording(mlp, X)
    h = bp.train(rec, X, Y, lr=0.4, epochs=6, batch_size=2, seed=5)
    assert h.updates == 6 * 3  # 5 examples in batches of 2, 2 and 1
    assert [len(b) for b in rec.batches] == [2, 2, 1] * 6
    orders = [[k for b in rec.batches[3 * e : 3 * e + 3] for k in b] for e in range(6)]
    assert all(sorted(o) == list(range(5)) for o in orders)
    assert len({tuple(o) for o in orders}) > 1  # a new permutation L each epoch
    # replay: each update is alpha times the mean over the batch of Delta_j a_i (lecture 002)
    for batch in rec.batches:
        p = p - 0.4 * _batch_gradient(p, X[:, batch], Y[:, batch])
    np.testing.assert_allclose(_weights(mlp), p, rtol=1e-12)


# ----------------------------------------------------------------------------- training works
def test_xor_2_3_1_reaches_loss_below_0_01():
    X, Y = datasets.xor()
    # seed 3, lr 2, full batch: documented run, about 600 epochs
    mlp = bp.MLP([2, 3, 1], "sigmoid", seed=3)
    h = bp.train(mlp, X, Y, lr=2.0, epochs=5000, loss_threshold=0.01)
    assert h.stop_reason == "loss_threshold"
    assert mlp.loss(X, Y) < 0.01
    assert np.all(np.round(mlp.predict(X)) == Y)


def test_rain_network_fits_its_three_targets():
    X, Y = datasets.rain()
    mlp = datasets.rain_network()
    h = bp.train(mlp, X, Y, lr=2.0, momentum=0.9, epochs=5000, loss_threshold=1e-6)
    assert h.stop_reason == "loss_threshold"
    assert np.all(np.abs(mlp.predict(X) - Y) < 0.01)


def test_network_and_mlp_follow_the_same_trajectory():
    X, Y = datasets.moons(n=23, noise=0.2, seed=1)
    mlp = bp.MLP([2, 4, 3, 1], "tanh", "sigmoid", loss="log_loss", seed=2)
    net = bp.to_network(mlp)
    seen = {"mlp": [], "net": []}

    def keep(name):
        def callback(state):
            m = state.model
            seen[name].append(bp.to_network(m).w.copy() if name == "mlp" else m.w.copy())

        return callback

    kw = {"lr": 0.3, "epochs": 15, "batch_size": 4, "momentum": 0.5, "weight_decay": 0.01, "seed": 9}
    h_mlp = bp.train(mlp, X, Y, callback=keep("mlp"), **kw)
    h_net = bp.train(net, X, Y, callback=keep("net"), **kw)
    assert len(seen["mlp"]) == 15
    for a, b in zip(seen["mlp"], seen["net"], strict=True):
        np.testing.assert_allclose(a, b, atol=1e-9)
    np.testing.assert_allclose(h_mlp.losses, h_net.losses, atol=1e-9)
    np.testing.assert_allclose(bp.to_network(mlp).b, net.b, atol=1e-9)
    assert h_mlp.losses[-1] < h_mlp.losses[0]


def test_same_seed_same_run_other_seed_other_run():
    X, Y = datasets.moons(n=20, seed=0)
    runs = []
    for seed in (1, 1, 2):
        mlp = bp.MLP([2, 3, 1], seed=0)
        bp.train(mlp, X, Y, epochs=3, batch_size=1, seed=seed)
        runs.append(mlp.W[1].copy())
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.allclose(runs[0], runs[2])


# ----------------------------------------------------------------------------- divergence
def _runaway():
    # linear regression, lr far above 2 / (largest curvature): |w - 2| grows each epoch
    return bp.MLP([1, 1], "identity", bias=False, W={1: [[0.5]]})


XR = np.array([[1.0, 2.0, 3.0]])
YR = np.array([[2.0, 4.0, 6.0]])


@pytest.mark.parametrize("kind", KINDS)
def test_divergence_stops_and_keeps_the_last_finite_weights(kind):
    model = _as_model(_runaway(), kind)
    h = bp.train(model, XR, YR, lr=1.0, epochs=5000)
    assert h.stop_reason == "diverged"
    e = h.diverged_epoch
    assert e == h.epochs + 1
    assert len(h.losses) == e
    assert all(math.isfinite(v) for v in h.losses)
    assert f"epoch {e}" in h.message
    assert "smaller learning rate" in h.message
    w = model.parameters()["W1" if kind == "mlp" else "w"].copy()
    assert np.all(np.isfinite(w))
    # the weights left are those after epoch e - 1: run exactly that many epochs afresh
    again = _as_model(_runaway(), kind)
    bp.train(again, XR, YR, lr=1.0, epochs=e - 1)
    np.testing.assert_array_equal(w, again.parameters()["W1" if kind == "mlp" else "w"])
    # hand check of the first epoch: J = mean 1/2 (y - w x)^2, dJ/dw = mean -(y - w x) x
    w1 = 0.5 - 1.0 * np.mean(-(YR - 0.5 * XR) * XR)
    assert h.losses[1] == pytest.approx(np.mean(0.5 * (YR - w1 * XR) ** 2))


def test_divergence_within_an_epoch_of_single_example_updates():
    model = _runaway()
    h = bp.train(model, XR, YR, lr=3.0, epochs=5000, batch_size=1, momentum=0.5)
    assert h.stop_reason == "diverged"
    assert np.all(np.isfinite(model.W[1]))
    assert model.loss(XR, YR) == h.losses[-1]


# ----------------------------------------------------------------------------- stopping
def test_epoch_limit():
    X, Y = datasets.xor()
    h = bp.train(bp.MLP([2, 2, 1]), X, Y, epochs=7)
    assert h.stop_reason == "epochs"
    assert h.epochs == 7
    assert len(h.losses) == 8
    assert h.stop_reason in STOP_REASONS


def test_loss_threshold_stops_at_the_first_epoch_below_it():
    X, Y = datasets.xor()
    mlp = bp.MLP([2, 3, 1], seed=3)
    h = bp.train(mlp, X, Y, lr=2.0, epochs=5000, loss_threshold=0.05)
    assert h.stop_reason == "loss_threshold"
    assert h.losses[-1] < 0.05
    assert min(h.losses[:-1]) >= 0.05
    assert h.losses[-1] == pytest.approx(mlp.loss(X, Y))


def test_tol_stops_when_the_loss_barely_changes():
    X, Y = datasets.xor()
    h = bp.train(bp.MLP([2, 2, 1], seed=0), X, Y, lr=0.5, epochs=100000, tol=1e-6)
    assert h.stop_reason == "tol"
    changes = np.abs(np.diff(h.losses))
    assert changes[-1] < 1e-6
    assert np.all(changes[:-1] >= 1e-6)


def test_callback_sees_every_epoch_and_can_stop():
    X, Y = datasets.xor()
    mlp = bp.MLP([2, 2, 1])
    states = []

    def callback(state):
        assert isinstance(state, EpochState)
        states.append((state.epoch, state.loss, state.model, state.history.losses[state.epoch]))
        return state.epoch == 4

    h = bp.train(mlp, X, Y, epochs=50, callback=callback)
    assert h.stop_reason == "callback"
    assert h.epochs == 4
    assert [s[0] for s in states] == [1, 2, 3, 4]
    assert all(s[2] is mlp and s[1] == s[3] for s in states)
    assert states[-1][1] == pytest.approx(mlp.loss(X, Y))


def test_callback_also_sees_the_epoch_another_rule_stops_at():
    X, Y = datasets.xor()
    seen = []
    h = bp.train(bp.MLP([2, 2, 1]), X, Y, epochs=3, callback=lambda s: seen.append(s.epoch))
    assert seen == [1, 2, 3]
    assert h.stop_reason == "epochs"


def test_initial_loss_below_threshold_trains_nothing():
    X, Y = datasets.xor()
    mlp = bp.MLP([2, 2, 1])
    before = mlp.W[1].copy()
    h = bp.train(mlp, X, Y, loss_threshold=10.0)
    assert (h.stop_reason, h.epochs, h.updates) == ("loss_threshold", 0, 0)
    np.testing.assert_array_equal(mlp.W[1], before)


# ----------------------------------------------------------------------------- Trainer, History
def test_trainer_one_epoch_at_a_time_equals_train():
    X, Y = datasets.moons(n=12, seed=0)
    a, b = bp.MLP([2, 3, 1], seed=1), bp.MLP([2, 3, 1], seed=1)
    kw = {"lr": 0.5, "epochs": 5, "batch_size": 5, "momentum": 0.3, "seed": 4}
    h = bp.train(a, X, Y, **kw)
    trainer = bp.Trainer(b, X, Y, **kw)
    losses = []
    while not trainer.done:
        losses.append(trainer.epoch())
    assert losses == h.losses[1:]
    np.testing.assert_array_equal(a.W[1], b.W[1])
    # after the stop, epoch() changes nothing
    assert trainer.epoch() == losses[-1]
    assert trainer.history.epochs == 5
    assert trainer.run(3).epochs == 5


def test_trainer_run_k_epochs():
    X, Y = datasets.xor()
    trainer = bp.Trainer(bp.MLP([2, 2, 1]), X, Y, epochs=10)
    trainer.run(3)
    assert (trainer.history.epochs, trainer.done) == (3, False)
    trainer.run()
    assert (trainer.history.epochs, trainer.done) == (10, True)
    assert "epoch 10/10" in repr(trainer)


@pytest.mark.parametrize("kind", KINDS)
def test_grad_norms_per_layer(kind):
    X, Y = datasets.xor()
    mlp = bp.MLP([2, 3, 2, 1], seed=0)
    rec = mlp.backpropagate(X, Y)
    model = _as_model(mlp, kind)
    h = bp.train(model, X, Y, epochs=3, record_grad_norms=True)
    assert len(h.grad_norms) == len(h.losses) == 4
    for i in (1, 2, 3):
        expected = math.sqrt(np.sum(rec.grad_W[i] ** 2) + np.sum(rec.grad_b[i] ** 2))
        assert h.grad_norms[0][i] == pytest.approx(expected, rel=1e-10)
    assert sorted(h.grad_norms[-1]) == [1, 2, 3]


def test_history_repr_and_message():
    X, Y = datasets.xor()
    h = bp.train(bp.MLP([2, 2, 1]), X, Y, epochs=2)
    text = repr(h)
    assert "epochs=2" in text
    assert "stop_reason='epochs'" in text
    assert "2 epochs" in h.message
    html = h._repr_html_()
    assert "<table>" in html
    assert "epochs" in html
    assert h.final_loss == h.losses[-1]


# ----------------------------------------------------------------------------- argument checks
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"lr": 0.0}, ValueError, r"lr .*> 0.0, got 0.0"),
        ({"lr": "big"}, TypeError, r"lr .*number, got str"),
        ({"epochs": -1}, ValueError, r"epochs must be an int >= 0, got -1"),
        ({"epochs": 2.5}, ValueError, r"epochs .*got 2.5"),
        ({"batch_size": 0}, ValueError, r"batch_size must be an int >= 1, got 0"),
        ({"batch_size": 5}, ValueError, r"batch_size must be at most the number of examples, 4, got 5"),
        ({"momentum": 1.0}, ValueError, r"momentum .*< 1.0, got 1.0"),
        ({"weight_decay": -0.1}, ValueError, r"weight_decay .*>= 0.0, got -0.1"),
        ({"tol": -1.0}, ValueError, r"tol .*got -1.0"),
        ({"reduction": "avg"}, ValueError, r"reduction must be 'mean' or 'sum', got 'avg'"),
        ({"callback": 3}, TypeError, r"callback must be a function"),
        ({"seed": "x"}, TypeError, r"seed"),
    ],
)
def test_train_checks_its_arguments(kwargs, error, match):
    X, Y = datasets.xor()
    with pytest.raises(error, match=match):
        bp.train(bp.MLP([2, 2, 1]), X, Y, **kwargs)


def test_train_checks_model_and_data():
    X, Y = datasets.xor()
    with pytest.raises(TypeError, match=r"model must be a bpteach Network or MLP, got str"):
        bp.train("net", X, Y)
    with pytest.raises(ValueError, match=r"X must be 2-D.*got shape \(2,\)"):
        bp.train(bp.MLP([2, 2, 1]), X[:, 0], Y)
    with pytest.raises(
        ValueError, match=r"Y has shape \(1, 3\) but .* X holds 4 example\(s\): pass Y with shape \(1, 4\)"
    ):
        bp.train(bp.MLP([2, 2, 1]), X, Y[:, :3])
    with pytest.raises(ValueError, match=r"X has shape \(2, 4\) but the network has 3 input neurons"):
        bp.train(bp.MLP([3, 2, 1]), X, Y)
    # a flat row of targets is accepted for one output neuron
    assert bp.train(bp.MLP([2, 2, 1]), X, Y[0], epochs=1).epochs == 1


# ----------------------------------------------------------------------------- initialisation
# the schemes training starts from (bpteach.init); checked by their defining statistics
def test_uniform_init_is_rand_minus_eps_eps():
    from bpteach.init import draw_weights

    W = draw_weights((200, 300), "uniform", 0.1, np.random.default_rng(0))
    assert W.shape == (200, 300)
    assert W.min() >= -0.1
    assert W.max() <= 0.1
    assert W.min() < -0.099 and W.max() > 0.099
    assert W.std() == pytest.approx(0.1 / math.sqrt(3), rel=0.02)  # the sd of U(-eps, eps)


@pytest.mark.parametrize(
    ("scheme", "scale", "sd"),
    [
        ("normal", 2.0, 2.0 / math.sqrt(300)),  # lecture 001: N(0, sigma^2 / m)
        ("he", 1.0, math.sqrt(2 / 300)),
        ("xavier", 1.0, math.sqrt(6 / 500) / math.sqrt(3)),  # U(-r, r), r = sqrt(6 / (m + n))
    ],
)
def test_scaled_inits_have_their_standard_deviation(scheme, scale, sd):
    from bpteach.init import draw_weights

    W = draw_weights((200, 300), scheme, scale, np.random.default_rng(1))
    assert W.mean() == pytest.approx(0.0, abs=5 * sd / math.sqrt(W.size))  # 5 standard errors
    assert W.std() == pytest.approx(sd, rel=0.02)


@pytest.mark.parametrize("scheme", ["uniform", "normal", "xavier", "he"])
def test_inits_are_seeded(scheme):
    a = bp.MLP([3, 4, 1], init=scheme, seed=5)
    b = bp.MLP([3, 4, 1], init=scheme, seed=5)
    c = bp.MLP([3, 4, 1], init=scheme, seed=6)
    np.testing.assert_array_equal(a.W[1], b.W[1])
    assert not np.array_equal(a.W[1], c.W[1])
    n = bp.Network.layered([3, 4, 1], init=scheme, seed=5)
    assert len(n.arcs) == 16


def test_train_and_trainer_take_one_set_of_keyword_options():
    X, Y = datasets.xor()
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'lrr'"):
        bp.train(bp.MLP([2, 2, 1]), X, Y, lrr=1.0)
    with pytest.raises(TypeError, match=r"positional argument"):
        bp.train(bp.MLP([2, 2, 1]), X, Y, 0.5)  # lr is a keyword: train(..., lr=0.5)
    # the same options give the same run through either door
    a, b = bp.MLP([2, 3, 1], seed=2), bp.MLP([2, 3, 1], seed=2)
    h = bp.train(a, X, Y, lr=1.5, epochs=7, batch_size=2, momentum=0.5, seed=3)
    bp.Trainer(b, X, Y, lr=1.5, epochs=7, batch_size=2, momentum=0.5, seed=3).run()
    assert h.epochs == 7 and all(np.array_equal(a.W[i], b.W[i]) for i in (1, 2))
