r"""Weight initialisations (a registry, like the activations and the losses), all seeded.

| name | draw for a weight into a layer with m inputs (fan-in) and n outputs | default ``scale`` | source |
|---|---|---|---|
| ``"uniform"`` | RAND(-eps, eps), eps = ``scale`` | 0.5 | lecture 002, NEURALNETTRAIN |
| ``"normal"`` | N(0, sigma^2 / m), sigma = ``scale`` | 1 | lecture 001, W_ij ~ N(0, sigma^2 / m_l) |
| ``"xavier"`` | U(-r, r), r = scale * sqrt(6 / (m + n)) | 1 | Glorot and Bengio (2010) |
| ``"he"`` | N(0, scale^2 * 2 / m) | 1 | He et al. (2015), for relu |

Biases start at 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from bpteach._checks import choose, number

__all__ = ["INIT_SCHEMES", "Init", "default_scale", "draw_weights", "get_init", "rng_from"]


@dataclass(frozen=True)
class Init:
    """A way to draw W_i of shape (n, m): ``draw(shape, scale, rng)``, with its default scale."""

    name: str
    default_scale: float
    _draw: Callable[[tuple[int, int], float, np.random.Generator], np.ndarray] = field(repr=False)

    def __call__(self, shape: tuple[int, int], scale: float, rng: np.random.Generator) -> np.ndarray:
        return self._draw(shape, scale, rng)


def _xavier(shape: tuple[int, int], scale: float, rng: np.random.Generator) -> np.ndarray:
    r = scale * np.sqrt(6.0 / (shape[0] + shape[1]))
    return rng.uniform(-r, r, size=shape)


INIT_SCHEMES: dict[str, Init] = {
    i.name: i
    for i in (
        Init("uniform", 0.5, lambda shape, scale, rng: rng.uniform(-scale, scale, size=shape)),
        Init("normal", 1.0, lambda shape, scale, rng: rng.normal(0.0, scale / np.sqrt(shape[1]), size=shape)),
        Init("xavier", 1.0, _xavier),
        Init("he", 1.0, lambda shape, scale, rng: rng.normal(0.0, scale * np.sqrt(2.0 / shape[1]), size=shape)),
    )
}


def get_init(value: str | Init, name: str = "init") -> Init:
    """The initialisation called ``value`` (or ``value`` itself when it is one)."""
    return choose(name, value, INIT_SCHEMES, "initialisation")  # type: ignore[return-value]


def rng_from(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A numpy Generator from a seed (or the Generator itself)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        msg = f"seed must be an int, a numpy Generator or None, got {seed!r}"
        raise TypeError(msg)
    if seed is not None and seed < 0:
        msg = f"seed must be an int >= 0 (numpy's rule), got {seed!r}"
        raise ValueError(msg)
    return np.random.default_rng(seed)


def default_scale(scheme: str | Init) -> float:
    """The scale a scheme uses when none is given (eps = 0.5 for uniform, 1 otherwise)."""
    return get_init(scheme).default_scale


def draw_weights(
    shape: tuple[int, int],
    scheme: str | Init = "normal",
    scale: float | None = None,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Initial W_i of shape (n_i, n_{i-1}): n_i neurons each with n_{i-1} incoming weights."""
    init = get_init(scheme)
    scale = init.default_scale if scale is None else number(scale, "scale (the spread of the initial weights)", 0.0)
    return init(shape, scale, rng_from(rng))
