"""Grade a class: each submission's solutions run in a limited worker; scores are decided here.

For every exercise the grading run draws fresh inputs (from ``seed``) and computes the
reference with the core, once. A submission's solution cells (only those: its test cells are
ignored, the canonical ones live in the source) run in a forked child of a pre-warmed worker
with a time and a memory limit; the child calls the student's functions on the grader's
inputs and sends back plain numbers, which are validated and compared with the reference in
this process. Whatever a submission prints, patches or exits with, only those numbers count.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import queue
import secrets
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bpteach.grading.catalog import EXERCISES, exercise_by_ids, find_exercise
from bpteach.grading.check import CHECK_SEED, expected_outputs
from bpteach.grading.forbidden import forbidden_uses
from bpteach.grading.judge import Malformed, decode_items, judge_part
from bpteach.grading.notebook import NotebookError, exercise_name, load_notebook, safe_name, solution_cells
from bpteach.grading.results import PartResult, SubmissionResult
from bpteach.grading.spec import Exercise, Source
from bpteach.grading.workers import Worker, WorkerFailure

__all__ = ["Grader", "grade"]


@dataclass
class _Battery:
    """One exercise's hidden tests for this run: inputs and reference outputs per part."""

    exercise: Exercise
    cases: dict[str, list[tuple]]
    expected: dict[str, list]

    @classmethod
    def draw(cls, exercise: Exercise, seed: int) -> _Battery:
        cases, expected = {}, {}
        for k, part in enumerate(exercise.parts):
            cases[part.grade_id] = part.cases(np.random.default_rng([seed, k]))
            expected[part.grade_id] = expected_outputs(part, cases[part.grade_id])
        return cls(exercise, cases, expected)


def _wire(value: object) -> object:
    if isinstance(value, Source):
        return {"__bpteach_source__": str(value)}
    if isinstance(value, tuple):
        return tuple(_wire(v) for v in value)
    return value


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Grader:
    """Grades submissions with ``jobs`` worker processes.

    exercise: the exercise every submission must be (None: each notebook's own metadata).
    timeout: seconds for one submission's code in all; memory_mb: its memory beyond the
    worker's own. ``seed`` draws the hidden inputs (a new one per run by default).
    """

    def __init__(
        self,
        exercise: str | None = None,
        jobs: int = 2,
        timeout: float = 10.0,
        memory_mb: int = 512,
        seed: int | None = None,
    ) -> None:
        self.exercise = None if exercise is None else find_exercise(exercise)
        if not (isinstance(jobs, int) and jobs >= 1):
            msg = f"jobs must be a positive whole number of worker processes, got {jobs!r}"
            raise ValueError(msg)
        if not (isinstance(timeout, (int, float)) and timeout > 0):
            msg = f"timeout must be a positive number of seconds, got {timeout!r}"
            raise ValueError(msg)
        if not (isinstance(memory_mb, int) and memory_mb >= 64):
            msg = f"memory_mb must be a whole number of megabytes, at least 64, got {memory_mb!r}"
            raise ValueError(msg)
        self.jobs, self.timeout, self.memory_mb = jobs, float(timeout), memory_mb
        if seed is None:
            seed = secrets.randbelow(2**31)
        self.seed = seed if seed != CHECK_SEED else seed + 1  # never the notebook's check inputs
        self._batteries: dict[str, _Battery] = {}
        self._lock = threading.Lock()
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._workers: list[Worker] = []

    # ----------------------------------------------------------------- workers
    def _battery(self, exercise: Exercise) -> _Battery:
        with self._lock:
            if exercise.name not in self._batteries:
                self._batteries[exercise.name] = _Battery.draw(exercise, self.seed)
            return self._batteries[exercise.name]

    def _worker(self) -> Worker:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            w = Worker()
            with self._lock:
                self._workers.append(w)
            return w

    def close(self) -> None:
        """Stop the worker processes."""
        for w in self._workers:
            w.close()
        self._workers.clear()

    def __enter__(self) -> Grader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- one submission
    def grade_bytes(self, name: str, data: bytes) -> SubmissionResult:
        """Grade one submission given as the file's bytes (``name`` labels it)."""
        digest = _digest(data)
        try:
            nb = load_notebook(data)
        except NotebookError as exc:
            return self._zero(name, self.exercise, f"not graded: {exc}", digest)
        cells = solution_cells(nb)
        claimed = exercise_name(nb)
        found = EXERCISES.get(claimed) if claimed else exercise_by_ids(list(cells))
        if found is None:
            return self._zero(
                name,
                self.exercise,
                "not graded: this notebook is not a bpteach exercise "
                "(no exercise metadata and no known solution cells)",
                digest,
            )
        if self.exercise is not None and found is not self.exercise:
            return self._zero(
                name, self.exercise, f"not graded: this is exercise {found.name}, not {self.exercise.name}", digest
            )
        if not any(p.grade_id in cells for p in found.parts):
            return self._zero(
                name,
                found,
                "not graded: the notebook has none of the exercise's solution cells (were they deleted?)",
                digest,
            )
        return self._run(name, found, cells, digest)

    def _zero(self, name: str, exercise: Exercise | None, note: str, digest: str) -> SubmissionResult:
        parts = (
            []
            if exercise is None
            else [PartResult(p.grade_id, p.title, 0.0, float(p.points), message="not graded") for p in exercise.parts]
        )
        return SubmissionResult(name, exercise.name if exercise else "", parts, [note], digest, self.seed)

    def _run(self, name: str, exercise: Exercise, cells: dict[str, str], digest: str) -> SubmissionResult:
        battery = self._battery(exercise)
        notes: list[str] = []
        verdicts: dict[str, str] = {}
        run_parts = []
        for part in exercise.parts:
            if part.grade_id not in cells:
                verdicts[part.grade_id] = f"the solution cell {part.grade_id!r} is missing from the notebook"
                continue
            uses = forbidden_uses(cells[part.grade_id], part.forbidden)
            if uses:
                verdicts[part.grade_id] = (
                    f"0 points: the solution uses the reference implementation it is meant to write ({', '.join(uses)})"
                )
                continue
            run_parts.append(
                {
                    "id": part.grade_id,
                    "func": part.func,
                    "n_outputs": part.n_outputs,
                    "cases": [_wire(c) for c in battery.cases[part.grade_id]],
                }
            )
        records: dict[str, dict] = {}
        if run_parts:
            job = {
                "preamble": exercise.preamble,
                "cells": [(g, s) for g, s in cells.items() if g in exercise.by_id],
                "parts": run_parts,
                "timeout": self.timeout,
                "stage_timeout": self.timeout / (len(run_parts) + 1),
                "memory_mb": self.memory_mb,
            }
            records, trouble = self._execute(job, notes)
            for p in run_parts:
                if p["id"] not in records:
                    verdicts[p["id"]] = f"not graded: {trouble or 'the solution code stopped before this part'}"
        parts = []
        for part in exercise.parts:
            gid = part.grade_id
            outcomes = self._outcomes(records[gid], len(battery.cases[gid])) if gid in records else None
            if outcomes is None and gid in records:
                verdicts[gid] = f"the function {part.func}() is not defined (check its name and the cell)"
            parts.append(judge_part(part, battery.cases[gid], battery.expected[gid], outcomes, verdicts.get(gid, "")))
        return SubmissionResult(name, exercise.name, parts, notes, digest, self.seed)

    def _execute(self, job: dict, notes: list[str]) -> tuple[dict[str, dict], str]:
        worker = self._worker()
        try:
            answer = worker.run(job)
        except WorkerFailure as exc:
            notes.append(str(exc))
            return {}, str(exc)
        finally:
            self._idle.put(worker)
        records: dict[str, dict] = {}
        for line in answer["lines"].splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if not isinstance(rec, dict):
                continue
            if isinstance(rec.get("cells"), list):
                for entry in rec["cells"]:
                    if isinstance(entry, list) and len(entry) == 2 and all(isinstance(e, str) for e in entry):
                        notes.append(f"the cell {entry[0]!r} raised {entry[1]}")
            elif isinstance(rec.get("part"), str) and rec["part"] in _job_ids(job):
                records.setdefault(rec["part"], rec)
        trouble = ""
        if answer.get("status") != "ok":
            trouble = str(answer.get("detail") or answer.get("status"))
            if answer.get("status") == "timeout":
                trouble = f"the solution code did not finish: {trouble}"
            notes.append(trouble)
        return records, trouble

    @staticmethod
    def _outcomes(record: dict, n_cases: int) -> list[dict] | None:
        if record.get("missing") or not isinstance(record.get("results"), list):
            return None
        outcomes: list[dict] = []
        for raw in record["results"][:n_cases]:
            if isinstance(raw, dict) and isinstance(raw.get("error"), str):
                outcomes.append({"error": raw["error"][:500]})
                continue
            try:
                items = decode_items(raw, None)
                mutated = raw.get("mutated", [])
                if not (isinstance(mutated, list) and all(type(m) is int for m in mutated)):
                    msg = "the record of changed inputs is malformed"
                    raise Malformed(msg)
            except Malformed as exc:
                outcomes.append({"error": f"the output could not be read ({exc})"})
                continue
            outcomes.append({"items": items, "mutated": mutated})
        return outcomes

    # ----------------------------------------------------------------- many submissions
    def grade_many(self, paths: Iterable[Path]) -> Iterator[SubmissionResult]:
        """Grade files concurrently (``jobs`` at a time), yielding results as they finish."""
        paths = list(paths)

        def one(path: Path) -> SubmissionResult:
            try:
                data = Path(path).read_bytes()
            except OSError as exc:
                return self._zero(str(path), self.exercise, f"not graded: cannot read the file ({exc})", "")
            return self.grade_bytes(str(path), data)

        with ThreadPoolExecutor(max_workers=self.jobs) as pool:
            yield from pool.map(one, paths)


def _job_ids(job: dict) -> set[str]:
    return {p["id"] for p in job["parts"]}


# ----------------------------------------------------------------------------- the command
def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _csv_text(results: list[SubmissionResult]) -> str:
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


def grade(
    submissions: Iterable[Path | str],
    out: Path | str = "grades.csv",
    feedback: Path | str | None = None,
    exercise: str | None = None,
    jobs: int = 2,
    timeout: float = 10.0,
    memory_mb: int = 512,
    seed: int | None = None,
    force: bool = False,
    progress: object = None,
) -> list[SubmissionResult]:
    """Grade submitted notebooks; write ``out`` (CSV), ``out`` with ``.json``, and feedback files.

    Re-running resumes: a submission already in the JSON, with the same file content, is not
    graded again unless ``force``. ``progress`` (optional) is called with each new result.
    """
    paths = [Path(p) for p in submissions]
    if not paths:
        msg = "submissions must name at least one notebook, got none"
        raise ValueError(msg)
    out = Path(out)
    json_path = out.with_suffix(".json")
    feedback_dir = None if feedback is None else Path(feedback)
    if feedback_dir is not None:
        feedback_dir.mkdir(parents=True, exist_ok=True)
    done: dict[str, SubmissionResult] = {}
    if json_path.exists() and not force:
        try:
            for d in json.loads(json_path.read_text())["submissions"]:
                r = SubmissionResult.from_dict(d)
                done[r.submission] = r
        except (ValueError, KeyError, TypeError):
            done = {}  # an unreadable previous run: grade everything again
    results: dict[str, SubmissionResult] = {}
    todo = []
    for p in paths:
        prev = done.get(str(p))
        if prev is not None and p.exists() and prev.digest == _digest(p.read_bytes()):
            results[str(p)] = prev
        else:
            todo.append(p)

    def save() -> None:
        ordered = [results[str(p)] for p in paths if str(p) in results]
        _write_atomic(json_path, json.dumps({"submissions": [r.to_dict() for r in ordered]}, indent=1))
        _write_atomic(out, _csv_text(ordered))

    with Grader(exercise, jobs, timeout, memory_mb, seed) as grader:
        for k, r in enumerate(grader.grade_many(todo)):
            results[r.submission] = r
            if feedback_dir is not None:
                (feedback_dir / (safe_name(r.submission) + ".txt")).write_text(str(r))
            if callable(progress):
                progress(r)
            if k % 25 == 24:
                save()  # a crash of the grader itself loses at most 25 submissions' work
    save()
    return [results[str(p)] for p in paths]
