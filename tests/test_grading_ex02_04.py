"""The derive-it-yourself parts of exercises 02-04: each usual mistake costs exactly its part's points
and is named in the feedback, both by the grader (sandboxed, fresh inputs) and by the instant check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from feedback_answers import squeezed

from bpteach.grading import EXERCISES
from bpteach.grading.check import evaluate
from bpteach.grading.grader import Grader
from bpteach.grading.notebook import source

EXERCISE_DIR = Path(__file__).resolve().parents[1] / "exercises"

# (notebook, solution cell, text, replacement, diagnosis words)
MUTATIONS = [
    # part 1: a sigmoid that overflows on the way (numpy warns, the values come out right) fails
    (
        "02_logistic_unit",
        "ex02_sigmoid",
        "e = np.exp(-np.abs(z))\n    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
        "return 1.0 / (1.0 + np.exp(-z))",
        "numpy overflowed on the way",
    ),
    (
        "02_logistic_unit",
        "ex02_sigmoid",
        "e = np.exp(-np.abs(z))\n    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
        "return np.where(z >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))",
        "np.where(cond, A, B) computes A and B for every z",
    ),
    # part 5: a mean over the rows, not a factor 2; a factor 2 or 1/2 is named without part 4's dJ/da
    ("02_logistic_unit", "ex02_batch_gradient", "/ X.shape[1]", "/ X.shape[0]", "you divided by the number of rows n"),
    ("02_logistic_unit", "ex02_batch_gradient", "/ X.shape[1]", "/ X.shape[1] * 2", "a stray factor 2."),
    (
        "02_logistic_unit",
        "ex02_batch_gradient",
        "* sigmoid_derivative(z)) / X.shape[1]",
        ") / X.shape[1]",
        "sigma'(w^T x) is missing",
    ),
    # part 6: the log-loss gradient of a unit with a bias
    (
        "02_logistic_unit",
        "ex02_logloss_gradient",
        "return (a - t) * x, float(a - t)",
        "return (a - t) * a * (1 - a) * x, float((a - t) * a * (1 - a))",
        "still carries the factor sigma'",
    ),
    (
        "02_logistic_unit",
        "ex02_logloss_gradient",
        "return (a - t) * x, float(a - t)",
        "return (a - t) / (a * (1 - a)) * x, float((a - t) / (a * (1 - a)))",
        "you stopped at dJ/da",
    ),
    (
        "02_logistic_unit",
        "ex02_logloss_gradient",
        "return (a - t) * x, float(a - t)",
        "return (t - a) * x, float(t - a)",
        "wrong sign",
    ),
    ("02_logistic_unit", "ex02_logloss_gradient", "sigmoid(w @ x + b)", "sigmoid(w @ x)", "computed without the bias"),
    ("02_logistic_unit", "ex02_logloss_gradient", "float(a - t)", "float((a - t) * b)", "so dz/db = 1"),
    (
        "02_logistic_unit",
        "ex02_logloss_gradient",
        "return (a - t) * x, float(a - t)",
        "return 0.5 * (a - t) * x, float(0.5 * (a - t))",
        "a stray factor 1/2; the log-loss has none",
    ),
    ("02_logistic_unit", "ex02_tanh_derivative", "return 1.0 - t * t", "return t * (1.0 - t)", "the sigmoid's pattern"),
    ("02_logistic_unit", "ex02_tanh_derivative", "return 1.0 - t * t", "return 1.0 - t", "near, but not the"),
    (
        "03_two_layer_gradient",
        "ex03_grad_w11_tanh",
        "(1.0 - H[0] ** 2)",
        "H[0] * (1.0 - H[0])",
        "the sigmoid's derivative",
    ),
    (
        "03_two_layer_gradient",
        "ex03_grad_w11_tanh",
        "(1.0 - H[0] ** 2)",
        "(1.0 - H[0])",
        "the derivative of tanh you derived in exercise 02",
    ),
    ("03_two_layer_gradient", "ex03_grad_w11_tanh", " * (1.0 - H[0] ** 2)", "", "is missing from the blame"),
    (
        "03_two_layer_gradient",
        "ex03_grad_w11_tanh",
        "H = np.tanh(np.stack([w11, w12]) @ X)\n    raw = (y == 1) - sigmoid(w21 @ H)\n"
        "    return X @ (raw * w21[0] * (1.0 - H[0] ** 2))",
        "H = sigmoid(np.stack([w11, w12]) @ X)\n    raw = (y == 1) - sigmoid(w21 @ H)\n"
        "    return X @ (raw * w21[0] * H[0] * (1.0 - H[0]))",
        "with sigmoid hidden units",
    ),
    ("03_two_layer_gradient", "ex03_grad_w12", "h2 = H[1]", "h2 = H[0]", "unit 1's sigmoid"),
    (
        "03_two_layer_gradient",
        "ex03_grad_w12",
        "return X @ (raw * w21[1] * h2 * (1.0 - h2))",
        "return X @ (raw * w21[0] * H[0] * (1.0 - H[0]))",
        "the lecture's formula unchanged",
    ),
    ("03_two_layer_gradient", "ex03_grad_w12", "w21[1]", "w21[0]", "the first entry of w21"),
    ("03_two_layer_gradient", "ex03_grad_w12", " * h2 * (1.0 - h2)", "", "derivative is missing"),
    (
        "03_two_layer_gradient",
        "ex03_grad_w12",
        "raw = (y == 1) - sigmoid(w21 @ H)",
        "raw = y - sigmoid(w21 @ H)",
        "I(y_i = 1)",
    ),
    ("04_node_level", "ex04_bias_gradient", "in_[j] = bias[j] + sum(", "in_[j] = sum(", "without biases"),
    (
        "04_node_level",
        "ex04_bias_gradient",
        "{j: float(delta[j]) for",
        "{j: float(delta[j] * a[j]) for",
        "activation a_j",
    ),
    (
        "04_node_level",
        "ex04_bias_gradient",
        "{j: float(delta[j]) for",
        "{j: float(delta[j] * bias[j]) for",
        "by b_j itself",
    ),
    (
        "04_node_level",
        "ex04_input_gradient",
        "sum(edges[i, j] * delta[j] for (i, j) in edges if i == k)",
        "edges[k, k + 2] * delta[k + 2]",
        "one arc per input",
    ),
    (
        "04_node_level",
        "ex04_input_gradient",
        "sum(edges[i, j] * delta[j] for (i, j) in edges if i == k)",
        "sum(edges[i, k + 2] * delta[i + 2] for i in (1, 2))",
        "the wrong index",
    ),
    ("04_node_level", "ex04_input_gradient", "edges[i, j] * delta[j] for", "delta[j] for", "a factor is missing"),
    ("04_node_level", "ex04_input_gradient", "edges[i, j] * delta[j] for", "edges[i, j] * a[j] for", "activations a_j"),
    (
        "04_node_level",
        "ex04_input_gradient",
        "if i == k) for k",
        "if i == k) * sigmoid_derivative(x[k - 1]) for k",
        "multiplied by g'(x_i)",
    ),
]


def _mutated(name: str, grade_id: str, old: str, new: str) -> tuple[bytes, str]:
    """The source notebook with one solution edited, and the edited solution's code."""
    nb = json.loads((EXERCISE_DIR / f"{name}.ipynb").read_text(encoding="utf-8"))
    (cell,) = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id]
    text = source(cell)
    assert text.count(old) == 1, f"{old!r} is not (once) in the solution of {grade_id}"
    cell["source"] = text.replace(old, new)
    return json.dumps(nb).encode(), cell["source"]


@pytest.fixture(scope="module")
def grader():
    with Grader(jobs=2, timeout=10.0, seed=4242) as g:
        yield g


@pytest.mark.parametrize(
    ("name", "grade_id", "old", "new", "words"), MUTATIONS, ids=[f"{m[1]}-{m[4][:24]}" for m in MUTATIONS]
)
def test_a_mistake_in_a_derived_part_loses_that_part_and_is_named(grader, name, grade_id, old, new, words):
    data, _ = _mutated(name, grade_id, old, new)
    result = grader.grade_bytes(name, data)
    ex = EXERCISES[name]
    lost = ex.by_id[grade_id].points
    assert {p.grade_id: p.points for p in result.parts} == {
        p.grade_id: 0.0 if p.grade_id == grade_id else float(p.points) for p in ex.parts
    }
    assert result.total == ex.max_points - lost
    part = next(p for p in result.parts if p.grade_id == grade_id)
    assert any(words in d for d in part.diagnoses()), part.diagnoses()


@pytest.mark.parametrize(
    ("name", "grade_id", "old", "new", "words"), MUTATIONS, ids=[f"{m[1]}-{m[4][:24]}" for m in MUTATIONS]
)
def test_the_instant_check_names_the_same_mistake(name, grade_id, old, new, words):
    _, code = _mutated(name, grade_id, old, new)
    preamble = EXERCISES[name].preamble
    scope: dict = {}
    exec(preamble + "\n", scope)
    nb = json.loads((EXERCISE_DIR / f"{name}.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:  # the earlier solutions the edited one may call (sigmoid, delta_output, ...)
        gid = cell["metadata"].get("nbgrader", {}).get("grade_id", "")
        if cell["metadata"].get("nbgrader", {}).get("solution") and gid != grade_id:
            exec(source(cell), scope)
    exec(code, scope)
    result = evaluate(grade_id, scope[EXERCISES[name].by_id[grade_id].func])
    assert not result.passed
    assert any(words in d for d in result.diagnoses()), result.diagnoses()


# the parts and points of exercises 03 and 04, written out: a change of the specs must show up here
POINTS = {
    "03_two_layer_gradient": {
        "ex03_hidden": 1.0,
        "ex03_log_likelihood": 2.0,
        "ex03_grad_w21": 3.0,
        "ex03_grad_w12": 3.0,
        "ex03_grad_w11_tanh": 3.0,
    },
    "04_node_level": {
        "ex04_delta_output": 2.0,
        "ex04_delta_hidden": 2.0,
        "ex04_gradient": 4.0,
        "ex04_bias_gradient": 2.0,
        "ex04_input_gradient": 3.0,
    },
}


@pytest.mark.parametrize("name", sorted(POINTS))
def test_the_reference_solutions_of_exercises_03_and_04_earn_every_point(grader, name):
    data = (EXERCISE_DIR / f"{name}.ipynb").read_bytes()
    result = grader.grade_bytes(name, data)
    assert {p.grade_id: p.points for p in result.parts} == POINTS[name]
    assert result.total == {"03_two_layer_gradient": 12.0, "04_node_level": 13.0}[name]


def test_a_wrong_input_gradient_costs_its_3_points_of_13():
    data, _ = _mutated("04_node_level", "ex04_input_gradient", "edges[i, j] * delta[j] for", "delta[j] for")
    with Grader(jobs=1, timeout=10.0, seed=7) as g:
        result = g.grade_bytes("04_node_level", data)
    assert result.total == 10.0
    assert {p.grade_id: p.points for p in result.parts} == POINTS["04_node_level"] | {"ex04_input_gradient": 0.0}


def test_the_texts_of_exercise_02_part_5_refer_to_part_4_without_printing_its_answer():
    nb = json.loads((EXERCISE_DIR / "02_logistic_unit.ipynb").read_text(encoding="utf-8"))
    cells = [source(c) for c in nb["cells"]]
    (k,) = [k for k, text in enumerate(cells) if text.startswith("## 5. ")]
    part5 = squeezed(cells[k])
    assert "part4" in part5 and "withoutaloop" in part5
    for phrase in ("(a_e-y_e)", "\\sigma'(w^\\topx_e)", "a_e-y_e"):
        assert phrase not in part5, phrase
    assert "part 4's rule" in EXERCISES["02_logistic_unit"].by_id["ex02_batch_gradient"].hint
