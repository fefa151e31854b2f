"""Grading the exercises: sources earn full marks, released copies 0, each usual mistake loses
exactly the points of its own part (a later part that calls it is graded with the reference in its
place: one mistake costs once), with the matching diagnosis."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bpteach.grading import EXERCISES
from bpteach.grading.grader import Grader
from bpteach.grading.notebook import release_notebook, solution_cells, source

EXERCISE_DIR = Path(__file__).resolve().parents[1] / "exercises"


def notebook(name: str) -> dict:
    return json.loads((EXERCISE_DIR / f"{name}.ipynb").read_text())


def mutated(name: str, grade_id: str, old: str, new: str) -> bytes:
    nb = notebook(name)
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            text = source(cell)
            assert old in text, f"{old!r} is not in the solution of {grade_id}"
            cell["source"] = text.replace(old, new)
            return json.dumps(nb).encode()
    raise AssertionError(f"no cell {grade_id} in {name}")


BWRAP_SKIP = "needs a system package: bubblewrap (apt-get install bubblewrap), the grading sandbox"


@pytest.fixture(scope="module")
def grader():
    if shutil.which("bwrap") is None:
        pytest.skip(BWRAP_SKIP)
    with Grader(jobs=2, timeout=10.0, seed=12345) as g:
        yield g


def points(result) -> dict[str, float]:
    return {p.grade_id: p.points for p in result.parts}


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_source_notebook_earns_full_marks(grader, name):
    ex = EXERCISES[name]
    result = grader.grade_bytes(name, (EXERCISE_DIR / f"{name}.ipynb").read_bytes())
    assert result.notes == []
    assert points(result) == {p.grade_id: float(p.points) for p in ex.parts}
    assert result.total == result.max_points == ex.max_points


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_released_notebook_scores_zero_without_an_error(grader, name):
    released = release_notebook(notebook(name))
    result = grader.grade_bytes(name, json.dumps(released).encode())
    assert result.total == 0
    # no crash, no timeout: the only notes are the demonstration cells that call unwritten functions
    assert all("raised NotImplementedError" in note for note in result.notes), result.notes
    for part in result.parts:
        assert part.diagnoses() == ["not written yet: replace the raise NotImplementedError line with your code"]


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_source_notebook_agrees_with_its_spec(name):
    """grade_ids, points and the setup cell: the notebook and bpteach.grading say the same."""
    ex = EXERCISES[name]
    nb = notebook(name)
    assert nb["metadata"]["bpteach"]["exercise"] == name
    assert list(solution_cells(nb)) == [p.grade_id for p in ex.parts]
    checks = {
        c["metadata"]["nbgrader"]["grade_id"]: c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade")
    }
    for part in ex.parts:
        cell = checks[f"{part.grade_id}_check"]
        assert cell["metadata"]["nbgrader"]["points"] == part.points
        assert cell["metadata"]["nbgrader"]["locked"] is True
        assert source(cell) == f'check("{part.grade_id}", {part.func})'
    setup = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id", "").endswith("_setup"))
    code = [line for line in source(setup).splitlines() if line.strip()]
    assert code.count("from bpteach.grading import check") == 1
    code.remove("from bpteach.grading import check")
    assert code == [line for line in ex.preamble.splitlines() if line.strip()]


# (notebook, solution cell, text, replacement, parts that lose their points, diagnosis words)
MUTATIONS = [
    (
        "02_logistic_unit",
        "ex02_sigmoid",
        "return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
        "return np.exp(z) / (1.0 + np.exp(z))",
        {"ex02_sigmoid", "ex02_sigmoid_derivative"},
        "overflows",
    ),
    (
        "02_logistic_unit",
        "ex02_unit_output",
        "return sigmoid(w @ x)",
        "return w @ x",
        {"ex02_unit_output"},
        "total input",
    ),
    (
        "02_logistic_unit",
        "ex02_unit_gradient",
        "(sigmoid(z) - y) * sigmoid_derivative(z)",
        "(y - sigmoid(z)) * sigmoid_derivative(z)",
        {"ex02_unit_gradient"},
        "wrong sign",
    ),
    (
        "02_logistic_unit",
        "ex02_unit_gradient",
        "(sigmoid(z) - y) * sigmoid_derivative(z) * x",
        "(sigmoid(z) - y) * x",
        {"ex02_unit_gradient"},
        "sigma'(w^T x) is missing",
    ),
    (
        "02_logistic_unit",
        "ex02_unit_gradient",
        "return (sigmoid(z) - y)",
        "return 2 * (sigmoid(z) - y)",
        {"ex02_unit_gradient"},
        "factor 2",
    ),
    ("02_logistic_unit", "ex02_batch_gradient", " / X.shape[1]", "", {"ex02_batch_gradient"}, "sum over the examples"),
    (
        "03_two_layer_gradient",
        "ex03_log_likelihood",
        "-y * (w21 @ H)",
        "-(w21 @ H)",
        {"ex03_log_likelihood"},
        "as if every y_i were +1",
    ),
    (
        "03_two_layer_gradient",
        "ex03_grad_w21",
        "raw = (y == 1) - sigmoid(w21 @ H)",
        "raw = y - sigmoid(w21 @ H)",
        {"ex03_grad_w21"},
        "I(y_i = 1)",
    ),
    ("03_two_layer_gradient", "ex03_grad_w21", "return H @ raw", "return -(H @ raw)", {"ex03_grad_w21"}, "wrong sign"),
    ("03_two_layer_gradient", "ex03_grad_w12", " * h2 * (1.0 - h2)", "", {"ex03_grad_w12"}, "is missing"),
    ("03_two_layer_gradient", "ex03_grad_w12", "w21[1]", "w21[0]", {"ex03_grad_w12"}, "counting from 1"),
    (
        "04_node_level",
        "ex04_delta_output",
        "-2.0 * (y - a_j)",
        "-(y - a_j)",
        {"ex04_delta_output", "ex04_gradient"},
        "half the expected values",
    ),
    (
        "04_node_level",
        "ex04_delta_hidden",
        "sigmoid_derivative(in_j) * np.dot",
        "np.dot",
        {"ex04_delta_hidden", "ex04_gradient"},
        "g'(in_j) is missing",
    ),
    (
        "04_node_level",
        "ex04_gradient",
        "{(i, j): float(delta[j] * a[i])",
        "{(i, j): -float(delta[j] * a[i])",
        {"ex04_gradient"},
        "wrong sign",
    ),
    (
        "05_matrix_form",
        "ex05_output_delta",
        "(h_m - Y) * sigmoid_derivative(z_m)",
        "(h_m - Y)",
        {"ex05_output_delta", "ex05_backward"},
        "s'(z_m) is missing",
    ),
    (
        "05_matrix_form",
        "ex05_hidden_delta",
        "return (W_next.T @ delta_next) * sigmoid_derivative(z_i)",
        "return ((W_next.T @ delta_next) * sigmoid_derivative(z_i)).T",
        {"ex05_hidden_delta", "ex05_backward"},
        "transposed matrix",
    ),
    (
        "05_matrix_form",
        "ex05_weight_gradient",
        "delta_i @ h_prev.T",
        "h_prev @ delta_i.T",
        {"ex05_weight_gradient", "ex05_backward"},
        "transposed matrix",
    ),
    (
        "05_matrix_form",
        "ex05_backward",
        "delta[i] = hidden_delta(W[i + 1], delta[i + 1], z[i])",
        "delta[i] = W[i + 1].T @ delta[i + 1]",
        {"ex05_backward"},
        "s'(z_i) is missing",
    ),
    (
        "06_blocks",
        "ex06_linear_forward",
        "return W @ x",
        "return x.T @ W.T",
        {"ex06_linear_forward", "ex06_chain_gradients"},
        "transposed matrix",
    ),
    (
        "06_blocks",
        "ex06_linear_backward",
        "dL_dx = W.T @ dL_dy",
        "dL_dx = W @ dL_dy",
        {"ex06_linear_backward", "ex06_chain_gradients"},
        "forgot to transpose W",
    ),
    (
        "06_blocks",
        "ex06_linear_backward",
        "dL_dW = dL_dy @ x.T",
        "dL_dW = x @ dL_dy.T",
        {"ex06_linear_backward", "ex06_chain_gradients"},
        "dL/dW is transposed",
    ),
    (
        "06_blocks",
        "ex06_linear_backward",
        "return dL_dx, dL_dW",
        "return dL_dx, dL_dW / x.shape[1]",
        {"ex06_linear_backward"},
        "divided dL/dW by the number of examples",
    ),
    (
        "06_blocks",
        "ex06_linear_backward",
        "return dL_dx, dL_dW",
        "return dL_dx.ravel(), dL_dW",
        {"ex06_linear_backward", "ex06_chain_gradients"},
        "a vector of shape (n,) where a column (n, 1)",
    ),
    (
        "06_blocks",
        "ex06_sigmoid_backward",
        "return dL_dy * s * (1.0 - s)",
        "return dL_dy * s",
        {"ex06_sigmoid_backward", "ex06_chain_gradients"},
        "instead of its derivative",
    ),
    (
        "06_blocks",
        "ex06_sigmoid_backward",
        "return dL_dy * s * (1.0 - s)",
        "return dL_dy",
        {"ex06_sigmoid_backward", "ex06_chain_gradients"},
        "phi'(x) is missing",
    ),
    (
        "06_blocks",
        "ex06_chain_gradients",
        "dL_dP = 2.0 * (P - GT)",
        "dL_dP = P - GT",
        {"ex06_chain_gradients"},
        "the factor 2 is missing",
    ),
    (
        "06_blocks",
        "ex06_chain_gradients",
        "dL_dP = 2.0 * (P - GT)",
        "dL_dP = 2.0 * (GT - P)",
        {"ex06_chain_gradients"},
        "wrong sign",
    ),
    (
        "06_blocks",
        "ex06_chain_gradients",
        "dL_dz = sigmoid_backward(z, dL_dy)",
        "dL_dz = dL_dy",
        {"ex06_chain_gradients"},
        "phi'(z) is missing",
    ),
    (
        "08_training",
        "ex08_sgd_step",
        "- 2.0 * lr * weight_decay * w",
        "- lr * weight_decay * w",
        {"ex08_sgd_step"},
        "2 eta lambda w",
    ),
    (
        "08_training",
        "ex08_sgd_step",
        "return w - lr * grad - 2.0 * lr * weight_decay * w",
        "w -= lr * grad + 2.0 * lr * weight_decay * w\n    return w",
        {"ex08_sgd_step"},
        "changed its input",
    ),
    (
        "08_training",
        "ex08_momentum_step",
        "(grad + 2.0 * weight_decay * w)",
        "grad",
        {"ex08_momentum_step"},
        "weight decay is missing",
    ),
    ("08_training", "ex08_train_xor", "range(2000)", "range(3)", {"ex08_train_xor"}, "not below 0.02"),
    ("09_challenges", "ex09_numerical_gradient", "(2.0 * eps)", "eps", {"ex09_numerical_gradient"}, "divided by eps"),
    (
        "09_challenges",
        "ex09_numerical_gradient",
        "(J(w + step) - J(w - step)) / (2.0 * eps)",
        "(J(w + step) - J(w)) / eps",
        {"ex09_numerical_gradient"},
        "forward difference",
    ),
    (
        "09_challenges",
        "ex09_best_step",
        "return (3.0 * delta / M) ** (1.0 / 3.0)",
        "return (6.0 * delta / M) ** (1.0 / 3.0)",
        {"ex09_best_step"},
        "set the two parts equal",
    ),
    (
        "09_challenges",
        "ex09_find_bug",
        "return int(np.argmax(err))",
        "return int(np.argmax(err)) + 1",
        {"ex09_find_bug"},
        "counted from 1",
    ),
]


@pytest.mark.parametrize(
    ("name", "grade_id", "old", "new", "lost", "words"), MUTATIONS, ids=[f"{m[1]}-{m[5][:20]}" for m in MUTATIONS]
)
def test_a_usual_mistake_loses_its_points_and_is_named(grader, name, grade_id, old, new, lost, words):
    result = grader.grade_bytes(name, mutated(name, grade_id, old, new))
    for later in lost - {grade_id}:  # it calls the mutated function: graded again with the reference
        part = next(p for p in result.parts if p.grade_id == later)
        assert "in place of yours" in str(part) and grade_id in str(part)
    lost = {grade_id}
    ex = EXERCISES[name]
    expected = {p.grade_id: 0.0 if p.grade_id in lost else float(p.points) for p in ex.parts}
    assert points(result) == expected
    assert result.total == ex.max_points - sum(p.points for p in ex.parts if p.grade_id in lost)
    part = next(p for p in result.parts if p.grade_id == grade_id)
    assert any(words in d for d in part.diagnoses()), part.diagnoses()
    assert words in str(part)


SOURCES = sorted((Path(__file__).parents[1] / "exercises").glob("*.ipynb"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_solution_delimiters_only_in_solution_cells(path: Path) -> None:
    # nbgrader's ClearSolutions looks for the delimiter text in every cell, markdown included, and
    # aborts generate_assignment on a cell that names one without the other (seen with nbgrader 0.9)
    nb = json.loads(path.read_text())
    for k, cell in enumerate(nb["cells"]):
        text = "".join(cell["source"])
        if "BEGIN SOLUTION" in text or "END SOLUTION" in text:
            assert cell["metadata"].get("nbgrader", {}).get("solution"), (
                f"{path.name} cell {k} names a solution delimiter but is not a solution cell"
            )
