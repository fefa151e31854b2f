"""``bpteach grade SUBMISSIONS...``: grade a class; CSV and JSON of points, one feedback file each."""

from __future__ import annotations

import argparse
import functools
import os
import sys
from pathlib import Path

TRUSTED_WARNING = (
    "bpteach grade --no-sandbox: the notebooks' code runs as you, with your files and network; "
    "grade only notebooks you trust (your own), never students' submissions"
)


def add_arguments(gr: argparse.ArgumentParser) -> None:
    gr.add_argument("submissions", nargs="+", type=Path, help="submitted notebooks")
    gr.add_argument("--exercise", help="the exercise all submissions must be (default: each notebook's own)")
    gr.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="sandboxes at a time (default: CPUs)")
    gr.add_argument("--timeout", type=float, default=10.0, help="CPU seconds for the cells and for each part (10)")
    gr.add_argument("--memory", type=int, default=512, help="megabytes per submission, all processes together (512)")
    gr.add_argument("--out", type=Path, default=Path("grades.csv"), help="the CSV (a .json is written beside it)")
    gr.add_argument("--feedback", type=Path, help="a directory for one feedback file per submission")
    gr.add_argument("--force", action="store_true", help="grade again submissions already graded in --out")
    gr.add_argument("--seed", type=int, help="the seed of the hidden inputs (default: a new one per run)")
    gr.add_argument("--source", type=Path, help="the exercise source notebooks (default: bpteach's exercises/)")
    gr.add_argument("--no-sandbox", action="store_true", help="run without bubblewrap: trusted notebooks only")
    gr.add_argument("--shard", metavar="K/N", help="grade only slice K (from 0) of N, for bpteach merge; needs --seed")


def run(ns: argparse.Namespace) -> int:
    from bpteach.grading.files import shown_name
    from bpteach.grading.grader import grade
    from bpteach.grading.sandbox import SandboxUnavailable

    if ns.shard is not None:
        from bpteach.grading.shard import grade_shard

        grade = functools.partial(grade_shard, ns.shard)

    def progress(r: object) -> None:
        note = f"  ({r.notes[0]})" if r.notes else ""  # type: ignore[attr-defined]
        name = shown_name(r.submission)  # type: ignore[attr-defined]
        print(f"{name}: {r.total:g}/{r.max_points:g}{note}", flush=True)  # type: ignore[attr-defined]

    if ns.no_sandbox:
        print(TRUSTED_WARNING, file=sys.stderr)
    try:
        results = grade(
            ns.submissions,
            out=ns.out,
            feedback=ns.feedback,
            exercise=ns.exercise,
            jobs=ns.jobs,
            timeout=ns.timeout,
            memory_mb=ns.memory,
            seed=ns.seed,
            force=ns.force,
            progress=progress,
            sandbox=not ns.no_sandbox,
            sources=ns.source,
        )
    except SandboxUnavailable as exc:
        print(f"bpteach grade: refusing to run students' code without a sandbox: {exc}", file=sys.stderr)
        return 2
    print(f"graded {len(results)} submission(s): {ns.out} and {ns.out.with_suffix('.json')}")
    return 0
