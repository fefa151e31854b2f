"""The grader's files: grades.csv and grades.json written atomically, feedback never through a link.

Every file is first written under a fresh name in its folder (``O_CREAT | O_EXCL | O_NOFOLLOW``,
relative to the folder's own descriptor) and then renamed over the final name: a reader sees the
old file or the new one, and a link planted at the final name is replaced, never followed.
"""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
from pathlib import Path

from bpteach.grading.notebook import safe_name
from bpteach.grading.results import SubmissionResult

__all__ = ["csv_text", "previous_results", "write_atomic", "write_feedback"]

_MAX_PREVIOUS = 256 * 2**20  # bytes of a previous grades.json read back to resume


def _write_in(dir_fd: int, name: str, text: str) -> None:
    tmp = f".{name}.{secrets.token_hex(8)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644, dir_fd=dir_fd)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="replace", closefd=False) as f:
            f.write(text)
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        os.unlink(tmp, dir_fd=dir_fd)
        raise
    finally:
        os.close(fd)


def _open_dir(path: Path) -> int:
    return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step."""
    path = Path(path)
    dir_fd = _open_dir(path.parent if str(path.parent) else Path("."))
    try:
        _write_in(dir_fd, path.name, text)
    finally:
        os.close(dir_fd)


def write_feedback(folder: Path, submission: str, text: str) -> Path:
    """The feedback file of ``submission`` (a unique name per path) in ``folder``."""
    name = safe_name(submission) + ".txt"
    dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        _write_in(dir_fd, name, text)
    finally:
        os.close(dir_fd)
    return Path(folder) / name


def previous_results(json_path: Path) -> dict[str, SubmissionResult]:
    """The results of an earlier run by submission (empty if there is none or it is unreadable)."""
    try:
        fd = os.open(json_path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return {}
    try:
        with os.fdopen(fd, "rb") as f:
            data = f.read(_MAX_PREVIOUS + 1)
        if len(data) > _MAX_PREVIOUS:
            return {}
        done = {}
        for d in json.loads(data)["submissions"]:
            r = SubmissionResult.from_dict(d)
            done[r.submission] = r
        return done
    except (ValueError, KeyError, TypeError, RecursionError, OSError):
        return {}  # an unreadable previous run: grade everything again


def csv_text(results: list[SubmissionResult]) -> str:
    """grades.csv: one row per submission, one column per part, the total and the notes."""
    ids: list[str] = []
    for r in results:
        for p in r.parts:
            if p.grade_id not in ids:
                ids.append(p.grade_id)
    rows = [["submission", "exercise", *ids, "total", "max_points", "notes"]]
    for r in results:
        pts = {p.grade_id: f"{p.points:g}" for p in r.parts}
        rows.append(
            [
                r.submission,
                r.exercise,
                *(pts.get(i, "") for i in ids),
                f"{r.total:g}",
                f"{r.max_points:g}",
                " | ".join(r.notes),
            ]
        )
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()
