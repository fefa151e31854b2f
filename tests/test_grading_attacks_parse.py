"""Red team, crashing what reads untrusted data: the notebook file, the values a function returns,
the submission's file name. One grading run of a class with honest students, hostile notebooks
and hostile files; every one is graded (or refused with a reason) and the run completes.

Exercise 02's parts begin with sigmoid 2, sigmoid_derivative 2, unit_output 1, unit_gradient 3,
batch_gradient 2 points (the attacks replace those; the later parts stay as in the source).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from grading_attacks import (
    FULL,
    NONE,
    assert_contained,
    grade_class,
    honest,
    nb02,
    needs_bwrap,
    new_course,
    with_cells,
)

from bpteach.grading.notebook import release_notebook

pytestmark = needs_bwrap

# Values that are not what they seem. Right numbers in odd wrappers earn the points; lies do not.
ODD_VALUES = {
    # float subclass that claims equality with everything and is 0 underneath: wrong values, 0 points
    "sigmoid": """
class Liar(float):
    def __eq__(self, other):
        return True
    __ne__ = lambda self, other: False
    __sub__ = __rsub__ = lambda self, other: 0.0
    __abs__ = lambda self: 0.0
    __hash__ = float.__hash__


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return np.array([Liar(0.0)] * z.size, dtype=object).reshape(z.shape)
""",
    # the right numbers in an ndarray subclass whose tolist, ravel, == and repr lie: 2 points
    "sigmoid_derivative": """
class Sly(np.ndarray):
    def tolist(self):
        return [0.0] * self.size
    def ravel(self, *a, **k):
        return np.zeros(self.size)
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)
    def __repr__(self):
        return "array([0.])"


def sigmoid_derivative(z):
    s = sigmoid(z)
    return np.asarray(s * (1.0 - s)).view(Sly)
""",
    # an int too large for a float: refused with a message, 0 points
    "unit_output": """
def unit_output(w, x):
    return 10**400
""",
    # the right numbers as a list of Decimal: 3 points
    "unit_gradient": """
from decimal import Decimal


def unit_gradient(w, x, y):
    z = w @ x
    g = (sigmoid(z) - y) * sigmoid_derivative(z) * x
    return [Decimal(repr(float(v))) for v in g]
""",
    # 2**40 numbers that take no memory (a broadcast view): refused before they are copied, 0 points
    "batch_gradient": """
def batch_gradient(w, X, y):
    return np.broadcast_to(np.float64(0.5), (2**40,))
""",
}
ODD_VALUES_POINTS = {**FULL, "ex02_sigmoid": 0.0, "ex02_unit_output": 0.0, "ex02_batch_gradient": 0.0}

# NaN, infinity, negative zero and a dict of a million entries
SPECIAL_FLOATS = {
    "sigmoid": """
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    out = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    out.flat[0] = np.nan
    return out
""",
    # -0.0 wherever the answer is 0 (sigma' of large |z|): equal to 0.0, so right
    "sigmoid_derivative": """
def sigmoid_derivative(z):
    s = sigmoid(z)
    d = s * (1.0 - s)
    return np.where(d == 0.0, -0.0, d)
""",
    "unit_output": """
def unit_output(w, x):
    return float("inf")
""",
    "batch_gradient": """
def batch_gradient(w, X, y):
    return {k: 0.0 for k in range(10**6)}
""",
}
SPECIAL_FLOATS_POINTS = {**FULL, "ex02_sigmoid": 0.0, "ex02_unit_output": 0.0, "ex02_batch_gradient": 0.0}


def duplicate_keys() -> bytes:
    """Two "cells" keys: the stubs first, the solutions last. Jupyter (and json) keep the last."""
    nb = nb02()
    stubs = json.dumps(release_notebook(nb)["cells"])
    text = json.dumps(nb)
    assert text.startswith('{"cells": ')
    return text.replace('{"cells": ', '{"cells": ' + stubs + ', "cells": ', 1).encode()


def deep_nesting() -> bytes:
    nb = json.dumps(nb02())
    return nb.replace('"metadata": {', '"metadata": {"x": ' + "[" * 100_000 + "]" * 100_000 + ", ", 1).encode()


def many_objects(n: int) -> bytes:
    # 3 bytes of text per Python dict (64 bytes and a list slot once parsed)
    return b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {"x": [' + b"{}," * n + b'{}]}, "cells": []}'


def invalid_utf8() -> bytes:
    data = json.dumps(nb02()).encode()
    assert data.startswith(b'{"cells": [')
    return data.replace(b'{"cells": [', b'{"note": "\xff\xfe", "cells": [', 1)


def lone_surrogate() -> bytes:
    # valid JSON ("\ud800" is an escape), but no UTF-8 text can hold it: the cell cannot run
    nb = nb02()
    code = "# \ud800\n" + "".join(cell_source(nb, "ex02_batch_gradient"))
    return with_cells(batch_gradient=code)


def cell_source(nb: dict, grade_id: str) -> list[str]:
    cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)
    return cell["source"] if isinstance(cell["source"], list) else [cell["source"]]


def sparse_file(path: Path) -> None:
    with open(path, "wb") as f:
        f.write(json.dumps(nb02()).encode())
        f.truncate(2 * 2**30)


def fifo(path: Path) -> None:
    os.mkfifo(path)


def link_to(target: str):
    def make(path: Path) -> None:
        path.symlink_to(target if target.startswith("/") else path.parent / target)

    return make


def directory(path: Path) -> None:
    path.mkdir()
    (path / "inner.ipynb").write_bytes(honest())


LATIN = os.fsdecode(b"\xff\xfe latin.ipynb")  # a file name that is not UTF-8 (Latin-1 bytes)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    course = new_course(tmp_path_factory.mktemp("parse"))
    subs = {
        "classmate1.ipynb": honest(),
        "odd_values.ipynb": with_cells(**ODD_VALUES),
        "special_floats.ipynb": with_cells(**SPECIAL_FLOATS),
        "duplicate_keys.ipynb": duplicate_keys(),
        "deep_nesting.ipynb": deep_nesting(),
        "many_objects.ipynb": many_objects(8_000_000),  # 24 MB
        "many_objects_small.ipynb": many_objects(6_000_000),  # 18 MB: 6 million dicts
        "invalid_utf8.ipynb": invalid_utf8(),
        "lone_surrogate.ipynb": lone_surrogate(),
        "sparse_2gb.ipynb": sparse_file,
        "fifo.ipynb": fifo,
        "directory.ipynb": directory,
        "link_to_classmate.ipynb": link_to("classmate1.ipynb"),  # hand in a classmate's work
        "link_to_zero.ipynb": link_to("/dev/zero"),  # a file without end
        "a b.ipynb": honest(),
        "a_b.ipynb": honest(),
        "new\nline.ipynb": honest(),
        "new?line.ipynb": json.dumps(release_notebook(nb02())).encode(),
        LATIN: honest(),
        "classmate2.ipynb": honest(),
    }
    return grade_class(course, subs, timeout=5.0, limit=300.0)


def test_the_run_is_contained(run):
    assert_contained(run, 20)


@pytest.mark.parametrize("name", ["classmate1", "classmate2", "a b", "a_b", "duplicate_keys"])
def test_honest_work_under_any_name_gets_full_marks(run, name):
    assert run.points[f"{name}.ipynb"] == FULL


def test_names_that_differ_get_different_feedback_files(run):
    assert len(run.feedback_of("a b.ipynb")) == len(run.feedback_of("a_b.ipynb")) == 1


def test_every_submission_keeps_its_own_name_in_the_grades(run):
    # "new\nline.ipynb" (full marks) and "new?line.ipynb" (the released stubs, 0) are two students:
    # grades.csv and grades.json must tell them apart, and each gets its own feedback
    assert sorted(run.names) == sorted(run.points) and len(run.names) == 20
    assert run.points["new?line.ipynb"] == NONE
    assert run.points["new\nline.ipynb"] == run.points[LATIN] == FULL
    assert len(run.feedback_of("new\nline.ipynb")) == len(run.feedback_of("new?line.ipynb")) == 1


def test_odd_values_earn_what_their_numbers_are_worth(run):
    assert run.points["odd_values.ipynb"] == ODD_VALUES_POINTS


def test_nan_infinity_and_huge_dicts_lose_their_parts(run):
    assert run.points["special_floats.ipynb"] == SPECIAL_FLOATS_POINTS


NOT_NOTEBOOKS = [
    "deep_nesting",
    "many_objects",
    "many_objects_small",
    "invalid_utf8",
    "sparse_2gb",
    "fifo",
    "directory",
    "link_to_classmate",
    "link_to_zero",
]


@pytest.mark.parametrize("name", NOT_NOTEBOOKS)
def test_a_file_that_is_no_readable_notebook_gets_zero_with_a_reason(run, name):
    assert run.points[f"{name}.ipynb"] == NONE
    assert run.notes[f"{name}.ipynb"], "no reason given"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("sparse_2gb", "not graded: the file is 2048.0 MB, more than the 20 MB a notebook may have"),
        ("fifo", "not graded: it is a FIFO, not a regular file"),
        ("directory", "not graded: it is a directory, not a regular file"),
    ],
)
def test_the_reason_names_what_the_file_is(run, name, reason):
    # the bytes read stop at the limit: the size is the file's own, and a FIFO is no "empty" file
    assert run.notes[f"{name}.ipynb"] == [reason]


def test_a_lone_surrogate_in_the_source_is_read_as_a_replacement_character(run):
    # as Jupyter's front end would send it (UTF-8 has no lone surrogates): the comment holds U+FFFD
    assert run.points["lone_surrogate.ipynb"] == FULL
