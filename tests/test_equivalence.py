"""Node level = matrix form = blocks = central differences = an independent reference.

The reference below is written from the lectures' definitions alone (no bpteach code): a dense
forward pass over a DAG whose neurons are listed in a topological order, J = mean (or sum) over
examples of sum over outputs of l(a_j, y_j), differentiated by the complex step
dJ/dw = Im J(w + i h) / h, h = 1e-30, which has no cancellation and so gives every derivative
to machine precision. Against it, and against central differences, every view of
back-propagation must agree on random layered networks and random DAGs with skip arcs, for
every activation and loss, with and without biases, with one and with several outputs.
"""

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bpteach as bp

ACTIVATIONS = ["sigmoid", "tanh", "relu", "identity"]
LOSSES = ["squared_error", "half_squared_error", "log_loss"]
H = 1e-30  # complex step
# Plain central differences (J(w + eps) - J(w - eps)) / 2 eps, eps = 1e-5, carry an absolute
# error near 3e-11 (rounding of J over 2 eps), too coarse to resolve a gradient of 1e-5 to
# 1e-7 relative. The 1e-7 comparison therefore uses the fourth-order central stencil
# (-J(w + 2h) + 8 J(w + h) - 8 J(w - h) + J(w - 2h)) / 12 h, h = 1e-3 (error near 1e-13),
# relative above FLOOR and absolute at 1e-7 * FLOOR below it; bp.gradcheck (the plain
# stencil) is held to its own verdict, max relative error < 1e-6.
FLOOR = 1e-5

# --------------------------------------------------------------------------- the reference
# complex-safe g(z): relu's derivative is the step at Re z (never evaluated at a kink)
G = {
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.where(z.real > 0, z, 0.0),
    "identity": lambda z: z,
}


def L(name, a, y):
    if name == "squared_error":
        return (y - a) ** 2
    if name == "half_squared_error":
        return 0.5 * (y - a) ** 2
    t = (y == 1).astype(float) if np.any(y == -1) else y  # labels in {-1, +1} or {0, 1}
    return -t * np.log(a) - (1 - t) * np.log(1 - a)


@dataclass
class Spec:
    """A network written down independently: neurons 0..V-1 in a topological order."""

    n_in: int
    out: list[int]  # positions of the output neurons
    arcs: list[tuple[int, int]]  # (i, j) with i < j
    w: np.ndarray
    b: np.ndarray | None  # one bias per non-input neuron, or None
    act: str
    out_act: str
    loss: str
    V: int

    def pre_activations(self, X, w=None, b=None):
        w = self.w if w is None else w
        b = self.b if b is None else b
        dense = np.zeros((self.V, self.V), dtype=w.dtype)
        for (i, j), wij in zip(self.arcs, w, strict=True):
            dense[j, i] = wij  # in_j = sum_i w_ij a_i, one row per neuron j
        a = np.zeros((self.V, X.shape[1]), dtype=complex)
        a[: self.n_in] = X
        in_ = np.zeros_like(a)
        for j in range(self.n_in, self.V):
            in_[j] = dense[j] @ a + (0.0 if b is None else b[j - self.n_in])
            a[j] = G[self.out_act if j in self.out else self.act](in_[j])
        return in_, a

    def J(self, X, Y, w=None, b=None, reduction="mean"):
        _, a = self.pre_activations(X, w, b)
        per_example = sum(L(self.loss, a[j], Y[r]) for r, j in enumerate(self.out))
        return per_example.mean() if reduction == "mean" else per_example.sum()

    def gradient(self, X, Y, reduction="mean"):
        """dJ/dw for every arc and dJ/db for every bias, by the complex step."""

        def step(vec, k):
            v = vec.astype(complex)
            v[k] += 1j * H
            return v

        gw = np.array([self.J(X, Y, w=step(self.w, k), reduction=reduction).imag / H for k in range(len(self.w))])
        gb = None
        if self.b is not None:
            gb = np.array([self.J(X, Y, b=step(self.b, k), reduction=reduction).imag / H for k in range(len(self.b))])
        return gw, gb


def random_dag(rng, n_in, n_hidden, n_out, act, out_act, loss, bias):
    """A random DAG: each hidden neuron fed by 1..3 earlier neurons, each output by several
    neurons anywhere before it (skip arcs from the inputs and early hidden neurons)."""
    V = n_in + n_hidden + n_out
    arcs = []
    for j in range(n_in, n_in + n_hidden):
        k = int(rng.integers(1, min(3, j) + 1))
        arcs += [(int(i), j) for i in sorted(rng.choice(j, size=k, replace=False))]
    out = list(range(n_in + n_hidden, V))
    sources = n_in + n_hidden
    for j in out:
        k = int(rng.integers(1, min(4, sources) + 1))
        chosen = set(rng.choice(sources, size=k, replace=False).tolist())
        chosen.add(sources - 1 if n_hidden else 0)  # the last hidden neuron always feeds j
        arcs += [(int(i), j) for i in sorted(chosen)]
    w = rng.uniform(-1.5, 1.5, size=len(arcs))
    b = rng.uniform(-0.5, 0.5, size=V - n_in) if bias else None
    return Spec(n_in, out, arcs, w, b, act, out_act, loss, V)


def central_differences(model, X, Y, h=1e-3):
    """Fourth-order central differences of model.loss(X, Y) for every entry of its parameters."""
    out = {}
    for name, p in model.parameters().items():
        num = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            values = []
            for step in (2 * h, h, -h, -2 * h):
                p[idx] = old + step
                values.append(model.loss(X, Y))
            p[idx] = old
            num[idx] = (-values[0] + 8 * values[1] - 8 * values[2] + values[3]) / (12 * h)
        out[name] = num
    return out


def assert_matches_central_differences(model, rec, X, Y):
    numeric = central_differences(model, X, Y)
    analytic = rec.gradients()
    assert set(numeric) == set(analytic)
    for name, num in numeric.items():
        ana = np.asarray(analytic[name], float)
        scale = np.maximum(np.maximum(np.abs(ana), np.abs(num)), FLOOR)
        worst = float(np.max(np.abs(ana - num) / scale, initial=0.0))
        assert worst < 1e-7, f"{type(model).__name__} {name}: relative error {worst:.2e}"
    check = bp.gradcheck(model, X, Y)
    assert check.ok, str(check)


def layered_spec(mlp):
    """The Spec of an MLP, built from its W_i and b_i (arcs c -> r of W_i[r, c])."""
    offsets = np.cumsum([0, *mlp.sizes])
    arcs, w, b = [], [], []
    for i in range(1, mlp.m + 1):
        for r in range(mlp.sizes[i]):
            for c in range(mlp.sizes[i - 1]):
                arcs.append((int(offsets[i - 1] + c), int(offsets[i] + r)))
                w.append(mlp.W[i][r, c])
            if mlp.bias:
                b.append(mlp.b[i][r])
    out = list(range(offsets[-2], offsets[-1]))
    return Spec(
        mlp.sizes[0],
        out,
        arcs,
        np.array(w),
        np.array(b) if mlp.bias else None,
        mlp.g.name,
        mlp.g_out.name,
        mlp.loss_fn.name,
        int(offsets[-1]),
    )


NAMES = ["x1", "x2", "x3", "x4"]


def neuron_name(spec, k):
    # hashable ids of mixed kinds: strings for inputs, tuples for hidden, ints for outputs
    if k < spec.n_in:
        return NAMES[k]
    if k in spec.out:
        return 100 + k
    return ("h", k)


def network_of(spec, shuffle_rng=None):
    """The bp.Network of a Spec, its arcs given in a shuffled order (order must not matter)."""
    order = np.arange(len(spec.arcs))
    if shuffle_rng is not None:
        shuffle_rng.shuffle(order)
    edges = {(neuron_name(spec, spec.arcs[k][0]), neuron_name(spec, spec.arcs[k][1])): float(spec.w[k]) for k in order}
    bias = None
    if spec.b is not None:
        bias = {neuron_name(spec, spec.n_in + k): float(v) for k, v in enumerate(spec.b)}
    return bp.Network(
        edges,
        [neuron_name(spec, k) for k in range(spec.n_in)],
        [neuron_name(spec, k) for k in spec.out],
        activation=spec.act,
        output_activation=spec.out_act,
        loss=spec.loss,
        bias=bias,
    )


def data(rng, spec, n):
    X = rng.uniform(-2, 2, size=(spec.n_in, n))
    if spec.loss == "log_loss":
        Y = rng.choice([0.0, 1.0], size=(len(spec.out), n))
    else:
        Y = rng.uniform(-1, 1, size=(len(spec.out), n))
    return X, Y


def away_from_kinks(spec, X, margin=0.02):
    """True when no relu pre-activation lies within margin of 0 (central differences would
    straddle the kink there)."""
    if "relu" not in (spec.act, spec.out_act):
        return True
    in_, _ = spec.pre_activations(X)
    return bool(np.all(np.abs(in_[spec.n_in :].real) > margin))


def node_gradient(net, spec, rec):
    gw = np.array([rec.grad[(neuron_name(spec, i), neuron_name(spec, j))] for i, j in spec.arcs])
    gb = None
    if spec.b is not None:
        gb = np.array([rec.grad_bias[neuron_name(spec, spec.n_in + k)] for k in range(len(spec.b))])
    return gw, gb


def assert_close(actual, expected, rtol, what):
    actual, expected = np.asarray(actual, float), np.asarray(expected, float)
    # relative error with a floor of 1e-9 on the scale, so that an exact 0 compares absolutely
    scale = np.maximum(np.maximum(np.abs(actual), np.abs(expected)), 1e-9)
    worst = float(np.max(np.abs(actual - expected) / scale, initial=0.0))
    assert worst <= rtol, f"{what}: largest relative error {worst:.2e} > {rtol:.0e}"


def output_activation_for(act, loss):
    # log_loss is the likelihood of a sigmoid output (lecture 000); the others take any g
    return "sigmoid" if loss == "log_loss" else act


def sample_spec(seed, make):
    """Draw specs from successive seeds until one keeps relu away from its kink."""
    for k in range(400):
        rng = np.random.default_rng(seed + 1000 * k)
        spec, X, Y = make(rng)
        if away_from_kinks(spec, X):
            return spec, X, Y
    raise AssertionError("no sample kept every relu input away from 0")


# --------------------------------------------------------------------------- random DAGs
CASES = [
    (act, loss, bias, n_out) for act in ACTIVATIONS for loss in LOSSES for bias in (False, True) for n_out in (1, 3)
]


def _case_id(case):
    act, loss, bias, n_out = case
    return f"{act}-{loss}-{'bias' if bias else 'nobias'}-{n_out}out"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_dag_node_level_equals_reference_and_central_differences(case):
    act, loss, bias, n_out = case
    seed = CASES.index(case)

    def make(rng):
        spec = random_dag(rng, 3, 5, n_out, act, output_activation_for(act, loss), loss, bias)
        return (spec, *data(rng, spec, 4))

    spec, X, Y = sample_spec(seed, make)
    net = network_of(spec, np.random.default_rng(seed))
    rec = net.backpropagate(X, Y)
    assert rec.loss == pytest.approx(spec.J(X, Y).real, rel=1e-12)
    gw, gb = node_gradient(net, spec, rec)
    ref_w, ref_b = spec.gradient(X, Y)
    assert_close(gw, ref_w, 1e-9, "node level vs reference, w")
    if bias:
        assert_close(gb, ref_b, 1e-9, "node level vs reference, b")
    assert_matches_central_differences(net, rec, X, Y)
    assert bp.gradcheck(net, X, Y).n_checked == len(spec.arcs) + (len(spec.b) if bias else 0)


def test_random_dags_have_skip_arcs():
    # the DAG cases above are not layered in disguise: some arc skips a level
    rng = np.random.default_rng(3)
    spec = random_dag(rng, 3, 5, 2, "tanh", "tanh", "squared_error", False)
    net = network_of(spec)
    depth = net.depth
    skips = [(i, j) for i, j in net.arcs if depth[j] - depth[i] > 1]
    assert skips, "expected at least one skip arc"


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_dag_reduction_matches_reference(reduction):
    rng = np.random.default_rng(11)
    spec = random_dag(rng, 2, 6, 2, "tanh", "sigmoid", "half_squared_error", True)
    X, Y = data(rng, spec, 5)
    rec = network_of(spec).backpropagate(X, Y, reduction=reduction)
    ref_w, ref_b = spec.gradient(X, Y, reduction=reduction)
    gw, gb = node_gradient(None, spec, rec)
    assert_close(gw, ref_w, 1e-9, "w")
    assert_close(gb, ref_b, 1e-9, "b")
    assert rec.loss == pytest.approx(spec.J(X, Y, reduction=reduction).real, rel=1e-12)


@pytest.mark.parametrize("out_act", ACTIVATIONS)
def test_dag_with_a_different_output_activation(out_act):
    def make(rng):
        spec = random_dag(rng, 2, 4, 2, "sigmoid", out_act, "squared_error", True)
        return (spec, *data(rng, spec, 3))

    spec, X, Y = sample_spec(5, make)
    rec = network_of(spec).backpropagate(X, Y)
    gw, gb = node_gradient(None, spec, rec)
    ref_w, ref_b = spec.gradient(X, Y)
    assert_close(gw, ref_w, 1e-9, "w")
    assert_close(gb, ref_b, 1e-9, "b")


def test_log_loss_with_plus_minus_one_labels_equals_zero_one_labels():
    rng = np.random.default_rng(2)
    spec = random_dag(rng, 3, 4, 2, "tanh", "sigmoid", "log_loss", True)
    X, Y01 = data(rng, spec, 6)
    net = network_of(spec)
    r01 = net.backpropagate(X, Y01)
    rpm = net.backpropagate(X, 2 * Y01 - 1)
    assert rpm.loss == r01.loss
    assert rpm.grad == r01.grad
    ref_w, _ = spec.gradient(X, 2 * Y01 - 1)
    assert_close(node_gradient(net, spec, rpm)[0], ref_w, 1e-9, "w")


# --------------------------------------------------------------------------- layered networks
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_layered_node_equals_matrix_equals_blocks_equals_differences(case):
    act, loss, bias, n_out = case
    seed = 500 + CASES.index(case)

    def make(rng):
        sizes = [3, int(rng.integers(2, 5)), int(rng.integers(2, 4)), n_out]
        mlp = bp.MLP(sizes, act, output_activation_for(act, loss), loss, bias=bias, seed=rng)
        if bias:  # draw non-zero biases so that their gradients matter
            for i in range(1, mlp.m + 1):
                mlp.b[i][:] = rng.uniform(-0.5, 0.5, size=mlp.sizes[i])
        spec = layered_spec(mlp)
        return (spec, *data(rng, spec, 5)), mlp

    def make_spec(rng):
        (spec, X, Y), make_spec.mlp = make(rng)
        return spec, X, Y

    spec, X, Y = sample_spec(seed, make_spec)
    mlp = make_spec.mlp
    mrec = mlp.backpropagate(X, Y)
    net = bp.to_network(mlp)
    nrec = net.backpropagate(X, Y)
    crec = bp.to_chain(mlp).backpropagate(X, Y)
    ids = mlp.neuron_ids()

    # reference: the complex step on the independent dense forward pass
    ref_w, ref_b = spec.gradient(X, Y)
    node_w, node_b = nrec.gradients()["w"], nrec.gradients()["b"]
    order = {arc: k for k, arc in enumerate(net.arcs)}
    arc_of = [(ids[0] + [n for layer in ids[1:] for n in layer])[k] for k in range(spec.V)]
    node_w_in_spec_order = np.array([node_w[order[(arc_of[i], arc_of[j])]] for i, j in spec.arcs])
    assert_close(node_w_in_spec_order, ref_w, 1e-9, "node level vs reference")
    if bias:
        assert_close(node_b, ref_b, 1e-9, "node level vs reference, b")

    for i in range(1, mlp.m + 1):
        # matrix form = node level: grad W_i[r, c] = Delta_j a_src, delta_i[r] = Delta_j
        from_nodes = np.array([[nrec.grad[(src, j)] for src in ids[i - 1]] for j in ids[i]])
        assert_close(mrec.grad_W[i], from_nodes, 1e-12, f"grad W_{i} vs node level")
        deltas = np.array([nrec.delta[j] for j in ids[i]])
        assert_close(mrec.delta[i], deltas, 1e-12, f"delta_{i} vs Delta_j")
        assert_close(crec.gradients()[f"W{i}"], mrec.grad_W[i], 1e-12, f"blocks W{i}")
        if bias:
            assert_close(mrec.grad_b[i], [nrec.grad_bias[j] for j in ids[i]], 1e-12, "b")
            assert_close(crec.gradients()[f"b{i}"], mrec.grad_b[i], 1e-12, f"blocks b{i}")
    assert mrec.loss == pytest.approx(nrec.loss, rel=1e-12)
    assert crec.loss == pytest.approx(mrec.loss, rel=1e-12)
    assert mrec.loss == pytest.approx(spec.J(X, Y).real, rel=1e-12)

    chain = bp.to_chain(mlp)
    for model, rec in ((mlp, mrec), (net, nrec), (chain, chain.backpropagate(X, Y))):
        assert_matches_central_differences(model, rec, X, Y)


def test_network_layered_equals_reference():
    # Network.layered numbers neurons 1.. layer by layer; its arcs carry RAND(-eps, eps)
    net = bp.Network.layered([2, 3, 2, 2], activation="tanh", loss="squared_error", seed=4, scale=1.0)
    rng = np.random.default_rng(4)
    X = rng.uniform(-1, 1, size=(2, 3))
    Y = rng.uniform(-1, 1, size=(2, 3))
    spec = Spec(
        2, [7, 8], [(i - 1, j - 1) for i, j in net.arcs], net.w.copy(), None, "tanh", "tanh", "squared_error", 9
    )
    rec = net.backpropagate(X, Y)
    ref_w, _ = spec.gradient(X, Y)
    assert_close(rec.gradients()["w"], ref_w, 1e-9, "layered")


# --------------------------------------------------------------------------- properties
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n_in=st.integers(1, 4),
    n_hidden=st.integers(0, 6),
    n_out=st.integers(1, 3),
    act=st.sampled_from(ACTIVATIONS),
    loss=st.sampled_from(LOSSES),
    bias=st.booleans(),
    n=st.integers(1, 4),
)
def test_property_any_dag_any_activation_and_loss(seed, n_in, n_hidden, n_out, act, loss, bias, n):
    rng = np.random.default_rng(seed)
    spec = random_dag(rng, n_in, n_hidden, n_out, act, output_activation_for(act, loss), loss, bias)
    X, Y = data(rng, spec, n)
    # no finite differences here: the complex step takes relu' at Re in_j, as the algorithm does
    rec = network_of(spec).backpropagate(X, Y)
    gw, gb = node_gradient(None, spec, rec)
    ref_w, ref_b = spec.gradient(X, Y)
    assert_close(gw, ref_w, 1e-9, "w")
    if bias:
        assert_close(gb, ref_b, 1e-9, "b")


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    sizes=st.lists(st.integers(1, 4), min_size=2, max_size=4),
    act=st.sampled_from(ACTIVATIONS),
    loss=st.sampled_from(LOSSES),
    bias=st.booleans(),
    n=st.integers(1, 5),
)
def test_property_matrix_form_equals_node_level_and_blocks(seed, sizes, act, loss, bias, n):
    rng = np.random.default_rng(seed)
    mlp = bp.MLP(sizes, act, output_activation_for(act, loss), loss, bias=bias, seed=rng)
    X = rng.uniform(-2, 2, size=(sizes[0], n))
    Y = rng.choice([0.0, 1.0], size=(sizes[-1], n)) if loss == "log_loss" else rng.uniform(-1, 1, size=(sizes[-1], n))
    mrec = mlp.backpropagate(X, Y)
    nrec = bp.to_network(mlp).backpropagate(X, Y)
    crec = bp.to_chain(mlp).backpropagate(X, Y)
    ids = mlp.neuron_ids()
    for i in range(1, mlp.m + 1):
        from_nodes = np.array([[nrec.grad[(src, j)] for src in ids[i - 1]] for j in ids[i]])
        assert_close(mrec.grad_W[i], from_nodes, 1e-12, f"W{i}")
        assert_close(crec.gradients()[f"W{i}"], mrec.grad_W[i], 1e-12, f"blocks W{i}")
