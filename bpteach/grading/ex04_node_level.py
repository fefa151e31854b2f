r"""Exercise 04, the node-level BACKPROPAGATE of lecture 002 (sigmoid g, J = (y - a)^2).

| part | the student writes | reference |
|---|---|---|
| ex04_delta_output | Delta_j = g'(in_j) (-2 (y - a_j)) | ``squared_error.derivative`` x ``sigmoid.derivative`` |
| ex04_delta_hidden | Delta_j = g'(in_j) sum_{j'} w_{j,j'} Delta_{j'} | ``sigmoid.derivative`` |
| ex04_gradient | {(i, j): Delta_j a_i} for lecture 002's 7-neuron network | ``Network.backpropagate`` |
"""

from __future__ import annotations

import numpy as np

from bpteach.activations import sigmoid
from bpteach.grading.preambles import SIGMOID_PREAMBLE
from bpteach.grading.spec import Exercise, Mistake, Part
from bpteach.graph import Network
from bpteach.losses import squared_error

__all__ = ["ARCS", "EXERCISE"]

# lecture 002's network: inputs 1, 2; hidden 3, 4 then 5, 6; output 7
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


EXERCISE = Exercise(
    name="04_node_level",
    title="Node-level back-propagation: Delta_j and the gradient of lecture 002's network",
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
    ],
    preamble=SIGMOID_PREAMBLE,
)
