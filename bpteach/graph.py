r"""Node-level back-propagation on a network N = (V, A) (lecture 002, BACKPROPAGATE).

| lecture 002 | meaning | code |
|---|---|---|
| N = (V, A), (i, j) in A | neurons and weighted arcs | ``Network(edges={(i, j): w_ij}, ...)`` |
| w_ij | the weight of arc (i, j) | ``w[i, j]`` in the algorithm; ``net.weight(i, j)`` |
| in_j = sum_{i:(i,j) in A} w_ij a_i | total input of neuron j | ``in_[j]``; ``record.in_[j]`` |
| a_j = g(in_j) (a_j = x_j at an input) | activation of neuron j | ``a[j]``; ``record.a[j]`` |
| Delta_j = g'(in_j) (-2 (y - a_j)) at an output | error signal, dJ/d in_j | ``delta[j]``; ``record.delta[j]`` |
| Delta_j = g'(in_j) sum_{j':(j,j') in A} w_{j,j'} Delta_{j'} | error signal of a hidden j | ``delta[j]`` |
| dJ/dw_ij = Delta_j a_i | gradient of one arc | ``record.grad[(i, j)]`` |

``Network.backpropagate`` is the procedure as the lecture writes it: a loop over the neurons in
a topological order (forward), then the same loop in reverse (backward), one arc at a time, so
its cost is linear in |V| + |A|. A batch rides along: with n examples (x of shape
(n_inputs, n)) every in_j, a_j and Delta_j is a row of n numbers. Any DAG works, not only
layers; the checks of a network's shape live in ``_checks.dag``, and a vectorised version for
large networks in ``graph_fast`` (tested equal to this one).
A bias is the weight of an arc from a unit whose activation is always 1 (lecture 003).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from bpteach import _checks
from bpteach.activations import Activation, get_activation
from bpteach.init import draw_weights, rng_from
from bpteach.losses import Loss, get_loss

__all__ = ["Network", "NodeRecord"]

Neuron = Hashable
Arc = tuple[Hashable, Hashable]


@dataclass
class NodeRecord:
    """What BACKPROPAGATE computed: in_j, a_j, Delta_j and dJ/dw_ij = Delta_j a_i.

    For one example every value is a float; for a batch (x of shape (n_inputs, n)) the per-neuron
    values are arrays over the examples and ``grad`` holds the mean (or the sum) of Delta_j a_i.
    ``w`` and ``b`` are the weights the pass used, ``y`` the targets of the output neurons.
    ``bp.steps(record)`` replays one example's record line by line.
    """

    network: Network = field(repr=False)
    in_: dict[Neuron, float | np.ndarray]
    a: dict[Neuron, float | np.ndarray]
    delta: dict[Neuron, float | np.ndarray]
    grad: dict[Arc, float]
    grad_bias: dict[Neuron, float]
    loss: float
    y: dict[Neuron, float | np.ndarray] = field(repr=False)
    w: dict[Arc, float] = field(repr=False)
    b: dict[Neuron, float] = field(repr=False)
    single: bool = field(repr=False, default=False)

    def one_example(self) -> NodeRecord:
        """The record of a batch of one example with numbers in place of its rows (in place)."""
        for values in (self.in_, self.a, self.delta, self.y):
            values.update((j, float(v[0])) for j, v in values.items())
        self.single = True
        return self

    def gradients(self) -> dict[str, np.ndarray]:
        """The gradient as arrays aligned with ``network.parameters()``."""
        net = self.network
        return {
            "w": np.array([self.grad[arc] for arc in net.arcs], dtype=np.float64),
            "b": np.array([self.grad_bias[j] for j in net.bias_neurons], dtype=np.float64),
        }


class Network:
    """A feed-forward network N = (V, A) of neurons with weights w_ij on its arcs (lecture 002).

    Parameters
    ----------
    edges : mapping {(i, j): w_ij}, the arcs and their weights; neuron ids are any hashables.
    inputs, outputs : the input and output neurons, in the order of x and y.
    activation : g of the hidden neurons (``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"identity"``).
    output_activation : g of the output neurons; None means the same as ``activation``.
    loss : ``"squared_error"`` (lecture 002), ``"half_squared_error"`` or ``"log_loss"``.
    bias : optional {j: b_j}, a weight from a constant-1 unit into neuron j.
    hidden : optional list of the hidden neurons; when given, an arc to any other neuron is an error.
    layout : optional {neuron: (x, y)} for drawing.
    """

    def __init__(
        self,
        edges: Mapping[Arc, float],
        inputs: Sequence[Neuron],
        outputs: Sequence[Neuron],
        activation: str | Activation = "sigmoid",
        output_activation: str | Activation | None = None,
        loss: str | Loss = "squared_error",
        bias: Mapping[Neuron, float] | None = None,
        hidden: Sequence[Neuron] | None = None,
        layout: Mapping[Neuron, tuple[float, float]] | None = None,
    ) -> None:
        self.g = get_activation(activation, "activation")
        self.g_out = self.g if output_activation is None else get_activation(output_activation, "output_activation")
        self.loss_fn = get_loss(loss, "loss")
        self.inputs = _checks.neuron_list(inputs, "inputs")
        self.outputs = _checks.neuron_list(outputs, "outputs")
        self._is_output = set(self.outputs)
        shape = _checks.dag(edges, self.inputs, self.outputs, hidden)
        self.arcs: list[Arc] = shape.arcs
        self.order: list[Neuron] = shape.order
        self.hidden: list[Neuron] = shape.hidden
        self.depth: dict[Neuron, int] = shape.depth  # the lecture's layer number minus one
        self.w = _checks.weights(edges, "edges", "arc")  # w[k] is the weight of arcs[k]
        self._arc_index = {arc: k for k, arc in enumerate(self.arcs)}
        bias = {} if bias is None else _checks.mapping(bias, "bias", "{j: b_j}")
        wrong = [j for j in bias if j not in self.depth or j in self.inputs]
        if wrong:
            msg = (
                f"bias has an entry for {wrong[0]!r}, which is not a hidden or output neuron "
                f"of this network (those are {_checks.format_ids(self.order[len(self.inputs) :])})"
            )
            raise ValueError(msg)
        self.bias_neurons: list[Neuron] = [j for j in self.order if j in bias]
        self.b = _checks.weights({j: bias[j] for j in self.bias_neurons}, "bias", "neuron")
        self._layout = None if layout is None else _checks.positions(layout, self.order)
        # i:(i, j) in A and j':(j, j') in A, the two sums of the lecture
        self.predecessors: dict[Neuron, list[Neuron]] = {j: [] for j in self.order}
        self.successors: dict[Neuron, list[Neuron]] = {j: [] for j in self.order}
        for i, j in self.arcs:
            self.predecessors[j].append(i)
            self.successors[i].append(j)

    @classmethod
    def layered(
        cls,
        sizes: Sequence[int],
        activation: str | Activation = "sigmoid",
        output_activation: str | Activation | None = None,
        loss: str | Loss = "squared_error",
        bias: bool = False,
        init: str = "uniform",
        scale: float | None = None,
        seed: int | np.random.Generator | None = 0,
    ) -> Network:
        """Fully connected layers of ``sizes`` neurons, numbered 1.. layer by layer (lecture 002).

        ``Network.layered([2, 2, 2, 1])`` is lecture 002's 7-neuron network: inputs 1, 2; hidden
        3, 4 then 5, 6; output 7. Weights are drawn by ``init`` (RAND(-eps, eps) by default).
        """
        ids = _checks.layer_ids(sizes)
        bias = _checks.flag(bias, "bias")
        rng = rng_from(seed)
        edges: dict[Arc, float] = {}
        for l in range(1, len(ids)):
            W = draw_weights((len(ids[l]), len(ids[l - 1])), init, scale, rng)
            for r, j in enumerate(ids[l]):
                for c, i in enumerate(ids[l - 1]):
                    edges[(i, j)] = float(W[r, c])
        biases = {j: 0.0 for layer in ids[1:] for j in layer} if bias else None
        hidden = [j for layer in ids[1:-1] for j in layer]
        return cls(edges, ids[0], ids[-1], activation, output_activation, loss, biases, hidden)

    # ----------------------------------------------------------------- weights
    @property
    def edges(self) -> dict[Arc, float]:
        """{(i, j): w_ij}, a copy."""
        return dict(zip(self.arcs, self.w.tolist(), strict=True))

    @property
    def bias(self) -> dict[Neuron, float]:
        """{j: b_j}, a copy."""
        return dict(zip(self.bias_neurons, self.b.tolist(), strict=True))

    def _arc_position(self, i: Neuron, j: Neuron) -> int:
        try:
            return self._arc_index[(i, j)]
        except KeyError:
            msg = f"there is no arc ({i!r}, {j!r}) in this network"
            raise KeyError(msg) from None

    def weight(self, i: Neuron, j: Neuron) -> float:
        """w_ij."""
        return float(self.w[self._arc_position(i, j)])

    def set_weight(self, i: Neuron, j: Neuron, value: float) -> None:
        """Set w_ij (in place)."""
        self.w[self._arc_position(i, j)] = _checks.number(value, f"the weight w_({i!r}, {j!r})", -np.inf, low_open=True)

    def parameters(self) -> dict[str, np.ndarray]:
        """The trainable arrays, updated in place by training: arc weights ``w`` and biases ``b``."""
        return {"w": self.w, "b": self.b}

    def parameter_layers(self) -> dict[str, np.ndarray]:
        """For each parameter array, the layer (1..) of the neuron each entry feeds."""
        return {
            "w": np.array([self.depth[j] for _, j in self.arcs], dtype=int),
            "b": np.array([self.depth[j] for j in self.bias_neurons], dtype=int),
        }

    def copy(self) -> Network:
        """An independent copy (weights included)."""
        return Network(
            self.edges,
            self.inputs,
            self.outputs,
            self.g,
            self.g_out,
            self.loss_fn,
            self.bias,
            self.hidden,
            self._layout,
        )

    def layout(self) -> dict[Neuron, tuple[float, float]]:
        """Positions for drawing: x = depth, neurons of one depth spread evenly on y."""
        if self._layout is not None:
            return dict(self._layout)
        columns: dict[int, list[Neuron]] = {}
        for n in self.order:
            columns.setdefault(self.depth[n], []).append(n)
        return {n: (float(x), (len(col) - 1) / 2 - r) for x, col in columns.items() for r, n in enumerate(col)}

    def __repr__(self) -> str:
        return (
            f"Network(|V|={len(self.order)}, |A|={len(self.arcs)}, inputs={self.inputs}, "
            f"outputs={self.outputs}, activation={self.g.name!r}, "
            f"output_activation={self.g_out.name!r}, loss={self.loss_fn.name!r}, "
            f"biases={len(self.bias_neurons)})"
        )

    # ----------------------------------------------------------------- the algorithm
    def predict(self, x: object) -> np.ndarray:
        """The outputs a_j of the output neurons: shape (n_outputs,) or (n_outputs, n_examples)."""
        X, _ = self._examples(x, None, targets=False)
        _, a = self._forward(X)
        out = np.array([a[j] for j in self.outputs])
        return out[:, 0] if np.ndim(x) == 1 else out

    def loss(self, x: object, y: object, reduction: str = "mean") -> float:
        """J: the loss summed over the outputs, averaged (or summed) over the examples."""
        return self._loss(*self._examples(x, y), _checks.reduction_of(reduction))

    def backpropagate(self, x: object, y: object, reduction: str = "mean") -> NodeRecord:
        """BACKPROPAGATE((x, y); N = (V, A); w) of lecture 002, on x of shape (n_inputs,) or (n_inputs, n).

        Returns the ``NodeRecord`` of in_j, a_j, Delta_j for every neuron and dJ/dw_ij = Delta_j a_i
        for every arc (the mean over a batch, or the sum with ``reduction="sum"``).
        """
        X, Y = self._examples(x, y)
        record = self._backpropagate(X, Y, _checks.reduction_of(reduction))
        return record.one_example() if np.ndim(x) == 1 else record

    def _forward(self, X: np.ndarray) -> tuple[dict, dict]:
        """/* Forward Propagation */ of lecture 002, on checked examples X (n_inputs, n)."""
        w, b = self.edges, self.bias
        in_, a = {}, {}
        for r, j in enumerate(self.inputs):
            a[j] = X[r]  # a_j <- x_j
        for j in self.order[len(self.inputs) :]:  # a topological order: every a_i is known
            in_[j] = sum(w[i, j] * a[i] for i in self.predecessors[j]) + b.get(j, 0.0)
            a[j] = self.g_of(j)(in_[j])
        return in_, a

    def _backpropagate(self, X: np.ndarray, Y: np.ndarray, reduction: str) -> NodeRecord:
        """Forward, then /* Backpropagation */ of lecture 002, on checked X (n_inputs, n), Y (n_outputs, n)."""
        w, b = self.edges, self.bias
        y = dict(zip(self.outputs, Y, strict=True))
        in_, a = self._forward(X)
        delta = {}
        for j in reversed(self.order[len(self.inputs) :]):  # every Delta_j' is known before Delta_j
            g = self.g_of(j)
            if j in y:  # Delta_j <- g'(in_j) l'(a_j), which is g'(in_j) (-2 (y - a_j)) for squared error
                delta[j] = self.loss_fn._delta(in_[j], a[j], y[j], g)
            else:  # Delta_j <- g'(in_j) sum_{j':(j,j') in A} w_jj' Delta_j'
                delta[j] = g.derivative(in_[j]) * sum(w[j, k] * delta[k] for k in self.successors[j])
        scale = 1.0 / X.shape[1] if reduction == "mean" else 1.0  # the mean of Delta_j a_i over a batch
        grad = {(i, j): float(delta[j] @ a[i]) * scale for i, j in self.arcs}  # dJ/dw_ij = Delta_j a_i
        grad_bias = {j: float(delta[j].sum()) * scale for j in b}  # a bias: a_i = 1
        delta = {j: delta[j] for j in self.order[len(self.inputs) :]}  # lecture order, not visit order
        return NodeRecord(self, in_, a, delta, grad, grad_bias, self._total_loss(in_, a, y, reduction), y, w, b)

    def g_of(self, j: Neuron) -> Activation:
        """The activation g of neuron j: ``output_activation`` at an output, ``activation`` elsewhere."""
        return self.g_out if j in self._is_output else self.g

    def _loss(self, X: np.ndarray, Y: np.ndarray, reduction: str) -> float:
        in_, a = self._forward(X)
        return self._total_loss(in_, a, dict(zip(self.outputs, Y, strict=True)), reduction)

    def _total_loss(self, in_: dict, a: dict, y: dict, reduction: str) -> float:
        """J = sum over the outputs of l(a_j, y_j), the mean (or sum) over the examples."""
        per_example = sum(self.loss_fn._stable_value(in_[j], a[j], y[j], self.g_out) for j in self.outputs)
        return float(per_example.mean() if reduction == "mean" else per_example.sum())

    def _examples(self, x: object, y: object, *, targets: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """x as columns (n_inputs, n) and y as (n_outputs, n), checked against the network."""
        n_in, n_out = len(self.inputs), len(self.outputs)
        X = _checks.as_float_array(x, "x")
        single = X.ndim == 1
        if X.ndim not in (1, 2) or X.shape[0] != n_in:
            hint = " (examples are columns here: pass x.T)" if X.ndim == 2 and X.shape[1] == n_in else ""
            msg = (
                f"x has shape {X.shape} but the network has {n_in} input neurons "
                f"({_checks.format_ids(self.inputs)}): pass x with shape ({n_in},) for one example "
                f"or ({n_in}, n_examples){hint}"
            )
            raise ValueError(msg)
        _checks.check_finite(X, "x")
        X = X.reshape(n_in, -1)
        if X.shape[1] < 1:
            msg = f"x must hold at least one example (column), got shape {X.shape}"
            raise ValueError(msg)
        if not targets:
            return X, None  # type: ignore[return-value]
        Y = _checks.as_float_array(y, "y")
        n = X.shape[1]
        one_target = Y.ndim == 0 and n_out == 1 and single
        if one_target or (single and Y.shape == (n_out,)) or (Y.ndim == 1 and n_out == 1 and Y.shape == (n,)):
            Y = Y.reshape(n_out, n)  # one example's targets, or one output's row of targets
        if Y.shape != (n_out, n):
            want = f"({n_out},)" if single else f"({n_out}, {n})"
            msg = (
                f"y has shape {Y.shape} but the network has {n_out} output neurons "
                f"({_checks.format_ids(self.outputs)}) and x holds {n} example(s): pass y with shape {want}"
            )
            raise ValueError(msg)
        _checks.check_finite(Y, "y")
        self.loss_fn.check_targets(Y)
        return X, Y
