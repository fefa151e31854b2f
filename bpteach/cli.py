"""The ``bpteach`` command: release student notebooks, grade a class, present a lecture.

    bpteach release exercises/ release/
    bpteach grade submissions/*.ipynb [--exercise 02_logistic_unit] [--jobs 2] [--timeout 10]
                  [--memory 512] [--out grades.csv] [--feedback feedback/] [--force] [--seed N]
    bpteach present LECTURE [...]         (see ``bpteach present --help``)

Nothing heavy is imported before a subcommand needs it.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bpteach", description="Teach back-propagation in Jupyter.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    rel = sub.add_parser("release", help="write student copies of exercise notebooks (solutions stubbed)")
    rel.add_argument("source", type=Path, help="a source notebook or a directory of them (e.g. exercises/)")
    rel.add_argument("dest", type=Path, help="the directory for the student notebooks")

    gr = sub.add_parser("grade", help="grade submitted notebooks: CSV and JSON of points, feedback files")
    gr.add_argument("submissions", nargs="+", type=Path, help="submitted notebooks")
    gr.add_argument("--exercise", help="the exercise all submissions must be (default: each notebook's own)")
    gr.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes (default: CPUs)")
    gr.add_argument("--timeout", type=float, default=10.0, help="seconds per submission (default 10)")
    gr.add_argument("--memory", type=int, default=512, help="megabytes per submission (default 512)")
    gr.add_argument("--out", type=Path, default=Path("grades.csv"), help="the CSV (a .json is written beside it)")
    gr.add_argument("--feedback", type=Path, help="a directory for one feedback file per submission")
    gr.add_argument("--force", action="store_true", help="grade again submissions already graded in --out")
    gr.add_argument("--seed", type=int, help="the seed of the hidden inputs (default: a new one per run)")

    pr = sub.add_parser("present", help="present a lecture notebook (arguments go to bpteach.present)", add_help=False)
    pr.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def _release(ns: argparse.Namespace) -> int:
    from bpteach.grading.catalog import EXERCISES
    from bpteach.grading.notebook import release

    hints = {p.grade_id: p.hint for ex in EXERCISES.values() for p in ex.parts}
    written = release(ns.source, ns.dest, hints)
    for path in written:
        print(f"released {path}")
    return 0


def _grade(ns: argparse.Namespace) -> int:
    from bpteach.grading.grader import grade

    def progress(r: object) -> None:
        print(
            f"{r.submission}: {r.total:g}/{r.max_points:g}"  # type: ignore[attr-defined]
            + (f"  ({r.notes[0]})" if r.notes else ""),
            flush=True,
        )  # type: ignore[attr-defined]

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
    )
    print(f"graded {len(results)} submission(s): {ns.out} and {ns.out.with_suffix('.json')}")
    return 0


def _present(args: list[str]) -> int:
    try:
        present = importlib.import_module("bpteach.present")  # imported only when asked for
    except ModuleNotFoundError as exc:
        if exc.name != "bpteach.present":
            raise
        print("bpteach present: error: bpteach.present is not installed in this version", file=sys.stderr)
        return 2
    return int(present.main(args))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["present"]:  # everything after it, --help included, belongs to bpteach.present
        return _present(args[1:])
    ns = _parser().parse_args(args)
    try:
        return {"release": _release, "grade": _grade}[ns.command](ns)
    except (ValueError, OSError) as exc:
        print(f"bpteach {ns.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
