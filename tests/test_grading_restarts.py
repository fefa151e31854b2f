"""The boxes of one submission after a part ends its box, on a fake sandbox and a fake clock.

A part that ends its box (too much output, a crash, the watchdog) scores 0 and the parts after it
are graded in a fresh box, with the reference standing in for it. Every box of the submission draws
on one budget, the deadline its first box alone has (``Limits.deadline`` of its stages), so a
submission whose every part ends its box cannot take parts x that. Here each box "runs" for 25 s of
a fake clock and ends while its first part runs; the budget is 15 stages x 4 s + 2 s = 62 s.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from bpteach.grading import EXERCISES
from bpteach.grading.grader import Grader
from bpteach.grading.sandbox import Outcome, Sandbox

SOURCE = Path(__file__).resolve().parents[1] / "exercises" / "02_logistic_unit.ipynb"
PARTS = [p.grade_id for p in EXERCISES["02_logistic_unit"].parts]
BOX_SECONDS = 25.0
BUDGET = (1 + 2 * len(PARTS)) * (3 * 1.0 + 1) + 2.0  # stages x wall (timeout 1, no load) + 2


@pytest.fixture
def boxes(monkeypatch):
    """Grade the source notebook of exercise 02; return what each box was asked and the result."""
    now = [0.0]
    asked: list[dict] = []

    def fake_run(self, job, limits, n_stages, answer=None, within=None):
        job = pickle.loads(job)
        asked.append({"parts": job["parts"], "n_stages": n_stages, "within": within, "answer": answer})
        now[0] += min(BOX_SECONDS, within)
        first = job["parts"][0]["id"]
        output = b'{"begin": "' + first.encode() + b'"}\n'
        return Outcome("timeout", "stopped: a stage ran past its time limit", output)

    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    monkeypatch.setattr(Sandbox, "_start", lambda self: None)
    monkeypatch.setattr(Sandbox, "run", fake_run)
    with Grader("02_logistic_unit", timeout=1.0, seed=3) as grader:
        grader._clock = lambda: now[0]
        result = grader.grade_bytes("s.ipynb", SOURCE.read_bytes())
    return asked, result, now[0]


def test_every_box_draws_on_one_budget(boxes):
    asked, _, spent = boxes
    assert BUDGET == 62.0
    # 62 s: two boxes of 25 s, a third cut to the 12 s left, then none
    assert [a["within"] for a in asked] == [62.0, 37.0, 12.0]
    assert spent == BUDGET
    assert [len(a["parts"]) for a in asked] == [7, 6, 5]
    assert [a["n_stages"] for a in asked] == [15, 14, 13]


def test_the_part_that_ended_its_box_scores_0_and_the_later_ones_get_the_reference(boxes):
    asked, result, _ = boxes
    assert asked[0]["answer"] is None
    assert [(p["id"], p["substitute"]) for p in asked[1]["parts"]] == [(g, ["sigmoid"]) for g in PARTS[1:]]
    assert [(p["id"], p["substitute"]) for p in asked[2]["parts"]] == [
        (g, ["sigmoid", "sigmoid_derivative"]) for g in PARTS[2:]
    ]
    assert sorted(asked[2]["answer"].parts) == ["sigmoid", "sigmoid_derivative"]
    messages = {p.grade_id: p.message for p in result.parts}
    wrecked = "not graded: stopped: a stage ran past its time limit; the parts after it were graded in a fresh sandbox"
    used_up = "not graded: the submission used up the 62 s that all its sandboxes may take together"
    assert messages == {**dict.fromkeys(PARTS[:2], wrecked), **dict.fromkeys(PARTS[2:], used_up)}
    assert [p.points for p in result.parts] == [0.0] * len(PARTS)
