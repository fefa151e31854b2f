"""The facts lectures 01-04 state, computed here independently, and tied to the stored notebooks.

Each test computes a claim from scratch (plain Python or numpy loops, finite differences, closed
forms counted by hand), never by the code the lecture demonstrates, and where the lecture prints
the number, checks that the stored notebook shows the same number: prose, output and fact cannot
drift apart without a failure here.
"""

from __future__ import annotations

import math
import re
from itertools import product
from pathlib import Path

import numpy as np
import pytest
from lecture_text import notebook_text as _notebook_text

import bpteach as bp

LECTURES = Path(__file__).resolve().parents[1] / "lectures"


def s(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v))


def ds(v: float) -> float:
    return s(v) * (1.0 - s(v))


def notebook_text(name: str) -> tuple[str, str]:
    return _notebook_text(name, collapse=True)


# --------------------------------------------------------------------------- lecture 01
def test_the_bound_holds_for_the_product_of_sigma_prime_factors():
    # sigma'(z) <= 1/4 with equality only at 0, so any product of L factors is <= 4^-L
    rng = np.random.default_rng(7)
    for L in (1, 3, 10):
        for _ in range(200):
            zs = rng.normal(0.0, 3.0, L)
            assert math.prod(ds(z) for z in zs) <= 0.25**L
        assert math.prod(ds(0.0) for _ in range(L)) == 0.25**L
    _, out = notebook_text("01_sigmoid")
    assert f"(1/4)^10 = {0.25**10:.3g}" in out


def _backward_signal_sizes(Ws: list[np.ndarray], x: np.ndarray, y: float) -> list[float]:
    """|delta_l| for l = 1..m of a bias-free sigmoid network with J = 1/2 (y - a)^2, by loops."""
    h, zs = [x], []
    for W in Ws:
        z = [sum(W[r, c] * h[-1][c] for c in range(W.shape[1])) for r in range(W.shape[0])]
        zs.append(z)
        h.append([s(v) for v in z])
    delta = [(h[-1][0] - y) * ds(zs[-1][0])]
    sizes = [abs(delta[0])]
    for l in range(len(Ws) - 2, -1, -1):
        W_next = Ws[l + 1]
        delta = [
            sum(W_next[r, c] * delta[r] for r in range(W_next.shape[0])) * ds(zs[l][c]) for c in range(W_next.shape[1])
        ]
        sizes.append(math.sqrt(sum(d * d for d in delta)))
    return sizes[::-1]


def test_small_weights_shrink_the_backward_signal_and_large_ones_can_grow_it():
    x = np.array([1.0, 1.0])
    rng = np.random.default_rng(0)  # the lecture's draw
    small = [rng.normal(0.0, 0.5, size=(2, 2)) for _ in range(10)] + [rng.normal(0.0, 0.5, size=(1, 2))]
    large = [np.array([[4.0, -4.0], [-4.0, 4.0]])] * 10 + [np.array([[4.0, -4.0]])]
    shrink = _backward_signal_sizes(small, x, 1.0)
    grow = _backward_signal_sizes(large, x, 1.0)
    assert shrink[0] / shrink[-1] < 1e-6
    # every neuron at z = 0: delta_out = (1/2 - 1) / 4, then W^T doubles it per layer after the 1/4
    assert grow[-1] == pytest.approx(0.125, rel=1e-15)
    assert grow[0] / grow[-1] == pytest.approx(2**9 * math.sqrt(2), rel=1e-12)
    markdown, out = notebook_text("01_sigmoid")
    assert f"ratio {grow[0] / grow[-1]:.3g}" in out
    assert f"ratio {shrink[0] / shrink[-1]:.3g}" in out
    assert "every sigmoid layer shrinks the backward signal" not in markdown
    assert "shrinks by at least" not in markdown


def test_the_warm_up_gradient_is_x_plus_2y_not_the_sources_typo():
    def f(x, y):
        return x**2 + x * y + y**2

    eps = 1e-6
    for x, y in product((-1.5, 0.0, 1.0, 2.5), repeat=2):
        df_dy = (f(x, y + eps) - f(x, y - eps)) / (2 * eps)
        df_dx = (f(x + eps, y) - f(x - eps, y)) / (2 * eps)
        assert df_dx == pytest.approx(2 * x + y, abs=1e-8)
        assert df_dy == pytest.approx(x + 2 * y, abs=1e-8)
    assert abs(1.0 + 2 * 2.0 - 3 * 2.0) > 0.5  # at (1, 2) the typo y + 2y is visibly wrong
    markdown, out = notebook_text("01_sigmoid")
    assert "x + 2y" in markdown and "y + 2y" in markdown  # the correct form, and the typo named
    assert "numerical gradient at (1, 2): (4.000000, 5.000000)" in out


def test_sigma_is_point_symmetric_about_zero_one_half():
    # sigma(-x) = 1 - sigma(x): the point (x, s) maps to (-x, 1 - s), a half turn about (0, 1/2)
    for x in np.linspace(-8.0, 8.0, 33):
        assert s(-x) + s(x) == pytest.approx(1.0, abs=1e-15)
    markdown, _ = notebook_text("01_sigmoid")
    assert "point-symmetric about $(0, \\tfrac12)$: $\\sigma(-x) = 1 - \\sigma(x)$" in markdown
    assert "and it is symmetric," not in markdown


def test_a_sigmoid_between_two_layers_fails_both_tests_of_a_linear_map():
    rng = np.random.default_rng(0)  # the lecture's draw
    W1, W2 = rng.normal(size=(3, 2)), rng.normal(size=(1, 3))
    X = rng.normal(size=(2, 5))

    def g(u, act):  # W2 act(W1 u) by loops
        return sum(W2[0, r] * act(sum(W1[r, c] * u[c] for c in range(2))) for r in range(3))

    u, v = list(X[:, 0]), list(X[:, 1])
    uv = [u[0] + v[0], u[1] + v[1]]
    g0 = g([0.0, 0.0], s)
    assert g0 == pytest.approx(0.5 * W2.sum(), rel=1e-14)  # sigma(0) = 1/2 on every hidden neuron
    gap = abs(g(uv, s) - g(u, s) - g(v, s))
    assert g0 > 0.5 and gap > 0.5  # far from 0, where a linear map must be
    assert abs(g(uv, lambda t: t) - g(u, lambda t: t) - g(v, lambda t: t)) < 1e-12
    markdown, out = notebook_text("01_sigmoid")
    assert f"W2 sigma(W1 u): g(0) = {g0:.4f}   |g(u + v) - g(u) - g(v)| = {gap:.3f}" in out
    assert "W2 W1 u       : g(0) = 0.0000" in out
    assert f"$g(0) = {g0:.4f}$ instead of 0" in markdown
    assert f"misses $g(u) + g(v)$ by {gap:.3f}" in markdown


def test_the_central_difference_agrees_to_ten_decimals_at_eps_1e_5():
    eps = 1e-5
    gap = max(abs((s(x + eps) - s(x - eps)) / (2 * eps) - ds(x)) for x in (-4.0, -1.5, 0.0, 0.5, 2.0, 5.0))
    assert gap < 1e-10  # the truncation error eps^2 sigma'''/6 is ~1e-12 here, rounding ~1e-11
    markdown, out = notebook_text("01_sigmoid")
    assert "largest gap: below 1e-10" in out
    assert "to about ten decimal places" in markdown


def _deltas_and_zs(Ws: list[np.ndarray], x: np.ndarray, y: float) -> tuple[list[list[float]], list[list[float]]]:
    """delta_l and z_l for l = 1..m of a bias-free sigmoid network with J = 1/2 (y - a)^2, by loops."""
    h, zs = [list(x)], []
    for W in Ws:
        z = [sum(W[r, c] * h[-1][c] for c in range(W.shape[1])) for r in range(W.shape[0])]
        zs.append(z)
        h.append([s(v) for v in z])
    deltas = [[(h[-1][0] - y) * ds(zs[-1][0])]]
    for l in range(len(Ws) - 2, -1, -1):
        W_next, after = Ws[l + 1], deltas[0]
        back = [sum(W_next[r, c] * after[r] for r in range(W_next.shape[0])) for c in range(W_next.shape[1])]
        deltas.insert(0, [back[c] * ds(zs[l][c]) for c in range(len(back))])
    return deltas, zs


def test_random_large_weights_lose_more_to_sigma_prime_than_they_gain_through_the_weights():
    x = np.array([1.0, 1.0])
    log_W, log_s, gprimes = [], [], []
    for seed in range(20):  # the lecture's twenty networks
        rng = np.random.default_rng(seed)
        Ws = [rng.normal(0.0, 4.0, size=(2, 2)) for _ in range(10)] + [rng.normal(0.0, 4.0, size=(1, 2))]
        deltas, zs = _deltas_and_zs(Ws, x, 1.0)
        lw = ls = 0.0
        for l in range(10):  # the step from layer l + 2 down to layer l + 1 (0-based lists)
            after, W_next = deltas[l + 1], Ws[l + 1]
            back = [sum(W_next[r, c] * after[r] for r in range(len(after))) for c in range(2)]
            lw += math.log10(math.hypot(*back) / math.sqrt(sum(d * d for d in after)))
            ls += math.log10(math.hypot(*deltas[l]) / math.hypot(*back))
        log_W.append(lw)
        log_s.append(ls)
        gprimes += [ds(z) for layer in zs[:10] for z in layer]
    mW, mS = float(np.median(log_W)), float(np.median(log_s))
    assert mW > 4.5 and mS < -9.0 and mW + mS < 0  # the weights gain, sigma' loses more
    per_layer = 10 ** (mS / 10)
    assert 0.09 < per_layer < 0.13 < 0.25
    median_gp = float(np.median(gprimes))
    below = sum(g < 0.01 for g in gprimes) / len(gprimes)
    assert 0.1 < median_gp < 0.2 and 0.1 < below < 0.3  # most neurons far from saturation
    markdown, out = notebook_text("01_sigmoid")
    assert f"W^T multiplies by 10^{mW:.1f}, the sigma' factors by 10^{mS:.1f} ({per_layer:.2f} per layer)" in out
    assert f"the {len(gprimes)} hidden neurons: median sigma' {median_gp:.3f}, {below:.0%} below 0.01" in out
    assert f"$10^{{{mW:.1f}}}$" in markdown and f"$10^{{{mS:.1f}}}$" in markdown
    assert f"roughly {per_layer:.2f} per layer" in markdown
    assert f"Only {below:.0%} of the neurons" in markdown and f"$\\sigma' = {median_gp:.3f}$" in markdown
    assert "usually push the neurons into saturation instead" not in markdown
    assert "Growth needed large weights *and* neurons kept at $z = 0$" not in markdown


def test_sigma_reaches_1_and_0_only_by_float64_rounding():
    # sigma(z) = 1 / (1 + e^{-z}) for z >= 0; e^{z} / (1 + e^{z}) for z < 0 (no overflow in math.exp)
    def sig(z: float) -> float:
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))

    assert sig(36.0) < 1.0 and sig(37.0) == 1.0  # 1 - sigma(37) ~ 8.5e-17 is below half an ulp of 1
    assert 1.0 - sig(36.0) == 2.0**-52  # the float just below 1
    assert sig(-37.0) == pytest.approx(8.533e-17, rel=1e-3) and sig(-37.0) > 0.0
    markdown, out = notebook_text("01_sigmoid")
    assert f"sigma(36) = {sig(36.0)!r}   sigma(37) = 1.0" in out
    assert "$\\sigma(z)$ already rounds to 1.0 from $z = 37$" in markdown
    assert "mathematically $\\sigma$ never reaches 0 or 1" in markdown
    assert "is exactly 1 and 0" not in markdown


def test_bp_sigmoid_returns_0_once_e_to_the_minus_z_overflows_and_says_so():
    import sys
    import warnings

    # the largest float is e^709.78: math.exp overflows just past it
    largest = sys.float_info.max
    assert round(math.log(largest), 1) == 709.8
    assert math.exp(709.78) < largest
    with pytest.raises(OverflowError):
        math.exp(709.79)
    # the true sigma(z) = e^z / (1 + e^z) is still a float far below -709.8: down to about e^-744.4
    tiniest = math.ulp(0.0)
    assert f"{tiniest:.1e}" == "4.9e-324" and round(math.log(tiniest), 1) == -744.4
    assert math.exp(-710.0) > 0.0 and f"{math.exp(-710.0):.2e}" == "4.48e-309"
    assert math.exp(-744.0) > 0.0 and round(-1000 / math.log(10), 1) == -434.3  # sigma(-1000) ~ 10^-434.3
    # 1 / (1 + e^{-z}) as written: 1.2e-308 at -709, and 0 from where e^{-z} overflows; no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy overflow warning would fail here
        at = {z: float(bp.sigmoid(z)) for z in (-709.0, -709.7, -709.79, -710.0, -744.0, -1000.0)}
    assert at[-709.0] == pytest.approx(math.exp(-709.0), rel=1e-12) and f"{at[-709.0]:.2e}" == "1.22e-308"
    assert at[-709.7] > 0.0 and at[-709.79] == at[-710.0] == at[-744.0] == at[-1000.0] == 0.0
    # the 0.0 misses the true value by less than sigma(-709) everywhere below -709.8
    assert math.exp(-709.79) < 1.2e-308
    markdown, out = notebook_text("01_sigmoid")
    assert "sigma(-37) = 8.53e-17   sigma(-709) = 1.22e-308   sigma(-710) = 0.0" in out
    assert "e^(-z) overflows (above 1.8e+308) for z < -709.8;   e^(-710) = 4.48e-309" in out
    assert "smallest float64 above 0: 4.9e-324 = e^(-744.4);   e^(-1000) = 10^(-434.3)" in out
    assert "$\\sigma(-709) \\approx 1.2 \\times 10^{-308}$ but $\\sigma(-710) = 0.0$" in markdown
    assert "The package lets this overflow happen on purpose and silences numpy's warning" in markdown
    assert "`bp.sigmoid` computes $1 / (1 + e^{-z})$ as written" in markdown  # the recap
    for false in ("only $\\sigma(-746)$ rounds to 0.0", "the textbook formulas in plain numpy overflow on the way"):
        assert false not in markdown


def test_the_textbook_forms_overflow_in_numpy_and_one_gives_nan():
    import warnings

    z = np.array([-1000.0, 1000.0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plain = 1 / (1 + np.exp(-z))
    assert list(plain) == [0.0, 1.0] and {str(w.message) for w in caught} == {"overflow encountered in exp"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        other = np.exp(z) / (1 + np.exp(z))
    assert other[0] == 0.0 and math.isnan(other[1])
    assert {str(w.message) for w in caught} == {"overflow encountered in exp", "invalid value encountered in divide"}
    _, out = notebook_text("01_sigmoid")
    assert "1 / (1 + e^{-z})  at z = [-1000.  1000.]: [0. 1.]   numpy warned: ['overflow encountered in exp']" in out
    assert "e^z / (1 + e^z)   at z = [-1000.  1000.]: [ 0. nan]" in out


# --------------------------------------------------------------------------- lecture 02
def test_log_loss_with_a_sigmoid_output_cancels_sigma_prime_and_squared_error_does_not():
    x, y = np.array([1.0, 0.5]), 1.0
    eps = 1e-6
    rng = np.random.default_rng(3)
    for w in [np.array([-4.0, -4.0]), *rng.normal(0.0, 2.0, (5, 2))]:

        def log_loss(w):
            a = s(float(w @ x))
            return -(y * math.log(a) + (1 - y) * math.log(1 - a))

        def half_sq(w):
            return 0.5 * (y - s(float(w @ x))) ** 2

        fd_log = np.array([(log_loss(w + eps * e) - log_loss(w - eps * e)) / (2 * eps) for e in np.eye(2)])
        fd_sq = np.array([(half_sq(w + eps * e) - half_sq(w - eps * e)) / (2 * eps) for e in np.eye(2)])
        a = s(float(w @ x))
        np.testing.assert_allclose(fd_log, (a - y) * x, atol=1e-8)  # no sigma'
        np.testing.assert_allclose(fd_sq, (a - y) * a * (1 - a) * x, atol=1e-8)  # sigma' stays
    a = s(-6.0)
    ratio = np.linalg.norm((a - 1) * x) / np.linalg.norm((a - 1) * a * (1 - a) * x)
    assert ratio == pytest.approx(1 / (a * (1 - a)))
    markdown, out = notebook_text("02_logistic_unit")
    assert f"ratio of their sizes: {ratio:.0f}" in out
    assert "**Logistic regression** is this unit *fitted by maximum likelihood*" in markdown
    assert "Logistic regression** is this neuron with $\\varphi = \\sigma$" not in markdown


def _lecture_02_example() -> tuple[float, float, float]:
    """z, f and delta = dd/df * df/dz for w = (0.5, -0.3), x = (1, 0.5), y = 1, d = 1/2 (y - f)^2."""
    z = 0.5 * 1.0 + (-0.3) * 0.5
    f = s(z)
    return z, f, -(1.0 - f) * f * (1.0 - f)


def test_delta_equals_dd_dw1_only_because_x1_is_1():
    _, _, delta = _lecture_02_example()
    x = (1.0, 0.5)
    eps = 1e-6

    def d(w1: float, w2: float) -> float:
        return 0.5 * (1.0 - s(w1 * x[0] + w2 * x[1])) ** 2

    fd = ((d(0.5 + eps, -0.3) - d(0.5 - eps, -0.3)) / (2 * eps), (d(0.5, -0.3 + eps) - d(0.5, -0.3 - eps)) / (2 * eps))
    assert fd[0] == pytest.approx(delta * x[0], abs=1e-9) and fd[1] == pytest.approx(delta * x[1], abs=1e-9)
    assert abs(fd[1] - delta) > 0.04  # the second entry is not delta
    markdown, out = notebook_text("02_logistic_unit")
    assert f"delta * x_1 = {delta:.6f} * 1.0 = {delta:.6f}   delta * x_2 = {delta:.6f} * 0.5 = {delta * 0.5:.6f}" in out
    entry = f"$\\partial d / \\partial w_2 = \\delta\\, x_2 = {delta * 0.5:.6f}$"
    assert f"but only because $x_1 = 1$: the other entry is {entry}" in markdown


def test_one_step_of_gradient_descent_lowers_the_loss_by_less_than_a_tenth():
    _, _, delta = _lecture_02_example()
    w_new = (0.5 - 0.5 * delta * 1.0, -0.3 - 0.5 * delta * 0.5)  # eta = 0.5

    def d(w1: float, w2: float) -> float:
        return 0.5 * (1.0 - s(w1 * 1.0 + w2 * 0.5)) ** 2

    before, after = d(0.5, -0.3), d(*w_new)
    drop = (before - after) / before
    assert 0.07 < drop < 0.1
    markdown, out = notebook_text("02_logistic_unit")
    assert f"d before = {before:.6f}" in out and f"d after  = {after:.6f}" in out
    assert f"relative drop = {drop:.1%}" in out
    assert "The loss drops by about 7%, less than a tenth of its value" in markdown


def test_the_bias_gradient_of_the_lecture_02_example_is_delta():
    _, _, delta = _lecture_02_example()
    eps = 1e-6

    def d(b: float) -> float:
        return 0.5 * (1.0 - s(0.5 * 1.0 - 0.3 * 0.5 + b)) ** 2

    assert (d(eps) - d(-eps)) / (2 * eps) == pytest.approx(delta, abs=1e-9)
    markdown, out = notebook_text("02_logistic_unit")
    assert f"dd/db (back-propagation, b = 0) = {delta:.6f}   delta = {delta:.6f}" in out
    assert f"$\\partial d / \\partial b = \\delta = {delta:.6f}$" in markdown
    assert "[lecture 4](04_node_level.ipynb) treats the bias in full" in markdown
    assert "from here on $a = f = \\sigma(z)$ is the unit's output, $J$ (not $d$) is the loss" in markdown


def test_the_exercise_02_pointer_names_its_seven_parts_and_no_lecture_prints_the_bias_gradient():
    from bpteach.grading import EXERCISES

    parts = EXERCISES["02_logistic_unit"].parts
    assert [p.func for p in parts] == [
        "sigmoid",
        "sigmoid_derivative",
        "unit_output",
        "unit_gradient",
        "batch_gradient",
        "logloss_gradient",
        "tanh_derivative",
    ]
    assert parts[5].n_outputs == 2 and parts[0].float_errors  # (dJ/dw, dJ/db); overflow warnings fail part 1
    markdown, _ = notebook_text("02_logistic_unit")
    for k in range(1, 8):
        assert f"({k}) " in markdown.split("**Exercise:**")[1]
    assert "(6) the log-loss gradient of a unit **with a bias**, $z = w^\\top x + b$" in markdown
    # part 6 is assembled from this lecture's pieces (the log-loss gradient, the bias rule); only part 7
    # has no formula in lectures 1 to 4 (lecture 7 lists it among the gates)
    assert "with no formula given, (6)" not in markdown
    assert "which you put together from this lecture's log-loss gradient and its bias rule" in markdown
    assert "with no formula given in lectures 1 to 4, (7) the derivative of tanh" in markdown
    assert "its labels $y$ are 0 or 1: with the log-loss its $y$ is the target $t$" in markdown
    # part 6's answer, dJ/db = a - t, is derived by the student: lectures 1 and 2 never write it
    for name in ("01_sigmoid", "02_logistic_unit"):
        text = notebook_text(name)[0].replace(" ", "")
        assert "J/\\partialb=" not in text and "dJ/db=" not in text


# --------------------------------------------------------------------------- lecture 03
def _two_layer_case(seed: int, phi: str, phi_out: str):
    rng = np.random.default_rng(seed)
    d, k = 3, 4
    return rng.normal(0, 1, (k, d)), rng.normal(0, 1, k), rng.normal(0, 1, d), float(rng.uniform()), phi, phi_out


ACT = {
    "sigmoid": (s, ds),
    "tanh": (math.tanh, lambda v: 1 - math.tanh(v) ** 2),
    "identity": (lambda v: v, lambda v: 1.0),
}


@pytest.mark.parametrize(("phi", "phi_out"), [("sigmoid", "sigmoid"), ("tanh", "identity"), ("tanh", "sigmoid")])
def test_the_derived_two_layer_squared_loss_gradient_matches_finite_differences(phi, phi_out):
    W1, W2, x0, y, phi, phi_out = _two_layer_case(11, phi, phi_out)
    g, dg = ACT[phi]
    go, dgo = ACT[phi_out]

    def L(W1, W2):
        x1 = [g(float(W1[k] @ x0)) for k in range(W1.shape[0])]
        return 0.5 * (y - go(float(W2 @ np.array(x1)))) ** 2

    z1 = W1 @ x0
    x1 = np.array([g(v) for v in z1])
    z2 = float(W2 @ x1)
    f = go(z2)
    eps = 1e-6
    for k in range(W1.shape[0]):
        # dL/dW_k^(1) = -(y - f) phi_out'(z2) W_k^(2) phi'(z_k^(1)) x^(0)
        formula = -(y - f) * dgo(z2) * W2[k] * dg(z1[k]) * x0
        fd = np.zeros_like(x0)
        for c in range(x0.size):
            E = np.zeros_like(W1)
            E[k, c] = eps
            fd[c] = (L(W1 + E, W2) - L(W1 - E, W2)) / (2 * eps)
        np.testing.assert_allclose(formula, fd, atol=1e-8)
    fd2 = np.array([(L(W1, W2 + eps * e) - L(W1, W2 - eps * e)) / (2 * eps) for e in np.eye(W2.size)])
    np.testing.assert_allclose(-(y - f) * dgo(z2) * x1, fd2, atol=1e-8)


def test_lecture_03_shows_the_squared_loss_gradient_with_its_numbers():
    # the lecture's case: lecture000 weights, first example, target 1, sigmoid everywhere
    W1, W2, x0, t = np.array([[0.5, -0.3], [-0.4, 0.8]]), np.array([0.7, -0.6]), np.array([1.0, 0.5]), 1.0
    z1 = W1 @ x0
    f = s(float(W2 @ [s(v) for v in z1]))
    row1 = [-(t - f) * ds(float(W2 @ [s(v) for v in z1])) * W2[0] * ds(z1[0]) * xi for xi in x0]
    markdown, out = notebook_text("03_two_layer_gradient")
    assert "dL/dW1_1 formula: " + str(np.round(np.array(row1), 6)) in out
    assert "garbled" in markdown and "x^{(0)}" in markdown


def test_fan_in_scaling_keeps_the_spread_of_z_independent_of_width():
    rng = np.random.default_rng(5)
    for m in (10, 100, 1000):
        x = rng.choice([-1.0, 1.0], size=m)
        z_fan = np.array([rng.normal(0.0, 1.0 / math.sqrt(m), m) @ x for _ in range(4000)])
        z_raw = np.array([rng.normal(0.0, 1.0, m) @ x for _ in range(4000)])
        assert z_fan.std() == pytest.approx(1.0, rel=0.05)
        assert z_raw.std() == pytest.approx(math.sqrt(m), rel=0.05)
    markdown, _ = notebook_text("03_two_layer_gradient")
    assert "**fan-in**" in markdown


# the lecture's network and data (lecture000_network / lecture000_data), in plain Python
L3_W1 = [[0.5, -0.3], [-0.4, 0.8]]  # rows w_11, w_12
L3_W21 = [0.7, -0.6]
L3_X = [(1.0, 0.5), (2.0, -1.0), (-1.0, 1.5), (-0.5, -1.0)]  # the four examples
L3_Y = [1.0, 1.0, -1.0, -1.0]


def _ll(W1: list, w21: list) -> float:
    total = 0.0
    for x, y in zip(L3_X, L3_Y, strict=True):
        h = [s(W1[k][0] * x[0] + W1[k][1] * x[1]) for k in range(2)]
        total += math.log(s(y * (w21[0] * h[0] + w21[1] * h[1])))
    return total


def _fd_ll(step: float) -> list[float]:
    """Central differences of ll for w21[1], w21[2], w11[1], w11[2], w12[1], w12[2]."""
    out = []
    for k in range(2):
        up, down = list(L3_W21), list(L3_W21)
        up[k] += step
        down[k] -= step
        out.append((_ll(L3_W1, up) - _ll(L3_W1, down)) / (2 * step))
    for r in range(2):
        for c in range(2):
            up, down = [row[:] for row in L3_W1], [row[:] for row in L3_W1]
            up[r][c] += step
            down[r][c] -= step
            out.append((_ll(up, L3_W21) - _ll(down, L3_W21)) / (2 * step))
    return out


def test_lecture_03_names_weight_vectors_and_the_seed_numbering():
    markdown, out = notebook_text("03_two_layer_gradient")
    mlp = bp.datasets.lecture000_network()
    # w_11 is a whole row of W_1 (a vector of 2), not one arc's weight
    assert mlp.W[1][0].tolist() == L3_W1[0] and mlp.W[1].shape == (2, 2)
    assert "w11 = [ 0.5 -0.3]   w12 = [-0.4  0.8]   w21 = [ 0.7 -0.6]" in out
    assert (
        "name weight *vectors*" in markdown and "the single weight of the arc from neuron $i$ to neuron $j$" in markdown
    )
    assert "the `000` is the source deck's numbering" in markdown
    assert "(the cells below)" in markdown and "next two cells" not in markdown


def test_lecture_03_prints_the_gradient_for_w12_that_the_exercise_asks_for():
    fd = _fd_ll(1e-6)
    rec = bp.datasets.lecture000_network().backpropagate(*bp.datasets.lecture000_data(), reduction="sum")
    np.testing.assert_allclose(-rec.grad_W[1][1], fd[4:], atol=1e-8)
    _, out = notebook_text("03_two_layer_gradient")
    assert f"-grad W_1[1]: {np.round(np.array(fd[4:]), 6)}" in out
    assert np.round(np.array(fd[4:]), 6).tolist() == [-0.208611, -0.022997]
    nb = (LECTURES / "03_two_layer_gradient.ipynb").read_text(encoding="utf-8")
    assert "s12 * (1 - s12)" not in nb  # the hand formula for w12 is the exercise's, not printed here
    # nor in the explorer's stored view: it gives w12's blame as a number only
    assert "σ(w₁₂ᵀx)(1 − σ(w₁₂ᵀx))" not in nb and "alike with $w_{21}[2]$" not in nb
    assert "(exercise 3, part 4) = " in nb
    markdown, _ = notebook_text("03_two_layer_gradient")
    assert "that of $w_{12}$ appears only as a number, because its formula is part 4 of the exercise" in markdown


def test_lecture_03_finite_difference_gap_is_rounding_not_truncation():
    ll = _ll(L3_W1, L3_W21)
    rec = bp.datasets.lecture000_network().backpropagate(*bp.datasets.lecture000_data(), reduction="sum")
    exact = -np.concatenate([rec.grad_W[2][0], rec.grad_W[1][0], rec.grad_W[1][1]])
    gap = max(abs(a - b) for a, b in zip(_fd_ll(1e-6), exact, strict=True))
    truncation = max(abs(a - b) for a, b in zip(_fd_ll(1e-3), exact, strict=True)) * 1e-6
    rounding = np.finfo(float).eps * abs(ll) / 1e-6
    assert 1e-11 < gap < 1e-9  # the range the lecture prints
    assert truncation < 1e-13 < 1e-3 * gap  # truncation at eps = 1e-6 is negligible
    assert 0.1 * rounding < gap < 2 * rounding  # the gap is of the order of the rounding estimate
    markdown, out = notebook_text("03_two_layer_gradient")
    assert "largest gap to back-propagation: between 1e-11 and 1e-9" in out
    assert f"rounding estimate, machine epsilon x |ll| / eps: {rounding:.1e}" in out
    assert f"truncation estimate, gap at a step of 1e-3 x (1e-6 / 1e-3)^2: {truncation:.0e}" in out
    assert "Rounding wins" in markdown


def test_lecture_03_signals_have_the_sign_of_J_and_the_notation_pages_names():
    # delta_2 = dJ/dz_2 and delta_1[1] = dJ/dz_1[1] for J = -log sigma(y z_2), per example, by differences
    W1, w21 = L3_W1, L3_W21
    eps = 1e-6
    grad_w11 = [0.0, 0.0]
    for x, y in zip(L3_X, L3_Y, strict=True):
        z1 = [W1[k][0] * x[0] + W1[k][1] * x[1] for k in range(2)]

        def J(z1, shift=0.0, y=y):
            z2 = w21[0] * s(z1[0]) + w21[1] * s(z1[1]) + shift
            return -math.log(s(y * z2))

        delta_2 = (J(z1, eps) - J(z1, -eps)) / (2 * eps)
        z2 = w21[0] * s(z1[0]) + w21[1] * s(z1[1])
        assert delta_2 == pytest.approx(s(z2) - (1.0 if y == 1 else 0.0), abs=1e-8)  # minus the raw error
        delta_1_1 = (J([z1[0] + eps, z1[1]]) - J([z1[0] - eps, z1[1]])) / (2 * eps)
        assert delta_1_1 == pytest.approx(w21[0] * delta_2 * ds(z1[0]), abs=1e-8)
        grad_w11 = [g - delta_1_1 * xi for g, xi in zip(grad_w11, x, strict=True)]
    np.testing.assert_allclose(grad_w11, _fd_ll(1e-6)[2:4], atol=1e-7)  # grad_w11 ll = -sum delta_1[1] x
    markdown, out = notebook_text("03_two_layer_gradient")
    assert "$\\delta_2 = \\sigma(w_{21}^\\top h) - I(y = 1)$" in markdown
    assert "$\\delta_1[1] = w_{21}[1]\\,\\delta_2\\,\\sigma'(w_{11}^\\top x)$" in markdown
    assert f"-sum_i delta_1[1] x_i: {np.round(np.array(grad_w11), 6)}" in out


def test_lecture_03_writes_the_initial_spread_as_s_and_shows_it_near_s():
    rng = np.random.default_rng(0)  # the lecture's draw, repeated
    stds = []
    for m in (10, 100, 1000):
        x_in = rng.choice([-1.0, 1.0], size=(m, 2000))
        rng.normal(0.0, 1.0, size=(200, m))  # the unscaled draw comes first
        stds.append((rng.normal(0.0, 1.0 / math.sqrt(m), size=(200, m)) @ x_in).std())
    assert [f"{v:.2f}" for v in stds] == ["0.99", "1.01", "1.00"]
    assert all(abs(v - 1.0) < 0.02 for v in stds)  # near s = 1
    markdown, out = notebook_text("03_two_layer_gradient")
    assert "\\frac{s^2}{m_l}" in markdown and "\\frac{\\sigma^2}{m_l}" not in markdown
    assert "the spread stays near $s$ (here $s = 1$: std $z$ 0.99, 1.01, 1.00)" in markdown
    assert "N(0, \\sigma^2 / m_l)" not in markdown
    for v in stds:
        assert f"{v:8.2f}" in out


def test_lecture_03_calls_the_finite_difference_step_epsilon():
    markdown, _ = notebook_text("03_two_layer_gradient")
    assert "against the step $\\varepsilon$, falling like $\\varepsilon^2$" in markdown
    assert "step $h$" not in markdown


def test_lectures_03_and_04_link_every_other_lecture_they_mention():
    for name in ("03_two_layer_gradient", "04_node_level"):
        markdown, _ = notebook_text(name)
        body = markdown.split("*Based on*")[0] + markdown.split("*Based on*")[1].split("\n\n", 1)[-1]
        plain = re.findall(r"(?<!\[)\b[Ll]ectures? \d\b(?!\]\()", body)
        assert not plain, (name, plain)
    markdown, _ = notebook_text("04_node_level")
    assert "[lecture 7](07_computational_graph.ipynb)" in markdown


# --------------------------------------------------------------------------- lecture 04
ARCS = {(1, 3): 0.15, (1, 4): -0.25, (2, 3): 0.20, (2, 4): 0.10, (3, 5): 0.40, (3, 6): -0.35, (4, 5): 0.30}
ARCS |= {(4, 6): 0.55, (5, 7): 0.50, (6, 7): -0.45}
BIAS = {3: 0.1, 4: -0.2, 5: 0.05, 6: 0.3, 7: -0.1}
ORDER = [3, 4, 5, 6, 7]


def _node_level(bias: dict, x: tuple, y: float) -> tuple[float, dict]:
    """J = (y - a_7)^2 and Delta_j of lecture 002's network with biases, written out by hand."""
    a, inn = {1: x[0], 2: x[1]}, {}
    for j in ORDER:
        inn[j] = sum(w * a[i] for (i, k), w in ARCS.items() if k == j) + bias[j]
        a[j] = s(inn[j])
    delta = {7: -2 * (y - a[7]) * ds(inn[7])}
    for j in (6, 5, 4, 3):
        delta[j] = ds(inn[j]) * sum(w * delta[k] for (i, k), w in ARCS.items() if i == j)
    return (y - a[7]) ** 2, delta


def test_the_gradient_of_a_bias_is_the_neurons_delta():
    x, y = (1.0, 0.5), 1.0
    _, delta = _node_level(BIAS, x, y)
    rec = bp.Network(ARCS, inputs=[1, 2], outputs=[7], bias=BIAS).backpropagate(np.array(x), [y])
    eps = 1e-6
    for j in BIAS:
        up, down = dict(BIAS), dict(BIAS)
        up[j] += eps
        down[j] -= eps
        fd = (_node_level(up, x, y)[0] - _node_level(down, x, y)[0]) / (2 * eps)
        assert fd == pytest.approx(delta[j], abs=1e-9)
        assert rec.grad_bias[j] == pytest.approx(delta[j], rel=1e-12)
    _, out = notebook_text("04_node_level")
    for j in BIAS:
        assert f" {j}   {delta[j]:+.8f}   {delta[j]:+.8f}" in out


def _counts_width2(depth: int) -> tuple[int, int]:
    """Multiplications for a width-2 network with `depth` hidden layers and one output, by hand.

    Back-propagation: 1 for Delta_out; 2 for each neuron of the last hidden layer (one outgoing
    arc), 3 for each other hidden neuron (two); 1 per arc (4 depth + 2 arcs): 10 depth + 1.
    Path by path: an arc into layer k has 2^(depth - k) paths to the output, each of depth - k + 1
    arcs and so 2 (depth - k + 1) + 2 multiplications; the two arcs into the output have 2 each.
    """
    backprop = 1 + 2 * 2 + 3 * 2 * (depth - 1) + (4 * depth + 2)
    paths = 2 * 2 + sum(4 * 2 ** (depth - k) * (2 * (depth - k + 1) + 2) for k in range(1, depth + 1))
    return backprop, paths


def test_the_dynamic_programming_counts():
    assert _counts_width2(2) == (21, 68)  # the 7-neuron network, counted in the lecture's bullets
    _, out = notebook_text("04_node_level")
    assert "multiplications: back-propagation 21, each weight separately 68" in out
    for depth in (2, 4, 8):
        n_bp, n_paths = _counts_width2(depth)
        assert (
            f"{depth} hidden layers, {4 * depth + 2} arcs: back-propagation {n_bp}, each weight separately {n_paths}"
            in out
        )


def test_lecture_04_hand_expansions_differ_from_the_record_by_rounding_only():
    x, y = (1.0, 0.5), 1.0
    zero = dict.fromkeys(BIAS, 0.0)
    _, delta = _node_level(zero, x, y)  # math.exp and its own order of products
    rec = bp.datasets.lecture002_network().backpropagate(np.array(x), [y])
    _, out = notebook_text("04_node_level")
    for j in (7, 5, 6, 3):
        # a few ulps at most here; the lecture checks the machine-independent bound 1e-13
        assert abs(rec.delta[j] - delta[j]) <= 4 * np.spacing(abs(rec.delta[j]))
        assert abs(rec.delta[j] - delta[j]) / abs(rec.delta[j]) < 1e-15
        assert 1e-16 < np.spacing(abs(rec.delta[j])) / abs(rec.delta[j]) < 2.3e-16  # "about 1e-16 of the value"
        line = f"Delta_{j}    record {rec.delta[j]:+.8f}   expanded {delta[j]:+.8f}   relative gap below 1e-13"
        assert line in out
    assert out.count("relative gap below 1e-13") == 7 and "NOT below" not in out
    # the gaps in ulps are printed (not checked: they may change with numpy's exp)
    assert re.search(r"Delta_3    gap \S+ = \d ulp \(1 ulp = 8\.7e-19\)", out)


def test_the_two_ways_of_computing_g_prime_differ_in_the_last_bits():
    # the expansion's s (1 - s) and the package's sigma(v) sigma(-v) are different roundings of one number
    # (for |v| < 1, as every in_j of the lecture's example; for large |v| the 1 - s of s (1 - s) cancels
    # and the gap grows to dozens of ulps)
    v = np.random.default_rng(0).uniform(-1.0, 1.0, 10_000)
    s_ = 1.0 / (1.0 + np.exp(-v))
    ours, package = s_ * (1.0 - s_), bp.sigmoid.derivative(v)
    ulps = np.abs(ours - package) / np.spacing(package)
    assert (ulps > 0).mean() > 0.3  # they often differ ...
    assert ulps.max() <= 8  # ... by a few ulps
    rec = bp.datasets.lecture002_network().backpropagate(np.array([1.0, 0.5]), [1.0])
    assert all(abs(rec.in_[j]) < 1.0 for j in (3, 4, 5, 6, 7))
    markdown, out = notebook_text("04_node_level")
    assert "`g_prime` computes $s(1 - s)$ with $s = 1 / (1 + e^{-v})$" in markdown
    assert "`bp.sigmoid.derivative` computes $\\sigma(v)\\,\\sigma(-v)$" in markdown
    assert "so only the rounding of the last bit can differ" not in markdown
    assert "each gap is zero or one ulp" not in markdown
    assert "stay below $10^{-13}$ even if they all pushed the same way" in markdown
    assert len(re.findall(r"g'\(in_\d\): s\(1 - s\) = 0\.\d{17}   package = 0\.\d{17}   gap \d ulp", out)) == 5


def test_the_backward_pass_costs_between_two_and_three_multiplications_per_arc():
    _, out = notebook_text("04_node_level")
    assert "the forward pass itself: 10 multiplications, one per arc" in out  # one w_ij a_i per arc
    for depth in (2, 4, 8):
        arcs = 4 * depth + 2
        n_bp, _ = _counts_width2(depth)
        # gradients: 1 per arc; Delta_j: 1 per arc out of a hidden neuron (arcs - 4) and 1 per non-input neuron
        assert n_bp == arcs + (arcs - 4) + (2 * depth + 1)
        assert 2 * arcs < n_bp < 3 * arcs
    markdown, _ = notebook_text("04_node_level")
    assert "about one extra forward pass" not in markdown
    assert "21 multiplications against the forward pass's 10" in markdown


def test_exercise_04s_derived_part_is_not_printed_in_lecture_04_and_its_value_checks_out():
    # dJ/dx_i = sum_j w_ij Delta_j, against central differences of J in x
    x, y = (1.0, 0.5), 1.0
    _, delta = _node_level(dict.fromkeys(BIAS, 0.0), x, y)
    grad_x = [sum(w * delta[j] for (i, j), w in ARCS.items() if i == k) for k in (1, 2)]
    eps = 1e-6
    zero = dict.fromkeys(BIAS, 0.0)
    for k in range(2):
        up, down = list(x), list(x)
        up[k] += eps
        down[k] -= eps
        fd = (_node_level(zero, tuple(up), y)[0] - _node_level(zero, tuple(down), y)[0]) / (2 * eps)
        assert fd == pytest.approx(grad_x[k], abs=1e-10)
    assert [round(g, 8) for g in grad_x] == [-0.00116531, -0.00089184]
    markdown, _ = notebook_text("04_node_level")
    assert "with no formula given, the gradient of $J$ with respect to the inputs $x_1, x_2$" in markdown
    assert "partial x" not in markdown  # the lecture never states dJ/dx_i
    from bpteach.grading import EXERCISES

    parts = {p.grade_id: p for p in EXERCISES["04_node_level"].parts}
    assert list(parts) == [
        "ex04_delta_output",
        "ex04_delta_hidden",
        "ex04_gradient",
        "ex04_bias_gradient",
        "ex04_input_gradient",
    ]
    ref = parts["ex04_input_gradient"].reference(dict(ARCS), np.array(x), y)
    np.testing.assert_allclose(ref, grad_x, rtol=1e-12)


# --------------------------------------------------------------------------- notation page
def test_the_node_level_weight_w_ij_is_the_matrix_entry_W_j_i():
    # the page's [2, 3, 1] network, J = (y - a)^2: differentiate by the matrix entry W_1[r, c] and
    # compare with what the page prints for the arc (inputs[c], hidden[r])
    W1 = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])
    W2 = np.array([0.7, -0.8, 0.9])
    x, y = (1.0, -0.5), 1.0

    def J(W1):
        h = [s(W1[r, 0] * x[0] + W1[r, 1] * x[1]) for r in range(3)]
        return (y - s(sum(W2[r] * h[r] for r in range(3)))) ** 2

    _, out = notebook_text("00_notation")
    for i, j in [(1, 3), (2, 4), (1, 5)]:
        r, c = j - 3, i - 1
        E = np.zeros_like(W1)
        E[r, c] = 1e-6
        fd = (J(W1 + E) - J(W1 - E)) / 2e-6
        assert f"w_{i},{j} = {W1[r, c]:.1f} is numpy's W[1][{r}, {c}];  dJ/dw_{i},{j} = {fd:+.6f}" in out


def test_the_log_loss_row_gives_dl_da_and_dl_dz_with_t_defined():
    eps = 1e-7
    for a, t in product((0.1, 0.3, 0.8), (0.0, 1.0)):

        def loss(a_: float, t_: float = t) -> float:
            return -(t_ * math.log(a_) + (1 - t_) * math.log(1 - a_))

        dl_da = (loss(a + eps) - loss(a - eps)) / (2 * eps)
        assert dl_da == pytest.approx((a - t) / (a * (1 - a)), rel=1e-6)
        assert dl_da * a * (1 - a) == pytest.approx(a - t, rel=1e-6)  # times sigma' = a (1 - a): dl/dz
    markdown, _ = notebook_text("00_notation")
    assert "$\\dfrac{a - t}{a(1 - a)}$; with a sigmoid output, $\\partial \\ell / \\partial z = a - t$" in markdown
    assert "the target is $t = I(y = 1) \\in \\{0, 1\\}$" in markdown
