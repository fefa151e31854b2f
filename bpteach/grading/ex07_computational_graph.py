r"""Exercise 07, back-propagation on a graph of scalar operations (lecture 07, ``bp.Value``).

Every part takes plain numbers and returns numbers; the references build the same expression
from ``bp.Value`` and call ``backward()``, so they share nothing with the student's arithmetic.
Parts 1, 2 and 4 are derived by the student: neither the lecture, the exercise, the hints nor the
check feedback prints their rules. The diagnoses of those parts name the kind of mistake and where
to look, never the formula (tests/test_grading_ex07.py asserts it). Part 3 applies the lecture's
table of gates, so its diagnoses may name a table rule.

| part | the student writes | reference |
|---|---|---|
| ex07_divide_backward | (dJ/da, dJ/db) of out = a / b given dJ/dout (derived) | ``Value.__truediv__`` |
| ex07_power_backward | (dJ/da, dJ/db) of out = a ** b, a > 0 (derived for b) | ``(b * a.log()).exp()`` |
| ex07_graph_backward | (df/dx, df/dy, df/dz, df/dw) of f = max(x y, z) tanh(w), by hand | ``Value.backward`` |
| ex07_fanout_gradient | d/dx of x sigmoid(x), x used twice (derived) | ``Value.backward`` |
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

_NO_UPSTREAM = (
    "the local derivatives are right but not multiplied by the upstream gradient dJ/dout: each input "
    "receives local derivative x upstream"
)
_SWAPPED = (
    "the two results are in the wrong order: return (dJ/da, dJ/db), the derivative with respect to the "
    "first input a first"
)


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


def _upstream(rng: np.random.Generator) -> float:
    # away from 1 and 0, so that "not multiplied by upstream" is told apart from a right answer
    return float(rng.choice([-1.0, 1.0]) * rng.uniform(0.4, 2.5))


def _divide_cases(rng: np.random.Generator) -> list[tuple]:
    cases = []
    for _ in range(4):
        a = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 3.0))
        b = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 3.0))
        if abs(abs(b) - 1.0) < 0.2:  # b = +-1 makes -a/b and -a/b^2 agree up to sign; keep clear
            b *= 1.6
        cases.append((a, b, _upstream(rng)))
    return cases


def _power_cases(rng: np.random.Generator) -> list[tuple]:
    cases = []
    for _ in range(4):
        a = float(rng.uniform(0.3, 3.0))
        if abs(math.log(a)) < 0.25:  # ln(a) near 0 hides the ln factor; keep clear of a = 1
            a += 0.6
        b = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 2.5))
        cases.append((a, b, _upstream(rng)))
    return cases


def _power(a: Value, b: Value) -> Value:
    return (b * a.log()).exp()  # a ** b for a Value exponent, a > 0


def _graph(x: Value, y: Value, z: Value, w: Value) -> Value:
    return (x * y).max(z) * w.tanh()


def _graph_cases(rng: np.random.Generator) -> list[tuple]:
    """Two cases where x y wins the max, two where z does, none near a tie."""
    cases = []
    for product_wins in (True, False, True, False):
        x, y, w = (float(v) for v in rng.normal(0.0, 1.5, 3))
        x = x if abs(x) > 0.3 else x + math.copysign(0.3, x)  # |x|, |y| not tiny: keep their gradients apart
        y = y if abs(y) > 0.3 else y + math.copysign(0.3, y)
        gap = float(rng.uniform(0.5, 2.0))
        z = x * y - gap if product_wins else x * y + gap
        w = w if abs(w) > 0.2 else w + math.copysign(0.3, w)  # tanh(w) not near 0, tanh'(w) not near 1
        cases.append((x, y, z, w))
    return cases


def _graph_variant(x: float, y: float, z: float, w: float, mistake: str) -> tuple[float, ...]:
    """The graph's gradient as one usual mistake computes it."""
    t = math.tanh(w)
    p = x * y
    m = max(p, z)
    dm, dt = (m, t) if mistake == "no swap at m t" else (t, m)  # the last multiply f = m t
    if mistake == "max to the smaller":
        dp, dz = (0.0, dm) if p >= z else (dm, 0.0)
    elif mistake == "max to both":
        dp, dz = dm, dm
    else:
        dp, dz = (dm, 0.0) if p >= z else (0.0, dm)
    dx, dy = (x * dp, y * dp) if mistake == "no swap at x y" else (y * dp, x * dp)
    local_w = {"no tanh'": 1.0, "sigmoid's rule": t * (1.0 - t)}.get(mistake, 1.0 - t * t)
    return dx, dy, dz, local_w * dt


def _fanout_cases(rng: np.random.Generator) -> list[tuple]:
    # |x| kept away from 1, where forgetting the factor x on the sigmoid path changes nothing
    return [
        (float(rng.choice([-1.0, 1.0]) * rng.choice([rng.uniform(0.3, 0.8), rng.uniform(1.25, 3.0)])),)
        for _ in range(4)
    ]


EXERCISE = Exercise(
    name="07_computational_graph",
    title="Back-propagation on a computational graph: two gates derived, a graph by hand, a fan-out",
    parts=[
        Part(
            grade_id="ex07_divide_backward",
            func="divide_backward",
            title="divide_backward(a, b, upstream)",
            points=2,
            cases=_divide_cases,
            reference=_gate(lambda a, b: a / b),
            # the released stub shows the hint: it points the way, never the answer
            hint="derive d out/da and d out/db on paper first (a / b = a * b^(-1)); then multiply each by upstream",
            n_outputs=2,
            mistakes=[
                Mistake(
                    name="sign",
                    message="d(a/b)/db has the wrong sign: with a > 0, does a/b grow or shrink when b grows a "
                    "little? Try it with a = 3, b = 2 and b = 2.1",
                    output=lambda a, b, up: (up / b, a / b**2 * up),
                ),
                Mistake(
                    name="b not squared",
                    message="your d(a/b)/db scales like 1/b as b changes: write a/b = a * b^(-1) and "
                    "differentiate b^(-1) with the table's power rule",
                    output=lambda a, b, up: (up / b, -a / b * up),
                ),
                Mistake(name="no upstream", message=_NO_UPSTREAM, output=lambda a, b, up: (1.0 / b, -a / b**2)),
                Mistake(name="swapped", message=_SWAPPED, output=lambda a, b, up: (-a / b**2 * up, up / b)),
            ],
        ),
        Part(
            grade_id="ex07_power_backward",
            func="power_backward",
            title="power_backward(a, b, upstream)",
            points=2,
            cases=_power_cases,
            reference=_gate(_power),
            hint="derive d out/da (b held fixed) and d out/db (a held fixed) on paper first; "
            "for b, write a^b = exp(b ln a); then multiply each by upstream",
            n_outputs=2,
            mistakes=[
                Mistake(
                    name="power rule for b",
                    message="d(a^b)/db is not b a^(b-1): that power rule holds for the base a with the exponent "
                    "fixed; with a fixed, a^b = exp(b ln a) is an exponential in b",
                    output=lambda a, b, up: (b * a ** (b - 1) * up, b * a ** (b - 1) * up),
                ),
                Mistake(
                    name="no ln a",
                    message="d(a^b)/db is incomplete: write a^b = exp(b ln a) and apply the chain rule to the "
                    "inner function b ln a as well, with a held fixed",
                    output=lambda a, b, up: (b * a ** (b - 1) * up, a**b * up),
                ),
                Mistake(
                    name="no a^b",
                    message="d(a^b)/db is incomplete: the chain rule through exp(u), with u = b ln a, needs the "
                    "outer function's derivative as well as du/db",
                    output=lambda a, b, up: (b * a ** (b - 1) * up, math.log(a) * up),
                ),
                Mistake(
                    name="no upstream",
                    message=_NO_UPSTREAM,
                    output=lambda a, b, up: (b * a ** (b - 1), a**b * math.log(a)),
                ),
                Mistake(
                    name="swapped",
                    message=_SWAPPED,
                    output=lambda a, b, up: (a**b * math.log(a) * up, b * a ** (b - 1) * up),
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
            hint="forward: p = x y, m = max(p, z), t = tanh(w), f = m t; then backward from df/df = 1, "
            "one node at a time, each gate handing its inputs local derivative x upstream",
            n_outputs=4,
            mistakes=[
                Mistake(
                    name="no swap at m t",
                    message="the last multiply f = m t must swap: df/dm is the value of t and df/dt the value "
                    "of m (you gave m its own value m, and t its own value t)",
                    output=lambda x, y, z, w: _graph_variant(x, y, z, w, "no swap at m t"),
                ),
                Mistake(
                    name="no swap at x y",
                    message="the multiply p = x y must swap: df/dx is y times df/dp and df/dy is x times df/dp "
                    "(you gave x its own value x, and y its own value y)",
                    output=lambda x, y, z, w: _graph_variant(x, y, z, w, "no swap at x y"),
                ),
                Mistake(
                    name="max to the smaller",
                    message="the max sent the gradient to its smaller input: it belongs to the larger one, "
                    "the one m equals; the other input gets 0",
                    output=lambda x, y, z, w: _graph_variant(x, y, z, w, "max to the smaller"),
                ),
                Mistake(
                    name="max to both",
                    message="the max passed the gradient to both inputs, as + does: only the larger input "
                    "changes m when nudged, so the smaller gets 0",
                    output=lambda x, y, z, w: _graph_variant(x, y, z, w, "max to both"),
                ),
                Mistake(
                    name="no tanh'",
                    message="df/dw misses tanh's local derivative: df/dw is df/dt times the derivative of tanh at w",
                    output=lambda x, y, z, w: _graph_variant(x, y, z, w, "no tanh'"),
                ),
                Mistake(
                    name="sigmoid's rule",
                    message="df/dw used t (1 - t), the sigmoid's local derivative, for tanh: tanh's is 1 - t^2",
                    output=lambda x, y, z, w: _graph_variant(x, y, z, w, "sigmoid's rule"),
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
                    message="x is used twice and only the contribution through the sigmoid came back: find what "
                    "the multiply hands x as its own first input, and add it (+=) instead of overwriting",
                    output=lambda x: x * _sigmoid(x) * (1.0 - _sigmoid(x)),
                ),
                Mistake(
                    name="overwritten: direct path",
                    message="x is used twice and only the multiply's direct use of x was kept: follow the other "
                    "use back through the sigmoid, and add what comes back (+=)",
                    output=lambda x: _sigmoid(x),
                ),
                Mistake(
                    name="sigmoid path without x",
                    message="the path through the sigmoid misses a factor: what does the multiply hand its "
                    "second input, s, before the sigmoid's local derivative is applied?",
                    output=lambda x: _sigmoid(x) + _sigmoid(x) * (1.0 - _sigmoid(x)),
                ),
                Mistake(
                    name="sigmoid path with s",
                    message="on the path through the sigmoid the multiply must swap: it hands s the value of "
                    "the other input, not s itself",
                    output=lambda x: _sigmoid(x) + _sigmoid(x) * _sigmoid(x) * (1.0 - _sigmoid(x)),
                ),
            ],
        ),
    ],
    preamble=PREAMBLE,
)
