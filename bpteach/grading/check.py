"""Instant feedback in the student's notebook: ``check("ex02_sigmoid", sigmoid)``.

It runs the student's function on fixed example inputs in the student's own kernel and
compares with the reference. It only helps: a grade is decided by ``bpteach grade``, outside
the student's process, on fresh inputs. The check cell ends with no value: ``check`` shows its
verdict and returns None, and raises AssertionError when an input fails, so nbgrader's
in-kernel autograde scores the cell the same way (a student could fool that one; not the grade).
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np

from bpteach.grading import wire
from bpteach.grading.catalog import find_part
from bpteach.grading.judge import judge_part, live_args
from bpteach.grading.results import PartResult
from bpteach.grading.spec import Part

__all__ = ["CHECK_SEED", "check", "evaluate", "expected_outputs"]

CHECK_SEED = 20240601  # the notebook's check inputs; a grading run never uses this seed
STRICT_FLOATS = {"over": "raise", "invalid": "raise"}  # the same as the sandbox's runner uses


def expected_outputs(part: Part, cases: list[tuple]) -> list:
    """The reference's items for each case (None for a part judged by ``accept``)."""
    if part.accept is not None:
        return [None] * len(cases)
    return [wire.to_items(part.reference(*live_args(args)), part.n_outputs) for args in cases]


def evaluate(part_id: str, func: Callable[..., object]) -> PartResult:
    """The verdict on ``func`` (an answer to part ``part_id``) on the check's example inputs."""
    part = find_part(part_id)
    if not callable(func):
        msg = f"func must be the function you wrote for {part.func}(...), got {type(func).__name__}"
        raise TypeError(msg)
    cases = part.cases(np.random.default_rng(CHECK_SEED))
    outcomes = []
    for args in cases:
        live = copy.deepcopy(live_args(args))
        before = copy.deepcopy(live)
        try:
            # as in the grader: a part about overflow runs with numpy's float warnings as errors
            with np.errstate(**(STRICT_FLOATS if part.float_errors else {})):
                value = func(*live)
            items = wire.to_items(value, part.n_outputs)
        except Exception as exc:  # the student's error is the feedback
            text = str(exc)
            outcomes.append({"error": f"{type(exc).__name__}: {text}" if text else type(exc).__name__})
            continue
        mutated = [k for k, (b, a) in enumerate(zip(before, live, strict=True)) if not wire.same(b, a)]
        outcomes.append({"items": items, "mutated": mutated})
    return judge_part(part, cases, expected_outputs(part, cases), outcomes)


def check(part_id: str, func: Callable[..., object]) -> None:
    """Run ``func`` (your answer to part ``part_id``) on example inputs and show a readable verdict.

    The verdict shows which inputs failed, expected versus got, and names the usual mistake
    (a wrong sign, a missing g' factor, a factor 2, a transposed matrix, ...) when one fits.
    Returns None; raises AssertionError when an input fails.
    """
    result = evaluate(part_id, func)
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        get_ipython = None  # type: ignore[assignment]
    if get_ipython is not None and get_ipython() is not None:
        display(result)
    else:
        print(result)
    if not result.passed:
        raise AssertionError(result.summary())
