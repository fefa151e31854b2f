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
import hashlib
import json
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "MAX_CELL_CHARS",
    "MAX_NOTEBOOK_BYTES",
    "CodeCell",
    "NotebookError",
    "code_cells",
    "exercise_name",
    "load_notebook",
    "release",
    "release_notebook",
    "safe_name",
    "solution_cells",
    "too_large",
]

MAX_NOTEBOOK_BYTES = 20 * 2**20  # a notebook with plots is a few MB; more is not a submission
MAX_CELL_CHARS = 200_000  # characters of code in one cell
MAX_CODE_CHARS = 1_000_000  # characters of code in all cells

_BEGIN = "### BEGIN SOLUTION"
_END = "### END SOLUTION"
_STUB_TAG = "raises-exception"


class NotebookError(ValueError):
    """A submission that cannot be graded as a notebook, with the reason in plain words."""


def too_large(size: int) -> str:
    """Why a file of ``size`` bytes is not graded (one decimal: 20.4 MB is not "20 MB, more than 20 MB")."""
    return f"the file is {size / 2**20:.1f} MB, more than the {MAX_NOTEBOOK_BYTES // 2**20} MB a notebook may have"


def load_notebook(data: bytes) -> dict:
    """The notebook in ``data``, or a NotebookError saying why it is not one (bounded in size and depth)."""
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise NotebookError(too_large(len(data)))
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
    except RecursionError:
        msg = "the file's JSON is nested too deeply to be a notebook"
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
    total = 0
    for k, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            n = len(source(cell))
            total += n
            if n > MAX_CELL_CHARS:
                msg = f"cell {k + 1} holds {n} characters of code, more than the {MAX_CELL_CHARS} a cell may have"
                raise NotebookError(msg)
    if total > MAX_CODE_CHARS:
        msg = f"the notebook holds {total} characters of code, more than the {MAX_CODE_CHARS} allowed"
        raise NotebookError(msg)
    return nb


def source(cell: dict) -> str:
    """A cell's text, as UTF-8 can carry it (a lone surrogate becomes U+FFFD)."""
    src = cell.get("source", "")
    text = "".join(s for s in src if isinstance(s, str)) if isinstance(src, list) else src
    return text.encode("utf-8", "replace").decode("utf-8") if not text.isascii() else text


def _nbgrader(cell: dict) -> dict:
    meta = cell.get("metadata")
    info = meta.get("nbgrader") if isinstance(meta, dict) else None
    return info if isinstance(info, dict) else {}


def solution_cells(nb: dict) -> dict[str, str]:
    """{grade_id: source} of the code cells marked as solutions, in notebook order.

    A grade_id that appears twice keeps its last cell, the definition Jupyter leaves in place.
    """
    out: dict[str, str] = {}
    for cell in code_cells(nb):
        if cell.kind == "solution":
            out[cell.label] = cell.source
    return out


@dataclass(frozen=True)
class CodeCell:
    """A code cell as the grader sees it.

    kind: "setup" (the locked setup cell, replaced by the exercise's preamble), "test" (a check
    cell: ignored, the canonical ones live in the source), "solution" or "other" (run as written).
    label: the grade_id, or "cell N" (counting every cell from 1).
    """

    label: str
    kind: str
    source: str


def code_cells(nb: dict) -> list[CodeCell]:
    """Every code cell, in notebook order, with its role."""
    out = []
    for k, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        info = _nbgrader(cell)
        gid = info.get("grade_id")
        label = gid[:80] if isinstance(gid, str) and gid else f"cell {k + 1}"
        if info.get("solution") and isinstance(gid, str):
            kind = "solution"
        elif info.get("grade"):
            kind = "test"
        elif info.get("locked"):
            kind = "setup"
        else:
            kind = "other"
        out.append(CodeCell(label, kind, source(cell)))
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
    """A file name for a submission's feedback, one per path: ``a b.ipynb`` and ``a_b.ipynb`` differ.

    Everything but letters, digits and ``._-`` is percent-encoded (so distinct paths stay
    distinct); a name too long for the file system keeps its start and a hash of the whole.
    """
    text = path.strip("/").encode("utf-8", "surrogateescape")
    name = urllib.parse.quote_from_bytes(text, safe="._-") or "submission"
    if name.startswith("."):  # no hidden files, no "." or ".."
        name = "%2E" + name[1:]
    if len(name) > 180:
        name = f"{name[:160]}-{hashlib.sha256(text).hexdigest()[:16]}"
    return name
