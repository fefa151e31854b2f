r"""Node-level back-propagation on a network N = (V, A) (lecture 002, BACKPROPAGATE).

| lecture 002 | meaning | code |
|---|---|---|
| N = (V, A), (i, j) in A | neurons and weighted arcs | ``Network(edges={(i, j): w_ij}, ...)`` |
| in_j = sum_{i:(i,j) in A} w_ij a_i | total input of neuron j | ``record.in_[j]`` |
| a_j = g(in_j) (a_j = x_j at an input) | activation of neuron j | ``record.a[j]`` |
| Delta_j = g'(in_j) (-2 (y - a_j)) at an output | error signal, dJ/d in_j | ``record.delta[j]`` |
| Delta_j = g'(in_j) sum_{j':(j,j') in A} w_{j,j'} Delta_{j'} | error signal of a hidden j | ``record.delta[j]`` |
| dJ/dw_ij = Delta_j a_i | gradient of one arc | ``record.grad[(i, j)]`` |

Any DAG works, not only layers: the forward pass visits the neurons in a topological order
(Kahn's algorithm via ``graphlib``, no recursion) and the backward pass visits them in reverse,
so every arc is touched a constant number of times: the cost is linear in |V| + |A|. Each visit
gathers a neuron's arcs at once (``w[in-arcs of j] @ a[their sources]``), one numpy call per
neuron rather than one per arc; g and g' are applied once per depth (neurons of one depth never
feed each other), and a batch rides along as columns.
A bias is the weight of an arc from a unit whose activation is always 1 (lecture 003).
"""

from __future__ import annotations

import graphlib
from collections import deque
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from bpteach._checks import as_float_array, check_finite, flag, format_ids, layer_ids, reduction_of
from bpteach.activations import Activation, derivative_from_value, get_activation
from bpteach.init import draw_weights, rng_from
from bpteach.losses import Loss, get_loss

__all__ = ["Network", "NodeRecord", "Step"]

Neuron = Hashable
Arc = tuple[Hashable, Hashable]
# one depth of the network: [(position, in-arc indices, out-arc indices)], hidden positions,
# output positions, biased positions, their indices into b
_Level = tuple[list[tuple[int, np.ndarray, np.ndarray]], np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _num(v: float) -> str:
    """A number for a substituted formula: 4 significant digits, negatives in parentheses."""
    s = f"{v:.4g}"
    return f"({s})" if s.startswith("-") else s


def _sub(j: Neuron) -> str:
    return f"{{{j}}}"


def _w(i: Neuron, j: Neuron) -> str:
    return f"w_{{{i},{j}}}"


@dataclass(frozen=True)
class Step:
    """One line of BACKPROPAGATE: which quantity, its formula, the numbers, its value.

    ``phase`` is ``"input"`` (a_j <- x_j), ``"in"``, ``"a"``, ``"delta"`` or ``"grad"``;
    ``target`` is the neuron j, or the arc (i, j) for a gradient (``("bias", j)`` for a bias).
    ``formula`` and ``substituted`` are LaTeX (matplotlib mathtext compatible).
    """

    phase: str
    target: object
    symbol: str
    formula: str
    substituted: str
    value: float

    def __str__(self) -> str:
        return f"{self.symbol} = {self.formula} = {self.substituted} = {self.value:.6g}"


@dataclass
class NodeRecord:
    """What BACKPROPAGATE computed: in_j, a_j, Delta_j and dJ/dw_ij = Delta_j a_i.

    For one example every value is a float; for a batch (x of shape (n_inputs, n)) the per-neuron
    values are arrays over the examples and ``grad`` holds the mean (or the sum) of Delta_j a_i.
    """

    network: Network = field(repr=False)
    in_: dict[Neuron, float | np.ndarray]
    a: dict[Neuron, float | np.ndarray]
    delta: dict[Neuron, float | np.ndarray]
    grad: dict[Arc, float]
    grad_bias: dict[Neuron, float]
    loss: float
    y: dict[Neuron, float | np.ndarray] = field(repr=False)
    single: bool = field(repr=False, default=True)

    def gradients(self) -> dict[str, np.ndarray]:
        """The gradient as arrays aligned with ``network.parameters()``."""
        net = self.network
        return {
            "w": np.array([self.grad[arc] for arc in net.arcs], dtype=np.float64),
            "b": np.array([self.grad_bias[j] for j in net.bias_neurons], dtype=np.float64),
        }

    @cached_property
    def steps(self) -> list[Step]:
        """The procedure's steps in order, for replay (one example only)."""
        if not self.single:
            msg = "steps are recorded for one example: call backpropagate(x, y) with x of shape (n_inputs,)"
            raise ValueError(msg)
        return self.network._steps(self)


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
        self.inputs = self._neuron_list(inputs, "inputs")
        self.outputs = self._neuron_list(outputs, "outputs")
        both = set(self.inputs) & set(self.outputs)
        if both:
            msg = f"neuron(s) {format_ids(both)} listed in both inputs and outputs: a neuron is one or the other"
            raise ValueError(msg)
        if not isinstance(edges, Mapping):
            msg = f"edges must be a mapping {{(i, j): w_ij}}, got {type(edges).__name__}"
            raise TypeError(msg)
        self.arcs: list[Arc] = []
        for arc in edges:
            if not (isinstance(arc, tuple) and len(arc) == 2):
                msg = f"each key of edges must be an arc (i, j), got {arc!r}"
                raise TypeError(msg)
            self.arcs.append(arc)
        self.w = as_float_array([edges[arc] for arc in self.arcs], "edges' weights").reshape(-1)
        self._check_weights(self.w, self.arcs, "edges", "arc")
        self._build(hidden)
        bias = {} if bias is None else dict(self._mapping(bias, "bias", "{j: b_j}"))
        for j in bias:
            if j not in self._index or j in self._is_input:
                msg = (
                    f"bias has an entry for {j!r}, which is not a hidden or output neuron "
                    f"of this network (those are {format_ids(self.order[len(self.inputs) :])})"
                )
                raise ValueError(msg)
        self.bias_neurons: list[Neuron] = [j for j in self.order if j in bias]
        self.b = as_float_array([bias[j] for j in self.bias_neurons], "bias").reshape(-1)
        self._check_weights(self.b, self.bias_neurons, "bias", "neuron")
        self._layout = None if layout is None else self._checked_layout(layout)

    # ----------------------------------------------------------------- construction
    @staticmethod
    def _mapping(value: object, name: str, form: str) -> Mapping:
        if not isinstance(value, Mapping):
            msg = f"{name} must be a mapping {form}, got {type(value).__name__}: {value!r}"
            raise TypeError(msg)
        return value

    def _checked_layout(self, layout: object) -> dict[Neuron, tuple[float, float]]:
        layout = self._mapping(layout, "layout", "{neuron: (x, y)}")
        missing = [n for n in self.order if n not in layout]
        if missing:
            msg = f"layout must give a position (x, y) to every neuron, got none for {format_ids(missing)}"
            raise ValueError(msg)
        out = {}
        for n, point in layout.items():
            xy = as_float_array(point, f"layout[{n!r}]")
            if xy.shape != (2,):
                msg = f"layout[{n!r}] must be a point (x, y), got {point!r}"
                raise ValueError(msg)
            check_finite(xy, f"layout[{n!r}]")
            out[n] = (float(xy[0]), float(xy[1]))
        return out

    @staticmethod
    def _neuron_list(ids: Iterable[Neuron], name: str) -> list[Neuron]:
        if isinstance(ids, (str, bytes)) or not isinstance(ids, Iterable):
            msg = f"{name} must be a list of neuron ids, got {ids!r}"
            raise TypeError(msg)
        ids = list(ids)
        unhashable = [i for i in ids if not isinstance(i, Hashable)]
        if unhashable:
            msg = f"{name} must be neuron ids (numbers or strings), got the unhashable {unhashable[0]!r}"
            raise TypeError(msg)
        if not ids:
            msg = f"{name} must name at least one neuron, got an empty list"
            raise ValueError(msg)
        if len(set(ids)) != len(ids):
            msg = f"{name} lists a neuron twice: {ids}"
            raise ValueError(msg)
        return ids

    @staticmethod
    def _check_weights(values: np.ndarray, keys: list, name: str, what: str) -> None:
        bad = [f"{k!r}: {v}" for k, v in zip(keys, values, strict=True) if not np.isfinite(v)]
        if bad:
            msg = f"{name} must hold finite weights, got non-finite ones ({what} {', '.join(bad)})"
            raise ValueError(msg)

    def _build(self, hidden: Sequence[Neuron] | None) -> None:
        self._is_input = set(self.inputs)
        is_output = set(self.outputs)
        known: set[Neuron] | None = None
        if hidden is not None:
            if isinstance(hidden, Iterable) and not isinstance(hidden, (str, bytes)):
                hidden = list(hidden)  # an empty list is allowed here: a network without hidden neurons
            hidden = self._neuron_list(hidden, "hidden") if hidden != [] else []
            both = [j for j in hidden if j in self._is_input or j in is_output]
            if both:
                msg = (
                    f"hidden lists {format_ids(both)}, which are inputs or outputs: "
                    "a neuron is an input, a hidden or an output, one of the three"
                )
                raise ValueError(msg)
            known = self._is_input | is_output | set(hidden)
        preds: dict[Neuron, list[Neuron]] = {j: [] for j in [*self.inputs, *(hidden or []), *self.outputs]}
        seen: set[Arc] = set()
        for i, j in self.arcs:
            if (i, j) in seen:
                msg = f"the arc ({i!r}, {j!r}) appears twice in edges"
                raise ValueError(msg)
            seen.add((i, j))
            if known is not None and (i not in known or j not in known):
                unknown = i if i not in known else j
                msg = (
                    f"arc ({i!r}, {j!r}) names the unknown neuron {unknown!r}: "
                    f"the neurons are the inputs, the hidden and the outputs ({format_ids(known)})"
                )
                raise ValueError(msg)
            if j in self._is_input:
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
            cycle = exc.args[1]
            path = " -> ".join(repr(n) for n in cycle)
            msg = f"the arcs form a cycle {path}: a feed-forward network must be a DAG"
            raise ValueError(msg) from None
        # generations of Kahn's algorithm are the layers; inputs first in the user's order
        layers: list[list[Neuron]] = []
        while sorter.is_active():
            ready = list(sorter.get_ready())
            sorter.done(*ready)
            layers.append(ready)
        rank = {n: k for k, n in enumerate(preds)}
        order = list(self.inputs)
        for layer in layers:
            order.extend(sorted((n for n in layer if n not in self._is_input), key=rank.__getitem__))
        self.order: list[Neuron] = order
        self._index = {n: k for k, n in enumerate(order)}
        self.hidden: list[Neuron] = [n for n in order if n not in self._is_input and n not in is_output]
        # reachability from the inputs (breadth first, linear in |V| + |A|)
        succ: dict[Neuron, list[Neuron]] = {n: [] for n in order}
        for i, j in self.arcs:
            succ[i].append(j)
        reached = set(self.inputs)
        queue = deque(self.inputs)
        while queue:
            for j in succ[queue.popleft()]:
                if j not in reached:
                    reached.add(j)
                    queue.append(j)
        stranded = [n for n in order if n not in reached]
        if stranded:
            kinds = ["output" if n in is_output else "hidden" for n in stranded]
            names = ", ".join(f"{k} neuron {n!r}" for k, n in zip(kinds, stranded, strict=True))
            msg = f"no input reaches {names}: add an arc into it from an input's side, or remove it"
            raise ValueError(msg)
        # incoming and outgoing arc indices per neuron, for the two passes
        self._in_arcs: dict[Neuron, list[int]] = {n: [] for n in order}
        self._out_arcs: dict[Neuron, list[int]] = {n: [] for n in order}
        for k, (i, j) in enumerate(self.arcs):
            self._in_arcs[j].append(k)
            self._out_arcs[i].append(k)
        self._is_output = is_output
        # the same as index arrays, so that a neuron's arcs are gathered in one numpy call
        self._src = np.array([self._index[i] for i, _ in self.arcs], dtype=np.intp)
        self._dst = np.array([self._index[j] for _, j in self.arcs], dtype=np.intp)
        self._in_k = {n: np.array(ks, dtype=np.intp) for n, ks in self._in_arcs.items()}
        self._out_k = {n: np.array(ks, dtype=np.intp) for n, ks in self._out_arcs.items()}

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
        ids = layer_ids(sizes)
        bias = flag(bias, "bias")
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
        return {arc: float(v) for arc, v in zip(self.arcs, self.w, strict=True)}

    @property
    def bias(self) -> dict[Neuron, float]:
        """{j: b_j}, a copy."""
        return {j: float(v) for j, v in zip(self.bias_neurons, self.b, strict=True)}

    @cached_property
    def _arc_index(self) -> dict[Arc, int]:
        return {arc: k for k, arc in enumerate(self.arcs)}

    def weight(self, i: Neuron, j: Neuron) -> float:
        """w_ij."""
        return float(self.w[self._arc_position(i, j)])

    def set_weight(self, i: Neuron, j: Neuron, value: float) -> None:
        """Set w_ij (in place)."""
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            msg = f"the weight w_({i!r}, {j!r}) must be a number, got {type(value).__name__}: {value!r}"
            raise TypeError(msg)
        v = float(value)
        if not np.isfinite(v):
            msg = f"the weight w_({i!r}, {j!r}) must be finite, got {value!r}"
            raise ValueError(msg)
        self.w[self._arc_position(i, j)] = v

    def _arc_position(self, i: Neuron, j: Neuron) -> int:
        try:
            return self._arc_index[(i, j)]
        except KeyError:
            msg = f"there is no arc ({i!r}, {j!r}) in this network"
            raise KeyError(msg) from None

    def parameters(self) -> dict[str, np.ndarray]:
        """The trainable arrays, updated in place by training: arc weights ``w`` and biases ``b``."""
        return {"w": self.w, "b": self.b}

    def parameter_layers(self) -> dict[str, np.ndarray]:
        """For each parameter array, the layer (1..) of the neuron each entry feeds."""
        depth = self.depth
        return {
            "w": np.array([depth[j] for _, j in self.arcs], dtype=int),
            "b": np.array([depth[j] for j in self.bias_neurons], dtype=int),
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

    @cached_property
    def _plan(self) -> list[_Level]:
        """Per depth 1, 2, ...: (position, in-arcs, out-arcs) of each neuron, the positions of its
        hidden and of its output neurons, and its biased neurons' positions and indices into b."""
        pos, depth = self._index, self.depth
        bias_index = {j: k for k, j in enumerate(self.bias_neurons)}
        levels: dict[int, list[Neuron]] = {}
        for j in self.order[len(self.inputs) :]:
            levels.setdefault(depth[j], []).append(j)
        plan = []
        for d in sorted(levels):
            members = levels[d]
            plan.append(
                (
                    [(pos[j], self._in_k[j], self._out_k[j]) for j in members],
                    np.array([pos[j] for j in members if j not in self._is_output], dtype=np.intp),
                    np.array([pos[j] for j in members if j in self._is_output], dtype=np.intp),
                    np.array([pos[j] for j in members if j in bias_index], dtype=np.intp),
                    np.array([bias_index[j] for j in members if j in bias_index], dtype=np.intp),
                )
            )
        return plan

    @cached_property
    def _backward_hidden(self) -> list[Neuron]:
        """Hidden neurons from the outputs back: deepest layer first, lecture order within one."""
        return sorted(self.hidden, key=lambda j: (-self.depth[j], self._index[j]))

    @cached_property
    def depth(self) -> dict[Neuron, int]:
        """Longest path from an input, in arcs: the lecture's layer number minus one."""
        d = dict.fromkeys(self.order, 0)
        for j in self.order:
            for k in self._in_arcs[j]:
                d[j] = max(d[j], d[self.arcs[k][0]] + 1)
        return d

    def layout(self) -> dict[Neuron, tuple[float, float]]:
        """Positions for drawing: x = depth, neurons of one depth spread evenly on y."""
        if self._layout is not None:
            return dict(self._layout)
        columns: dict[int, list[Neuron]] = {}
        for n in self.order:
            columns.setdefault(self.depth[n], []).append(n)
        pos = {}
        for x, col in columns.items():
            for r, n in enumerate(col):
                pos[n] = (float(x), (len(col) - 1) / 2 - r)
        return pos

    def __repr__(self) -> str:
        return (
            f"Network(|V|={len(self.order)}, |A|={len(self.arcs)}, inputs={self.inputs}, "
            f"outputs={self.outputs}, activation={self.g.name!r}, "
            f"output_activation={self.g_out.name!r}, loss={self.loss_fn.name!r}, "
            f"biases={len(self.bias_neurons)})"
        )

    # ----------------------------------------------------------------- the algorithm
    def _examples(self, x: object, y: object, *, targets: bool = True) -> tuple[np.ndarray, np.ndarray | None, bool]:
        n_in, n_out = len(self.inputs), len(self.outputs)
        X = as_float_array(x, "x")
        single = X.ndim == 1
        if X.ndim not in (1, 2) or X.shape[0] != n_in:
            msg = (
                f"x has shape {X.shape} but the network has {n_in} input neurons "
                f"({format_ids(self.inputs)}): pass x with shape ({n_in},) for one example "
                f"or ({n_in}, n_examples)"
            )
            raise ValueError(msg)
        check_finite(X, "x")
        X = X.reshape(n_in, -1)
        if X.shape[1] < 1:
            msg = f"x must hold at least one example (column), got shape {X.shape}"
            raise ValueError(msg)
        if not targets:
            return X, None, single
        Y = as_float_array(y, "y")
        n = X.shape[1]
        if Y.ndim == 0 and n_out == 1 and single:
            Y = Y.reshape(1, 1)
        elif single and Y.shape == (n_out,):
            Y = Y.reshape(n_out, 1)
        elif Y.ndim == 1 and n_out == 1 and Y.shape == (n,):
            Y = Y.reshape(1, n)
        if Y.shape != (n_out, n):
            want = f"({n_out},)" if single else f"({n_out}, {n})"
            msg = (
                f"y has shape {Y.shape} but the network has {n_out} output neurons "
                f"({format_ids(self.outputs)}) and x holds {n} example(s): pass y with shape {want}"
            )
            raise ValueError(msg)
        check_finite(Y, "y")
        return X, Y, single

    def _forward(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """IN[p] = in_j and A[p] = a_j for the neuron j = order[p], one row per neuron."""
        n_in, V = len(self.inputs), len(self.order)
        A = np.empty((V, X.shape[1]))
        IN = np.zeros((V, X.shape[1]))
        A[:n_in] = X
        w, src = self.w, self._src
        for members, hidden, outputs, biased, b_index in self._plan:
            for p, ks, _ in members:
                IN[p] = w[ks] @ A[src[ks]]  # in_j = sum_{i:(i,j) in A} w_ij a_i
            if len(biased):
                IN[biased] += self.b[b_index][:, None]
            if len(hidden):
                A[hidden] = self.g(IN[hidden])  # a_j = g(in_j)
            if len(outputs):
                A[outputs] = self.g_out(IN[outputs])
        return IN, A

    def predict(self, x: object) -> np.ndarray:
        """The outputs a_j of the output neurons: shape (n_outputs,) or (n_outputs, n_examples)."""
        X, _, single = self._examples(x, None, targets=False)
        _, A = self._forward(X)
        out = A[[self._index[j] for j in self.outputs]]
        return out[:, 0] if single else out

    def loss(self, x: object, y: object, reduction: str = "mean") -> float:
        """J: the loss summed over the outputs, averaged (or summed) over the examples."""
        return self.backpropagate(x, y, reduction=reduction, _gradient=False).loss

    def backpropagate(self, x: object, y: object, reduction: str = "mean", *, _gradient: bool = True) -> NodeRecord:
        """BACKPROPAGATE((x, y); N = (V, A); w) of lecture 002.

        Forward, in topological order: a_j <- x_j at the inputs, then
        in_j = sum_{i:(i,j) in A} w_ij a_i and a_j = g(in_j). Backward, in reverse order:
        Delta_j = l'(a_j) g'(in_j) at an output (= g'(in_j) (-2 (y - a_j)) for squared error) and
        Delta_j = g'(in_j) sum_{j':(j,j') in A} w_{j,j'} Delta_{j'} at a hidden neuron. Then
        dJ/dw_ij = Delta_j a_i for every arc (averaged over a batch unless reduction="sum").
        """
        reduction = reduction_of(reduction)
        X, Y, single = self._examples(x, y)
        n = X.shape[1]
        IN, A = self._forward(X)
        pos = self._index
        out = [pos[j] for j in self.outputs]
        per_example = self.loss_fn.value(IN[out], A[out], Y, self.g_out).sum(axis=0)
        loss = float(per_example.mean() if reduction == "mean" else per_example.sum())
        scale = 1.0 / n if reduction == "mean" else 1.0
        yd = {j: Y[r] for r, j in enumerate(self.outputs)}
        in_ = {j: IN[pos[j]] for j in self.order[len(self.inputs) :]}
        a = {j: A[pos[j]] for j in self.order}
        delta: dict[Neuron, np.ndarray] = {}
        grad: dict[Arc, float] = {}
        grad_bias: dict[Neuron, float] = {}
        if _gradient:
            D = np.zeros_like(A)  # D[p] = Delta_j; a neuron that feeds no output keeps 0
            D[out] = self.loss_fn.delta(IN[out], A[out], Y, self.g_out)
            w, src, dst = self.w, self._src, self._dst
            for members, hidden, _, _, _ in reversed(self._plan):
                if not len(hidden):
                    continue
                for p, _, ks in members:
                    if len(ks):  # outputs have no out-arcs; a dead-end hidden keeps Delta 0
                        D[p] = w[ks] @ D[dst[ks]]  # sum_{j':(j,j') in A} w_jj' Delta_j'
                # Delta_j = g'(in_j) times that sum, for the whole depth at once
                D[hidden] *= derivative_from_value(self.g, IN[hidden], A[hidden])
            g = np.empty(len(self.arcs))
            for j in self.order[len(self.inputs) :]:
                ks = self._in_k[j]
                g[ks] = A[src[ks]] @ D[pos[j]]  # dJ/dw_ij = Delta_j a_i, summed over examples
            grad = dict(zip(self.arcs, (g * scale).tolist(), strict=True))
            grad_bias = {j: float(D[pos[j]].sum() * scale) for j in self.bias_neurons}
            delta = {j: D[pos[j]] for j in self.order[len(self.inputs) :]}
        if single:
            in_ = {j: float(v[0]) for j, v in in_.items()}
            a = {j: float(v[0]) for j, v in a.items()}
            delta = {j: float(v[0]) for j, v in delta.items()}
            yd = {j: float(v[0]) for j, v in yd.items()}
        return NodeRecord(self, in_, a, delta, grad, grad_bias, loss, yd, single)

    # ----------------------------------------------------------------- replay
    def _steps(self, rec: NodeRecord) -> list[Step]:
        g = "g"
        steps: list[Step] = []
        y_sym = {j: ("y" if len(self.outputs) == 1 else f"y_{_sub(j)}") for j in self.outputs}
        bias = self.bias
        for r, j in enumerate(self.inputs):
            steps.append(Step("input", j, f"a_{_sub(j)}", f"x_{{{r + 1}}}", _num(rec.a[j]), rec.a[j]))
        for j in self.order[len(self.inputs) :]:
            terms = [(_w(self.arcs[k][0], j), self.w[k], self.arcs[k][0]) for k in self._in_arcs[j]]
            formula = " + ".join(f"{ws}\\,a_{_sub(i)}" for ws, _, i in terms)
            numbers = " + ".join(f"{_num(wv)} \\cdot {_num(rec.a[i])}" for _, wv, i in terms)
            if j in bias:
                formula = f"{formula} + b_{_sub(j)}" if formula else f"b_{_sub(j)}"
                numbers = f"{numbers} + {_num(bias[j])}" if numbers else _num(bias[j])
            in_sym = f"\\mathrm{{in}}_{_sub(j)}"
            steps.append(Step("in", j, in_sym, formula, numbers, rec.in_[j]))
            gj = self.g_out if j in self._is_output else self.g
            steps.append(Step("a", j, f"a_{_sub(j)}", f"{g}({in_sym})", f"{gj.name}({rec.in_[j]:.4g})", rec.a[j]))
        for j in self.outputs:
            in_sym = f"\\mathrm{{in}}_{_sub(j)}"
            gp = float(self.g_out.derivative(rec.in_[j]))
            if self.loss_fn.fused(self.g_out):
                formula = f"a_{_sub(j)} - t_{_sub(j)}"
                numbers = f"{_num(rec.a[j])} - {_num(float(self.loss_fn.targets(np.array(rec.y[j]))))}"
            else:
                lp = float(self.loss_fn.derivative(rec.a[j], rec.y[j]))
                formula = f"{g}'({in_sym})\\,\\ell'(a_{_sub(j)})"
                numbers = f"{_num(gp)} \\cdot {_num(lp)}"
                if self.loss_fn.name == "squared_error":
                    formula = f"{g}'({in_sym})\\,(-2\\,({y_sym[j]} - a_{_sub(j)}))"
                    numbers = f"{_num(gp)} \\cdot (-2\\,({_num(rec.y[j])} - {_num(rec.a[j])}))"
                elif self.loss_fn.name == "half_squared_error":
                    formula = f"{g}'({in_sym})\\,(a_{_sub(j)} - {y_sym[j]})"
                    numbers = f"{_num(gp)} \\cdot ({_num(rec.a[j])} - {_num(rec.y[j])})"
            steps.append(Step("delta", j, f"\\Delta_{_sub(j)}", formula, numbers, rec.delta[j]))
        for j in self._backward_hidden:
            in_sym = f"\\mathrm{{in}}_{_sub(j)}"
            outs = [(self.arcs[k][1], self.w[k]) for k in self._out_arcs[j]]
            formula = f"{g}'({in_sym})\\,(" + " + ".join(f"{_w(j, jp)}\\,\\Delta_{_sub(jp)}" for jp, _ in outs) + ")"
            gp = float(self.g.derivative(rec.in_[j]))
            numbers = (
                f"{_num(gp)} \\cdot (" + " + ".join(f"{_num(wv)} \\cdot {_num(rec.delta[jp])}" for jp, wv in outs) + ")"
            )
            if not outs:
                formula, numbers = "0", "0"
            steps.append(Step("delta", j, f"\\Delta_{_sub(j)}", formula, numbers, rec.delta[j]))
        back = {n: r for r, n in enumerate([*self.outputs, *self._backward_hidden])}
        for k in sorted(range(len(self.arcs)), key=lambda k: (back[self.arcs[k][1]], k)):
            i, j = self.arcs[k]
            steps.append(
                Step(
                    "grad",
                    (i, j),
                    f"\\partial J / \\partial {_w(i, j)}",
                    f"\\Delta_{_sub(j)}\\,a_{_sub(i)}",
                    f"{_num(rec.delta[j])} \\cdot {_num(rec.a[i])}",
                    rec.grad[(i, j)],
                )
            )
        for j in self.bias_neurons:
            steps.append(
                Step(
                    "grad",
                    ("bias", j),
                    f"\\partial J / \\partial b_{_sub(j)}",
                    f"\\Delta_{_sub(j)} \\cdot 1",
                    f"{_num(rec.delta[j])} \\cdot 1",
                    rec.grad_bias[j],
                )
            )
        return steps
