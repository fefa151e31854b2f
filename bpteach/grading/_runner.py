"""Inside the sandbox: run one submission's cells, call its functions, write the outputs.

Runs in the student's process (the sandbox's innermost child), so it imports the standard library,
numpy and ``wire`` only, and holds nothing but this submission's job: the code cells to run (the
setup cell replaced by the exercise's preamble, the test cells left out), the parts to call with
their inputs. When an earlier part already lost its points, a later part that calls it is run again
with a stand-in for it that asks the grader for the reference's values (``{"call": ...}`` out on the
result pipe, the answer back on the job pipe): the reference itself never comes here.

Output, one JSON object per line on the result pipe (the grader validates every byte):
  {"cell": label}                           a cell that ran
  {"cell": label, "error": text}            a cell that raised
  {"begin": grade_id}                       a part starts (a box that ends before its record ended there)
  {"part": grade_id, "missing": true}       the function is not defined
  {"part": grade_id, "calls": [grade_id], "results": [{"items": ..., "mutated": [k]} | {"error": text}]}
  {"call": func, "args": {"items": ...}}   a stand-in asks for the reference's value (the answer:
                                           {"value": {"items": ...}, "single": bool} | {"error": text})

Only the runner's own process writes there. A process the student's code forks is a copy of the
runner: one that comes back into it (a child that returned or raised instead of calling os._exit,
as a fork that failed for the process limit does) would run the rest of the job and send a second
record of every part, which the grader takes for a forgery and scores 0; such a copy ends instead,
silently, where it would have written or gone on (``Runner.own``).
"""

import ast
import json
import os
import signal
import sys

import numpy as np
import wire

# bound before any student code runs: a cell that rebinds os.getpid or os._exit cannot reach these
_getpid, _exit = os.getpid, os._exit
# likewise numpy's error state, for a part whose float warnings count as errors ("strict_floats")
_errstate = np.errstate
_STRICT = {"over": "raise", "invalid": "raise"}


class StageTimeout(BaseException):
    """Raised in the student's process when one stage (the cells, or one part) runs out of time."""


class _NoBpteach:
    """An import hook that names the reason when a submission imports bpteach (it is not here)."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name == "bpteach" or name.startswith("bpteach."):
            raise ModuleNotFoundError(wire.BPTEACH_BLOCKED, name=name)
        return None


def describe(exc):
    if isinstance(exc, StageTimeout):
        return "TimeoutError: took longer than the time limit"
    if isinstance(exc, SystemExit):
        return f"SystemExit: the code called sys.exit({wire.clean_text(repr(exc.code), 40)})"
    if isinstance(exc, RecursionError):
        return "RecursionError: maximum recursion depth exceeded"
    try:
        text = wire.clean_text(str(exc))
    except BaseException:  # an exception whose str() itself fails
        text = ""
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


class Runner:
    def __init__(self, job, fd, reply_fd=None):
        self.job, self.fd, self.reply_fd = job, fd, reply_fd
        self.pid = _getpid()  # the one process that speaks for this submission
        self.replies = b""
        self.ns = {"__name__": "__main__", "check": lambda *args, **kwargs: None}

    def own(self):
        """End here unless this is the runner's own process (see the module's docstring): a copy
        that the student's code forked ends as if it had called os._exit(0)."""
        if _getpid() != self.pid:
            _exit(0)

    def send(self, obj):
        self.own()
        data = (json.dumps(obj) + "\n").encode()
        while data:
            data = data[os.write(self.fd, data) :]

    def stage(self):
        signal.setitimer(signal.ITIMER_PROF, self.job["cpu"])
        signal.setitimer(signal.ITIMER_REAL, self.job["wall"])

    @staticmethod
    def unstage():
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)

    def run_cells(self):
        """The first solution cell of each part gets a stage of its own; every other cell (setup,
        helpers, demonstrations, repeated solution cells) runs on one budget they all share, so a
        notebook of many slow cells gets no more time than one."""
        graded, timed = set(self.job.get("graded", ())), set()
        full = (self.job["cpu"], self.job["wall"])
        pool = full
        skipped = []
        for label, source in self.job["cells"]:
            own = label in graded and label not in timed
            if own:
                timed.add(label)
            elif min(pool) <= 0:
                skipped.append(label)
                continue
            budget = full if own else pool
            try:
                FIRED.clear()
                signal.setitimer(signal.ITIMER_PROF, budget[0])
                signal.setitimer(signal.ITIMER_REAL, budget[1])
                try:
                    exec(compile(source, f"<cell {label}>", "exec"), self.ns)
                    result = {"cell": label}  # progress
                except BaseException as exc:  # a broken cell must not stop the others
                    result = {"cell": label, "error": describe(exc)}
                left = (signal.getitimer(signal.ITIMER_PROF)[0], signal.getitimer(signal.ITIMER_REAL)[0])
                self.unstage()
            except StageTimeout:  # went off between the cell and the end of its stage
                self.unstage()
                result, left = {"cell": label, "error": describe(StageTimeout())}, (0.0, 0.0)
            if not own:  # never more than it had (a cell may have set the timers itself)
                pool = (0.0, 0.0) if FIRED else (min(left[0], pool[0]), min(left[1], pool[1]))
            self.send(result)
        if skipped:  # one line for them all
            more = f" (nor {len(skipped) - 1} cell(s) after it)" if len(skipped) > 1 else ""
            error = f"TimeoutError: not run{more}: the cells before used up the time they share"
            self.send({"cell": skipped[0], "error": error})

    def stand_in(self, name):
        """A stand-in for the failed earlier part ``name``: the grader computes its values (the
        reference never enters this process, so nothing of it can be read here)."""

        def stand_in(*args, **kwargs):
            if kwargs:
                args = (*args, *kwargs.values())
            self.send({"call": name, "args": wire.encode(wire.to_items(tuple(args), None))})
            while b"\n" not in self.replies:
                chunk = os.read(self.reply_fd, 1 << 16)
                if not chunk:
                    msg = "the grader did not answer"
                    raise RuntimeError(msg)
                self.replies += chunk
            line, self.replies = self.replies.split(b"\n", 1)
            answer = json.loads(line)
            if "error" in answer:
                raise ValueError(answer["error"])
            items = [live(it) for it in wire.decode(answer["value"], None)]
            return items[0] if answer["single"] else tuple(items)

        return stand_in

    def run_part(self, part):
        self.send({"begin": part["id"]})  # if the box ends before this part's record, it was this part
        fn = self.ns.get(part["func"])
        if not callable(fn):
            self.send({"part": part["id"], "missing": True})
            return
        saved = {}
        calls = []
        for gid, name in self.job["earlier"].get(part["id"], []):
            saved[name] = self.ns.get(name)
            if name in part.get("substitute", ()) and self.reply_fd is not None:
                self.ns[name] = self.tracker(gid, self.stand_in(name), calls)
            elif callable(saved[name]) or name not in self.ns:  # a missing one is tracked too
                self.ns[name] = self.tracker(gid, saved[name] or undefined(name), calls)
        results = []
        try:
            self.stage()
            for case in part["cases"]:
                out = self.call(fn, part, frozen(unwire(case)))
                if "read-only" in out.get("error", ""):  # it writes into its input: find which one
                    named = self.call(fn, part, writable(unwire(case)))
                    if named.get("mutated"):
                        out = named
                results.append(out)
        except StageTimeout as exc:
            results.append({"error": describe(exc)})
        finally:
            self.unstage()
            for name, value in saved.items():
                if value is None:
                    self.ns.pop(name, None)
                else:
                    self.ns[name] = value
        self.send({"part": part["id"], "calls": sorted(set(calls)), "results": results})

    def call(self, fn, part, args):
        before = [snapshot(a) for a in args]
        try:
            with _errstate(**(_STRICT if part.get("strict_floats") else {})):
                value = fn(*args)
            out = wire.encode(wire.to_items(value, part["n_outputs"]))
        except StageTimeout:
            raise
        except BaseException as exc:  # report, go on with the next input
            return {"error": describe(exc)}
        finally:
            self.own()  # a copy that fn forked stops before the next input
        out["mutated"] = [k for k, (b, a) in enumerate(zip(before, args, strict=True)) if b != snapshot(a)]
        return out

    @staticmethod
    def tracker(gid, fn, calls):
        def tracked(*args, **kwargs):
            calls.append(gid)
            return fn(*args, **kwargs)

        return tracked

    def run(self):
        sys.meta_path.insert(0, _NoBpteach)
        signal.signal(signal.SIGALRM, on_timer)
        signal.signal(signal.SIGPROF, on_timer)
        self.run_cells()
        for part in self.job["parts"]:
            self.run_part(part)


def undefined(name):
    def missing(*args, **kwargs):
        msg = f"name {name!r} is not defined"
        raise NameError(msg)

    return missing


# bound before any student code runs: a cell that rebinds np.frombuffer cannot reach these
_frombuffer, _ndarray = np.frombuffer, np.ndarray


def frozen(value):
    """An input as a fresh read-only array over immutable bytes: writing into it raises (numpy refuses
    to make such an array writeable again), so a function cannot change its input in place."""
    if type(value) is tuple:
        return tuple(frozen(v) for v in value)
    if type(value) is list:
        return [frozen(v) for v in value]
    if type(value) is dict:
        return {k: frozen(v) for k, v in value.items()}
    if type(value) is _ndarray:
        return _frombuffer(value.tobytes(), dtype=value.dtype).reshape(value.shape)
    return value


def writable(value):
    """An input as fresh writable arrays: only to name the input a function writes into."""
    if type(value) in (tuple, list):
        return type(value)(writable(v) for v in value)
    if type(value) is dict:
        return {k: writable(v) for k, v in value.items()}
    if type(value) is _ndarray:
        return _frombuffer(bytearray(value.tobytes()), dtype=value.dtype).reshape(value.shape)
    return value


def snapshot(value):
    """An input's exact content, to compare before and after the call (containers can still change)."""
    if isinstance(value, _ndarray):
        return ("array", value.shape, value.dtype.str, value.tobytes())
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, tuple(snapshot(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple((repr(k), snapshot(v)) for k, v in value.items()))
    if callable(value):
        return ("function",)
    return ("value", repr(value))


FIRED = []  # not empty once the current stage's timer went off (even if the code caught it)


def live(item):
    """An item of the wire format as a value: a number for a 0-d array, int keys for a dict."""
    if isinstance(item, dict):
        return {ast.literal_eval(k): live(v) for k, v in item.items()}
    return float(item) if item.ndim == 0 else item


def on_timer(signum, frame):
    FIRED.append(signum)
    raise StageTimeout


def unwire(value):
    """Inputs as the student's function receives them: a given function arrives as its source."""
    if isinstance(value, dict) and set(value) == {"__bpteach_source__"}:
        return eval(value["__bpteach_source__"], {"np": np})  # the grader's own text
    if isinstance(value, tuple):
        return tuple(unwire(v) for v in value)
    return value
