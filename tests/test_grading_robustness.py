"""Broken and hostile submissions: each gets 0 on what failed, a clear line, and never stops the others.

All cases start from exercise 02's source notebook (5 parts: 2 + 2 + 1 + 3 + 2 points) and change
the last part, batch_gradient, which no other part uses, unless said otherwise.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from bpteach.grading import EXERCISES, find_part, wire
from bpteach.grading.check import CHECK_SEED, expected_outputs
from bpteach.grading.grader import Grader, grade
from bpteach.grading.notebook import safe_name, source

EXERCISE_DIR = Path(__file__).resolve().parents[1] / "exercises"
SOURCE = EXERCISE_DIR / "02_logistic_unit.ipynb"
FULL = {p.grade_id: float(p.points) for p in EXERCISES["02_logistic_unit"].parts}
TOTAL = sum(FULL.values())
BATCH_LOST = {**FULL, "ex02_batch_gradient": 0.0}
NONE = dict.fromkeys(FULL, 0.0)


def nb02() -> dict:
    return json.loads(SOURCE.read_text())


def cell_of(nb: dict, grade_id: str) -> dict:
    return next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


def with_batch(code: str) -> bytes:
    """Exercise 02 with the batch_gradient solution cell replaced by ``code``."""
    nb = nb02()
    cell_of(nb, "ex02_batch_gradient")["source"] = code
    return json.dumps(nb).encode()


def batch_body(body: str) -> bytes:
    indented = "\n".join("    " + line for line in body.strip("\n").splitlines())
    return with_batch(f"import os\nimport sys\n\n\ndef batch_gradient(w, X, y):\n{indented}\n")


def edited_tests() -> bytes:
    nb = nb02()
    for cell in nb["cells"]:
        info = cell["metadata"].get("nbgrader", {})
        if info.get("grade"):
            cell["source"] = "pass"
            info["points"] = 100
    return json.dumps(nb).encode()


def deleted_tests() -> bytes:
    nb = nb02()
    nb["cells"] = [c for c in nb["cells"] if not c["metadata"].get("nbgrader", {}).get("grade")]
    return json.dumps(nb).encode()


def imports_bpteach() -> bytes:
    nb = nb02()
    cell_of(nb, "ex02_sigmoid")["source"] = "from bpteach.activations import sigmoid\n"
    return json.dumps(nb).encode()


def missing_cell() -> bytes:
    nb = nb02()
    nb["cells"].remove(cell_of(nb, "ex02_batch_gradient"))
    return json.dumps(nb).encode()


def hard_coded() -> bytes:
    """batch_gradient returning the instant check's expected answer for its first input."""
    part = find_part("ex02_batch_gradient")
    cases = part.cases(np.random.default_rng(CHECK_SEED))
    answer = expected_outputs(part, cases)[0][0].tolist()
    return batch_body(f"return np.array({answer})")


def stripped() -> bytes:
    nb = nb02()
    nb["metadata"].pop("bpteach")
    for cell in nb["cells"]:
        cell["metadata"].pop("nbgrader", None)
    return json.dumps(nb).encode()


# (id, submission bytes, expected points per part, words in the notes or the part's feedback)
CASES = [
    ("invalid-json", lambda: b'{"cells": [', NONE, "not valid JSON"),
    ("binary", lambda: bytes(range(256)) * 4, NONE, "not text"),
    ("json-not-notebook", lambda: b"[1, 2, 3]", NONE, "not a Jupyter notebook"),
    ("empty", lambda: b"", NONE, "the file is empty"),
    (
        "wrong-exercise",
        lambda: (EXERCISE_DIR / "03_two_layer_gradient.ipynb").read_bytes(),
        NONE,
        "this is exercise 03_two_layer_gradient, not 02_logistic_unit",
    ),
    ("no-metadata", stripped, NONE, "not a bpteach exercise"),
    (
        "cell-crashes",
        lambda: with_batch("raise RuntimeError('boom')\n"),
        BATCH_LOST,
        "the cell 'ex02_batch_gradient' raised RuntimeError: boom",
    ),
    (
        "syntax-error",
        lambda: with_batch("def batch_gradient(w, X, y)\n    return 1\n"),
        BATCH_LOST,
        "the cell 'ex02_batch_gradient' raised SyntaxError",
    ),
    (
        "function-raises",
        lambda: batch_body("raise ValueError('bad shape')"),
        BATCH_LOST,
        "an error: ValueError: bad shape",
    ),
    ("endless-loop", lambda: batch_body("while True:\n    pass"), BATCH_LOST, "TimeoutError"),
    (
        "endless-loop-that-catches-everything",
        lambda: with_batch(
            "while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass\n"
        ),
        NONE,
        "the solution code did not finish: stopped: a stage ran past its time limit",
    ),
    # 480 MB: fine for this machine, over the 256 MB the grader allows a submission
    ("memory", lambda: batch_body("return np.ones(60 * 10**6)"), BATCH_LOST, "ran out of memory"),
    # the demonstration cell calls batch_gradient: the process ends there, as a Jupyter kernel would
    ("kills-itself", lambda: batch_body("os.kill(os.getpid(), 9)"), NONE, "killed by signal 9 (SIGKILL)"),
    (  # its parent is PID 1 of its own namespace, which ignores the signal
        "kills-its-parent",
        lambda: with_batch("import os\nos.kill(os.getppid(), 9)\nos.kill(-1, 9)\n"),
        BATCH_LOST,
        "batch_gradient() is not defined",
    ),
    ("sys-exit", lambda: batch_body("sys.exit(0)"), BATCH_LOST, "SystemExit: the code called sys.exit(0)"),
    ("os-exit", lambda: batch_body("os._exit(0)"), NONE, "stopped before this part"),
    (
        "prints-a-fake-score",
        lambda: batch_body("print('Total: 10/10')\nreturn np.zeros(X.shape[0])"),
        BATCH_LOST,
        "wrong on 3 of 3 inputs",
    ),
    (
        "patches-numpy",
        lambda: batch_body(
            "np.allclose = lambda *a, **k: True\nnp.testing.assert_allclose = lambda *a, **k: None\n"
            "np.array_equal = lambda *a, **k: True\nreturn np.zeros(X.shape[0])"
        ),
        BATCH_LOST,
        "wrong on 3 of 3 inputs",
    ),
    (
        "claims-equality",
        lambda: batch_body("class Yes:\n    def __eq__(self, other):\n        return True\nreturn Yes()"),
        BATCH_LOST,
        "not a number or an array of numbers",
    ),
    ("too-many-numbers", lambda: batch_body("return np.zeros(3 * 10**6)"), BATCH_LOST, "more than the"),
    ("hard-coded", hard_coded, BATCH_LOST, "wrong on 3 of 3 inputs"),
    (  # the later parts call sigmoid: graded with the reference sigmoid in its place
        "imports-bpteach",
        imports_bpteach,
        {**FULL, "ex02_sigmoid": 0.0},
        "the code imports bpteach, which is not available while grading",
    ),
    ("missing-solution-cell", missing_cell, BATCH_LOST, "the solution cell 'ex02_batch_gradient' is missing"),
    ("edited-test-cells", edited_tests, FULL, ""),
    ("deleted-test-cells", deleted_tests, FULL, ""),
]


BWRAP_SKIP = "needs a system package: bubblewrap (apt-get install bubblewrap), the grading sandbox"


@pytest.fixture(scope="module")
def grader():
    if shutil.which("bwrap") is None:
        pytest.skip(BWRAP_SKIP)
    with Grader("02_logistic_unit", jobs=2, timeout=2.0, memory_mb=256, seed=7) as g:
        yield g


@pytest.mark.parametrize(("make", "expected", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_broken_or_hostile_submission_gets_zero_on_what_failed(grader, make, expected, words):
    result = grader.grade_bytes("submission.ipynb", make())
    assert {p.grade_id: p.points for p in result.parts} == expected
    assert result.max_points == TOTAL
    assert words in str(result)


def test_the_diagnosis_of_a_mutated_input_names_the_argument(grader):  # the fixture: bwrap is here
    nb = json.loads((EXERCISE_DIR / "08_training.ipynb").read_text())
    cell = cell_of(nb, "ex08_momentum_step")
    cell["source"] = source(cell).replace("return w + step, step", "w += step\n    return w, step")
    with Grader("08_training", seed=7) as g:
        result = g.grade_bytes("x", json.dumps(nb).encode())
    part = next(p for p in result.parts if p.grade_id == "ex08_momentum_step")
    assert part.points == 0
    assert "changed its input (argument 1) in place" in part.diagnoses()[0]


@pytest.mark.parametrize(
    "record",
    [
        None,
        [],
        {"items": "x"},
        {"items": [{"shape": [2], "data": [1.0]}]},
        {"items": [{"shape": [-1], "data": []}]},
        {"items": [{"shape": [1], "data": ["1"]}]},
        {"items": [{"shape": [1], "data": [True]}]},
        {"items": [{"shape": [1], "data": [1.0], "x": 1}]},
        {"items": [{"dict": [[1, {"shape": [], "data": [1.0]}]]}]},
        {"items": [{"shape": [10**9], "data": []}]},
        {"items": [{"shape": [2**40, 2**40], "data": []}]},
        {"items": [{"shape": [1] * 9, "data": [1.0]}]},
        {"items": [{"shape": [1], "data": [10**400]}]},
        {"items": [{"shape": [], "data": [1.0]}] * 65},
    ],
)
def test_a_malformed_sandbox_record_is_rejected(record):
    with pytest.raises(wire.Malformed):
        wire.decode(record, None)


def test_grade_writes_csv_json_feedback_and_resumes(grader, tmp_path):
    good, bad = tmp_path / "good.ipynb", tmp_path / "bad.ipynb"
    good.write_bytes(SOURCE.read_bytes())
    bad.write_bytes(b"not a notebook")
    out, feedback = tmp_path / "grades.csv", tmp_path / "feedback"
    seen = []
    results = grade([good, bad], out=out, feedback=feedback, jobs=2, seed=3, progress=seen.append)
    assert [r.total for r in results] == [TOTAL, 0]
    rows = out.read_text().splitlines()
    assert rows[0].split(",")[:3] == ["submission", "exercise", "ex02_sigmoid"]
    assert rows[1].endswith(f",{TOTAL:g},{TOTAL:g},") and rows[1].startswith(str(good))
    assert json.loads(out.with_suffix(".json").read_text())["submissions"][1]["total"] == 0
    text = (feedback / (safe_name(str(bad)) + ".txt")).read_text()
    assert "NOTE: not graded: the file is not valid JSON" in text
    assert len(seen) == 2
    grade([good, bad], out=out, feedback=feedback, seed=4, progress=seen.append)
    assert len(seen) == 2  # nothing graded again
    bad.write_bytes(SOURCE.read_bytes())
    grade([good, bad], out=out, seed=5, progress=seen.append)
    assert [r.submission for r in seen[2:]] == [str(bad)]  # only the changed file
    again = grade([good, bad], out=out, seed=6, force=True, progress=seen.append)
    assert len(seen) == 5 and [r.total for r in again] == [TOTAL, TOTAL]


def test_a_submission_cannot_write_files(grader, tmp_path):
    target = tmp_path / "grades.csv"
    target.write_text("real grades\n")
    result = grader.grade_bytes(
        "w",
        batch_body(
            f"open({str(tmp_path / 'new.txt')!r}, 'w').write('x' * 100)\n"
            f"with open({str(target)!r}, 'a') as f:\n"
            "    f.write('student,10,10')\n"
            "return np.zeros(X.shape[0])"
        ),
    )
    assert result.total == TOTAL - FULL["ex02_batch_gradient"]
    assert "an error: FileNotFoundError: [Errno 2] No such file or directory" in str(result)  # not in the box
    assert target.read_text() == "real grades\n"
    assert not (tmp_path / "new.txt").exists()


def test_without_bubblewrap_grade_refuses_and_says_how_to_install_it(monkeypatch, tmp_path, capsys):
    from bpteach.cli import main
    from bpteach.grading import sandbox

    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    with pytest.raises(sandbox.SandboxUnavailable, match="apt-get install bubblewrap"):
        Grader("02_logistic_unit")
    sub = tmp_path / "s.ipynb"
    sub.write_bytes(SOURCE.read_bytes())
    assert main(["grade", str(sub), "--out", str(tmp_path / "g.csv")]) == 2
    err = capsys.readouterr().err
    assert "refusing to run students' code without a sandbox" in err and "apt-get install bubblewrap" in err
    assert not (tmp_path / "g.csv").exists()
    # the instructor's own notebook, trusted: graded without bubblewrap, and the command says so
    assert main(["grade", str(sub), "--out", str(tmp_path / "g.csv"), "--no-sandbox", "--seed", "1"]) == 0
    out = capsys.readouterr()
    assert "--no-sandbox: the notebooks' code runs as you" in out.err
    assert f"{sub}: {TOTAL:g}/{TOTAL:g}" in out.out
