r"""Exercise 06, back-propagation as a chain of blocks (lecture 6): sigmoid phi, Loss = (GT - P)^2.

Arrays keep the lectures' orientation: one example per column, x of shape (n_in, N).

| part | the student writes | reference |
|---|---|---|
| ex06_linear_forward | y = W x | ``Linear.forward`` |
| ex06_linear_backward | (dL/dx = W^T dL/dy, dL/dW = dL/dy x^T) (derived) | ``Linear.backward`` |
| ex06_sigmoid_backward | dL/dx = dL/dy * phi'(x), phi' = phi (1 - phi) | ``ActivationBlock.backward`` |
| ex06_chain_gradients | (dL/dW, dL/dw') of lecture 6's 3-4-1 network | ``Chain.backpropagate`` |
| ex06_skip_gradients | (dL/du, dL/dx), skip arcs u from x to O (derived) | ``Network.backpropagate``, differences |
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bpteach.activations import sigmoid
from bpteach.blocks import ActivationBlock, Chain, Linear, LossBlock
from bpteach.datasets import lecture004_network
from bpteach.grading.preambles import SIGMOID_PREAMBLE
from bpteach.grading.spec import Exercise, Mistake, Part
from bpteach.graph import Network

__all__ = ["EXERCISE"]

# (n_out, n_in, n): the middle case is square, so W instead of W^T runs without a shape error
_SHAPES = ((4, 3, 1), (3, 3, 2), (2, 5, 4))


def _forward_cases(rng: np.random.Generator) -> list[tuple]:
    return [(rng.normal(0.0, 1.0, (n_out, n_in)), rng.normal(0.0, 1.0, (n_in, n))) for n_out, n_in, n in _SHAPES]


def _backward_cases(rng: np.random.Generator) -> list[tuple]:
    return [(W, x, rng.normal(0.0, 0.5, (W.shape[0], x.shape[1]))) for W, x in _forward_cases(rng)]


def _sigmoid_cases(rng: np.random.Generator) -> list[tuple]:
    return [(rng.normal(0.0, 2.0, shape), rng.normal(0.0, 1.0, shape)) for shape in ((4, 1), (1, 1), (3, 5))]


def _chain_cases(rng: np.random.Generator) -> list[tuple]:
    """Lecture 6's own weights first, then random ones; always a fresh x (3, 1) and GT (1, 1)."""
    mlp = lecture004_network()
    weights = [(mlp.W[1].copy(), mlp.W[2].copy())]
    weights += [(rng.uniform(-1.0, 1.0, (4, 3)), rng.uniform(-1.0, 1.0, (1, 4))) for _ in range(2)]
    return [(W, w_prime, rng.normal(0.0, 1.0, (3, 1)), rng.uniform(0.0, 1.0, (1, 1))) for W, w_prime in weights]


def _linear_backward(W: np.ndarray, x: np.ndarray, dL_dy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    block = Linear(W)
    block.forward(x)
    dL_dx = block.backward(dL_dy)
    return dL_dx, block.dL_dW


def _sigmoid_backward(x: np.ndarray, dL_dy: np.ndarray) -> np.ndarray:
    block = ActivationBlock("sigmoid")
    block.forward(x)
    return block.backward(dL_dy)


def _chain_gradients(W: np.ndarray, w_prime: np.ndarray, x: np.ndarray, GT: np.ndarray) -> tuple:
    chain = Chain(
        [Linear(W), ActivationBlock("sigmoid"), Linear(w_prime), ActivationBlock("sigmoid")],
        loss=LossBlock("squared_error"),
    )
    grads = chain.backpropagate(x, GT).gradients()
    return grads["W1"], grads["W2"]


def _by_hand_with(W: np.ndarray, w_prime: np.ndarray, x: np.ndarray, GT: np.ndarray, slip: str) -> tuple:
    """Lecture 6's backward pass with one slip: "half", "sign", "output g'" or "hidden g'"."""
    z = W @ x
    y = sigmoid(z)
    O = w_prime @ y
    P = sigmoid(O)
    dL_dP = {"half": P - GT, "sign": 2.0 * (GT - P)}.get(slip, 2.0 * (P - GT))
    dL_dO = dL_dP if slip == "output g'" else dL_dP * sigmoid.derivative(O)
    dL_dy = w_prime.T @ dL_dO
    dL_dz = dL_dy if slip == "hidden g'" else dL_dy * sigmoid.derivative(z)
    return dL_dz @ x.T, dL_dO @ y.T


def _skip_cases(rng: np.random.Generator) -> list[tuple]:
    """(W (4, 3), w' (1, 4), u (1, 3), x (3, 1), GT (1, 1)), fresh each time."""
    return [
        (
            rng.uniform(-1.0, 1.0, (4, 3)),
            rng.uniform(-1.0, 1.0, (1, 4)),
            rng.uniform(-1.0, 1.0, (1, 3)),
            rng.normal(0.0, 1.0, (3, 1)),
            rng.uniform(0.0, 1.0, (1, 1)),
        )
        for _ in range(3)
    ]


def _skip_network(W: np.ndarray, w_prime: np.ndarray, u: np.ndarray) -> Network:
    """Inputs 1-3, hidden 4-7, output 8; the skip arcs (i, 8) carry u. Loss (GT - P)^2."""
    edges = {(i + 1, j + 4): float(W[j, i]) for j in range(4) for i in range(3)}
    edges |= {(j + 4, 8): float(w_prime[0, j]) for j in range(4)}
    edges |= {(i + 1, 8): float(u[0, i]) for i in range(3)}
    return Network(edges=edges, inputs=[1, 2, 3], outputs=[8], loss="squared_error")


def _skip_gradients(W: np.ndarray, w_prime: np.ndarray, u: np.ndarray, x: np.ndarray, GT: np.ndarray) -> tuple:
    net = _skip_network(W, w_prime, u)
    dL_du = np.array([[net.backpropagate(x[:, 0], GT[:, 0]).grad[(i + 1, 8)] for i in range(3)]])

    def loss(v: np.ndarray) -> float:
        return net.loss(v, GT[:, 0])

    # dL/dx has no arc of its own: Richardson-extrapolated central differences (error ~ h^4)
    def central(h: float) -> np.ndarray:
        out = np.zeros(3)
        for i in range(3):
            e = np.zeros(3)
            e[i] = h
            out[i] = (loss(x[:, 0] + e) - loss(x[:, 0] - e)) / (2 * h)
        return out

    return dL_du, ((4 * central(1e-3) - central(2e-3)) / 3).reshape(3, 1)


def _skip_with(W: np.ndarray, w_prime: np.ndarray, u: np.ndarray, x: np.ndarray, GT: np.ndarray, slip: str) -> tuple:
    """The skip network by hand with one slip: "no skip in x", "only skip", "no skip forward"."""
    z = W @ x
    y = sigmoid(z)
    O = w_prime @ y + (0.0 if slip == "no skip forward" else u @ x)
    P = sigmoid(O)
    dL_dO = 2.0 * (P - GT) * sigmoid.derivative(O)
    through_W = W.T @ ((w_prime.T @ dL_dO) * sigmoid.derivative(z))
    through_u = u.T @ dL_dO
    dL_dx = {"no skip in x": through_W, "only skip": through_u}.get(slip, through_W + through_u)
    return dL_dO @ x.T, dL_dx


def _slip(name: str) -> Callable[..., tuple]:
    return lambda W, w_prime, x, GT: _by_hand_with(W, w_prime, x, GT, name)


EXERCISE = Exercise(
    name="06_blocks",
    title="Back-propagation as a chain of blocks: lecture 6's 3-4-1 network",
    parts=[
        Part(
            grade_id="ex06_linear_forward",
            func="linear_forward",
            title="linear_forward(W, x)",
            points=1,
            cases=_forward_cases,
            reference=lambda W, x: Linear(W).forward(x),
            hint="return W @ x, shape (n_out, N)",
            mistakes=[
                Mistake(
                    "W^T",
                    "you multiplied by W^T: the forward rule is y = W x with W of shape (n_out, n_in)",
                    lambda W, x: W.T @ x,
                )
            ],
        ),
        Part(
            grade_id="ex06_linear_backward",
            func="linear_backward",
            title="linear_backward(W, x, dL_dy)",
            points=3,
            cases=_backward_cases,
            reference=_linear_backward,
            hint="write y[r] = sum_c W[r, c] x[c] and differentiate L entry by entry (chain rule), then "
            "write both results as matrix products: dL/dx has the shape of x, dL/dW the shape of W",
            mistakes=[
                Mistake(
                    "no T",
                    "you forgot to transpose W: x[c] reaches every y[r] through W[r, c], so dL/dx[c] sums "
                    "over r, down a column of W (the blame flows backwards through the block)",
                    lambda W, x, d: (W @ d, d @ x.T),
                ),
                Mistake(
                    "dW transposed",
                    "dL/dW is transposed: it has the shape of W, (n_out, n_in), entry [r, c] belonging "
                    "to W[r, c]; yours is (n_in, n_out)",
                    lambda W, x, d: (W.T @ d, x @ d.T),
                ),
                Mistake(
                    "mean",
                    "you divided dL/dW by the number of examples N: the 1/N of the mean is "
                    "already in dL/dy (the loss block's backward divides by N), so the block sums "
                    "over the columns",
                    lambda W, x, d: (W.T @ d, d @ x.T / x.shape[1]),
                ),
                Mistake(
                    "swapped",
                    "the two outputs are swapped: return (dL_dx, dL_dW) in this order",
                    lambda W, x, d: (d @ x.T, W.T @ d),
                ),
            ],
            n_outputs=2,
        ),
        Part(
            grade_id="ex06_sigmoid_backward",
            func="sigmoid_backward",
            title="sigmoid_backward(x, dL_dy)",
            points=2,
            cases=_sigmoid_cases,
            reference=_sigmoid_backward,
            hint="return dL_dy * phi(x) * (1 - phi(x)), elementwise",
            mistakes=[
                Mistake(
                    "no g'",
                    "the factor phi'(x) is missing: the block hands back dL/dx = dL/dy * phi'(x)",
                    lambda x, d: d,
                ),
                Mistake(
                    "phi not phi'",
                    "you multiplied by phi(x), the block's output y, instead of its "
                    "derivative phi'(x) = phi(x)(1 - phi(x))",
                    lambda x, d: d * sigmoid(x),
                ),
                Mistake(
                    "a(1-a) of x",
                    "you applied a(1 - a) to x itself: phi'(x) = phi(x)(1 - phi(x)) needs a = phi(x) first",
                    lambda x, d: d * x * (1.0 - x),
                ),
            ],
        ),
        Part(
            grade_id="ex06_chain_gradients",
            func="chain_gradients",
            title="chain_gradients(W, w_prime, x, GT)",
            points=4,
            cases=_chain_cases,
            reference=_chain_gradients,
            hint="forward: z = W x, y = phi(z), O = w' y, P = phi(O); backward from dL/dP = -2 (GT - P) "
            "through the four blocks in reverse; return (dL/dW, dL/dw')",
            mistakes=[
                Mistake(
                    "half",
                    "the factor 2 is missing: the derivative of Loss = (GT - P)^2 is "
                    "dL/dP = -2 (GT - P) (-(GT - P) is the derivative of 1/2 (GT - P)^2)",
                    _slip("half"),
                ),
                Mistake(
                    "sign", "wrong sign: dL/dP = -2 (GT - P) = 2 (P - GT), you started from 2 (GT - P)", _slip("sign")
                ),
                Mistake(
                    "output g'",
                    "the factor phi'(O) is missing: the sigmoid block O -> P hands back dL/dO = dL/dP * phi'(O)",
                    _slip("output g'"),
                ),
                Mistake(
                    "hidden g'",
                    "the factor phi'(z) is missing: the sigmoid block z -> y hands back "
                    "dL/dz = dL/dy * phi'(z), elementwise",
                    _slip("hidden g'"),
                ),
            ],
            n_outputs=2,
        ),
        Part(
            grade_id="ex06_skip_gradients",
            func="skip_gradients",
            title="skip_gradients(W, w_prime, u, x, GT)",
            points=4,
            cases=_skip_cases,
            reference=_skip_gradients,
            hint="O = w' y + u x now; derive dL/du and dL/dx by the chain rule: x feeds two blocks",
            mistakes=[
                Mistake(
                    name="no skip in x",
                    message="dL/dx misses the skip path: x feeds two blocks (W and the skip arcs u), and its "
                    "gradient is the sum of what both hand back",
                    output=lambda W, w, u, x, GT: _skip_with(W, w, u, x, GT, "no skip in x"),
                ),
                Mistake(
                    name="only skip",
                    message="dL/dx holds only the skip path: x also feeds the block W, and what that path "
                    "(through W, y and w') hands back is missing from the sum",
                    output=lambda W, w, u, x, GT: _skip_with(W, w, u, x, GT, "only skip"),
                ),
                Mistake(
                    name="no skip forward",
                    message="your forward pass leaves out the skip arcs: O = w' y + u x",
                    output=lambda W, w, u, x, GT: _skip_with(W, w, u, x, GT, "no skip forward"),
                ),
            ],
            n_outputs=2,
        ),
    ],
    preamble=SIGMOID_PREAMBLE,
)
