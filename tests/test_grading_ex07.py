"""Exercise 07 (the computational graph): each usual mistake loses exactly its part's points and is
named, by the grader (fresh inputs, in the sandbox) and by the instant check in the notebook.

The mistakes are real edits of the source notebook's solutions: a multiply that does not swap, a
max that distributes like +, a fan-out whose second contribution overwrites the first, ...
"""

from __future__ import annotations

import json

import pytest
from test_grading import mutated, points

from bpteach.grading import EXERCISES
from bpteach.grading.check import evaluate
from bpteach.grading.grader import Grader

NAME = "07_computational_graph"

# (solution cell, text, replacement, diagnosis words)
MUTATIONS = [
    (
        "ex07_multiply_backward",
        "return b * upstream, a * upstream",
        "return a * upstream, b * upstream",
        "multiply swaps its inputs",
    ),
    ("ex07_multiply_backward", "return b * upstream, a * upstream", "return b, a", "not multiplied by the upstream"),
    ("ex07_max_backward", "return upstream, 0.0\n    return 0.0, upstream", "return upstream, upstream", "max routes"),
    (
        "ex07_max_backward",
        "return upstream, 0.0\n    return 0.0, upstream",
        "return 0.0, upstream\n    return upstream, 0.0",
        "went to the smaller input",
    ),
    ("ex07_divide_backward", "-a / b**2 * upstream", "a / b**2 * upstream", "has a minus sign"),
    ("ex07_divide_backward", "-a / b**2 * upstream", "-a / b * upstream", "not -b^(-1)"),
    (
        "ex07_graph_backward",
        "df_dq = s * 1.0\n    df_ds = q * 1.0",
        "df_dq = q * 1.0\n    df_ds = s * 1.0",
        "the last multiply f = q s must swap",
    ),
    (
        "ex07_graph_backward",
        "df_dx = y * df_dp\n    df_dy = x * df_dp",
        "df_dx = x * df_dp\n    df_dy = y * df_dp",
        "the multiply p = x y must swap",
    ),
    ("ex07_graph_backward", "df_dw = s * (1.0 - s) * df_ds", "df_dw = df_ds", "misses the sigmoid's local derivative"),
    (
        "ex07_fanout_gradient",
        "grad += x * s * (1.0 - s)",
        "grad = x * s * (1.0 - s)",
        "only the path through the sigmoid was kept",
    ),
    (
        "ex07_fanout_gradient",
        "grad += x * s * (1.0 - s)",
        "grad += 0.0",
        "only the direct path into the multiply was kept",
    ),
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
