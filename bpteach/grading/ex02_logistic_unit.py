r"""Exercise 02, the logistic unit (lectures 000 and 001): sigma, sigma', one unit's gradient.

| part | the student writes | reference |
|---|---|---|
| ex02_sigmoid | sigma(z) = 1 / (1 + e^{-z}), no overflow for large abs(z) | ``bp.sigmoid`` |
| ex02_sigmoid_derivative | sigma'(z) = sigma(z) (1 - sigma(z)) | ``bp.sigmoid.derivative`` |
| ex02_unit_output | a = sigma(w^T x) | ``bp.sigmoid`` |
| ex02_unit_gradient | dJ/dw = (a - y) sigma'(w^T x) x for J = 1/2 (y - a)^2 (lecture 001) | ``bp.MLP`` |
| ex02_batch_gradient | the mean over the columns of X of the same | ``bp.MLP`` |
"""

from __future__ import annotations

import numpy as np

from bpteach.activations import sigmoid
from bpteach.grading.spec import Exercise, Mistake, Part
from bpteach.matrix import MLP

__all__ = ["EXERCISE"]


def _z_cases(rng: np.random.Generator) -> list[tuple]:
    big = np.array([-1000.0, -60.0, -5.0, 0.0, 5.0, 60.0, 1000.0]) * rng.uniform(0.9, 1.1)
    return [
        (rng.normal(0.0, 3.0, size=4),),
        (rng.normal(0.0, 3.0, size=(2, 3)),),
        (big,),
        (float(rng.normal(0.0, 2.0)),),
    ]


def _naive(z: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        return np.exp(z) / (1.0 + np.exp(z))


def _naive_derivative(z: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        return np.exp(-z) / (1.0 + np.exp(-z)) ** 2


_OVERFLOW = (
    "NaN for large |z|: e^z (or e^{-z}) overflows to infinity and inf/inf is NaN; "
    "compute with e^{-|z|}, which never overflows (one formula for z >= 0, one for z < 0)"
)


def _unit_cases(rng: np.random.Generator) -> list[tuple]:
    cases = []
    for n in (2, 3, 5):
        cases.append((rng.normal(0.0, 1.0, n), rng.normal(0.0, 1.0, n), float(rng.uniform(0.0, 1.0))))
    return cases


def _batch_cases(rng: np.random.Generator) -> list[tuple]:
    return [
        (rng.normal(0.0, 1.0, n), rng.normal(0.0, 1.0, (n, N)), rng.uniform(0.0, 1.0, N))
        for n, N in ((2, 4), (3, 1), (4, 7))
    ]


def _unit(w: np.ndarray) -> MLP:
    return MLP([w.size, 1], loss="half_squared_error", bias=False, W={1: w.reshape(1, -1)})


def unit_gradient(w: np.ndarray, x: np.ndarray, y: float) -> np.ndarray:
    return _unit(w).backpropagate(x.reshape(-1, 1), [[y]]).grad_W[1][0]


def batch_gradient(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    return _unit(w).backpropagate(X, y.reshape(1, -1)).grad_W[1][0]


def _no_gprime(w: np.ndarray, x: np.ndarray, y: float) -> np.ndarray:
    return (sigmoid(w @ x) - y) * x


_MISSING_GPRIME = (
    "the factor sigma'(w^T x) is missing: the chain rule goes through the sigmoid, dJ/dw = (a - y) * sigma'(w^T x) * x"
)

EXERCISE = Exercise(
    name="02_logistic_unit",
    title="The logistic unit: sigma, sigma' and the single-unit chain rule",
    parts=[
        Part(
            grade_id="ex02_sigmoid",
            func="sigmoid",
            title="sigmoid(z)",
            points=2,
            cases=_z_cases,
            reference=sigmoid,
            hint="return 1 / (1 + e^{-z}) elementwise, using e^{-|z|} so that it never overflows",
            mistakes=[
                Mistake("overflow", _OVERFLOW, _naive),
                Mistake(
                    "minus z",
                    "this is sigma(-z) = 1 - sigma(z): the exponent is -z, sigma(z) = 1 / (1 + e^{-z})",
                    lambda z: sigmoid(-np.asarray(z)),
                ),
            ],
        ),
        Part(
            grade_id="ex02_sigmoid_derivative",
            func="sigmoid_derivative",
            title="sigmoid_derivative(z)",
            points=2,
            cases=_z_cases,
            reference=sigmoid.derivative,
            hint="return sigma(z) * (1 - sigma(z)), reusing your sigmoid",
            mistakes=[
                Mistake(
                    "a(1-a) of z",
                    "you applied a(1 - a) to z itself: sigma'(z) = sigma(z)(1 - sigma(z)) needs a = sigma(z) first",
                    lambda z: np.asarray(z) * (1 - np.asarray(z)),
                ),
                Mistake("overflow", _OVERFLOW, _naive_derivative),
            ],
        ),
        Part(
            grade_id="ex02_unit_output",
            func="unit_output",
            title="unit_output(w, x)",
            points=1,
            cases=lambda rng: [case[:2] for case in _unit_cases(rng)],
            reference=lambda w, x: sigmoid(w @ x),
            hint="return a = sigma(w^T x)",
            mistakes=[
                Mistake(
                    "no sigma",
                    "this is the total input w^T x: the unit's output is a = sigma(w^T x)",
                    lambda w, x: w @ x,
                )
            ],
        ),
        Part(
            grade_id="ex02_unit_gradient",
            func="unit_gradient",
            title="unit_gradient(w, x, y)",
            points=3,
            cases=_unit_cases,
            reference=unit_gradient,
            hint="a = sigma(w^T x); return (a - y) * sigma'(w^T x) * x",
            mistakes=[Mistake("no g'", _MISSING_GPRIME, _no_gprime)],
        ),
        Part(
            grade_id="ex02_batch_gradient",
            func="batch_gradient",
            title="batch_gradient(w, X, y)",
            points=2,
            cases=_batch_cases,
            reference=batch_gradient,
            hint="the mean over the columns x_e of X of (a_e - y_e) sigma'(w^T x_e) x_e",
            mistakes=[
                Mistake(
                    "sum",
                    "this is the sum over the examples: the batch gradient is their mean "
                    "(divide by the number of columns of X)",
                    lambda w, X, y: batch_gradient(w, X, y) * X.shape[1],
                ),
                Mistake("no g'", _MISSING_GPRIME, lambda w, X, y: ((sigmoid(w @ X) - y) * X).mean(axis=1)),
            ],
        ),
    ],
)
