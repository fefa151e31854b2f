"""Headless tests of the apps backprop_stepper, matrix_recipe, training_dashboard, vanishing_gradients.

Each test drives the controls through the widget API (``.value = ...``, ``button.click()``) and
compares the state, the drawn artists and the readouts with an independent computation by the core.
"""

import base64

import numpy as np
import pytest
from matplotlib.colors import to_rgb

import bpteach as bp
from bpteach import datasets
from bpteach.widgets import COLORS, backprop_stepper, matrix_recipe, training_dashboard, vanishing_gradients


def _num(v):
    """A number as the diagram writes it: 4 significant digits, a true minus sign."""
    return f"{v:.4g}".replace("-", "−")


# --------------------------------------------------------------------- 4. backprop_stepper
def _lecture002():
    return datasets.lecture002_network(), *datasets.lecture002_example()


def _step_index(steps, phase, target):
    return next(k for k, s in enumerate(steps) if s.phase == phase and s.target == target) + 1


def test_stepper_reaches_delta_5_and_shows_the_records_value():
    net, x, y = _lecture002()
    rec = net.backpropagate(x, y)  # the independent reference
    app = backprop_stepper(net, x, y)
    k = _step_index(app.state.steps, "delta", 5)
    for _ in range(k):
        app.controls["forward"].click()
    assert app.state.index == k
    assert app.state.current.symbol == r"\Delta_{5}"
    assert f"= {rec.delta[5]:.6g}$" in app.formulas.value
    assert r"\Delta_{5} = \sigma'(\mathrm{in}_{5})" in app.formulas.value
    # the backward pass visits 7 then 5: Delta_7 and Delta_5 are written, Delta_6 not yet
    assert app.drawing.notes(5)[1] == f"$\\Delta_{{5}}$={_num(rec.delta[5])}"
    assert app.drawing.notes(7)[1].endswith(_num(rec.delta[7]))
    assert app.drawing.notes(6)[1] == ""
    assert _num(rec.a[5]) in app.drawing.notes(5)[0]
    assert app.drawing.node_ring.get_visible()
    np.testing.assert_allclose(app.drawing.node_ring.get_offsets()[0], net.layout()[5])


def test_stepper_weight_edit_recomputes_delta_5_and_keeps_the_step():
    net, x, y = _lecture002()
    app = backprop_stepper(net, x, y)
    k = _step_index(app.state.steps, "delta", 5)
    app.controls["step"].value = k
    before = app.state.record.delta[5]
    app.controls["arc"].value = (5, 7)
    assert app.controls["weight"].value == pytest.approx(0.5)  # the box shows the chosen arc's w
    app.controls["weight"].value = 1.3
    ref = datasets.lecture002_network()
    ref.set_weight(5, 7, 1.3)
    expected = ref.backpropagate(x, y).delta[5]
    assert app.state.index == k
    assert app.state.record.delta[5] == pytest.approx(expected, rel=1e-12)
    assert expected != pytest.approx(before)
    assert f"= {expected:.6g}$" in app.formulas.value
    assert "weight" in app.description and "w₅,₇ = 1.3" in app.description
    assert net.weight(5, 7) == 0.5  # the caller's network is left alone


def test_stepper_buttons_play_and_one_render_per_change():
    net, x, y = _lecture002()
    app = backprop_stepper(net, x, y)
    n = len(app.state.steps)
    renders = app.view.renders
    app.controls["last"].click()
    assert app.state.index == n and app.view.renders == renders + 1
    app.controls["forward"].click()  # already at the end: stays
    assert app.state.index == n
    app.controls["back"].click()
    assert app.state.index == n - 1
    app.controls["first"].click()
    assert app.state.index == 0 and app.state.current is None
    assert not app.drawing.node_ring.get_visible() and not app.drawing.arc_ring.get_visible()
    app.controls["back"].click()
    assert app.state.index == 0
    app.controls["play"].value = 3  # the Play widget ticks the step index
    assert app.state.index == 3 and app.controls["step"].value == 3


def test_stepper_gradient_step_thickens_its_arc():
    net, x, y = _lecture002()
    rec = net.backpropagate(x, y)
    app = backprop_stepper(net, x, y)
    app.controls["step"].value = _step_index(app.state.steps, "grad", (3, 5))
    pos = net.layout()
    assert app.drawing.arc_ring.get_visible()
    np.testing.assert_allclose(np.column_stack(app.drawing.arc_ring.get_data()), [pos[3], pos[5]])
    assert f"= {rec.grad[(3, 5)]:.6g}$" in app.formulas.value


def test_stepper_arcs_carry_sign_by_hue_and_dash_and_width_by_magnitude():
    net, x, y = _lecture002()
    app = backprop_stepper(net, x, y)
    w = net.w
    colors = app.drawing.lines.get_colors()
    widths = app.drawing.lines.get_linewidths()
    styles = app.drawing.lines.get_linestyles()
    for k, v in enumerate(w):
        expected = COLORS["positive"] if v > 0 else COLORS["negative"]
        np.testing.assert_allclose(colors[k][:3], to_rgb(expected))
        assert (styles[k][1] is None) == (v > 0)  # solid has no dash pattern
    order = np.argsort(np.abs(w))
    assert np.all(np.diff(np.asarray(widths)[order]) >= 0)
    assert widths[int(np.argmax(np.abs(w)))] > widths[int(np.argmin(np.abs(w)))]


def test_stepper_edits_x_and_y():
    net, x, y = _lecture002()
    app = backprop_stepper(net, x, y)
    app.controls["x"][0].value = 2.0
    app.controls["y"][0].value = 0.0
    ref = net.backpropagate([2.0, x[1]], [0.0])
    assert app.state.record.a[1] == 2.0
    assert app.state.record.delta[3] == pytest.approx(ref.delta[3], rel=1e-12)
    assert app.state.record.loss == pytest.approx(ref.loss, rel=1e-12)


def test_stepper_rejects_a_bad_weight_without_changing_the_state():
    net, x, y = _lecture002()
    app = backprop_stepper(net, x, y)
    app.controls["weight"].value = float("nan")
    assert "finite" in app.message.value
    assert app.state.network.weight(*app.controls["arc"].value) == net.weight(*app.controls["arc"].value)


def test_stepper_replays_any_dag_of_29_neurons_with_a_skip_arc():
    edges = bp.Network.layered([3, 8, 8, 8, 2], seed=1).edges
    edges[(1, 28)] = 0.7  # an input straight to an output
    net = bp.Network(
        edges,
        inputs=[1, 2, 3],
        outputs=[28, 29],
        activation="tanh",
        output_activation="identity",
        loss="half_squared_error",
    )
    x, y = [0.3, -0.2, 0.9], [0.5, -0.5]
    rec = net.backpropagate(x, y)
    app = backprop_stepper(net, x, y)
    app.controls["last"].click()
    last = bp.steps(rec)[-1]
    assert f"= {last.value:.6g}$" in app.formulas.value
    for j in net.order[3:]:
        assert app.drawing.notes(j)[1].endswith(f"={_num(rec.delta[j])}")
    # eight neurons a column leave no room for three lines: one line beside each neuron instead
    assert app.drawing.side_notes
    row = app.drawing.neurons.index(12)
    assert app.drawing.above.texts[row].endswith(f"$\\Delta_{{12}}$={_num(rec.delta[12])}")
    assert f"$a_{{12}}$={_num(rec.a[12])}" in app.drawing.above.texts[row]


def test_stepper_scale_enlarges_the_figure_and_its_image():
    net, x, y = _lecture002()
    small, big = backprop_stepper(net, x, y), backprop_stepper(net, x, y, scale=2)
    np.testing.assert_allclose(big.view.figure.get_size_inches(), 2 * small.view.figure.get_size_inches())
    assert big.drawing.diameter == 2 * small.drawing.diameter
    assert big.view.width_px == pytest.approx(2 * small.view.width_px, abs=1)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "words"),
    [
        (("not a network", [1, 2], 1), {}, TypeError, "network must be a bpteach Network"),
        ((None, [1.0, 2.0, 3.0], [1.0]), {}, ValueError, "x must be one example with 2"),
        ((None, [1.0, 2.0], [1.0, 0.0]), {}, ValueError, "y must be one target with 1"),
        ((None, [1.0, 2.0], None), {}, ValueError, "x and y must both be given"),
        ((None, [1.0, 2.0], 1.0), {"scale": 0}, ValueError, "scale must be a number"),
        ((None, [1.0, 2.0], 1.0), {"theme": "blue"}, ValueError, "theme must be one of"),
    ],
)
def test_stepper_bad_arguments_say_what_was_expected(args, kwargs, error, words):
    network, x, y = args
    if network is None:
        network = datasets.lecture002_network()
    with pytest.raises(error, match=words):
        backprop_stepper(network, x, y, **kwargs)


# --------------------------------------------------------------------- 5. matrix_recipe
def _recipe_setup():
    mlp = bp.MLP([2, 3, 2], activation="tanh", output_activation="sigmoid", loss="half_squared_error", seed=3)
    X = np.array([[0.5, -1.0, 2.0, 0.1], [1.5, 0.3, -0.7, -0.2]])
    Y = np.array([[1.0, 0.0, 1.0, 0.0], [0.2, 0.4, 0.6, 0.8]])
    return mlp, X, Y


def test_recipe_boxed_delta_entry_is_the_node_level_delta():
    mlp, X, Y = _recipe_setup()
    app = matrix_recipe(mlp, X, Y)
    net = bp.to_network(mlp)  # the independent node-level computation
    app.controls["last"].click()
    for j, layer, row in [(3, 1, 0), (5, 1, 2), (7, 2, 1)]:
        for example in (1, 4):  # counted from 1, as the lectures count rows and layers
            app.controls["neuron"].value = j
            app.controls["example"].value = example
            expected = net.backpropagate(X[:, example - 1], Y[:, example - 1]).delta[j]
            assert app.state.matrix_delta() == pytest.approx(expected, rel=1e-12)
            assert app.state.node_delta() == pytest.approx(expected, rel=1e-12)
            box = app.boxes[layer]
            assert box.get_visible() and not app.boxes[3 - layer].get_visible()
            assert box.get_xy() == (example - 1.5, row - 0.5)
            # the boxed cell of the heat map shows that number
            cells = app.maps[("delta", layer)].cells.texts
            assert float(cells[row * X.shape[1] + example - 1]) == pytest.approx(expected, rel=5e-3)
            sub = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
            assert f"Δ{str(j).translate(sub)} = {expected:.6g}" in app.readout.value
            assert f"δ{str(layer).translate(sub)}[{row + 1}, {example}] = {expected:.6g}" in app.readout.value
            assert f"column {example} of delta {layer}" in app.description
            assert app.drawing.notes(j)[1] == f"$\\Delta_{{{j}}}$={expected:.4g}"
            np.testing.assert_allclose(app.drawing.node_ring.get_offsets()[0], net.layout()[j])


def test_recipe_lines_reveal_h_delta_and_grad_in_lecture_order():
    mlp, X, Y = _recipe_setup()
    app = matrix_recipe(mlp, X, Y)
    kinds = [(kind, i) for kind, i, _ in app.state.lines]
    assert kinds == [("h", 1), ("h", 2), ("delta", 2), ("grad", 2), ("delta", 1), ("grad", 1)]
    assert app.maps[("h", 1)].cells.texts == [""] * 12  # not computed at the start
    np.testing.assert_allclose([float(t) for t in app.maps[("W", 1)].cells.texts], mlp.W[1].ravel(), rtol=5e-3)
    app.controls["forward"].click()
    h1 = np.tanh(mlp.W[1] @ X + mlp.b[1][:, None])  # h_1 = s(W_1 h_0) by hand
    np.testing.assert_allclose(app.maps[("h", 1)].image.get_array().reshape(3, 4), h1, rtol=1e-12)
    assert app.maps[("h", 1)].frame.get_visible() and not app.maps[("h", 2)].frame.get_visible()
    assert "font-weight:bold'>1. $h_{1} = s(W_{1}\\, h_{0})$" in app.lines.value
    assert app.maps[("grad", 1)].cells.texts == [""] * 6
    app.controls["last"].click()
    # grad W_i from the node level: the batch mean of Delta_j a_i on every arc
    grad = bp.to_network(mlp).backpropagate(X, Y).grad
    ids = mlp.neuron_ids()
    for i in (1, 2):
        expected = np.array([[grad[(src, j)] for src in ids[i - 1]] for j in ids[i]])
        shown = app.maps[("grad", i)].image.get_array().reshape(expected.shape)
        np.testing.assert_allclose(shown, expected, rtol=1e-10)
    assert app.maps[("grad", 1)].frame.get_visible()


def test_recipe_titles_give_symbols_and_shapes():
    mlp, X, Y = _recipe_setup()
    app = matrix_recipe(mlp, X, Y)
    titles = {key: hm.ax.get_title() for key, hm in app.maps.items()}
    assert titles[("W", 2)].startswith("$W_{2}$ (2 x 3)\n")
    assert titles[("h", 1)].startswith("$h_{1}$ (3 x 4)\n")
    assert titles[("delta", 2)].startswith("$\\delta_{2}$ (2 x 4)\n")
    assert titles[("grad", 1)].startswith("$\\nabla_{W_{1}}\\, J$ (3 x 2)\n")
    assert titles[("h", 0)].startswith("$h_{0} = x$ (2 x 4)\n")


def test_recipe_defaults_to_the_rain_network_and_scales():
    app = matrix_recipe()
    np.testing.assert_array_equal(app.state.X, datasets.rain()[0])
    big = matrix_recipe(scale=2)
    np.testing.assert_allclose(big.view.figure.get_size_inches(), 2 * app.view.figure.get_size_inches())


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: matrix_recipe("mlp", [[1.0]], [[1.0]]), TypeError, "mlp must be a bpteach MLP"),
        (lambda: matrix_recipe(bp.MLP([2, 3, 1]), np.ones((3, 4)), np.ones((1, 4))), ValueError, "X has shape"),
        (lambda: matrix_recipe(bp.MLP([2, 3, 1]), np.ones((2, 4)), None), ValueError, "X and Y must both"),
        (lambda: matrix_recipe(scale=9), ValueError, "scale must be"),
    ],
)
def test_recipe_bad_arguments_say_what_was_expected(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_recipe_state_rejects_an_input_neuron_and_a_missing_example():
    mlp, X, Y = _recipe_setup()
    state = matrix_recipe(mlp, X, Y).state
    with pytest.raises(ValueError, match=r"a hidden or output neuron, one of \[3, 4, 5, 6, 7\]"):
        state.set(neuron=1)
    with pytest.raises(ValueError, match=r"example must be a column of X counted from 1, 1\.\.4, got 0"):
        state.set(example=0)


# --------------------------------------------------------------------- 8. vanishing_gradients
def _core_norms(depth, width, activation, init, seed=0, init_scale=None):
    """The gradient norms per layer by the core alone, built as the app's docstring says."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((width, 32))
    Y = rng.uniform(0.0, 1.0, size=(1, 32))
    mlp = bp.MLP(
        [width] * depth + [1],
        activation=activation,
        output_activation="identity",
        loss="half_squared_error",
        seed=seed,
        init=init,
        scale=init_scale,
    )
    rec = mlp.backpropagate(X, Y)
    return np.array([np.linalg.norm(rec.grad_W[i]) for i in range(1, depth + 1)]), rec


def test_vanishing_sigmoid_10_layers_first_gradient_is_smaller_by_the_records_factor():
    app = vanishing_gradients(depth=10, width=8, activation="sigmoid", init="normal")
    norms, rec = _core_norms(10, 8, "sigmoid", "normal")
    ratio = norms[0] / norms[-1]
    assert app.state.ratio == pytest.approx(ratio, rel=1e-12)
    assert ratio < 1e-4  # sigmoid: s' <= 1/4 per layer, nine hidden layers
    assert "vanish" in app.formulas.value and "vanish" in app.description
    mantissa, exponent = f"{ratio:.2e}".split("e")
    assert f"= {mantissa} \\times 10^{{{int(exponent)}}}$" in app.formulas.value
    # the bars are the norms (log axis), layer 1 on the left
    heights = [b.get_y() + b.get_height() for b in app.bars[:10]]
    np.testing.assert_allclose(heights, norms, rtol=1e-9)
    assert [b.get_visible() for b in app.bars] == [True] * 10 + [False] * 20
    assert app.bars[0].get_x() < app.bars[9].get_x()
    # the product of the derivative factors mean |s'(z_k)| from layer i to the output
    s_prime = [np.mean(np.abs(bp.sigmoid.derivative(rec.z[k]))) for k in range(1, 10)]
    np.testing.assert_allclose(app.product_line.get_ydata()[0], np.prod(s_prime), rtol=1e-9)
    np.testing.assert_allclose(app.factor_line.get_ydata(), s_prime, rtol=1e-9)
    assert all(f <= 0.25 for f in app.factor_line.get_ydata())  # lecture 001: sigma' is at most 1/4


def test_vanishing_relu_with_he_init_changes_the_ratio_as_the_core_says():
    app = vanishing_gradients(depth=10, width=8, activation="sigmoid", init="normal")
    sigmoid_ratio = app.state.ratio
    app.controls["activation"].value = "relu"
    app.controls["init"].value = "he"
    norms, _ = _core_norms(10, 8, "relu", "he", init_scale=1.0)
    assert app.state.ratio == pytest.approx(norms[0] / norms[-1], rel=1e-12)
    assert app.state.ratio > 1e3 * sigmoid_ratio
    assert "keep their size" in app.formulas.value
    assert app.title.get_text().startswith("relu, he init")


def test_vanishing_depth_width_seed_and_scale_controls():
    app = vanishing_gradients()
    app.controls["depth"].value = 4
    app.controls["width"].value = 3
    app.controls["seed"].value = 7
    app.controls["activation"].value = "tanh"
    app.controls["init_scale"].value = 3.0  # large weights saturate tanh
    norms, _ = _core_norms(4, 3, "tanh", "normal", seed=7, init_scale=3.0)
    np.testing.assert_allclose([app.state.norms[i] for i in range(1, 5)], norms, rtol=1e-12)
    assert [b.get_visible() for b in app.bars].count(True) == 4
    assert app.layer_labels.texts[:5] == ["1", "2", "3", "4", ""]
    big = vanishing_gradients(scale=2)
    np.testing.assert_allclose(big.view.figure.get_size_inches(), 2 * app.view.figure.get_size_inches())


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"depth": 1}, ValueError, "depth .* must be an int from 2 to 30, got 1"),
        ({"width": 0}, ValueError, "width .* must be an int from 1 to 64"),
        ({"activation": "softplus"}, ValueError, "unknown activation 'softplus'"),
        ({"init": "zeros"}, ValueError, "init must be one of"),
        ({"init_scale": -1.0}, ValueError, "init_scale must be a number > 0"),
        ({"theme": "sepia"}, ValueError, "theme must be one of"),
    ],
)
def test_vanishing_bad_arguments_say_what_was_expected(kwargs, error, words):
    with pytest.raises(error, match=words):
        vanishing_gradients(**kwargs)


# --------------------------------------------------------------------- 7. training_dashboard
@pytest.fixture(scope="module")
def dashboard():
    """One dashboard shared by the tests below (building one costs a full figure draw); reset first."""
    return training_dashboard(hidden="8, 8", seed=3)


def _reference_run(epochs, seed=3, hidden=(8, 8), **train_kwargs):
    """The same run by the core alone: data, split, MLP and bp.train with the dashboard's defaults."""
    X, Y = datasets.moons(200, 0.15, seed)
    X_train, Y_train, _, _ = datasets.split(X, Y, 0.25, seed)
    mlp = bp.MLP(
        [2, *hidden, 1],
        activation="tanh",
        output_activation="sigmoid",
        loss="log_loss",
        bias=True,
        seed=seed,
        init="xavier",
        scale=1.0,
    )
    kwargs = {"lr": 0.3, "batch_size": 10, "momentum": 0.0, "weight_decay": 0.0, **train_kwargs}
    return mlp, bp.train(mlp, X_train, Y_train, epochs=epochs, seed=seed, **kwargs)


def test_dashboard_step_trains_the_chosen_epochs_like_bp_train(dashboard):
    app = dashboard
    app.reset()
    app.controls["step_epochs"].value = 7
    app.controls["step"].click()
    assert app.state.epoch == 7
    mlp, hist = _reference_run(7)
    np.testing.assert_allclose(app.state.history.losses, hist.losses, rtol=1e-12)
    for i in (1, 2, 3):
        np.testing.assert_allclose(app.state.model.W[i], mlp.W[i], rtol=1e-12)
    assert "<b>epoch 7</b>" in app.readout.value
    assert "after epoch 7" in app.description
    # the plotted curve is the history; the boundary is the model's p(y=1|x) on the grid
    np.testing.assert_array_equal(app.train_line.get_ydata(), hist.losses)
    corner = app.grid_x[:, :1]
    assert app.boundary.get_array()[0, 0] == pytest.approx(mlp.predict(corner)[0, 0], rel=1e-12)
    app.controls["step_epochs"].value = 1


def test_dashboard_batch_momentum_and_decay_controls_reach_the_trainer(dashboard):
    app = dashboard
    app.controls["batch_size"].value = None  # all: one batch per epoch (lecture 003)
    app.controls["momentum"].value = 0.5
    app.controls["weight_decay"].value = 1e-3
    assert app.state.epoch == 0  # a new setting starts again
    app.step(5)
    _, hist = _reference_run(5, batch_size=None, momentum=0.5, weight_decay=1e-3)
    np.testing.assert_allclose(app.state.history.losses, hist.losses, rtol=1e-12)
    assert app.state.history.updates == 5
    app.controls["batch_size"].value = 10
    app.controls["momentum"].value = 0.0
    app.controls["weight_decay"].value = 0.0


def test_dashboard_pause_stops_the_epoch_counter(dashboard):
    app = dashboard
    app.reset()
    app.ticker.value += 1  # a tick while paused does nothing
    assert app.state.epoch == 0
    app.controls["play"].click()
    assert app.running and app.ticker.playing
    app.ticker.value += 1  # the browser's Play ticks: train a little, redraw
    playing = app.state.epoch
    assert playing >= 1
    app.controls["pause"].click()
    assert not app.running and not app.ticker.playing
    for _ in range(3):  # ticks already on their way when Pause was pressed
        app.ticker.value += 1
        assert app.tick() == 0
    assert app.state.epoch == playing


def test_dashboard_reset_restores_the_initial_weights(dashboard):
    app = dashboard
    app.reset()
    initial = {k: v.copy() for k, v in app.state.model.parameters().items()}
    app.step(4)
    assert not np.array_equal(app.state.model.W[1], initial["W1"])
    app.controls["reset"].click()
    assert app.state.epoch == 0 and len(app.state.history.losses) == 1
    for k, v in app.state.model.parameters().items():
        np.testing.assert_array_equal(v, initial[k])
    reference, _ = _reference_run(0)
    np.testing.assert_array_equal(app.state.model.W[1], reference.W[1])


def test_dashboard_stops_below_the_loss_threshold(dashboard):
    app = dashboard
    app.controls["loss_threshold"].value = 0.3
    trained = app.step(500)
    h = app.state.history
    assert h.stop_reason == "loss_threshold" and trained < 500
    assert h.losses[-1] < 0.3 <= h.losses[-2]
    assert "stopped" in app.readout.value
    app.play()  # nothing left to train: Play does not start
    assert not app.running
    app.controls["loss_threshold"].value = 0.0


def test_dashboard_architecture_and_a_bad_hidden_text(dashboard):
    app = dashboard
    app.controls["hidden"].value = "4"
    assert app.state.model.sizes == [2, 4, 1]
    assert len(app.drawing.arcs) == 2 * 4 + 4 and len(app.grad_bars) == 2
    widths = app.drawing.lines.get_linewidths()
    w = np.concatenate([app.state.model.W[1].ravel(), app.state.model.W[2].ravel()])
    assert widths[int(np.argmax(np.abs(w)))] == max(widths)
    app.controls["hidden"].value = "4, x"
    assert "hidden must be layer sizes separated by commas" in app.message.value
    assert app.state.model.sizes == [2, 4, 1]
    app.controls["hidden"].value = "8, 8"
    assert app.state.model.sizes == [2, 8, 8, 1] and app.message.value == ""


def test_dashboard_trains_on_the_users_arrays():
    X, Y = datasets.blobs(40, 0.3, 1)
    app = training_dashboard(X, Y, hidden="", lr=1.0, batch_size=None, scale=2)
    assert app.state.settings["dataset"] == "your data" and app.state.model.sizes == [2, 1]
    assert app.state.X_train.shape[1] + app.state.X_test.shape[1] == 40
    app.step(20)
    assert app.state.history.losses[-1] < app.state.history.losses[0]
    assert app.view.figure.get_size_inches()[0] == pytest.approx(18.0)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"X": np.zeros((3, 10)), "Y": np.zeros((1, 10))}, ValueError, r"X must have shape \(2, n_examples\)"),
        ({"X": np.zeros((2, 10)), "Y": np.full((1, 10), 2.0)}, ValueError, "Y must hold class labels 0 and 1"),
        ({"X": np.zeros((2, 10))}, ValueError, "X and Y must be given together"),
        ({"dataset": "iris"}, ValueError, "dataset must be one of"),
        ({"hidden": "8; x"}, ValueError, "hidden must be layer sizes"),
        ({"lr": -1.0}, ValueError, "lr"),
        ({"activation": "softmax"}, ValueError, "activation must be one of"),
    ],
)
def test_dashboard_bad_arguments_say_what_was_expected(kwargs, error, words):
    with pytest.raises(error, match=words):
        training_dashboard(**kwargs)


# --------------------------------------------------------------------- all four: one persistent figure
@pytest.mark.parametrize(
    ("make", "change"),
    [
        (lambda **kw: backprop_stepper(**kw), lambda app: app.controls["forward"].click()),
        (lambda **kw: matrix_recipe(**kw), lambda app: app.controls["forward"].click()),
        (lambda **kw: vanishing_gradients(**kw), lambda app: setattr(app.controls["depth"], "value", 5)),
        (lambda **kw: training_dashboard(**kw), lambda app: app.step(2)),
    ],
    ids=["stepper", "recipe", "vanishing", "dashboard"],
)
def test_apps_update_one_figure_in_place_in_either_theme(make, change):
    app = make(theme="dark")
    figure, shown = app.view.figure, app.figure
    artists = [len(ax.get_children()) for ax in figure.axes]
    renders, before = app.view.renders, app.view.last_png
    change(app)
    assert app.view.figure is figure and app.figure is shown
    assert [len(ax.get_children()) for ax in figure.axes] == artists  # updated, not added
    assert app.view.renders == renders + 1 and app.view.last_png != before
    assert app.view.last_png[:8] == b"\x89PNG\r\n\x1a\n"
    assert base64.b64encode(app.view.last_png).decode() in shown.value
    assert figure.get_facecolor()[:3] == pytest.approx(to_rgb("#1e1e1e"))
