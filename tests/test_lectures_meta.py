"""Checks over every lecture notebook: the rules of the lecture issue that nbval does not check.

nbval (``--nbval-lax``) re-runs each notebook and compares the outputs of the cells tagged
``nbval-check-output`` (tags, not code comments, so students and slides see clean code);
these tests read the stored notebooks and check their shape:

- every cell carries slideshow metadata with a slide type nbconvert knows;
- the first cell is markdown and says what the lecture teaches and what it assumes;
- the last cells hold a recap and a pointer to the lecture's exercise (``exercises/NN_....ipynb``,
  NN the lecture's own number) or say that there is none; a pointer names a planned or existing
  exercise notebook (a planned one not written yet is reported as a skip);
- every code cell whose stored output is a widget view is tagged ``nbval-ignore-output``;
- at least one cell per notebook is tagged ``nbval-check-output``, and no code cell carries an
  ``# NBVAL_...`` comment;
- the notebook is stored executed (every code cell has run, in order), with no error and no stderr
  (warning) output.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LECTURES = sorted((ROOT / "lectures").glob("[0-9][0-9]_*.ipynb"))
# the exercises of the lecture issue; a pointer must name one of them (or an existing notebook)
PLANNED_EXERCISES = {
    f"exercises/{name}.ipynb"
    for name in (
        "02_logistic_unit",
        "03_two_layer_gradient",
        "04_node_level",
        "05_matrix_form",
        "06_blocks",
        "07_computational_graph",
        "08_training",
        "09_challenges",
    )
}

SLIDE_TYPES = {"slide", "subslide", "fragment", "skip", "notes", "-"}
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
CHECK = "nbval-check-output"
IGNORE = "nbval-ignore-output"
TAIL = 3  # the recap and the exercise pointer live in the last TAIL markdown cells

TEACHES = re.compile(r"\b(teach|learn|you will|covers)", re.IGNORECASE)
ASSUMES = re.compile(r"\b(assum|prerequisite|you should know|builds on)", re.IGNORECASE)
RECAP = re.compile(r"\b(recap|summary|to sum up|take-?aways?)\b", re.IGNORECASE)
POINTER = re.compile(r"exercises/(\d\d)_\w+\.ipynb")
NO_EXERCISE = re.compile(r"\bno exercise\b", re.IGNORECASE)


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _first_line(cell: dict) -> str:
    lines = _source(cell).strip().splitlines()
    return lines[0].strip() if lines else ""


def _tags(cell: dict) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _where(path: Path, k: int, cell: dict) -> str:
    return f"{path.name}, cell {k} ({_first_line(cell)[:50]!r})"


def _ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def test_there_are_lectures() -> None:
    assert LECTURES, "no lecture notebooks found in lectures/ (expected NN_name.ipynb files)"


@pytest.mark.parametrize("path", LECTURES, ids=_ids(LECTURES))
def test_every_cell_has_slideshow_metadata(path: Path) -> None:
    bad = []
    for k, cell in enumerate(_load(path)["cells"]):
        slide = cell.get("metadata", {}).get("slideshow", {}).get("slide_type")
        if slide not in SLIDE_TYPES:
            bad.append(f"{_where(path, k, cell)}: slide_type {slide!r}")
    assert not bad, "cells without a valid slideshow slide_type " + str(sorted(SLIDE_TYPES)) + ":\n" + "\n".join(bad)


@pytest.mark.parametrize("path", LECTURES, ids=_ids(LECTURES))
def test_opens_with_what_it_teaches_and_assumes(path: Path) -> None:
    cells = _load(path)["cells"]
    assert cells, f"{path.name} is empty"
    first = cells[0]
    assert first["cell_type"] == "markdown", f"{path.name}: the first cell must be markdown, got {first['cell_type']}"
    text = _source(first)
    assert TEACHES.search(text), f"{path.name}: the first cell must say what the lecture teaches"
    assert ASSUMES.search(text), f"{path.name}: the first cell must say what the lecture assumes"


@pytest.mark.parametrize("path", LECTURES, ids=_ids(LECTURES))
def test_ends_with_recap_and_exercise_pointer(path: Path) -> None:
    markdown = [_source(c) for c in _load(path)["cells"] if c["cell_type"] == "markdown"]
    tail = "\n".join(markdown[-TAIL:])
    assert RECAP.search(tail), f"{path.name}: the last markdown cells must hold a recap"
    number = path.name[:2]
    if NO_EXERCISE.search(tail):
        return
    pointers = POINTER.findall(tail)
    assert pointers, (
        f"{path.name}: the last markdown cells must point to exercises/{number}_....ipynb "
        "or say that there is no exercise"
    )
    assert number in pointers, (
        f"{path.name}: the exercise pointer names exercises/{pointers[0]}_..., "
        f"expected the lecture's own number {number}"
    )


@pytest.mark.parametrize("path", LECTURES, ids=_ids(LECTURES))
def test_exercise_pointer_names_an_exercise(path: Path) -> None:
    markdown = [_source(c) for c in _load(path)["cells"] if c["cell_type"] == "markdown"]
    names = re.findall(r"exercises/\d\d_\w+\.ipynb", "\n".join(markdown[-TAIL:]))
    if not names:
        pytest.skip(f"{path.name} points to no exercise")
    unknown = [n for n in names if n not in PLANNED_EXERCISES and not (ROOT / n).exists()]
    assert not unknown, (
        f"{path.name} points to {unknown}, which neither exists nor is one of the planned exercises "
        f"{sorted(PLANNED_EXERCISES)}"
    )
    missing = [n for n in names if not (ROOT / n).exists()]
    if missing:
        pytest.skip(f"{path.name} points to {missing}, not written yet")


@pytest.mark.parametrize("path", LECTURES, ids=_ids(LECTURES))
def test_widget_cells_are_ignored_by_nbval(path: Path) -> None:
    bad = []
    for k, cell in enumerate(_load(path)["cells"]):
        if cell["cell_type"] != "code":
            continue
        shows_widget = any(WIDGET_MIME in out.get("data", {}) for out in cell.get("outputs", []))
        if shows_widget and IGNORE not in _tags(cell):
            bad.append(_where(path, k, cell))
    assert not bad, f"cells that display a widget must be tagged {IGNORE}:\n" + "\n".join(bad)


@pytest.mark.parametrize("path", LECTURES, ids=_ids(LECTURES))
def test_has_checked_cells(path: Path) -> None:
    cells = [c for c in _load(path)["cells"] if c["cell_type"] == "code"]
    comments = [_first_line(c) for c in cells if "# NBVAL_" in _source(c).upper()]
    assert not comments, f"{path.name}: nbval markers belong in cell tags, not in the code a student reads: {comments}"
    checked = [c for c in cells if CHECK in _tags(c)]
    assert checked, f"{path.name}: no cell is tagged {CHECK}, so nbval checks none of its numbers"
    for c in checked:
        assert c.get("outputs"), f"{path.name}: the checked cell {_first_line(c)!r} ... has no stored output"


@pytest.mark.parametrize("path", LECTURES, ids=_ids(LECTURES))
def test_stored_executed_in_order(path: Path) -> None:
    counts = []
    for k, cell in enumerate(_load(path)["cells"]):
        if cell["cell_type"] != "code":
            continue
        n = cell.get("execution_count")
        assert n is not None, f"{_where(path, k, cell)} has not been executed: store the notebook with its outputs"
        counts.append(n)
    assert counts == sorted(counts), f"{path.name}: cells were executed out of order ({counts}): restart and run all"


@pytest.mark.parametrize("path", LECTURES, ids=_ids(LECTURES))
def test_no_errors_or_warnings_stored(path: Path) -> None:
    bad = []
    for k, cell in enumerate(_load(path)["cells"]):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                bad.append(f"{_where(path, k, cell)}: {out.get('ename')}: {out.get('evalue')}")
            elif out.get("output_type") == "stream" and out.get("name") == "stderr":
                bad.append(f"{_where(path, k, cell)}: stderr {''.join(out.get('text', ''))[:120]!r}")
    assert not bad, "stored outputs hold errors or warnings:\n" + "\n".join(bad)
