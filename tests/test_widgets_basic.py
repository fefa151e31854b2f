"""Headless tests of the apps sigmoid_explorer, logistic_unit, two_layer_gradient, descent_explorer.

Each test moves controls through the widget API (``app.controls[name].value = ...``) and checks
the state, the plotted artists and the readouts against a computation written out here.
"""

import io
import math

import numpy as np
import pytest

import bpteach as bp

widgets = pytest.importorskip("bpteach.widgets")

APPS = ["sigmoid_explorer", "logistic_unit", "two_layer_gradient", "descent_explorer"]
# one control per app and a new value for it
A_CHANGE = {
    "sigmoid_explorer": ("z0", 1.5),
    "logistic_unit": ("w1", -2.0),
    "two_layer_gradient": ("w11[1]", 2.0),
    "descent_explorer": ("lr", 0.05),
}


_BUILT: dict = {}


def _app(name, **values):
    """App ``name`` with its controls at their defaults, then set to ``values``, rendered once.

    Building an app costs a full draw of its figure; the tests share one of each and reset it.
    """
    if name not in _BUILT:
        app = getattr(widgets, name)()
        _BUILT[name] = (app, {k: c.value for k, c in app.controls.items()})
    app, defaults = _BUILT[name]
    with app.hold():
        for k, v in {**defaults, **values}.items():
            app.controls[k].value = v
    return app


def _sigma(z):
    return 1.0 / (1.0 + math.exp(-z))


def _central(f, w, k, h=1e-6):
    up, down = np.array(w, dtype=float), np.array(w, dtype=float)
    up[k] += h
    down[k] -= h
    return (f(up) - f(down)) / (2 * h)


# ----------------------------------------------------------------- all four apps
@pytest.mark.parametrize("name", APPS)
def test_a_control_change_renders_a_new_png(name):
    app = _app(name)
    before, renders = app.view.last_png, app.view.renders
    control, value = A_CHANGE[name]
    app.controls[control].value = value
    assert app.view.renders == renders + 1  # one render per change
    assert app.view.last_png[:8] == b"\x89PNG\r\n\x1a\n"
    assert app.view.last_png != before


@pytest.mark.parametrize("name", APPS)
def test_scale_two_doubles_the_figure_and_dark_theme_darkens_it(name):
    small, big = _app(name), getattr(widgets, name)(scale=2, theme="dark")
    assert np.allclose(big.view.figure.get_size_inches(), 2 * small.view.figure.get_size_inches())
    assert int(big.view.width_px) == 2 * int(small.view.width_px)
    assert big.view.figure.get_facecolor()[:3] == pytest.approx((0x1E / 255,) * 3)
    assert small.view.figure.get_facecolor()[:3] == (1.0, 1.0, 1.0)
    # fonts grow with the figure: a title made while drawing too
    title = big.view.figure.axes[-1].title
    assert title.get_fontsize() == 2 * small.view.figure.axes[-1].title.get_fontsize()


@pytest.mark.parametrize("name", APPS)
def test_bad_scale_and_theme_are_refused(name):
    with pytest.raises(ValueError, match="scale must be a number between"):
        getattr(widgets, name)(scale=40)
    with pytest.raises(ValueError, match="theme must be one of 'light', 'dark', 'auto', got 'blue'"):
        getattr(widgets, name)(theme="blue")


def test_hold_renders_once_after_several_changes():
    app = _app("logistic_unit")
    renders = app.view.renders
    with app.hold():
        app.controls["w1"].value = 0.5
        app.controls["b"].value = -1.0
        assert app.view.renders == renders
        assert app.state.w1 == 0.5  # the state moves at once; only the drawing waits
    assert app.view.renders == renders + 1
    assert np.allclose(app.boundary.get_data()[1], -(0.5 * np.asarray(app.boundary.get_data()[0]) - 1.0) / -0.5)


# ----------------------------------------------------------------- 1. sigmoid_explorer
def test_sigmoid_tangent_at_zero_has_slope_one_quarter():
    app = _app("sigmoid_explorer", z0=2.0)
    app.controls["z0"].value = 0.0
    assert app.state.value == 0.5
    assert app.state.slope == 0.25
    z, y = app.tangent.get_data()
    assert np.allclose(y, 0.5 + 0.25 * np.asarray(z))
    assert "slope = 0.2500" in app.slope_text.get_text()
    assert "σ'(z₀) = 0.5000 × (1 − 0.5000) = 0.2500" in app.readout.value


def test_sigmoid_at_two_matches_the_formula():
    app = _app("sigmoid_explorer")
    app.controls["z0"].value = 2.0
    s = _sigma(2.0)  # 0.8808, slope s (1 - s) = 0.1050
    assert app.state.value == pytest.approx(s, rel=1e-12)
    assert app.state.slope == pytest.approx(s * (1 - s), rel=1e-12)
    assert app.point_dg.get_data()[1][0] == pytest.approx(s * (1 - s))
    z, y = app.tangent.get_data()
    assert np.allclose(y, s + s * (1 - s) * (np.asarray(z) - 2.0))
    assert f"= {s * (1 - s):.4f} (the slope" in app.readout.value
    # the ceiling stays where lecture 000 puts it
    assert app.ceiling_line.get_ydata()[0] == 0.25
    assert list(app.ceiling_point.get_data()[0]) == [0.0]


@pytest.mark.parametrize(
    ("activation", "z0", "slope", "ceiling"),
    [
        ("tanh", 0.5, 1 - math.tanh(0.5) ** 2, 1.0),
        ("relu", -1.0, 0.0, 1.0),
        ("relu", 1.0, 1.0, 1.0),
        ("identity", -3.0, 1.0, 1.0),
    ],
)
def test_sigmoid_explorer_compares_other_activations(activation, z0, slope, ceiling):
    app = _app("sigmoid_explorer")
    app.controls["activation"].value = activation
    app.controls["z0"].value = z0
    assert app.state.slope == pytest.approx(slope, abs=1e-12)
    z = app.dg_line.get_xdata()
    assert np.allclose(app.dg_line.get_ydata(), bp.activations.ACTIVATIONS[activation].derivative(z))
    assert app.ceiling_line.get_ydata()[0] == ceiling
    tz, ty = app.tangent.get_data()
    assert np.allclose(ty, app.state.value + slope * (np.asarray(tz) - z0))


def test_sigmoid_readout_puts_a_negative_value_in_parentheses():
    app = _app("sigmoid_explorer", activation="sigmoid", z0=-3.5)
    s = 1 / (1 + math.exp(3.5))  # 0.0293: sigma is never negative, so take a value that is not 0
    assert f"σ'(z₀) = {s:.4f} × (1 − {s:.4f}) = {s * (1 - s):.4f}" in app.readout.value
    assert "− -" not in app.readout.value


def test_tanh_shows_its_derivative_as_a_number_but_never_its_formula():
    # exercise 2 (part 7) asks the student to derive tanh' = 1 - tanh^2: the app must not print it
    app = _app("sigmoid_explorer", activation="tanh", z0=-3.5)
    t = math.tanh(-3.5)  # -0.9982
    assert f"tanh'(z₀) = {1 - t * t:.4f} (the slope of the tangent)" in app.readout.value
    text = app.readout.value + app.formulas.value + app.description
    assert "1 −" not in text and "1 -" not in text and "tanh^2" not in text and "²" not in text
    assert "its formula is yours to derive in exercise 2" in app.formulas.value
    assert np.allclose(app.dg_line.get_ydata(), 1 - np.tanh(app.dg_line.get_xdata()) ** 2)  # the curve stays


def test_sigmoid_explorer_refuses_bad_arguments():
    with pytest.raises(TypeError, match="z0 must be a finite number, got 'a'"):
        widgets.sigmoid_explorer(z0="a")
    with pytest.raises(ValueError, match=r"z0 must lie between -6.0 and 6.0, got 9"):
        widgets.sigmoid_explorer(z0=9)
    with pytest.raises(ValueError, match="activation must be one of 'sigmoid', 'tanh', 'relu', 'identity'"):
        widgets.sigmoid_explorer(activation="softplus")


# ----------------------------------------------------------------- 2. logistic_unit
def _example_loss(loss, x, y):
    def d(w):  # w = (w1, w2, b)
        f = _sigma(w[0] * x[0] + w[1] * x[1] + w[2])
        if loss == "half_squared_error":
            return 0.5 * (y - f) ** 2
        if loss == "squared_error":
            return (y - f) ** 2
        return -(y * math.log(f) + (1 - y) * math.log(1 - f))

    return d


def test_logistic_loss_menu_names_the_conventions_not_the_source_decks():
    # the student sees lectures 1..9, never the source decks' numbers 000..004
    app = _app("logistic_unit")
    assert list(app.controls["loss"].options) == [
        ("½ (y − f)²  (half_squared_error)", "half_squared_error"),
        ("(y − f)²  (squared_error)", "squared_error"),
        ("log-loss  (logistic regression)", "log_loss"),
    ]
    assert "lecture 00" not in widgets.logistic_unit.__doc__ and "lecture 00" not in app.description


@pytest.mark.parametrize("loss", ["half_squared_error", "squared_error", "log_loss"])
def test_logistic_chain_rule_factors_match_a_finite_difference(loss):
    app = _app("logistic_unit")
    with app.hold():  # five controls, one render
        for name, value in (("w1", 0.7), ("w2", -1.3), ("b", 0.4), ("example", 5), ("loss", loss)):
            app.controls[name].value = value
    s = app.state
    x, y = s.X[:, 4], s.Y[0, 4]
    z = 0.7 * x[0] - 1.3 * x[1] + 0.4
    f = _sigma(z)
    assert s.z_i == pytest.approx(z) and s.f_i == pytest.approx(f)
    # lecture 001: dd/df = f - y for 1/2 (y - f)^2, df/dz = phi'(z), dz/dw = x (and 1 for b)
    if loss == "half_squared_error":
        assert s.dd_df == pytest.approx(f - y)
    assert s.df_dz == pytest.approx(f * (1 - f))
    assert np.array_equal(s.dz_dw, [x[0], x[1], 1.0])
    d = _example_loss(loss, x, y)
    numeric = [_central(d, [0.7, -1.3, 0.4], k) for k in range(3)]
    assert np.allclose(s.grad, numeric, rtol=1e-6, atol=1e-9)
    assert s.d_i == pytest.approx(d([0.7, -1.3, 0.4]))
    assert f"<td>= {s.grad[0]:.4f}</td>" in app.readout.value


def test_logistic_plane_and_boundary_follow_the_sliders():
    app = _app("logistic_unit")
    with app.hold():
        app.controls["w1"].value = 1.5
        app.controls["w2"].value = 0.5
        app.controls["b"].value = -1.0
    g = app.state.grid
    g1, g2 = np.meshgrid(g, g)
    expected = 1.0 / (1.0 + np.exp(-(1.5 * g1 + 0.5 * g2 - 1.0)))
    assert np.allclose(app.image.get_array(), expected)
    bx, by = app.boundary.get_data()
    assert len(bx) == 2
    assert np.allclose(1.5 * np.asarray(bx) + 0.5 * np.asarray(by) - 1.0, 0.0)
    # the mean loss over the data, as the readout says
    X, Y = app.state.X, app.state.Y[0]
    f = 1.0 / (1.0 + np.exp(-(1.5 * X[0] + 0.5 * X[1] - 1.0)))
    mean_loss = np.mean(0.5 * (Y - f) ** 2)
    assert math.isclose(app.state.J, mean_loss, rel_tol=1e-12)  # (J reads as a constant to ruff)
    assert f"J = {app.state.J:.4f}" in app.text.get_text()


def test_logistic_step_output_shows_the_perceptron():
    app = _app("logistic_unit", w1=1.0, w2=1.0, b=0.0)
    app.controls["output"].value = "step"
    g = app.state.grid
    g1, g2 = np.meshgrid(g, g)
    assert np.array_equal(app.image.get_array(), (g1 + g2 > 0).astype(float))
    assert "perceptron" in app.ax_plane.get_title()


def test_logistic_unit_takes_data_and_checks_it():
    X = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, -1.0]])
    app = widgets.logistic_unit(X=X, Y=[[0, 1, 1]], example=3)
    assert app.state.n == 3 and app.controls["example"].max == 3
    assert np.array_equal(app.state.x_i, [2.0, -1.0])
    with pytest.raises(ValueError, match=r"X must have shape \(2, n_examples\).*got shape \(3, 2\)"):
        widgets.logistic_unit(X=np.zeros((3, 2)), Y=[[0, 1]])
    with pytest.raises(ValueError, match=r"Y must hold labels in \{0, 1\}"):
        widgets.logistic_unit(X=X, Y=[[-1, 1, 1]])
    with pytest.raises(ValueError, match="example must lie between 1 and 3, got 4"):
        widgets.logistic_unit(X=X, Y=[[0, 1, 1]], example=4)
    with pytest.raises(ValueError, match="loss must be one of"):
        widgets.logistic_unit(loss="hinge")


# ----------------------------------------------------------------- 3. two_layer_gradient
def _ll(params, x, y):
    """Lecture 000: ll = log sigma(y w21^T [sigma(w11^T x), sigma(w12^T x)]), params = w11, w12, w21."""
    w11, w12, w21 = params[0:2], params[2:4], params[4:6]
    h = np.array([_sigma(w11 @ x), _sigma(w12 @ x)])
    return math.log(_sigma(y * (w21 @ h)))


@pytest.mark.parametrize("y", [1, -1])
def test_two_layer_hand_backprop_and_finite_difference_agree(y):
    app = _app("two_layer_gradient")
    values = {
        "w11[1]": 0.8,
        "w11[2]": -1.1,
        "w12[1]": 0.3,
        "w12[2]": 1.4,
        "w21[1]": -1.7,
        "w21[2]": 0.9,
        "x1": 1.2,
        "x2": -0.6,
        "y": y,
    }
    with app.hold():
        for name, value in values.items():
            app.controls[name].value = value
    s = app.state
    params = np.array([0.8, -1.1, 0.3, 1.4, -1.7, 0.9])
    x = np.array([1.2, -0.6])
    numeric = [_central(lambda p: _ll(p, x, y), params, k) for k in range(6)]
    # the test's own finite differences, in the order w11, w12, w21
    ours = {"w11": numeric[0:2], "w12": numeric[2:4], "w21": numeric[4:6]}
    h1, h2 = _sigma(params[0:2] @ x), _sigma(params[2:4] @ x)
    raw = (1.0 if y == 1 else 0.0) - _sigma(-1.7 * h1 + 0.9 * h2)
    assert s.raw == pytest.approx(raw)
    assert np.allclose(s.blame["w21"], [h1, h2])
    assert np.allclose(s.blame["w11"], -1.7 * h1 * (1 - h1) * x)
    for w in ("w11", "w12", "w21"):
        assert np.allclose(s.hand[w], ours[w], rtol=1e-6, atol=1e-9)
        assert np.allclose(s.backprop[w], ours[w], rtol=1e-6, atol=1e-9)
        assert np.allclose(s.numeric[w], ours[w], rtol=1e-5, atol=1e-8)
    assert s.ll == pytest.approx(_ll(params, x, y))
    # the bars show the raw error and the blame, in the order w21, w11, w12
    heights = [bar.get_height() for bar in app.blame_bars]
    assert np.allclose(heights, np.concatenate([[h1, h2], s.blame["w11"], s.blame["w12"]]))
    assert app.raw_bar.get_height() == pytest.approx(raw)
    assert f"{s.hand['w11'][0]:.6f}" in app.readout.value


def test_two_layer_shows_w12s_blame_as_a_number_and_not_its_formula():
    # exercise 3, part 4 asks the student to derive the gradient for w12: the app writes out the blame
    # formula of w11 (the lecture derives it) but gives w12's blame only as its value, computed here
    app = _app("two_layer_gradient", **{"w12[1]": 0.3, "w12[2]": 1.4, "w21[2]": 0.9, "x1": 1.2, "x2": -0.6})
    h2 = _sigma(0.3 * 1.2 + 1.4 * -0.6)
    blame = 0.9 * h2 * (1 - h2) * np.array([1.2, -0.6])
    readout = app.readout.value
    for k in (1, 2):
        assert f"<td>∇ll for w₁₂[{k}]</td><td>(exercise 3, part 4) = {blame[k - 1]:.4f}</td>" in readout
        assert f"<td>w₂₁[1] σ(w₁₁ᵀx)(1 − σ(w₁₁ᵀx)) x[{k}] = " in readout
    assert "σ(w₁₂ᵀx)" not in readout and "w₂₁[2] σ" not in readout  # w₂₁[2] only names its own row
    formulas = app.formulas.value
    assert r"\nabla_{w_{11}} \mathrm{ll}" in formulas
    assert r"w_{21}[2]" not in formulas and r"\nabla_{w_{12}}" not in formulas and "alike" not in formulas


def test_two_layer_central_difference_error_falls_as_h_squared_and_rises_as_one_over_h():
    app = _app("two_layer_gradient")
    app.set(checked="w21[2]", **{"w11[1]": 0.8, "x1": 1.2})
    s = app.state
    x, y = s.x, s.y
    params = np.concatenate([s.w11, s.w12, s.w21])
    reference = -_central(lambda p: _ll(p, x, y), params, 5, h=1e-5)  # dJ/dw21[2], J = -ll, by the test
    h, err = (np.asarray(v) for v in app.h_line.get_data())
    # the plotted error is |central difference with step h - back-propagation's dJ/dw| (compared where
    # truncation dominates: for tiny h the round-off of two ways of computing J differs)
    for k in (40, 44, 48):
        plus, minus = params.copy(), params.copy()
        plus[5] += h[k]
        minus[5] -= h[k]
        numeric = (-_ll(plus, x, y) + _ll(minus, x, y)) / (2 * h[k])
        assert err[k] == pytest.approx(abs(numeric + s.backprop["w21"][1]), rel=1e-4)
    assert -s.backprop["w21"][1] == pytest.approx(reference, rel=1e-6)
    # lecture claim: truncation error ~ h^2 for large h, round-off ~ 1/h for tiny h, best h near 1e-5
    big = (h >= 1e-3) & (h <= 1e-1)
    tiny = h <= 1e-9
    assert np.polyfit(np.log10(h[big]), np.log10(err[big]), 1)[0] == pytest.approx(2.0, abs=0.2)
    assert np.polyfit(np.log10(h[tiny]), np.log10(err[tiny]), 1)[0] == pytest.approx(-1.0, abs=0.4)
    best = h[int(np.argmin(err))]
    assert 1e-7 <= best <= 1e-3
    assert app.best.get_data()[0][0] == best
    assert f"at ε ≈ {best:.0e}" in app.description and "w₂₁[2]" in app.description
    # the step is epsilon, as on the notation page (h is the hidden layer in lecture 3)
    assert app.ax_h.get_xlabel() == "step ε"
    labels = [line.get_label() for line in (app.trunc_line, app.round_line, app.best)]
    assert labels == ["∝ ε² (truncation)", "∝ 1/ε (round-off)", "best ε"]
    assert app.h_text.get_text().startswith(f"best ε ≈ {best:.0e}")


def test_two_layer_defaults_are_lecture000s_network():
    s = _app("two_layer_gradient").state
    net = bp.datasets.lecture000_network()
    X, Y = bp.datasets.lecture000_data()
    rec = net.backpropagate(X[:, :1], Y[:, :1])
    assert np.allclose(s.backprop["w11"], -rec.grad_W[1][0])
    assert np.allclose(s.backprop["w21"], -rec.grad_W[2][0])


def test_two_layer_gradient_refuses_bad_arguments():
    with pytest.raises(ValueError, match=r"y \(labels are -1 and \+1, as in lecture 3\) must be one of 1, -1, got 0"):
        widgets.two_layer_gradient(y=0)
    with pytest.raises(TypeError, match=r"w11 must be a pair of numbers"):
        widgets.two_layer_gradient(w11=(1.0,))
    with pytest.raises(ValueError, match=r"w21\[2\] must lie between -3.0 and 3.0, got 7"):
        widgets.two_layer_gradient(w21=(0.0, 7))


# ----------------------------------------------------------------- 6. descent_explorer
def test_descent_first_steps_follow_lecture003s_rule():
    app = _app("descent_explorer")
    with app.hold():
        for name, value in (("lr", 0.1), ("momentum", 0.5), ("w1_0", 2.0), ("w2_0", 1.0), ("steps", 5)):
            app.controls[name].value = value
    s = app.state
    # E = 1/2 (w1^2 + 10 w2^2), dE/dw = (w1, 10 w2); eta = 0.1, mu = 0.5, w(0) = (2, 1)
    # dw(0) = -0.1 (2, 10) = (-0.2, -1.0)            -> w(1) = (1.8, 0.0)
    # dw(1) = -0.1 (1.8, 0) + 0.5 (-0.2, -1) = (-0.28, -0.5) -> w(2) = (1.52, -0.5)   (momentum)
    # plain: dw(1) = -0.1 (1.8, 0) = (-0.18, 0)       -> w(2) = (1.62, 0.0)
    assert np.allclose(s.with_momentum.w[:3], [[2.0, 1.0], [1.8, 0.0], [1.52, -0.5]])
    assert np.allclose(s.plain.w[:3], [[2.0, 1.0], [1.8, 0.0], [1.62, 0.0]])
    assert s.plain.E[0] == pytest.approx(0.5 * (4 + 10))
    assert s.plain.steps == 5 and s.plain.diverged_at is None
    assert np.allclose(np.column_stack(app.path_momentum.get_data()), s.with_momentum.w)
    assert np.allclose(app.loss_plain.get_ydata(), s.plain.E)


def test_descent_momentum_zero_is_plain_gradient_descent():
    app = _app("descent_explorer", surface="rain neuron", lr=0.5, steps=40)
    app.controls["momentum"].value = 0.0
    assert np.array_equal(app.state.with_momentum.w, app.state.plain.w)
    assert np.array_equal(app.path_momentum.get_xdata(), app.path_plain.get_xdata())


def test_descent_too_large_a_rate_diverges_on_the_quadratic():
    app = _app("descent_explorer", lr=0.1, momentum=0.0, steps=100)
    assert app.state.plain.diverged_at is None
    app.controls["lr"].value = 0.25  # |1 - 0.25 * 10| = 1.5 > 1: w2 grows 1.5x a step
    p = app.state.plain
    assert p.diverged_at is not None and p.steps == p.diverged_at < 100
    assert p.E[-1] > 1e3 * max(p.E[0], 1.0) >= p.E[-2]
    assert "plain: diverged at step" in app.status.get_text()
    assert "<b>diverged</b>" in app.readout.value


def test_descent_overshoot_is_counted():
    # eps = 0.15: the w2 factor 1 - 0.15 * 10 = -0.5 flips sign every step, yet the loss falls
    app = widgets.descent_explorer(lr=0.15, momentum=0.0, steps=10, start=(0.0, 1.0))
    w2 = app.state.plain.w[:, 1]
    assert np.allclose(w2, (-0.5) ** np.arange(11))
    assert app.state.plain.rises == 0
    app.controls["momentum"].value = 0.9  # momentum carries it uphill on some steps
    assert app.state.with_momentum.rises > 0


def test_rain_neuron_gradient_is_back_propagations():
    surface = widgets.descent.SURFACES["rain neuron"]
    X, Y = bp.datasets.rain()
    W = np.array([[0.3, -1.0], [0.2, 0.4]])  # two points, as columns
    grads = surface.gradient(W)
    for k in range(2):
        mlp = bp.MLP([2, 1], bias=False, loss="half_squared_error", W={1: [W[:, k]]})
        rec = mlp.backpropagate(X, Y, reduction="sum")
        assert np.allclose(grads[:, k], rec.grad_W[1][0])
        assert surface.loss(W)[k] == pytest.approx(rec.loss)


def test_descent_explorer_refuses_bad_arguments():
    with pytest.raises(ValueError, match="surface must be one of 'quadratic', 'rain neuron', got 'bowl'"):
        widgets.descent_explorer(surface="bowl")
    with pytest.raises(ValueError, match=r"momentum \(mu\) must lie between 0.0 and 0.999, got 1.5"):
        widgets.descent_explorer(momentum=1.5)
    with pytest.raises(TypeError, match="steps must be an int"):
        widgets.descent_explorer(steps=2.5)
    with pytest.raises(TypeError, match=r"start must be a pair \(w1, w2\)"):
        widgets.descent_explorer(start=1.0)


@pytest.mark.parametrize(
    ("name", "control", "values"),
    [
        ("sigmoid_explorer", "activation", ["sigmoid", "tanh", "sigmoid"]),
        ("logistic_unit", "output", ["sigmoid", "step", "sigmoid"]),
        ("descent_explorer", "surface", ["quadratic", "rain neuron", "quadratic"]),
    ],
)
def test_a_kept_background_gives_the_same_picture_as_a_fresh_draw(name, control, values):
    app = _app(name)
    pictures = []
    for value in values:
        app.controls[control].value = value
        pictures.append(app.view.last_png)
    assert pictures[0] != pictures[1]
    assert pictures[2] == pictures[0]  # back to the first choice: its kept background, same pixels
    app.view.invalidate()  # no key: a full draw
    app.refresh()
    assert app.view.last_png == pictures[0]


def test_the_png_holds_the_canvas_pixels_and_an_unchanged_canvas_is_not_encoded_again():
    image = pytest.importorskip("PIL.Image")  # an independent PNG decoder (matplotlib depends on Pillow)
    app = _app("logistic_unit")
    rgba = np.asarray(app.view.figure.canvas.buffer_rgba())
    decoded = np.asarray(image.open(io.BytesIO(app.view.last_png)).convert("RGB"))
    np.testing.assert_array_equal(decoded, rgba[..., :3])
    before, renders = app.view.last_png, app.view.renders
    app.refresh()  # same state, same pixels: the kept PNG, not a new encoding of it
    assert app.view.renders == renders + 1 and app.view.last_png is before


def test_states_refuse_unknown_names():
    with pytest.raises(TypeError, match=r"LogisticState\.set takes w1, w2, b, loss, example, output, got w3"):
        widgets.logistic.LogisticState().set(w3=1.0)
    with pytest.raises(TypeError, match=r"DescentState\.set takes .*got rate"):
        widgets.descent.DescentState().set(rate=0.1)


def test_descend_side_by_side_equals_one_at_a_time():
    surface = widgets.descent.SURFACES["quadratic"]
    # eps = 0.25: plain GD diverges (|1 - 2.5| > 1), momentum 0.5 does not (2.5 < 2 (1 + 0.5))
    plain, heavy = widgets.descent.descend(surface, (2.0, 1.0), 0.25, [0.0, 0.5], 60)
    alone = widgets.descent.descend(surface, (2.0, 1.0), 0.25, 0.5, 60)
    assert plain.diverged_at is not None and heavy.diverged_at is None and heavy.steps == 60
    assert np.array_equal(heavy.w, alone.w) and np.array_equal(heavy.E, alone.E)
    assert np.array_equal(plain.w, widgets.descent.descend(surface, (2.0, 1.0), 0.25, 0.0, 60).w)


def test_formulas_are_typeset_once_and_only_the_numbers_move():
    app = _app("logistic_unit")
    formulas, readout = app.formulas.value, app.readout.value
    app.controls["w1"].value = -0.7
    assert app.formulas.value == formulas  # a drag changes no typeset text
    assert app.readout.value != readout and "$" not in app.readout.value
    app.controls["loss"].value = "log_loss"
    assert app.formulas.value != formulas
    assert r"\frac{f - y}{f(1 - f)}" in app.formulas.value


def test_show_figure_displays_the_png_with_its_alt_text(monkeypatch):
    import base64
    import re

    from matplotlib.figure import Figure

    import bpteach.widgets as bw

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: shown.append((obj, raw)))
    fig = Figure(figsize=(2.0, 1.0), dpi=50)
    fig.add_subplot().plot([0, 1], [0, 1])
    bw.show_figure(fig, alt='a line from (0, 0) to (1, 1) & "up"')
    ((bundle, raw),) = shown
    assert raw and bundle["text/plain"] == 'a line from (0, 0) to (1, 1) & "up"'
    html = bundle["text/html"]
    assert 'alt="a line from (0, 0) to (1, 1) &amp; &quot;up&quot;"' in html
    png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    # the PNG is the figure's own size: 2 x 1 inches at 50 dpi
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (100, 50)


def test_show_figure_refuses_a_figure_without_words():
    from matplotlib.figure import Figure

    import bpteach.widgets as bw

    with pytest.raises(ValueError, match="alt must say what the figure shows"):
        bw.show_figure(Figure(), alt="  ")
    with pytest.raises(TypeError, match="fig must be a matplotlib Figure, got str"):
        bw.show_figure("plot.png", alt="a plot")
