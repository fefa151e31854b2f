"""A released exercise in JupyterLab: a student types a solution into the editor and runs its check.

The released notebook comes from ``bpteach release exercises/ DEST/``; the part is exercise 02's
sigmoid. A correct, overflow-free solution must read "2/2 points ... correct"; the classic slip of
the sign of the exponent (sigma(-z)) must lose the points and be diagnosed as such.
"""

from __future__ import annotations

import re

import pytest

from . import jlab

pytestmark = pytest.mark.browser

EXERCISE = "02_logistic_unit.ipynb"

CORRECT = """def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))"""

# sigma(-z): the sign of the exponent flipped
WRONG = """def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, e / (1 + e), 1 / (1 + e))"""


def _cell(page, text: str):
    return page.locator(".jp-CodeCell", has_text=text).first


def _run_cell(page, cell) -> str:
    """Run one cell from its editor with Shift+Enter; wait for its new execution count; its output text."""
    prompt = cell.locator(".jp-InputArea-prompt")
    before = prompt.inner_text()
    cell.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    jlab.wait_until(
        lambda: re.search(r"\[\d+\]", prompt.inner_text()) and prompt.inner_text() != before,
        timeout=30,
        what="the cell to run",
    )
    jlab.wait_kernel_idle(page)
    return cell.locator(".jp-OutputArea").inner_text()


def _type_solution(page, cell, code: str) -> None:
    """Click into the cell's editor, select everything, type the code (as text input, so no auto-indent)."""
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(code)
    jlab.wait_until(lambda: "np.where" in cell.locator(".cm-content").inner_text(), what="the code in the editor")


def test_released_exercise_feedback_in_the_browser(lab_page, lab, lab_root, screenshots) -> None:
    if lab_root.released is None:
        pytest.skip(f"no released exercises: {lab_root.release_error}")
    page = lab_page.page
    jlab.open_notebook(page, lab, f"released/{EXERCISE}")
    assert "NotImplementedError" in _cell(page, "def sigmoid(z)").inner_text(), "the released part is not a stub"
    _run_cell(page, _cell(page, "from bpteach.grading import check"))
    solution, check = _cell(page, "def sigmoid(z)"), _cell(page, 'check("ex02_sigmoid", sigmoid)')

    _type_solution(page, solution, CORRECT)
    _run_cell(page, solution)
    feedback = _run_cell(page, check)
    assert re.search(r"2\s*/\s*2 points", feedback) and "correct" in feedback, feedback
    assert "Traceback" not in feedback

    _type_solution(page, solution, WRONG)
    _run_cell(page, solution)
    feedback = _run_cell(page, check)
    check.screenshot(path=screenshots / "exercise_02_wrong_sign.png")
    assert re.search(r"0\s*/\s*2 points", feedback), feedback
    assert "diagnosis" in feedback.lower() and "sigma(-z)" in feedback, feedback
    assert jlab.widget_console_errors(lab_page.console) == []
