r"""Activation functions g (lecture 002) = s (lecture 000) = phi (lectures 001, 004).

Each activation is a value and a derivative, both functions of the pre-activation:

| lecture | code |
|---|---|
| a_j = g(in_j), h_i = s(z_i) | ``act(z)`` |
| g'(in_j), s'(z_i), phi'(z) | ``act.derivative(z)`` |

The sigmoid is numerically stable: sigma(+-1000) is exactly 1 and 0 and raises no warning.
The vectorised paths (matrix form, ``graph_fast``, blocks) have a_j = g(in_j) at hand already, so
they ask ``derivative_from_value`` for g'(in_j) written in terms of a_j (sigma(1 - sigma),
1 - tanh^2, ...): the same numbers as ``derivative`` up to an absolute rounding of about 1e-16
(1 - a cancels where g saturates), without evaluating g a second time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from bpteach._checks import as_float_array, choose

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "derivative_from_value",
    "get_activation",
    "identity",
    "relu",
    "sigmoid",
    "tanh",
]


@dataclass(frozen=True)
class Activation:
    """An activation g with its derivative g', both taking the pre-activation in_j (or z)."""

    name: str
    latex: str
    derivative_latex: str
    _value: Callable[[np.ndarray], np.ndarray] = field(repr=False)
    _derivative: Callable[[np.ndarray], np.ndarray] = field(repr=False)
    # g'(z) written in terms of a = g(z); None when g' needs z itself
    _derivative_of_value: Callable[[np.ndarray], np.ndarray] | None = field(repr=False, default=None)

    def __call__(self, z: object) -> np.ndarray:
        """g(z), elementwise."""
        return self._value(as_float_array(z, "z"))

    def derivative(self, z: object) -> np.ndarray:
        """g'(z), elementwise, as a function of the pre-activation z (not of g(z))."""
        return self._derivative(as_float_array(z, "z"))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # For z < -709.78, e^{-z} overflows to inf and 1 / (1 + inf) is 0: the true value is below
    # e^{-709.78} = 5.6e-309, so 0 is off by less than that (below about -745 it is the correctly
    # rounded value); the overflow is expected and silenced. Everywhere else 1 / (1 + e^{-z}) is
    # accurate to an ulp (lecture 1 prints both sides of the edge). This is ~3x faster than the
    # two-branch form (benchmarks/bench_core).
    with np.errstate(over="ignore"):
        e = np.exp(-z)
    return 1.0 / (1.0 + e)


def _sigmoid_of_value(s: np.ndarray) -> np.ndarray:
    return s * (1.0 - s)


def _sigmoid_derivative(z: np.ndarray) -> np.ndarray:
    # sigma(z) sigma(-z) = sigma(z) (1 - sigma(z)), without the cancellation in 1 - sigma(z) for
    # large z: each factor is accurate to an ulp, so the product keeps its relative accuracy
    return _sigmoid(z) * _sigmoid(-z)


def _tanh_derivative(z: np.ndarray) -> np.ndarray:
    # 1 - tanh^2(z) = sech^2(z) = 4 e^{-2|z|} / (1 + e^{-2|z|})^2: no cancellation, no overflow
    e = np.exp(-2.0 * np.abs(z))
    return 4.0 * e / (1.0 + e) ** 2


sigmoid = Activation(
    "sigmoid",
    r"\sigma(z) = \frac{1}{1 + e^{-z}}",
    r"\sigma'(z) = \sigma(z)\,(1 - \sigma(z))",
    _sigmoid,
    _sigmoid_derivative,
    _sigmoid_of_value,
)
tanh = Activation(
    "tanh",
    r"\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}",
    r"\tanh'(z) = 1 - \tanh^2(z)",
    np.tanh,
    _tanh_derivative,
    lambda a: 1.0 - a**2,
)
relu = Activation(
    "relu",
    r"\mathrm{relu}(z) = \max(0, z)",
    r"\mathrm{relu}'(z) = [z > 0]",
    lambda z: np.maximum(z, 0.0),
    lambda z: (z > 0).astype(np.float64),
    lambda a: (a > 0).astype(np.float64),  # a = max(0, z) > 0 exactly when z > 0
)
identity = Activation(
    "identity",
    r"\mathrm{id}(z) = z",
    r"\mathrm{id}'(z) = 1",
    lambda z: z.copy(),
    np.ones_like,
    np.ones_like,
)


def derivative_from_value(g: Activation, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """g'(z) given a = g(z) already computed: equal to ``g.derivative(z)``, one evaluation fewer.

    Any callable with a ``derivative`` method works as g; without a value form it uses g'(z).
    """
    of_value = getattr(g, "_derivative_of_value", None)
    return g.derivative(z) if of_value is None else of_value(a)


ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (sigmoid, tanh, relu, identity)}


def get_activation(value: str | Activation, name: str = "activation") -> Activation:
    """The activation called ``value`` (or ``value`` itself when it is one)."""
    return choose(name, value, ACTIVATIONS, "activation")  # type: ignore[return-value]
