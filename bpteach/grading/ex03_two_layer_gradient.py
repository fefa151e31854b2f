r"""Exercise 03, lecture 3's two-layer gradient by hand (the source's lecture 000).

p(y = 1 | x) = sigma(w_21^T h), h = [sigma(w_11^T x), sigma(w_12^T x)]^T, labels y in {-1, +1},
ll(W) = sum_i log p(y_i | x_i) = sum_i log sigma(y_i w_21^T h_i), maximised.

| part | the student writes | reference |
|---|---|---|
| ex03_hidden | H = [h_1 ... h_n], shape (2, n) | ``MLP.backpropagate`` (h[1]) |
| ex03_log_likelihood | ll(W) | minus the log_loss summed over the examples |
| ex03_grad_w21 | sum_i (I(y_i = 1) - sigma(w_21^T h_i)) h_i | minus ``grad_W[2]`` (J = -ll) |
| ex03_grad_w12 | sum_i (I(y_i = 1) - sigma(w_21^T h_i)) w_21[2] sigma'(w_12^T x_i) x_i (analogy) | -``grad_W[1][1]`` |
| ex03_grad_w11_tanh | the same with tanh hidden units, derived by the student | minus ``grad_W[1][0]`` (tanh) |

Arguments: w11, w12 of shape (d,), w21 of shape (2,), X of shape (d, n) (examples as columns), y (n,).
"""

from __future__ import annotations

import numpy as np

from bpteach.activations import sigmoid
from bpteach.grading.preambles import SIGMOID_PREAMBLE
from bpteach.grading.spec import Exercise, Mistake, Part
from bpteach.matrix import MLP, MatrixRecord

__all__ = ["EXERCISE"]


def _cases(rng: np.random.Generator) -> list[tuple]:
    cases = []
    for d, n in ((2, 1), (2, 4), (3, 6)):
        w11, w12 = rng.normal(0.0, 1.0, d), rng.normal(0.0, 1.0, d)
        w21 = rng.normal(0.0, 1.5, 2)
        X = rng.normal(0.0, 1.0, (d, n))
        y = rng.choice([-1.0, 1.0], n)
        y[0] = 1.0 if n == 1 else y[0]
        cases.append((w11, w12, w21, X, y))
    return cases


def _record(w11: np.ndarray, w12: np.ndarray, w21: np.ndarray, X: np.ndarray, y: np.ndarray) -> MatrixRecord:
    mlp = MLP([X.shape[0], 2, 1], loss="log_loss", bias=False, W={1: np.stack([w11, w12]), 2: w21.reshape(1, 2)})
    return mlp.backpropagate(X, y.reshape(1, -1), reduction="sum")


def _raw(
    w11: np.ndarray, w12: np.ndarray, w21: np.ndarray, X: np.ndarray, y: np.ndarray, labels: str = "indicator"
) -> tuple[np.ndarray, np.ndarray]:
    H = sigmoid(np.stack([w11, w12]) @ X)
    target = (y == 1).astype(float) if labels == "indicator" else y
    return target - sigmoid(w21 @ H), H


def _grad_hidden_variant(
    w11: np.ndarray,
    w12: np.ndarray,
    w21: np.ndarray,
    X: np.ndarray,
    y: np.ndarray,
    unit: int = 0,
    k: int | None = None,
    gprime: bool = True,
    labels: str = "indicator",
) -> np.ndarray:
    """The gradient for hidden unit ``unit``'s weights (0: w11, 1: w12), or a usual wrong form of it:
    the raw error carried back through w21[k] (k = unit when right) and sigma'(w_1,unit^T x_i)."""
    raw, _ = _raw(w11, w12, w21, X, y, labels)
    w = (w11, w12)[unit]
    blame = w21[unit if k is None else k] * (sigmoid.derivative(w @ X) if gprime else 1.0)
    return X @ (raw * blame)


def _grad_w12_mixed(w11: np.ndarray, w12: np.ndarray, w21: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The right output weight w21[2], but the blame through unit 1's sigmoid sigma'(w11^T x_i)."""
    raw, _ = _raw(w11, w12, w21, X, y)
    return X @ (raw * w21[1] * sigmoid.derivative(w11 @ X))


_LABELS = (
    "the raw error uses I(y_i = 1), which is 0 or 1; the labels y_i are -1 or +1, "
    "so y_i - sigma(...) is wrong for every y_i = -1"
)


def _tanh_record(w11: np.ndarray, w12: np.ndarray, w21: np.ndarray, X: np.ndarray, y: np.ndarray) -> MatrixRecord:
    W = {1: np.stack([w11, w12]), 2: w21.reshape(1, 2)}
    mlp = MLP([X.shape[0], 2, 1], activation="tanh", output_activation="sigmoid", loss="log_loss", bias=False, W=W)
    return mlp.backpropagate(X, y.reshape(1, -1), reduction="sum")


def _grad_w11_tanh_variant(
    w11: np.ndarray, w12: np.ndarray, w21: np.ndarray, X: np.ndarray, y: np.ndarray, blame: str
) -> np.ndarray:
    """The tanh network's gradient with a usual wrong factor in place of tanh'(w11^T x_i)."""
    H = np.tanh(np.stack([w11, w12]) @ X)
    raw = (y == 1).astype(float) - sigmoid(w21 @ H)
    h1 = H[0]
    factor = {"sigmoid's": h1 * (1.0 - h1), "no square": 1.0 - h1, "none": np.ones_like(h1)}[blame]
    return X @ (raw * w21[0] * factor)


EXERCISE = Exercise(
    name="03_two_layer_gradient",
    title="Lecture 3's two-layer gradient by hand",
    parts=[
        Part(
            grade_id="ex03_hidden",
            func="hidden",
            title="hidden(w11, w12, X)",
            points=1,
            cases=lambda rng: [c[:2] + c[3:4] for c in _cases(rng)],
            reference=lambda w11, w12, X: sigmoid(np.stack([w11, w12]) @ X),
            hint="stack the rows sigma(w11^T X) and sigma(w12^T X) into shape (2, n)",
            mistakes=[
                Mistake(
                    "no sigma",
                    "these are the total inputs w^T x: the hidden units output h = sigma(w^T x)",
                    lambda w11, w12, X: np.stack([w11, w12]) @ X,
                )
            ],
        ),
        Part(
            grade_id="ex03_log_likelihood",
            func="log_likelihood",
            title="log_likelihood(w11, w12, w21, X, y)",
            points=2,
            cases=_cases,
            reference=lambda *a: -_record(*a).loss,
            hint="sum over the examples of log sigma(y_i w21^T h_i) (np.logaddexp(0, -t) is -log sigma(t))",
            mistakes=[
                Mistake(
                    "labels ignored",
                    "this is sum_i log sigma(w21^T h_i), as if every y_i were +1: "
                    "for y_i = -1, p(y_i | x_i) = 1 - sigma(w21^T h_i) = sigma(-w21^T h_i)",
                    lambda w11, w12, w21, X, y: np.sum(np.log(sigmoid(w21 @ _raw(w11, w12, w21, X, y)[1]))),
                )
            ],
        ),
        Part(
            grade_id="ex03_grad_w21",
            func="grad_w21",
            title="grad_w21(w11, w12, w21, X, y)",
            points=3,
            cases=_cases,
            reference=lambda *a: -_record(*a).grad_W[2][0],
            hint="sum over i of (I(y_i = 1) - sigma(w21^T h_i)) h_i, shape (2,)",
            mistakes=[Mistake("labels", _LABELS, lambda *a: (lambda r, H: H @ r)(*_raw(*a, labels="y")))],
        ),
        Part(
            grade_id="ex03_grad_w12",
            func="grad_w12",
            title="grad_w12(w11, w12, w21, X, y)",
            points=3,
            cases=_cases,
            reference=lambda *a: -_record(*a).grad_W[1][1],
            hint="repeat the lecture's derivation of the gradient for w11 with hidden unit 2 in place of unit 1: "
            "raw error x blame",
            mistakes=[
                Mistake(
                    "w11's gradient",
                    "this is the gradient for w11, the lecture's formula unchanged: w12 feeds hidden unit 2, so "
                    "every factor of the blame must belong to unit 2",
                    lambda *a: _grad_hidden_variant(*a, unit=0),
                ),
                Mistake(
                    "index",
                    "you carried the raw error back through the first entry of w21, the weight from hidden unit 1 "
                    "to the output: unit 2's outgoing weight is the lecture's w21[2] (counting from 1), w21[1] in "
                    "Python",
                    lambda *a: _grad_hidden_variant(*a, unit=1, k=0),
                ),
                Mistake(
                    "unit 1's sigmoid",
                    "the blame passes through unit 1's sigmoid, sigma'(w11^T x_i): w12 changes h_2, so the "
                    "derivative belongs to h_2's own sigmoid",
                    _grad_w12_mixed,
                ),
                Mistake(
                    "no g'",
                    "a sigmoid derivative is missing from the blame: the raw error passes back through hidden "
                    "unit 2's sigmoid before it reaches w12",
                    lambda *a: _grad_hidden_variant(*a, unit=1, gprime=False),
                ),
                Mistake("labels", _LABELS, lambda *a: _grad_hidden_variant(*a, unit=1, labels="y")),
            ],
        ),
        Part(
            grade_id="ex03_grad_w11_tanh",
            func="grad_w11_tanh",
            title="grad_w11_tanh(w11, w12, w21, X, y)",
            points=3,
            cases=_cases,
            reference=lambda *a: -_tanh_record(*a).grad_W[1][0],
            hint="follow the lecture's derivation for w11 link by link; only the hidden unit's function changed, "
            "so find which factor changes and derive its new form",
            mistakes=[
                Mistake(
                    "sigmoid's derivative",
                    "the blame uses h_1 (1 - h_1), the sigmoid's derivative: with h_1 = tanh(w11^T x_i) the "
                    "factor is tanh'(w11^T x_i), which has a different form (derive it from tanh's definition)",
                    lambda *a: _grad_w11_tanh_variant(*a, blame="sigmoid's"),
                ),
                Mistake(
                    "no square",
                    "the blame uses 1 - h_1 for tanh'(w11^T x_i): close, but check it against the derivative of "
                    "tanh you derived in exercise 02 (or differentiate tanh's definition again)",
                    lambda *a: _grad_w11_tanh_variant(*a, blame="no square"),
                ),
                Mistake(
                    "no g'",
                    "the hidden unit's derivative tanh'(w11^T x_i) is missing from the blame",
                    lambda *a: _grad_w11_tanh_variant(*a, blame="none"),
                ),
                Mistake(
                    "sigmoid hidden units",
                    "this is the lecture's gradient for w11, with sigmoid hidden units: here h_k = tanh(w_1k^T x), "
                    "both in the forward pass (h) and in the blame",
                    lambda *a: _grad_hidden_variant(*a, unit=0),
                ),
            ],
        ),
    ],
    preamble=SIGMOID_PREAMBLE,
)
