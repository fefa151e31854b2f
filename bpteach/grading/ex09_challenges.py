r"""Exercise 09, a central-difference gradient check that finds a planted bug (lecture 004).

| part | the student writes | reference |
|---|---|---|
| ex09_numerical_gradient | (J(w + eps e_k) - J(w - eps e_k)) / (2 eps) for every entry k | the exact gradient |
| ex09_relative_error | abs(g - n) / max(abs(g) + abs(n), floor), elementwise | as ``bp.gradcheck`` |
| ex09_find_bug | the (flat) index of the entry where a gradient disagrees most | the planted index |
| ex09_kernel_gradient | dL/dw of a shared 1-D convolution kernel (derived) | ``Linear.backward``, summed |
| ex09_gradient_norms | ||grad W_i J|| per layer of a deep sigmoid network (a measurement) | ``MLP.backpropagate`` |

The gradient under test arrives as numbers at w (no formula to read the bug off); only a real
comparison with the numerical gradient of J finds the wrong entry.

The loss J and the gradient under test are given as functions (the grader sends their source).
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


def _relative_cases(rng: np.random.Generator) -> list[tuple]:
    g = rng.normal(0.0, 1.0, 5)
    n = g + rng.normal(0.0, 1e-3, 5)
    g[1] = n[1] = 0.0  # both zero: the floor keeps 0/0 away
    return [(g, n, 1e-8), (rng.normal(0.0, 1.0, (2, 3)), rng.normal(0.0, 1.0, (2, 3)), 1e-8)]


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


def _kernel_cases(rng: np.random.Generator) -> list[tuple]:
    """(x (n_in,), dL_dy (n_in - k + 1,), k) for a kernel of size k sliding over x."""
    return [(rng.normal(0.0, 1.0, n_in), rng.normal(0.0, 1.0, n_in - k + 1), k) for n_in, k in ((6, 3), (5, 2), (7, 4))]


def _kernel_gradient(x: np.ndarray, dL_dy: np.ndarray, k: int) -> np.ndarray:
    # the convolution as a learnable block y = W x: dL/dW (one number per position) from the core,
    # then the chain rule for a shared weight: sum over the positions it sits at
    n_out = x.size - k + 1
    block = Linear(np.zeros((n_out, x.size)))
    block.forward(x.reshape(-1, 1))
    block.backward(dL_dy.reshape(-1, 1))
    return np.array([sum(block.dL_dW[j, j + r] for j in range(n_out)) for r in range(k)])


def _first_position(x: np.ndarray, dL_dy: np.ndarray, k: int) -> np.ndarray:
    return dL_dy[0] * x[:k]


def _norm_cases(rng: np.random.Generator) -> list[tuple]:
    """(W {1..m: (n_i, n_{i-1})}, X (n_0, n), Y (n_m, n)) of deep, bias-free sigmoid networks."""
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


EXERCISE = Exercise(
    name="09_challenges",
    title="Gradient checking: central differences find a planted bug",
    parts=[
        Part(
            grade_id="ex09_numerical_gradient",
            func="numerical_gradient",
            title="numerical_gradient(J, w, eps)",
            points=3,
            cases=_gradient_cases,
            reference=_exact,
            hint="for each index k: (J(w + eps e_k) - J(w - eps e_k)) / (2 eps), with e_k zero but 1 at k",
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
            grade_id="ex09_relative_error",
            func="relative_error",
            title="relative_error(g, n, floor)",
            points=2,
            cases=_relative_cases,
            reference=_relative,
            hint="return abs(g - n) / np.maximum(abs(g) + abs(n), floor)",
            mistakes=[
                Mistake(
                    "one-sided",
                    "you divided by abs(g) alone: the relative error is symmetric, "
                    "abs(g - n) / max(abs(g) + abs(n), floor)",
                    lambda g, n, f: np.abs(g - n) / np.maximum(np.abs(g), f),
                )
            ],
        ),
        Part(
            grade_id="ex09_find_bug",
            func="find_bug",
            title="find_bug(J, grad, w)",
            points=3,
            cases=_bug_cases,
            reference=_planted,
            hint="compare grad(w) with your numerical_gradient(J, w, 1e-5) through relative_error "
            "and return the index of the largest (an int)",
            mistakes=[
                Mistake(
                    "1-based",
                    "you counted from 1: Python indices (and np.argmax) count from 0",
                    lambda J, grad, w: _planted(J, grad, w) + 1,
                )
            ],
        ),
        Part(
            grade_id="ex09_kernel_gradient",
            func="kernel_gradient",
            title="kernel_gradient(x, dL_dy, k)",
            points=3,
            cases=_kernel_cases,
            reference=_kernel_gradient,
            hint="y_j = sum_r w_r x_(j+r): derive dL/dw_r from dL/dy and x; w_r is used at every position j",
            mistakes=[
                Mistake(
                    name="one position",
                    message="you used only the first position of the kernel: a shared weight w_r sits at every "
                    "position j, so its gradient is the sum over all of them",
                    output=_first_position,
                ),
                Mistake(
                    name="mean",
                    message="you divided by the number of positions: the chain rule sums the contributions of "
                    "every position, it does not average them",
                    output=lambda x, d, k: _kernel_gradient(x, d, k) / d.size,
                ),
                Mistake(
                    name="flipped",
                    message="the kernel is flipped: y_j = sum_r w_r x_(j+r) pairs w_r with x_(j+r), not x_(j+k-1-r)",
                    output=lambda x, d, k: _kernel_gradient(x, d, k)[::-1],
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
                    message="these are the norms of the summed gradients: J is the mean over the n examples",
                    output=lambda W, X, Y: _gradient_norms(W, X, Y) * X.shape[1],
                ),
                Mistake(
                    name="no g'",
                    message="the hidden layers' factor s'(z_i) is missing, so the norms shrink too little "
                    "towards the input: delta_i = (W_{i+1}^T delta_{i+1}) * s'(z_i)",
                    output=_norms_without_hidden_slope,
                ),
            ],
        ),
    ],
)
