"""bp.steps(record): BACKPROPAGATE replayed line by line, in plain text and in LaTeX.

Every line is checked against numbers computed apart from it: the record's values, and the
line's own substituted numbers evaluated as arithmetic (to their 4 significant digits).
"""

import math

import numpy as np
import pytest
from matplotlib.mathtext import MathTextParser

import bpteach as bp


def seven(seed=0, **kwargs):
    return bp.Network.layered([2, 2, 2, 1], seed=seed, **kwargs)


def skip_dag():
    # x2 feeds every layer: in_o sums arcs from a hidden neuron and from an input
    edges = {
        ("x1", "h1"): 0.6,
        ("x2", "h1"): -0.8,
        ("h1", "h2"): 1.1,
        ("x2", "h2"): 0.3,
        ("h2", "o"): -0.9,
        ("x2", "o"): 0.5,
    }
    return bp.Network(edges, ["x1", "x2"], ["o"], activation="tanh", bias={"h1": 0.2})


NETWORKS = {
    "seven": lambda: seven(0),
    "seven-bias": lambda: seven(2, bias=True, scale=2.0),
    "skip-dag": skip_dag,
    "log-loss": lambda: bp.Network.layered([2, 3, 2], output_activation="sigmoid", loss="log_loss", seed=4),
    "log-loss-tanh": lambda: bp.Network.layered([2, 2, 1], output_activation="tanh", loss="log_loss", seed=6),
    "relu": lambda: bp.Network.layered([2, 2, 1], activation="relu", loss="half_squared_error", seed=5),
}
# the plain text names the activations by their symbols: these are the functions they denote
# g'(in_j) by hand, from a_j or in_j
G_PRIME = {"sigmoid": lambda a, z: a * (1 - a), "tanh": lambda a, z: 1 - a * a, "relu": lambda a, z: float(z > 0)}
FUNCTIONS = {"σ": lambda z: 1 / (1 + math.exp(-z)), "tanh": math.tanh, "relu": lambda z: max(z, 0.0), "id": float}


def replay(name):
    net = NETWORKS[name]()
    y = [0.7] * len(net.outputs) if net.loss_fn is bp.log_loss else [0.35] * len(net.outputs)
    rec = net.backpropagate([0.8, -0.45], y)
    return net, rec, bp.steps(rec)


def evaluate(text):
    """The number a line of plain-text arithmetic denotes: '0.2·(-2·(1 - 0.5))' -> -0.2."""
    expr = text.replace("·", "*")
    allowed = set("0123456789.e+-*/() ") | {c for name in FUNCTIONS for c in name}
    assert set(expr) <= allowed, expr
    # only digits, operators and the four function names pass the line above: eval is safe here
    return eval(expr, {"__builtins__": {}}, FUNCTIONS)


@pytest.mark.parametrize("name", NETWORKS)
def test_steps_follow_the_procedures_order(name):
    net, _, steps = replay(name)
    n_in, n_rest, n_out = len(net.inputs), len(net.order) - len(net.inputs), len(net.outputs)
    n_grad = len(net.arcs) + len(net.bias_neurons)
    assert [st.phase for st in steps] == ["input"] * n_in + ["in", "a"] * n_rest + ["delta"] * n_rest + [
        "grad"
    ] * n_grad
    # inputs in the order of x, then in_j and a_j of each neuron after all its predecessors
    assert [st.target for st in steps[:n_in]] == net.inputs
    forward = steps[n_in : n_in + 2 * n_rest]
    visited = [st.target for st in forward[::2]]
    assert [st.target for st in forward[1::2]] == visited
    position = {j: k for k, j in enumerate([*net.inputs, *visited])}
    assert all(position[i] < position[j] for i, j in net.arcs)
    # Delta from the outputs back: every Delta_j' is known before a Delta_j that uses it
    backward = [st.target for st in steps[n_in + 2 * n_rest : n_in + 3 * n_rest]]
    assert backward[:n_out] == net.outputs
    back = {j: k for k, j in enumerate(backward)}
    assert all(back[j] < back[i] for i, j in net.arcs if i in back)
    # then Delta_j a_i on every arc (and Delta_j on every bias), each exactly once
    grads = [st.target for st in steps[-n_grad:]]
    assert sorted(map(str, grads)) == sorted(map(str, [*net.arcs, *[("bias", j) for j in net.bias_neurons]]))


@pytest.mark.parametrize("name", NETWORKS)
def test_each_step_holds_the_records_value_and_its_numbers_evaluate_to_it(name):
    _, rec, steps = replay(name)
    for st in steps:
        expected = {
            "input": lambda t: rec.a[t],
            "in": lambda t: rec.in_[t],
            "a": lambda t: rec.a[t],
            "delta": lambda t: rec.delta[t],
            "grad": lambda t: rec.grad_bias[t[1]] if t[0] == "bias" else rec.grad[t],
        }[st.phase](st.target)
        assert st.value == expected, st
        parts = str(st).split(" = ")
        assert parts[-1] == f"{st.value:.6g}"
        if st.phase != "input":
            numbers = parts[2] if len(parts) == 4 else parts[-1]
            assert evaluate(numbers) == pytest.approx(st.value, rel=5e-3, abs=1e-5), str(st)


@pytest.mark.parametrize("name", NETWORKS)
def test_terms_are_the_sums_of_the_lecture(name):
    net, rec, steps = replay(name)
    for st in steps:
        if st.phase == "in":
            # in_j = sum_{i:(i,j) in A} w_ij a_i (+ b_j, the weight from a unit whose a is 1)
            arcs = [(i, st.target) for i in net.predecessors[st.target]]
            arcs += [("bias", st.target)] if st.target in net.bias_neurons else []
            assert [t.arc for t in st.terms] == arcs
            for t in st.terms:
                w = net.bias[t.arc[1]] if t.arc[0] == "bias" else net.weight(*t.arc)
                assert (t.w, t.value) == (w, 1.0 if t.arc[0] == "bias" else rec.a[t.arc[0]])
                assert t.product == t.w * t.value
            assert sum(t.product for t in st.terms) == pytest.approx(st.value, rel=1e-12, abs=1e-15)
        elif st.phase == "delta" and st.target in net.hidden:
            # Delta_j = g'(in_j) sum_{j':(j,j') in A} w_jj' Delta_j'
            j = st.target
            assert [t.arc for t in st.terms] == [(j, k) for k in net.successors[j]]
            assert all(t.value == rec.delta[t.arc[1]] and t.w == net.weight(*t.arc) for t in st.terms)
            g_prime = G_PRIME[net.g.name](rec.a[j], rec.in_[j])
            total = sum(t.product for t in st.terms)
            assert st.value == pytest.approx(g_prime * total, rel=1e-12, abs=1e-15)
        else:
            assert st.terms == ()


def test_str_is_plain_text_as_in_the_contract():
    net = bp.Network({(1, 3): 0.1, (2, 3): 0.2}, [1, 2], [3])
    rec = net.backpropagate([1.0, 0.5], 1.0)
    by_key = {(st.phase, st.target): st for st in bp.steps(rec)}
    assert str(by_key[("in", 3)]) == "in₃ = w₁,₃·a₁ + w₂,₃·a₂ = 0.1·1 + 0.2·0.5 = 0.2"
    a3 = 1 / (1 + math.exp(-0.2))
    assert str(by_key[("a", 3)]) == f"a₃ = σ(in₃) = σ(0.2) = {a3:.6g}"
    assert str(by_key[("input", 2)]) == "a₂ = x₂ = 0.5"
    d3 = a3 * (1 - a3) * -2 * (1 - a3)
    assert (
        str(by_key[("delta", 3)]) == f"Δ₃ = σ'(in₃)·(-2·(y - a₃)) = {a3 * (1 - a3):.4g}·(-2·(1 - {a3:.4g})) = {d3:.6g}"
    )
    assert str(by_key[("grad", (2, 3))]).startswith("∂J/∂w₂,₃ = Δ₃·a₂ = ")


@pytest.mark.parametrize("name", NETWORKS)
def test_no_latex_in_the_text_and_valid_latex_in_the_latex(name):
    _, _, steps = replay(name)
    parser = MathTextParser("path")
    for st in steps:
        assert not set("\\{}_^$") & set(str(st)), str(st)
        assert st._repr_latex_() == f"${st.latex}$"
        parser.parse(st._repr_latex_())  # raises ValueError on LaTeX that mathtext cannot read


def test_lecture_symbols_in_the_latex():
    rec = seven().backpropagate([1.0, 0.5], 1.0)
    by_key = {(st.phase, st.target): st for st in bp.steps(rec)}
    assert by_key[("in", 3)].formula == r"w_{1,3}\,a_{1} + w_{2,3}\,a_{2}"
    assert by_key[("a", 3)].formula == r"\sigma(\mathrm{in}_{3})"
    assert by_key[("delta", 7)].formula == r"\sigma'(\mathrm{in}_{7})\,(-2\,(y - a_{7}))"
    assert by_key[("delta", 3)].formula == r"\sigma'(\mathrm{in}_{3})\,(w_{3,5}\,\Delta_{5} + w_{3,6}\,\Delta_{6})"
    assert by_key[("grad", (1, 3))].formula == r"\Delta_{3}\,a_{1}"


def test_fused_log_loss_step_shows_a_minus_t():
    net = bp.Network.layered([2, 2, 1], loss="log_loss", seed=0)
    rec = net.backpropagate([0.2, 0.4], -1.0)  # lecture 000's label -1 is t = 0
    step = next(st for st in bp.steps(rec) if st.phase == "delta" and st.target == 5)
    assert step.formula == "a_{5} - t_{5}"
    assert str(step).startswith("Δ₅ = a₅ - t₅ = ") and step.substituted.endswith("- 0")
    assert step.value == pytest.approx(1 / (1 + math.exp(-rec.in_[5])), rel=1e-15)


def test_a_dead_end_hidden_neuron_has_delta_zero():
    net = bp.Network({(1, 2): 0.5, (1, 3): 0.4}, [1], [3], hidden=[2])
    step = next(st for st in bp.steps(net.backpropagate([1.0], 0.0)) if st.target == 2 and st.phase == "delta")
    assert str(step) == "Δ₂ = 0" and step.value == 0.0


def test_steps_take_one_examples_record():
    with pytest.raises(ValueError, match=r"steps are recorded for one example"):
        bp.steps(seven().backpropagate(np.zeros((2, 3)), np.zeros(3)))
    with pytest.raises(TypeError, match=r"record must be what Network.backpropagate returns .*got MatrixRecord"):
        bp.steps(bp.MLP([2, 1]).backpropagate([[1.0], [0.0]], [[1.0]]))


def test_text_of_subscripts_without_unicode_letters():
    assert bp.steps.__module__ == "bpteach.steps"
    from bpteach.steps import to_text

    assert to_text(r"a_{b2}") == "a_(b2)" and to_text(r"a_{q}") == "a_q" and to_text(r"a_{12}") == "a₁₂"
    assert to_text(r"\frac{a_{1} - 1}{2}") == "(a₁ - 1)/(2)"
