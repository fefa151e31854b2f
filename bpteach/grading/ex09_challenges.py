r"""Exercise 09, gradient checking, a strided convolution's gradients, vanishing gradients (lecture 9).

| part | the student writes (none of it is given as a formula) | reference |
|---|---|---|
| ex09_numerical_gradient | the central difference, derived from Taylor's expansion | Richardson extrapolation |
| ex09_best_step | the eps minimising a derived bound on the central difference's error | (3 delta / M)^(1/3) |
| ex09_find_bug | the index of the one wrong entry of a gradient, found by comparison | the planted index |
| ex09_conv_gradients | dL/dw and dL/dx of a 1-D convolution with a stride (derived) | ``Linear.backward``, summed |
| ex09_gradient_norms | ||grad W_i J|| per layer of a deep sigmoid network (a measurement) | ``MLP.backpropagate`` |

The gradient under test in ex09_find_bug arrives as numbers at w (no formula to read the bug off);
only a real comparison with the numerical gradient of J finds the wrong entry. The loss J and the
gradient under test are given as functions (the grader sends their source).
"""

from __future__ import annotations

import numpy as np

from bpteach.blocks import Linear
from bpteach.grading.ex05_matrix_form import _recipe_without
from bpteach.grading.spec import Exercise, Mistake, Part, Source
from bpteach.matrix import MLP

__all__ = ["EXERCISE"]


def _loss_and_grad(c: np.ndarray, shape: tuple) -> tuple[Source, Source]:
    coef = f"np.array({c.ravel().tolist()}).reshape({shape})"
    J = Source(f"lambda w: float(np.sum({coef} * np.sin(w)) + 0.5 * np.sum(w ** 3))")
    grad = Source(f"lambda w: {coef} * np.cos(w) + 1.5 * w ** 2")
    return J, grad


def _gradient_cases(rng: np.random.Generator) -> list[tuple]:
    cases = []
    for shape in ((3,), (2, 2), (1,)):
        J, _ = _loss_and_grad(rng.normal(0.0, 1.0, shape), shape)
        cases.append((J, rng.normal(0.0, 1.0, shape), 1e-5))
    return cases


def _exact(J: object, w: np.ndarray, eps: float) -> np.ndarray:
    # the exact gradient whatever eps the student uses: Richardson extrapolation of central
    # differences cancels the h^2 term, leaving an error of order h^4 (about 1e-12 here)
    def central(h: float) -> np.ndarray:
        out = np.zeros_like(w)
        for idx in np.ndindex(w.shape):
            e = np.zeros_like(w)
            e[idx] = h
            out[idx] = (J(w + e) - J(w - e)) / (2 * h)
        return out

    return (4 * central(1e-3) - central(2e-3)) / 3


def _forward(J: object, w: np.ndarray, eps: float) -> np.ndarray:
    out = np.zeros_like(w)
    for idx in np.ndindex(w.shape):
        e = np.zeros_like(w)
        e[idx] = eps
        out[idx] = (J(w + e) - J(w)) / eps
    return out


def _step_cases(rng: np.random.Generator) -> list[tuple]:
    """(delta, M): the rounding error of one computed value of J, a bound on |J'''| near w."""
    return [(float(10.0 ** rng.uniform(-17.0, -13.0)), float(rng.uniform(0.1, 10.0))) for _ in range(3)]


def _best_step(delta: float, M: float) -> float:
    # Taylor: the central difference is J' + eps^2 J3 / 6 with |J3| <= M (truncation at most M eps^2 / 6);
    # each value of J is off by at most delta, their difference by 2 delta, divided by 2 eps: delta / eps.
    # The bound M eps^2 / 6 + delta / eps is smallest where M eps / 3 = delta / eps^2: eps^3 = 3 delta / M
    return (3.0 * delta / M) ** (1.0 / 3.0)


def _relative(g: np.ndarray, n: np.ndarray, floor: float) -> np.ndarray:
    return np.abs(g - n) / np.maximum(np.abs(g) + np.abs(n), floor)


def _bug_cases(rng: np.random.Generator) -> list[tuple]:
    """J as a formula, the gradient under test as plain numbers at w: nothing in its code says
    which entry is wrong, only comparing it with a numerical gradient of J does."""
    cases = []
    for shape in ((4,), (6,), (3,)):
        c = rng.normal(0.0, 1.0, shape)
        J, grad = _loss_and_grad(c, shape)
        w = rng.normal(0.0, 1.0, shape)
        k = int(rng.integers(0, shape[0]))
        values = grad.compile()(w)
        values[k] = -values[k] - np.sign(values[k] or 1.0) * rng.uniform(0.2, 1.0)  # the planted bug: sign and size
        buggy = Source(f"lambda w: np.array({values.tolist()}).reshape({shape})")
        cases.append((J, buggy, w))
    return cases


def _planted(J: object, grad: object, w: np.ndarray) -> int:
    return int(np.argmax(_relative(grad(w), _exact(J, w, 1e-5), 1e-8)))


def _conv_cases(rng: np.random.Generator) -> list[tuple]:
    """(x (n_in,), w (k,), dL_dy (n_out,), stride): overlapping positions (7, 3, 2), an input that no
    position reads (8, 3, 2), gaps between the positions (9, 2, 3), and stride 1 (6, 3, 1)."""
    cases = []
    for n_in, k, stride in ((7, 3, 2), (8, 3, 2), (9, 2, 3), (6, 3, 1)):
        n_out = (n_in - k) // stride + 1
        cases.append((rng.normal(0.0, 1.0, n_in), rng.normal(0.0, 1.0, k), rng.normal(0.0, 1.0, n_out), stride))
    return cases


def _conv_matrix(n_in: int, w: np.ndarray, stride: int) -> np.ndarray:
    n_out = (n_in - w.size) // stride + 1
    W = np.zeros((n_out, n_in))
    for j in range(n_out):
        W[j, stride * j : stride * j + w.size] = w  # the same kernel at every position: weight sharing
    return W


def _conv_gradients(x: np.ndarray, w: np.ndarray, dL_dy: np.ndarray, stride: int) -> tuple[np.ndarray, np.ndarray]:
    # the convolution as a learnable block y = W x: the core gives dL/dx = W^T dL/dy and dL/dW (one
    # number per position); the chain rule for a shared weight sums dL/dW over the positions of w_r
    block = Linear(_conv_matrix(x.size, w, stride))
    block.forward(x.reshape(-1, 1))
    dL_dx = block.backward(dL_dy.reshape(-1, 1)).ravel()
    dL_dw = np.array([sum(block.dL_dW[j, stride * j + r] for j in range(dL_dy.size)) for r in range(w.size)])
    return dL_dw, dL_dx


def _conv_slid_by_one(x: np.ndarray, w: np.ndarray, d: np.ndarray, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """Both gradients as if the kernel moved one input at a time, whatever the stride."""
    dw = np.array([d @ x[r : r + d.size] for r in range(w.size)])
    dx = np.zeros_like(x)
    for j in range(d.size):
        dx[j : j + w.size] += w * d[j]
    return dw, dx


def _conv_last_write(x: np.ndarray, w: np.ndarray, d: np.ndarray, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """dL/dx where an input read by several positions keeps only the last position's share."""
    dx = np.zeros_like(x)
    for j in range(d.size):
        dx[stride * j : stride * j + w.size] = w * d[j]
    return _conv_gradients(x, w, d, stride)[0], dx


def _conv_one_position(x: np.ndarray, w: np.ndarray, d: np.ndarray, stride: int) -> tuple[np.ndarray, np.ndarray]:
    return d[0] * x[: w.size], _conv_gradients(x, w, d, stride)[1]


def _conv_mean(x: np.ndarray, w: np.ndarray, d: np.ndarray, stride: int) -> tuple[np.ndarray, np.ndarray]:
    dw, dx = _conv_gradients(x, w, d, stride)
    return dw / d.size, dx


def _conv_input_flipped(x: np.ndarray, w: np.ndarray, d: np.ndarray, stride: int) -> tuple[np.ndarray, np.ndarray]:
    return _conv_gradients(x, w, d, stride)[0], _conv_gradients(x, w[::-1], d, stride)[1]


def _norm_cases(rng: np.random.Generator) -> list[tuple]:
    """(W {1..m: (n_i, n_{i-1})}, X (n_0, N), Y (n_m, N)) of deep, bias-free sigmoid networks."""
    cases = []
    for sizes, n in (([2, 4, 4, 4, 1], 5), ([3, 5, 5, 5, 5, 2], 4), ([2, 3, 1], 1)):
        W = {i: rng.normal(0.0, 1.0 / np.sqrt(sizes[i - 1]), (sizes[i], sizes[i - 1])) for i in range(1, len(sizes))}
        cases.append((W, rng.normal(0.0, 1.0, (sizes[0], n)), rng.uniform(0.0, 1.0, (sizes[-1], n))))
    return cases


def _gradient_norms(W: dict, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    sizes = [X.shape[0], *(W[i].shape[0] for i in range(1, len(W) + 1))]
    rec = MLP(sizes, loss="half_squared_error", bias=False, W=W).backpropagate(X, Y)
    return np.array([np.linalg.norm(rec.grad_W[i]) for i in range(1, len(W) + 1)])


def _norms_without_hidden_slope(W: dict, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """The same measurement with the s'(z_i) factor left out of the hidden layers' deltas."""
    grads = _recipe_without(W, X, Y, "gprime")
    return np.array([np.linalg.norm(grads[i]) for i in range(1, len(W) + 1)])


def _norms_without_output_slope(W: dict, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """The same measurement with delta_m = a - y (the log-loss shortcut) under the loss 1/2 (y - a)^2."""
    m = len(W)
    h = [X]
    for i in range(1, m + 1):
        h.append(1.0 / (1.0 + np.exp(-(W[i] @ h[-1]))))
    delta = {m: h[m] - Y}  # s'(z_m) = h_m (1 - h_m) left out
    for i in range(m - 1, 0, -1):
        delta[i] = (W[i + 1].T @ delta[i + 1]) * h[i] * (1.0 - h[i])
    return np.array([np.linalg.norm(delta[i] @ h[i - 1].T / X.shape[1]) for i in range(1, m + 1)])


EXERCISE = Exercise(
    name="09_challenges",
    title="Gradient checking, a strided convolution's gradients, vanishing gradients",
    parts=[
        Part(
            grade_id="ex09_numerical_gradient",
            func="numerical_gradient",
            title="numerical_gradient(J, w, eps)",
            points=3,
            cases=_gradient_cases,
            reference=_exact,
            hint="expand J(w + eps e_k) and J(w - eps e_k) in powers of eps and combine the two values so "
            "that J(w) and the eps^2 term cancel, for every entry k",
            mistakes=[
                Mistake(
                    "2 eps",
                    "you divided by eps: the central difference spans 2 eps, from w - eps to w + eps",
                    lambda J, w, eps: 2.0 * _exact(J, w, eps),
                ),
                Mistake(
                    "forward",
                    "this is the forward difference (J(w + eps) - J(w)) / eps, whose error "
                    "is of order eps; the central difference's is of order eps^2",
                    _forward,
                ),
            ],
            rtol=1e-6,
            atol=1e-7,
        ),
        Part(
            grade_id="ex09_best_step",
            func="best_step",
            title="best_step(delta, M)",
            points=2,
            cases=_step_cases,
            reference=_best_step,
            hint="bound the truncation part with Taylor's theorem and the rounding part with delta, "
            "then minimise their sum over eps",
            mistakes=[
                Mistake(
                    "factor 2",
                    # the feedback of this derived part names the mistake and where to look, never a bound
                    "your eps is 2^(1/3) = 1.26 times too small: one of your two parts is off by a factor 2. "
                    "Recount the rounding part (how many values of J can be off by delta, and what is their "
                    "difference divided by?), then the eps^3 terms of the two expansions (do they add or cancel?)",
                    lambda delta, M: (1.5 * delta / M) ** (1.0 / 3.0),
                ),
                Mistake(
                    "equal parts",
                    "this is (6 delta / M)^(1/3): either you set the two parts equal instead of minimising their "
                    "sum, or your rounding part is twice too large (what is the difference of the two values "
                    "divided by?)",
                    lambda delta, M: (6.0 * delta / M) ** (1.0 / 3.0),
                ),
                Mistake(
                    "1/2 for 1/6",
                    "your truncation part has the wrong coefficient: in Taylor's expansion, which power of eps "
                    "carries the third derivative, and with what factorial?",
                    lambda delta, M: (delta / M) ** (1.0 / 3.0),
                ),
                Mistake(
                    "forward",
                    "this is the best step of the forward difference (J(w + eps) - J(w)) / eps, whose truncation "
                    "part is of order eps: redo both parts for the central difference, from its two expansions",
                    lambda delta, M: 2.0 * np.sqrt(delta / M),
                ),
            ],
        ),
        Part(
            grade_id="ex09_find_bug",
            func="find_bug",
            title="find_bug(J, grad, w)",
            points=3,
            cases=_bug_cases,
            reference=_planted,
            hint="compare grad(w) entry by entry with your numerical_gradient of J at w and return the index "
            "where they disagree most (an int)",
            mistakes=[
                Mistake(
                    "1-based",
                    "you counted from 1: Python indices (and np.argmax) count from 0",
                    lambda J, grad, w: _planted(J, grad, w) + 1,
                )
            ],
        ),
        Part(
            grade_id="ex09_conv_gradients",
            func="conv_gradients",
            title="conv_gradients(x, w, dL_dy, stride)",
            points=3,
            cases=_conv_cases,
            reference=_conv_gradients,
            n_outputs=2,
            hint="from y_j = sum_r w_r x_(stride j + r): list the y_j that each w_r and each x_i take part in",
            mistakes=[
                Mistake(
                    name="slid by one",
                    message="you moved the kernel one input at a time: with a stride, position j reads "
                    "x_(stride j + r), both in dL/dw and in dL/dx",
                    output=_conv_slid_by_one,
                ),
                Mistake(
                    name="one position",
                    message="dL/dw uses only the first position: a shared weight w_r sits at every position j, "
                    "so its gradient is the sum over all of them",
                    output=_conv_one_position,
                ),
                Mistake(
                    name="mean",
                    message="dL/dw is divided by the number of positions: the chain rule sums the contributions "
                    "of every position, it does not average them",
                    output=_conv_mean,
                ),
                Mistake(
                    name="last write",
                    message="in dL/dx an input read by several positions keeps only one position's share: "
                    "its gradient is the sum over every y_j it feeds (add, do not overwrite)",
                    output=_conv_last_write,
                ),
                Mistake(
                    name="flipped",
                    message="dL/dx uses the kernel flipped: in y_j, which w_r multiplies x_i? Write out y_0 and "
                    "y_1 for k = 3, stride 2 and read off the coefficients of x_2",
                    output=_conv_input_flipped,
                ),
            ],
        ),
        Part(
            grade_id="ex09_gradient_norms",
            func="gradient_norms",
            title="gradient_norms(W, X, Y)",
            points=3,
            cases=_norm_cases,
            reference=_gradient_norms,
            hint="back-propagate J = mean of 1/2 ||y - f(x)||^2 through the sigmoid layers and return the "
            "Frobenius norm of each layer's gradient, layer 1 first",
            mistakes=[
                Mistake(
                    name="squared",
                    message="these are the squared norms: the Frobenius norm is the square root of the sum "
                    "of the squared entries",
                    output=lambda W, X, Y: _gradient_norms(W, X, Y) ** 2,
                ),
                Mistake(
                    name="reversed",
                    message="the layers are in reverse order: return layer 1 (next to the input) first",
                    output=lambda W, X, Y: _gradient_norms(W, X, Y)[::-1],
                ),
                Mistake(
                    name="sum",
                    message="these are the norms of the summed gradients: J is the mean over the N examples",
                    output=lambda W, X, Y: _gradient_norms(W, X, Y) * X.shape[1],
                ),
                Mistake(
                    name="no g'",
                    message="the hidden layers' factor s'(z_i) is missing, so the norms shrink too little "
                    "towards the input: delta_i = (W_{i+1}^T delta_{i+1}) * s'(z_i)",
                    output=_norms_without_hidden_slope,
                ),
                Mistake(
                    name="no output slope",
                    message="the output delta lacks s'(z_m): with the loss 1/2 (y - a)^2 it is (a - y) * s'(z_m); "
                    "(a - y) alone belongs to log-loss with a sigmoid output (each example's output delta comes out "
                    "1/s'(z_m) >= 4 times too large, so your norms are usually several times too large)",
                    output=_norms_without_output_slope,
                ),
            ],
        ),
    ],
)
