"""No feedback gives away a derive-it part's answer: the stub's hint, every named mistake's message
and the instant check's whole verdict on each named mistake (so the generic diagnoses too) are
searched for the answer's phrases of ``feedback_answers.py``."""

from __future__ import annotations

import pytest
from feedback_answers import ANSWER_PHRASES, leaked

from bpteach.grading import EXERCISES
from bpteach.grading.check import evaluate

PARTS = {p.grade_id: p for ex in EXERCISES.values() for p in ex.parts}


@pytest.mark.parametrize("grade_id", sorted(ANSWER_PHRASES))
def test_no_hint_message_or_verdict_of_a_derived_part_prints_its_answer(grade_id):
    part = PARTS[grade_id]
    assert len(part.mistakes) >= 2  # the part names its usual mistakes
    texts = {"hint": part.hint}
    for mistake in part.mistakes:
        texts[f"message {mistake.name!r}"] = mistake.message
        verdict = evaluate(grade_id, mistake.output)
        assert not verdict.passed and mistake.message in verdict.diagnoses()  # still named, still failing
        texts[f"check on {mistake.name!r}"] = str(verdict)
    found = {where: leaked(grade_id, text) for where, text in texts.items() if leaked(grade_id, text)}
    assert found == {}, f"{grade_id} gives its answer away: {found}"


@pytest.mark.parametrize(
    ("grade_id", "text"),
    [
        ("ex02_tanh_derivative", "the derivative is 1 minus the square of tanh(z)"),
        ("ex04_input_gradient", "you used W_1 Delta instead of its transpose"),
        ("ex05_log_loss_delta", "delta_m = (beta y + 1 - y) a - beta y"),
        ("ex07_divide_backward", "so it is -a / b^2"),
        ("ex07_power_backward", "misses the factor ln(a)"),
        ("ex07_fanout_gradient", "the path through the sigmoid adds x s (1 - s)"),
        ("ex08_momentum_kth_step", "1 + mu + ... + mu^(k-1) is (1 - mu^k) / (1 - mu)"),
        ("ex09_best_step", "the bound is M eps^2 / 6 + delta / eps"),
    ],
)
def test_the_phrases_catch_the_answers_earlier_messages_printed(grade_id, text):
    assert leaked(grade_id, text)  # so the test above can fail
