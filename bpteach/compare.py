"""The node level and the matrix form side by side: the same numbers under two names.

Neuron k (0-based) of layer i is neuron ``mlp.neuron_ids()[i][k]`` of ``mlp.to_network()``; its
Delta_j (lecture 002) is delta_i[k] (lecture 000), and the gradient of the arc from neuron c of
layer i - 1 is grad W_i[k, c] = Delta_j a_i.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass

from bpteach._checks import as_float_array, check_finite
from bpteach.matrix import MLP

__all__ = ["SideBySide", "SideBySideRow", "side_by_side"]


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
            "<table><thead><tr><th>node level (lecture 002)</th><th>value</th>"
            "<th>matrix form (lecture 000)</th><th>value</th></tr></thead>"
            f"<tbody>{cells}</tbody></table><p>largest difference: {self.max_difference:.3g}</p>"
        )


def side_by_side(mlp: MLP, x: object, y: object) -> SideBySide:
    """Run both algorithms on one example (x of shape (n_0,)) and pair their numbers."""
    if not isinstance(mlp, MLP):
        msg = f"mlp must be an MLP (build one with bp.MLP(sizes)), got {type(mlp).__name__}"
        raise TypeError(msg)
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
    net = mlp.to_network()
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
