"""The result format: what a student's function returned, as plain numbers, both ways.

One returned value becomes a list of *items* (one per returned value); an item is a float64
array or a dict {key text: float64 array}. The sandbox turns values into items (``to_items``)
and items into JSON records (``encode``); the grader reads records back with ``decode``, which
trusts nothing: exact types, bounded sizes and dimensions, numbers that match their shape.
The instant check in the notebook uses ``to_items`` directly.

This module imports the standard library and numpy only: it is the one piece of bpteach that is
also bound into the grading sandbox (as ``wire``), so both sides speak the same format.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "BPTEACH_BLOCKED",
    "MAX_DIMS",
    "MAX_VALUES",
    "Malformed",
    "clean_text",
    "decode",
    "encode",
    "same",
    "to_items",
]

MAX_VALUES = 2_000_000  # numbers in one returned value
MAX_DIMS = 8
MAX_ITEMS = 64  # values in one returned tuple, entries in one returned dict
MAX_TEXT = 500  # characters of an error message that come back
# the error a submission gets when it imports bpteach in the sandbox; the grader looks for it
BPTEACH_BLOCKED = "bpteach is not available while grading: the grade runs your own code, with numpy only"


class Malformed(ValueError):
    """A record from the sandbox that is not the plain numbers the grader asked for."""


def clean_text(text: object, limit: int = MAX_TEXT) -> str:
    """``text`` as printable UTF-8 (lone surrogates and control characters replaced), cut to ``limit``."""
    if not isinstance(text, str):
        text = str(type(text).__name__)
    text = text[: limit + 1].encode("utf-8", "replace").decode("utf-8")
    text = "".join(c if c.isprintable() or c == " " else "?" for c in text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ----------------------------------------------------------------------------- value -> items
def key_text(key: object) -> str:
    """A dict key as text: ints and tuples of ints only (arcs (i, j), layer numbers)."""
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        return repr(int(key))
    if isinstance(key, str):
        return repr(key)
    if isinstance(key, tuple) and all(isinstance(k, (int, np.integer)) and not isinstance(k, bool) for k in key):
        return repr(tuple(int(k) for k in key))
    msg = f"returned a dict with the key {clean_text(repr(key), 60)}: keys must be ints or tuples of ints"
    raise TypeError(msg)


def _array(value: object) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except Exception:  # any object that is not numbers
        msg = f"returned a {type(value).__name__}, which is not a number or an array of numbers"
        raise TypeError(msg) from None
    if arr.size > MAX_VALUES:
        msg = f"returned {arr.size} numbers, more than the {MAX_VALUES} allowed"
        raise ValueError(msg)
    if arr.ndim > MAX_DIMS:
        msg = f"returned an array with {arr.ndim} dimensions, more than the {MAX_DIMS} allowed"
        raise ValueError(msg)
    return arr


def _item(value: object) -> np.ndarray | dict[str, np.ndarray]:
    if isinstance(value, dict):
        if len(value) > MAX_ITEMS:
            msg = f"returned a dict with {len(value)} entries, more than the {MAX_ITEMS} allowed"
            raise ValueError(msg)
        return {key_text(k): _array(v) for k, v in value.items()}
    return _array(value)


def to_items(value: object, n_outputs: int | None) -> list:
    """A returned value as items: n_outputs 1 for one value, k for a k-tuple, None for a list."""
    if n_outputs == 1:
        return [_item(value)]
    if not isinstance(value, (tuple, list)):
        msg = f"returned a {type(value).__name__}, expected a tuple of {n_outputs or 'several'} values"
        raise TypeError(msg)
    if (n_outputs is not None and len(value) != n_outputs) or len(value) > MAX_ITEMS:
        msg = f"returned {len(value)} values, expected {n_outputs or f'at most {MAX_ITEMS}'}"
        raise TypeError(msg)
    return [_item(v) for v in value]


def _encode_array(arr: np.ndarray) -> dict:
    return {"shape": [int(s) for s in arr.shape], "data": arr.ravel().tolist()}


def encode(items: list) -> dict:
    """Items as a JSON-ready record ``{"items": [...]}``."""
    out = []
    for it in items:
        if isinstance(it, dict):
            out.append({"dict": [[k, _encode_array(v)] for k, v in it.items()]})
        else:
            out.append(_encode_array(it))
    return {"items": out}


# ----------------------------------------------------------------------------- record -> items
def _decode_array(obj: object) -> np.ndarray:
    if not (type(obj) is dict and set(obj) == {"shape", "data"}):
        msg = "an output is not an array record"
        raise Malformed(msg)
    shape, data = obj["shape"], obj["data"]
    if not (
        type(shape) is list
        and len(shape) <= MAX_DIMS
        and all(type(s) is int and 0 <= s <= MAX_VALUES for s in shape)
        and math.prod(shape) <= MAX_VALUES
    ):
        msg = "an output has an invalid shape"
        raise Malformed(msg)
    if not (type(data) is list and len(data) == math.prod(shape) and all(type(v) in (float, int) for v in data)):
        msg = "an output's numbers do not match its shape"
        raise Malformed(msg)
    try:
        return np.array(data, dtype=np.float64).reshape(shape)
    except (OverflowError, ValueError):
        msg = "an output holds a number out of range"
        raise Malformed(msg) from None


def decode(obj: object, n_outputs: int | None) -> list:
    """Validate a record from the sandbox (written by student code's process) into items."""
    if not (type(obj) is dict and type(obj.get("items")) is list and len(obj["items"]) <= MAX_ITEMS):
        msg = "the output record has no items"
        raise Malformed(msg)
    items: list = []
    for it in obj["items"]:
        if type(it) is dict and set(it) == {"dict"} and type(it["dict"]) is list and len(it["dict"]) <= MAX_ITEMS:
            pairs = it["dict"]
            if not all(type(p) is list and len(p) == 2 and type(p[0]) is str and len(p[0]) <= 40 for p in pairs):
                msg = "a returned dict is malformed"
                raise Malformed(msg)
            items.append({clean_text(k, 40): _decode_array(v) for k, v in pairs})
        else:
            items.append(_decode_array(it))
    if n_outputs is not None and len(items) != n_outputs:
        msg = f"expected {n_outputs} outputs, the record holds {len(items)}"
        raise Malformed(msg)
    return items


# ----------------------------------------------------------------------------- inputs
def same(before: object, after: object) -> bool:
    """Whether an argument is unchanged after the call (a function must not edit its input)."""
    try:
        if isinstance(before, np.ndarray):
            return (
                isinstance(after, np.ndarray)
                and before.shape == after.shape
                and bool(np.array_equal(before, after, equal_nan=True))
            )
        if isinstance(before, dict):
            return (
                isinstance(after, dict)
                and list(before) == list(after)
                and all(same(before[k], after[k]) for k in before)
            )
        if isinstance(before, (list, tuple)):
            return (
                type(before) is type(after)
                and len(before) == len(after)
                and all(same(b, a) for b, a in zip(before, after, strict=False))
            )
        if callable(before):
            return True
        return bool(before == after)
    except Exception:  # an argument turned into something odd
        return False
