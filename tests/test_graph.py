"""Node level (lecture 002): the Network, its record, and the replayable steps of BACKPROPAGATE."""

import math
import re

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


# --------------------------------------------------------------------------- the steps
def _evaluate(substituted):
    """The number a substituted formula denotes (4 significant digits per operand)."""
    expr = substituted.replace("\\cdot", "*").replace("\\,", "*")
    names = {name: (lambda z, f=act: float(f(z))) for name, act in bp.activations.ACTIVATIONS.items()}
    assert re.fullmatch(r"[0-9eE.+\-*() a-z]*", expr), expr
    # the regex above admits only numbers, operators and activation names: eval is safe here
    return eval(expr, {"__builtins__": {}}, names)


@pytest.mark.parametrize(
    "make",
    [
        lambda: seven(0),
        lambda: seven(2, bias=True, scale=2.0),
        skip_dag,
        lambda: bp.Network.layered([2, 3, 2], output_activation="sigmoid", loss="log_loss", seed=4),
        lambda: bp.Network.layered([2, 2, 1], activation="relu", loss="half_squared_error", seed=5),
    ],
    ids=["seven", "seven-bias", "skip-dag", "log-loss", "relu"],
)
def test_steps_follow_backpropagate(make):
    net = make()
    n_out = len(net.outputs)
    y = [1.0] * n_out if net.loss_fn is bp.log_loss else [0.35] * n_out
    rec = net.backpropagate([0.8, -0.45], y)
    steps = rec.steps
    phases = [st.phase for st in steps]
    n_in, n_rest = len(net.inputs), len(net.order) - len(net.inputs)
    n_grad = len(net.arcs) + len(net.bias_neurons)
    assert phases == (["input"] * n_in + ["in", "a"] * n_rest + ["delta"] * n_rest + ["grad"] * n_grad)

    # inputs in the order of x, then in_j and a_j for each neuron in a topological order
    assert [st.target for st in steps[:n_in]] == net.inputs
    forward = steps[n_in : n_in + 2 * n_rest]
    visited = [st.target for st in forward[::2]]
    assert [st.target for st in forward[1::2]] == visited
    position = {j: k for k, j in enumerate([*net.inputs, *visited])}
    assert set(position) == set(net.order) and len(position) == len(net.order)
    assert all(position[i] < position[j] for i, j in net.arcs)

    # Delta from the outputs back: every Delta_j' is known before a Delta_j that uses it
    backward = [st.target for st in steps[n_in + 2 * n_rest : n_in + 3 * n_rest]]
    assert backward[:n_out] == net.outputs
    back_position = {j: k for k, j in enumerate(backward)}
    assert all(back_position[j] < back_position[i] for i, j in net.arcs if i in back_position)

    # then Delta_j a_i on every arc (and Delta_j on every bias), each exactly once
    grads = [st.target for st in steps[-n_grad:]]
    assert sorted(map(str, grads)) == sorted(map(str, [*net.arcs, *[("bias", j) for j in net.bias_neurons]]))

    for st in steps:
        expected = {
            "input": lambda t: rec.a[t],
            "in": lambda t: rec.in_[t],
            "a": lambda t: rec.a[t],
            "delta": lambda t: rec.delta[t],
            "grad": lambda t: rec.grad_bias[t[1]] if t[0] == "bias" else rec.grad[t],
        }[st.phase](st.target)
        assert st.value == expected, st
        assert st.symbol in str(st) and st.formula in str(st)
        # the substituted numbers evaluate to the value (up to their 4 significant digits)
        assert _evaluate(st.substituted) == pytest.approx(st.value, rel=5e-3, abs=1e-6), st


def test_step_formulas_use_the_lecture_symbols():
    net = seven()
    rec = net.backpropagate([1.0, 0.5], 1.0)
    by_key = {(st.phase, st.target): st for st in rec.steps}
    assert by_key[("in", 3)].formula == r"w_{1,3}\,a_{1} + w_{2,3}\,a_{2}"
    assert by_key[("a", 3)].formula == r"g(\mathrm{in}_{3})"
    assert by_key[("delta", 7)].formula == r"g'(\mathrm{in}_{7})\,(-2\,(y - a_{7}))"
    assert by_key[("delta", 3)].formula == r"g'(\mathrm{in}_{3})\,(w_{3,5}\,\Delta_{5} + w_{3,6}\,\Delta_{6})"
    assert by_key[("grad", (1, 3))].formula == r"\Delta_{3}\,a_{1}"
    # the substituted line holds the numbers: w_13 and a_1 to 4 significant digits
    w13 = net.weight(1, 3)
    assert f"{w13:.4g}" in by_key[("in", 3)].substituted
    assert f"{rec.delta[3]:.4g}" in by_key[("grad", (1, 3))].substituted


def test_fused_log_loss_step_shows_a_minus_t():
    net = bp.Network.layered([2, 2, 1], loss="log_loss", seed=0)
    rec = net.backpropagate([0.2, 0.4], -1.0)  # lecture 000's label -1 is t = 0
    step = next(st for st in rec.steps if st.phase == "delta" and st.target == 5)
    assert step.formula == "a_{5} - t_{5}"
    assert step.substituted.endswith("- 0")
    assert step.value == pytest.approx(s(rec.in_[5]), rel=1e-15)
