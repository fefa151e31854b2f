r"""Activation functions g (lecture 002) = s (lecture 000) = phi (lectures 001, 004).

Each activation is a value and a derivative, both functions of the pre-activation:

| lecture | code |
|---|---|
| a_j = g(in_j), h_i = s(z_i) | ``act(z)`` |
| g'(in_j), s'(z_i), phi'(z) | ``act.derivative(z)`` |

The sigmoid is computed without overflow: sigma(+-1000) is exactly 1 and 0 and raises no warning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from bpteach._checks import as_float_array, choose

__all__ = ["ACTIVATIONS", "Activation", "get_activation", "identity", "relu", "sigmoid", "tanh"]


@dataclass(frozen=True)
class Activation:
    """An activation g with its derivative g', both taking the pre-activation in_j (or z)."""

    name: str
    latex: str
    derivative_latex: str
    _value: Callable[[np.ndarray], np.ndarray] = field(repr=False)
    _derivative: Callable[[np.ndarray], np.ndarray] = field(repr=False)

    def __call__(self, z: object) -> np.ndarray:
        """g(z), elementwise."""
        return self._value(as_float_array(z, "z"))

    def derivative(self, z: object) -> np.ndarray:
        """g'(z), elementwise, as a function of the pre-activation z (not of g(z))."""
        return self._derivative(as_float_array(z, "z"))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # exp of a non-positive number never overflows; both branches are the same function
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _sigmoid_derivative(z: np.ndarray) -> np.ndarray:
    s = _sigmoid(z)
    return s * (1.0 - s)


sigmoid = Activation(
    "sigmoid",
    r"\sigma(z) = \frac{1}{1 + e^{-z}}",
    r"\sigma'(z) = \sigma(z)\,(1 - \sigma(z))",
    _sigmoid,
    _sigmoid_derivative,
)
tanh = Activation(
    "tanh",
    r"\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}",
    r"\tanh'(z) = 1 - \tanh^2(z)",
    np.tanh,
    lambda z: 1.0 - np.tanh(z) ** 2,
)
relu = Activation(
    "relu",
    r"\mathrm{relu}(z) = \max(0, z)",
    r"\mathrm{relu}'(z) = [z > 0]",
    lambda z: np.maximum(z, 0.0),
    lambda z: (z > 0).astype(np.float64),
)
identity = Activation(
    "identity",
    r"g(z) = z",
    r"g'(z) = 1",
    lambda z: z.copy(),
    np.ones_like,
)

ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (sigmoid, tanh, relu, identity)}


def get_activation(value: str | Activation, name: str = "activation") -> Activation:
    """The activation called ``value`` (or ``value`` itself when it is one)."""
    return choose(name, value, ACTIVATIONS, "activation")  # type: ignore[return-value]
