"""A process the student's code forks is a copy of the runner: it must never grade the submission again.

The bug (seen only on a loaded machine, in test_grading_sandbox's harm-others): a child forked in a
cell waits to fork a grandchild, the cell meanwhile fills the box's process limit with CPU burners,
the child's fork fails (BlockingIOError), the exception leaves the cell in the child, and the child
(a copy of the runner, with no stage timers) ran the rest of the notebook and every part, sending a
second record of each: every part scored 0 for "writing to the result channel", and the copy's
stand-in requests took the answers meant for the runner. Here the same race happens on purpose
(the child waits on a pipe until the burners are there), so it no longer depends on the load.

Two copies are graded side by side (two sandboxes): each forks exactly as many burners as its own
process limit allows (8 tasks in its user namespace: the box's three, the waiting child and 4
burners), whatever its neighbour runs. A part that forks in the function itself keeps its points;
a forked child that writes a record itself is still a forger.
"""

from __future__ import annotations

import json

import pytest
from grading_attacks import FULL, nb02, needs_bwrap

from bpteach.grading.grader import Grader

pytestmark = needs_bwrap

# the child's own fork fails for the process limit, once the burners hold it
ESCAPED_CHILD = """import os
r, w = os.pipe()
if os.fork() == 0:
    os.read(r, 1)
    if os.fork() == 0:
        os._exit(0)
    os._exit(0)
burners = 0
for _ in range(30):
    try:
        if os.fork() == 0:
            while True:
                pass
        burners += 1
    except OSError:
        break
os.write(w, b"go")
raise RuntimeError(f"forked {burners} burners")
"""

# every call forks; the child returns the (right) value into the grader's loop instead of exiting
FORKING_SIGMOID = """import os
import numpy as np


def sigmoid(z):
    pid = os.fork()
    if pid:
        os.waitpid(pid, 0)
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))  # a sigmoid that never overflows: part 1 counts an overflow as a mistake
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
"""

# a child that writes a record of the sigmoid part on every descriptor, as the runner would
FORGING_CHILD = """import os
pid = os.fork()
if pid == 0:
    for fd in range(3, 64):
        try:
            os.write(fd, b'{"part": "ex02_sigmoid", "calls": [], "results": []}\\n')
        except OSError:
            pass
    os._exit(0)
os.waitpid(pid, 0)
"""

FORGED = "more than one result came back for this part (the code wrote to the grader's result channel itself): 0 points"


def extra_cell(code: str) -> bytes:
    """Exercise 02 with ``code`` in a cell of its own (the notebook's 'cell 3') before the solutions."""
    nb = nb02()
    nb["cells"].insert(2, {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": code})
    return json.dumps(nb).encode()


def forking_sigmoid() -> bytes:
    nb = nb02()
    cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "ex02_sigmoid")
    cell["source"] = FORKING_SIGMOID
    return json.dumps(nb).encode()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("forks")
    subs = {
        "escaped-1.ipynb": extra_cell(ESCAPED_CHILD),
        "escaped-2.ipynb": extra_cell(ESCAPED_CHILD),
        "forking-sigmoid.ipynb": forking_sigmoid(),
        "forging-child.ipynb": extra_cell(FORGING_CHILD),
    }
    for name, data in subs.items():
        (folder / name).write_bytes(data)
    with Grader("02_logistic_unit", jobs=2, timeout=2.0, seed=5) as grader:
        return {r.submission.rsplit("/", 1)[1]: r for r in grader.grade_many(sorted(folder.iterdir()))}


def points(result) -> dict[str, float]:
    return {p.grade_id: p.points for p in result.parts}


@pytest.mark.parametrize("name", ["escaped-1.ipynb", "escaped-2.ipynb"])
def test_a_child_that_falls_back_into_the_grader_costs_nothing(graded, name):
    r = graded[name]
    assert points(r) == FULL, str(r)
    # nothing of the child: no BlockingIOError, no cells "not run" for want of time, no duplicates;
    # 4 burners: the box's three tasks, the waiting child and 4 burners make its limit of 8
    assert r.notes == ["the cell 'cell 3' raised RuntimeError: forked 4 burners"], str(r)
    assert all(p.notes == [] for p in r.parts), str(r)


def test_a_function_that_forks_keeps_its_points(graded):
    r = graded["forking-sigmoid.ipynb"]
    assert points(r) == FULL, str(r)
    assert r.notes == [] and all(p.notes == [] for p in r.parts), str(r)


def test_a_forked_child_that_writes_a_record_is_still_a_forger(graded):
    r = graded["forging-child.ipynb"]
    assert points(r) == {**FULL, "ex02_sigmoid": 0.0}, str(r)
    sigmoid = next(p for p in r.parts if p.grade_id == "ex02_sigmoid")
    assert sigmoid.notes == [FORGED], str(r)
    assert r.notes == [], str(r)
