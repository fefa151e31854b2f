"""Every input check of the core fails with a message naming the argument, what was expected
and what was given (the issue's list first: cycles, unknown neurons, inputs with incoming arcs,
unreachable neurons, wrong lengths, non-finite numbers, unknown names, row-form X)."""

import numpy as np
import pytest

import bpteach as bp

N = bp.Network


def layered():
    return N.layered([2, 2, 1])


# --------------------------------------------------------------------------- the graph
def test_a_cycle_is_refused_naming_its_neurons():
    edges = {(1, 3): 1.0, (3, 4): 1.0, (4, 3): 1.0, (4, 5): 1.0}
    with pytest.raises(ValueError, match=r"cycle (3 -> 4 -> 3|4 -> 3 -> 4).*must be a DAG"):
        N(edges, [1], [5])


def test_a_longer_cycle_names_every_neuron_on_it():
    edges = {(1, "a"): 1.0, ("a", "b"): 1.0, ("b", "c"): 1.0, ("c", "a"): 1.0, ("c", 9): 1.0}
    with pytest.raises(ValueError, match=r"cycle") as info:
        N(edges, [1], [9])
    message = str(info.value)
    assert all(f"'{n}'" in message for n in "abc")
    assert "1 ->" not in message and "-> 9" not in message  # only the neurons on the cycle


def test_a_self_loop_is_a_cycle():
    with pytest.raises(ValueError, match=r"cycle 3 -> 3"):
        N({(1, 3): 1.0, (3, 3): 1.0, (3, 5): 1.0}, [1], [5])


def test_an_arc_to_an_unknown_neuron_is_refused_when_hidden_is_given():
    edges = {(1, 2): 1.0, (2, 9): 1.0, (2, 3): 1.0}
    with pytest.raises(ValueError, match=r"arc \(2, 9\) names the unknown neuron 9.*\(1, 2, 3\)"):
        N(edges, [1], [3], hidden=[2])
    with pytest.raises(ValueError, match=r"arc \(8, 2\) names the unknown neuron 8"):
        N({(1, 2): 1.0, (8, 2): 1.0, (2, 3): 1.0}, [1], [3], hidden=[2])


def test_an_input_with_an_incoming_arc_is_refused():
    with pytest.raises(ValueError, match=r"input neuron 2 has an incoming arc \(3, 2\)"):
        N({(1, 3): 1.0, (3, 2): 1.0, (3, 4): 1.0}, [1, 2], [4])


def test_a_hidden_neuron_no_input_reaches_is_refused():
    with pytest.raises(ValueError, match=r"no input reaches hidden neuron 5"):
        N({(1, 3): 1.0, (3, 4): 1.0, (5, 4): 1.0}, [1], [4])
    with pytest.raises(ValueError, match=r"no input reaches hidden neuron 'lonely'"):
        N({(1, 3): 1.0}, [1], [3], hidden=["lonely"])


def test_an_output_no_input_reaches_is_refused():
    with pytest.raises(ValueError, match=r"no input reaches output neuron 4"):
        N({(1, 3): 1.0}, [1], [3, 4])


def test_an_output_with_an_outgoing_arc_is_refused():
    with pytest.raises(ValueError, match=r"output neuron 3 has an outgoing arc \(3, 4\)"):
        N({(1, 3): 1.0, (3, 4): 1.0}, [1], [3, 4])


def test_a_neuron_cannot_be_input_and_output():
    with pytest.raises(ValueError, match=r"neuron\(s\) 1 listed in both inputs and outputs"):
        N({(1, 3): 1.0}, [1], [1, 3])


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"edges": [(1, 3)]}, TypeError, r"edges must be a mapping \{\(i, j\): w_ij\}, got list"),
        ({"edges": {1: 1.0}}, TypeError, r"each key of edges must be an arc \(i, j\), got 1"),
        ({"inputs": "1"}, TypeError, r"inputs must be a list of neuron ids, got '1'"),
        ({"inputs": []}, ValueError, r"inputs must name at least one neuron"),
        ({"inputs": [1, 1]}, ValueError, r"inputs lists a neuron twice: \[1, 1\]"),
        ({"outputs": 3}, TypeError, r"outputs must be a list of neuron ids, got 3"),
        ({"bias": {1: 0.5}}, ValueError, r"bias has an entry for 1, which is not a hidden or output"),
        ({"bias": {7: 0.5}}, ValueError, r"bias has an entry for 7"),
        ({"edges": {(1, 3): "heavy"}}, TypeError, r"edges' weights must be numbers"),
    ],
)
def test_network_arguments_are_checked(kwargs, error, pattern):
    args = {"edges": {(1, 3): 1.0}, "inputs": [1], "outputs": [3], **kwargs}
    with pytest.raises(error, match=pattern):
        N(**args)


# --------------------------------------------------------------------------- non-finite numbers
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_weights_and_biases_are_refused(bad):
    with pytest.raises(ValueError, match=r"edges must hold finite weights.*arc \(1, 3\): "):
        N({(1, 3): bad}, [1], [3])
    with pytest.raises(ValueError, match=r"bias must hold finite weights.*neuron 3: "):
        N({(1, 3): 1.0}, [1], [3], bias={3: bad})
    with pytest.raises(ValueError, match=r"the weight w_\(1, 3\) must be a finite number, got"):
        N({(1, 3): 1.0}, [1], [3]).set_weight(1, 3, bad)
    with pytest.raises(ValueError, match=r"W\[1\] must hold finite numbers"):
        bp.MLP([2, 1], W={1: [[1.0, bad]]})


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_data_is_refused_saying_where(bad):
    with pytest.raises(ValueError, match=r"x must hold finite numbers, got (nan|inf) at index \(1,\)"):
        layered().backpropagate([1.0, bad], 1.0)
    with pytest.raises(ValueError, match=r"y must hold finite numbers"):
        layered().backpropagate([1.0, 2.0], bad)
    X = np.zeros((2, 4))
    X[1, 2] = bad
    with pytest.raises(ValueError, match=r"X must hold finite numbers, got (nan|inf) at index \(1, 2\)"):
        bp.MLP([2, 1]).backpropagate(X, np.zeros((1, 4)))
    with pytest.raises(ValueError, match=r"Y must hold finite numbers"):
        bp.MLP([2, 1]).backpropagate(np.zeros((2, 1)), [[bad]])


# --------------------------------------------------------------------------- shapes of x and y
def test_x_of_the_wrong_length_names_the_expected_shape():
    with pytest.raises(
        ValueError,
        match=r"x has shape \(3,\) but the network has 2 input neurons "
        r"\(1, 2\): pass x with shape \(2,\) for one example",
    ):
        layered().backpropagate([1.0, 2.0, 3.0], 1.0)
    with pytest.raises(ValueError, match=r"x has shape \(3, 4\).*\(2, n_examples\)"):
        layered().predict(np.zeros((3, 4)))


def test_y_of_the_wrong_length_names_the_expected_shape():
    with pytest.raises(
        ValueError,
        match=r"y has shape \(2,\) but the network has 1 output neurons "
        r"\(5\).*pass y with shape \(1,\)",
    ):
        layered().backpropagate([1.0, 2.0], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"y has shape \(3,\).*x holds 4 example\(s\): pass y with shape \(1, 4\)"):
        layered().backpropagate(np.zeros((2, 4)), np.zeros(3))


def test_mlp_x_in_row_form_is_refused_with_the_column_shape():
    with pytest.raises(
        ValueError,
        match=r"X has shape \(3, 2\) but the network has 2 input neurons: "
        r"pass X with shape \(2, n_examples\)",
    ):
        bp.MLP([2, 3, 1]).backpropagate(np.zeros((3, 2)), np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"pass X with shape \(2, n_examples\)"):
        bp.MLP([2, 3, 1]).predict(np.zeros(3))


def test_mlp_y_of_the_wrong_shape_names_the_expected_shape():
    with pytest.raises(ValueError, match=r"Y has shape \(2, 4\).*pass Y with shape \(1, 4\)"):
        bp.MLP([2, 3, 1]).backpropagate(np.zeros((2, 4)), np.zeros((2, 4)))


# --------------------------------------------------------------------------- unknown names
@pytest.mark.parametrize("arg", ["activation", "output_activation"])
def test_unknown_activation_lists_the_valid_ones(arg):
    pattern = rf"unknown activation 'softplus' for {arg}: choose one of 'sigmoid', 'tanh', 'relu', 'identity'"
    with pytest.raises(ValueError, match=pattern):
        N({(1, 3): 1.0}, [1], [3], **{arg: "softplus"})
    with pytest.raises(ValueError, match=pattern):
        bp.MLP([2, 1], **{arg: "softplus"})


def test_unknown_loss_lists_the_valid_ones():
    pattern = r"unknown loss 'mse' for loss: choose one of 'squared_error', 'half_squared_error', 'log_loss'"
    with pytest.raises(ValueError, match=pattern):
        N({(1, 3): 1.0}, [1], [3], loss="mse")
    with pytest.raises(ValueError, match=pattern):
        bp.MLP([2, 1], loss="mse")
    with pytest.raises(ValueError, match=pattern):
        bp.LossBlock("mse")


def test_an_activation_of_the_wrong_type_names_the_valid_ones():
    with pytest.raises(TypeError, match=r"activation must be the name of an activation \('sigmoid'"):
        N({(1, 3): 1.0}, [1], [3], activation=3)
    with pytest.raises(TypeError, match=r"loss must be the name of a loss \('squared_error'"):
        bp.MLP([2, 1], loss=len)


def test_names_match_in_any_case():
    assert bp.MLP([2, 1], activation="Sigmoid").g is bp.sigmoid
    assert bp.Network.layered([2, 1], loss="Log_Loss", output_activation="SIGMOID").loss_fn is bp.log_loss
    np.testing.assert_array_equal(bp.MLP([2, 3], init="HE", seed=1).W[1], bp.MLP([2, 3], init="he", seed=1).W[1])


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        (
            {"activation": "sigmiod"},
            r"unknown activation 'sigmiod' for activation: did you mean 'sigmoid'\? choose one",
        ),
        ({"activation": "Tahn"}, r"unknown activation 'Tahn' for activation: did you mean 'tanh'\?"),
        ({"loss": "half_squared"}, r"unknown loss 'half_squared' for loss: did you mean 'half_squared_error'\?"),
        ({"init": "Xavir"}, r"unknown initialisation 'Xavir' for init: did you mean 'xavier'\?"),
        ({"activation": "cubic"}, r"unknown activation 'cubic' for activation: choose one of 'sigmoid', 'tanh'"),
    ],
)
def test_a_misspelt_name_gets_did_you_mean(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        bp.MLP([2, 1], **kwargs)


# --------------------------------------------------------------------------- the MLP
@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"sizes": [2]}, ValueError, r"sizes must list at least two layer sizes"),
        ({"sizes": [2, 0, 1]}, ValueError, r"sizes must be positive integers, got \[2, 0, 1\]"),
        ({"sizes": [2, 1.5]}, ValueError, r"sizes must be positive integers"),
        ({"init": "glorot"}, ValueError, r"unknown initialisation 'glorot' for init: choose one of"),
        ({"seed": "a"}, TypeError, r"seed must be an int, a numpy Generator or None, got 'a'"),
        (
            {"scale": -1.0},
            ValueError,
            r"scale \(the spread of the initial weights\) must be a finite number >= 0.0, got -1.0",
        ),
        (
            {"W": {1: np.zeros((2, 3)), 2: np.zeros((1, 3))}},
            ValueError,
            r"W\[1\] has shape \(2, 3\) but this layer needs shape \(3, 2\) \(it looks transposed",
        ),
        (
            {"W": {0: np.zeros((3, 2)), 1: np.zeros((1, 3))}},
            ValueError,
            r"W must give layers 1\.\.2 \(layers count from 1\), got layers \[0, 1\]",
        ),
        ({"W": 3}, TypeError, r"W must be a dict \{layer i: array\}"),
        ({"bias": False, "b": {1: np.zeros(3), 2: np.zeros(1)}}, ValueError, r"b was given but bias=False"),
        (
            {"b": {1: np.zeros(2), 2: np.zeros(1)}},
            ValueError,
            r"b\[1\] has shape \(2,\) but this layer needs shape \(3,\)",
        ),
    ],
)
def test_mlp_arguments_are_checked(kwargs, error, pattern):
    args = {"sizes": [2, 3, 1], **kwargs}
    with pytest.raises(error, match=pattern):
        bp.MLP(**args)


def test_a_layer_that_does_not_exist_says_layers_count_from_1():
    with pytest.raises(KeyError, match=r"there is no layer 0: layers are numbered 1\.\.2"):
        bp.MLP([2, 3, 1]).W[0]


@pytest.mark.parametrize("model", [bp.MLP([2, 1]), N.layered([2, 1])], ids=["MLP", "Network"])
def test_reduction_must_be_mean_or_sum(model):
    with pytest.raises(ValueError, match=r"reduction must be 'mean' or 'sum', got 'avg'"):
        model.backpropagate(np.zeros((2, 1)), np.zeros((1, 1)), reduction="avg")


def test_steps_are_only_for_one_example():
    rec = layered().backpropagate(np.zeros((2, 3)), np.zeros(3))
    with pytest.raises(ValueError, match=r"steps are recorded for one example"):
        bp.steps(rec)


def test_weight_of_a_missing_arc():
    with pytest.raises(KeyError, match=r"there is no arc \(3, 1\) in this network"):
        N({(1, 3): 1.0}, [1], [3]).weight(3, 1)


# --------------------------------------------------------------------------- blocks, gradcheck, side_by_side
def test_block_checks():
    with pytest.raises(ValueError, match=r"W must be a matrix of shape \(n_out, n_in\), got shape \(3,\)"):
        bp.Linear(np.zeros(3))
    with pytest.raises(ValueError, match=r"b has shape \(3,\) but W has 2 rows: pass b with shape \(2,\)"):
        bp.Linear(np.zeros((2, 3)), np.zeros(3))
    lin = bp.Linear(np.zeros((2, 3)))
    with pytest.raises(RuntimeError, match=r"call forward before backward"):
        lin.backward(np.zeros((2, 1)))
    with pytest.raises(ValueError, match=r"x has shape \(2, 1\) but W has 3 columns: pass x with shape \(3, n_ex"):
        lin.forward(np.zeros((2, 1)))
    lin.forward(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"dL_dy has shape \(2, 3\) but this Linear block produced y of shape \(2, 4"):
        lin.backward(np.zeros((2, 3)))
    with pytest.raises(RuntimeError, match=r"call forward before backward"):
        bp.ActivationBlock().backward(np.zeros(1))
    with pytest.raises(ValueError, match=r"blocks must hold at least one block"):
        bp.Chain([])
    with pytest.raises(TypeError, match=r"blocks\[0\] must be a Linear or an ActivationBlock, got LossBlock"):
        bp.Chain([bp.LossBlock()])
    with pytest.raises(ValueError, match=r"reduction must be 'mean' or 'sum'"):
        bp.LossBlock(reduction="avg")
    with pytest.raises(ValueError, match=r"y has shape \(1, 3\) but the prediction has shape \(1, 2\)"):
        bp.LossBlock().forward(np.zeros((1, 2)), np.zeros((1, 3)))
    with pytest.raises(RuntimeError, match=r"call forward before backward"):
        bp.LossBlock().backward()


def test_gradcheck_checks():
    with pytest.raises(TypeError, match=r"model must be a Network, an MLP or a Chain, got object"):
        bp.gradcheck(object(), [[1.0]], [[1.0]])
    with pytest.raises(
        ValueError, match=r"eps \(a small step, 1e-5 is usual\) must be a finite number > 0.0 and < 1.0"
    ):
        bp.gradcheck(bp.MLP([1, 1]), [[1.0]], [[1.0]], eps=0)


def test_side_by_side_checks():
    with pytest.raises(TypeError, match=r"mlp must be an MLP \(build one with bp\.MLP\(sizes\)\), got Network"):
        bp.side_by_side(N.layered([2, 1]), [0.0, 0.0], [0.0])
    with pytest.raises(ValueError, match=r"x has shape \(2, 3\) but side_by_side takes one example"):
        bp.side_by_side(bp.MLP([2, 1]), np.zeros((2, 3)), np.zeros(3))
    with pytest.raises(ValueError, match=r"y has shape \(3,\) but the network has 1 output neuron\(s\): pass y"):
        bp.side_by_side(bp.MLP([2, 1]), [0.0, 0.0], [0.0, 1.0, 2.0])
