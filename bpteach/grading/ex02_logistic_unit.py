r"""Exercise 02, the logistic unit (lectures 1 and 2; sources 000 and 001): sigma, sigma', one unit's gradient.

| part | the student writes | reference |
|---|---|---|
| ex02_sigmoid | sigma(z) = 1 / (1 + e^{-z}), no overflow at large abs(z) (warnings fail) | ``bp.sigmoid`` |
| ex02_sigmoid_derivative | sigma'(z) = sigma(z) (1 - sigma(z)) | ``bp.sigmoid.derivative`` |
| ex02_unit_output | a = sigma(w^T x) | ``bp.sigmoid`` |
| ex02_unit_gradient | dJ/dw = (a - y) sigma'(w^T x) x for J = 1/2 (y - a)^2 (lecture 2) | ``bp.MLP`` |
| ex02_batch_gradient | the mean over the columns of X of the same (its text refers to part 4) | ``bp.MLP`` |
| ex02_logloss_gradient | (dJ/dw, dJ/db), log-loss, z = w^T x + b, derived by the student | ``bp.MLP`` (log_loss) |
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

# the check and the grader run the sigmoid with numpy's overflow warning raised as an error
# (Part.float_errors): 1 / (1 + np.exp(-z)) gives the right 0. at z = -1000, but only after
# e^{1000} overflowed to inf with a RuntimeWarning, which is what this part asks to avoid
_WARNED = (
    "numpy overflowed on the way (a RuntimeWarning, raised here as an error): at z = -1000 the "
    "formula computes e^{1000}, more than the largest float, even if the result then rounds to the "
    "right 0. Compute e = np.exp(-np.abs(z)) once and build both forms from it; note that "
    "np.where(cond, A, B) computes A and B for every z, so np.where(z >= 0, 1/(1 + np.exp(-z)), ...) "
    "still overflows"
)


def _unit_cases(rng: np.random.Generator) -> list[tuple]:
    cases = []
    for n in (2, 3, 5):
        cases.append((rng.normal(0.0, 1.0, n), rng.normal(0.0, 1.0, n), float(rng.uniform(0.0, 1.0))))
    return cases


def _batch_cases(rng: np.random.Generator) -> list[tuple]:
    # N / n is never 2 or 1/2, so dividing by the rows n is never mistaken for a factor 2
    return [
        (rng.normal(0.0, 1.0, n), rng.normal(0.0, 1.0, (n, N)), rng.uniform(0.0, 1.0, N))
        for n, N in ((2, 5), (3, 1), (4, 7))
    ]


def _unit(w: np.ndarray) -> MLP:
    return MLP([w.size, 1], loss="half_squared_error", bias=False, W={1: w.reshape(1, -1)})


def unit_gradient(w: np.ndarray, x: np.ndarray, y: float) -> np.ndarray:
    return _unit(w).backpropagate(x.reshape(-1, 1), [[y]]).grad_W[1][0]


def batch_gradient(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    return _unit(w).backpropagate(X, y.reshape(1, -1)).grad_W[1][0]


def _no_gprime(w: np.ndarray, x: np.ndarray, y: float) -> np.ndarray:
    return (sigmoid(w @ x) - y) * x


# part 4 asks the student to work out dJ/da and part 5 builds on part 4: the messages of both name
# the mistake and where to look, never the gradient itself (nor dJ/da, which the generic factor-2
# diagnoses would print: parts 4 and 5 carry their own)
_MISSING_GPRIME = (
    "the factor sigma'(w^T x) is missing: the path from w to J passes through the sigmoid, so the chain "
    "rule also multiplies by its derivative da/dz"
)
_TWICE = (
    "twice the expected values: a stray factor 2. The loss is 1/2 (y - a)^2: what happens to the 2 that "
    "differentiating the square brings down?"
)
_HALF = "half the expected values: a stray factor 1/2. Differentiate 1/2 (y - a)^2 with respect to a again"


def _scaled(gradient: object, factor: float) -> object:
    return lambda *args: gradient(*args) * factor


def _logloss_cases(rng: np.random.Generator) -> list[tuple]:
    # every bias is away from 0 and 1, so leaving b out of z, or multiplying by b, shows; a
    # saturated case (z = -6) tells "sigma' kept" apart from the answer by a factor of ~1e-3
    def bias() -> float:
        return float(rng.choice([-1.0, 1.0]) * rng.uniform(0.3, 0.8))

    cases = [
        (rng.normal(0.0, 1.0, n), bias(), rng.normal(0.0, 1.0, n), float(t)) for n, t in ((2, 1.0), (3, 0.0), (4, 1.0))
    ]
    x, b = rng.normal(0.0, 1.0, 3), bias()
    cases.append(((-6.0 - b) * x / (x @ x), b, x, 1.0))
    cases.append((rng.normal(0.0, 1.0, 2), bias(), rng.normal(0.0, 1.0, 2), float(rng.uniform(0.1, 0.9))))
    return cases


def logloss_gradient(w: np.ndarray, b: float, x: np.ndarray, t: float) -> tuple[np.ndarray, float]:
    unit = MLP([w.size, 1], loss="log_loss", bias=True, W={1: w.reshape(1, -1)}, b={1: np.array([b])})
    rec = unit.backpropagate(x.reshape(-1, 1), [[t]])
    return rec.grad_W[1][0], float(rec.grad_b[1][0])


def _logloss_variant(w: np.ndarray, b: float, x: np.ndarray, t: float, factor: str) -> tuple[np.ndarray, float]:
    """(dJ/dw, dJ/db) with one usual mistake: dJ/dz = (a - t) times ``factor``'s scale, or b used wrongly."""
    a = sigmoid(w @ x + (0.0 if factor == "no b in z" else b))
    scale = {
        "sigma'": a * (1.0 - a),
        "dJ/da": 1.0 / (a * (1.0 - a)),
        "no b in z": 1.0,
        "db by b": 1.0,
        "half": 0.5,
        "twice": 2.0,
    }[factor]
    delta = (a - t) * scale
    return delta * x, float(delta * (b if factor == "db by b" else 1.0))


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
            hint="return 1 / (1 + e^{-z}) elementwise, built from e = np.exp(-np.abs(z)) so that no exp overflows",
            float_errors=_WARNED,
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
            hint="multiply the three local derivatives dJ/da (for J = 1/2 (y - a)^2), da/dz and dz/dw",
            mistakes=[
                Mistake("no g'", _MISSING_GPRIME, _no_gprime),
                Mistake("twice", _TWICE, _scaled(unit_gradient, 2.0)),
                Mistake("half", _HALF, _scaled(unit_gradient, 0.5)),
            ],
        ),
        Part(
            grade_id="ex02_batch_gradient",
            func="batch_gradient",
            title="batch_gradient(w, X, y)",
            points=2,
            cases=_batch_cases,
            reference=batch_gradient,
            hint="J is the mean of the J_e: differentiate it term by term with part 4's rule, then let one matrix "
            "product do the sum over the examples",
            mistakes=[
                # before the sum: a mean over the rows is a wrong factor N / n, not the factor N
                Mistake(
                    "rows",
                    "you divided by the number of rows n of X (the inputs per example): the mean is over "
                    "the N columns (the examples), so divide by X.shape[1]",
                    lambda w, X, y: batch_gradient(w, X, y) * X.shape[1] / X.shape[0],
                ),
                Mistake(
                    "sum",
                    "this is the sum over the examples: the batch gradient is their mean "
                    "(divide by the number of columns of X)",
                    lambda w, X, y: batch_gradient(w, X, y) * X.shape[1],
                ),
                Mistake("no g'", _MISSING_GPRIME, lambda w, X, y: ((sigmoid(w @ X) - y) * X).mean(axis=1)),
                Mistake("twice", _TWICE, _scaled(batch_gradient, 2.0)),
                Mistake("half", _HALF, _scaled(batch_gradient, 0.5)),
            ],
        ),
        Part(
            grade_id="ex02_logloss_gradient",
            func="logloss_gradient",
            title="logloss_gradient(w, b, x, t)",
            points=3,
            cases=_logloss_cases,
            reference=logloss_gradient,
            hint="differentiate J = -(t log a + (1 - t) log(1 - a)) with a = sigma(w^T x + b) along the chains "
            "J -> a -> z -> w and J -> a -> z -> b, simplify before you code, and return the pair",
            n_outputs=2,
            mistakes=[
                Mistake(
                    "sigma' kept",
                    "your gradient still carries the factor sigma'(z) = a (1 - a), as squared error's does: "
                    "for the log-loss dJ/da = (a - t) / (a (1 - a)), and multiplying by da/dz = a (1 - a) cancels it",
                    lambda w, b, x, t: _logloss_variant(w, b, x, t, "sigma'"),
                ),
                Mistake(
                    "dJ/da only",
                    "you stopped at dJ/da = (a - t) / (a (1 - a)): the chain rule still multiplies by "
                    "da/dz = sigma'(z) = a (1 - a), and then by dz/dw or dz/db",
                    lambda w, b, x, t: _logloss_variant(w, b, x, t, "dJ/da"),
                ),
                Mistake(
                    "no b in z",
                    "the output a was computed without the bias: z = w^T x + b, so a = sigma(w^T x + b)",
                    lambda w, b, x, t: _logloss_variant(w, b, x, t, "no b in z"),
                ),
                Mistake(
                    "db by b",
                    "dJ/db was multiplied by b: z = w^T x + b changes by 1 per unit of b, so dz/db = 1 "
                    "(b is the weight of an input fixed at 1)",
                    lambda w, b, x, t: _logloss_variant(w, b, x, t, "db by b"),
                ),
                # the generic factor-2 diagnoses speak of squared error; the log-loss has no square
                Mistake(
                    "half",
                    "half the expected values: a stray factor 1/2; the log-loss has none (the 1/2 belongs to "
                    "the squared error 1/2 (y - a)^2 of part 4)",
                    lambda w, b, x, t: _logloss_variant(w, b, x, t, "half"),
                ),
                Mistake(
                    "twice",
                    "twice the expected values: a stray factor 2; the log-loss has no square whose "
                    "derivative would bring one down",
                    lambda w, b, x, t: _logloss_variant(w, b, x, t, "twice"),
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
                # part 7's formula is in no lecture before 7 and in no message: name the mistake and where
                # to look, never tanh'
                Mistake(
                    "no square",
                    "this is 1 - tanh(z): near, but not the derivative. Redo the quotient rule on "
                    "(e^z - e^{-z}) / (e^z + e^{-z}) step by step, then compare your simplified result with "
                    "a finite difference of np.tanh at one point, say z = 1",
                    lambda z: 1.0 - np.tanh(z),
                ),
            ],
        ),
    ],
)
