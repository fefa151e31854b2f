r"""Exercise 08, training: one update step with weight decay and with momentum, XOR, the mini-batch
gradient, and how far momentum carries a step.

The notebook gives the regularised cost J + lambda sum w^2 and Rumelhart's velocity rule without
the decay; the student derives the updates (eta is ``lr``, mu ``momentum``, lambda ``weight_decay``).

| part | the student derives and writes | reference |
|---|---|---|
| ex08_sgd_step | w - eta dJ/dw - 2 eta lambda w (the gradient of lambda sum w^2 is 2 lambda w) | numpy |
| ex08_momentum_step | v = mu v - eta (dJ/dw + 2 lambda w); w + v (Rumelhart's eq. 9, regularised) | as ``bp.train`` |
| ex08_train_xor | weights (W1, b1, W2, b2) of a 2-h-1 sigmoid MLP with loss below 0.02 on (X, Y) | ``MLP.loss`` |
| ex08_minibatch_gradient | dJ_B/dW of a sigmoid layer, mean over a batch B (lecture 5) | ``MLP.backpropagate`` |
| ex08_momentum_kth_step | the k-th step under a constant gradient g: -eta g (1 - mu^k) / (1 - mu) (derived) | a loop |

Training is judged on fresh data only a real training fits: XOR's four corners moved, stretched
and mirrored at random, the labels sometimes flipped, the columns shuffled. Hard-coded weights
fit none of them; a library trainer is not in the sandbox.
"""

from __future__ import annotations

import numpy as np

from bpteach.activations import sigmoid
from bpteach.grading.spec import Exercise, Mistake, Part
from bpteach.matrix import MLP

__all__ = ["EXERCISE", "XOR_LOSS"]

XOR_LOSS = 0.02  # J = mean over the 4 examples of 1/2 (y - f)^2


def _step_cases(rng: np.random.Generator) -> list[tuple]:
    return [
        (
            rng.normal(0.0, 1.0, shape),
            rng.normal(0.0, 1.0, shape),
            float(rng.uniform(0.01, 0.5)),
            float(rng.uniform(0.001, 0.1)),
        )
        for shape in ((3,), (2, 3), (1,))
    ]


def _momentum_cases(rng: np.random.Generator) -> list[tuple]:
    return [
        (w, g, rng.normal(0.0, 0.1, w.shape), lr, float(rng.uniform(0.5, 0.95)), lam)
        for w, g, lr, lam in _step_cases(rng)
    ]


def _momentum(w: np.ndarray, g: np.ndarray, v: np.ndarray, lr: float, mu: float, lam: float) -> tuple:
    v_new = mu * v - lr * (g + 2.0 * lam * w)
    return w + v_new, v_new


def _xor_cases(rng: np.random.Generator) -> list[tuple]:
    corners = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
    cases = []
    for _ in range(2):
        scale = rng.uniform(0.6, 1.6, (2, 1)) * rng.choice([-1.0, 1.0], (2, 1))
        X = scale * corners + rng.uniform(-1.0, 1.0, (2, 1))
        Y = (corners[0] != corners[1]).astype(float)[None, :]
        if rng.random() < 0.5:
            Y = 1.0 - Y
        order = rng.permutation(4)
        cases.append((X[:, order], Y[:, order], int(rng.integers(0, 10**6))))
    return cases


def _minibatch_cases(rng: np.random.Generator) -> list[tuple]:
    """(W (n_out, n_in), X (n_in, n), Y (n_out, n), batch: distinct column indices, fewer than n)."""
    cases = []
    # batches of 3 or more: with |B| = 2 the sum over the batch is twice the mean, and a factor-2
    # mistake (lecture 4's (y - a)^2) could not be told from a missing 1/|B|
    for n_out, n_in, n, size in ((1, 2, 8, 3), (2, 3, 10, 4), (3, 2, 9, 5)):
        batch = rng.choice(n, size=size, replace=False)
        cases.append(
            (
                rng.normal(0.0, 1.0, (n_out, n_in)),
                rng.normal(0.0, 1.0, (n_in, n)),
                rng.uniform(0.0, 1.0, (n_out, n)),
                batch,
            )
        )
    return cases


def _minibatch_gradient(W: np.ndarray, X: np.ndarray, Y: np.ndarray, batch: np.ndarray) -> np.ndarray:
    layer = MLP([W.shape[1], W.shape[0]], loss="half_squared_error", bias=False, W={1: W})
    return layer.backpropagate(X[:, batch], Y[:, batch]).grad_W[1]


def _batch_sum(W: np.ndarray, X: np.ndarray, Y: np.ndarray, batch: np.ndarray) -> np.ndarray:
    """sum over the batch of (a - y) * s'(z) x^T: the gradient before the 1/|B|."""
    z = W @ X[:, batch]
    return ((sigmoid(z) - Y[:, batch]) * sigmoid.derivative(z)) @ X[:, batch].T


def _all_columns(W: np.ndarray, X: np.ndarray, Y: np.ndarray, batch: np.ndarray) -> np.ndarray:
    return _minibatch_gradient(W, X, Y, np.arange(X.shape[1]))


def _kth_step_cases(rng: np.random.Generator) -> list[tuple]:
    """(grad, lr, momentum, k): mu^k far from 0 in most cases, so the limit is not the answer."""
    return [
        (rng.normal(0.0, 1.0, shape), float(rng.uniform(0.05, 1.0)), float(mu), int(k))
        for shape, mu, k in (((3,), rng.uniform(0.6, 0.95), rng.integers(2, 12)), ((2, 2), 0.9, 1), ((1,), 0.0, 5))
    ] + [(rng.normal(0.0, 1.0, (2,)), float(rng.uniform(0.05, 1.0)), float(rng.uniform(0.5, 0.9)), 7)]


def _kth_step(g: np.ndarray, lr: float, mu: float, k: int) -> np.ndarray:
    """Rumelhart's rule run k times from Delta w(0) = 0 with the same gradient (no closed form here)."""
    step = np.zeros_like(g)
    for _ in range(k):
        step = -lr * g + mu * step
    return step


def _kth_step_shifted(g: np.ndarray, lr: float, mu: float, k: int) -> np.ndarray:
    return -lr * g * (1.0 - mu**k) / (1.0 - mu)  # the closed form, for the off-by-one mistakes


def _accept_xor(got: list[np.ndarray], args: tuple) -> str | None:
    X, Y, _ = args
    W1, b1, W2, b2 = got
    h = W1.shape[0] if W1.ndim == 2 else -1
    want = {"W1": (h, 2), "b1": (h,), "W2": (1, h), "b2": (1,)}
    for name, arr in zip(want, got, strict=True):
        if arr.shape != want[name] or not 1 <= h <= 64:
            return (
                f"{name} has shape {arr.shape}: return (W1, b1, W2, b2) with shapes (h, 2), (h,), "
                f"(1, h), (1,) for h hidden neurons (1 <= h <= 64)"
            )
    if not all(np.all(np.isfinite(a)) for a in got):
        return "the weights hold NaN or infinity: the training diverged (try a smaller learning rate)"
    loss = MLP([2, h, 1], loss="half_squared_error", W={1: W1, 2: W2}, b={1: b1, 2: b2}).loss(X, Y)
    if loss >= XOR_LOSS:
        return (
            f"the trained network's loss on these four examples is {loss:.4f}, not below {XOR_LOSS}: train longer, "
            "use more hidden neurons, a larger learning rate or momentum, or another seed"
        )
    return None


EXERCISE = Exercise(
    name="08_training",
    title="Training: momentum, weight decay, and XOR",
    parts=[
        Part(
            grade_id="ex08_sgd_step",
            func="sgd_step",
            title="sgd_step(w, grad, lr, weight_decay)",
            points=2,
            cases=_step_cases,
            reference=lambda w, g, lr, lam: w - lr * g - 2.0 * lr * lam * w,
            hint="differentiate weight_decay * sum(w**2) first; return a new array and leave w unchanged",
            mistakes=[
                Mistake(
                    "no decay",
                    "this is a step on J alone: the cost also holds lambda sum w^2, whose gradient "
                    "2 lambda w belongs in the step too",
                    lambda w, g, lr, lam: w - lr * g,
                ),
                Mistake(
                    "lambda without 2",
                    "the weight decay term is 2 eta lambda w: the derivative of lambda w^2 is 2 lambda w",
                    lambda w, g, lr, lam: w - lr * g - lr * lam * w,
                ),
                Mistake(
                    "decay without eta",
                    "the decay term is part of the gradient, so the step size scales it too: 2 eta lambda w, "
                    "not 2 lambda w",
                    lambda w, g, lr, lam: w - lr * g - 2.0 * lam * w,
                ),
                Mistake(
                    "ascent",
                    "you stepped up the gradient: descent subtracts eta dJ/dw",
                    lambda w, g, lr, lam: w + lr * g - 2.0 * lr * lam * w,
                ),
            ],
        ),
        Part(
            grade_id="ex08_momentum_step",
            func="momentum_step",
            title="momentum_step(w, grad, velocity, lr, momentum, weight_decay)",
            points=3,
            cases=_momentum_cases,
            reference=_momentum,
            hint="the new velocity first, then the weights; return a pair of new arrays",
            mistakes=[
                Mistake(
                    "old velocity",
                    "you moved w by the old velocity: compute the new Delta w(t) = "
                    "-eta (dJ/dw + 2 lambda w) + mu Delta w(t-1) first, then w + Delta w(t)",
                    lambda w, g, v, lr, mu, lam: (w + v, _momentum(w, g, v, lr, mu, lam)[1]),
                ),
                Mistake(
                    "no decay",
                    "weight decay is missing: the gradient of the regularised cost is dJ/dw + 2 lambda w",
                    lambda w, g, v, lr, mu, lam: _momentum(w, g, v, lr, mu, 0.0),
                ),
                Mistake(
                    "decay outside the velocity",
                    "you took the decay out of the velocity: Rumelhart's rule uses the gradient of the whole cost, "
                    "the regularised one of part 1, so the decay term belongs inside Delta w(t), where momentum "
                    "carries it on to the next steps",
                    lambda w, g, v, lr, mu, lam: (
                        w + _momentum(w, g, v, lr, mu, 0.0)[1] - 2.0 * lr * lam * w,
                        _momentum(w, g, v, lr, mu, 0.0)[1],
                    ),
                ),
            ],
            n_outputs=2,
        ),
        Part(
            grade_id="ex08_train_xor",
            func="train_xor",
            title="train_xor(X, Y, seed)",
            points=3,
            cases=_xor_cases,
            reference=None,
            hint="train a 2-h-1 sigmoid network on (X, Y) with numpy and your momentum_step; restart if stuck",
            n_outputs=4,
            accept=_accept_xor,
        ),
        Part(
            grade_id="ex08_minibatch_gradient",
            func="minibatch_gradient",
            title="minibatch_gradient(W, X, Y, batch)",
            points=3,
            cases=_minibatch_cases,
            reference=_minibatch_gradient,
            hint="derive dJ_B/dW for J_B = 1/|B| sum_{e in B} 1/2 ||y_e - s(W x_e)||^2 using only the columns in batch",
            mistakes=[
                Mistake(
                    name="sum",
                    message="this is the sum over the batch: J_B is a mean, so divide by |B|, the batch's size",
                    output=_batch_sum,
                ),
                Mistake(
                    name="divided by n",
                    message="you divided by n, the number of all examples: the mini-batch mean divides by |B|, "
                    "the number of examples in the batch",
                    output=lambda W, X, Y, b: _batch_sum(W, X, Y, b) / X.shape[1],
                ),
                Mistake(
                    name="all columns",
                    message="you used every column of X: the mini-batch gradient uses only the columns in batch",
                    output=_all_columns,
                ),
                Mistake(
                    name="no g'",
                    message="the factor s'(z) is missing: a = s(W x), so dJ/dz = (a - y) * s'(z)",
                    output=lambda W, X, Y, b: ((sigmoid(W @ X[:, b]) - Y[:, b]) @ X[:, b].T) / len(b),
                ),
            ],
        ),
        Part(
            grade_id="ex08_momentum_kth_step",
            func="momentum_kth_step",
            title="momentum_kth_step(grad, lr, momentum, k)",
            points=2,
            cases=_kth_step_cases,
            reference=_kth_step,
            hint="write out the first three steps, then sum the geometric series",
            mistakes=[
                Mistake(
                    name="limit",
                    message="this is the limit -eta g / (1 - mu) for large k, not the k-th step: "
                    "step k adds up only k terms",
                    output=lambda g, lr, mu, k: -lr * g / (1.0 - mu),
                ),
                Mistake(
                    name="one term too many",
                    message="one term too many: this is step k + 1 (step 1 is -eta g alone)",
                    output=lambda g, lr, mu, k: _kth_step_shifted(g, lr, mu, k + 1),
                ),
                Mistake(
                    name="one term too few",
                    message="one term too few: this is step k - 1 (step 1 is -eta g, not 0)",
                    output=lambda g, lr, mu, k: _kth_step_shifted(g, lr, mu, k - 1),
                ),
                Mistake(
                    name="no 1/(1 - mu)",
                    # names where the sum goes wrong, not its closed form (part 5 is derived by the student)
                    message="your steps are too small by a factor that depends on mu alone: evaluate your "
                    "expression for 1 + mu + ... + mu^(k-1) at k = 2 and compare it with 1 + mu",
                    output=lambda g, lr, mu, k: -lr * g * (1.0 - mu**k),
                ),
                Mistake(
                    name="only the last term",
                    message="this is only the oldest gradient's share, -eta g mu^(k-1): step k adds all k shares",
                    output=lambda g, lr, mu, k: -lr * g * mu ** (k - 1),
                ),
            ],
        ),
    ],
)
