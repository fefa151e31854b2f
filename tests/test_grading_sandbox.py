"""Issue 10's classes of attack, graded in one batch beside honest classmates, through the sandbox.

One ``grade`` run (two sandboxes, 2 s of CPU per stage) holds honest copies of exercise 02 and an
attacker for each class: reaching the reference, reading other students, harming others, crashing
the batch, and honest students who used to lose points. Each gets its exact grade; honest
classmates keep full marks; the files on disk are unchanged; no process is left; the run completes.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import bpteach
from bpteach.grading import EXERCISES
from bpteach.grading.grader import grade
from bpteach.grading.notebook import safe_name

SOURCE = Path(__file__).resolve().parents[1] / "exercises" / "02_logistic_unit.ipynb"
FULL = {p.grade_id: float(p.points) for p in EXERCISES["02_logistic_unit"].parts}
TOTAL = sum(FULL.values())
NONE = dict.fromkeys(FULL, 0.0)
BATCH_LOST = {**FULL, "ex02_batch_gradient": 0.0}
MARK = "bpteach-attack"  # the name an attacker's leftover process would carry

BATCH = """def batch_gradient(w, X, y):
    z = w @ X
    return X @ ((sigmoid(z) - y) * sigmoid_derivative(z)) / X.shape[1]
"""


def nb02() -> dict:
    return json.loads(SOURCE.read_text())


def cell(nb: dict, grade_id: str) -> dict:
    return next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


def with_cell(grade_id: str, code: str) -> dict:
    nb = nb02()
    cell(nb, grade_id)["source"] = code
    return nb


def extra_cell(code: str, nb: dict | None = None, at: int = 2) -> dict:
    """A cell the student added (no nbgrader metadata), ``at`` its position."""
    nb = nb or nb02()
    nb["cells"].insert(
        at, {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": code}
    )
    return nb


def in_batch(body: str) -> dict:
    """Exercise 02 with batch_gradient running ``body`` first, then answering correctly."""
    lines = "\n".join("    " + line for line in body.strip("\n").splitlines())
    return with_cell("ex02_batch_gradient", BATCH.replace("    z = w @ X\n", lines + "\n    z = w @ X\n", 1))


def digest_tree(*roots: Path) -> dict[str, str]:
    out = {}
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink() and "__pycache__" not in path.parts:
                out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def _ours(pid: int) -> bool:
    """Whether ``pid`` descends from this test process (orphans come to it while it is a subreaper)."""
    while pid > 1:
        if pid == os.getpid():
            return True
        pid = _parent(pid)
    return False


@contextlib.contextmanager
def subreaper() -> Iterator[None]:
    """This process adopts the orphans of what it starts, so a detached leftover is still known as ours
    (a grade run by another test, in parallel under pytest-xdist, is not)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    try:
        yield
    finally:
        libc.prctl(36, 0, 0, 0, 0)


def leftovers() -> list[str]:
    """Processes an attacker left (they name themselves MARK) and the sandboxes this process started."""
    zygote = str(Path(bpteach.__file__).parent / "grading" / "_zygote.py")
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            comm = Path(f"/proc/{entry}/comm").read_text().strip()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if MARK[:15] in comm or (zygote in cmdline and _ours(int(entry))):
            found.append(f"{entry} {comm} {cmdline[:120]}")
    return found


# The attackers. Each looks for a way out and, when it finds one, claims full marks with it.
NAME_ITSELF = f"import ctypes\nctypes.CDLL(None).prctl(15, b'{MARK}', 0, 0, 0)\n"

REACH_REFERENCE = with_cell(  # oblique imports, encoded exec, pickle, runpy: each one is blocked
    "ex02_batch_gradient",
    "import base64, importlib, pickle, runpy, glob\n"
    "def batch_gradient(w, X, y):\n"
    "    for attempt in (\n"
    "        lambda: importlib.import_module('bp' + 'teach.matrix'),\n"
    "        lambda: exec(base64.b64decode(b'ZnJvbSBicHRlYWNoLm1hdHJpeCBpbXBvcnQgTUxQ').decode()),\n"
    "        lambda: pickle.loads(b'cbpteach.matrix\\nMLP\\n.'),\n"
    "        lambda: runpy.run_path(glob.glob('/**/ex02_logistic_unit.py', recursive=True)[0]),\n"
    "    ):\n"
    "        try:\n"
    "            attempt()\n"
    "            return BATCH_WORKS\n"
    "        except Exception:\n"
    "            pass\n"
    "    return np.zeros(w.shape)\n",
)

LOOK_AROUND = extra_cell(  # what the box shows: no other notebook, no /proc, nothing installed
    "import os\n"
    "seen = {'ipynb': [], 'bpteach': [], 'proc': sorted(os.listdir('/proc')), 'tmp': sorted(os.listdir('/tmp'))}\n"
    "for top, dirs, files in os.walk('/'):\n"
    "    if top == '/usr':  # the system's own files: only its Python folders\n"
    "        dirs[:] = ['lib', 'local']\n"
    "    if top in ('/usr/lib', '/usr/local/lib'):\n"
    "        dirs[:] = [d for d in dirs if d.startswith('python')]\n"
    "    if top.startswith(('/proc', '/sys', '/dev')):\n"
    "        continue\n"
    "    seen['ipynb'] += [f for f in files if f.endswith('.ipynb') or f.startswith(('grades', 'honest'))]\n"
    "    seen['bpteach'] += [top for d in dirs if 'bpteach' in d or\n"
    "                        d.endswith('-packages') and os.listdir(top + '/' + d)]\n"
    "seen['uid'] = os.getuid()\n"
    "raise RuntimeError(repr(seen))\n"
)

LEAVE_TRACES = extra_cell(  # files in /tmp and /dev/shm and a process for the next student to find
    NAME_ITSELF + "import os, time\n"
    "open('/tmp/answers.txt', 'w').write('secret')\n"
    "open('/dev/shm/answers.txt', 'w').write('secret')\n"
    "if os.fork() == 0:\n"
    "    os.setsid()\n"
    "    time.sleep(30)\n"
    "    os._exit(0)\n"
)

HARM_OTHERS = extra_cell(  # signals, a detached writer, writes through the read-only view, fork-burners
    NAME_ITSELF + "import os, signal, time, mmap\n"
    "for pid in range(1, 400):\n"
    "    if pid != os.getpid():\n"
    "        for sig in (signal.SIGSTOP, signal.SIGKILL):\n"
    "            try:\n"
    "                os.kill(pid, sig)\n"
    "            except OSError:\n"
    "                pass\n"
    "try:\n"
    "    os.kill(-1, signal.SIGKILL)\n"
    "except OSError:\n"
    "    pass\n"
    "if os.fork() == 0:\n"
    "    os.setsid()\n"
    "    if os.fork() == 0:\n"
    "        time.sleep(3)\n"
    "        for path in GRADES:\n"
    "            try:\n"
    "                open(path, 'w').write('hacked')\n"
    "            except OSError:\n"
    "                pass\n"
    "    os._exit(0)\n"
    "forked = 0\n"
    "for _ in range(30):\n"
    "    try:\n"
    "        if os.fork() == 0:\n"
    "            while True:\n"
    "                pass\n"
    "        forked += 1\n"
    "    except OSError:\n"
    "        break\n"
    "written = []\n"
    "for path in ('/sbx/lib/wire.py', '/sbx/site/numpy/__init__.py', '/sbx/site/evil.pth', '/usr/evil.pth'):\n"
    "    try:\n"
    "        with open(path, 'r+b' if os.path.exists(path) else 'wb') as f:\n"
    "            mmap.mmap(f.fileno(), 0)[:1] = b'#'\n"
    "        written.append(path)\n"
    "    except (OSError, ValueError):\n"
    "        pass\n"
    "raise RuntimeError(f'forked {forked} burners, wrote {written}')\n"
)

HOSTILE_OUTPUT = in_batch(  # forged and nested records on the result pipe, then 16 MiB of output
    "import os\n"
    "for fd in range(3, 64):\n"
    '    forged = b\'{"part": "ex02_batch_gradient", "results": [{"items": \'\n'
    '    forged += b\'[{"shape": [1000000000], "data": []}]}]}\\n\'\n'
    "    for junk in (b'[' * 100000 + b'\\n', forged, '\\ud800'.encode('utf-8', 'surrogatepass')):\n"
    "        try:\n"
    "            os.write(fd, junk)\n"
    "        except OSError:\n"
    "            pass\n"
    "raise ValueError('lone \\ud800 surrogate')\n"
)

FLOOD = in_batch(
    "import os\nfor fd in range(3, 64):\n    try:\n        os.write(fd, b'x' * 2**24)\n"
    "    except OSError:\n        pass"
)


def nested_json() -> bytes:
    return b'{"cells": [], "metadata": ' + b"[" * 200000 + b"]" * 200000 + b', "nbformat": 4}'


def huge_cell(lines: int) -> dict:
    return with_cell("ex02_batch_gradient", "x = 1\n" * lines)


def helper_cell() -> dict:  # batch_gradient uses a helper from a cell the student added
    nb = with_cell("ex02_batch_gradient", "def batch_gradient(w, X, y):\n    return mean_gradient(w, X, y)\n")
    helper = BATCH.replace("def batch_gradient(", "def mean_gradient(")
    return extra_cell(helper, nb, at=nb["cells"].index(cell(nb, "ex02_batch_gradient")))


def slow_but_correct() -> dict:  # 1.2 s of CPU for its part: over the old share (2/6 s), under 2 s
    return in_batch("import time\nt = time.process_time()\nwhile time.process_time() - t < 0.4:\n    pass")


def duplicated() -> dict:  # a wrong copy of the cell first, the right one last: Jupyter keeps the last
    nb = nb02()
    right = cell(nb, "ex02_batch_gradient")
    wrong = json.loads(json.dumps(right))
    wrong["source"] = "def batch_gradient(w, X, y):\n    return np.zeros(w.shape)\n"
    nb["cells"].insert(nb["cells"].index(right), wrong)
    return nb


def carried_forward() -> dict:  # a wrong sigmoid: every later part calls it
    return with_cell("ex02_sigmoid", "def sigmoid(z):\n    return np.tanh(z)\n")


def trains_with_hard_coded_weights() -> dict:
    nb = json.loads((SOURCE.parent / "08_training.ipynb").read_text())
    code = (
        "def train_xor(X, Y, seed):  # weights that solve the textbook XOR, whatever the data\n"
        "    W1 = np.array([[6.0, 6.0], [-6.0, -6.0]])\n"
        "    return W1, np.array([-3.0, 9.0]), np.array([[9.0, 9.0]]), np.array([-13.5])\n"
    )
    cell(nb, "ex08_train_xor")["source"] = code
    return nb


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    if shutil.which("bwrap") is None:
        pytest.skip("needs a system package: bubblewrap (apt-get install bubblewrap), the grading sandbox")
    root = tmp_path_factory.mktemp("class")
    subs, feedback, out = root / "submissions", root / "feedback", root / "grades.csv"
    subs.mkdir()
    grades = [str(out), str(out.with_suffix(".json"))]
    notebooks = {
        "honest-1.ipynb": nb02(),
        "reach-reference.ipynb": REACH_REFERENCE,
        "look-around.ipynb": LOOK_AROUND,
        "leave-traces.ipynb": LEAVE_TRACES,
        "honest-2.ipynb": nb02(),
        "harm-others.ipynb": HARM_OTHERS,
        "hostile-output.ipynb": HOSTILE_OUTPUT,
        "flood.ipynb": FLOOD,
        "honest-3.ipynb": nb02(),
        "helper-cell.ipynb": helper_cell(),
        "slow-but-correct.ipynb": slow_but_correct(),
        "duplicated.ipynb": duplicated(),
        "carried-forward.ipynb": carried_forward(),
        "a b.ipynb": nb02(),
        "a_b.ipynb": with_cell("ex02_batch_gradient", "def batch_gradient(w, X, y):\n    return 0 * w\n"),
        "hard-coded-training.ipynb": trains_with_hard_coded_weights(),
        "honest-4.ipynb": nb02(),
    }
    for name, nb in notebooks.items():
        text = json.dumps(nb).replace("GRADES", repr(grades)).replace("BATCH_WORKS", "None")
        (subs / name).write_bytes(text.encode("utf-8", "surrogatepass"))
    (subs / "nested.ipynb").write_bytes(nested_json())
    (subs / "huge-cell.ipynb").write_text(json.dumps(huge_cell(50_000)))  # 300 kB of code in one cell
    (subs / "huge-file.ipynb").write_text(json.dumps(huge_cell(7_000_000)))  # 42 MB
    (subs / "surrogate-source.ipynb").write_text(json.dumps(extra_cell("x = '\ud800'\nraise ValueError(x)")))
    package = Path(bpteach.__file__).parent
    numpy_dir = Path(np.__file__).parent
    before = digest_tree(subs, package, numpy_dir)
    with subreaper():
        start = time.monotonic()
        results = grade(sorted(subs.iterdir()), out=out, feedback=feedback, jobs=2, timeout=2.0, seed=11)
        elapsed = time.monotonic() - start
        time.sleep(3.5)  # longer than the detached writer waits: it must be gone, not late
        left = leftovers()
    return {
        "results": {Path(r.submission).name: r for r in results},
        "grades": out.read_text(),
        "json": out.with_suffix(".json").read_text(),
        "changed": [p for p, d in digest_tree(subs, package, numpy_dir).items() if before.get(p) != d],
        "left": left,
        "feedback": feedback,
        "elapsed": elapsed,
        "subs": subs,
    }


def points(result) -> dict[str, float]:
    return {p.grade_id: p.points for p in result.parts}


def test_the_run_completes_and_honest_classmates_keep_full_marks(batch):
    assert len(batch["results"]) == 21
    for name in ("honest-1.ipynb", "honest-2.ipynb", "honest-3.ipynb", "honest-4.ipynb", "a b.ipynb"):
        assert points(batch["results"][name]) == FULL, str(batch["results"][name])
        assert batch["results"][name].notes == []


def test_nothing_on_disk_changed_and_no_process_is_left(batch):
    assert batch["changed"] == []
    assert batch["left"] == []
    assert "hacked" not in batch["grades"] and "hacked" not in batch["json"]
    assert json.loads(batch["json"])["submissions"][0]["parts"][0].keys() >= {"points", "max_points", "failures"}


def test_reaching_the_reference(batch):
    r = batch["results"]["reach-reference.ipynb"]
    assert points(r) == BATCH_LOST
    assert "wrong on 3 of 3 inputs" in str(r)
    hard = batch["results"]["hard-coded-training.ipynb"]
    ex08 = {p.grade_id: float(p.points) for p in EXERCISES["08_training"].parts}
    assert {p.grade_id: p.points for p in hard.parts} == {**ex08, "ex08_train_xor": 0.0}
    assert "not below 0.02" in str(hard)


def test_reading_other_students(batch):
    r = batch["results"]["look-around.ipynb"]
    assert points(r) == FULL
    (note,) = [n for n in r.notes if "RuntimeError" in n]
    seen = eval(note.split("RuntimeError: ", 1)[1])  # the box's own report, a dict of plain lists
    assert seen == {"ipynb": [], "bpteach": [], "proc": [], "tmp": [], "uid": seen["uid"]}
    assert seen["uid"] != 0
    traces = batch["results"]["leave-traces.ipynb"]
    assert points(traces) == FULL and traces.notes == []


def test_harming_others(batch):
    r = batch["results"]["harm-others.ipynb"]
    assert points(r) == FULL, str(r)
    (note,) = [n for n in r.notes if "RuntimeError" in n]
    forked = int(note.split("forked ")[1].split()[0])
    assert forked < 8  # the process limit of its own user namespace
    assert note.endswith("wrote []")


def test_crashing_the_batch(batch):
    res = batch["results"]
    assert points(res["hostile-output.ipynb"]) == BATCH_LOST
    assert "the output could not be read" in str(res["hostile-output.ipynb"]) or "wrong on" in str(
        res["hostile-output.ipynb"]
    )
    assert points(res["flood.ipynb"]) == NONE  # the demonstration cell floods before any part
    assert "MiB of output allowed" in " ".join(res["flood.ipynb"].notes)
    assert points(res["nested.ipynb"]) == {}  # no exercise: nothing to score
    assert res["nested.ipynb"].notes == ["not graded: the file's JSON is nested too deeply to be a notebook"]
    assert points(res["huge-cell.ipynb"]) == {}
    assert "more than the 200000 a cell may have" in res["huge-cell.ipynb"].notes[0]
    assert points(res["huge-file.ipynb"]) == {}
    assert "more than the 20 MB a notebook may have" in res["huge-file.ipynb"].notes[0]
    assert points(res["surrogate-source.ipynb"]) == FULL
    assert res["surrogate-source.ipynb"].notes == ["the cell 'cell 3' raised ValueError: ?"]


def test_honest_students_no_longer_lose_points(batch):
    res = batch["results"]
    assert points(res["helper-cell.ipynb"]) == FULL
    assert points(res["slow-but-correct.ipynb"]) == FULL
    assert points(res["duplicated.ipynb"]) == FULL
    assert "graded as Jupyter runs it, the last definition wins" in res["duplicated.ipynb"].notes[0]
    carried = res["carried-forward.ipynb"]
    assert points(carried) == {**FULL, "ex02_sigmoid": 0.0}
    dependents = ("ex02_sigmoid_derivative", "ex02_unit_output", "ex02_unit_gradient", "ex02_batch_gradient")
    dependents += ("ex02_logloss_gradient",)  # lect1's part, which calls sigmoid too
    for part in carried.parts:  # the parts that call sigmoid name it, and only it
        said = "graded with the reference sigmoid() (ex02_sigmoid) in place of yours, which" in str(part)
        assert said == (part.grade_id in dependents), str(part)


def test_feedback_files_are_one_per_path(batch):
    names = sorted(p.name for p in batch["feedback"].iterdir())
    assert len(names) == 21 and not any(n.startswith(".") for n in names)
    a_space = (batch["feedback"] / (safe_name(str(batch["subs"] / "a b.ipynb")) + ".txt")).read_text()
    a_under = (batch["feedback"] / (safe_name(str(batch["subs"] / "a_b.ipynb")) + ".txt")).read_text()
    lost = TOTAL - FULL["ex02_batch_gradient"]
    assert f"Total: {TOTAL:g}/{TOTAL:g}" in a_space and f"Total: {lost:g}/{TOTAL:g}" in a_under
