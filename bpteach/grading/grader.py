"""Grade a class: each submission's code runs in its own sandbox; scores are decided here.

For every exercise the grading run draws fresh inputs (from ``seed``) and computes the
reference with the core, once. A submission's code cells run in notebook order in a fresh
sandboxed process (``sandbox``): the setup cell replaced by the exercise's preamble, the test
cells left out (the canonical ones live in the source), every other cell as the student wrote
it. Each part then gets its own time budget; its outputs come back as plain numbers, are
validated (``wire``) and compared with the reference in this process. A part that failed only
because an earlier part it calls is wrong is graded again with the reference of that earlier
part in its place, so one mistake costs once. A part that ends its box (too much output, a
crash, the watchdog) scores 0 and the parts after it are graded in a fresh box, with the reference
standing in for it; all the boxes of one submission share the time its first box alone may take
(``_Budget``), so however many parts end their box, a submission takes no longer than before.
Whatever a submission prints, patches or exits with, only those numbers count, and any failure of
one submission is a 0 on what failed.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import pickle
import queue
import secrets
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bpteach.grading import wire
from bpteach.grading.atomic import write_atomic
from bpteach.grading.catalog import EXERCISES, exercise_by_ids, find_exercise
from bpteach.grading.check import CHECK_SEED, expected_outputs
from bpteach.grading.files import csv_text, previous_results, write_feedback
from bpteach.grading.judge import judge_part
from bpteach.grading.notebook import (
    MAX_NOTEBOOK_BYTES,
    NotebookError,
    code_cells,
    exercise_name,
    load_notebook,
    solution_cells,
    too_large,
)
from bpteach.grading.results import PartResult, SubmissionResult
from bpteach.grading.sandbox import Limits, Outcome, Sandbox
from bpteach.grading.spec import Exercise, Part, Source

__all__ = ["Grader", "default_sources", "grade"]

_MAX_NOTES = 20
_MIN_BOX = 1.0  # seconds: with less left of a submission's time, no new box is started for it


def default_sources() -> Path | None:
    """The exercise source notebooks beside the package (a checkout of bpteach), if present."""
    path = Path(__file__).resolve().parents[2] / "exercises"
    return path if path.is_dir() else None


@dataclass
class _Battery:
    """One exercise's hidden tests for this run: inputs and reference outputs per part."""

    exercise: Exercise
    cases: dict[str, list[tuple]]
    expected: dict[str, list]
    references: dict[str, str]  # grade_id -> the instructor's solution cell (numpy source)

    @classmethod
    def draw(cls, exercise: Exercise, seed: int, sources: Path | None) -> _Battery:
        cases, expected = {}, {}
        for k, part in enumerate(exercise.parts):
            cases[part.grade_id] = part.cases(np.random.default_rng([seed, k]))
            expected[part.grade_id] = expected_outputs(part, cases[part.grade_id])
        references: dict[str, str] = {}
        path = None if sources is None else Path(sources) / f"{exercise.name}.ipynb"
        if path is not None and path.is_file():
            references = solution_cells(load_notebook(path.read_bytes()))
        return cls(exercise, cases, expected, references)


def _wire(value: object) -> object:
    if isinstance(value, Source):
        return {"__bpteach_source__": str(value)}
    if isinstance(value, tuple):
        return tuple(_wire(v) for v in value)
    return value


class _Answer:
    """The grader's side of the stand-ins for failed earlier parts: a request line from the student's
    process (``{"call": func, "args": items}``) gets the reference's value, computed here with the
    core (``Part.reference``), so no reference code or text ever enters that process."""

    def __init__(self, parts: dict[str, Part]) -> None:
        self.parts = parts

    def __call__(self, line: bytes) -> bytes:
        try:
            reply = self._value(line)
        except Exception as exc:  # anything the request makes of the reference: the caller sees an error
            reply = {"error": f"{type(exc).__name__}: {wire.clean_text(str(exc), 200)}"}
        return json.dumps(reply).encode()

    def _value(self, line: bytes) -> dict:
        if len(line) > 64 * 2**20:
            msg = "the arguments are too large"
            raise ValueError(msg)
        request = json.loads(line)
        part = self.parts.get(request.get("call")) if type(request) is dict else None
        if part is None:
            msg = "no such reference"
            raise ValueError(msg)
        args = [_live(it) for it in wire.decode(request.get("args"), None)]
        value = part.reference(*args)
        return {"value": wire.encode(wire.to_items(value, part.n_outputs)), "single": part.n_outputs == 1}


def _live(item: object) -> object:
    """An item of the wire format as an argument: a number for a 0-d array, int keys for a dict."""
    if isinstance(item, dict):
        return {ast.literal_eval(k): _live(v) for k, v in item.items()}
    assert isinstance(item, np.ndarray)
    return float(item) if item.ndim == 0 else item


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class _Run:
    """What one sandbox run sent back, validated: cell errors and a record per part."""

    cell_errors: list[tuple[str, str]]
    records: dict[str, dict]  # the last record per part
    outcome: Outcome
    forged: set[str]  # parts with more than one record: 0 points, whatever they say
    begun: set[str] = field(default_factory=set)  # parts that started (a record may not have followed)


class _Budget:
    """The wall-clock seconds that all of one submission's boxes may take together (the first box,
    the fresh ones after a part that ended its box, the ones that grade a part again)."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds, self._clock = seconds, clock
        self._end = clock() + seconds

    def left(self) -> float:
        return self._end - self._clock()


def _stages(job: dict) -> int:
    """The time stages of a job: one per part's solution cell, one the other cells share, one per part."""
    return 1 + len(job["graded"]) + len(job["parts"])


class Grader:
    """Grades submissions, ``jobs`` sandboxes at a time.

    exercise: the exercise every submission must be (None: each notebook's own metadata).
    timeout: seconds of CPU for each stage of a submission (each part's solution cell, all its other
    cells together, then each part);
    memory_mb: its memory beyond the sandbox's own, for all its processes together. ``seed`` draws
    the hidden inputs (a new one per run by default). ``sandbox=False`` runs the code without
    bubblewrap: trusted notebooks only. ``sources``: the folder of the exercise source notebooks,
    whose solution cells stand in for a failed earlier part (default: ``exercises/`` beside the
    package, if there).
    """

    def __init__(
        self,
        exercise: str | None = None,
        jobs: int = 2,
        timeout: float = 10.0,
        memory_mb: int = 512,
        seed: int | None = None,
        sandbox: bool = True,
        sources: Path | str | None = None,
    ) -> None:
        self.exercise = None if exercise is None else find_exercise(exercise)
        if not (isinstance(jobs, int) and jobs >= 1):
            msg = f"jobs must be a positive whole number of sandboxes, got {jobs!r}"
            raise ValueError(msg)
        if not (isinstance(timeout, (int, float)) and timeout > 0):
            msg = f"timeout must be a positive number of seconds, got {timeout!r}"
            raise ValueError(msg)
        if not (isinstance(memory_mb, int) and memory_mb >= 64):
            msg = f"memory_mb must be a whole number of megabytes, at least 64, got {memory_mb!r}"
            raise ValueError(msg)
        self.jobs = jobs
        self.limits = Limits(cpu=float(timeout), memory_mb=memory_mb)
        if seed is None:
            seed = secrets.randbelow(2**31)
        self.seed = seed if seed != CHECK_SEED else seed + 1  # never the notebook's check inputs
        self.trusted = not sandbox
        self.sources = default_sources() if sources is None else Path(sources)
        self._batteries: dict[str, _Battery] = {}
        self._lock = threading.Lock()
        self._idle: queue.Queue[Sandbox] = queue.Queue()
        self._boxes: list[Sandbox] = []
        self._clock = time.monotonic  # what a submission's time budget is measured with (tests fake it)
        self._idle.put(self._new_box())  # refuses here, before any work, where bwrap cannot run

    # ----------------------------------------------------------------- sandboxes
    def _new_box(self) -> Sandbox:
        box = Sandbox(trusted=self.trusted)
        with self._lock:
            self._boxes.append(box)
        return box

    def _battery(self, exercise: Exercise) -> _Battery:
        with self._lock:
            if exercise.name not in self._batteries:
                self._batteries[exercise.name] = _Battery.draw(exercise, self.seed, self.sources)
            return self._batteries[exercise.name]

    def _run(self, job: dict, answer: _Answer | None, budget: _Budget) -> Outcome:
        try:
            box = self._idle.get_nowait()
        except queue.Empty:
            box = self._new_box()
        try:
            return box.run(pickle.dumps(job), self.limits, _stages(job), answer, within=budget.left())
        finally:
            self._idle.put(box)

    def close(self) -> None:
        """Stop every sandbox (and with it everything that ran inside)."""
        with self._lock:
            boxes, self._boxes = self._boxes, []
        for box in boxes:
            box.close()

    def __enter__(self) -> Grader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- one submission
    def grade_bytes(self, name: str, data: bytes) -> SubmissionResult:
        """Grade one submission given as the file's bytes (``name`` labels it); never raises.

        ``name`` is kept as given, control characters and all (grades.json escapes them, grades.csv
        quotes them): two files whose names differ only there are two students, never one row."""
        name = str(name)
        digest = _digest(data)
        try:
            return self._grade(name, data, digest)
        except Exception as exc:  # a grader bug must cost this submission, never the class
            note = (
                f"not graded: the grader failed on this submission ({type(exc).__name__}: {wire.clean_text(str(exc))})"
            )
            return self._zero(name, self.exercise, note, digest)

    def _grade(self, name: str, data: bytes, digest: str) -> SubmissionResult:
        try:
            nb = load_notebook(data)
        except NotebookError as exc:
            return self._zero(name, self.exercise, f"not graded: {exc}", digest)
        cells = code_cells(nb)
        solutions = [c.label for c in cells if c.kind == "solution"]
        claimed = exercise_name(nb)
        found = EXERCISES.get(claimed) if claimed else exercise_by_ids(solutions)
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
        if not any(p.grade_id in solutions for p in found.parts):
            return self._zero(
                name,
                found,
                "not graded: the notebook has none of the exercise's solution cells (were they deleted?)",
                digest,
            )
        notes = [
            f"the notebook has {solutions.count(gid)} solution cells {gid!r}: graded as Jupyter runs it, "
            "the last definition wins"
            for gid in dict.fromkeys(solutions)
            if solutions.count(gid) > 1 and gid in found.by_id
        ]
        plan = [("setup", found.preamble)] + [(c.label, c.source) for c in cells if c.kind in ("solution", "other")]
        return self._judge(name, found, plan, set(solutions), notes, digest)

    def _zero(self, name: str, exercise: Exercise | None, note: str, digest: str) -> SubmissionResult:
        parts = (
            []
            if exercise is None
            else [PartResult(p.grade_id, p.title, 0.0, float(p.points), message="not graded") for p in exercise.parts]
        )
        return SubmissionResult(name, exercise.name if exercise else "", parts, [note], digest, self.seed)

    def _job(self, exercise: Exercise, plan: list[tuple[str, str]], parts: list[Part], battery: _Battery) -> dict:
        order = [p.grade_id for p in exercise.parts]
        return {
            "cells": plan,
            "parts": [
                {
                    "id": p.grade_id,
                    "func": p.func,
                    "n_outputs": p.n_outputs,
                    "strict_floats": bool(p.float_errors),
                    "cases": [_wire(c) for c in battery.cases[p.grade_id]],
                }
                for p in parts
            ],
            "earlier": {
                p.grade_id: [(q.grade_id, q.func) for q in exercise.parts[: order.index(p.grade_id)]] for p in parts
            },
            "graded": order,  # their first solution cells get a stage each; other cells share one
            "cpu": self.limits.cpu,
            "wall": self.limits.wall,  # the same figure the box's watchdog uses (it follows the load)
        }

    def _judge(
        self, name: str, exercise: Exercise, plan: list, present: set[str], notes: list[str], digest: str
    ) -> SubmissionResult:
        battery = self._battery(exercise)
        job = self._job(exercise, plan, list(exercise.parts), battery)
        # every box of this submission together gets the time its first box alone may take
        budget = _Budget(self.limits.deadline(_stages(job)), self._clock)
        run = self._execute(job, None, budget)
        notes += self._run_notes(run)
        results = {p.grade_id: self._verdict(p, battery, run, present) for p in exercise.parts}
        calls = {gid: rec.get("calls", []) for gid, rec in run.records.items()}
        wrecked = self._carry_on(exercise, battery, job, run, present, budget, results, calls, notes)
        self._substitute(exercise, battery, job, results, present, calls, wrecked, budget)
        if any(wire.BPTEACH_BLOCKED in text for text in [*notes, *(str(r) for r in results.values())]):
            notes.append(
                "the code imports bpteach, which is not available while grading: "
                "the grade runs your own functions with numpy only"
            )
        return SubmissionResult(name, exercise.name, list(results.values()), notes[:_MAX_NOTES], digest, self.seed)

    def _carry_on(
        self,
        exercise: Exercise,
        battery: _Battery,
        job: dict,
        run: _Run,
        present: set[str],
        budget: _Budget,
        results: dict[str, PartResult],
        calls: dict[str, list[str]],
        notes: list[str],
    ) -> list[str]:
        """After a part that ended its box (too much output, a crash, the watchdog), grade the parts
        after it in a fresh box: that part scores 0, and the later parts that call it get the
        reference in its place. Returns the parts that ended a box.

        Every box takes the part it started with or more, and all of them draw on ``budget``, so a
        submission that wrecks every part takes no longer than its first box alone could."""
        wrecked: list[str] = []
        while True:
            pending = [p["id"] for p in job["parts"] if p["id"] not in run.records]
            if not pending:
                break
            if budget.left() < _MIN_BOX:
                for gid in pending:
                    results[gid] = judge_part(
                        exercise.by_id[gid],
                        battery.cases[gid],
                        battery.expected[gid],
                        None,
                        f"not graded: the submission used up the {budget.seconds:.0f} s that all its sandboxes "
                        "may take together",
                    )
                break
            if pending[0] not in run.begun:  # the cells ended the box: no part ever started
                break
            culprit, rest = pending[0], pending[1:]
            wrecked.append(culprit)
            why = run.outcome.detail or "the solution process ended while this part ran"
            results[culprit] = judge_part(
                exercise.by_id[culprit],
                battery.cases[culprit],
                battery.expected[culprit],
                None,
                f"not graded: {why}; the parts after it were graded in a fresh sandbox",
            )
            if not rest:
                break
            stand_ins = [exercise.by_id[g].func for g in wrecked if g in battery.references]
            job = {**job, "parts": [{**p, "substitute": stand_ins} for p in job["parts"] if p["id"] in rest]}
            answer = _Answer({exercise.by_id[g].func: exercise.by_id[g] for g in wrecked})
            run = self._execute(job, answer, budget)
            if run.outcome.status != "ok":
                notes.append(self._run_notes(run)[-1])
            for gid in rest:
                results[gid] = self._verdict(exercise.by_id[gid], battery, run, present)
                calls[gid] = run.records.get(gid, {}).get("calls", [])
                stood_in = [g for g in calls[gid] if g in wrecked]
                if stood_in and gid in run.records:
                    names = ", ".join(f"{exercise.by_id[g].func}() ({g})" for g in stood_in)
                    results[gid].notes.append(
                        f"graded with the reference {names} in place of yours, which stopped its sandbox: "
                        "one mistake costs once"
                    )
        return wrecked

    def _substitute(
        self,
        exercise: Exercise,
        battery: _Battery,
        job: dict,
        results: dict[str, PartResult],
        present: set[str],
        calls: dict[str, list[str]],
        wrecked: list[str],
        budget: _Budget,
    ) -> None:
        """Grade again, with the reference in their place, the parts a failed earlier part sank."""
        failed = {gid for gid, r in results.items() if not r.passed}
        again: dict[str, list[str]] = {}
        for part in exercise.parts:
            culprits = [
                g for g in calls.get(part.grade_id, []) if g in failed and g not in wrecked and g in battery.references
            ]
            if part.grade_id in failed and culprits:
                again[part.grade_id] = culprits
        if not again:
            return
        for gid in list(again):
            if budget.left() < _MIN_BOX:
                del again[gid]
                results[gid].notes.append(
                    "not graded again with the reference in place of the earlier parts it calls: the "
                    f"submission used up the {budget.seconds:.0f} s that all its sandboxes may take together"
                )
                continue
            culprits = again[gid]
            # one box per part graded again; its culprits (and the parts that ended a box) are
            # stand-ins that ask this process for the reference's values (``_Answer``): no reference
            # enters the box
            stand_ins = [*culprits, *(g for g in wrecked if g in battery.references)]
            retry = {
                **job,
                "parts": [
                    {**p, "substitute": [exercise.by_id[g].func for g in stand_ins]}
                    for p in job["parts"]
                    if p["id"] == gid
                ],
            }
            answer = _Answer({exercise.by_id[g].func: exercise.by_id[g] for g in stand_ins})
            notes = results[gid].notes
            results[gid] = self._verdict(exercise.by_id[gid], battery, self._execute(retry, answer, budget), present)
            results[gid].notes[:0] = notes
        for gid, culprits in again.items():
            # name only the parts still wrong once their own grade is settled (a part that failed
            # only through an earlier one is not to blame)
            wrong = [g for g in culprits if not results[g].passed] or culprits
            names = ", ".join(f"{exercise.by_id[g].func}() ({g})" for g in wrong)
            results[gid].notes.append(
                f"graded with the reference {names} in place of yours, which already lost its points: "
                "one mistake costs once"
            )

    def _execute(self, job: dict, answer: _Answer | None, budget: _Budget) -> _Run:
        outcome = self._run(job, answer, budget)
        labels = {label for label, _ in job["cells"]}
        parts = {p["id"]: p for p in job["parts"]}
        cell_errors: list[tuple[str, str]] = []
        records: dict[str, dict] = {}
        forged: set[str] = set()
        begun: set[str] = set()
        for line in outcome.output.split(b"\n"):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except (ValueError, RecursionError):
                continue
            if type(rec) is not dict:
                continue
            if set(rec) == {"cell", "error"} and type(rec["cell"]) is str and rec["cell"] in labels:
                if type(rec["error"]) is not str:
                    continue
                if len(cell_errors) < _MAX_NOTES:
                    cell_errors.append((rec["cell"], wire.clean_text(rec["error"])))
            elif set(rec) == {"begin"} and type(rec["begin"]) is str and rec["begin"] in parts:
                begun.add(rec["begin"])
            elif type(rec.get("part")) is str and rec["part"] in parts:
                if rec["part"] in records:  # the runner writes one: the code wrote to the result pipe
                    forged.add(rec["part"])
                records[rec["part"]] = self._record(rec, parts[rec["part"]], job)
        return _Run(cell_errors, records, outcome, forged, begun)

    @staticmethod
    def _record(rec: dict, part: dict, job: dict) -> dict:
        """One part's record, validated: {"missing": True} or {"calls": [...], "outcomes": [...]}."""
        if rec.get("missing") is True:
            return {"missing": True}
        earlier = {g for g, _ in job["earlier"].get(part["id"], [])}
        calls = rec.get("calls")
        calls = [g for g in calls if type(g) is str and g in earlier] if type(calls) is list else []
        raw = rec.get("results")
        if type(raw) is not list:
            return {"calls": calls, "outcomes": []}
        outcomes: list[dict] = []
        for item in raw[: len(part["cases"])]:
            if type(item) is dict and set(item) == {"error"} and type(item["error"]) is str:
                outcomes.append({"error": wire.clean_text(item["error"])})
                continue
            try:
                if type(item) is not dict:
                    msg = "an output record is not an object"
                    raise wire.Malformed(msg)
                items = wire.decode({"items": item.get("items")}, part["n_outputs"])
                mutated = item.get("mutated", [])
                if not (type(mutated) is list and len(mutated) <= 16 and all(type(m) is int for m in mutated)):
                    msg = "the record of changed inputs is malformed"
                    raise wire.Malformed(msg)
            except wire.Malformed as exc:
                outcomes.append({"error": f"the output could not be read ({exc})"})
                continue
            outcomes.append({"items": items, "mutated": mutated})
        return {"calls": sorted(set(calls)), "outcomes": outcomes}

    @staticmethod
    def _run_notes(run: _Run) -> list[str]:
        notes = [f"the cell {label!r} raised {error}" for label, error in run.cell_errors]
        status = run.outcome.status
        if status == "timeout":
            notes.append(f"the solution code did not finish: {run.outcome.detail}")
        elif status != "ok":
            notes.append(run.outcome.detail or f"the sandbox reported {status!r}")
        return notes

    def _verdict(self, part: Part, battery: _Battery, run: _Run, present: set[str]) -> PartResult:
        gid = part.grade_id
        cases, expected = battery.cases[gid], battery.expected[gid]
        record = run.records.get(gid)
        if gid not in present:
            return judge_part(part, cases, expected, None, f"the solution cell {gid!r} is missing from the notebook")
        if record is None:
            trouble = run.outcome.detail if run.outcome.status != "ok" else ""
            message = f"not graded: {trouble or 'the solution code stopped before this part'}"
            return judge_part(part, cases, expected, None, message)
        if record.get("missing"):
            message = f"the function {part.func}() is not defined (check its name and the cell)"
            return judge_part(part, cases, expected, None, message)
        result = judge_part(part, cases, expected, record["outcomes"])
        if gid in run.forged:
            result.points = 0.0
            result.notes.append(
                "more than one result came back for this part (the code wrote to the grader's result "
                "channel itself): 0 points"
            )
        return result

    # ----------------------------------------------------------------- many submissions
    def grade_many(self, paths: Iterable[Path]) -> Iterator[SubmissionResult]:
        """Grade files concurrently (``jobs`` at a time), yielding results in the order given."""
        paths = list(paths)

        def one(path: Path) -> SubmissionResult:
            try:
                data = _read_bounded(Path(path))
            except OSError as exc:
                return self._zero(str(path), self.exercise, f"not graded: cannot read the file ({exc.strerror})", "")
            except NotebookError as exc:
                return self._zero(str(path), self.exercise, f"not graded: {exc}", "")
            return self.grade_bytes(str(path), data)

        with ThreadPoolExecutor(max_workers=self.jobs) as pool:
            yield from pool.map(one, paths)


_KINDS = {stat.S_IFDIR: "a directory", stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a device"}


def _read_bounded(path: Path) -> bytes:
    """A submission's bytes, without following a link and never more than the notebook limit (+1);
    a NotebookError for what is no regular file or too large (said with its real size: the bytes
    read stop at the limit)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = _KINDS.get(stat.S_IFMT(st.st_mode), "a special file")
            msg = f"it is {kind}, not a regular file"
            raise NotebookError(msg)
        if st.st_size > MAX_NOTEBOOK_BYTES:
            raise NotebookError(too_large(st.st_size))
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read(MAX_NOTEBOOK_BYTES + 1)
    finally:
        os.close(fd)


# ----------------------------------------------------------------------------- the command
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
    sandbox: bool = True,
    sources: Path | str | None = None,
) -> list[SubmissionResult]:
    """Grade submitted notebooks; write ``out`` (CSV), ``out`` with ``.json``, and feedback files.

    Re-running resumes: a submission already in the JSON, with the same file content, is not
    graded again unless ``force``. ``progress`` (optional) is called with each new result.
    grades.csv and grades.json are written atomically from this process's memory (every 25
    submissions and at the end); a feedback file is written beside its name and renamed into
    place, never through a link.
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
    done = {} if force else previous_results(json_path)
    results: dict[str, SubmissionResult] = {}
    todo = []
    for p in paths:
        prev = done.get(str(p))
        if prev is not None and prev.digest == _digest_of(p):
            results[str(p)] = prev
        else:
            todo.append(p)

    def save() -> None:
        ordered = [results[str(p)] for p in paths if str(p) in results]
        write_atomic(json_path, json.dumps({"submissions": [r.to_dict() for r in ordered]}, indent=1))
        write_atomic(out, csv_text(ordered))

    with Grader(exercise, jobs, timeout, memory_mb, seed, sandbox, sources) as grader:
        for k, r in enumerate(grader.grade_many(todo)):
            results[str(todo[k])] = r
            if feedback_dir is not None:
                write_feedback(feedback_dir, r.submission, str(r))
            if callable(progress):
                progress(r)
            if k % 25 == 24:
                save()  # a crash of the grader itself loses at most 25 submissions' work
    save()
    return [results[str(p)] for p in paths]


def _digest_of(path: Path) -> str:
    try:
        return _digest(_read_bounded(path))
    except (OSError, NotebookError):
        return ""
