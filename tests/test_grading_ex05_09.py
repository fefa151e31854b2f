"""The derive-it-yourself parts of exercises 05, 06, 08 and 09: each mistake they invite loses
exactly that part's points and is named, by the grader (sandboxed, fresh inputs) and by the
instant check in the student's kernel (fixed inputs)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bpteach.grading import EXERCISES
from bpteach.grading.check import evaluate
from bpteach.grading.grader import Grader
from bpteach.grading.notebook import release_notebook, source

EXERCISE_DIR = Path(__file__).resolve().parents[1] / "exercises"
NEW_PARTS = {
    "05_matrix_form": "ex05_log_loss_delta",
    "06_blocks": "ex06_skip_gradients",
    "08_training": "ex08_momentum_kth_step",
    "09_challenges": "ex09_gradient_norms",
}
ALSO_DERIVED = {"08_training": "ex08_minibatch_gradient", "09_challenges": "ex09_conv_gradients"}


def solution_text(name: str, grade_id: str) -> str:
    nb = json.loads((EXERCISE_DIR / f"{name}.ipynb").read_text())
    cells = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id]
    assert len(cells) == 1, f"{name} holds {len(cells)} solution cells {grade_id}"
    return source(cells[0])


def with_solution(name: str, grade_id: str, old: str, new: str) -> bytes:
    """The source notebook with one text of one solution cell replaced (the text must be there)."""
    nb = json.loads((EXERCISE_DIR / f"{name}.ipynb").read_text())
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == grade_id:
            text = source(cell)
            assert old in text, f"{old!r} is not in the solution of {grade_id}"
            cell["source"] = text.replace(old, new)
    return json.dumps(nb).encode()


def student_function(name: str, grade_id: str, old: str = "", new: str = "") -> object:
    """The solution cell run as a student's kernel would, after the setup cell's helpers."""
    ex = EXERCISES[name]
    scope: dict = {}
    exec(ex.preamble, scope)  # the setup cell's helpers (sigmoid, ...)
    nb = json.loads((EXERCISE_DIR / f"{name}.ipynb").read_text())
    for cell in nb["cells"]:
        gid = cell["metadata"].get("nbgrader", {}).get("grade_id", "")
        if cell["metadata"].get("nbgrader", {}).get("solution"):
            text = source(cell)
            if gid == grade_id:
                assert old in text
                text = text.replace(old, new)
            exec(text, scope)
    return scope[ex.by_id[grade_id].func]


@pytest.fixture(scope="module")
def grader():
    with Grader(jobs=2, timeout=10.0, seed=4242) as g:
        yield g


# (notebook, grade_id, text in the solution, replacement, words of the diagnosis)
MISTAKES = [
    (
        "05_matrix_form",
        "ex05_log_loss_delta",
        "return (beta * Y + 1.0 - Y) * a - beta * Y",
        "return a - Y",
        "the unweighted log-loss's delta_m",
    ),
    (
        "05_matrix_form",
        "ex05_log_loss_delta",
        "return (beta * Y + 1.0 - Y) * a - beta * Y",
        "return (Y + beta * (1.0 - Y)) * a - Y",
        "beta weights the wrong term",
    ),
    (
        "05_matrix_form",
        "ex05_log_loss_delta",
        "return (beta * Y + 1.0 - Y) * a - beta * Y",
        "return beta * (a - Y)",
        "scaled the whole delta_m by beta",
    ),
    (
        "05_matrix_form",
        "ex05_log_loss_delta",
        "return (beta * Y + 1.0 - Y) * a - beta * Y",
        "return ((beta * Y + 1.0 - Y) * a - beta * Y) * sigmoid_derivative(z_m)",
        "cancels against the denominators",
    ),
    (
        "05_matrix_form",
        "ex05_log_loss_delta",
        "return (beta * Y + 1.0 - Y) * a - beta * Y",
        "return -beta * Y / a + (1.0 - Y) / (1.0 - a)",
        "this is dl/da alone",
    ),
    (
        "05_matrix_form",
        "ex05_log_loss_delta",
        "return (beta * Y + 1.0 - Y) * a - beta * Y",
        "return beta * Y - (beta * Y + 1.0 - Y) * a",
        "wrong sign",
    ),
    (
        "05_matrix_form",
        "ex05_log_loss_delta",
        "return (beta * Y + 1.0 - Y) * a - beta * Y",
        "return (beta * Y + 1.0 - Y) * z_m - beta * Y",
        "where the output a",
    ),
    (
        "05_matrix_form",
        "ex05_output_delta",
        "(h_m - Y) * sigmoid_derivative(z_m)",
        "(h_m - Y) * sigmoid_derivative(h_m)",
        "slope s' at the output h_m",
    ),
    (
        "05_matrix_form",
        "ex05_weight_gradient",
        "delta_i @ h_prev.T / delta_i.shape[1]",
        "delta_i @ h_prev.T / delta_i.shape[0]",
        "divided by n_i, the number of neurons",
    ),
    (
        "05_matrix_form",
        "ex05_weight_gradient",
        "delta_i @ h_prev.T / delta_i.shape[1]",
        "delta_i @ h_prev.T",
        "this is the sum over the examples",
    ),
    (
        "06_blocks",
        "ex06_skip_gradients",
        "return dL_dO @ x.T, dL_dx_through_W + dL_dx_through_u",
        "return dL_dO @ x.T, dL_dx_through_W",
        "misses the skip path",
    ),
    (
        "06_blocks",
        "ex06_skip_gradients",
        "return dL_dO @ x.T, dL_dx_through_W + dL_dx_through_u",
        "return dL_dO @ x.T, dL_dx_through_u",
        "holds only the skip path",
    ),
    (
        "06_blocks",
        "ex06_skip_gradients",
        "O = w_prime @ y + u @ x",
        "O = w_prime @ y",
        "leaves out the skip arcs",
    ),
    (
        "08_training",
        "ex08_minibatch_gradient",
        "return delta @ Xb.T / len(batch)",
        "return delta @ Xb.T",
        "sum over the batch",
    ),
    (
        "08_training",
        "ex08_minibatch_gradient",
        "return delta @ Xb.T / len(batch)",
        "return delta @ Xb.T / X.shape[1]",
        "number of all examples",
    ),
    (
        "08_training",
        "ex08_minibatch_gradient",
        "Xb, Yb = X[:, batch], Y[:, batch]",
        "Xb, Yb = X, Y\n    batch = range(X.shape[1])",
        "only the columns in batch",
    ),
    (
        "08_training",
        "ex08_minibatch_gradient",
        "delta = (a - Yb) * a * (1.0 - a)",
        "delta = a - Yb",
        "s'(z) is missing",
    ),
]
MISTAKES += [
    (
        "09_challenges",
        "ex09_best_step",
        "return (3.0 * delta / M) ** (1.0 / 3.0)",
        "return (1.5 * delta / M) ** (1.0 / 3.0)",
        "one of your two parts is off by a factor 2",
    ),
    (
        "09_challenges",
        "ex09_best_step",
        "return (3.0 * delta / M) ** (1.0 / 3.0)",
        "return (6.0 * delta / M) ** (1.0 / 3.0)",
        "set the two parts equal",
    ),
    (
        "09_challenges",
        "ex09_best_step",
        "return (3.0 * delta / M) ** (1.0 / 3.0)",
        "return (delta / M) ** (1.0 / 3.0)",
        "truncation part has the wrong coefficient",
    ),
    (
        "09_challenges",
        "ex09_best_step",
        "return (3.0 * delta / M) ** (1.0 / 3.0)",
        "return 2.0 * np.sqrt(delta / M)",
        "best step of the forward difference",
    ),
    ("09_challenges", "ex09_conv_gradients", "stride * j", "j", "one input at a time"),
    (
        "09_challenges",
        "ex09_conv_gradients",
        "for j in range(n_out)) for r in range(k)])",
        "for j in range(1)) for r in range(k)])",
        "only the first position",
    ),
    (
        "09_challenges",
        "ex09_conv_gradients",
        "return dL_dw, dL_dx",
        "return dL_dw / n_out, dL_dx",
        "divided by the number of positions",
    ),
    ("09_challenges", "ex09_conv_gradients", "+= w * dL_dy[j]", "= w * dL_dy[j]", "add, do not overwrite"),
    ("09_challenges", "ex09_conv_gradients", "+= w * dL_dy[j]", "+= w[::-1] * dL_dy[j]", "coefficients of x_2"),
    (
        "09_challenges",
        "ex09_gradient_norms",
        "for i in range(1, m + 1)])",
        "for i in range(1, m + 1)]) ** 2",
        "squared norms",
    ),
    (
        "09_challenges",
        "ex09_gradient_norms",
        "for i in range(1, m + 1)])",
        "for i in range(m, 0, -1)])",
        "reverse order",
    ),
    (
        "09_challenges",
        "ex09_gradient_norms",
        "h[i - 1].T / X.shape[1])",
        "h[i - 1].T)",
        "summed gradients",
    ),
    (
        "09_challenges",
        "ex09_gradient_norms",
        "delta[i] = (W[i + 1].T @ delta[i + 1]) * h[i] * (1.0 - h[i])",
        "delta[i] = W[i + 1].T @ delta[i + 1]",
        "s'(z_i) is missing",
    ),
    (
        "09_challenges",
        "ex09_gradient_norms",
        "delta = {m: (h[m] - Y) * h[m] * (1.0 - h[m])}",
        "delta = {m: h[m] - Y}",
        "the output delta lacks s'(z_m)",
    ),
]
# exercise 08: the step parts (derived from the regularised cost) and the k-th momentum step
KTH = "return -lr * grad * (1.0 - momentum**k) / (1.0 - momentum)"
MOMENTUM = "step = momentum * velocity - lr * (grad + 2.0 * weight_decay * w)\n    return w + step, step"
MISTAKES += [
    ("08_training", "ex08_sgd_step", "- 2.0 * lr * weight_decay * w", "", "a step on J alone"),
    ("08_training", "ex08_sgd_step", "- 2.0 * lr * weight_decay * w", "- 2.0 * weight_decay * w", "not 2 lambda w"),
    ("08_training", "ex08_sgd_step", "return w - lr * grad", "return w + lr * grad", "stepped up the gradient"),
    ("08_training", "ex08_momentum_step", "return w + step, step", "return w + velocity, step", "old velocity"),
    (
        "08_training",
        "ex08_momentum_step",
        MOMENTUM,
        "step = momentum * velocity - lr * grad\n    return w + step - 2.0 * lr * weight_decay * w, step",
        "took the decay out of the velocity",
    ),
    (
        "08_training",
        "ex08_minibatch_gradient",
        "delta = (a - Yb) * a * (1.0 - a)",
        "delta = 2.0 * (a - Yb) * a * (1.0 - a)",
        "twice the expected values",
    ),
    ("08_training", "ex08_momentum_kth_step", KTH, "return -lr * grad / (1.0 - momentum)", "the limit"),
    ("08_training", "ex08_momentum_kth_step", "momentum**k", "momentum ** (k + 1)", "one term too many"),
    ("08_training", "ex08_momentum_kth_step", "momentum**k", "momentum ** (k - 1)", "one term too few"),
    ("08_training", "ex08_momentum_kth_step", KTH, "return -lr * grad * (1.0 - momentum**k)", "compare it with 1 + mu"),
    ("08_training", "ex08_momentum_kth_step", KTH, "return -lr * grad * momentum ** (k - 1)", "oldest gradient"),
    ("08_training", "ex08_momentum_kth_step", KTH, "return " + KTH[8:], "wrong sign"),
]
IDS = [f"{m[1]}-{m[4][:24]}" for m in MISTAKES]


def test_every_new_part_is_appended_and_its_docstring_states_no_formula():
    for name, grade_id in [*NEW_PARTS.items(), *ALSO_DERIVED.items()]:
        assert grade_id in [p.grade_id for p in EXERCISES[name].parts[-2:]]
        doc = solution_text(name, grade_id).split('"""')[1]
        # the contract (inputs, shapes, what is returned), not the answer: no code-like formula
        for answer in ("sigmoid(", "@", "np.", "/ len", "x[r"):
            assert answer not in doc, f"{grade_id}'s docstring gives away {answer!r}: {doc}"


def test_08_step_docstrings_and_release_hints_state_the_contract_not_the_update():
    """Parts 1-2 give the regularised cost only: neither the docstring nor the released stub's
    NotImplementedError message (written from the spec's hint) holds the update."""
    released = release_notebook(json.loads((EXERCISE_DIR / "08_training.ipynb").read_text()))
    stubs = {
        c["metadata"]["nbgrader"]["grade_id"]: source(c) for c in released["cells"] if c["metadata"].get("nbgrader")
    }
    for grade_id in ("ex08_sgd_step", "ex08_momentum_step", "ex08_momentum_kth_step"):
        doc = solution_text("08_training", grade_id).split('"""')[1]
        stub = stubs[grade_id]
        assert "raise NotImplementedError(" in stub
        for answer in ("lr *", "2 *", "2.0 *", "2 lambda", "2 eta", "momentum *", "mu Delta", "velocity -", "(1 -"):
            assert answer not in doc, f"{grade_id}'s docstring gives away {answer!r}: {doc}"
            assert answer not in stub, f"{grade_id}'s released stub gives away {answer!r}: {stub}"


def test_08_the_text_of_parts_1_and_2_says_where_the_update_is_printed():
    """Lecture 8 prints the weight-decay update: the exercise does not call it a derivation."""
    nb = json.loads((EXERCISE_DIR / "08_training.ipynb").read_text())
    markdown = " ".join(" ".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown").split())
    assert "yours to derive" not in markdown
    assert (
        'add the penalty\'s gradient yourself ([lecture 8](../lectures/08_training.ipynb), "Weight decay"' in markdown
    )


def test_08_a_factor_2_minibatch_answer_is_not_called_a_sum():
    """Batches of 3 or more: twice the mean is not the sum, so only the factor 2 is named."""
    sizes = [
        len(b) for *_, b in EXERCISES["08_training"].by_id["ex08_minibatch_gradient"].cases(np.random.default_rng(0))
    ]
    assert min(sizes) >= 3
    old, new = "delta = (a - Yb) * a * (1.0 - a)", "delta = 2.0 * (a - Yb) * a * (1.0 - a)"
    result = evaluate("ex08_minibatch_gradient", student_function("08_training", "ex08_minibatch_gradient", old, new))
    assert result.points == 0 and len(result.failures) == len(sizes)  # every input fails ...
    diagnoses = [f.diagnosis for f in result.failures]  # ... and each is told the same, right thing
    assert all("twice the expected values" in d and "sum over the batch" not in d for d in diagnoses), diagnoses


def test_08_the_kth_momentum_step_is_the_closed_form_lecture_8_prints():
    """-eta g (1 - mu^k) / (1 - mu): the reference (a loop) gives lecture 8's -3.2566 and -4.9742."""
    ref = EXERCISES["08_training"].by_id["ex08_momentum_kth_step"].reference
    step_10 = ref(np.array([1.0]), 0.5, 0.9, 10)[0]
    assert step_10 == pytest.approx(-5 * (1 - 0.9**10), rel=1e-12)
    assert step_10 == pytest.approx(-3.2566, abs=5e-5)
    assert ref(np.array([1.0]), 0.5, 0.9, 50)[0] == pytest.approx(-4.9742, abs=5e-5)
    solution = student_function("08_training", "ex08_momentum_kth_step")
    rng = np.random.default_rng(3)
    for _ in range(20):
        g, lr, mu, k = rng.normal(size=3), rng.uniform(0.01, 1), rng.uniform(0, 0.99), int(rng.integers(1, 80))
        np.testing.assert_allclose(solution(g, lr, mu, k), ref(g, lr, mu, k), rtol=1e-10)
    md = (EXERCISE_DIR / "08_training.ipynb").read_text()
    assert "-3.2566" in md and "-4.9742" in md


def test_05_the_weighted_log_loss_delta_against_central_differences():
    """The loss itself, differentiated numerically: the reference is its derivative, beta = 1 gives
    lecture 5's a - y, and every check input tells beta apart from the usual slips."""
    ref = EXERCISES["05_matrix_form"].by_id["ex05_log_loss_delta"].reference
    s = lambda v: 1.0 / (1.0 + np.exp(-v))  # noqa: E731

    def loss(z: float, y: float, beta: float) -> float:
        return float(-beta * y * np.log(s(z)) - (1 - y) * np.log(1 - s(z)))

    eps = 1e-6
    for z, y, beta in ((-0.7, 1.0, 3.0), (1.3, 0.0, 3.0), (0.4, 1.0, 0.3), (-2.0, 0.0, 0.3), (0.9, 1.0, 1.0)):
        numeric = (loss(z + eps, y, beta) - loss(z - eps, y, beta)) / (2 * eps)
        got = float(ref(np.array([[z]]), np.array([[y]]), beta)[0, 0])
        assert got == pytest.approx(numeric, abs=1e-8)
    z = np.linspace(-5.0, 5.0, 11).reshape(1, -1)
    Y = (np.arange(11) % 2).astype(float).reshape(1, -1)
    np.testing.assert_allclose(ref(z, Y, 1.0), s(z) - Y, atol=1e-12)  # beta = 1: lecture 5's a - y
    assert ref(np.array([[0.0]]), np.array([[1.0]]), 3.0)[0, 0] == pytest.approx(-1.5, abs=1e-12)
    from bpteach.grading.check import CHECK_SEED

    part = EXERCISES["05_matrix_form"].by_id["ex05_log_loss_delta"]
    for seed in (CHECK_SEED, 4242, 12345):
        for _, Y, beta in part.cases(np.random.default_rng(seed)):
            assert set(np.unique(Y)) == {0.0, 1.0} and abs(beta - 1.0) > 0.4


def test_05_06_the_parts_that_are_now_derived_give_no_formula_in_their_hints():
    # exercise 05 no longer prints the recipe, and its part 3 asks for the mean; exercise 06's part 2
    # asks to derive the learnable block's backward: the released stubs must not hand the code back
    hints = {p.grade_id: p.hint for ex in EXERCISES.values() for p in ex.parts}
    for grade_id in ("ex05_output_delta", "ex05_hidden_delta", "ex05_weight_gradient", "ex05_backward"):
        for code in ("@", ".T", "h_m - Y", "/ n", "* s'"):
            assert code not in hints[grade_id], hints[grade_id]
    assert "W.T" not in hints["ex06_linear_backward"] and "x.T" not in hints["ex06_linear_backward"]
    assert "chain rule" in hints["ex06_linear_backward"]


def test_05_the_weight_gradient_checks_tell_the_rows_from_the_sum():
    """Every check input of part 3 has n_i != 1, so dividing by the rows is not the sum there."""
    from bpteach.grading.check import CHECK_SEED

    part = EXERCISES["05_matrix_form"].by_id["ex05_weight_gradient"]
    for seed in (CHECK_SEED, 4242, 12345):
        for d, _ in part.cases(np.random.default_rng(seed)):
            assert d.shape[0] != 1
            assert d.shape[0] != d.shape[1]


@pytest.mark.parametrize(("name", "grade_id", "old", "new", "words"), MISTAKES, ids=IDS)
def test_the_grader_takes_the_part_and_names_the_mistake(grader, name, grade_id, old, new, words):
    result = grader.grade_bytes(name, with_solution(name, grade_id, old, new))
    ex = EXERCISES[name]
    # parts judged by running the student's training (accept) depend on the machine's load and the
    # grader's time limit, not on this mutation: compare the others
    exact = [p for p in ex.parts if p.accept is None]
    got = {p.grade_id: p.points for p in result.parts if p.grade_id in {q.grade_id for q in exact}}
    assert got == {p.grade_id: 0.0 if p.grade_id == grade_id else float(p.points) for p in exact}
    part = next(p for p in result.parts if p.grade_id == grade_id)
    assert any(words in d for d in part.diagnoses()), part.diagnoses()


@pytest.mark.parametrize(("name", "grade_id", "old", "new", "words"), MISTAKES, ids=IDS)
def test_the_instant_check_names_the_mistake(name, grade_id, old, new, words):
    result = evaluate(grade_id, student_function(name, grade_id, old, new))
    assert result.points == 0
    assert any(words in d for d in result.diagnoses()), result.diagnoses()


@pytest.mark.parametrize(("name", "grade_id"), sorted([*NEW_PARTS.items(), *ALSO_DERIVED.items()]))
def test_the_instant_check_passes_the_solution(name, grade_id):
    result = evaluate(grade_id, student_function(name, grade_id))
    assert result.points == result.max_points > 0, result.diagnoses()


def test_the_new_references_are_independent_computations():
    """Each reference against a formula derived by hand here, on fresh inputs."""
    rng = np.random.default_rng(7)
    s = lambda v: 1.0 / (1.0 + np.exp(-v))  # noqa: E731
    ex = {name: EXERCISES[name].by_id for name in NEW_PARTS}
    for z, Y, beta in ex["05_matrix_form"]["ex05_log_loss_delta"].cases(rng):
        want = (beta * Y + 1 - Y) * s(z) - beta * Y  # derived by hand from -beta y log a - (1 - y) log(1 - a)
        np.testing.assert_allclose(ex["05_matrix_form"]["ex05_log_loss_delta"].reference(z, Y, beta), want, atol=1e-12)
    for W, X, Y, b in ex["08_training"]["ex08_minibatch_gradient"].cases(rng):
        a = s(W @ X[:, b])
        want = ((a - Y[:, b]) * a * (1 - a)) @ X[:, b].T / len(b)
        np.testing.assert_allclose(ex["08_training"]["ex08_minibatch_gradient"].reference(W, X, Y, b), want, atol=1e-14)
    for x, w, d, st in ex["09_challenges"]["ex09_conv_gradients"].cases(rng):
        want_w = [sum(d[j] * x[st * j + r] for j in range(d.size)) for r in range(w.size)]
        want_x = [sum(w[i - st * j] * d[j] for j in range(d.size) if 0 <= i - st * j < w.size) for i in range(x.size)]
        got_w, got_x = ex["09_challenges"]["ex09_conv_gradients"].reference(x, w, d, st)
        np.testing.assert_allclose(got_w, want_w, atol=1e-14)
        np.testing.assert_allclose(got_x, want_x, atol=1e-14)
    for W, w, u, x, GT in ex["06_blocks"]["ex06_skip_gradients"].cases(rng):
        O = w @ s(W @ x) + u @ x
        dL_dO = 2 * (s(O) - GT) * s(O) * (1 - s(O))
        dL_dx = W.T @ ((w.T @ dL_dO) * s(W @ x) * (1 - s(W @ x))) + u.T @ dL_dO
        du, dx = ex["06_blocks"]["ex06_skip_gradients"].reference(W, w, u, x, GT)
        np.testing.assert_allclose(du, dL_dO @ x.T, atol=1e-12)
        np.testing.assert_allclose(dx, dL_dx, atol=1e-10)


EX09_PARTS = [
    "ex09_numerical_gradient",
    "ex09_best_step",
    "ex09_find_bug",
    "ex09_conv_gradients",
    "ex09_gradient_norms",
]


def test_09_no_part_gives_its_formula_in_the_text_the_docstring_or_the_stub():
    ex = EXERCISES["09_challenges"]
    assert [p.grade_id for p in ex.parts] == EX09_PARTS and ex.max_points == 14
    nb = json.loads((EXERCISE_DIR / "09_challenges.ipynb").read_text())
    markdown = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    # the central difference, the optimal step and the convolution's gradients appear nowhere
    for answer in ("2\\varepsilon}", "/ (2", "1/3)", "^{1/3}", "\\partial L/\\partial y_j \\, x"):
        assert answer not in markdown, answer
    assert "../lectures/09_challenges.ipynb" in markdown
    # part 1's central difference is printed in lecture 9 and part 5 is lecture 5's recipe: say so
    assert "None of the five formulas is given" not in markdown and "most accurate" not in markdown
    assert "Parts 2 and 4 ask for formulas that no lecture gives" in markdown
    assert "the step $\\varepsilon$ that minimises a bound on its error" in markdown
    for part in ex.parts:
        doc = solution_text("09_challenges", part.grade_id).split('"""')[1]
        for answer in ("J(w +", "2 eps", "1/3", "** (", "+=", "@", "np.", "delta_"):
            assert answer not in doc, f"{part.grade_id}'s docstring gives away {answer!r}: {doc}"
        for answer in ("J(w + eps e_k) - J(w - eps e_k)", "(3 delta", "/ (2 eps)", "abs(g) + abs(n)"):
            assert answer not in part.hint, f"{part.grade_id}'s stub hint gives away {answer!r}"


@pytest.mark.parametrize("grade_id", EX09_PARTS)
def test_09_the_instant_check_passes_every_solution(grade_id):
    result = evaluate(grade_id, student_function("09_challenges", grade_id))
    assert result.points == result.max_points > 0, result.diagnoses()


def test_09_the_best_step_minimises_the_bound_and_the_bound_s_constants_are_measured():
    rng = np.random.default_rng(11)
    part = EXERCISES["09_challenges"].by_id["ex09_best_step"]
    for delta, M in part.cases(rng):
        eps = np.geomspace(1e-9, 1e-2, 200_001)
        bound = M * eps**2 / 6 + delta / eps  # truncation + rounding, minimised on a grid here
        assert part.reference(delta, M) == pytest.approx(eps[np.argmin(bound)], rel=1e-4)
    # the truncation constant 1/6, measured: for J = sin at 0.7 the error is eps^2 |cos(0.7)| / 6
    w, h = 0.7, 1e-3
    truncation = (np.sin(w + h) - np.sin(w - h)) / (2 * h) - np.cos(w)
    assert truncation / h**2 == pytest.approx(-np.cos(w) / 6, rel=1e-4)
    # the missing output slope makes each example's output delta 1 / s'(z_m) >= 4 times too large; summed
    # over examples the contributions can partly cancel, so the norms are "usually several times" too large
    norms = EXERCISES["09_challenges"].by_id["ex09_gradient_norms"]
    bad = next(m for m in norms.mistakes if m.name == "no output slope")
    for W, X, Y in norms.cases(rng):
        ratio = bad.output(W, X, Y) / norms.reference(W, X, Y)
        assert np.all(ratio > 3.0), ratio
