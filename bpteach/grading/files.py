"""The grader's files: grades.csv, grades.json and feedback, never written through a link.

Every file is written by ``atomic.write_atomic``: a fresh private name in its folder (``mkstemp``,
``O_EXCL``), then a rename over the final name, so a reader sees the old file or the new one and a
link planted at the final name is replaced, never followed. A previous grades.json is read back
without following a link and bounded in size.
"""

from __future__ import annotations

import csv
import io
import json
import os
import urllib.parse
from pathlib import Path

from bpteach.grading.atomic import write_atomic
from bpteach.grading.notebook import safe_name
from bpteach.grading.results import SubmissionResult

__all__ = ["csv_text", "previous_results", "shown_name", "write_feedback"]

_MAX_PREVIOUS = 256 * 2**20  # bytes of a previous grades.json read back to resume


def write_feedback(folder: Path, submission: str, text: str) -> Path:
    """The feedback file of ``submission`` (a unique name per path) in ``folder``, written atomically."""
    path = Path(folder) / (safe_name(submission) + ".txt")
    write_atomic(path, text)
    return path


def shown_name(submission: str) -> str:
    """A submission's name for a terminal: ``%``, control characters and bytes that are not UTF-8
    percent-encoded, so it prints safely and two names never look the same."""
    out = []
    for c in submission:
        if c.isprintable() and c != "%" and not 0xD800 <= ord(c) <= 0xDFFF:
            out.append(c)
        else:
            try:
                raw = c.encode("utf-8", "surrogateescape")  # a byte of a name that is not UTF-8
            except UnicodeEncodeError:
                raw = c.encode("utf-8", "surrogatepass")
            out.append(urllib.parse.quote_from_bytes(raw, safe=""))
    return "".join(out)


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
