"""Benchmark: how many submissions per second ``bpteach grade`` handles (not collected by pytest).

    .venv/bin/python tests/benchmarks/bench_grading.py [--n 200] [--jobs 2]

Generates ``n`` submissions of exercise 02 (7 parts): most correct, some with a usual mistake,
some broken (invalid JSON, a crash, an endless loop, memory exhaustion). Prints submissions per
second for ``grade``, every submission in its own fresh sandbox (a child forked from the clean
zygote into new user, PID, mount and IPC namespaces inside bubblewrap), twice: for the correct
submissions alone ("honest", the issue's figure) and for the whole mix ("mixed": endless loops hold
their box for their time limit, a wrong part that later parts call has them graded again in boxes of
their own; the count of boxes is printed), and, for comparison, the
time a fresh Jupyter kernel per notebook takes (what nbgrader's autograde does) on a sample of the
same submissions, and nbgrader's own autograde when it is installed. ``--no-sandbox`` times the
same zygote without bubblewrap or namespaces.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

EXERCISES = Path(__file__).resolve().parents[2] / "exercises"
NAME = "02_logistic_unit"


def submissions(n: int) -> list[bytes]:
    nb = json.loads((EXERCISES / f"{NAME}.ipynb").read_text())

    def variant(grade_id: str, code: str) -> bytes:
        copy = json.loads(json.dumps(nb))
        for cell in copy["cells"]:
            if cell["metadata"].get("nbgrader", {}).get("grade_id") == grade_id:
                cell["source"] = code
        return json.dumps(copy).encode()

    kinds = [
        json.dumps(nb).encode(),
        variant("ex02_unit_gradient", "def unit_gradient(w, x, y):\n    return (sigmoid(w @ x) - y) * x\n"),
        variant("ex02_batch_gradient", "def batch_gradient(w, X, y):\n    raise RuntimeError('crash')\n"),
        b'{"cells": [',
        variant("ex02_sigmoid", "import numpy as np\ndef sigmoid(z):\n    return np.exp(z) / (1 + np.exp(z))\n"),
    ]
    out = []
    for k in range(n):
        if k % 50 == 7:
            out.append(variant("ex02_batch_gradient", "def batch_gradient(w, X, y):\n    while True:\n        pass\n"))
        elif k % 50 == 13:
            out.append(
                variant(
                    "ex02_batch_gradient",
                    "import numpy as np\ndef batch_gradient(w, X, y):\n    return np.ones(10**11)\n",
                )
            )
        else:
            out.append(kinds[k % 10] if k % 10 < len(kinds) else kinds[0])
    return out


def bench_bpteach(label: str, paths: list[Path], jobs: int, out: Path, sandbox: bool, timeout: float) -> float:
    from bpteach.grading.grader import grade
    from bpteach.grading.sandbox import Sandbox

    boxes = [0]
    run = Sandbox.run

    def counted(self, *args, **kwargs):  # a box per submission, more where a part is graded again
        boxes[0] += 1
        return run(self, *args, **kwargs)

    Sandbox.run = counted
    load = os.getloadavg()[0]
    start = time.perf_counter()
    try:
        results = grade(paths, out=out, jobs=jobs, timeout=timeout, force=True, sandbox=sandbox)
    finally:
        Sandbox.run = run
    elapsed = time.perf_counter() - start
    full = sum(r.total == r.max_points for r in results)
    how = "a fresh bubblewrap sandbox each" if sandbox else "--no-sandbox"
    print(
        f"{label}: bpteach grade ({how}): {len(paths)} submissions in {elapsed:.2f} s = "
        f"{len(paths) / elapsed:.1f} submissions/s with --jobs {jobs} --timeout {timeout:g} ({full} full marks, "
        f"{boxes[0]} boxes; load average {load:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} CPUs)"
    )
    return elapsed


def bench_kernel_per_notebook(paths: list[Path], sample: int) -> None:
    try:
        import nbformat
        from nbclient import NotebookClient
    except ImportError:
        print("kernel per notebook: nbclient not installed, skipped")
        return
    readable = []
    for p in paths:
        try:
            readable.append(nbformat.read(p, as_version=4))
        except Exception:  # the broken submissions: nothing to execute
            continue
    from nbclient.exceptions import CellTimeoutError

    start = time.perf_counter()
    timed_out = 0
    for nb in readable[:sample]:
        try:
            NotebookClient(nb, timeout=10, allow_errors=True, kernel_name="python3").execute()
        except CellTimeoutError:  # the endless-loop submissions: a kernel grader waits out its timeout
            timed_out += 1
    per = (time.perf_counter() - start) / sample
    print(
        f"a fresh Jupyter kernel per notebook (nbclient, as nbgrader autograde runs them): "
        f"{per:.2f} s per submission = {1 / per:.2f} submissions/s on {sample} samples, one at a time "
        f"({timed_out} hit the 10 s cell timeout)"
    )


def _succeeded(result: dict, step: str) -> None:
    # NbGraderAPI reports failures in its result instead of raising: a failed run would look fast
    if not result.get("success"):
        msg = f"nbgrader {step} failed: {(result.get('error') or result.get('log') or '')[-300:]}"
        raise RuntimeError(msg)


def bench_nbgrader(paths: list[Path], tmp: Path, sample: int) -> None:
    try:
        from nbgrader.apps import NbGraderAPI
        from traitlets.config import Config
    except ImportError:
        print("nbgrader autograde: nbgrader is not installed here, skipped (pip install nbgrader to compare)")
        return
    course = tmp / "course"
    (course / "source" / "ps").mkdir(parents=True)
    (course / "source" / "ps" / f"{NAME}.ipynb").write_bytes((EXERCISES / f"{NAME}.ipynb").read_bytes())
    config = Config()
    config.CourseDirectory.root = str(course)
    api = NbGraderAPI(config=config)
    _succeeded(api.generate_assignment("ps"), "generate_assignment")
    students = [f"s{k}" for k in range(sample)]
    for s, p in zip(students, paths, strict=False):
        target = course / "submitted" / s / "ps"
        target.mkdir(parents=True)
        (target / f"{NAME}.ipynb").write_bytes(p.read_bytes())
    start = time.perf_counter()
    # a broken submission (not JSON, an endless loop) makes nbgrader report a failure: count it
    failed = sum(not api.autograde("ps", s, force=True, create=True).get("success") for s in students)
    per = (time.perf_counter() - start) / sample
    print(
        f"nbgrader autograde: {per:.2f} s per submission = {1 / per:.2f} submissions/s on {sample} samples "
        f"({failed} of them reported as failed by nbgrader)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--sample", type=int, default=5)
    parser.add_argument("--no-sandbox", action="store_true", help="also time the grader without bubblewrap")
    # each stage (the cells, every part) has its own budget: the endless loops cost (1 + parts) x this
    parser.add_argument("--timeout", type=float, default=1.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        paths = []
        for k, data in enumerate(submissions(args.n)):
            p = tmp / f"student{k:03d}.ipynb"
            p.write_bytes(data)
            paths.append(p)
        # honest: the correct submissions alone, one box each (the target: 20 per second)
        correct = [p for p, data in zip(paths, submissions(args.n), strict=True) if data == submissions(1)[0]]
        bench_bpteach("honest", correct, args.jobs, tmp / "grades-correct.csv", True, args.timeout)
        # mixed: the whole class; an endless loop holds its box for its part's --timeout of CPU, and a
        # wrong sigmoid has every later part that calls it graded again (a box each)
        bench_bpteach("mixed", paths, args.jobs, tmp / "grades.csv", True, args.timeout)
        loops = {k for k in range(args.n) if k % 50 == 7}
        calm = [p for k, p in enumerate(paths) if k not in loops]
        label = f"mixed without its {len(loops)} endless loops"
        bench_bpteach(label, calm, args.jobs, tmp / "grades-calm.csv", True, args.timeout)
        if args.no_sandbox:
            bench_bpteach("mixed", paths, args.jobs, tmp / "grades.csv", False, args.timeout)
        bench_kernel_per_notebook(paths, args.sample)
        try:
            bench_nbgrader(paths, tmp, args.sample)
        except Exception as exc:
            print(f"nbgrader autograde: could not run ({type(exc).__name__}: {exc})")


if __name__ == "__main__":
    main()
