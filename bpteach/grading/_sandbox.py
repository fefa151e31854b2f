"""The grading worker: a pre-warmed process that forks one limited child per submission.

Run as a script (``python -I _sandbox.py``), never imported by the grader, so that neither the
grader's references nor the bpteach core sit in the memory of the process the student's code
runs in. It imports the standard library and numpy only.

Protocol on stdin/stdout, each message a 4-byte big-endian length and a payload:
  grader -> worker: a pickled job {"preamble", "cells": [(cell_id, source)], "parts": [{"id",
      "func", "n_outputs", "cases"}], "timeout", "stage_timeout", "memory_mb"}
  worker -> grader: JSON {"status", "detail", "lines"}; ``lines`` is the child's raw output,
      one JSON object per line, which the grader validates (it was written by student code's
      process and is trusted for nothing).
The child writes to a private pipe; its stdin, stdout and stderr are /dev/null.
"""

import contextlib
import copy
import json
import os
import pickle
import resource
import select
import signal
import struct
import sys
import time

import numpy as np

MAX_OUTPUT = 64 * 2**20
MAX_VALUES = 2_000_000


class StageTimeout(BaseException):
    """Raised in the child when one stage (the cells, or one part) runs out of time."""


def read_message(stream):
    head = stream.read(4)
    if len(head) < 4:
        return None
    (n,) = struct.unpack(">I", head)
    return stream.read(n)


def write_message(stream, payload):
    stream.write(struct.pack(">I", len(payload)) + payload)
    stream.flush()


# ----------------------------------------------------------------------------- the child
def unwire(value):
    if isinstance(value, dict) and set(value) == {"__bpteach_source__"}:
        return eval(value["__bpteach_source__"], {"np": np})  # the grader's own text
    if isinstance(value, tuple):
        return tuple(unwire(v) for v in value)
    return value


def key_text(key):
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        return repr(int(key))
    if isinstance(key, str):
        return repr(key)
    if isinstance(key, tuple) and all(isinstance(k, (int, np.integer)) and not isinstance(k, bool) for k in key):
        return repr(tuple(int(k) for k in key))
    msg = f"returned a dict with the key {key!r}: keys must be ints or tuples of ints"
    raise TypeError(msg)


def encode_array(value):
    try:
        arr = np.asarray(value, dtype=np.float64)
    except Exception:  # any object that is not numbers, or an argument turned odd
        msg = f"returned a {type(value).__name__}, which is not a number or an array of numbers"
        raise TypeError(msg) from None
    if arr.size > MAX_VALUES:
        msg = f"returned {arr.size} numbers, more than the {MAX_VALUES} allowed"
        raise ValueError(msg)
    return {"shape": [int(s) for s in arr.shape], "data": arr.ravel().tolist()}


def encode_one(value):
    if isinstance(value, dict):
        return {"dict": [[key_text(k), encode_array(v)] for k, v in value.items()]}
    return encode_array(value)


def encode(value, n_outputs):
    if n_outputs == 1:
        return {"items": [encode_one(value)]}
    if not isinstance(value, (tuple, list)):
        msg = f"returned a {type(value).__name__}, expected a tuple of {n_outputs or 'several'} values"
        raise TypeError(msg)
    if n_outputs is not None and len(value) != n_outputs:
        msg = f"returned {len(value)} values, expected {n_outputs}"
        raise TypeError(msg)
    return {"items": [encode_one(v) for v in value]}


def same(before, after):
    try:
        if isinstance(before, np.ndarray):
            return (
                isinstance(after, np.ndarray)
                and before.shape == after.shape
                and bool(np.array_equal(before, after, equal_nan=True))
            )
        if isinstance(before, dict):
            return (
                isinstance(after, dict)
                and list(before) == list(after)
                and all(same(before[k], after[k]) for k in before)
            )
        if isinstance(before, (list, tuple)):
            return (
                type(before) is type(after)
                and len(before) == len(after)
                and all(same(b, a) for b, a in zip(before, after, strict=False))
            )
        if callable(before):
            return True
        return bool(before == after)
    except Exception:  # any object that is not numbers, or an argument turned odd
        return False


def describe(exc):
    if isinstance(exc, StageTimeout):
        return "TimeoutError: took longer than its share of the time limit"
    if isinstance(exc, SystemExit):
        return f"SystemExit: the code called sys.exit({exc.code!r})"
    if isinstance(exc, KeyboardInterrupt):
        return "KeyboardInterrupt"
    text = str(exc)
    if len(text) > 300:
        text = text[:300] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def send(fd, obj):
    data = (json.dumps(obj) + "\n").encode()
    while data:
        data = data[os.write(fd, data) :]


def on_alarm(signum, frame):
    raise StageTimeout


def limit(job):
    soft_as = job["memory_mb"] * 2**20
    try:
        with open("/proc/self/statm") as f:
            soft_as += int(f.read().split()[0]) * resource.getpagesize()
    except OSError:
        pass
    resource.setrlimit(resource.RLIMIT_AS, (soft_as, soft_as))
    cpu = int(job["timeout"]) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # no file can grow: the results go through a pipe, and a submission cannot fill the disk or
    # write into the grades or feedback files (Python ignores SIGXFSZ, so a write raises OSError)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


def child(job, fd):
    os.setsid()
    null = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1, 2):
        os.dup2(null, target)
    limit(job)
    signal.signal(signal.SIGALRM, on_alarm)
    stage = job["stage_timeout"]
    ns = {"__name__": "__main__"}
    errors = []
    for cell_id, source in [("setup", job["preamble"]), *job["cells"]]:
        signal.setitimer(signal.ITIMER_REAL, stage)
        try:
            exec(compile(source, f"<cell {cell_id}>", "exec"), ns)
        except BaseException as exc:  # a broken cell must not stop the others
            errors.append([cell_id, describe(exc)])
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    send(fd, {"cells": errors})
    for part in job["parts"]:
        fn = ns.get(part["func"])
        if not callable(fn):
            send(fd, {"part": part["id"], "missing": True})
            continue
        results = []
        signal.setitimer(signal.ITIMER_REAL, stage)
        try:
            for case in part["cases"]:
                args = unwire(copy.deepcopy(case))
                before = copy.deepcopy(args)
                try:
                    out = encode(fn(*args), part["n_outputs"])
                    out["mutated"] = [k for k, (b, a) in enumerate(zip(before, args, strict=False)) if not same(b, a)]
                    results.append(out)
                except StageTimeout:
                    raise
                except BaseException as exc:  # report, go on with the next input
                    results.append({"error": describe(exc)})
        except StageTimeout as exc:
            results.append({"error": describe(exc)})
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        send(fd, {"part": part["id"], "results": results})


# ----------------------------------------------------------------------------- the worker
def run(job):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            child(job, w)
        finally:
            os._exit(0)
    os.close(w)
    pidfd = os.pidfd_open(pid)
    deadline = time.monotonic() + job["timeout"]
    chunks, size, status, detail = [], 0, None, ""
    eof = exited = False
    exit_status = 0
    while not exited or not eof:
        remaining = deadline - time.monotonic()
        if remaining <= 0 and status is None:
            status, detail = "timeout", f"stopped after the time limit of {job['timeout']:g} s"
            kill_group(pid)
            deadline = time.monotonic() + 1.0  # a grace period to reap and drain
            continue
        if remaining <= 0:  # a stray grandchild keeps the pipe open: stop listening
            break
        fds = ([] if eof else [r]) + ([] if exited else [pidfd])
        ready, _, _ = select.select(fds, [], [], remaining)
        if r in ready:
            data = os.read(r, 1 << 16)
            if not data:
                eof = True
            else:
                size += len(data)
                chunks.append(data)
                if size > MAX_OUTPUT and status is None:
                    status, detail = "output", "wrote more output than the grader accepts"
                    kill_group(pid)
                    eof = True
        if pidfd in ready:
            _, exit_status = os.waitpid(pid, 0)
            exited = True
            kill_group(pid)  # grandchildren it left behind
    os.close(r)
    os.close(pidfd)
    if status is None:
        if os.WIFSIGNALED(exit_status):
            sig = os.WTERMSIG(exit_status)
            status = "signal"
            detail = f"the solution process was killed by signal {sig} ({signal.Signals(sig).name})"
        elif os.WEXITSTATUS(exit_status) != 0:
            status, detail = "exit", f"the solution process exited with status {os.WEXITSTATUS(exit_status)}"
        else:
            status = "ok"
    lines = b"".join(chunks).decode("utf-8", errors="replace")
    return {"status": status, "detail": detail, "lines": lines}


def kill_group(pid):
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)


def main():
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    write_message(stdout, b'{"ready": true}')
    while True:
        payload = read_message(stdin)
        if payload is None:
            return
        job = pickle.loads(payload)
        write_message(stdout, json.dumps(run(job)).encode())


if __name__ == "__main__":
    main()
