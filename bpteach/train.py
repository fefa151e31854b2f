r"""Training by gradient descent, for a node-level ``Network`` and a matrix-form ``MLP`` alike.

One symbol each, as on the notation page: eta the learning rate (alpha in source 002, eps in
source 003), mu the momentum (alpha in source 003), lambda the weight decay.

| lecture | rule | argument |
|---|---|---|
| 002, NEURALNETTRAIN | w_ij <- w_ij - eta Delta_j a_i per example, new permutation | ``batch_size=1`` |
| 002, mini-batch | dJ/dw_ij = 1/|B| sum_{e in B} Delta_j^(e) a_i^(e) | ``batch_size=k`` |
| 003, Rumelhart et al. | accumulate dE/dw over all cases, then update | ``batch_size=None`` |
| 003, eq. (9) | Delta w(t) = -eta dE/dw(t) + mu Delta w(t-1) | ``lr``, ``momentum`` |
| 002, weight decay | w_ij <- w_ij - eta Delta_j a_i - 2 eta lambda w_ij | ``weight_decay`` |
| 002, 004 | epoch limit; loss below a threshold; minimal change | ``epochs``, ``loss_threshold``, ``tol`` |

One loop serves both model kinds: it reads the live weight arrays from ``model.parameters()``
and the matching gradient from ``record.gradients()`` and changes the arrays in place. The data
are checked once, by the model's own checks (``model._examples``, which names X first when it
looks transposed); each mini-batch then goes straight to the algorithm (``model._backpropagate``).
``Trainer`` runs one epoch per call, so a widget can train between animation frames; ``train``
takes the same options and runs a ``Trainer`` to the end. Initialisation lives in ``bpteach.init``.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from bpteach._checks import as_float_array, count, flag, number, reduction_of
from bpteach.init import rng_from

__all__ = ["STOP_REASONS", "EpochState", "History", "Trainer", "train"]

STOP_REASONS = ("epochs", "loss_threshold", "tol", "callback", "diverged")


@dataclass(repr=False)
class History:
    """What a training run did.

    ``losses[0]`` is the loss over the whole training set before training and ``losses[e]`` the
    loss after epoch e (so ``len(losses) == epochs + 1``), with the run's ``reduction`` (the
    mean over the examples, or the sum); ``updates`` counts the weight changes
    (t in NEURALNETTRAIN). With ``record_grad_norms=True``, ``grad_norms[e]`` maps each layer i
    to the norm of the whole-training-set gradient of the parameters feeding layer i (its weights
    and biases) at the weights ``losses[e]`` was measured at: small norms in the early layers are
    the vanishing gradients of lecture 004. ``stop_reason`` is one of ``STOP_REASONS`` (None
    while training goes on) and ``message`` says it in words.
    """

    losses: list[float] = field(default_factory=list)
    epochs: int = 0
    updates: int = 0
    stop_reason: str | None = None
    message: str = ""
    grad_norms: list[dict[int, float]] | None = None
    diverged_epoch: int | None = None

    @property
    def final_loss(self) -> float:
        """The loss of the weights training left the model with."""
        return self.losses[-1]

    def __repr__(self) -> str:
        span = f"loss {self.losses[0]:.4g} -> {self.losses[-1]:.4g}" if self.losses else "no loss"
        return f"History(epochs={self.epochs}, updates={self.updates}, {span}, stop_reason={self.stop_reason!r})"

    def _repr_html_(self) -> str:
        from html import escape

        span = f"{self.losses[0]:.4g} &rarr; {self.losses[-1]:.4g}" if self.losses else "&ndash;"
        rows = [
            ("epochs", str(self.epochs)),
            ("updates", str(self.updates)),
            ("loss", span),
            ("stopped by", escape(str(self.stop_reason))),
            ("", escape(self.message)),
        ]
        body = "".join(f"<tr><th style='text-align:left'>{k}</th><td>{v}</td></tr>" for k, v in rows)
        return f"<table>{body}</table>"


@dataclass(frozen=True)
class EpochState:
    """What a callback receives after each epoch; return True from the callback to stop."""

    epoch: int
    loss: float
    model: object
    history: History


def _is_bias(name: str) -> bool:
    # both models name their bias arrays with a leading "b" ("b" for a Network, "b1".. for an MLP)
    return name.startswith("b")


class Trainer:
    r"""Gradient descent on ``model`` (a ``Network`` or an ``MLP``), X (n_inputs, n), Y (n_outputs, n).

    ``trainer.epoch()`` runs one epoch, ``run(k)`` up to k more (all remaining ones when k is
    None) and returns the ``History``; ``trainer.done`` says whether a stopping rule fired (then
    ``epoch()`` changes nothing). The model's weight arrays are changed in place.

    Each update is Delta w(t) = -lr (dJ/dw + 2 lambda w) + momentum Delta w(t-1), w <- w + Delta w(t)
    (lecture 003 eq. (9) with lecture 002's weight decay, lambda = ``weight_decay``; biases are
    not decayed unless ``decay_bias``). With momentum = 0 and lambda = 0 it is lecture 002's
    w_ij <- w_ij - eta Delta_j a_i.

    - ``batch_size=None``: one update per epoch from the gradient over all n cases (lecture 003;
      the mean, or the accumulated sum with ``reduction="sum"``).
    - ``batch_size=1``: NEURALNETTRAIN (lecture 002), one update per example in a fresh random
      permutation each epoch, drawn from ``seed``.
    - ``batch_size=k``: mini-batches of k examples of such a permutation (the last one may be
      smaller), each update from the mean 1/|B| sum_{e in B} Delta_j^(e) a_i^(e).

    Training stops after ``epochs`` epochs, or when the loss over the training set falls below
    ``loss_threshold``, or changes by less than ``tol`` across an epoch, or when ``callback``
    (called after every epoch with an ``EpochState``) returns True, or when the loss or the
    weights become NaN or infinite: then the weights of the last good epoch are restored and the
    message names the epoch. ``record_grad_norms`` keeps each layer's gradient norm per epoch.
    """

    def __init__(
        self,
        model: object,
        X: object,
        Y: object,
        *,
        lr: float = 0.5,
        epochs: int = 100,
        batch_size: int | None = None,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        decay_bias: bool = False,
        seed: int | np.random.Generator | None = 0,
        tol: float | None = None,
        loss_threshold: float | None = None,
        reduction: str = "mean",
        callback: Callable[[EpochState], object] | None = None,
        record_grad_norms: bool = False,
    ) -> None:
        needed = ("parameters", "parameter_layers", "_examples", "_backpropagate", "_loss")
        if not all(callable(getattr(model, m, None)) for m in needed):
            msg = f"model must be a bpteach Network or MLP, got {type(model).__name__}"
            raise TypeError(msg)
        self.model = model
        X_ = as_float_array(X, "X")
        if X_.ndim != 2:
            msg = f"X must be 2-D, shape (n_inputs, n_examples) with examples as columns, got shape {X_.shape}"
            raise ValueError(msg)
        self.X, self.Y = model._examples(X_, Y)  # type: ignore[attr-defined]
        n = self.X.shape[1]
        self.lr = number(lr, "lr (the learning rate eta)", 0.0, low_open=True)
        self.epochs = count(epochs, "epochs", 0)
        if batch_size is not None:
            batch_size = count(batch_size, "batch_size", 1)
            if batch_size > n:
                msg = f"batch_size must be at most the number of examples, {n}, got {batch_size}"
                raise ValueError(msg)
        self.batch_size = batch_size
        self.momentum = number(momentum, "momentum (mu)", 0.0, high=1.0)
        self.weight_decay = number(weight_decay, "weight_decay (lambda)", 0.0)
        self.decay_bias = flag(decay_bias, "decay_bias")
        self.tol = None if tol is None else number(tol, "tol", 0.0)
        self.loss_threshold = None if loss_threshold is None else number(loss_threshold, "loss_threshold", -math.inf)
        self.reduction = reduction_of(reduction)
        if callback is not None and not callable(callback):
            msg = f"callback must be a function of an EpochState, got {type(callback).__name__}"
            raise TypeError(msg)
        self.callback = callback
        self.rng = rng_from(seed)
        params = model.parameters()  # type: ignore[attr-defined]
        self._velocity = {k: np.zeros_like(v) for k, v in params.items()}
        self._layers = model.parameter_layers()  # type: ignore[attr-defined]
        self.history = History(grad_norms=[] if flag(record_grad_norms, "record_grad_norms") else None)
        loss, norms = self._measure()
        if not math.isfinite(loss):
            msg = f"the initial loss is {loss}: check the initial weights and the data"
            raise ValueError(msg)
        self._record(loss, norms)
        if self.loss_threshold is not None and loss < self.loss_threshold:
            self._stop(
                "loss_threshold",
                f"the initial loss {loss:.4g} is already below loss_threshold={self.loss_threshold:g}: nothing to do",
            )
        elif self.epochs == 0:
            self._stop("epochs", "epochs=0: no training asked for")

    @property
    def done(self) -> bool:
        """True once a stopping rule has fired (``history.stop_reason`` says which)."""
        return self.history.stop_reason is not None

    # ------------------------------------------------------------------ one epoch
    def epoch(self) -> float:
        """Run one epoch (one pass over every example) and return the loss after it."""
        if self.done:
            return self.history.final_loss
        h = self.history
        e = h.epochs + 1
        params = self.model.parameters()  # type: ignore[attr-defined]
        saved = {k: v.copy() for k, v in params.items()}
        saved_velocity = {k: v.copy() for k, v in self._velocity.items()}
        n = self.X.shape[1]
        if self.batch_size is None:
            batches = [slice(None)]
        else:
            order = self.rng.permutation(n)  # NEURALNETTRAIN: a random permutation L each epoch
            batches = [order[s : s + self.batch_size] for s in range(0, n, self.batch_size)]
        updates = 0
        finite = True
        # huge weights overflow on the way to a NaN; that is the divergence reported below
        with np.errstate(all="ignore"):
            for batch in batches:
                rec = self.model._backpropagate(self.X[:, batch], self.Y[:, batch], self.reduction)  # type: ignore[attr-defined]
                # non-finite weights show up as a non-finite loss at the next batch or the end
                if not math.isfinite(rec.loss):
                    finite = False
                    break
                self._update(params, rec.gradients())
                updates += 1
        loss, norms = self._measure() if finite else (math.nan, None)
        if not math.isfinite(loss):
            for k, v in params.items():
                v[...] = saved[k]
            self._velocity = saved_velocity
            self._diverged(e, loss)
            return h.final_loss
        self._record(loss, norms)
        h.epochs = e
        h.updates += updates
        self._check_stop(e, loss)
        return loss

    def run(self, epochs: int | None = None) -> History:
        """Run up to ``epochs`` more epochs (None: until a stopping rule fires); the history."""
        k = None if epochs is None else count(epochs, "epochs", 0)
        ran = 0
        while not self.done and (k is None or ran < k):
            self.epoch()
            ran += 1
        return self.history

    # ------------------------------------------------------------------ the pieces
    def _update(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Delta w(t) = -eta (dJ/dw + 2 lambda w) + mu Delta w(t-1); w <- w + Delta w(t)."""
        for k, w in params.items():
            g = grads[k]
            if self.weight_decay and (self.decay_bias or not _is_bias(k)):
                g = g + 2.0 * self.weight_decay * w
            v = self._velocity[k]
            v *= self.momentum
            v -= self.lr * g
            w += v

    def _measure(self) -> tuple[float, dict[int, float] | None]:
        """The loss over the whole training set, and per layer the norm of its gradient if asked."""
        model, X, Y, reduction = self.model, self.X, self.Y, self.reduction
        with np.errstate(all="ignore"):
            if self.history.grad_norms is None:
                return float(model._loss(X, Y, reduction)), None  # type: ignore[attr-defined]
            rec = model._backpropagate(X, Y, reduction)  # type: ignore[attr-defined]
            squares: dict[int, float] = {}
            for k, g in rec.gradients().items():
                layers = np.broadcast_to(self._layers[k], g.shape)
                for i in np.unique(layers):
                    squares[int(i)] = squares.get(int(i), 0.0) + float(np.sum(g[layers == i] ** 2))
        return float(rec.loss), {i: math.sqrt(s) for i, s in sorted(squares.items())}

    def _record(self, loss: float, norms: dict[int, float] | None) -> None:
        self.history.losses.append(loss)
        if self.history.grad_norms is not None:
            self.history.grad_norms.append(norms)  # type: ignore[arg-type]

    def _stop(self, reason: str, message: str) -> None:
        self.history.stop_reason = reason
        self.history.message = message

    def _diverged(self, e: int, loss: float) -> None:
        h = self.history
        h.diverged_epoch = e
        what = "the weights became infinite or NaN" if math.isnan(loss) else f"the loss became {loss}"
        self._stop(
            "diverged",
            (
                f"training diverged in epoch {e}: {what}. The weights are restored to those after "
                f"epoch {e - 1} (loss {h.final_loss:.4g}). A smaller learning rate may help: "
                f"lr={self.lr:g} now, try lr={self.lr / 10:g}."
            ),
        )

    def _check_stop(self, e: int, loss: float) -> None:
        h = self.history
        # the callback sees every finished epoch, the last one too (a live plot draws it)
        asked = self.callback is not None and bool(self.callback(EpochState(e, loss, self.model, h)))
        change = abs(h.losses[-2] - loss)
        if self.loss_threshold is not None and loss < self.loss_threshold:
            self._stop(
                "loss_threshold", f"the loss {loss:.4g} fell below loss_threshold={self.loss_threshold:g} in epoch {e}"
            )
        elif self.tol is not None and change < self.tol:
            self._stop("tol", f"the loss changed by {change:.3g} < tol={self.tol:g} in epoch {e}")
        elif asked:
            self._stop("callback", f"the callback asked to stop after epoch {e}")
        elif e >= self.epochs:
            self._stop("epochs", f"reached the epoch limit, {self.epochs} epochs: loss {h.losses[0]:.4g} -> {loss:.4g}")

    def __repr__(self) -> str:
        state = f"stopped: {self.history.stop_reason}" if self.done else "running"
        return f"Trainer(model={self.model!r}, epoch {self.history.epochs}/{self.epochs}, {state})"


def train(model: object, X: object, Y: object, **options: object) -> History:
    """Train ``model`` on X, Y in place and return the ``History``: ``Trainer(model, X, Y,
    **options).run()``. The options (lr, epochs, batch_size, momentum, ...) and the rules they
    set are ``Trainer``'s, written once there; ``help(bp.train)`` shows them with their defaults.
    """
    return Trainer(model, X, Y, **options).run()  # type: ignore[arg-type]


# help(bp.train) and an editor show Trainer's options, written once
train.__signature__ = inspect.signature(Trainer).replace(return_annotation=History)  # type: ignore[attr-defined]
