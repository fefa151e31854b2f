r"""Matrix-form back-propagation for a layered network (lecture 000's recipe; lecture 003).

| lecture 000 | meaning | code |
|---|---|---|
| W_i, shape (n_i, n_{i-1}), i = 1..m | weights of layer i | ``mlp.W[i]`` (``mlp.b[i]``, shape (n_i,)) |
| h_0 = x; z_i = W_i h_{i-1}; h_i = s(z_i) | forward pass | ``record.z[i]``, ``record.h[i]`` |
| f(x, W) = h_m; J(W) = l(f(x, W)) | output and loss | ``record.h[m]``, ``record.loss`` |
| delta_m = l'(f) * s'(z_m) | output error signal | ``record.delta[m]`` |
| delta_i = (W_{i+1}^T delta_{i+1}) ⊙ s'(z_i) | error signal of layer i | ``record.delta[i]`` |
| grad_{W_i} J = delta_i h_{i-1}^T | gradient of layer i | ``record.grad_W[i]`` (``record.grad_b[i]``) |

Examples are columns: X has shape (n_0, n_examples), so h_i has shape (n_i, n_examples) and the
recipe runs on the whole batch at once; the batch gradient is the mean over the examples
(``reduction="sum"`` accumulates it, as Rumelhart et al. do). Lecture 003 writes the same algebra
with examples as rows (X W, dC/dW^2 = (a^1)^T delta^2): the transpose of this form.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from bpteach._checks import as_float_array, check_finite, flag, layer_ids, reduction_of
from bpteach.activations import Activation, derivative_from_value, get_activation
from bpteach.init import draw_weights, rng_from
from bpteach.losses import Loss, get_loss

__all__ = ["MLP", "MatrixRecord"]


@dataclass
class MatrixRecord:
    """What the matrix recipe computed, every list indexed by layer as in the lectures.

    ``h[0]`` is X; ``z[i]``, ``h[i]``, ``delta[i]`` have shape (n_i, n_examples) for i = 1..m
    (``z[0]`` and ``delta[0]`` are None); ``grad_W[i]`` has the shape of W_i.
    """

    z: list[np.ndarray | None]
    h: list[np.ndarray]
    delta: list[np.ndarray | None]
    grad_W: list[np.ndarray | None]
    grad_b: list[np.ndarray | None]
    loss: float
    mlp: MLP = field(repr=False)

    def gradients(self) -> dict[str, np.ndarray]:
        """The gradient as arrays aligned with ``mlp.parameters()``."""
        out: dict[str, np.ndarray] = {}
        for i in range(1, len(self.h)):
            out[f"W{i}"] = self.grad_W[i]  # type: ignore[assignment]
            if self.mlp.bias:
                out[f"b{i}"] = self.grad_b[i]  # type: ignore[assignment]
        return out


class _LayerDict(dict):
    """{i: array} for layers 1..m, with an error that names the valid layer numbers."""

    def __missing__(self, key: object) -> np.ndarray:
        msg = f"there is no layer {key!r}: layers are numbered 1..{len(self)} as in the lectures"
        raise KeyError(msg)


class MLP:
    """A fully connected layered network in matrix form: h_i = s(W_i h_{i-1}) (lecture 000).

    ``MLP([2, 3, 1])`` has W[1] of shape (3, 2) and W[2] of shape (1, 3). ``activation`` is s for
    the hidden layers, ``output_activation`` for layer m (None: the same). Weights are drawn by
    ``init`` ("normal": N(0, scale^2 / m_l), lecture 001; "uniform", "xavier", "he") from ``seed``,
    or given as ``W={1: ..., 2: ...}`` (and ``b``).
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str | Activation = "sigmoid",
        output_activation: str | Activation | None = None,
        loss: str | Loss = "half_squared_error",
        bias: bool = True,
        seed: int | np.random.Generator | None = 0,
        init: str = "normal",
        scale: float | None = None,
        W: dict[int, object] | Sequence[object] | None = None,
        b: dict[int, object] | Sequence[object] | None = None,
    ) -> None:
        layer_ids(sizes)  # validates sizes
        self.sizes = [int(s) for s in sizes]
        self.m = len(self.sizes) - 1
        self.g = get_activation(activation, "activation")
        self.g_out = self.g if output_activation is None else get_activation(output_activation, "output_activation")
        self.loss_fn = get_loss(loss, "loss")
        self.bias = flag(bias, "bias")
        rng = rng_from(seed)
        self.W = _LayerDict()
        self.b = _LayerDict()
        given_W = self._layers(W, "W")
        given_b = self._layers(b, "b")
        if given_b and not self.bias:
            msg = "b was given but bias=False: pass bias=True to use biases"
            raise ValueError(msg)
        for i in range(1, self.m + 1):
            shape = (self.sizes[i], self.sizes[i - 1])
            if given_W is None:
                self.W[i] = draw_weights(shape, init, scale, rng)
            else:
                self.W[i] = self._checked(given_W.get(i), f"W[{i}]", shape)
            if self.bias:
                self.b[i] = np.zeros(shape[0]) if not given_b else self._checked(given_b.get(i), f"b[{i}]", (shape[0],))

    def _layers(self, value: object, name: str) -> dict[int, object] | None:
        if value is None:
            return None
        if isinstance(value, dict):
            layers = dict(value)
        elif isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
            layers = {i + 1: v for i, v in enumerate(value)}
        else:
            msg = f"{name} must be a dict {{layer i: array}} with i = 1..{self.m}, got {type(value).__name__}"
            raise TypeError(msg)
        if set(layers) != set(range(1, self.m + 1)):
            got = sorted(layers, key=repr)
            msg = f"{name} must give layers 1..{self.m} (layers count from 1), got layers {got}"
            raise ValueError(msg)
        return layers

    @staticmethod
    def _checked(value: object, name: str, shape: tuple[int, ...]) -> np.ndarray:
        arr = as_float_array(value, name)
        if arr.shape != shape:
            msg = f"{name} has shape {arr.shape} but this layer needs shape {shape}"
            if len(shape) == 2 and arr.shape == shape[::-1]:
                msg += " (it looks transposed: W_i maps n_{i-1} inputs to n_i outputs)"
            raise ValueError(msg)
        check_finite(arr, name)
        return arr.copy()

    # ----------------------------------------------------------------- parameters
    def parameters(self) -> dict[str, np.ndarray]:
        """The trainable arrays (updated in place by training): W1, b1, W2, b2, ..."""
        out: dict[str, np.ndarray] = {}
        for i in range(1, self.m + 1):
            out[f"W{i}"] = self.W[i]
            if self.bias:
                out[f"b{i}"] = self.b[i]
        return out

    def parameter_layers(self) -> dict[str, np.ndarray]:
        """For each parameter array, its layer number i (broadcast to the array's shape)."""
        return {k: np.full(v.shape, int(k[1:])) for k, v in self.parameters().items()}

    def copy(self) -> MLP:
        """An independent copy."""
        return MLP(
            self.sizes,
            self.g,
            self.g_out,
            self.loss_fn,
            self.bias,
            W=dict(self.W),
            b=dict(self.b) if self.bias else None,
        )

    def __repr__(self) -> str:
        return (
            f"MLP(sizes={self.sizes}, activation={self.g.name!r}, "
            f"output_activation={self.g_out.name!r}, loss={self.loss_fn.name!r}, bias={self.bias})"
        )

    # ----------------------------------------------------------------- the recipe
    def _examples(self, X: object, Y: object, *, targets: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
        n0, nm = self.sizes[0], self.sizes[-1]
        X_ = as_float_array(X, "X")
        if X_.ndim == 1 and X_.shape == (n0,):
            X_ = X_.reshape(n0, 1)
        if X_.ndim != 2 or X_.shape[0] != n0:
            hint = ""
            if X_.ndim == 2 and X_.shape[1] == n0:
                hint = " (examples are columns here; the row form X W of lecture 5 is the transpose: pass X.T)"
            msg = (
                f"X has shape {X_.shape} but the network has {n0} input neurons: "
                f"pass X with shape ({n0}, n_examples){hint}"
            )
            raise ValueError(msg)
        check_finite(X_, "X")
        n = X_.shape[1]
        if n < 1:
            msg = f"X must hold at least one example (column), got shape {X_.shape}"
            raise ValueError(msg)
        if not targets:
            return X_, None
        Y_ = as_float_array(Y, "Y")
        if Y_.ndim <= 1 and Y_.size == nm * n:
            Y_ = Y_.reshape(nm, n) if nm == 1 or n == 1 else Y_
        if Y_.shape != (nm, n):
            msg = (
                f"Y has shape {Y_.shape} but the network has {nm} output neurons and X holds "
                f"{n} example(s): pass Y with shape ({nm}, {n})"
            )
            raise ValueError(msg)
        check_finite(Y_, "Y")
        self.loss_fn.check_targets(Y_)
        return X_, Y_

    def _forward(self, X: np.ndarray) -> tuple[list, list]:
        z: list[np.ndarray | None] = [None]
        h: list[np.ndarray] = [X]
        for i in range(1, self.m + 1):
            zi = self.W[i] @ h[i - 1]
            if self.bias:
                zi = zi + self.b[i][:, None]
            z.append(zi)
            h.append((self.g_out if i == self.m else self.g)(zi))
        return z, h

    def predict(self, X: object) -> np.ndarray:
        """f(x, W) = h_m, shape (n_m, n_examples)."""
        X_, _ = self._examples(X, None, targets=False)
        return self._forward(X_)[1][-1]

    def loss(self, X: object, Y: object, reduction: str = "mean") -> float:
        """J: the loss summed over the outputs, averaged (or summed) over the examples."""
        return self._loss(*self._examples(X, Y), reduction_of(reduction))

    def backpropagate(self, X: object, Y: object, reduction: str = "mean") -> MatrixRecord:
        """Lecture 000's matrix gradient recipe on the batch X (n_0, n), Y (n_m, n).

        Forward: h_0 = X, z_i = W_i h_{i-1} (+ b_i), h_i = s(z_i). Backward:
        delta_m = l'(h_m) * s'(z_m), delta_i = (W_{i+1}^T delta_{i+1}) ⊙ s'(z_i),
        grad W_i = delta_i h_{i-1}^T / n (the mean; the sum when reduction="sum").
        """
        return self._backpropagate(*self._examples(X, Y), reduction_of(reduction))

    def _loss(self, X: np.ndarray, Y: np.ndarray, reduction: str) -> float:
        z, h = self._forward(X)
        return self._total_loss(z, h, Y, reduction)

    def _total_loss(self, z: list, h: list, Y: np.ndarray, reduction: str) -> float:
        per_example = self.loss_fn._stable_value(z[-1], h[-1], Y, self.g_out).sum(axis=0)
        return float(per_example.mean() if reduction == "mean" else per_example.sum())

    def _backpropagate(self, X: np.ndarray, Y: np.ndarray, reduction: str) -> MatrixRecord:
        """The recipe on checked arrays (``_examples``): what ``backpropagate`` and training run."""
        z, h = self._forward(X)
        scale = 1.0 / X.shape[1] if reduction == "mean" else 1.0
        m = self.m
        delta: list[np.ndarray | None] = [None] * (m + 1)
        grad_W: list[np.ndarray | None] = [None] * (m + 1)
        grad_b: list[np.ndarray | None] = [None] * (m + 1)
        delta[m] = self.loss_fn._delta(z[m], h[m], Y, self.g_out)
        for i in range(m, 0, -1):
            if i < m:
                delta[i] = (self.W[i + 1].T @ delta[i + 1]) * derivative_from_value(self.g, z[i], h[i])
            grad_W[i] = (delta[i] @ h[i - 1].T) * scale
            if self.bias:
                grad_b[i] = delta[i].sum(axis=1) * scale
        return MatrixRecord(z, h, delta, grad_W, grad_b, self._total_loss(z, h, Y, reduction), self)

    # ----------------------------------------------------------------- the other views
    def neuron_ids(self) -> list[list[int]]:
        """The node-level ids of each layer's neurons: [[1, 2], [3, 4, 5], [6]] for [2, 3, 1]."""
        return layer_ids(self.sizes)
