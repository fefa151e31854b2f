"""The boxes of one submission after a part ends its box, on a fake sandbox and a fake clock.

A part that ends its box (too much output, a crash, the watchdog) scores 0 and the parts after it
are graded in a fresh box, with the reference standing in for it. Every box of the submission draws
on one budget, the deadline its first box alone has (``Limits.deadline`` of its stages), so a
submission whose every part ends its box cannot take parts x that. Here each box "runs" for 25 s of
a fake clock and ends while its first part runs (or sends back records that have parts graded
again); the budget is 15 stages x 4 s + 2 s = 62 s.
"""

from __future__ import annotations

import json
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


def grade_on_fake_boxes(monkeypatch, output) -> tuple[list[dict], object, float]:
    """Grade the source notebook of exercise 02 on boxes that each take 25 s of a fake clock and
    send back ``output(job)``, ending with a timeout; return what each box was asked, the result and
    the seconds spent."""
    now = [0.0]
    asked: list[dict] = []

    def fake_run(self, job, limits, n_stages, answer=None, within=None):
        job = pickle.loads(job)
        asked.append({"parts": job["parts"], "n_stages": n_stages, "within": within, "answer": answer})
        now[0] += min(BOX_SECONDS, within)
        return Outcome("timeout", "stopped: a stage ran past its time limit", output(job))

    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    monkeypatch.setattr(Sandbox, "_start", lambda self: None)
    monkeypatch.setattr(Sandbox, "run", fake_run)
    with Grader("02_logistic_unit", timeout=1.0, seed=3) as grader:
        grader._clock = lambda: now[0]
        result = grader.grade_bytes("s.ipynb", SOURCE.read_bytes())
    return asked, result, now[0]


@pytest.fixture
def boxes(monkeypatch):
    """Every box ends while its first part runs."""
    return grade_on_fake_boxes(monkeypatch, lambda job: b'{"begin": "' + job["parts"][0]["id"].encode() + b'"}\n')


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


def sunk(job: dict) -> bytes:
    """sigmoid is not defined; every other part calls it and returns nothing (so it fails)."""
    lines = []
    for p in job["parts"]:
        record = {"part": p["id"], "missing": True} if p["id"] == PARTS[0] else {"part": p["id"], "calls": [PARTS[0]]}
        lines.append(json.dumps({**record, "results": []} if "calls" in record else record))
    return "\n".join(lines).encode() + b"\n"


def test_parts_graded_again_draw_on_the_same_budget(monkeypatch):
    asked, result, spent = grade_on_fake_boxes(monkeypatch, sunk)
    # the first box (25 s), then one box per part that calls the failed sigmoid: 25 s, then the 12 s left
    assert [a["within"] for a in asked] == [62.0, 37.0, 12.0]
    assert [[p["id"] for p in a["parts"]] for a in asked[1:]] == [[PARTS[1]], [PARTS[2]]]
    assert spent == BUDGET
    notes = {p.grade_id: p.notes for p in result.parts}
    again = "graded with the reference sigmoid() (ex02_sigmoid) in place of yours, which already lost its points"
    not_again = "not graded again with the reference in place of the earlier parts it calls: the submission used up"
    assert [any(n.startswith(again) for n in notes[g]) for g in PARTS[1:]] == [True, True] + [False] * 4
    assert [any(n.startswith(not_again) for n in notes[g]) for g in PARTS[1:]] == [False, False] + [True] * 4
