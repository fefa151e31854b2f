"""Autograded exercises: instant checks in the notebook, release, and grading a whole class.

    from bpteach.grading import check
    check("ex02_sigmoid", sigmoid)      # in the notebook: which inputs fail, and why

    bpteach release exercises/ release/                      # student copies
    bpteach grade submissions/*.ipynb --out grades.csv       # a class, each in its own sandbox

Imports the core; the core never imports this package.
"""

from bpteach.grading.catalog import EXERCISES, find_exercise, find_part
from bpteach.grading.check import check
from bpteach.grading.results import CaseFailure, PartResult, SubmissionResult
from bpteach.grading.spec import Exercise, Mistake, Part, Source

__all__ = [
    "EXERCISES",
    "CaseFailure",
    "Exercise",
    "Mistake",
    "Part",
    "PartResult",
    "Source",
    "SubmissionResult",
    "check",
    "find_exercise",
    "find_part",
]
