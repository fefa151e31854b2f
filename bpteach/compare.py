"""Conversions between the forms, and the node level and the matrix form side by side.

graph (lecture 002), matrix (lecture 000) and blocks (lecture 004) stand side by side and never
import each other; this is the one module that knows two forms.

| function | from | to |
|---|---|---|
| ``to_network(mlp)`` | ``MLP``, W_i[r, c] | ``Network``, w_ij on the arc c -> r between layers i-1 and i |
| ``to_chain(mlp)`` | ``MLP`` | ``Chain``: Linear(W_1, b_1), s, Linear(W_2, b_2), s, ..., loss (the same arrays) |
| ``side_by_side(mlp, x, y)`` | one example | Delta_j beside delta_i[k], Delta_j a_i beside grad W_i[k, c] |

Neuron k (0-based) of layer i is neuron ``mlp.neuron_ids()[i][k]`` of ``to_network(mlp)``; its
Delta_j (lecture 002) is delta_i[k] (lecture 000), and the gradient of the arc from neuron c of
layer i - 1 is grad W_i[k, c] = Delta_j a_i.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass

from bpteach._checks import as_float_array, check_finite
from bpteach.blocks import ActivationBlock, Chain, Linear
from bpteach.graph import Network
from bpteach.matrix import MLP

__all__ = ["SideBySide", "SideBySideRow", "side_by_side", "to_chain", "to_network"]


def _mlp(mlp: object) -> MLP:
    if not isinstance(mlp, MLP):
        msg = f"mlp must be an MLP (build one with bp.MLP(sizes)), got {type(mlp).__name__}"
        raise TypeError(msg)
    return mlp


def to_network(mlp: MLP) -> Network:
    """The same function as a node-level ``Network``, neurons numbered 1.. layer by layer.

    Neuron k (0-based) of layer i gets id ``mlp.neuron_ids()[i][k]``; the arc from neuron c of
    layer i-1 to neuron r of layer i carries w = W[i][r, c]. The weights are copied.
    """
    ids = _mlp(mlp).neuron_ids()
    edges = {}
    for i in range(1, mlp.m + 1):
        for r, j in enumerate(ids[i]):
            for c, src in enumerate(ids[i - 1]):
                edges[(src, j)] = float(mlp.W[i][r, c])
    bias = {j: float(mlp.b[i][r]) for i in range(1, mlp.m + 1) for r, j in enumerate(ids[i])} if mlp.bias else None
    hidden = [j for layer in ids[1:-1] for j in layer]
    return Network(edges, ids[0], ids[-1], mlp.g, mlp.g_out, mlp.loss_fn, bias, hidden)


def to_chain(mlp: MLP) -> Chain:
    """The same network as a chain of blocks (lecture 004): Linear, activation, Linear, ...

    The blocks share the MLP's W_i and b_i arrays, so training one trains the other.
    """
    blocks: list[Linear | ActivationBlock] = []
    for i in range(1, _mlp(mlp).m + 1):
        s = mlp.g_out if i == mlp.m else mlp.g
        blocks += [Linear(mlp.W[i], mlp.b[i] if mlp.bias else None), ActivationBlock(s)]
    return Chain(blocks, mlp.loss_fn)


@dataclass(frozen=True)
class SideBySideRow:
    """One quantity in both notations."""

    node: str  # lecture 002's name, e.g. "Delta_5" or "dJ/dw_(3, 5)"
    matrix: str  # lecture 000's name, e.g. "delta_2[0]" or "grad W_2[0, 0]"
    node_value: float
    matrix_value: float

    @property
    def difference(self) -> float:
        """|node value - matrix value|: 0 up to rounding, since Delta_j = delta_i[k]."""
        return abs(self.node_value - self.matrix_value)


@dataclass(frozen=True)
class SideBySide:
    """Every Delta_j beside its delta_i entry, every Delta_j a_i beside its grad W_i entry."""

    rows: list[SideBySideRow]

    @property
    def max_difference(self) -> float:
        """The largest |Delta_j - delta_i[k]| (or gradient difference) over all rows."""
        return max((r.difference for r in self.rows), default=0.0)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[SideBySideRow]:
        return iter(self.rows)

    def __str__(self) -> str:
        width = max(len(r.node) for r in self.rows)
        mwidth = max(len(r.matrix) for r in self.rows)
        lines = [f"{'node level':<{width}}  {'value':>12}   {'matrix form':<{mwidth}}  {'value':>12}"]
        for r in self.rows:
            lines.append(f"{r.node:<{width}}  {r.node_value:>12.6g}   {r.matrix:<{mwidth}}  {r.matrix_value:>12.6g}")
        lines.append(f"largest difference: {self.max_difference:.3g}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        cells = "".join(
            f"<tr><td>{html.escape(r.node)}</td><td style='text-align:right'>{r.node_value:.6g}</td>"
            f"<td>{html.escape(r.matrix)}</td><td style='text-align:right'>{r.matrix_value:.6g}</td></tr>"
            for r in self.rows
        )
        return (
            "<table><thead><tr><th>node level (lecture 4)</th><th>value</th>"
            "<th>matrix form (lecture 5)</th><th>value</th></tr></thead>"
            f"<tbody>{cells}</tbody></table><p>largest difference: {self.max_difference:.3g}</p>"
        )


def side_by_side(mlp: MLP, x: object, y: object) -> SideBySide:
    """Run both algorithms on one example (x of shape (n_0,)) and pair their numbers."""
    _mlp(mlp)
    x_ = as_float_array(x, "x")
    if x_.shape not in ((mlp.sizes[0],), (mlp.sizes[0], 1)):
        msg = f"x has shape {x_.shape} but side_by_side takes one example: pass x with shape ({mlp.sizes[0]},)"
        raise ValueError(msg)
    check_finite(x_, "x")
    x_ = x_.reshape(-1)
    y_ = as_float_array(y, "y")
    n_out = mlp.sizes[-1]
    if y_.size != n_out or y_.ndim > 2:
        msg = f"y has shape {y_.shape} but the network has {n_out} output neuron(s): pass y with shape ({n_out},)"
        raise ValueError(msg)
    check_finite(y_, "y")
    y_ = y_.reshape(-1)
    mrec = mlp.backpropagate(x_[:, None], y_[:, None])
    net = to_network(mlp)
    nrec = net.backpropagate(x_, y_)
    ids = mlp.neuron_ids()
    rows: list[SideBySideRow] = []
    for i in range(mlp.m, 0, -1):
        for k, j in enumerate(ids[i]):
            rows.append(SideBySideRow(f"Delta_{j}", f"delta_{i}[{k}]", nrec.delta[j], float(mrec.delta[i][k, 0])))
    for i in range(mlp.m, 0, -1):
        for k, j in enumerate(ids[i]):
            for c, src in enumerate(ids[i - 1]):
                rows.append(
                    SideBySideRow(
                        f"dJ/dw_({src}, {j}) = Delta_{j} a_{src}",
                        f"grad W_{i}[{k}, {c}]",
                        nrec.grad[(src, j)],
                        float(mrec.grad_W[i][k, c]),
                    )
                )
            if mlp.bias:
                rows.append(
                    SideBySideRow(
                        f"dJ/db_{j} = Delta_{j}", f"grad b_{i}[{k}]", nrec.grad_bias[j], float(mrec.grad_b[i][k])
                    )
                )
    return SideBySide(rows)
