"""Exercise 07 (the computational graph): each usual mistake loses exactly its part's points and is
named, by the grader (fresh inputs, in the sandbox) and by the instant check in the notebook.

The mistakes are real edits of the source notebook's solutions: a divide rule without the upstream
factor, the power rule applied to the exponent, a max that distributes like +, a fan-out whose second
contribution overwrites the first or misses the multiply's factor x, ...
"""

from __future__ import annotations

import json

import pytest
from feedback_answers import ANSWER_PHRASES, leaked
from test_grading import mutated, points

from bpteach.grading import EXERCISES
from bpteach.grading.check import evaluate
from bpteach.grading.grader import Grader

NAME = "07_computational_graph"

# (solution cell, text, replacement, diagnosis words)
DIV = "return upstream / b, -a / b**2 * upstream"
POW = "return b * a ** (b - 1) * upstream, out * math.log(a) * upstream"
MAX = "(df_dm, 0.0) if p >= z else (0.0, df_dm)"
MUTATIONS = [
    ("ex07_divide_backward", "-a / b**2 * upstream", "a / b**2 * upstream", "has the wrong sign"),
    ("ex07_divide_backward", "-a / b**2 * upstream", "-a / b * upstream", "scales like 1/b"),
    ("ex07_divide_backward", DIV, "return 1.0 / b, -a / b**2", "not multiplied by the upstream"),
    ("ex07_divide_backward", DIV, "return -a / b**2 * upstream, upstream / b", "in the wrong order"),
    ("ex07_power_backward", "out * math.log(a) * upstream", "b * a ** (b - 1) * upstream", "is not b a^(b-1)"),
    ("ex07_power_backward", "out * math.log(a) * upstream", "out * upstream", "inner function b ln a"),
    ("ex07_power_backward", "out * math.log(a) * upstream", "math.log(a) * upstream", "outer function's derivative"),
    ("ex07_power_backward", POW, "return b * a ** (b - 1), out * math.log(a)", "not multiplied by the upstream"),
    (
        "ex07_power_backward",
        POW,
        "return out * math.log(a) * upstream, b * a ** (b - 1) * upstream",
        "in the wrong order",
    ),
    (
        "ex07_graph_backward",
        "df_dm = t * 1.0\n    df_dt = m * 1.0",
        "df_dm = m * 1.0\n    df_dt = t * 1.0",
        "the last multiply f = m t must swap",
    ),
    (
        "ex07_graph_backward",
        "df_dx = y * df_dp\n    df_dy = x * df_dp",
        "df_dx = x * df_dp\n    df_dy = y * df_dp",
        "the multiply p = x y must swap",
    ),
    ("ex07_graph_backward", MAX, "(0.0, df_dm) if p >= z else (df_dm, 0.0)", "sent the gradient to its smaller input"),
    ("ex07_graph_backward", MAX, "df_dm, df_dm", "passed the gradient to both inputs"),
    ("ex07_graph_backward", "df_dw = (1.0 - t * t) * df_dt", "df_dw = df_dt", "misses tanh's local derivative"),
    ("ex07_graph_backward", "df_dw = (1.0 - t * t) * df_dt", "df_dw = t * (1.0 - t) * df_dt", "the sigmoid's local"),
    (
        "ex07_fanout_gradient",
        "grad += x * s * (1.0 - s)",
        "grad = x * s * (1.0 - s)",
        "only the contribution through the sigmoid came back",
    ),
    (
        "ex07_fanout_gradient",
        "grad += x * s * (1.0 - s)",
        "grad += 0.0",
        "only the multiply's direct use of x was kept",
    ),
    ("ex07_fanout_gradient", "grad += x * s * (1.0 - s)", "grad += s * (1.0 - s)", "what does the multiply hand its"),
    ("ex07_fanout_gradient", "grad += x * s * (1.0 - s)", "grad += s * s * (1.0 - s)", "not s itself"),
]


@pytest.fixture(scope="module")
def grader():
    with Grader(jobs=2, timeout=10.0, seed=777) as g:
        yield g


@pytest.mark.parametrize(("grade_id", "old", "new", "words"), MUTATIONS, ids=[f"{m[0]}-{m[3][:24]}" for m in MUTATIONS])
def test_a_usual_mistake_loses_its_points_and_is_named(grader, grade_id, old, new, words):
    result = grader.grade_bytes(NAME, mutated(NAME, grade_id, old, new))
    ex = EXERCISES[NAME]
    expected = {p.grade_id: 0.0 if p.grade_id == grade_id else float(p.points) for p in ex.parts}
    assert points(result) == expected
    part = next(p for p in result.parts if p.grade_id == grade_id)
    assert any(words in d for d in part.diagnoses()), part.diagnoses()


@pytest.mark.parametrize(("grade_id", "old", "new", "words"), MUTATIONS, ids=[f"{m[0]}-{m[3][:24]}" for m in MUTATIONS])
def test_the_instant_check_names_the_same_mistake(grade_id, old, new, words):
    nb = json.loads(mutated(NAME, grade_id, old, new))
    namespace: dict = {}
    for cell in nb["cells"]:
        nbgrader = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and (nbgrader.get("solution") or nbgrader.get("grade_id") == "ex07_setup"):
            exec("".join(cell["source"]), namespace)  # the notebook's own cells, as the kernel runs them
    func = namespace[EXERCISES[NAME].by_id[grade_id].func]
    result = evaluate(grade_id, func)
    assert result.points == 0
    assert any(words in d for d in result.diagnoses()), result.diagnoses()
    if grade_id in ANSWER_PHRASES:  # what the student actually sees after this mistake
        assert [d for d in result.diagnoses() if leaked(grade_id, d)] == []
