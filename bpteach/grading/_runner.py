"""Inside the sandbox: run one submission's cells, call its functions, write the outputs.

Runs in the student's process (the sandbox's innermost child), so it imports the standard library,
numpy and ``wire`` only, and holds nothing but this submission's job: the code cells to run (the
setup cell replaced by the exercise's preamble, the test cells left out), the parts to call with
their inputs, and, only when an earlier part already lost its points, the reference source of that
earlier part to stand in for it.

Output, one JSON object per line on the result pipe (the grader validates every byte):
  {"cell": label}                           a cell that ran
  {"cell": label, "error": text}            a cell that raised
  {"part": grade_id, "missing": true}       the function is not defined
  {"part": grade_id, "calls": [grade_id], "results": [{"items": ..., "mutated": [k]} | {"error": text}]}
"""

import contextlib
import copy
import json
import os
import signal
import sys

import numpy as np
import wire


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
    def __init__(self, job, fd):
        self.job, self.fd = job, fd
        self.ns = {"__name__": "__main__", "check": lambda *args, **kwargs: None}

    def send(self, obj):
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
        for label, source in self.job["cells"]:
            try:
                self.stage()
                exec(compile(source, f"<cell {label}>", "exec"), self.ns)
                self.unstage()
                self.send({"cell": label})  # progress: each cell has its own time budget
            except BaseException as exc:  # a broken cell must not stop the others
                self.unstage()
                self.send({"cell": label, "error": describe(exc)})
            finally:
                self.unstage()

    def references(self):
        """The reference functions standing in for failed earlier parts (run 2 only)."""
        ref = {"__name__": "__reference__"}
        for source in self.job.get("reference_cells", []):
            with contextlib.suppress(Exception):  # a reference that cannot run: the student's own stays
                exec(compile(source, "<reference>", "exec"), ref)
        return ref

    def run_part(self, part, ref):
        fn = self.ns.get(part["func"])
        if not callable(fn):
            self.send({"part": part["id"], "missing": True})
            return
        saved = {}
        calls = []
        for gid, name in self.job["earlier"].get(part["id"], []):
            saved[name] = self.ns.get(name)
            if name in part.get("substitute", ()) and callable(ref.get(name)):
                self.ns[name] = ref[name]
            elif callable(saved[name]) or name not in self.ns:  # a missing one is tracked too
                self.ns[name] = self.tracker(gid, saved[name] or undefined(name), calls)
        results = []
        try:
            self.stage()
            for case in part["cases"]:
                args = unwire(copy.deepcopy(case))
                before = copy.deepcopy(args)
                try:
                    items = wire.to_items(fn(*args), part["n_outputs"])
                    out = wire.encode(items)
                    out["mutated"] = [
                        k for k, (b, a) in enumerate(zip(before, args, strict=True)) if not wire.same(b, a)
                    ]
                except StageTimeout:
                    raise
                except BaseException as exc:  # report, go on with the next input
                    out = {"error": describe(exc)}
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
        ref = self.references()
        for part in self.job["parts"]:
            self.run_part(part, ref)


def undefined(name):
    def missing(*args, **kwargs):
        msg = f"name {name!r} is not defined"
        raise NameError(msg)

    return missing


def on_timer(signum, frame):
    raise StageTimeout


def unwire(value):
    """Inputs as the student's function receives them: a given function arrives as its source."""
    if isinstance(value, dict) and set(value) == {"__bpteach_source__"}:
        return eval(value["__bpteach_source__"], {"np": np})  # the grader's own text
    if isinstance(value, tuple):
        return tuple(unwire(v) for v in value)
    return value
