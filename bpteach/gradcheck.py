r"""Gradient check by central differences, for a Network, an MLP or a Chain of blocks.

| formula | meaning | code |
|---|---|---|
| n = (J(w + eps) - J(w - eps)) / (2 eps) | numerical dJ/dw, weight by weight | ``numerical_gradient(model, X, Y)`` |
| g = Delta_j a_i (delta_i h_{i-1}^T, ...) | what back-propagation returns | ``model.backpropagate(X, Y)`` |
| \|g - n\| / max(\|g\| + \|n\|, floor) | relative error, the worst weight | ``gradcheck(model, X, Y).max_rel_error`` |
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpteach._checks import number

__all__ = ["GradCheck", "gradcheck", "numerical_gradient"]


@dataclass(frozen=True)
class GradCheck:
    """The worst relative error between back-propagation and central differences."""

    max_rel_error: float
    where: str
    analytic: float
    numeric: float
    n_checked: int

    @property
    def ok(self) -> bool:
        """True when the worst relative error is below 1e-6."""
        return self.max_rel_error < 1e-6

    def __str__(self) -> str:
        verdict = "agree" if self.ok else "DISAGREE"
        return (
            f"back-propagation and central differences {verdict}: largest relative error "
            f"{self.max_rel_error:.2e} at {self.where} (backprop {self.analytic:.8g}, "
            f"numeric {self.numeric:.8g}; {self.n_checked} weights checked)"
        )


def _loss_and_grads(model: object, X: object, Y: object) -> tuple[float, dict[str, np.ndarray]]:
    rec = model.backpropagate(X, Y)  # type: ignore[attr-defined]
    return rec.loss, rec.gradients()


def _loss(model: object, X: object, Y: object) -> float:
    if hasattr(model, "loss"):
        return float(model.loss(X, Y))  # type: ignore[attr-defined]
    return float(model.backpropagate(X, Y).loss)  # type: ignore[attr-defined]


def _label(model: object, name: str, idx: tuple[int, ...]) -> str:
    arcs = getattr(model, "arcs", None)
    if arcs is not None:
        if name == "w":
            i, j = arcs[idx[0]]
            return f"w_({i!r}, {j!r})"
        return f"b_{model.bias_neurons[idx[0]]!r}"  # type: ignore[attr-defined]
    return f"{name[0]}[{name[1:]}][{', '.join(str(i) for i in idx)}]"


def numerical_gradient(model: object, X: object, Y: object, eps: float = 1e-5) -> dict[str, np.ndarray]:
    """Central differences of the model's loss for every entry of ``model.parameters()``."""
    eps = number(eps, "eps (a small step, 1e-5 is usual)", 0.0, low_open=True, high=1.0)
    params = _parameters(model)
    out = {}
    for name, p in params.items():
        num = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            plus = _loss(model, X, Y)
            p[idx] = old - eps
            minus = _loss(model, X, Y)
            p[idx] = old
            num[idx] = (plus - minus) / (2 * eps)
        out[name] = num
    return out


def _parameters(model: object) -> dict[str, np.ndarray]:
    if not hasattr(model, "parameters") or not hasattr(model, "backpropagate"):
        msg = f"model must be a Network, an MLP or a Chain, got {type(model).__name__}"
        raise TypeError(msg)
    return model.parameters()  # type: ignore[attr-defined]


def gradcheck(model: object, X: object, Y: object, eps: float = 1e-5, floor: float = 1e-8) -> GradCheck:
    """Compare every weight's back-propagated gradient with its central difference.

    Returns the largest relative error |g - n| / max(|g| + |n|, floor), where it occurred and
    the two values there. float64 and eps = 1e-5 give errors near 1e-9 for a correct gradient.
    """
    _parameters(model)  # a clear TypeError before anything else touches the model
    # the floor keeps 0 / 0 out of the ratio where both gradients vanish
    floor = number(floor, "floor (a small positive number, 1e-8 is usual)", 0.0, low_open=True, high=1.0)
    _, grads = _loss_and_grads(model, X, Y)
    numeric = numerical_gradient(model, X, Y, eps)
    worst = (-1.0, "", 0.0, 0.0)
    count = 0
    for name, num in numeric.items():
        ana = np.asarray(grads[name], dtype=np.float64)
        rel = np.abs(ana - num) / np.maximum(np.abs(ana) + np.abs(num), floor)
        count += rel.size
        if rel.size and rel.max() > worst[0]:
            idx = np.unravel_index(int(rel.argmax()), rel.shape)
            worst = (float(rel[idx]), _label(model, name, tuple(int(i) for i in idx)), float(ana[idx]), float(num[idx]))
    return GradCheck(max(worst[0], 0.0), worst[1], worst[2], worst[3], count)
