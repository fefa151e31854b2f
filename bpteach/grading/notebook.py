"""Read submitted notebooks defensively, find their solution cells, and release student copies.

Notebooks are read as plain JSON (nbformat 4): a submission may be anything, so every step
says what it expected and what it found. Cells carry nbgrader's metadata
(``{"nbgrader": {"solution": true, "grade_id": ..., "schema_version": 3}}``), which is also
how the grader finds a submission's solutions; the notebook's ``metadata.bpteach.exercise``
names its exercise.
"""

from __future__ import annotations

import ast
import copy
import json
import re
from pathlib import Path

__all__ = ["NotebookError", "exercise_name", "load_notebook", "release", "release_notebook", "solution_cells"]

_BEGIN = "### BEGIN SOLUTION"
_END = "### END SOLUTION"
_STUB_TAG = "raises-exception"


class NotebookError(ValueError):
    """A submission that cannot be graded as a notebook, with the reason in plain words."""


def load_notebook(data: bytes) -> dict:
    """The notebook in ``data``, or a NotebookError saying why it is not one."""
    if not data.strip():
        msg = "the file is empty"
        raise NotebookError(msg)
    try:
        nb = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        msg = "the file is not text (not UTF-8): it is not a notebook"
        raise NotebookError(msg) from None
    except json.JSONDecodeError as exc:
        msg = f"the file is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}): it is not a notebook"
        raise NotebookError(msg) from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        msg = "the file is JSON but not a Jupyter notebook (no list of cells)"
        raise NotebookError(msg)
    if nb.get("nbformat") != 4:
        msg = f"the notebook format is {nb.get('nbformat')!r}, expected 4 (save it with Jupyter 4 or later)"
        raise NotebookError(msg)
    for k, cell in enumerate(nb["cells"]):
        if not (
            isinstance(cell, dict)
            and isinstance(cell.get("cell_type"), str)
            and isinstance(cell.get("source", ""), (str, list))
        ):
            msg = f"cell {k + 1} of the notebook is malformed"
            raise NotebookError(msg)
    return nb


def source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(s for s in src if isinstance(s, str)) if isinstance(src, list) else src


def _nbgrader(cell: dict) -> dict:
    meta = cell.get("metadata")
    info = meta.get("nbgrader") if isinstance(meta, dict) else None
    return info if isinstance(info, dict) else {}


def solution_cells(nb: dict) -> dict[str, str]:
    """{grade_id: source} of the code cells marked as solutions, in notebook order."""
    out: dict[str, str] = {}
    for cell in nb["cells"]:
        info = _nbgrader(cell)
        gid = info.get("grade_id")
        if cell["cell_type"] == "code" and info.get("solution") and isinstance(gid, str):
            out.setdefault(gid, source(cell))
    return out


def exercise_name(nb: dict) -> str | None:
    """The exercise a notebook says it is (``metadata.bpteach.exercise``), if any."""
    meta = nb.get("metadata")
    info = meta.get("bpteach") if isinstance(meta, dict) else None
    name = info.get("exercise") if isinstance(info, dict) else None
    return name if isinstance(name, str) else None


# ----------------------------------------------------------------------------- release
def _stub(text: str, hint: str) -> str:
    """Every BEGIN/END SOLUTION block replaced by a raise with the hint, at its indentation."""
    lines = text.splitlines(keepends=False)
    out: list[str] = []
    inside = False
    for line in lines:
        if line.strip() == _BEGIN:
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}# YOUR CODE HERE")
            out.append(f"{indent}raise NotImplementedError({hint!r})")
        elif line.strip() == _END:
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        msg = f"a solution cell has {_BEGIN} without {_END}"
        raise ValueError(msg)
    return "\n".join(out)


def _uses(text: str, names: set[str]) -> bool:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return False
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(tree))


def _defined(text: str) -> set[str]:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return set()
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}


def release_notebook(nb: dict, hints: dict[str, str] | None = None) -> dict:
    """The student's copy: solutions stubbed, outputs cleared, metadata kept.

    A cell that uses a stubbed function (a demonstration, a check) gets the ``raises-exception``
    tag, so the released notebook runs top to bottom under Jupyter and nbval, showing the error.
    """
    hints = hints or {}
    out = copy.deepcopy(nb)
    stubbed: set[str] = set()
    for cell in out["cells"]:
        info = _nbgrader(cell)
        if cell["cell_type"] == "code" and info.get("solution"):
            text = source(cell)
            if _BEGIN in text:
                stubbed |= _defined(text)
                gid = info.get("grade_id", "")
                cell["source"] = _stub(text, hints.get(gid, "write this function"))
    for cell in out["cells"]:
        if cell["cell_type"] != "code":
            continue
        cell["outputs"] = []
        cell["execution_count"] = None
        if not _nbgrader(cell).get("solution") and _uses(source(cell), stubbed):
            tags = cell.setdefault("metadata", {}).setdefault("tags", [])
            if _STUB_TAG not in tags:
                tags.append(_STUB_TAG)
    return out


def release(source_path: Path, dest: Path, hints: dict[str, str] | None = None) -> list[Path]:
    """Release one notebook or every ``*.ipynb`` of a directory into the directory ``dest``."""
    source_path, dest = Path(source_path), Path(dest)
    if source_path.is_dir():
        files = sorted(source_path.glob("*.ipynb"))
    elif source_path.suffix == ".ipynb":
        files = [source_path]
    else:
        msg = f"source must be a notebook or a directory of notebooks, got {str(source_path)!r}"
        raise ValueError(msg)
    if not files:
        msg = f"no notebooks (*.ipynb) in {str(source_path)!r}"
        raise ValueError(msg)
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for f in files:
        nb = load_notebook(f.read_bytes())
        target = dest / f.name
        target.write_text(json.dumps(release_notebook(nb, hints), indent=1, ensure_ascii=False) + "\n")
        written.append(target)
    return written


def safe_name(path: str) -> str:
    """A file name for a submission's feedback, unique per path."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", path.strip("/")) or "submission"
