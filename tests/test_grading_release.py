"""Releasing student notebooks, the instant check in the notebook, and the ``bpteach`` command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from bpteach.cli import main
from bpteach.grading import EXERCISES, check
from bpteach.grading.check import evaluate
from bpteach.grading.notebook import release, release_notebook, solution_cells, source

EXERCISE_DIR = Path(__file__).resolve().parents[1] / "exercises"


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("released")
    assert main(["release", str(EXERCISE_DIR), str(dest)]) == 0
    return dest


def test_release_stubs_every_solution_clears_outputs_and_keeps_metadata(released):
    for name, ex in EXERCISES.items():
        src = json.loads((EXERCISE_DIR / f"{name}.ipynb").read_text())
        out = json.loads((released / f"{name}.ipynb").read_text())
        assert out["metadata"] == src["metadata"]
        assert [c["metadata"].get("nbgrader") for c in out["cells"]] == [
            c["metadata"].get("nbgrader") for c in src["cells"]
        ]
        stubs = solution_cells(out)
        for part in ex.parts:
            text = stubs[part.grade_id]
            assert "### BEGIN SOLUTION" not in text
            assert f"def {part.func}(" in text
            assert f"raise NotImplementedError({part.hint!r})" in text
        for cell in out["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None


def test_release_of_one_stub_keeps_the_lines_outside_the_markers():
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {
                "cell_type": "code",
                "metadata": {"nbgrader": {"solution": True, "grade_id": "g"}},
                "outputs": [],
                "execution_count": 3,
                "source": "def f(x):\n    '''doc'''\n    ### BEGIN SOLUTION\n    return x\n"
                "    ### END SOLUTION\n\n\nHELPER = 1\n",
            },
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 4, "source": "f(1)"},
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 5, "source": "HELPER + 1"},
        ],
    }
    out = release_notebook(nb, {"g": "return x"})
    assert source(out["cells"][0]) == (
        "def f(x):\n    '''doc'''\n    # YOUR CODE HERE\n    raise NotImplementedError('return x')\n\n\nHELPER = 1"
    )
    assert out["cells"][1]["metadata"]["tags"] == ["raises-exception"]
    assert "tags" not in out["cells"][2]["metadata"]


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_a_released_notebook_runs_top_to_bottom_with_the_expected_errors(released, name):
    nb = nbformat.read(released / f"{name}.ipynb", as_version=4)
    NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    errors = {}
    for k, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out["output_type"] == "error":
                errors[k] = out["ename"]
    tagged = {k for k, c in enumerate(nb.cells) if "raises-exception" in c.metadata.get("tags", [])}
    assert set(errors) == tagged  # every tagged cell raised, and only those
    checks = {k for k in tagged if c_grade(nb.cells[k])}
    assert {errors[k] for k in checks} == {"AssertionError"}
    assert {errors[k] for k in tagged - checks} == {"NotImplementedError"}
    assert len(checks) == len(EXERCISES[name].parts)


def c_grade(cell) -> bool:
    return bool(cell.metadata.get("nbgrader", {}).get("grade"))


def _sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def test_check_passes_a_correct_function_and_renders_html(capsys):
    result = evaluate("ex02_sigmoid", _sigmoid)
    assert result.passed and result.points == 2 and result.failures == []
    assert "2/2 points - correct on all 4 inputs" in str(result)
    assert "&#10004;" in result._repr_html_()
    assert check("ex02_sigmoid", _sigmoid) is None  # the check cell ends with no value
    assert "2/2 points - correct on all 4 inputs" in capsys.readouterr().out


def test_check_names_the_mistake_and_shows_expected_versus_got():
    result = evaluate("ex02_sigmoid_derivative", lambda z: np.asarray(z) * (1 - np.asarray(z)))
    assert result.points == 0 and len(result.failures) == 4
    assert result.diagnoses() == [
        "you applied a(1 - a) to z itself: sigma'(z) = sigma(z)(1 - sigma(z)) needs a = sigma(z) first"
    ]
    text = str(result)
    assert "expected" in text and "got" in text and "0/2 points - wrong on 4 of 4 inputs" in text
    html = result._repr_html_()
    assert "<table" in html and "Diagnosis" in html
    with pytest.raises(AssertionError, match="wrong on 4 of 4 inputs"):  # nbgrader scores the cell 0
        check("ex02_sigmoid_derivative", lambda z: np.asarray(z) * (1 - np.asarray(z)))


def test_check_reports_a_shape_mistake_and_an_exception():
    def column(w, X, y):  # the right numbers with shape (1, n) instead of (n,)
        a = _sigmoid(w @ X)
        return (((a - y) * a * (1 - a)) @ X.T / X.shape[1])[None, :]

    assert "the numbers are right but the shape is (1, " in evaluate("ex02_batch_gradient", column).diagnoses()[0]
    failing = evaluate("ex02_unit_output", lambda w, x: 1 / 0)
    assert failing.failures[0].got == "an error: ZeroDivisionError: division by zero"


def test_check_rejects_an_unknown_part_and_a_non_function():
    with pytest.raises(ValueError, match=r"part_id must be a grade_id such as 'ex02_sigmoid'.*got 'ex99'"):
        check("ex99", _sigmoid)
    with pytest.raises(TypeError, match="func must be the function you wrote for sigmoid"):
        check("ex02_sigmoid", 3.0)


def test_release_rejects_a_path_that_is_not_a_notebook(tmp_path):
    with pytest.raises(ValueError, match="no notebooks"):
        release(tmp_path, tmp_path / "out")
    assert main(["release", str(tmp_path / "nothing.txt"), str(tmp_path / "out")]) == 2


def test_the_grade_command_prints_a_line_per_submission(tmp_path, capsys):
    if shutil.which("bwrap") is None:
        pytest.skip("needs a system package: bubblewrap (apt-get install bubblewrap), the grading sandbox")
    sub = tmp_path / "s.ipynb"
    sub.write_bytes((EXERCISE_DIR / "09_challenges.ipynb").read_bytes())
    assert main(["grade", str(sub), "--out", str(tmp_path / "g.csv"), "--jobs", "1", "--seed", "1"]) == 0
    assert f"{sub}: 14/14" in capsys.readouterr().out  # exercise 09: 3 + 2 + 3 + 3 + 3 points
    assert (tmp_path / "g.json").exists()


def test_present_arguments_reach_the_voila_command(monkeypatch, capsys):
    import bpteach.cli.present as present

    calls = []

    class FakeVoila:  # records the command line instead of starting a server that never ends
        def __init__(self, cmd, env, start_new_session):
            calls.append((cmd, env, start_new_session))

        def wait(self):
            return 0

    monkeypatch.setattr(present.subprocess, "Popen", FakeVoila)
    monkeypatch.setattr(present, "stop_voila", lambda proc: None)
    monkeypatch.setattr(present.importlib.util, "find_spec", lambda name: object())
    argv = ["present", "03", "--no-browser", "--port", "8888", "--theme", "dark", "--scale", "1.5"]
    assert main(argv) == 0
    ((cmd, env, new_session),) = calls
    assert cmd[3].endswith("03_two_layer_gradient.ipynb")
    assert {"--port=8888", "--theme=dark", "--no-browser", "--Voila.ip=127.0.0.1"} <= set(cmd)
    assert (env["BPTEACH_THEME"], float(env["BPTEACH_SCALE"])) == ("dark", 1.5)
    assert new_session  # Voila and its kernels form one group that stopping ends together
    assert "03_two_layer_gradient.ipynb on http://127.0.0.1:8888/" in capsys.readouterr().out


def test_a_command_imports_only_its_own_module():
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from bpteach.cli import main\n"
        "try:\n    main(['release', '--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = ('bpteach.cli.present', 'bpteach.cli.grade', 'bpteach.grading.grader')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
