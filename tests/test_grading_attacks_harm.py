"""Red team, harming others and outliving the limits: processes left behind, signals, fork loops,
memory spread over many processes or held where no process maps it, a full /tmp, disabled timers,
floods, a crashed interpreter. One grading run of a class of two honest students and the attackers (exercise 02).

Two kinds of attacker:
- *probes* measure a limit and, when it does not hold, raise ``RuntimeError("LEAK ...")`` in
  batch_gradient (2 points lost, the feedback says what got through); when the limit holds they
  return a correct answer and earn full marks;
- *wreckers* make their own part fail (an endless loop, a crash, a flood, memory held in many
  processes): that part scores 0, every other part of theirs keeps its points (the parts after one
  that ended its box are graded in a fresh one), and the classmates graded beside them lose nothing.
Probes that would hurt the machine outside a sandbox (signals to every process, fork loops) do
nothing when they find themselves in the test's own PID namespace.
"""

from __future__ import annotations

import pytest
from grading_attacks import (
    BATCH_LOST,
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


# A detached grandchild (double fork, setsid, signals ignored) that keeps rewriting the grades, the
# feedback, a classmate's notebook and a new file for 6 s, long after its submission was graded.
DAEMON = probe(
    """
def _probe():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            for s in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT, signal.SIGALRM, signal.SIGXCPU):
                signal.signal(s, signal.SIG_IGN)
            end = time.time() + 6
            while time.time() < end:
                for p in ($grades_csv, $grades_json, $classmate, $planted, $feedback + "/x.txt"):
                    try:
                        with open(p, "a") as f:
                            f.write("student,10,10\\n")
                    except OSError:
                        pass
                time.sleep(0.2)
        os._exit(0)
    os.wait()
    return []
"""
)

# Signals to everything in sight: stop then kill every process but itself, its parent, PID 1.
SIGNALS = probe(
    """
def _probe():
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        for target in (os.getppid(), 1):
            try:
                os.kill(target, sig)
            except OSError:
                pass
        try:
            os.kill(-1, sig)
        except OSError:
            pass
    return []
"""
)

# SIGTERM to its own process group, ignoring it itself: the group may hold processes outside the
# box (the zygote that forked it, bubblewrap) running as the same user.
GROUP_SIGNAL = probe(
    """
def _probe():
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, signal.SIG_IGN)
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        try:
            os.kill(0, sig)
        except OSError:
            pass
    time.sleep(0.5)
    return []
"""
)

# A fork loop, also from inside a fresh user namespace (where a per-user count could start over).
FORK_LOOP = probe(
    """
import ctypes


def _fork_many(limit):
    pids = []
    while len(pids) < limit:
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        pids.append(pid)
    for pid in pids:  # give the slots back
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    return len(pids)


def _probe():
    got = []
    n = _fork_many(1000)
    if n >= 1000:
        got.append(f"{n} processes")
    r, w = os.pipe()
    if os.fork() == 0:
        ok = ctypes.CDLL(None, use_errno=True).unshare(0x10000000) == 0
        os.write(w, str(_fork_many(1000) if ok else 0).encode())
        os._exit(0)
    os.close(w)
    m = int(os.read(r, 20) or b"0")
    if m >= 1000:
        got.append(f"{m} processes inside a new user namespace")
    return got
"""
)

# The memory limit is meant per submission: three processes of 300 MB each are 900 MB, over 512 MB
# (each alone is within RLIMIT_AS, so only the sum over the box's processes can stop it).
MEMORY_SPREAD = probe(
    """
import numpy as np


def _probe():
    r, w = os.pipe()
    forks = 0
    for _ in range(3):
        try:
            pid = os.fork()
        except OSError:
            break
        forks += 1
        if pid == 0:
            try:
                a = np.ones(37_500_000)
                a[::512] = 2.0
                os.write(w, b"x")
            except BaseException as exc:
                os.write(w, type(exc).__name__[:1].encode())
            time.sleep(30)
            os._exit(0)
    os.close(w)
    got = b""
    while len(got) < forks:  # each child says x (it holds 300 MB) or the first letter of its error
        chunk = os.read(r, 6)
        if not chunk:
            break
        got += chunk
    held = got.count(b"x") * 300
    return [f"{held} MB held at once by one submission's {forks + 1} processes"] if held >= 900 else []
"""
)

# Memory that no process maps, so no sum of resident memory sees it: SysV shared memory segments
# written and detached again, and memfds written without a mapping (each up to the file-size limit).
UNMAPPED_MEMORY = probe(
    """
import ctypes

_MB = 2**20


def _sysv():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
    libc.shmdt.argtypes = [ctypes.c_void_p]
    ids, held = [], 0
    for _ in range(3):  # three segments of 256 MB, each detached once written
        shmid = libc.shmget(0, 256 * _MB, 0o1600)  # IPC_PRIVATE, IPC_CREAT | 0600
        if shmid < 0:
            break
        ids.append(shmid)
        addr = libc.shmat(shmid, None, 0)
        if addr is None or addr == ctypes.c_void_p(-1).value:
            break
        ctypes.memset(addr, 1, 256 * _MB)
        libc.shmdt(addr)
        held += 256
    for shmid in ids:
        libc.shmctl(shmid, 0, None)  # IPC_RMID
    return held


def _memfd():
    fds, total = [], 0
    chunk = b"x" * (4 * _MB)
    try:
        while total < 768 * _MB:
            fds.append(os.memfd_create("x"))
            for _ in range(4):  # 16 MB in each
                total += os.write(fds[-1], chunk)
    except OSError:
        pass
    for fd in fds:
        os.close(fd)
    return total // _MB


def _probe():
    held = [(_sysv(), "SysV shared memory"), (_memfd(), "memfds")]
    return [f"{mb} MB in {what} that no process maps" for mb, what in held if mb > 512]
"""
)

# Fill every writable place; /tmp is memory (tmpfs), so an unbounded one fills the grader's RAM.
DISK_FILL = probe(
    """
def _probe():
    total = 0
    chunk = b"x" * (8 * 2**20)
    for base in ("/tmp", "/dev/shm", os.getcwd(), os.path.expanduser("~")):
        for k in range(40):
            try:
                with open(os.path.join(base, f"fill{k}"), "wb") as f:
                    f.write(chunk)
                total += len(chunk)
            except OSError:
                break
    return [f"wrote {total >> 20} MB"] if total >= 256 * 2**20 else []
"""
)

# Stops the timers the runner uses and loops forever, in the first part, which the next parts call.
NO_TIMERS_FIRST = """
import signal


def sigmoid(z):
    for s in (signal.SIGALRM, signal.SIGPROF, signal.SIGVTALRM, signal.SIGXCPU, signal.SIGTERM):
        signal.signal(s, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM, signal.SIGPROF, signal.SIGXCPU})
    for timer in (signal.ITIMER_REAL, signal.ITIMER_PROF, signal.ITIMER_VIRTUAL):
        signal.setitimer(timer, 0)
    signal.alarm(0)
    while True:
        pass
"""

# An honest bug, not an attack: a retry loop with a bare except, which also swallows the time-out.
BARE_EXCEPT_FIRST = """
def sigmoid(z):
    while True:
        try:
            return stable_sigmoid(z)  # never defined: NameError, caught, tried again
        except:  # noqa: E722
            continue
"""

# Junk into every descriptor it inherited (the result pipe among them) and floods stdout/stderr.
JUNK_FDS = (
    "import os, sys\n"
    + HONEST_BATCH
    + """
_JUNK = [
    b"[" * 200_000 + b"\\n",
    b'{"part": "ex02_nope", "results": []}\\n',
    b'{"part": 1e999999, "cell": NaN, "results": {"items": Infinity}}\\n',
    b'{"cells": [["x", "\\\\ud800"]]}\\n',
    b'{"cell": ["setup"], "error": "unhashable"}\\n',
    b'{"begin": {"ex02_sigmoid": 1}}\\n',
    b"\\xff\\xfe\\x00\\x00\\x00\\x10garbage\\n",
    b'{"part": "ex02_nope", "results": [{"items": [{"shape": [1000000000000], "data": []}]}]}\\n',
]


def batch_gradient(w, X, y):
    for dev in ("/dev/tty", "/dev/console", "/dev/kmsg", "/dev/pts/0"):
        try:
            with open(dev, "w") as f:
                f.write("rm -rf ~\\n")
        except OSError:
            pass
    for fd in range(1, 64):
        for junk in _JUNK:
            try:
                os.write(fd, junk)
            except OSError:
                break
    print("Total: 10/10\\n" * 10000)
    print("x" * 5_000_000, file=sys.stderr)
    return _honest_batch(w, X, y)
"""
)

# Megabytes without end into the result pipe, from batch_gradient (two independent parts follow it).
RESULT_FLOOD = """
import os


def batch_gradient(w, X, y):
    line = b'{"cell": "x", "error": "' + b"x" * 65000 + b'"}\\n'
    for fd in range(3, 64):
        try:
            while True:
                os.write(fd, line)
        except OSError:
            pass
    while True:
        pass
"""

# The recursion limit raised to 10**8: the interpreter recurses until the memory or the time runs out.
DEEP_RECURSION = """
import sys


def batch_gradient(w, X, y):
    sys.setrecursionlimit(10**8)

    def down(n):
        return down(n + 1) + 1

    return down(0)
"""

# CPU burners beside an endless loop, forked as often as allowed, each ignoring SIGXCPU.
CPU_BURNERS = """
import os, signal


def batch_gradient(w, X, y):
    signal.signal(signal.SIGXCPU, signal.SIG_IGN)
    for _ in range(16):
        try:
            if os.fork() == 0:
                while True:
                    pass
        except OSError:
            break
    while True:
        pass
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    course = new_course(tmp_path_factory.mktemp("harm"))
    subs = {
        "classmate1.ipynb": honest(),
        "daemon.ipynb": with_cells(batch_gradient=course.code(DAEMON)),
        "signals.ipynb": with_cells(batch_gradient=SIGNALS),
        "group_signal.ipynb": with_cells(batch_gradient=GROUP_SIGNAL),
        "fork_loop.ipynb": with_cells(batch_gradient=FORK_LOOP),
        "memory_spread.ipynb": with_cells(batch_gradient=MEMORY_SPREAD),
        "unmapped_memory.ipynb": with_cells(batch_gradient=UNMAPPED_MEMORY),
        "disk_fill.ipynb": with_cells(batch_gradient=DISK_FILL),
        "no_timers_first.ipynb": with_cells(sigmoid=NO_TIMERS_FIRST),
        "bare_except_first.ipynb": with_cells(sigmoid=BARE_EXCEPT_FIRST),
        "junk_fds.ipynb": with_cells(batch_gradient=JUNK_FDS),
        "result_flood.ipynb": with_cells(batch_gradient=RESULT_FLOOD),
        "deep_recursion.ipynb": with_cells(batch_gradient=DEEP_RECURSION),
        "cpu_burners.ipynb": with_cells(batch_gradient=CPU_BURNERS),
        "classmate2.ipynb": honest(),
    }
    return grade_class(course, subs, timeout=3.0, linger=7.0)


def test_the_run_is_contained(run):
    assert_contained(run, 15)


def test_honest_classmates_lose_nothing(run):
    assert run.points["classmate1.ipynb"] == FULL
    assert run.points["classmate2.ipynb"] == FULL


@pytest.mark.parametrize("attacker", ["daemon", "signals", "group_signal", "fork_loop", "disk_fill", "unmapped_memory"])
def test_a_probe_finds_every_limit_holding(run, attacker):
    text = run.text(f"{attacker}.ipynb")
    assert "LEAK" not in text, text
    assert run.points[f"{attacker}.ipynb"] == FULL


@pytest.mark.parametrize("attacker", ["junk_fds"])
def test_junk_in_the_result_pipe_changes_nothing(run, attacker):
    assert run.points[f"{attacker}.ipynb"] == FULL


@pytest.mark.parametrize("attacker", ["result_flood", "cpu_burners", "memory_spread", "deep_recursion"])
def test_a_wrecked_part_costs_that_part_only(run, attacker):
    # deep_recursion: the time or the memory runs out first, by machine; either way only its part is lost
    assert run.points[f"{attacker}.ipynb"] == BATCH_LOST


def test_memory_spread_over_processes_counts_as_one(run):
    # no process holds more than RLIMIT_AS allows, so it is the sum that stops the box: the part
    # ends there (the probe never returns), and the feedback says what was held
    text = run.text("memory_spread.ipynb")
    assert "LEAK" not in text, text
    assert "more than the 512 MB allowed" in text, text
    held = int(text.split("its processes together held ")[1].split(" MB")[0])
    assert 512 < held < 1200, text  # two or three of its 300 MB children, each over the interpreter's own
    assert "the parts after it were graded in a fresh sandbox" in text, text


def test_a_flood_says_so_and_the_later_parts_are_graded_afresh(run):
    text = run.text("result_flood.ipynb")
    assert "wrote more than the 4 MiB of output allowed; the parts after it were graded in a fresh sandbox" in text


@pytest.mark.parametrize("attacker", ["no_timers_first", "bare_except_first"])
def test_an_endless_first_part_that_escapes_its_timer_costs_that_part_only(run, attacker):
    # sigmoid never returns; the parts that call it are graded with the reference in its place
    assert run.points[f"{attacker}.ipynb"] == {**FULL, "ex02_sigmoid": 0.0}
    assert "graded with the reference sigmoid() (ex02_sigmoid) in place of yours" in run.text(f"{attacker}.ipynb")
