r"""Exercise 04, the node-level BACKPROPAGATE of lecture 4 (sigmoid g, J = (y - a)^2).

| part | the student writes | reference |
|---|---|---|
| ex04_delta_output | Delta_j = g'(in_j) (-2 (y - a_j)) | ``squared_error.derivative`` x ``sigmoid.derivative`` |
| ex04_delta_hidden | Delta_j = g'(in_j) sum_{j'} w_{j,j'} Delta_{j'} | ``sigmoid.derivative`` |
| ex04_gradient | {(i, j): Delta_j a_i} for lecture 4's 7-neuron network | ``Network.backpropagate`` |
| ex04_bias_gradient | {j: dJ/db_j} = {j: Delta_j} for the same network with biases (formula given) | ``grad_bias`` |
| ex04_input_gradient | (dJ/dx_1, dJ/dx_2) = sum_j w_ij Delta_j, derived by the student | ``Network.backpropagate`` |
"""

from __future__ import annotations

import numpy as np

from bpteach.activations import sigmoid
from bpteach.grading.preambles import SIGMOID_PREAMBLE
from bpteach.grading.spec import Exercise, Mistake, Part
from bpteach.graph import Network, NodeRecord
from bpteach.losses import squared_error

__all__ = ["ARCS", "EXERCISE"]

# lecture 4's network (the source's lecture 002): inputs 1, 2; hidden 3, 4 then 5, 6; output 7
ARCS = [(1, 3), (1, 4), (2, 3), (2, 4), (3, 5), (3, 6), (4, 5), (4, 6), (5, 7), (6, 7)]
_LAYERS = [[1, 2], [3, 4], [5, 6], [7]]


def _output_cases(rng: np.random.Generator) -> list[tuple]:
    cases = []
    for shape in ((), (3,), (2, 2)):
        in_ = rng.normal(0.0, 2.0, shape)
        cases.append((in_, sigmoid(in_), rng.uniform(0.0, 1.0, shape)))
    return cases


def _hidden_cases(rng: np.random.Generator) -> list[tuple]:
    return [(float(rng.normal(0.0, 1.5)), rng.normal(0.0, 1.0, k), rng.normal(0.0, 0.3, k)) for k in (1, 2, 4)]


def _network_cases(rng: np.random.Generator) -> list[tuple]:
    cases = []
    for _ in range(3):
        edges = {arc: float(rng.uniform(-1.0, 1.0)) for arc in ARCS}
        cases.append((edges, rng.normal(0.0, 1.0, 2), float(rng.uniform(0.0, 1.0))))
    return cases


def _gradient(edges: dict, x: np.ndarray, y: float) -> dict:
    net = Network(edges, inputs=[1, 2], outputs=[7], hidden=[3, 4, 5, 6], loss="squared_error")
    return net.backpropagate(x, y).grad


def _gradient_without(edges: dict, x: np.ndarray, y: float, where: str) -> dict:
    """The gradient with g'(in_j) left out at the hidden neurons (or at the output)."""
    net = Network(edges, inputs=[1, 2], outputs=[7], hidden=[3, 4, 5, 6], loss="squared_error")
    rec = net.backpropagate(x, y)
    delta = {7: -2.0 * (y - rec.a[7]) * (1.0 if where == "output" else sigmoid.derivative(rec.in_[7]))}
    for layer in reversed(_LAYERS[1:-1]):
        for j in layer:
            back = sum(w * delta[k] for (i, k), w in edges.items() if i == j)
            delta[j] = back * (1.0 if where == "hidden" else sigmoid.derivative(rec.in_[j]))
    return {(i, j): float(delta[j] * rec.a[i]) for (i, j) in edges}


def _bias_cases(rng: np.random.Generator) -> list[tuple]:
    cases = []
    for _ in range(3):
        edges = {arc: float(rng.uniform(-1.0, 1.0)) for arc in ARCS}
        bias = {j: float(rng.uniform(-1.0, 1.0)) for j in (3, 4, 5, 6, 7)}
        cases.append((edges, bias, rng.normal(0.0, 1.0, 2), float(rng.uniform(0.0, 1.0))))
    return cases


def _biased_record(edges: dict, bias: dict, x: np.ndarray, y: float) -> NodeRecord:
    return Network(
        edges, inputs=[1, 2], outputs=[7], hidden=[3, 4, 5, 6], loss="squared_error", bias=bias
    ).backpropagate(x, y)


def _bias_variant(edges: dict, bias: dict, x: np.ndarray, y: float, mistake: str) -> dict:
    """A usual wrong answer for dJ/db_j."""
    if mistake == "bias left out":
        rec = _biased_record(edges, dict.fromkeys(bias, 0.0), x, y)
        return {j: float(rec.delta[j]) for j in bias}
    rec = _biased_record(edges, bias, x, y)
    factor = {"times a_j": rec.a, "times b_j": bias}[mistake]
    return {j: float(rec.delta[j] * factor[j]) for j in bias}


def _input_gradient(edges: dict, x: np.ndarray, y: float, mistake: str = "") -> np.ndarray:
    """dJ/dx_i = sum_j w_ij Delta_j over the arcs (i, j) leaving input i, or a usual wrong answer."""
    rec = Network(edges, inputs=[1, 2], outputs=[7], hidden=[3, 4, 5, 6], loss="squared_error").backpropagate(x, y)
    delta = rec.delta
    out = []
    for i in (1, 2):
        succ = [j for (k, j) in edges if k == i]  # neurons 3 and 4
        if mistake == "one arc":  # the sum over j dropped: only the arc to "its" neuron i + 2
            value = edges[i, i + 2] * delta[i + 2]
        elif mistake == "wrong index":  # the arcs entering neuron i + 2: W_1 Delta instead of W_1^T Delta
            value = sum(edges[k, i + 2] * delta[k + 2] for k in (1, 2))
        elif mistake == "no weight":
            value = sum(delta[j] for j in succ)
        elif mistake == "a for Delta":
            value = sum(edges[i, j] * rec.a[j] for j in succ)
        else:
            value = sum(edges[i, j] * delta[j] for j in succ)
            if mistake == "input g'":  # as if the input were a neuron with in_i = x_i
                value *= sigmoid.derivative(x[i - 1])
        out.append(float(value))
    return np.array(out)


EXERCISE = Exercise(
    name="04_node_level",
    title="Node-level back-propagation: Delta_j and the gradients of lecture 4's network",
    parts=[
        Part(
            grade_id="ex04_delta_output",
            func="delta_output",
            title="delta_output(in_j, a_j, y)",
            points=2,
            cases=_output_cases,
            reference=lambda in_, a, y: squared_error.derivative(a, y) * sigmoid.derivative(in_),
            hint="return g'(in_j) * (-2 * (y - a_j))",
            mistakes=[
                Mistake(
                    "no g'",
                    "the factor g'(in_j) is missing: Delta_j = g'(in_j) (-2 (y - a_j)) is "
                    "dJ/d in_j, and a_j = g(in_j) lies between",
                    lambda in_, a, y: -2.0 * (y - a),
                )
            ],
        ),
        Part(
            grade_id="ex04_delta_hidden",
            func="delta_hidden",
            title="delta_hidden(in_j, w_out, delta_out)",
            points=2,
            cases=_hidden_cases,
            reference=lambda in_, w, d: sigmoid.derivative(in_) * (w @ d),
            hint="return g'(in_j) * sum over j' of w_{j,j'} Delta_{j'}",
            mistakes=[
                Mistake(
                    "no g'",
                    "the factor g'(in_j) is missing: the blame passed back through the "
                    "arcs still has to pass through neuron j's own g",
                    lambda in_, w, d: w @ d,
                )
            ],
        ),
        Part(
            grade_id="ex04_gradient",
            func="gradient",
            title="gradient(edges, x, y)",
            points=4,
            cases=_network_cases,
            reference=_gradient,
            hint="forward: in_j and a_j layer by layer; backward: Delta_7, then Delta_5, Delta_6, "
            "then Delta_3, Delta_4; return {(i, j): Delta_j * a_i for every arc}",
            mistakes=[
                Mistake(
                    "no hidden g'",
                    "the factor g'(in_j) is missing at the hidden neurons "
                    "(Delta_j = g'(in_j) sum_j' w_{j,j'} Delta_j')",
                    lambda e, x, y: _gradient_without(e, x, y, "hidden"),
                ),
                Mistake(
                    "no output g'",
                    "the factor g'(in_7) is missing in Delta_7 = g'(in_7) (-2 (y - a_7))",
                    lambda e, x, y: _gradient_without(e, x, y, "output"),
                ),
            ],
        ),
        Part(
            grade_id="ex04_bias_gradient",
            func="bias_gradient",
            title="bias_gradient(edges, bias, x, y)",
            points=2,
            cases=_bias_cases,
            reference=lambda e, b, x, y: _biased_record(e, b, x, y).grad_bias,
            hint="the bias enters in_j = sum_i w_ij a_i + b_j: run the forward pass with it, then return {j: Delta_j}",
            mistakes=[
                Mistake(
                    "bias left out",
                    "these are the Delta_j of the network without biases: b_j is part of in_j, so the forward "
                    "pass must add it before g, and every a_j and Delta_j changes",
                    lambda e, b, x, y: _bias_variant(e, b, x, y, "bias left out"),
                ),
                Mistake(
                    "times a_j",
                    "you multiplied Delta_j by the neuron's own activation a_j: dJ/db_j = dJ/d in_j * d in_j/db_j, "
                    "and in_j changes one for one with b_j",
                    lambda e, b, x, y: _bias_variant(e, b, x, y, "times a_j"),
                ),
                Mistake(
                    "times b_j",
                    "you multiplied Delta_j by b_j itself: the derivative of in_j with respect to b_j does not "
                    "depend on b_j",
                    lambda e, b, x, y: _bias_variant(e, b, x, y, "times b_j"),
                ),
            ],
        ),
        Part(
            grade_id="ex04_input_gradient",
            func="input_gradient",
            title="input_gradient(edges, x, y)",
            points=3,
            cases=_network_cases,
            reference=_input_gradient,
            hint="an input enters J only through the in_j of the neurons it feeds: apply the chain rule "
            "through each of them and add the paths",
            # no formula is given for this part: the messages name the mistake and where to look,
            # never the answer (tests/test_grading_ex02_04.py checks that none spells it out)
            mistakes=[
                Mistake(
                    "one arc",
                    "you kept one arc per input: x_i feeds both neurons 3 and 4, so J depends on x_i through "
                    "in_3 and in_4, and the chain rule adds the two paths",
                    lambda e, x, y: _input_gradient(e, x, y, "one arc"),
                ),
                Mistake(
                    "wrong index",
                    "you summed over the wrong index: you used the arcs that enter one neuron, (1, j) and "
                    "(2, j). Which arcs connect x_i to the neurons whose in_j it changes?",
                    lambda e, x, y: _input_gradient(e, x, y, "wrong index"),
                ),
                Mistake(
                    "no weight",
                    "a factor is missing between Delta_j and x_i: by how much does in_j change when x_i moves by 1?",
                    lambda e, x, y: _input_gradient(e, x, y, "no weight"),
                ),
                Mistake(
                    "a for Delta",
                    "you used the activations a_j: the chain rule needs how J changes with the in_j of each "
                    "neuron x_i feeds; which quantity of lecture 4 measures that?",
                    lambda e, x, y: _input_gradient(e, x, y, "a for Delta"),
                ),
                Mistake(
                    "input g'",
                    "you multiplied by g'(x_i): an input neuron has no activation function (a_i = x_i), so "
                    "the chain rule stops at in_j's dependence on x_i",
                    lambda e, x, y: _input_gradient(e, x, y, "input g'"),
                ),
            ],
        ),
    ],
    preamble=SIGMOID_PREAMBLE,
)
