r"""Back-propagation as a chain of computational blocks (lecture 004).

Each block computes y from x on the way forward; on the way back it is handed dL/dy and returns
dL/dx = dL/dy dy/dx (equation 1); a block with learnable parameters W also stores
dL/dW = dL/dy dy/dW (equation 2). The dL/dx of block l is the dL/dy of block l - 1.

| block | forward | backward(dL/dy) -> dL/dx | stores |
|---|---|---|---|
| ``Linear`` (learnable) | y = W x (+ b) | W^T dL/dy | dL/dW = dL/dy x^T, dL/db = sum of dL/dy |
| ``ActivationBlock`` (not learnable) | y = phi(x) | dL/dy ⊙ phi'(x) | nothing |
| ``LossBlock`` | L = mean over examples of sum_k l(a_k, y_k) | (1/n) l'(a) | nothing |

Arrays keep the lectures' orientation: one example per column.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bpteach._checks import as_float_array, check_finite, reduction_of
from bpteach.activations import Activation, derivative_from_value, get_activation
from bpteach.losses import Loss, get_loss

__all__ = ["ActivationBlock", "Chain", "Linear", "LossBlock"]


def _grad_in(dy: object, shape: tuple[int, ...], block: str) -> np.ndarray:
    arr = as_float_array(dy, "dL_dy")
    if arr.shape != shape:
        msg = f"dL_dy has shape {arr.shape} but {block} produced y of shape {shape} on the way forward"
        raise ValueError(msg)
    return arr


class Linear:
    """A learnable block y = W x (+ b): W has shape (n_out, n_in), x has shape (n_in, n)."""

    learnable = True

    def __init__(self, W: object, b: object | None = None) -> None:
        self.W = as_float_array(W, "W")
        if self.W.ndim != 2 or 0 in self.W.shape:
            msg = f"W must be a matrix of shape (n_out, n_in), got shape {self.W.shape} (n_out, n_in >= 1)"
            raise ValueError(msg)
        check_finite(self.W, "W")
        self.b = None if b is None else as_float_array(b, "b")
        if self.b is not None and self.b.shape != (self.W.shape[0],):
            msg = f"b has shape {self.b.shape} but W has {self.W.shape[0]} rows: pass b with shape ({self.W.shape[0]},)"
            raise ValueError(msg)
        if self.b is not None:
            check_finite(self.b, "b")
        self.x: np.ndarray | None = None
        self.dL_dW: np.ndarray | None = None
        self.dL_db: np.ndarray | None = None

    def forward(self, x: object) -> np.ndarray:
        """y = W x (+ b); keeps x for the backward pass."""
        x_ = as_float_array(x, "x")
        if x_.ndim != 2 or x_.shape[0] != self.W.shape[1]:
            n_in = self.W.shape[1]
            msg = f"x has shape {x_.shape} but W has {n_in} columns: pass x with shape ({n_in}, n_examples)"
            raise ValueError(msg)
        check_finite(x_, "x")
        self.x = x_
        y = self.W @ x_
        return y if self.b is None else y + self.b[:, None]

    def backward(self, dL_dy: object) -> np.ndarray:
        """dL/dx = W^T dL/dy; stores dL/dW = dL/dy x^T (and dL/db)."""
        if self.x is None:
            msg = "call forward before backward: the block needs the x it saw"
            raise RuntimeError(msg)
        dy = _grad_in(dL_dy, (self.W.shape[0], self.x.shape[1]), "this Linear block")
        self.dL_dW = dy @ self.x.T
        if self.b is not None:
            self.dL_db = dy.sum(axis=1)
        return self.W.T @ dy

    def __repr__(self) -> str:
        return f"Linear(W: {self.W.shape}, bias={self.b is not None})"


class ActivationBlock:
    """A block y = phi(x) with no learnable parameters."""

    learnable = False

    def __init__(self, activation: str | Activation = "sigmoid") -> None:
        self.phi = get_activation(activation)
        self.x: np.ndarray | None = None
        self.y: np.ndarray | None = None

    def forward(self, x: object) -> np.ndarray:
        """y = phi(x), elementwise; keeps x and y (phi'(x) is cheapest written with y)."""
        x_ = as_float_array(x, "x")
        check_finite(x_, "x")
        self.x = x_
        self.y = self.phi(self.x)
        return self.y

    def backward(self, dL_dy: object) -> np.ndarray:
        """dL/dx = dL/dy ⊙ phi'(x)."""
        if self.x is None:
            msg = "call forward before backward: the block needs the x it saw"
            raise RuntimeError(msg)
        dy = _grad_in(dL_dy, self.x.shape, f"this {self.phi.name} block")
        return dy * derivative_from_value(self.phi, self.x, self.y)

    def __repr__(self) -> str:
        return f"ActivationBlock({self.phi.name!r})"


class LossBlock:
    """The last block: L = (1/n) sum over examples and outputs of l(a, y) (or the sum)."""

    def __init__(self, loss: str | Loss = "squared_error", reduction: str = "mean") -> None:
        self.loss_fn = get_loss(loss)
        self.reduction = reduction_of(reduction)
        self.a: np.ndarray | None = None
        self.y: np.ndarray | None = None

    def forward(self, a: object, y: object) -> float:
        """The loss L of the prediction a against the target y (both (n_out, n))."""
        a_ = as_float_array(a, "a")
        y_ = as_float_array(y, "y")
        if a_.ndim != 2 or a_.shape[1] < 1:
            msg = f"a must have shape (n_out, n_examples) with n_examples >= 1, got shape {a_.shape}"
            raise ValueError(msg)
        if y_.shape != a_.shape:
            msg = f"y has shape {y_.shape} but the prediction has shape {a_.shape}: pass y with shape {a_.shape}"
            raise ValueError(msg)
        check_finite(a_, "a")
        check_finite(y_, "y")
        self.a, self.y = a_, y_
        total = float(self.loss_fn(self.a, self.y).sum())
        return total / self.a.shape[1] if self.reduction == "mean" else total

    def backward(self) -> np.ndarray:
        """dL/da = l'(a, y) (divided by n for the mean): where the backward pass starts."""
        if self.a is None or self.y is None:
            msg = "call forward before backward"
            raise RuntimeError(msg)
        scale = 1.0 / self.a.shape[1] if self.reduction == "mean" else 1.0
        return self.loss_fn.derivative(self.a, self.y) * scale


class Chain:
    """Blocks run in order forward, then in reverse order backward (lecture 004)."""

    def __init__(
        self, blocks: Sequence[Linear | ActivationBlock], loss: str | Loss | LossBlock = "squared_error"
    ) -> None:
        if isinstance(blocks, (str, bytes)) or not isinstance(blocks, Sequence):
            msg = f"blocks must be a list of Linear and ActivationBlock blocks, got {type(blocks).__name__}"
            raise TypeError(msg)
        self.blocks = list(blocks)
        if not self.blocks:
            msg = "blocks must hold at least one block, got an empty list"
            raise ValueError(msg)
        for k, blk in enumerate(self.blocks):
            if not isinstance(blk, (Linear, ActivationBlock)):
                msg = f"blocks[{k}] must be a Linear or an ActivationBlock, got {type(blk).__name__}"
                raise TypeError(msg)
        self.loss_block = loss if isinstance(loss, LossBlock) else LossBlock(loss)
        self.trace: list[tuple[str, np.ndarray]] = []

    def forward(self, X: object) -> np.ndarray:
        """Run every block in order: the prediction."""
        out = as_float_array(X, "X")
        for blk in self.blocks:
            out = blk.forward(out)
        return out

    def loss(self, X: object, Y: object) -> float:
        """L of the chain's prediction on X against Y."""
        return self.loss_block.forward(self.forward(X), Y)

    def backward(self) -> np.ndarray:
        """From dL/da at the loss back through every block: returns dL/dX, fills each dL/dW."""
        grad = self.loss_block.backward()
        self.trace = [("loss", grad)]
        for blk in reversed(self.blocks):
            grad = blk.backward(grad)
            self.trace.append((repr(blk), grad))
        return grad

    def linear_blocks(self) -> list[Linear]:
        """The learnable blocks, in forward order (block k is the lectures' W_{k+1})."""
        return [b for b in self.blocks if isinstance(b, Linear)]

    def parameters(self) -> dict[str, np.ndarray]:
        """W1, b1, W2, ... of the learnable blocks (the arrays themselves)."""
        out: dict[str, np.ndarray] = {}
        for k, lin in enumerate(self.linear_blocks(), start=1):
            out[f"W{k}"] = lin.W
            if lin.b is not None:
                out[f"b{k}"] = lin.b
        return out

    def backpropagate(self, X: object, Y: object) -> ChainRecord:
        """Forward, loss, backward: the loss and every learnable block's dL/dW."""
        loss = self.loss(X, Y)
        self.backward()
        grads: dict[str, np.ndarray] = {}
        for k, lin in enumerate(self.linear_blocks(), start=1):
            grads[f"W{k}"] = lin.dL_dW  # type: ignore[assignment]
            if lin.b is not None:
                grads[f"b{k}"] = lin.dL_db  # type: ignore[assignment]
        return ChainRecord(loss, grads)

    def __repr__(self) -> str:
        return "Chain(" + " -> ".join(repr(b) for b in self.blocks) + f" -> {self.loss_block.loss_fn.name})"


class ChainRecord:
    """The loss and the gradients of a chain's learnable blocks, keyed W1, b1, W2, ..."""

    def __init__(self, loss: float, grads: dict[str, np.ndarray]) -> None:
        self.loss = loss
        self._grads = grads

    def gradients(self) -> dict[str, np.ndarray]:
        """dL/dW_k = dL/dy x^T of each Linear block (lecture 004, eq. 2), aligned with ``parameters()``."""
        return dict(self._grads)

    def __repr__(self) -> str:
        return f"ChainRecord(loss={self.loss:.6g}, grads={list(self._grads)})"
