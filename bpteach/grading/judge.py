"""Compare a student's outputs with the reference, in the grader's process, and diagnose.

Outputs arrive as items (see ``wire``: a list of float64 arrays or dicts of them, already
validated). A failing input is compared with what each usual mistake would output on the same
input, so the feedback can name the mistake.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bpteach.grading import wire
from bpteach.grading.results import CaseFailure, PartResult
from bpteach.grading.spec import Part, Source

__all__ = ["judge_part", "live_args", "show"]

Item = np.ndarray | dict[str, np.ndarray]


# ----------------------------------------------------------------------------- comparison
def _flat(item: Item, keys: Sequence[str] | None = None) -> np.ndarray:
    if isinstance(item, dict):
        return np.concatenate([np.ravel(item[k]) for k in (keys or item)] or [np.zeros(0)])
    return item


def _close(got: Item, exp: Item, part: Part) -> bool:
    if isinstance(exp, dict):
        if not isinstance(got, dict) or set(got) != set(exp):
            return False
        if any(np.shape(got[k]) != np.shape(exp[k]) for k in exp):
            return False
        got, exp = _flat(got, list(exp)), _flat(exp)
    if isinstance(got, dict) or got.shape != exp.shape:
        return False
    with np.errstate(invalid="ignore"):
        ok = np.abs(got - exp) <= part.atol + part.rtol * np.abs(exp)
    # equal infinities match, and so does NaN where the other side (a mistake's output) has NaN
    return bool(np.all(ok | (got == exp) | (np.isnan(got) & np.isnan(exp))))


def _all_close(got: list[Item], exp: list[Item], part: Part) -> bool:
    return len(got) == len(exp) and all(_close(g, e, part) for g, e in zip(got, exp, strict=True))


def _scaled(items: list[Item], factor: float) -> list[Item]:
    return [{k: v * factor for k, v in it.items()} if isinstance(it, dict) else it * factor for it in items]


def _pairs(got: list[Item], exp: list[Item]) -> tuple[list[tuple[str, np.ndarray, np.ndarray]], str]:
    """Matching (label, got, expected) arrays, or a reason why the structures differ."""
    pairs = []
    for k, (g, e) in enumerate(zip(got, exp, strict=True)):
        which = f"output {k + 1}: " if len(exp) > 1 else ""
        if isinstance(e, dict):
            if not isinstance(g, dict):
                return [], f"{which}returned an array, expected a dict keyed like {list(e)[:3]}"
            missing = [k_ for k_ in e if k_ not in g]
            extra = [k_ for k_ in g if k_ not in e]
            if missing or extra:
                return [], f"{which}the keys differ: missing {missing[:4]}, unexpected {extra[:4]}"
            pairs += [(f"{which}entry {key}: ", g[key], e[key]) for key in e]
        elif isinstance(g, dict):
            return [], f"{which}returned a dict, expected an array of shape {e.shape}"
        else:
            pairs.append((which, g, e))
    return pairs, ""


def _generic_diagnosis(got: list[Item], exp: list[Item], part: Part) -> str:
    if len(got) != len(exp):
        return ""
    pairs, reason = _pairs(got, exp)
    if reason:
        return reason
    for which, g, e in pairs:
        if g.shape != e.shape:
            if g.T.shape == e.shape and e.ndim == 2 and _close(g.T, e, part):
                return (
                    f"{which}a transposed matrix: you returned shape {g.shape}, the transpose "
                    f"of the expected {e.shape} (check which side of the product gets the ^T)"
                )
            if g.size == e.size and _close(g.reshape(e.shape), e, part):
                return f"{which}the numbers are right but the shape is {g.shape}, expected {e.shape}" + (
                    ": a vector of shape (n,) where a column (n, 1) was meant" if g.ndim == 1 and e.ndim == 2 else ""
                )
            return f"{which}wrong shape: got {g.shape}, expected {e.shape}"
        if not np.all(np.isfinite(g)) and np.all(np.isfinite(e)):
            return (
                f"{which}got NaN or infinity where the answer is finite: an overflow "
                "(e.g. exp of a large number) or a 0/0"
            )
    if not any(np.allclose(_flat(e), 0.0) for e in exp):
        if _all_close(got, _scaled(exp, -1.0), part):
            return "wrong sign: every value is minus the expected one"
        if _all_close(got, _scaled(exp, 2.0), part):
            return (
                "twice the expected values: the factor 2 of the derivative of (y - a)^2 where "
                "the loss is 1/2 (y - a)^2 (whose derivative is a - y), or a stray factor 2"
            )
        if _all_close(got, _scaled(exp, 0.5), part):
            return (
                "half the expected values: the derivative of (y - a)^2 is -2 (y - a), not "
                "-(y - a) (that is the derivative of 1/2 (y - a)^2), or a stray factor 1/2"
            )
    return ""


def _diagnose(got: list[Item], exp: list[Item], part: Part, args: tuple) -> str:
    for mistake in part.mistakes:
        try:
            wrong = wire.to_items(mistake.output(*live_args(args)), part.n_outputs)
        except Exception:  # a mistake that does not apply to this input
            continue
        if _all_close(got, wrong, part):
            return mistake.message
    return _generic_diagnosis(got, exp, part)


def live_args(args: tuple) -> tuple:
    """The arguments with every Source compiled into the function it describes."""
    return tuple(a.compile() if isinstance(a, Source) else a for a in args)


# ----------------------------------------------------------------------------- display
def show(value: object, limit: int = 160) -> str:
    """A short text for an input or an output."""
    if isinstance(value, Source):
        text = str(value)
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k}: {show(v, 40)}" for k, v in value.items()) + "}"
    elif isinstance(value, (list, tuple)):
        text = "(" + ", ".join(show(v, 80) for v in value) + ")"
    else:
        arr = np.asarray(value)
        if arr.dtype.kind in "fiub":
            text = np.array2string(arr, precision=6, separator=", ", threshold=12, max_line_width=10**6)
            if arr.ndim:
                text = f"{text} shape {arr.shape}"
        else:
            text = repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _show_items(items: list[Item]) -> str:
    return show(items[0]) if len(items) == 1 else show(tuple(items))


# ----------------------------------------------------------------------------- a part
def judge_part(
    part: Part, cases: list[tuple], expected: list[list[Item] | None], outcomes: list[dict] | None, message: str = ""
) -> PartResult:
    """The verdict on one part.

    ``outcomes[k]`` is ``{"items": [...], "mutated": [...]}`` (decoded and validated) or
    ``{"error": text}`` for case k; None (with ``message``) when the part never ran.
    """
    result = PartResult(part.grade_id, part.title, 0.0, float(part.points), len(cases))
    if outcomes is None:
        result.message = message or "not graded"
        return result
    for k, (args, exp) in enumerate(zip(cases, expected, strict=True)):
        out = outcomes[k] if k < len(outcomes) else {"error": "not reached (an earlier input used up the time)"}
        failure = _case_failure(part, args, exp, out)
        if failure is not None:
            result.failures.append(failure)
    if result.failures:
        result.message = message
    else:
        result.points = float(part.points)
    return result


def _case_failure(part: Part, args: tuple, exp: list[Item] | None, out: dict) -> CaseFailure | None:
    def failure(got: str, diagnosis: str) -> CaseFailure:  # texts built only for a failing input
        expected = _show_items(exp) if exp is not None else "an accepted result"
        return CaseFailure(show(args), expected, got, diagnosis)

    if "error" in out:
        float_error = out["error"].startswith(("FloatingPointError", "OverflowError"))
        diagnosis = part.float_errors if part.float_errors and float_error else _error_diagnosis(out["error"])
        return failure(f"an error: {out['error']}", diagnosis)
    got: list[Item] = out["items"]
    if part.accept is not None:
        try:
            complaint = part.accept(got, args)
        except Exception as exc:  # a malformed answer the check did not foresee
            complaint = f"the result could not be checked ({type(exc).__name__})"
        return None if complaint is None else failure(_show_items(got), complaint)
    assert exp is not None
    if not _all_close(got, exp, part):
        return failure(_show_items(got), _diagnose(got, exp, part, args))
    if out.get("mutated"):
        names = ", ".join(f"argument {i + 1}" for i in out["mutated"])
        return failure(
            _show_items(got),
            f"the result is right but the function changed its input ({names}) in "
            "place, e.g. with w -= ... or x[...] = ...: work on a copy "
            "(w = w - ..., or x.copy())",
        )
    return None


def _error_diagnosis(error: str) -> str:
    if error.startswith("NotImplementedError"):
        return "not written yet: replace the raise NotImplementedError line with your code"
    if "read-only" in error:  # the grader passes inputs as read-only arrays
        return (
            "the function changed its input in place, e.g. with w -= ... or x[...] = ...: "
            "work on a copy (w = w - ..., or x.copy())"
        )
    if error.startswith("TimeoutError"):
        return "too slow, or an endless loop"
    if error.startswith("MemoryError"):
        return "ran out of memory (the grader limits each submission's memory)"
    if ("shapes" in error and "not aligned" in error) or "matmul" in error:
        return "a matrix product with mismatched shapes: check which factor needs the transpose"
    return ""
