"""Exercise 07 (the computational graph): each usual mistake loses exactly its part's points and is
named, by the grader (fresh inputs, in the sandbox) and by the instant check in the notebook.

The mistakes are real edits of the source notebook's solutions: a divide rule without the upstream
factor, the power rule applied to the exponent, a max that distributes like +, a fan-out whose second
contribution overwrites the first or misses the multiply's factor x, ...
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


# The derived parts (1, 2 and 4): no hint or diagnosis may print a piece of the answer. Each
# fragment is written as the feedback could spell it, compared with spaces removed and lower case.
ANSWER_FRAGMENTS = {
    "ex07_divide_backward": ["b^2", "b**2", "b²", "b^(-2)", "b^-2", "-a/b", "-b^(-2)", "1/b^"],
    "ex07_power_backward": [
        "a^bln",
        "a^b*ln",
        "a^b·ln",
        "ln(a)a^b",
        "ln(a)*a^b",
        "ln(a)·a^b",
        "lnaa^b",
        "a**b*math.log",
        "factorln",
        "factora^b",
        "timesthederivativeofblna",
        "exp(blna)times",
    ],
    "ex07_fanout_gradient": [
        "s(1-s)",
        "s*(1-s)",
        "s·(1-s)",
        "σ(x)(1",
        "sigmoid(x)(1",
        "1-sigmoid",
        "1-σ",
        "s+x",
        "x*s",
        "xs(",
        "addssigmoid",
        "adds(x)",
        "addsx",
        "hands x the value",
    ],
}


def _answer_fragments_in(grade_id: str, text: str) -> list[str]:
    flat = "".join(text.split()).lower()
    return [f for f in ANSWER_FRAGMENTS[grade_id] if "".join(f.split()).lower() in flat]


@pytest.mark.parametrize("grade_id", sorted(ANSWER_FRAGMENTS))
def test_no_hint_or_diagnosis_of_a_derived_part_prints_its_answer(grade_id):
    part = EXERCISES[NAME].by_id[grade_id]
    texts = [part.hint] + [m.message for m in part.mistakes]
    assert len(texts) >= 4  # the hint and at least three diagnoses were looked at
    leaks = {t: _answer_fragments_in(grade_id, t) for t in texts if _answer_fragments_in(grade_id, t)}
    assert leaks == {}


def test_the_answer_fragments_do_catch_the_formulas():
    # the check above can fail: the references' formulas, as an earlier version printed them, are caught
    assert _answer_fragments_in("ex07_divide_backward", "so it is -a / b^2")
    assert _answer_fragments_in("ex07_power_backward", "misses the factor ln(a)")
    assert _answer_fragments_in("ex07_power_backward", "a^b ln(a) up")
    assert _answer_fragments_in("ex07_fanout_gradient", "the path through the sigmoid adds x s (1 - s)")
    assert _answer_fragments_in("ex07_fanout_gradient", "the multiply's first input adds sigmoid(x)")


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
    if grade_id in ANSWER_FRAGMENTS:  # what the student actually sees after this mistake
        assert [d for d in result.diagnoses() if _answer_fragments_in(grade_id, d)] == []
