r"""Exercise 07, back-propagation on a graph of scalar operations (lecture 07, ``bp.Value``).

Every part takes plain numbers and returns numbers; the references build the same expression
from ``bp.Value`` and call ``backward()``, so they share nothing with the student's arithmetic.

| part | the student writes | reference |
|---|---|---|
| ex07_multiply_backward | (dJ/da, dJ/db) of out = a * b given dJ/dout: (b up, a up) | ``Value.__mul__`` |
| ex07_max_backward | (dJ/da, dJ/db) of out = max(a, b): all of up to the larger | ``Value.max`` |
| ex07_divide_backward | out = a / b, formula not given: (up / b, -a up / b^2) | ``Value.__truediv__`` |
| ex07_graph_backward | (df/dx, df/dy, df/dz, df/dw) of f = (x y + z) sigmoid(w), by hand | ``Value.backward`` |
| ex07_fanout_gradient | d/dx of x sigmoid(x), x used twice, formula not given | ``Value.backward`` |
"""

from __future__ import annotations

import math

import numpy as np

from bpteach.grading.spec import Exercise, Mistake, Part
from bpteach.scalar import Value

__all__ = ["EXERCISE", "PREAMBLE"]

PREAMBLE = '''import math


def sigmoid(z):
    """sigma(z) = 1 / (1 + e^{-z}) of one number, without overflow."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)
'''


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def _grads(build, *numbers: float) -> tuple[float, ...]:
    """Build an expression of Values from ``numbers`` with ``build``, back-propagate, return each .grad."""
    leaves = [Value(float(v)) for v in numbers]
    build(*leaves).backward()
    return tuple(v.grad for v in leaves)


def _gate(build):
    """The reference of a gate part: (dJ/da, dJ/db) of out = build(a, b) given dJ/dout = up."""

    def reference(a: float, b: float, up: float) -> tuple[float, float]:
        # J = up * out has dJ/dout = up, so the gate's rule is what backward() applies
        return _grads(lambda a_, b_, u_: build(a_, b_) * u_, a, b, up)[:2]

    return reference


def _gate_cases(rng: np.random.Generator) -> list[tuple]:
    cases = []
    for _ in range(4):
        a, b = rng.normal(0.0, 2.0, 2)
        if abs(a - b) < 0.2:  # max has a tie at a = b; keep clear of it
            b = a + 0.5
        cases.append((float(a), float(b), float(rng.normal(0.0, 1.5))))
    return cases


def _divide_cases(rng: np.random.Generator) -> list[tuple]:
    cases = []
    for a, up in rng.normal(0.0, 2.0, (4, 2)):
        b = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 3.0))
        cases.append((float(a), b, float(up)))
    return cases


def _graph(x: Value, y: Value, z: Value, w: Value) -> Value:
    return (x * y + z) * w.sigmoid()


def _graph_cases(rng: np.random.Generator) -> list[tuple]:
    return [tuple(float(v) for v in rng.normal(0.0, 1.5, 4)) for _ in range(4)]


def _graph_unswapped(x: float, y: float, z: float, w: float, where: str) -> tuple[float, ...]:
    """The graph's gradient when one multiply hands each input its own value instead of the other's."""
    s = _sigmoid(w)
    q = x * y + z
    dq, ds = (q, s) if where == "last" else (s, q)  # the last multiply f = q s, unswapped or not
    dx, dy = (dq * x, dq * y) if where == "first" else (dq * y, dq * x)
    return dx, dy, dq, ds * s * (1.0 - s)


def _fanout_cases(rng: np.random.Generator) -> list[tuple]:
    return [(float(v),) for v in rng.normal(0.0, 2.0, 4)]


EXERCISE = Exercise(
    name="07_computational_graph",
    title="Back-propagation on a computational graph: gate rules, a graph by hand, a fan-out",
    parts=[
        Part(
            grade_id="ex07_multiply_backward",
            func="multiply_backward",
            title="multiply_backward(a, b, upstream)",
            points=1,
            cases=_gate_cases,
            reference=_gate(lambda a, b: a * b),
            hint="out = a * b: d out/da = b and d out/db = a, each times the upstream gradient",
            n_outputs=2,
            mistakes=[
                Mistake(
                    name="no swap",
                    message="multiply swaps its inputs: dJ/da = b x upstream and dJ/db = a x upstream "
                    "(you gave each input its own value)",
                    output=lambda a, b, up: (a * up, b * up),
                ),
                Mistake(
                    name="no upstream",
                    message="the local derivatives are right but not multiplied by the upstream gradient dJ/dout",
                    output=lambda a, b, up: (b, a),
                ),
            ],
        ),
        Part(
            grade_id="ex07_max_backward",
            func="max_backward",
            title="max_backward(a, b, upstream)",
            points=1,
            cases=_gate_cases,
            reference=_gate(lambda a, b: a.max(b)),
            hint="out = max(a, b): the larger input gets the whole upstream gradient, the other 0",
            n_outputs=2,
            mistakes=[
                Mistake(
                    name="distributes",
                    message="max routes: only the larger input changes out, so it alone gets the upstream "
                    "gradient and the smaller gets 0 (you gave it to both, as + does)",
                    output=lambda a, b, up: (up, up),
                ),
                Mistake(
                    name="to the smaller",
                    message="the gradient went to the smaller input: it belongs to the larger one, the one out equals",
                    output=lambda a, b, up: (0.0, up) if a >= b else (up, 0.0),
                ),
            ],
        ),
        Part(
            grade_id="ex07_divide_backward",
            func="divide_backward",
            title="divide_backward(a, b, upstream)",
            points=2,
            cases=_divide_cases,
            reference=_gate(lambda a, b: a / b),
            # the released stub shows the hint: for a part to derive it points the way, not the answer
            hint="derive d out/da and d out/db on paper first: a / b = a * b^(-1); then multiply each by upstream",
            n_outputs=2,
            mistakes=[
                Mistake(
                    name="sign",
                    message="d(a/b)/db has a minus sign: a larger b makes a/b smaller when a > 0, so it is -a / b^2",
                    output=lambda a, b, up: (up / b, a / b**2 * up),
                ),
                Mistake(
                    name="b not squared",
                    message="d(a/b)/db = -a / b^2: the derivative of b^(-1) is -b^(-2), not -b^(-1)",
                    output=lambda a, b, up: (up / b, -a / b * up),
                ),
            ],
        ),
        Part(
            grade_id="ex07_graph_backward",
            func="graph_backward",
            title="graph_backward(x, y, z, w)",
            points=3,
            cases=_graph_cases,
            reference=lambda x, y, z, w: _grads(_graph, x, y, z, w),
            hint="forward: p = x y, q = p + z, s = sigmoid(w), f = q s; then backward from df/df = 1, "
            "one node at a time, each gate handing its inputs local derivative x upstream",
            n_outputs=4,
            mistakes=[
                Mistake(
                    name="no swap at q s",
                    message="the last multiply f = q s must swap: df/dq = s and df/ds = q (you used q and s)",
                    output=lambda x, y, z, w: _graph_unswapped(x, y, z, w, "last"),
                ),
                Mistake(
                    name="no swap at x y",
                    message="the multiply p = x y must swap: df/dx = y df/dp and df/dy = x df/dp",
                    output=lambda x, y, z, w: _graph_unswapped(x, y, z, w, "first"),
                ),
                Mistake(
                    name="no sigma'",
                    message="df/dw misses the sigmoid's local derivative: df/dw = df/ds x s (1 - s)",
                    output=lambda x, y, z, w: (_sigmoid(w) * y, _sigmoid(w) * x, _sigmoid(w), x * y + z),
                ),
            ],
        ),
        Part(
            grade_id="ex07_fanout_gradient",
            func="fanout_gradient",
            title="fanout_gradient(x)",
            points=3,
            cases=_fanout_cases,
            reference=lambda x: _grads(lambda v: v * v.sigmoid(), x)[0],
            hint="draw the graph: x is used twice; find what comes back to x along each use, and add them",
            mistakes=[
                Mistake(
                    name="overwritten: sigmoid path",
                    message="x fans out to two places and only the path through the sigmoid was kept: the "
                    "contributions of both uses must be summed (+=), not overwritten; the path through the "
                    "multiply's first input adds sigmoid(x)",
                    output=lambda x: x * _sigmoid(x) * (1.0 - _sigmoid(x)),
                ),
                Mistake(
                    name="overwritten: direct path",
                    message="x fans out to two places and only the direct path into the multiply was kept: the "
                    "contributions of both uses must be summed (+=), not overwritten; the path through the "
                    "sigmoid adds x s (1 - s)",
                    output=lambda x: _sigmoid(x),
                ),
            ],
        ),
    ],
    preamble=PREAMBLE,
)
