"""All exercises by name, and every part by its grade_id."""

from __future__ import annotations

import importlib

from bpteach.grading.spec import Exercise, Part

__all__ = ["EXERCISES", "find_exercise", "find_part"]

# one spec module per exercise notebook, in lecture order (exercises/NN_name.ipynb -> exNN_name.py)
_SPECS = (
    "ex02_logistic_unit",
    "ex03_two_layer_gradient",
    "ex04_node_level",
    "ex05_matrix_form",
    "ex06_blocks",
    "ex07_computational_graph",
    "ex08_training",
    "ex09_challenges",
)
EXERCISES: dict[str, Exercise] = {
    ex.name: ex for ex in (importlib.import_module(f"bpteach.grading.{m}").EXERCISE for m in _SPECS)
}
_PARTS: dict[str, tuple[Exercise, Part]] = {p.grade_id: (ex, p) for ex in EXERCISES.values() for p in ex.parts}


def find_exercise(name: str) -> Exercise:
    """The exercise called ``name`` (a notebook stem such as ``"02_logistic_unit"``)."""
    if name not in EXERCISES:
        msg = f"exercise must be one of {', '.join(EXERCISES)}, got {name!r}"
        raise ValueError(msg)
    return EXERCISES[name]


def find_part(grade_id: str) -> Part:
    """The part whose solution cell has ``grade_id`` (e.g. ``"ex02_sigmoid"``)."""
    if not isinstance(grade_id, str) or grade_id not in _PARTS:
        msg = f"part_id must be a grade_id such as 'ex02_sigmoid' (one of {', '.join(_PARTS)}), got {grade_id!r}"
        raise ValueError(msg)
    return _PARTS[grade_id][1]


def exercise_by_ids(grade_ids: list[str]) -> Exercise | None:
    """The exercise most of these solution grade_ids belong to (for notebooks without metadata)."""
    counts: dict[str, int] = {}
    for gid in grade_ids:
        if gid in _PARTS:
            name = _PARTS[gid][0].name
            counts[name] = counts.get(name, 0) + 1
    return EXERCISES[max(counts, key=counts.__getitem__)] if counts else None
