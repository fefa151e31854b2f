"""Input checks shared by the public functions: clear messages naming the argument.

Every message says which argument, what was expected and what was given, so a student who
passes the wrong shape learns the fix from the error alone. The public functions call these at
their entry; the algorithms behind them never check again.

| check | for |
|---|---|
| ``as_float_array``, ``check_finite`` | numbers: x, X, y, W, ... as float64 arrays, no NaN or infinity |
| ``number``, ``count``, ``flag``, ``reduction_of`` | one option: lr, eps, epochs, bias=True, "mean" or "sum" |
| ``choose`` | a name in a registry (any case; a misspelling gets "did you mean ...?") |
| ``layer_ids`` | sizes [n_0, ..., n_m], as lecture 002's neuron ids 1.. layer by layer |
| ``dag``, ``neuron_list``, ``weights``, ``positions`` | a network N = (V, A): a DAG, every neuron reached |
"""

from __future__ import annotations

import difflib
import graphlib
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import NamedTuple

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
        bounds = [] if low == -math.inf else [f"> {low}" if low_open else f">= {low}"]
        bounds += [] if high is None else [f"< {high}"]
        msg = f"{name} must be a finite number{' ' if bounds else ''}{' and '.join(bounds)}, got {value!r}"
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
    """Look ``value`` up in ``registry`` by name (any case), or fail listing the valid names.

    A misspelt name gets the closest valid one: "sigmiod" -> did you mean 'sigmoid'?
    """
    valid = ", ".join(repr(k) for k in registry)
    if isinstance(value, str):
        by_lower = {k.lower(): k for k in registry}
        key = value.strip().lower()
        if key in by_lower:
            return registry[by_lower[key]]
        close = difflib.get_close_matches(key, list(by_lower), n=1, cutoff=0.6)
        hint = f"did you mean {by_lower[close[0]]!r}? " if close else ""
        msg = f"unknown {what} {value!r} for {name}: {hint}choose one of {valid}"
        raise ValueError(msg)
    if any(value is v for v in registry.values()):
        return value
    if hasattr(value, "derivative") and callable(value):
        return value
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


# --------------------------------------------------------------------- a network N = (V, A)
def mapping(value: object, name: str, form: str) -> Mapping:
    """``value`` when it is a mapping (dict), or a TypeError showing the ``form`` expected."""
    if not isinstance(value, Mapping):
        msg = f"{name} must be a mapping {form}, got {type(value).__name__}: {value!r}"
        raise TypeError(msg)
    return value


def neuron_list(ids: object, name: str, *, may_be_empty: bool = False) -> list:
    """``ids`` as a list of distinct hashable neuron ids (at least one unless ``may_be_empty``)."""
    if isinstance(ids, (str, bytes)) or not isinstance(ids, Iterable):
        msg = f"{name} must be a list of neuron ids, got {ids!r}"
        raise TypeError(msg)
    ids = list(ids)
    unhashable = [i for i in ids if not isinstance(i, Hashable)]
    if unhashable:
        msg = f"{name} must be neuron ids (numbers or strings), got the unhashable {unhashable[0]!r}"
        raise TypeError(msg)
    if not ids and not may_be_empty:
        msg = f"{name} must name at least one neuron, got an empty list"
        raise ValueError(msg)
    if len(set(ids)) != len(ids):
        msg = f"{name} lists a neuron twice: {ids}"
        raise ValueError(msg)
    return ids


def weights(values: Mapping, name: str, what: str) -> np.ndarray:
    """The finite weights of ``values`` ({arc or neuron: weight}) as a float array in key order."""
    w = as_float_array(list(values.values()), f"{name}' weights" if name == "edges" else name).reshape(-1)
    bad = [f"{k!r}: {v}" for k, v in zip(values, w, strict=True) if not np.isfinite(v)]
    if bad:
        msg = f"{name} must hold finite weights, got non-finite ones ({what} {', '.join(bad)})"
        raise ValueError(msg)
    return w


class Dag(NamedTuple):
    """A checked feed-forward network: its arcs, and its neurons in a topological order."""

    arcs: list  # (i, j) in the order of edges
    order: list  # inputs first (in the order of x), then every neuron after all its predecessors
    hidden: list  # in ``order``
    depth: dict  # longest path from an input, in arcs: the lecture's layer number minus one


def dag(edges: object, inputs: list, outputs: list, hidden: object) -> Dag:
    """Check that ``edges`` make a DAG from ``inputs`` to ``outputs`` in which every neuron is reached.

    Kahn's algorithm (``graphlib``, no recursion) finds a cycle, or the topological order whose
    generations are the layers; a breadth-first walk from the inputs finds stranded neurons.
    Both are linear in |V| + |A|.
    """
    both = set(inputs) & set(outputs)
    if both:
        msg = f"neuron(s) {format_ids(both)} listed in both inputs and outputs: a neuron is one or the other"
        raise ValueError(msg)
    mapping(edges, "edges", "{(i, j): w_ij}")
    is_input, is_output = set(inputs), set(outputs)
    known = None
    if hidden is not None:
        hidden = neuron_list(hidden, "hidden", may_be_empty=True)
        clash = [j for j in hidden if j in is_input or j in is_output]
        if clash:
            msg = (
                f"hidden lists {format_ids(clash)}, which are inputs or outputs: "
                "a neuron is an input, a hidden or an output, one of the three"
            )
            raise ValueError(msg)
        known = is_input | is_output | set(hidden)
    preds: dict = {j: [] for j in [*inputs, *(hidden or []), *outputs]}
    for arc in edges:  # a dict has no arc twice
        if not (isinstance(arc, tuple) and len(arc) == 2):
            msg = f"each key of edges must be an arc (i, j), got {arc!r}"
            raise TypeError(msg)
        i, j = arc
        if known is not None and (i not in known or j not in known):
            msg = (
                f"arc ({i!r}, {j!r}) names the unknown neuron {i if i not in known else j!r}: "
                f"the neurons are the inputs, the hidden and the outputs ({format_ids(known)})"
            )
            raise ValueError(msg)
        if j in is_input:
            msg = f"input neuron {j!r} has an incoming arc ({i!r}, {j!r}): inputs take x_j only"
            raise ValueError(msg)
        if i in is_output:
            msg = (
                f"output neuron {i!r} has an outgoing arc ({i!r}, {j!r}): "
                "outputs must be the last neurons (list it as hidden instead)"
            )
            raise ValueError(msg)
        preds.setdefault(i, [])
        preds.setdefault(j, []).append(i)
    sorter = graphlib.TopologicalSorter(preds)
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        path = " -> ".join(repr(n) for n in exc.args[1])
        msg = f"the arcs form a cycle {path}: a feed-forward network must be a DAG"
        raise ValueError(msg) from None
    rank = {n: k for k, n in enumerate(preds)}
    order = list(inputs)
    while sorter.is_active():  # one generation of Kahn's algorithm is one layer
        ready = sorter.get_ready()
        sorter.done(*ready)
        order.extend(sorted((n for n in ready if n not in is_input), key=rank.__getitem__))
    depth = dict.fromkeys(order, 0)
    for j in order:
        for i in preds[j]:
            depth[j] = max(depth[j], depth[i] + 1)
    reached, frontier = set(inputs), list(inputs)
    succs: dict = {n: [] for n in order}
    for i, j in edges:
        succs[i].append(j)
    while frontier:
        for j in succs[frontier.pop()]:
            if j not in reached:
                reached.add(j)
                frontier.append(j)
    stranded = [n for n in order if n not in reached]
    if stranded:
        names = ", ".join(f"{'output' if n in is_output else 'hidden'} neuron {n!r}" for n in stranded)
        msg = f"no input reaches {names}: add an arc into it from an input's side, or remove it"
        raise ValueError(msg)
    inner = [n for n in order if n not in is_input and n not in is_output]
    return Dag(list(edges), order, inner, depth)


def positions(layout: object, neurons: list) -> dict:
    """``layout`` {neuron: (x, y)} checked: a finite point for every one of ``neurons``."""
    mapping(layout, "layout", "{neuron: (x, y)}")
    missing = [n for n in neurons if n not in layout]  # type: ignore[operator]
    if missing:
        msg = f"layout must give a position (x, y) to every neuron, got none for {format_ids(missing)}"
        raise ValueError(msg)
    out = {}
    for n, point in layout.items():  # type: ignore[attr-defined]
        xy = as_float_array(point, f"layout[{n!r}]")
        if xy.shape != (2,):
            msg = f"layout[{n!r}] must be a point (x, y), got {point!r}"
            raise ValueError(msg)
        check_finite(xy, f"layout[{n!r}]")
        out[n] = (float(xy[0]), float(xy[1]))
    return out
