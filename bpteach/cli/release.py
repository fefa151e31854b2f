"""``bpteach release SOURCE DEST``: student copies of exercise notebooks, solutions stubbed."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", type=Path, help="a source notebook or a directory of them (e.g. exercises/)")
    p.add_argument("dest", type=Path, help="the directory for the student notebooks")


def run(ns: argparse.Namespace) -> int:
    from bpteach.grading.catalog import EXERCISES
    from bpteach.grading.notebook import release

    hints = {p.grade_id: p.hint for ex in EXERCISES.values() for p in ex.parts}
    for path in release(ns.source, ns.dest, hints):
        print(f"released {path}")
    return 0
