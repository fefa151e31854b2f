"""Bad input fails with a message naming the argument, what was expected and what was given.

One test per defect found by a reviewer's pass: each of these used to crash with a bare numpy or
internal error, or to accept nonsense silently.
"""

import numpy as np
import pytest

import bpteach as bp
from bpteach import datasets

X, Y = datasets.xor()


# ----------------------------------------------------------------------------- None and True
@pytest.mark.parametrize("value", [None, True])
def test_none_and_bools_are_not_numbers(value):
    # numpy turns None into NaN and True into 1.0 without a word
    with pytest.raises(TypeError, match=rf"z must be numbers \(an array of floats\), got {value!r}"):
        bp.sigmoid(value)
    with pytest.raises(TypeError, match=rf"a must be numbers .*got {value!r}"):
        bp.squared_error(value, 1.0)


def test_missing_targets_are_named():
    with pytest.raises(TypeError, match=r"Y must be numbers .*got None"):
        bp.MLP([2, 3, 1]).backpropagate(X, None)
    with pytest.raises(TypeError, match=r"y must be numbers .*got None"):
        bp.Network.layered([2, 2, 1]).backpropagate([1.0, 0.5], None)


# ----------------------------------------------------------------------------- empty batches
def test_an_empty_batch_is_refused_not_averaged_to_nan():
    with pytest.raises(ValueError, match=r"X must hold at least one example \(column\), got shape \(2, 0\)"):
        bp.MLP([2, 3, 1]).loss(np.zeros((2, 0)), np.zeros((1, 0)))
    with pytest.raises(ValueError, match=r"x must hold at least one example \(column\), got shape \(2, 0\)"):
        bp.Network.layered([2, 2, 1]).backpropagate(np.zeros((2, 0)), np.zeros((1, 0)))


def test_mlp_loss_checks_its_reduction():
    with pytest.raises(ValueError, match=r"reduction must be 'mean' or 'sum', got 'max'"):
        bp.MLP([2, 3, 1]).loss(X, Y, reduction="max")


# ----------------------------------------------------------------------------- flags, seeds, scales
@pytest.mark.parametrize("make", [lambda v: bp.MLP([2, 1], bias=v), lambda v: bp.Network.layered([2, 1], bias=v)])
def test_bias_must_be_a_bool_not_a_string(make):
    with pytest.raises(TypeError, match=r"bias must be True or False, got str: 'no'"):
        make("no")


@pytest.mark.parametrize("name", ["decay_bias", "record_grad_norms"])
def test_train_flags_must_be_bools(name):
    with pytest.raises(TypeError, match=rf"{name} must be True or False, got str: 'no'"):
        bp.train(bp.MLP([2, 2, 1]), X, Y, epochs=1, **{name: "no"})


def test_seed_must_be_a_non_negative_int():
    with pytest.raises(ValueError, match=r"seed must be an int >= 0 .*got -1"):
        bp.MLP([2, 3, 1], seed=-1)
    with pytest.raises(TypeError, match=r"seed must be an int, a numpy Generator or None, got True"):
        datasets.moons(seed=True)


@pytest.mark.parametrize("scale", ["big", True])
def test_init_scale_must_be_a_number(scale):
    with pytest.raises(
        TypeError, match=rf"scale \(the spread of the initial weights\) must be a number, got .*{scale!r}"
    ):
        bp.MLP([2, 3, 1], scale=scale)


# ----------------------------------------------------------------------------- MLP weights given
def test_w_with_keys_that_are_not_layers_names_them():
    with pytest.raises(ValueError, match=r"W must give layers 1\.\.2 .*got layers \['x', 1\]"):
        bp.MLP([2, 3, 1], W={1: np.zeros((3, 2)), "x": 1})
    with pytest.raises(TypeError, match=r"W must be a dict \{layer i: array\} .*got str"):
        bp.MLP([2, 3, 1], W="abc")


def test_sizes_may_be_a_numpy_array():
    assert bp.MLP(np.array([2, 3, 1])).sizes == [2, 3, 1]


# ----------------------------------------------------------------------------- Network arguments
def test_network_bias_and_layout_must_be_mappings():
    edges = {(1, 3): 0.1, (2, 3): 0.2}
    with pytest.raises(TypeError, match=r"bias must be a mapping \{j: b_j\}, got list"):
        bp.Network(edges, [1, 2], [3], bias=[0.1])
    with pytest.raises(TypeError, match=r"layout must be a mapping \{neuron: \(x, y\)\}, got str"):
        bp.Network(edges, [1, 2], [3], layout="abc")


def test_network_layout_gives_every_neuron_a_point():
    edges = {(1, 3): 0.1, (2, 3): 0.2}
    with pytest.raises(ValueError, match=r"layout must give a position \(x, y\) to every neuron, got none for 2, 3"):
        bp.Network(edges, [1, 2], [3], layout={1: (0, 0)})
    with pytest.raises(ValueError, match=r"layout\[1\] must be a point \(x, y\), got \(0, 1, 2\)"):
        bp.Network(edges, [1, 2], [3], layout={1: (0, 1, 2), 2: (0, 1), 3: (1, 0)})


def test_network_hidden_must_not_repeat_inputs_and_must_be_a_list():
    edges = {(1, 4): 0.1, (4, 3): 0.1}
    with pytest.raises(ValueError, match=r"hidden lists 1, which are inputs or outputs"):
        bp.Network(edges, [1], [3], hidden=[1, 4])
    with pytest.raises(TypeError, match=r"hidden must be a list of neuron ids, got 5"):
        bp.Network(edges, [1], [3], hidden=5)


def test_network_neuron_ids_must_be_hashable():
    with pytest.raises(TypeError, match=r"inputs must be neuron ids .*got the unhashable \[1\]"):
        bp.Network({(2, 3): 0.1}, [[1], 2], [3])


@pytest.mark.parametrize(("value", "error"), [("a", TypeError), (None, TypeError), (True, TypeError)])
def test_set_weight_names_the_weight(value, error):
    net = bp.Network.layered([2, 2, 1])
    before = net.w.copy()
    with pytest.raises(error, match=r"the weight w_\(1, 3\) must be a number"):
        net.set_weight(1, 3, value)
    np.testing.assert_array_equal(net.w, before)


# ----------------------------------------------------------------------------- losses
def test_loss_delta_checks_shapes_and_names_g():
    with pytest.raises(ValueError, match=r"a has shape \(2,\) but y has shape \(3,\)"):
        bp.squared_error.delta(np.zeros(2), np.zeros(2), np.zeros(3), bp.sigmoid)
    with pytest.raises(ValueError, match=r"z has shape \(3,\) but a has shape \(2,\)"):
        bp.squared_error.delta(np.zeros(3), np.zeros(2), np.zeros(2), bp.sigmoid)
    with pytest.raises(ValueError, match=r"unknown activation 'softmax' for g"):
        bp.squared_error.delta(np.zeros(2), np.zeros(2), np.zeros(2), "softmax")


def test_log_loss_takes_probabilities():
    # -log(1.5) < 0: a loss below zero is no likelihood
    with pytest.raises(ValueError, match=r"a for log_loss must be a probability in \[0, 1\].*got \[1\.5\]"):
        bp.log_loss(1.5, 1.0)
    with pytest.raises(ValueError, match=r"a for log_loss must be a probability"):
        bp.log_loss.derivative(np.nan, 1.0)


# ----------------------------------------------------------------------------- blocks
@pytest.mark.parametrize("a", [np.zeros(3), 0.5, np.zeros((1, 0))])
def test_loss_block_wants_columns(a):
    with pytest.raises(ValueError, match=r"a must have shape \(n_out, n_examples\) with n_examples >= 1, got shape"):
        bp.LossBlock().forward(a, a)


def test_blocks_refuse_non_finite_numbers_and_empty_weights():
    with pytest.raises(ValueError, match=r"b must hold finite numbers"):
        bp.Linear(np.zeros((2, 3)), b=[np.nan, 0.0])
    with pytest.raises(ValueError, match=r"x must hold finite numbers"):
        bp.Linear(np.ones((2, 3))).forward(np.full((3, 2), np.nan))
    with pytest.raises(ValueError, match=r"W must be a matrix of shape \(n_out, n_in\), got shape \(0, 2\)"):
        bp.Linear(np.zeros((0, 2)))


def test_chain_arguments_are_named():
    with pytest.raises(TypeError, match=r"blocks must be a list of Linear and ActivationBlock blocks, got NoneType"):
        bp.Chain(None)
    with pytest.raises(TypeError, match=r"mlp must be an MLP .*got Network"):
        bp.to_chain(bp.Network.layered([2, 1]))
    with pytest.raises(TypeError, match=r"mlp must be an MLP .*got Chain"):
        bp.to_network(bp.to_chain(bp.MLP([2, 1])))


# ----------------------------------------------------------------------------- gradcheck, side_by_side
@pytest.mark.parametrize(("floor", "error"), [(0, ValueError), (-1.0, ValueError), ("x", TypeError)])
def test_gradcheck_floor_must_be_small_and_positive(floor, error):
    with pytest.raises(error, match=rf"floor \(a small positive number, 1e-8 is usual\) must be .*got .*{floor!r}"):
        bp.gradcheck(bp.MLP([2, 2, 1]), X, Y, floor=floor)


def test_side_by_side_names_x_and_y():
    mlp = bp.MLP([2, 3, 1])
    with pytest.raises(TypeError, match=r"x must be numbers .*got str"):
        bp.side_by_side(mlp, "ab", [1.0])
    with pytest.raises(TypeError, match=r"y must be numbers .*got dict"):
        bp.side_by_side(mlp, [1.0, 2.0], {"a": 1})
    with pytest.raises(ValueError, match=r"x must hold finite numbers"):
        bp.side_by_side(mlp, [np.nan, 2.0], [1.0])


# ----------------------------------------------------------------------------- train, datasets
@pytest.mark.parametrize(
    "make", [lambda: bp.MLP([2, 2, 1]), lambda: bp.Network.layered([2, 2, 1])], ids=["MLP", "Network"]
)
def test_train_blames_x_when_it_holds_examples_as_rows(make):
    # issue 14: X passed as rows (4 examples x 2 inputs) must be named, not the well-formed Y
    model = make()
    before = {k: v.copy() for k, v in model.parameters().items()}
    with pytest.raises(
        ValueError, match=r"^[xX] has shape \(4, 2\) but the network has 2 input neurons.*pass [xX]\.T\)$"
    ):
        bp.train(model, X.T, Y)
    for k, v in model.parameters().items():
        np.testing.assert_array_equal(v, before[k])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"test_fraction": "a"}, TypeError, r"test_fraction must be a number, got str"),
        ({"test_fraction": None}, TypeError, r"test_fraction must be a number, got NoneType"),
    ],
)
def test_split_names_test_fraction(kwargs, error, match):
    with pytest.raises(error, match=match):
        datasets.split(X, Y, **kwargs)


def test_split_refuses_non_finite_data():
    with pytest.raises(ValueError, match=r"X must hold finite numbers"):
        datasets.split(np.full((2, 4), np.nan), Y)


def test_noise_and_factor_are_numbers_not_flags():
    with pytest.raises(TypeError, match=r"noise .*must be a number, got bool: True"):
        datasets.moons(noise=True)
    with pytest.raises(TypeError, match=r"factor \(inner radius / outer radius\) must be a number, got NoneType"):
        datasets.circles(factor=None)


# ----------------------------------------------------------------------------- widgets
def test_dashboard_offers_any_valid_setting_in_its_menus():
    pytest.importorskip("ipywidgets")
    import matplotlib

    matplotlib.use("Agg")
    from bpteach.widgets import training_dashboard

    # these used to pass the state's checks, then crash the menus with a TraitError
    app = training_dashboard(lr=0.25, batch_size=7, weight_decay=0.05, n=60)
    assert app.controls["lr"].value == 0.25
    assert app.controls["batch_size"].value == 7
    assert app.controls["weight_decay"].value == 0.05
    assert app.state.trainer.lr == 0.25 and app.state.trainer.batch_size == 7


def test_two_layer_label_is_not_a_flag():
    pytest.importorskip("ipywidgets")
    import matplotlib

    matplotlib.use("Agg")
    from bpteach.widgets import two_layer_gradient

    with pytest.raises(TypeError, match=r"y \(labels are -1 and \+1, as in lecture 3\) must be 1 or -1, got True"):
        two_layer_gradient(y=True)
