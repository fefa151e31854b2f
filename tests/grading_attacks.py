"""Shared by ``tests/test_grading_attacks_*.py``: a class of honest and hostile notebooks, graded in
one run of ``bpteach grade``, and everything a hostile student could have changed, checked afterwards.

The run happens in a child process that adopts orphans (``PR_SET_CHILD_SUBREAPER``): a process a
submission leaves behind, even detached with ``setsid``, becomes that child's child, so it is found
and named (then killed). The layout is an instructor's, as an attacker would guess it:

    course/class/       the submissions (honest classmates carry a secret in a comment)
    course/instructor/  a file with the instructor's secret
    course/out/         grades.csv, grades.json, feedback/

Every file of ``class/`` and ``instructor/``, the installed bpteach package and the interpreter's
site-packages is fingerprinted before and after; grades.csv and grades.json are read when the
command returns and again after a pause (a detached process would change them later).

Attack code is plain text with ``$names`` for the paths (``string.Template``): an attacker who read
the course's README knows them. Code that could hurt the machine outside a sandbox (signals to every
process, fork loops) runs only when it finds itself in another PID namespace than the test's.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from string import Template

import pytest
from conftest import SYSTEM_SKIP

import bpteach
from bpteach.grading import EXERCISES

EXERCISE_DIR = Path(__file__).resolve().parents[1] / "exercises"
SOURCE = EXERCISE_DIR / "02_logistic_unit.ipynb"
# points per part as the spec gives them (every part of the source notebook earns them)
FULL = {p.grade_id: float(p.points) for p in EXERCISES["02_logistic_unit"].parts}
BATCH_LOST = {**FULL, "ex02_batch_gradient": 0.0}
NONE = dict.fromkeys(FULL, 0.0)
CLASSMATE_SECRET = "CLASSMATE-SECRET-5e1f0c2a"
INSTRUCTOR_SECRET = "INSTRUCTOR-SECRET-9b7d3e41"
HOST_PIDNS = os.readlink("/proc/self/ns/pid")

# the correct batch gradient, for attackers who want the points as well as the loot
HONEST_BATCH = """
def _honest_batch(w, X, y):
    z = w @ X
    return X @ ((sigmoid(z) - y) * sigmoid_derivative(z)) / X.shape[1]
"""

# True when this process is in another PID namespace than the test (or has no /proc at all)
SANDBOXED = f"""
def _sandboxed():
    try:
        return os.readlink("/proc/self/ns/pid") != {HOST_PIDNS!r}
    except OSError:
        return True
"""


def probe(body: str) -> str:
    """A batch_gradient cell that runs ``body``'s ``_probe() -> [what got through]`` once, on the first call.

    When the list is empty (the sandbox held) it returns the right answer; else it raises
    ``RuntimeError("LEAK ...")`` naming what got through, so the part scores 0 and the feedback says why.
    Outside a sandbox the probe does not run (and says so the same way).
    """
    return (
        "import os, signal, sys, time\n"
        + HONEST_BATCH
        + SANDBOXED
        + body
        + """
_result = []


def batch_gradient(w, X, y):
    if not _result:
        _result.append(_probe() if _sandboxed() else ["not in a sandbox: the probe did not run"])
    if _result[0]:
        raise RuntimeError("LEAK " + " | ".join(map(str, _result[0]))[:400])
    return _honest_batch(w, X, y)
"""
    )


def bwrap_works() -> bool:
    if shutil.which("bwrap") is None:
        return False
    probe = subprocess.run(
        ["bwrap", "--unshare-all", "--ro-bind", "/", "/", "--", "true"], capture_output=True, timeout=30
    )
    return probe.returncode == 0


needs_bwrap = pytest.mark.skipif(
    not bwrap_works(),
    reason=f"{SYSTEM_SKIP}: bubblewrap (apt-get install bubblewrap; unprivileged user namespaces enabled)",
)


# ----------------------------------------------------------------------------- notebooks
def nb02() -> dict:
    return json.loads(SOURCE.read_text())


def cell_of(nb: dict, grade_id: str) -> dict:
    return next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


def honest() -> bytes:
    """A classmate's full-marks notebook with a secret in a comment (what a snoop would look for)."""
    nb = nb02()
    cell = cell_of(nb, "ex02_sigmoid")
    cell["source"] = f"# {CLASSMATE_SECRET}\n" + "".join(cell["source"])
    return json.dumps(nb).encode()


def with_cells(**code: str) -> bytes:
    """Exercise 02 with the named solution cells (grade_id without ``ex02_``) replaced by ``code``.

    The demonstration cells (code cells without nbgrader metadata, which call the functions) are
    left out, as a student may: an attack in a function then fires while its part is graded, not
    while the notebook's cells run.
    """
    nb = nb02()
    nb["cells"] = [c for c in nb["cells"] if c["cell_type"] != "code" or c["metadata"].get("nbgrader")]
    for gid, text in code.items():
        cell_of(nb, f"ex02_{gid}")["source"] = text
    return json.dumps(nb).encode()


@dataclass
class Course:
    root: Path

    @property
    def cls(self) -> Path:
        return self.root / "class"

    @property
    def out(self) -> Path:
        return self.root / "out"

    def paths(self) -> dict[str, str]:
        package = Path(bpteach.__file__).resolve().parent
        return {
            "root": str(self.root),
            "cls": str(self.cls),
            "classmate": str(self.cls / "classmate1.ipynb"),
            "secret": str(self.root / "instructor" / "secret.txt"),
            "grades_csv": str(self.out / "grades.csv"),
            "grades_json": str(self.out / "grades.json"),
            "feedback": str(self.out / "feedback"),
            "planted": str(self.root / "planted.txt"),
            "package": str(package),
            "reference": str(package / "activations.py"),
            "spec": str(package / "grading" / "spec.py"),
            "site": sysconfig.get_paths()["purelib"],
            "python": sys.executable,
        }

    def code(self, template: str) -> str:
        """Attack code with ``$root``, ``$classmate``, ``$grades_csv``, ... filled in (as Python literals)."""
        return Template(template).substitute({k: repr(v) for k, v in self.paths().items()})


def new_course(tmp_path: Path) -> Course:
    course = Course(tmp_path / "course")
    course.cls.mkdir(parents=True)
    (course.root / "instructor").mkdir()
    (course.root / "instructor" / "secret.txt").write_text(INSTRUCTOR_SECRET + "\n")
    return course


# ----------------------------------------------------------------------------- fingerprints
def _fingerprint(root: Path) -> dict[str, str]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = [d for d in dirnames if d not in ("__pycache__", ".pytest_cache")]
        for name in [*filenames, *dirnames]:
            p = Path(dirpath) / name
            st = p.lstat()
            if p.is_symlink():
                out[str(p)] = "link " + os.readlink(p)
            elif p.is_file():
                out[str(p)] = f"{st.st_mode:o} {st.st_size} " + hashlib.sha256(p.read_bytes()).hexdigest()
            elif p.is_dir():
                out[str(p)] = f"dir {st.st_mode:o}"
            else:
                out[str(p)] = f"special {st.st_mode:o}"
    return out


def fingerprint(course: Course) -> dict[str, str]:
    site = Path(sysconfig.get_paths()["purelib"])
    prints = _fingerprint(course.cls) | _fingerprint(course.root / "instructor")
    prints |= _fingerprint(Path(bpteach.__file__).resolve().parent)
    prints |= {str(p): p.read_text(errors="replace") for p in site.glob("*.pth")}
    prints["site-packages entries"] = " ".join(sorted(os.listdir(site)))
    prints["course entries"] = " ".join(sorted(os.listdir(course.root)))
    return prints


# ----------------------------------------------------------------------------- one run
RUNNER = r"""
import ctypes, json, os, signal, sys, time
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphans come to us
argv, outputs, linger = json.loads(sys.argv[1]), json.loads(sys.argv[2]), float(sys.argv[3])
from bpteach.cli import main
try:
    rc = main(argv)
except BaseException as exc:
    import traceback
    traceback.print_exc()
    rc = f"raised {type(exc).__name__}: {exc}"[:500]

def snap():
    return [open(p, "rb").read().hex() if os.path.exists(p) else None for p in outputs]

first = snap()
time.sleep(linger)
late = snap() != first

def children():
    kids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = open(f"/proc/{pid}/stat").read()
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == os.getpid() and state != "Z":
            kids.append([int(pid), state, cmd[:200]])
    return kids

left = children()
for pid, _, _ in left:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
time.sleep(0.2)
while True:
    try:
        if os.waitpid(-1, os.WNOHANG) == (0, 0):
            break
    except ChildProcessError:
        break
import resource
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print("\n" + json.dumps({"rc": rc, "late": late, "leftovers": left, "peak_mb": peak}))
"""


@dataclass
class ClassRun:
    rc: object
    stdout: str
    stderr: str
    names: list[str]  # the submissions as grades.json names them, relative to class/, in its order
    points: dict[str, dict[str, float]]
    notes: dict[str, list[str]]
    feedback: dict[str, str]
    leftovers: list
    late_change: bool
    changed: dict[str, tuple[str | None, str | None]]
    cls: Path
    peak_mb: int  # the grader's own peak memory (resident), in MB

    def feedback_of(self, name: str) -> list[str]:
        """The feedback files about submission ``name`` (there should be one)."""
        return [t for t in self.feedback.values() if t.startswith(f"Submission: {self.cls / name}\n")]

    def text(self, name: str) -> str:
        """Everything the grader said about one submission: notes and its feedback file."""
        return "\n".join(self.notes.get(name, []) + self.feedback_of(name))


Maker = bytes | Callable[[Path], None]


def grade_class(
    course: Course,
    submissions: dict[str, Maker],
    *,
    timeout: float = 5.0,
    jobs: int = 2,
    memory: int = 512,
    seed: int = 5,
    linger: float = 2.0,
    limit: float = 600.0,
) -> ClassRun:
    """Grade ``submissions`` (name -> bytes, or a function making the file at the path) in one run."""
    paths = []
    for name, make in submissions.items():
        path = course.cls / name
        if isinstance(make, bytes):
            path.write_bytes(make)
        else:
            make(path)
        paths.append(str(path))
    course.out.mkdir(exist_ok=True)
    before = fingerprint(course)
    argv = ["grade", *paths, "--out", str(course.out / "grades.csv"), "--feedback", str(course.out / "feedback")]
    argv += ["--exercise", "02_logistic_unit", "--jobs", str(jobs), "--timeout", str(timeout)]
    argv += ["--memory", str(memory), "--seed", str(seed)]
    outputs = [str(course.out / "grades.csv"), str(course.out / "grades.json")]
    proc = subprocess.Popen(
        [sys.executable, "-c", RUNNER, json.dumps(argv), json.dumps(outputs), str(linger)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        cwd=course.root,
    )
    try:
        out, err = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"the grading run did not finish in {limit} s:\n{err.decode(errors='replace')[-3000:]}")
    stdout, stderr = out.decode(errors="replace"), err.decode(errors="replace")
    summary = json.loads(stdout.strip().splitlines()[-1])
    after = fingerprint(course)
    changed = {k: (before.get(k), after.get(k)) for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    names: list[str] = []
    points: dict[str, dict[str, float]] = {}
    notes: dict[str, list[str]] = {}
    json_path = course.out / "grades.json"
    if json_path.exists():
        for r in json.loads(json_path.read_text())["submissions"]:
            name = os.path.relpath(r["submission"], course.cls)
            names.append(name)
            points[name] = {p["grade_id"]: p["points"] for p in r["parts"]}
            notes[name] = r["notes"]
    fb_dir = course.out / "feedback"
    feedback = {p.name: p.read_text(errors="replace") for p in fb_dir.iterdir()} if fb_dir.is_dir() else {}
    return ClassRun(
        summary["rc"],
        stdout,
        stderr,
        names,
        points,
        notes,
        feedback,
        summary["leftovers"],
        summary["late"],
        changed,
        course.cls,
        summary["peak_mb"],
    )


def assert_contained(run: ClassRun, n_submissions: int) -> None:
    """The run finished, wrote every submission's grade, left nothing running and changed no file."""
    assert run.rc == 0, run.stderr[-3000:]
    assert len(run.names) == n_submissions, run.names
    assert run.leftovers == [], f"processes left after the run: {run.leftovers}"
    assert not run.late_change, "grades.csv or grades.json changed after the grader returned"
    assert run.changed == {}, f"files changed by the run: {sorted(run.changed)}"
