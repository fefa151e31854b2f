r"""Weight initialisation schemes, all seeded.

| scheme | draw for a weight into a layer with m inputs (fan-in) and n outputs | source |
|---|---|---|
| ``"uniform"`` | RAND(-eps, eps), ``scale`` = eps | lecture 002, NEURALNETTRAIN |
| ``"normal"`` | N(0, sigma^2 / m), ``scale`` = sigma | lecture 001, W_ij ~ N(0, sigma^2 / m_l) |
| ``"xavier"`` | U(-r, r), r = scale * sqrt(6 / (m + n)) | Glorot and Bengio (2010) |
| ``"he"`` | N(0, scale^2 * 2 / m) | He et al. (2015), for relu |

Biases start at 0.
"""

from __future__ import annotations

import numpy as np

from bpteach._checks import choose

__all__ = ["INIT_SCHEMES", "default_scale", "draw_weights", "rng_from"]

INIT_SCHEMES = {"uniform": "uniform", "normal": "normal", "xavier": "xavier", "he": "he"}
_DEFAULT_SCALE = {"uniform": 0.5, "normal": 1.0, "xavier": 1.0, "he": 1.0}


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


def default_scale(scheme: str) -> float:
    """The scale a scheme uses when none is given (eps = 0.5 for uniform, 1 otherwise)."""
    return _DEFAULT_SCALE[choose("init", scheme, INIT_SCHEMES, "initialisation")]  # type: ignore[index]


def draw_weights(
    shape: tuple[int, int],
    scheme: str = "normal",
    scale: float | None = None,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Initial W_i of shape (n_i, n_{i-1}): n_i neurons each with n_{i-1} incoming weights."""
    scheme = choose("init", scheme, INIT_SCHEMES, "initialisation")  # type: ignore[assignment]
    if scale is None:
        scale = default_scale(scheme)
    elif isinstance(scale, bool) or not isinstance(scale, (int, float, np.integer, np.floating)):
        msg = f"scale (the spread of the initial weights) must be a number, got {scale!r}"
        raise TypeError(msg)
    scale = float(scale)
    if not np.isfinite(scale) or scale < 0:
        msg = f"scale must be a finite number >= 0, got {scale}"
        raise ValueError(msg)
    rng = rng_from(rng)
    n_out, m = shape
    if scheme == "uniform":
        return rng.uniform(-scale, scale, size=shape)
    if scheme == "normal":
        return rng.normal(0.0, scale / np.sqrt(m), size=shape)
    if scheme == "xavier":
        r = scale * np.sqrt(6.0 / (m + n_out))
        return rng.uniform(-r, r, size=shape)
    return rng.normal(0.0, scale * np.sqrt(2.0 / m), size=shape)
