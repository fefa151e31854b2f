r"""The fast version of the node level: ``backpropagate_fast(net, x, y)``, for large networks.

It returns the same ``NodeRecord`` as ``Network.backpropagate`` (a test holds the two equal),
by the same procedure, reorganised for numpy:

| ``Network.backpropagate`` (lecture 002) | here |
|---|---|
| ``in_[j]``, ``a[j]``, ``delta[j]`` in dicts | rows ``IN[p]``, ``A[p]``, ``D[p]``, p = j's place in ``net.order`` |
| one arc at a time: ``sum(w[i, j] * a[i] ...)`` | a neuron's arcs at once: ``w[ks] @ A[src[ks]]`` |
| g and g' once per neuron | once per depth (neurons of one depth never feed each other) |

Still linear in |V| + |A|, with one numpy call per neuron instead of one per arc. The lectures
and the stepper use ``Network.backpropagate``; this one is for the benchmarks and big DAGs.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from bpteach._checks import reduction_of
from bpteach.activations import derivative_from_value
from bpteach.graph import Network, NodeRecord

__all__ = ["backpropagate_fast"]


@dataclass(frozen=True)
class _Depth:
    """The neurons of one depth: each one's position with the indices of its in- and out-arcs,
    the positions of the hidden and of the output ones, and the biased ones with their index in b."""

    neurons: list[tuple[int, np.ndarray, np.ndarray]]
    hidden: np.ndarray
    outputs: np.ndarray
    biased: np.ndarray
    bias_index: np.ndarray


@dataclass(frozen=True)
class _Plan:
    src: np.ndarray  # position of i for arc k = (i, j)
    dst: np.ndarray  # position of j
    in_arcs: dict  # j -> indices k of its incoming arcs
    depths: list[_Depth]


_PLANS: weakref.WeakKeyDictionary[Network, _Plan] = weakref.WeakKeyDictionary()


def _plan(net: Network) -> _Plan:
    """Index arrays for ``net`` (its shape never changes, only its weights: built once)."""
    if net in _PLANS:
        return _PLANS[net]
    pos = {j: p for p, j in enumerate(net.order)}
    in_arcs: dict = {j: [] for j in net.order}
    out_arcs: dict = {j: [] for j in net.order}
    for k, (i, j) in enumerate(net.arcs):
        in_arcs[j].append(k)
        out_arcs[i].append(k)
    in_k = {j: np.array(ks, dtype=np.intp) for j, ks in in_arcs.items()}
    out_k = {j: np.array(ks, dtype=np.intp) for j, ks in out_arcs.items()}
    bias_index = {j: k for k, j in enumerate(net.bias_neurons)}
    levels: dict[int, list] = {}
    for j in net.order[len(net.inputs) :]:
        levels.setdefault(net.depth[j], []).append(j)

    def positions(members: list, keep: object) -> np.ndarray:
        return np.array([pos[j] for j in members if keep(j)], dtype=np.intp)

    depths = [
        _Depth(
            [(pos[j], in_k[j], out_k[j]) for j in members],
            positions(members, lambda j: j not in net.outputs),
            positions(members, lambda j: j in net.outputs),
            positions(members, lambda j: j in bias_index),
            np.array([bias_index[j] for j in members if j in bias_index], dtype=np.intp),
        )
        for _, members in sorted(levels.items())
    ]
    src = np.array([pos[i] for i, _ in net.arcs], dtype=np.intp)
    dst = np.array([pos[j] for _, j in net.arcs], dtype=np.intp)
    _PLANS[net] = _Plan(src, dst, in_k, depths)
    return _PLANS[net]


def backpropagate_fast(net: Network, x: object, y: object, reduction: str = "mean") -> NodeRecord:
    """``net.backpropagate(x, y, reduction)``, vectorised per neuron and per depth: the same record."""
    if not isinstance(net, Network):
        msg = f"net must be a bpteach Network, got {type(net).__name__}"
        raise TypeError(msg)
    X, Y = net._examples(x, y)
    reduction = reduction_of(reduction)
    plan, w, V, n = _plan(net), net.w, len(net.order), X.shape[1]
    rows = dict(zip(net.order, range(V), strict=True))
    IN, A = np.zeros((V, n)), np.empty((V, n))
    A[: len(net.inputs)] = X
    for d in plan.depths:  # forward, one depth at a time
        for p, ks, _ in d.neurons:
            IN[p] = w[ks] @ A[plan.src[ks]]  # in_j = sum_{i:(i,j) in A} w_ij a_i
        IN[d.biased] += net.b[d.bias_index][:, None]
        A[d.hidden] = net.g(IN[d.hidden])  # a_j = g(in_j)
        A[d.outputs] = net.g_out(IN[d.outputs])
    out = [rows[j] for j in net.outputs]
    D = np.zeros_like(A)  # D[p] = Delta_j; a neuron that feeds no output keeps 0
    D[out] = net.loss_fn._delta(IN[out], A[out], Y, net.g_out)
    for d in reversed(plan.depths):  # backward, one depth at a time
        for p, _, ks in d.neurons:
            if len(ks):
                D[p] = w[ks] @ D[plan.dst[ks]]  # sum_{j':(j,j') in A} w_jj' Delta_j'
        D[d.hidden] *= derivative_from_value(net.g, IN[d.hidden], A[d.hidden])
    scale = 1.0 / n if reduction == "mean" else 1.0
    g = np.empty(len(net.arcs))
    for j, ks in plan.in_arcs.items():
        g[ks] = A[plan.src[ks]] @ D[rows[j]]  # dJ/dw_ij = Delta_j a_i, summed over examples
    hidden_and_outputs = net.order[len(net.inputs) :]
    y_ = dict(zip(net.outputs, Y, strict=True))
    per_example = net.loss_fn._stable_value(IN[out], A[out], Y, net.g_out).sum(axis=0)
    record = NodeRecord(
        net,
        {j: IN[rows[j]] for j in hidden_and_outputs},
        {j: A[rows[j]] for j in net.order},
        {j: D[rows[j]] for j in hidden_and_outputs},
        dict(zip(net.arcs, (g * scale).tolist(), strict=True)),
        {j: float(D[rows[j]].sum() * scale) for j in net.bias_neurons},
        float(per_example.mean() if reduction == "mean" else per_example.sum()),
        y_,
        net.edges,
        net.bias,
    )
    return record.one_example() if np.ndim(x) == 1 else record
