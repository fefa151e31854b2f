"""``bpteach report GRADES``: one HTML page about the class, for preparing the next lecture."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("grades", type=Path, help="grades.json written by bpteach grade or merge (or the CSV beside it)")
    p.add_argument("--out", type=Path, default=Path("report.html"), help="the page to write (default report.html)")
    p.add_argument("--title", help="the page's heading (default: names the grades file)")


def run(ns: argparse.Namespace) -> int:
    from bpteach.grading.report import write_report

    print(f"wrote {write_report(ns.grades, ns.out, ns.title)}")
    return 0
