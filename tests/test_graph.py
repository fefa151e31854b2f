"""Node level (lecture 002): the Network and its record (the steps are in test_steps.py)."""

import math

import numpy as np
import pytest

import bpteach as bp


def s(v):
    return 1.0 / (1.0 + math.exp(-v))


def seven(seed=0, **kwargs):
    return bp.Network.layered([2, 2, 2, 1], seed=seed, **kwargs)


def skip_dag():
    # inputs x1, x2; hidden h1 (depth 1), h2 (depth 2); output o fed by h2 and by x1 directly
    edges = {
        ("h1", "h2"): 0.7,
        ("x1", "h1"): -0.4,
        ("x2", "h1"): 0.9,
        ("h2", "o"): 1.3,
        ("x1", "o"): -0.6,
        ("x2", "h2"): 0.25,
    }
    return bp.Network(
        edges,
        ["x1", "x2"],
        ["o"],
        activation="tanh",
        output_activation="identity",
        loss="half_squared_error",
        bias={"h2": 0.1, "o": -0.2},
    )


# --------------------------------------------------------------------------- the record
def test_one_example_gives_floats_and_a_hand_computed_forward_pass():
    net = skip_dag()
    rec = net.backpropagate([0.5, -1.0], 0.3)
    in_h1 = -0.4 * 0.5 + 0.9 * -1.0
    in_h2 = 0.7 * math.tanh(in_h1) + 0.25 * -1.0 + 0.1
    in_o = 1.3 * math.tanh(in_h2) - 0.6 * 0.5 - 0.2
    assert rec.in_ == pytest.approx({"h1": in_h1, "h2": in_h2, "o": in_o}, rel=1e-14)
    assert rec.a["o"] == pytest.approx(in_o, rel=1e-14)
    assert rec.loss == pytest.approx(0.5 * (0.3 - in_o) ** 2, rel=1e-14)
    # Delta by hand, from the output back (half squared error, identity output)
    d_o = in_o - 0.3
    d_h2 = (1 - math.tanh(in_h2) ** 2) * 1.3 * d_o
    d_h1 = (1 - math.tanh(in_h1) ** 2) * 0.7 * d_h2
    assert rec.delta == pytest.approx({"h1": d_h1, "h2": d_h2, "o": d_o}, rel=1e-13)
    assert rec.grad[("x1", "o")] == pytest.approx(d_o * 0.5, rel=1e-13)
    assert rec.grad_bias == pytest.approx({"h2": d_h2, "o": d_o}, rel=1e-13)
    assert all(isinstance(v, float) for v in [*rec.in_.values(), *rec.a.values(), *rec.delta.values()])
    assert list(rec.delta) == net.order[2:]  # lecture order, not visit order


def test_a_batch_gives_arrays_and_the_mean_of_single_example_gradients():
    net = skip_dag()
    X = np.array([[0.5, -0.3, 1.2, 0.0], [-1.0, 0.4, 0.8, 2.0]])
    Y = np.array([0.3, -0.1, 0.7, 0.2])
    batch = net.backpropagate(X, Y)
    total = net.backpropagate(X, Y, reduction="sum")
    singles = [net.backpropagate(X[:, e], Y[e]) for e in range(4)]
    for j in net.order:
        np.testing.assert_allclose(batch.a[j], [r.a[j] for r in singles], rtol=1e-14)
    for arc in net.arcs:
        per = [r.grad[arc] for r in singles]
        assert batch.grad[arc] == pytest.approx(np.mean(per), rel=1e-13, abs=1e-17)
        assert total.grad[arc] == pytest.approx(np.sum(per), rel=1e-13, abs=1e-17)
    assert batch.loss == pytest.approx(np.mean([r.loss for r in singles]), rel=1e-14)
    assert total.loss == pytest.approx(np.sum([r.loss for r in singles]), rel=1e-14)


def test_several_outputs_sum_their_losses():
    net = bp.Network.layered([2, 3, 2], activation="sigmoid", loss="squared_error", seed=1)
    x, y = np.array([0.4, -0.7]), np.array([0.9, 0.1])
    rec = net.backpropagate(x, y)
    a = net.predict(x)
    assert rec.loss == pytest.approx((y[0] - a[0]) ** 2 + (y[1] - a[1]) ** 2, rel=1e-14)
    for r, j in enumerate(net.outputs):
        assert rec.delta[j] == pytest.approx(-2 * (y[r] - a[r]) * a[r] * (1 - a[r]), rel=1e-13)


def test_a_hidden_neuron_that_feeds_no_output_gets_zero_delta():
    edges = {(1, 2): 0.5, (1, 3): -0.5, (1, 4): 2.0}  # 2 is a dead end, 3 feeds nothing else
    net = bp.Network(edges, [1], [4], hidden=[2, 3])
    rec = net.backpropagate([1.0], 0.0)
    assert rec.delta[2] == 0.0 and rec.delta[3] == 0.0
    assert rec.grad[(1, 2)] == 0.0


def test_the_order_of_the_arcs_given_does_not_matter():
    net = skip_dag()
    reordered = bp.Network(
        dict(reversed(list(net.edges.items()))),
        net.inputs,
        net.outputs,
        "tanh",
        "identity",
        "half_squared_error",
        net.bias,
    )
    x, y = [0.5, -1.0], 0.3
    a, b = net.backpropagate(x, y), reordered.backpropagate(x, y)
    assert a.grad == pytest.approx(b.grad, rel=1e-15)
    assert a.delta == pytest.approx(b.delta, rel=1e-15)


def test_order_is_topological_with_inputs_first_and_depth_is_the_longest_path():
    net = skip_dag()
    assert net.order[:2] == ["x1", "x2"]
    position = {n: k for k, n in enumerate(net.order)}
    assert all(position[i] < position[j] for i, j in net.arcs)
    assert net.depth == {"x1": 0, "x2": 0, "h1": 1, "h2": 2, "o": 3}
    assert net.hidden == ["h1", "h2"]
    layout = net.layout()
    assert layout["o"][0] == 3.0 and layout["x1"][0] == 0.0


def test_layered_neurons_are_numbered_layer_by_layer():
    net = bp.Network.layered([3, 2, 2], bias=True)
    assert net.inputs == [1, 2, 3] and net.hidden == [4, 5] and net.outputs == [6, 7]
    assert net.bias_neurons == [4, 5, 6, 7] and list(net.b) == [0.0] * 4
    assert net.parameter_layers()["w"].tolist() == [1] * 6 + [2] * 4


def test_parameters_are_the_live_arrays():
    net = seven()
    x, y = [0.3, 0.8], 0.5
    before = net.predict(x)
    params = net.parameters()
    assert params["w"] is net.w
    params["w"][net.arcs.index((5, 7))] += 1.0  # in place, as training does
    assert net.weight(5, 7) == pytest.approx(net.edges[(5, 7)])
    assert net.predict(x) != before
    rec = net.backpropagate(x, y)
    g = rec.gradients()
    assert g["w"].shape == params["w"].shape and g["b"].shape == params["b"].shape == (0,)
    assert g["w"][net.arcs.index((1, 3))] == rec.grad[(1, 3)]


def test_copy_is_independent_and_set_weight_changes_one_arc():
    net = seven()
    twin = net.copy()
    twin.set_weight(1, 3, 2.5)
    assert twin.weight(1, 3) == 2.5 and net.weight(1, 3) != 2.5
    assert twin.weight(2, 4) == net.weight(2, 4)
    assert twin.outputs == net.outputs and twin.g is net.g and twin.loss_fn is net.loss_fn


def test_loss_and_predict_agree_with_the_record():
    net = seven(1)
    X = np.array([[0.1, 0.9], [0.4, -0.2]])
    Y = np.array([[0.3, 0.6]])
    rec = net.backpropagate(X, Y)
    assert net.loss(X, Y) == rec.loss
    np.testing.assert_array_equal(net.predict(X), [rec.a[7]])
    assert net.predict(X[:, 0]).shape == (1,)


def test_repr_names_the_sizes():
    assert "|V|=7, |A|=10" in repr(seven())


# --------------------------------------------------------------------------- the fast version
@pytest.mark.parametrize(
    "make",
    [
        lambda: seven(3, bias=True),
        skip_dag,
        lambda: bp.Network.layered([3, 5, 4, 2], activation="relu", loss="half_squared_error", bias=True, seed=7),
        lambda: bp.Network.layered([2, 3, 1], output_activation="sigmoid", loss="log_loss", seed=8),
        lambda: bp.Network({(1, 2): 0.5, (1, 3): 0.4, (2, 4): -0.3, (3, 4): 0.8}, [1], [4], hidden=[2, 3]),
    ],
    ids=["seven-bias", "skip-dag", "relu-3-5-4-2", "log-loss", "diamond"],
)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_the_fast_version_gives_the_readable_versions_record(make, reduction, rng):
    from bpteach.graph_fast import backpropagate_fast

    net = make()
    n_in, n_out = len(net.inputs), len(net.outputs)
    X = rng.normal(size=(n_in, 6))
    Y = rng.integers(0, 2, size=(n_out, 6)).astype(float) if net.loss_fn is bp.log_loss else rng.normal(size=(n_out, 6))
    for x, y in ((X, Y), (X[:, 0], Y[:, 0])):
        slow, fast = net.backpropagate(x, y, reduction), backpropagate_fast(net, x, y, reduction)
        assert fast.single == slow.single and fast.loss == pytest.approx(slow.loss, rel=1e-13)
        for name in ("in_", "a", "delta", "y"):
            got, want = getattr(fast, name), getattr(slow, name)
            assert list(got) == list(want), name
            np.testing.assert_allclose([got[j] for j in want], [want[j] for j in want], rtol=1e-12, atol=1e-15)
        assert list(fast.grad) == list(slow.grad) and list(fast.grad_bias) == list(slow.grad_bias)
        np.testing.assert_allclose(list(fast.grad.values()), list(slow.grad.values()), rtol=1e-12, atol=1e-16)
        np.testing.assert_allclose(list(fast.grad_bias.values()), list(slow.grad_bias.values()), rtol=1e-12, atol=1e-16)
