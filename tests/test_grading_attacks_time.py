"""Red team, outliving the time limits: one submission must not hold a sandbox for longer than its
stages allow, however many cells it has. One small grading run with ``--timeout 1``.

The cells of a notebook are one stage (``Limits``: "seconds of CPU per stage (the cells, then each
part)"): the attacker adds cells that each loop forever. If every cell got a budget of its own,
a notebook of 80,000 such cells (one million characters of code) would hold a sandbox for days.
"""

from __future__ import annotations

import json

import pytest
from grading_attacks import FULL, assert_contained, grade_class, honest, needs_bwrap, new_course, probe, with_cells

pytestmark = needs_bwrap

N_LOOPS = 6

COUNTER = probe(
    f"""
_ran = []  # each looping cell adds one before it loops


def _probe():
    return [f"{{len(_ran)}} of {N_LOOPS} endless cells ran, each for its own time limit"] if len(_ran) > 3 else []
"""
)


def looping_cells() -> bytes:
    """Exercise 02, right answers, and after the solution cells N_LOOPS cells that loop forever."""
    nb = json.loads(with_cells(batch_gradient=COUNTER))  # without the demonstration cells
    loop = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}
    nb["cells"] += [{**loop, "source": "_ran.append(1)\nwhile True:\n    pass\n"} for _ in range(N_LOOPS)]
    return json.dumps(nb).encode()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    course = new_course(tmp_path_factory.mktemp("time"))
    subs = {"classmate1.ipynb": honest(), "looping_cells.ipynb": looping_cells()}
    return grade_class(course, subs, timeout=1.0, linger=0.5)


def test_the_run_is_contained(run):
    assert_contained(run, 2)
    assert run.points["classmate1.ipynb"] == FULL


def test_endless_cells_share_one_time_budget(run):
    text = run.text("looping_cells.ipynb")
    assert "LEAK" not in text, text
    assert run.points["looping_cells.ipynb"] == FULL
