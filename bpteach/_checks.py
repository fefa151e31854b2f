"""Input checks shared by the public functions: clear messages naming the argument.

Every message says which argument, what was expected and what was given, so a student who
passes the wrong shape learns the fix from the error alone.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def as_float_array(value: object, name: str) -> np.ndarray:
    """``value`` as a float64 array, or a TypeError naming ``name``."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        msg = f"{name} must be numbers (an array of floats), got {type(value).__name__}: {exc}"
        raise TypeError(msg) from None
    return arr


def check_finite(arr: np.ndarray, name: str) -> None:
    """Raise a ValueError when ``arr`` holds NaN or infinity, saying where."""
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))
        where = tuple(int(i) for i in bad[0]) if arr.ndim else ()
        msg = (
            f"{name} must hold finite numbers, got {arr[where] if arr.ndim else arr} "
            f"at index {where} ({len(bad)} non-finite value(s) in all)"
        )
        raise ValueError(msg)


def choose(name: str, value: object, registry: dict, what: str) -> object:
    """Look ``value`` up in ``registry`` by name, or fail listing the valid names."""
    if isinstance(value, str):
        if value in registry:
            return registry[value]
        valid = ", ".join(repr(k) for k in registry)
        msg = f"unknown {what} {value!r} for {name}: choose one of {valid}"
        raise ValueError(msg)
    if any(value is v for v in registry.values()):
        return value
    if hasattr(value, "derivative") and callable(value):
        return value
    valid = ", ".join(repr(k) for k in registry)
    article = "an" if what[:1] in "aeiou" else "a"
    msg = f"{name} must be the name of {article} {what} ({valid}), got {value!r}"
    raise TypeError(msg)


def format_ids(ids: Iterable[object]) -> str:
    return ", ".join(repr(i) for i in ids)
