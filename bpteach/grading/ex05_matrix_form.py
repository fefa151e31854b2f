r"""Exercise 05, lecture 5's matrix gradient recipe (sigmoid s, J = 1/2 (y - f)^2, mean over examples).

Examples are the columns of X, shape (n_0, N); W_i has shape (n_i, n_{i-1}); layers count from 1.

| part | the student writes | reference |
|---|---|---|
| ex05_output_delta | delta_m = (h_m - Y) * s'(z_m) | ``half_squared_error.derivative`` x ``sigmoid.derivative`` |
| ex05_hidden_delta | delta_i = (W_{i+1}^T delta_{i+1}) * s'(z_i) | ``sigmoid.derivative`` |
| ex05_weight_gradient | grad W_i = delta_i h_{i-1}^T / n (the mean; the lecture printed sums) | numpy |
| ex05_backward | {i: grad W_i for i = 1..m} | ``MLP.backpropagate`` |
| ex05_log_loss_delta | delta_m, class-weighted log-loss, sigmoid output (derived) | chain rule l'(a) x s'(z) |

Part 5's loss, -beta y log a - (1 - y) log(1 - a), is worked out in no lecture; its hint and
diagnoses name the kind of mistake, never the formula (tests/test_grading_ex05_09.py).
"""

from __future__ import annotations

import numpy as np

from bpteach.activations import sigmoid
from bpteach.grading.preambles import SIGMOID_PREAMBLE
from bpteach.grading.spec import Exercise, Mistake, Part
from bpteach.losses import half_squared_error
from bpteach.matrix import MLP

__all__ = ["EXERCISE"]


def _output_cases(rng: np.random.Generator) -> list[tuple]:
    cases = []
    for nm, n in ((1, 1), (1, 4), (3, 5)):
        z = rng.normal(0.0, 2.0, (nm, n))
        cases.append((z, sigmoid(z), rng.uniform(0.0, 1.0, (nm, n))))
    return cases


def _hidden_cases(rng: np.random.Generator) -> list[tuple]:
    # the middle case is square, so W instead of W^T runs without a shape error
    return [
        (rng.normal(0.0, 1.0, (nn, ni)), rng.normal(0.0, 0.3, (nn, n)), rng.normal(0.0, 1.5, (ni, n)))
        for nn, ni, n in ((1, 3, 4), (3, 3, 2), (2, 4, 5))
    ]


def _weight_cases(rng: np.random.Generator) -> list[tuple]:
    # n_i is never 1 and never n where n > 1, so dividing by the rows (n_i) is told apart from the
    # sum (dividing by 1) and from the mean; n = 1 in the middle case, where sum and mean agree
    return [
        (rng.normal(0.0, 0.3, (ni, n)), rng.uniform(0.0, 1.0, (nprev, n)))
        for ni, nprev, n in ((2, 3, 4), (3, 2, 1), (4, 5, 6))
    ]


def _backward_cases(rng: np.random.Generator) -> list[tuple]:
    cases = []
    for sizes, n in (([2, 3, 1], 4), ([3, 4, 2], 1), ([2, 3, 3, 1], 5)):
        W = {i: rng.normal(0.0, 1.0, (sizes[i], sizes[i - 1])) for i in range(1, len(sizes))}
        cases.append((W, rng.normal(0.0, 1.0, (sizes[0], n)), rng.uniform(0.0, 1.0, (sizes[-1], n))))
    return cases


def _backward(W: dict, X: np.ndarray, Y: np.ndarray) -> dict:
    sizes = [X.shape[0], *(W[i].shape[0] for i in range(1, len(W) + 1))]
    rec = MLP(sizes, loss="half_squared_error", bias=False, W=W).backpropagate(X, Y)
    return {i: rec.grad_W[i] for i in range(1, len(W) + 1)}


def _recipe_without(W: dict, X: np.ndarray, Y: np.ndarray, slip: str) -> dict:
    """The recipe with one slip: "gprime" (no s' in the hidden deltas) or "sum" (no 1/N)."""
    m = len(W)
    h, z = [X], [None]
    for i in range(1, m + 1):
        z.append(W[i] @ h[-1])
        h.append(sigmoid(z[-1]))
    delta = {m: (h[m] - Y) * sigmoid.derivative(z[m])}
    for i in range(m - 1, 0, -1):
        delta[i] = (W[i + 1].T @ delta[i + 1]) * (1.0 if slip == "gprime" else sigmoid.derivative(z[i]))
    n = 1.0 if slip == "sum" else X.shape[1]
    return {i: delta[i] @ h[i - 1].T / n for i in range(1, m + 1)}


def _log_loss_cases(rng: np.random.Generator) -> list[tuple]:
    """(z_m, Y, beta): |z| <= 6, where l'(a) s'(z) is still exact in float64; 0/1 targets with both
    values in every case (beta on the wrong term or on both terms differs from the answer only on
    one of them); beta well away from 1, where it would change nothing."""
    cases = []
    for (nm, n), beta in (((1, 4), rng.uniform(2.0, 5.0)), ((2, 3), rng.uniform(0.15, 0.5)), ((1, 2), 3.0)):
        z = np.clip(rng.normal(0.0, 2.0, (nm, n)), -6.0, 6.0)
        Y = rng.choice([0.0, 1.0], (nm, n))
        Y.flat[0], Y.flat[-1] = 1.0, 0.0
        cases.append((z, Y, float(beta)))
    return cases


def _weighted_log_loss_delta(z: np.ndarray, Y: np.ndarray, beta: float) -> np.ndarray:
    # the chain rule as it stands, l'(a) x s'(z) with a = s(z), not simplified: it shares nothing
    # with the simplified form a student writes
    a = sigmoid(z)
    dl_da = -beta * Y / a + (1.0 - Y) / (1.0 - a)
    return dl_da * sigmoid.derivative(z)


def _weighted_variant(z: np.ndarray, Y: np.ndarray, beta: float, slip: str) -> np.ndarray:
    """delta_m of the weighted log-loss as one usual slip computes it."""
    a = sigmoid(z)
    if slip == "no beta":
        return a - Y
    if slip == "beta on the other term":  # -y log a - beta (1 - y) log(1 - a)
        return (Y + beta * (1.0 - Y)) * a - Y
    if slip == "beta on both":
        return beta * (a - Y)
    right = (beta * Y + 1.0 - Y) * a - beta * Y
    if slip == "kept s'":
        return right * sigmoid.derivative(z)
    if slip == "l' alone":
        return -beta * Y / a + (1.0 - Y) / (1.0 - a)
    if slip == "z for a":
        return (beta * Y + 1.0 - Y) * z - beta * Y
    raise ValueError(slip)


_SUM = (
    "this is the sum over the examples: delta_i h_{i-1}^T sums over the columns, and J is the mean over the N examples"
)
_ROWS = "you divided by n_i, the number of neurons (the rows of delta_i); the mean is over the N examples, the columns"

EXERCISE = Exercise(
    name="05_matrix_form",
    title="The matrix form: the backward pass with the right shapes",
    parts=[
        Part(
            grade_id="ex05_output_delta",
            func="output_delta",
            title="output_delta(z_m, h_m, Y)",
            points=2,
            cases=_output_cases,
            reference=lambda z, h, Y: half_squared_error.derivative(h, Y) * sigmoid.derivative(z),
            hint="lecture 5's output line for the cost 1/2 ||y - h_m||^2, elementwise, shape (n_m, N)",
            mistakes=[
                Mistake("no g'", "the factor s'(z_m) is missing: delta_m = l'(f) * s'(z_m)", lambda z, h, Y: h - Y),
                Mistake(
                    "s'(h)",
                    "you took the slope s' at the output h_m; it belongs at the pre-activation z_m "
                    "(h_m = s(z_m) is already the sigmoid's value)",
                    lambda z, h, Y: (h - Y) * sigmoid.derivative(h),
                ),
            ],
        ),
        Part(
            grade_id="ex05_hidden_delta",
            func="hidden_delta",
            title="hidden_delta(W_next, delta_next, z_i)",
            points=2,
            cases=_hidden_cases,
            reference=lambda W, d, z: (W.T @ d) * sigmoid.derivative(z),
            hint="lecture 5's line for a hidden layer: the next layer's delta sent back through its weights, "
            "times the slope at z_i; shape (n_i, N)",
            mistakes=[
                Mistake(
                    "no g'",
                    "the factor s'(z_i) is missing: delta_i = (W_{i+1}^T delta_{i+1}) * s'(z_i)",
                    lambda W, d, z: W.T @ d,
                ),
                Mistake(
                    "no T",
                    "you used W_{i+1} where its transpose W_{i+1}^T belongs: the error "
                    "flows backwards through the arcs",
                    lambda W, d, z: (W @ d) * sigmoid.derivative(z),
                ),
            ],
        ),
        Part(
            grade_id="ex05_weight_gradient",
            func="weight_gradient",
            title="weight_gradient(delta_i, h_prev)",
            points=2,
            cases=_weight_cases,
            reference=lambda d, h: d @ h.T / d.shape[1],
            hint="J is the mean over the N examples (columns): start from lecture 5's gradient of one "
            "example and average; shape (n_i, n_{i-1}) like W_i",
            mistakes=[
                Mistake("rows", _ROWS, lambda d, h: d @ h.T / d.shape[0]),
                Mistake("sum", _SUM, lambda d, h: d @ h.T),
            ],
        ),
        Part(
            grade_id="ex05_backward",
            func="backward",
            title="backward(W, X, Y)",
            points=4,
            cases=_backward_cases,
            reference=_backward,
            hint="forward, keeping every z_i and h_i; then delta_m, then delta_i for i = m-1..1 with your "
            "functions above; return {i: grad W_i J}",
            mistakes=[
                Mistake(
                    "no g'",
                    "the factor s'(z_i) is missing in the hidden layers' delta_i",
                    lambda W, X, Y: _recipe_without(W, X, Y, "gprime"),
                ),
                Mistake("sum", _SUM, lambda W, X, Y: _recipe_without(W, X, Y, "sum")),
            ],
        ),
        Part(
            grade_id="ex05_log_loss_delta",
            func="output_delta_log_loss",
            title="output_delta_log_loss(z_m, Y, beta)",
            points=3,
            cases=_log_loss_cases,
            reference=_weighted_log_loss_delta,
            hint="derive delta_m = d l / d z_m for l = -beta y log a - (1 - y) log(1 - a), a = s(z_m): "
            "the chain rule, then simplify; at beta = 1 it must reduce to lecture 5's result",
            mistakes=[
                Mistake(
                    name="no beta",
                    message="this is the unweighted log-loss's delta_m: the weight beta of the y = 1 term got "
                    "lost on the way; carry it through the derivative of that term",
                    output=lambda z, Y, b: _weighted_variant(z, Y, b, "no beta"),
                ),
                Mistake(
                    name="beta on the other term",
                    message="beta weights the wrong term: the loss puts beta on the y = 1 term, -beta y log a; "
                    "check your delta_m on an example with y = 0, where beta plays no part in the loss",
                    output=lambda z, Y, b: _weighted_variant(z, Y, b, "beta on the other term"),
                ),
                Mistake(
                    name="beta on both",
                    message="you scaled the whole delta_m by beta: beta weights only the y = 1 term of the "
                    "loss, so on an example with y = 0 delta_m cannot depend on beta",
                    output=lambda z, Y, b: _weighted_variant(z, Y, b, "beta on both"),
                ),
                Mistake(
                    name="kept s'",
                    message="you multiplied by s'(z_m) once more: after the chain rule l'(a) s'(z_m), the factor "
                    "s'(z_m) = a (1 - a) cancels against the denominators of l'(a), so nothing of s' is left",
                    output=lambda z, Y, b: _weighted_variant(z, Y, b, "kept s'"),
                ),
                Mistake(
                    name="l' alone",
                    message="this is dl/da alone: delta_m is the derivative with respect to z_m, so the chain "
                    "rule also takes the factor s'(z_m) (and then simplifies)",
                    output=lambda z, Y, b: _weighted_variant(z, Y, b, "l' alone"),
                ),
                Mistake(
                    name="z for a",
                    message="you used z_m where the output a = s(z_m) belongs",
                    output=lambda z, Y, b: _weighted_variant(z, Y, b, "z for a"),
                ),
            ],
        ),
    ],
    preamble=SIGMOID_PREAMBLE,
)
