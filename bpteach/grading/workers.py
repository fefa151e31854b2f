"""The grader's side of the worker processes (``_sandbox.py``): start, send a job, restart.

A worker is a pre-warmed Python that already imported numpy; for each submission it forks a
child with a time and a memory limit, so starting the student's code costs a fork, not a new
interpreter or a Jupyter kernel. A worker the student's code killed or stopped is replaced.
"""

from __future__ import annotations

import json
import os
import pickle
import select
import struct
import subprocess
import sys
from pathlib import Path

__all__ = ["Worker", "WorkerFailure"]

_SANDBOX = Path(__file__).with_name("_sandbox.py")
_ENV_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


class WorkerFailure(RuntimeError):
    """The worker process died or stopped answering (the student's code may have killed it)."""


class Worker:
    """One pre-warmed worker process; ``run(job)`` grades one submission's code."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        self._start()

    def _start(self) -> None:
        env = {**os.environ, **dict.fromkeys(_ENV_THREADS, "1")}
        env.pop("PYTHONPATH", None)
        # its own session: a child that signals its process group cannot reach the grader
        self._proc = subprocess.Popen(
            [sys.executable, "-I", str(_SANDBOX)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        self._read(30.0)  # the ready message: numpy is imported

    def _read(self, timeout: float) -> bytes:
        assert self._proc is not None and self._proc.stdout is not None
        out = self._proc.stdout
        head = self._read_exactly(out, 4, timeout)
        (n,) = struct.unpack(">I", head)
        return self._read_exactly(out, n, timeout)

    @staticmethod
    def _read_exactly(stream: object, n: int, timeout: float) -> bytes:
        fd = stream.fileno()  # type: ignore[attr-defined]
        data = b""
        while len(data) < n:
            ready, _, _ = select.select([fd], [], [], timeout)
            if not ready:
                msg = f"the worker gave no answer within {timeout:g} s"
                raise WorkerFailure(msg)
            chunk = os.read(fd, n - len(data))
            if not chunk:
                msg = "the worker process ended"
                raise WorkerFailure(msg)
            data += chunk
        return data

    def run(self, job: dict) -> dict:
        """Send one job; the worker's answer ``{"status", "detail", "lines"}`` (JSON-checked)."""
        if self._proc is None or self._proc.poll() is not None:
            self.restart()
        assert self._proc is not None and self._proc.stdin is not None
        payload = pickle.dumps(job)
        try:
            self._proc.stdin.write(struct.pack(">I", len(payload)) + payload)
            self._proc.stdin.flush()
            answer = json.loads(self._read(job["timeout"] + 10.0))
        except (OSError, ValueError, WorkerFailure) as exc:
            self.restart()
            msg = f"the grading worker was lost while running this submission ({exc})"
            raise WorkerFailure(msg) from None
        if not isinstance(answer, dict) or not isinstance(answer.get("lines"), str):
            self.restart()
            msg = "the grading worker sent a malformed answer"
            raise WorkerFailure(msg)
        return answer

    def restart(self) -> None:
        self.close()
        self._start()

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()
