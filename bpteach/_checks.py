"""Input checks shared by the public functions: clear messages naming the argument.

Every message says which argument, what was expected and what was given, so a student who
passes the wrong shape learns the fix from the error alone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np


def as_float_array(value: object, name: str) -> np.ndarray:
    """``value`` as a float64 array, or a TypeError naming ``name``.

    None and True/False are refused: numpy would turn them into NaN and 1.0 without a word.
    """
    if value is None or isinstance(value, (bool, np.bool_)):
        msg = f"{name} must be numbers (an array of floats), got {value!r}"
        raise TypeError(msg)
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        msg = f"{name} must be numbers (an array of floats), got {type(value).__name__}: {exc}"
        raise TypeError(msg) from None
    return arr


def number(value: object, name: str, low: float, *, low_open: bool = False, high: float | None = None) -> float:
    """``value`` as a finite float in [low, high) ((low, high) when ``low_open``), or an error naming ``name``."""
    bad_type = isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating))
    if bad_type:
        msg = f"{name} must be a number, got {type(value).__name__}: {value!r}"
        raise TypeError(msg)
    v = float(value)  # type: ignore[arg-type]
    too_low = v <= low if low_open else v < low
    too_high = high is not None and v >= high
    if not math.isfinite(v) or too_low or too_high:
        lower = f"> {low}" if low_open else f">= {low}"
        upper = f" and < {high}" if high is not None else ""
        msg = f"{name} must be a finite number {lower}{upper}, got {value!r}"
        raise ValueError(msg)
    return v


def count(value: object, name: str, low: int) -> int:
    """``value`` as an int >= ``low`` (True and False are not counts), or an error naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        msg = f"{name} must be an int >= {low}, got {value!r}"
        raise ValueError(msg)
    return int(value)


def flag(value: object, name: str) -> bool:
    """``value`` when it is True or False: bool("no") is True, so a string must not pass."""
    if not isinstance(value, (bool, np.bool_)):
        msg = f"{name} must be True or False, got {type(value).__name__}: {value!r}"
        raise TypeError(msg)
    return bool(value)


def reduction_of(value: object) -> str:
    """``value`` when it is "mean" or "sum" (how a batch's losses and gradients combine)."""
    if not isinstance(value, str) or value not in ("mean", "sum"):
        msg = f"reduction must be 'mean' or 'sum', got {value!r}"
        raise ValueError(msg)
    return value  # type: ignore[return-value]


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


def layer_ids(sizes: Sequence[int]) -> list[list[int]]:
    """``sizes`` checked (at least two positive ints), as the neuron ids 1.. layer by layer.

    Lecture 002 numbers the neurons this way: ``layer_ids([2, 2, 1]) == [[1, 2], [3, 4], [5]]``;
    the matrix form and the node level share it, so neuron k of layer i has one id in both.
    """
    if isinstance(sizes, np.ndarray) and sizes.ndim == 1:
        sizes = sizes.tolist()
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence) or len(sizes) < 2:
        msg = f"sizes must list at least two layer sizes (inputs and outputs), got {sizes!r}"
        raise ValueError(msg)
    for s in sizes:
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool) or s < 1:
            msg = f"sizes must be positive integers, got {list(sizes)}"
            raise ValueError(msg)
    ids, nxt = [], 1
    for s in sizes:
        ids.append(list(range(nxt, nxt + int(s))))
        nxt += int(s)
    return ids
