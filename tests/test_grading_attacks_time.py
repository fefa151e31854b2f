"""Red team, outliving the time limits: one submission must not hold a sandbox for longer than its
stages allow, however many cells it has, however many parts end their box. One small grading run
with ``--timeout 1``.

The cells of a notebook are one stage (``Limits``: "seconds of CPU per stage (the cells, then each
part)"): the attacker adds cells that each loop forever. If every cell got a budget of its own,
a notebook of 80,000 such cells (one million characters of code) would hold a sandbox for days.

A part that ends its box (here: it blocks the timers and loops, so the watchdog stops the box) has
the parts after it graded in a fresh box. A notebook whose every part does so gets a box per part;
all of them together get the time of the first box alone, so the submission takes at most
``Limits.deadline`` of its stages (the bound before boxes were restarted), not parts x that
(``test_grading_restarts.py`` runs out of that time on a fake clock).
"""

from __future__ import annotations

import json
import os
import time

import pytest
from grading_attacks import (
    FULL,
    NONE,
    assert_contained,
    grade_class,
    honest,
    needs_bwrap,
    new_course,
    probe,
    with_cells,
)

from bpteach.grading import EXERCISES

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


TIMEOUT = 0.5
PARTS = EXERCISES["02_logistic_unit"].parts

# every function blocks the timers and loops, so the watchdog (or the CPU limit) ends each part's box
WRECK = """
import signal


def {func}(*args):
    signal.pthread_sigmask(signal.SIG_BLOCK, {{signal.SIGALRM, signal.SIGPROF}})
    while True:
        pass
"""


def wreck_every_part() -> bytes:
    return with_cells(**{p.grade_id.removeprefix("ex02_"): WRECK.format(func=p.func) for p in PARTS})


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    course = new_course(tmp_path_factory.mktemp("time"))
    subs = {"classmate1.ipynb": honest(), "looping_cells.ipynb": looping_cells(), "wreck_all.ipynb": wreck_every_part()}
    load = os.getloadavg()[0]
    start = time.monotonic()
    result = grade_class(course, subs, timeout=TIMEOUT, linger=0.5)
    result.seconds = time.monotonic() - start
    result.load = max(load, os.getloadavg()[0])
    return result


def test_the_run_is_contained(run):
    assert_contained(run, 3)
    assert run.points["classmate1.ipynb"] == FULL


def test_endless_cells_share_one_time_budget(run):
    text = run.text("looping_cells.ipynb")
    assert "LEAK" not in text, text
    assert run.points["looping_cells.ipynb"] == FULL


def test_a_submission_that_ends_every_box_costs_every_part_and_no_more_time(run):
    assert run.points["wreck_all.ipynb"] == NONE
    text = run.text("wreck_all.ipynb")
    # each part was the one running when its box ended: seven boxes, one per part
    assert text.count("; the parts after it were graded in a fresh sandbox") == len(PARTS), text
    # the bound: all its boxes together take no longer than its first box alone may (1 + 2 x 7 stages
    # at the load of the run); the command also starts, grades two classmates beside and lingers
    wall = (3.0 * TIMEOUT + 1.0) * max(1.0, run.load / (os.cpu_count() or 1))
    assert run.seconds < (1 + 2 * len(PARTS)) * wall + 2.0 + 6.0, (run.seconds, wall)
