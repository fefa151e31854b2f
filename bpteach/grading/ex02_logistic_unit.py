r"""Exercise 02, the logistic unit (lectures 000 and 001): sigma, sigma', one unit's gradient.

| part | the student writes | reference |
|---|---|---|
| ex02_sigmoid | sigma(z) = 1 / (1 + e^{-z}), no overflow for large abs(z) | ``bp.sigmoid`` |
| ex02_sigmoid_derivative | sigma'(z) = sigma(z) (1 - sigma(z)) | ``bp.sigmoid.derivative`` |
| ex02_unit_output | a = sigma(w^T x) | ``bp.sigmoid`` |
| ex02_unit_gradient | dJ/dw = (a - y) sigma'(w^T x) x for J = 1/2 (y - a)^2 (lecture 001) | ``bp.MLP`` |
| ex02_batch_gradient | the mean over the columns of X of the same | ``bp.MLP`` |
| ex02_logloss_gradient | dJ/dw for the log-loss of a sigmoid unit, derived by the student | ``bp.MLP`` (log_loss) |
| ex02_tanh_derivative | tanh'(z), derived by the student | ``bp.tanh.derivative`` |
"""

from __future__ import annotations

import numpy as np

from bpteach.activations import sigmoid, tanh
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


def _logloss_cases(rng: np.random.Generator) -> list[tuple]:
    # a saturated case (|w^T x| large) tells "sigma' kept" apart from the answer by a factor of ~1e-3
    cases = [(rng.normal(0.0, 1.0, n), rng.normal(0.0, 1.0, n), float(t)) for n, t in ((2, 1.0), (3, 0.0), (4, 1.0))]
    x = rng.normal(0.0, 1.0, 3)
    cases.append((-6.0 * x / (x @ x), x, 1.0))
    cases.append((rng.normal(0.0, 1.0, 2), rng.normal(0.0, 1.0, 2), float(rng.uniform(0.1, 0.9))))
    return cases


def logloss_gradient(w: np.ndarray, x: np.ndarray, t: float) -> np.ndarray:
    unit = MLP([w.size, 1], loss="log_loss", bias=False, W={1: w.reshape(1, -1)})
    return unit.backpropagate(x.reshape(-1, 1), [[t]]).grad_W[1][0]


def _logloss_variant(w: np.ndarray, x: np.ndarray, t: float, factor: str) -> np.ndarray:
    a = sigmoid(w @ x)
    scale = {"sigma'": a * (1.0 - a), "dJ/da": 1.0 / (a * (1.0 - a))}[factor]
    return (a - t) * scale * x


def _tanh_cases(rng: np.random.Generator) -> list[tuple]:
    return [(rng.normal(0.0, 1.5, 5),), (rng.normal(0.0, 1.5, (2, 3)),), (float(rng.normal(0.0, 1.0)),)]


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
        Part(
            grade_id="ex02_logloss_gradient",
            func="logloss_gradient",
            title="logloss_gradient(w, x, t)",
            points=3,
            cases=_logloss_cases,
            reference=logloss_gradient,
            hint="differentiate J = -(t log a + (1 - t) log(1 - a)) with a = sigma(w^T x) along the chain "
            "J -> a -> z -> w, and simplify before you code",
            mistakes=[
                Mistake(
                    "sigma' kept",
                    "your gradient still carries the factor sigma'(w^T x) = a (1 - a), as squared error's does: "
                    "for the log-loss dJ/da = (a - t) / (a (1 - a)), and multiplying by da/dz = a (1 - a) cancels it",
                    lambda w, x, t: _logloss_variant(w, x, t, "sigma'"),
                ),
                Mistake(
                    "dJ/da only",
                    "you stopped at dJ/da = (a - t) / (a (1 - a)): the chain rule still multiplies by "
                    "da/dz = sigma'(z) = a (1 - a) and by dz/dw = x",
                    lambda w, x, t: _logloss_variant(w, x, t, "dJ/da"),
                ),
            ],
        ),
        Part(
            grade_id="ex02_tanh_derivative",
            func="tanh_derivative",
            title="tanh_derivative(z)",
            points=2,
            cases=_tanh_cases,
            reference=tanh.derivative,
            hint="write tanh(z) = (e^z - e^{-z}) / (e^z + e^{-z}), differentiate with the quotient rule, "
            "and express the result with tanh(z) itself",
            mistakes=[
                Mistake(
                    "sigmoid's form",
                    "this is t (1 - t) with t = tanh(z), the sigmoid's pattern: tanh has its own derivative, "
                    "work it out from tanh = (e^z - e^{-z}) / (e^z + e^{-z})",
                    lambda z: np.tanh(z) * (1.0 - np.tanh(z)),
                ),
                Mistake(
                    "no square",
                    "this is 1 - tanh(z): the derivative is 1 minus the *square* of tanh(z)",
                    lambda z: 1.0 - np.tanh(z),
                ),
            ],
        ),
    ],
)
