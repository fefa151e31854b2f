r"""Loss functions l(a, y) of one output neuron, their derivatives, and the output signal.

| lecture | loss | l'(a) = dl/da | Delta_j at an output (``delta_latex``) |
|---|---|---|---|
| 002 | ``squared_error``: (y - a)^2 | -2 (y - a) | g'(in_j) (-2 (y - a_j)) |
| 001, 003, 004 | ``half_squared_error``: 1/2 (y - a)^2 | a - y | g'(in_j) (a_j - y) |
| 000 | ``log_loss``: -log p(y given x), a = sigma(z) | (a - t) / (a (1 - a)) | a_j - t (sigmoid output) |

The loss of one example is the sum over the output neurons; the error signal of an output
neuron is Delta_j = l'(a_j) g'(in_j) (lecture 002), i.e. delta_m = l'(f) * s'(z_m) (lecture 000).

``log_loss`` takes labels in {0, 1} (or soft targets in [0, 1]) or in {-1, +1} as lecture 000
writes them; t = I(y = 1). With a sigmoid output its signal is fused, Delta = a - t
(= -(I(y = 1) - sigma(w^T h)), the "raw error" of lecture 000 with J = -ll), which never
underflows, and its value is computed from z as log(1 + e^z) - t z, which never overflows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from bpteach._checks import as_float_array, choose
from bpteach.activations import Activation, derivative_from_value, get_activation, sigmoid

__all__ = ["LOSSES", "Loss", "get_loss", "half_squared_error", "log_loss", "squared_error"]


@dataclass(frozen=True)
class Loss:
    """A loss l(a, y) per output neuron, with l'(a) and the output error signal Delta.

    ``delta_latex`` is Delta_j at an output in LaTeX, a ``string.Template`` with the slots
    ``$dg`` (g'(in_j)), ``$a`` (a_j), ``$y`` (y_j) and ``$t`` (the target t_j the formula uses):
    filled with symbols it is the formula, filled with numbers the same formula evaluated
    (``bp.steps`` writes both). The public methods check their arguments; the models check
    theirs once at their entry and then call ``_delta`` and ``_stable_value`` directly.
    """

    name: str
    latex: str
    derivative_latex: str
    delta_latex: str
    _value: Callable[[np.ndarray, np.ndarray], np.ndarray] = field(repr=False)
    _derivative: Callable[[np.ndarray, np.ndarray], np.ndarray] = field(repr=False)

    def __call__(self, a: object, y: object) -> np.ndarray:
        """l(a, y), elementwise."""
        a_, y_ = self._pair(a, y)
        return self._value(a_, self.targets(y_))

    def derivative(self, a: object, y: object) -> np.ndarray:
        """l'(a) = dl/da, elementwise."""
        a_, y_ = self._pair(a, y)
        return self._derivative(a_, self.targets(y_))

    def check_targets(self, y: np.ndarray) -> None:
        """Raise a ValueError when ``y`` holds targets this loss cannot take (log_loss: labels)."""

    def targets(self, y: np.ndarray) -> np.ndarray:
        """The targets t the formula uses (log_loss maps the label -1 to 0)."""
        return y

    def fused(self, activation: Activation) -> bool:
        """True when the output signal has a closed form that skips g'(in) (never underflows)."""
        return False

    def delta_formula(self, g: Activation) -> str:
        """``delta_latex``, or the closed form when the output activation g fuses with this loss."""
        return self.delta_latex

    def delta(self, z: object, a: object, y: object, g: str | Activation) -> np.ndarray:
        """The output error signal Delta_j = l'(a_j) g'(in_j) (lecture 002; delta_m of lecture 000).

        z = in_j (the pre-activation), a = g(z) and y share one shape (y may be a scalar).
        """
        return self._delta(*self._signal_args(z, a, y, g))

    def value(self, z: object, a: object, y: object, g: str | Activation) -> np.ndarray:
        """l(a, y) computed as stably as the output activation g allows (from z when it can)."""
        return self._stable_value(*self._signal_args(z, a, y, g))

    def _pair(self, a: object, y: object) -> tuple[np.ndarray, np.ndarray]:
        a_ = as_float_array(a, "a")
        y_ = as_float_array(y, "y")
        if a_.shape != y_.shape and y_.ndim != 0:
            msg = f"a has shape {a_.shape} but y has shape {y_.shape}: pass y with the shape of a"
            raise ValueError(msg)
        self.check_targets(y_)
        return a_, y_

    def _signal_args(self, z: object, a: object, y: object, g: object) -> tuple:
        # no finite check: a diverging run must reach the trainer as a NaN loss, not an error here
        z_ = as_float_array(z, "z")
        a_, y_ = self._pair(a, y)
        if z_.shape != a_.shape:
            msg = f"z has shape {z_.shape} but a has shape {a_.shape}: a must be g(z), of the shape of z"
            raise ValueError(msg)
        return z_, a_, y_, get_activation(g, "g")  # type: ignore[arg-type]

    def _delta(self, z: np.ndarray, a: np.ndarray, y: np.ndarray, g: Activation) -> np.ndarray:
        return self._derivative(a, self.targets(y)) * derivative_from_value(g, z, a)

    def _stable_value(self, z: np.ndarray, a: np.ndarray, y: np.ndarray, g: Activation) -> np.ndarray:
        return self._value(a, self.targets(y))


class _LogLoss(Loss):
    def check_targets(self, y: np.ndarray) -> None:
        bad = ~((y == -1) | ((y >= 0) & (y <= 1)))
        if np.any(bad):
            msg = (
                "y for log_loss must be labels in {0, 1} (or targets in [0, 1]) or in {-1, +1}, "
                f"got {y[bad].ravel()[:5]}"
            )
            raise ValueError(msg)
        if np.any(y == -1) and np.any(y == 0):
            msg = "y for log_loss mixes the labels -1 and 0: use {0, 1} or {-1, +1}, not both"
            raise ValueError(msg)

    def targets(self, y: np.ndarray) -> np.ndarray:
        return np.where(y == -1, 0.0, y)

    def fused(self, activation: Activation) -> bool:
        return activation is sigmoid

    def delta_formula(self, g: Activation) -> str:
        return "$a - $t" if self.fused(g) else self.delta_latex

    def __call__(self, a: object, y: object) -> np.ndarray:
        return super().__call__(_probability(a), y)

    def derivative(self, a: object, y: object) -> np.ndarray:
        return super().derivative(_probability(a), y)

    def _delta(self, z: np.ndarray, a: np.ndarray, y: np.ndarray, g: Activation) -> np.ndarray:
        if self.fused(g):
            return a - self.targets(y)
        return super()._delta(z, a, y, g)

    def _stable_value(self, z: np.ndarray, a: np.ndarray, y: np.ndarray, g: Activation) -> np.ndarray:
        if self.fused(g):
            t = self.targets(y)
            return np.logaddexp(0.0, z) - t * z
        return super()._stable_value(z, a, y, g)


def _probability(a: object) -> np.ndarray:
    """a for log_loss: a probability p(y = 1 given x) in [0, 1], else -log a is no likelihood."""
    a_ = as_float_array(a, "a")
    bad = ~((a_ >= 0) & (a_ <= 1))
    if np.any(bad):
        msg = f"a for log_loss must be a probability in [0, 1] (a sigmoid output), got {a_[bad].ravel()[:5]}"
        raise ValueError(msg)
    return a_


def _log_loss_value(a: np.ndarray, t: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return -(np.where(t > 0, t * np.log(a), 0.0) + np.where(t < 1, (1 - t) * np.log1p(-a), 0.0))


def _log_loss_derivative(a: np.ndarray, t: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return (a - t) / (a * (1.0 - a))


squared_error = Loss(
    "squared_error",
    r"\ell(a, y) = (y - a)^2",
    r"\ell'(a) = -2\,(y - a)",
    r"$dg\,(-2\,($y - $a))",
    lambda a, y: (y - a) ** 2,
    lambda a, y: -2.0 * (y - a),
)
half_squared_error = Loss(
    "half_squared_error",
    r"\ell(a, y) = \frac{1}{2}(y - a)^2",
    r"\ell'(a) = a - y",
    r"$dg\,($a - $y)",
    lambda a, y: 0.5 * (y - a) ** 2,
    lambda a, y: a - y,
)
log_loss = _LogLoss(
    "log_loss",
    r"\ell(a, y) = -\log p(y \mid x) = -t \log a - (1 - t) \log(1 - a),\ t = I(y = 1)",
    r"\ell'(a) = \frac{a - t}{a\,(1 - a)}",
    r"$dg\,\frac{$a - $t}{$a\,(1 - $a)}",
    _log_loss_value,
    _log_loss_derivative,
)

LOSSES: dict[str, Loss] = {x.name: x for x in (squared_error, half_squared_error, log_loss)}


def get_loss(value: str | Loss, name: str = "loss") -> Loss:
    """The loss called ``value`` (or ``value`` itself when it is one)."""
    return choose(name, value, LOSSES, "loss")  # type: ignore[return-value]
