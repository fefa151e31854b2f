"""The grader's side of the sandbox: start bubblewrap with a clean zygote, run one submission.

bubblewrap (Debian's ``bubblewrap``, Flatpak's sandbox) builds the box: new PID, network, IPC,
UTS and mount namespaces (and a user namespace when the grader is not root), a read-only view of
the C library, the Python standard library and numpy and nothing else (no bpteach, no
site-packages, no submission, grades or feedback folder), no writable path; ``--die-with-parent``
and ``--new-session``. Inside it the zygote (``_zygote.py``) has imported numpy and forks, for each
submission, a child in fresh user, PID, mount and IPC namespaces with its own small tmpfs, no
capabilities, a seccomp filter against memory no process maps, and limits on memory (for all its
processes together), CPU, processes and files (see ``_zygote``). Started by root,
the zygote becomes ``nobody`` first, so student code never runs as root. Where bubblewrap cannot
run, ``Sandbox`` refuses with :class:`SandboxUnavailable`; ``trusted=True`` (``--no-sandbox``)
runs the same zygote without bubblewrap, for the instructor's own notebooks only.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["INSTALL_HINT", "Limits", "Outcome", "Sandbox", "SandboxUnavailable"]

_HERE = Path(__file__).resolve().parent
_INSIDE = ("_zygote.py", "_runner.py", "wire.py")  # the only bpteach files in the box: no reference
_SITE = "/sbx/site"
INSTALL_HINT = (
    "bpteach grade runs every submission in a bubblewrap sandbox; install it with "
    "'apt-get install bubblewrap' (Debian/Ubuntu) or 'dnf install bubblewrap' (Fedora); it needs "
    "Linux with unprivileged user namespaces. To grade your own trusted notebooks without it, "
    "pass --no-sandbox"
)
MAX_OUTPUT = 4 * 2**20  # bytes of results one submission may send back


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot build a sandbox on this machine."""


@dataclass(frozen=True)
class Limits:
    """Per submission: seconds of CPU per stage (each solution cell, the other cells together, each
    part), memory and the rest."""

    cpu: float = 10.0
    memory_mb: int = 512
    nproc: int = 8  # tasks in the submission's own user namespace (the box's three included)
    tmp_mb: int = 16

    @property
    def wall(self) -> float:
        """Wall-clock seconds per stage: CPU time is what counts, so a machine busy with other work
        (load above its CPU count) stretches the wall clock in proportion; sleeping gets no more."""
        busy = os.getloadavg()[0] / (os.cpu_count() or 1)
        return (3.0 * self.cpu + 1.0) * max(1.0, busy)

    def deadline(self, n_stages: int) -> float:
        return n_stages * self.wall + 2.0


@dataclass(frozen=True)
class Outcome:
    """What came back from one submission: the box's status and its raw output (to validate)."""

    status: str  # ok, timeout, memory, output, signal, exit, setup, lost
    detail: str
    output: bytes


def _numpy_dirs() -> list[tuple[Path, str]]:
    pkg = Path(np.__file__).resolve().parent
    dirs = [(pkg, f"{_SITE}/numpy")]
    libs = pkg.parent / "numpy.libs"
    if libs.is_dir():
        dirs.append((libs, f"{_SITE}/numpy.libs"))
    return dirs


def _site_dirs() -> set[Path]:
    """Every directory where installed packages (bpteach among them) could live."""
    import site

    found = set(site.getsitepackages([sys.prefix, sys.base_prefix]))
    found.add(site.getusersitepackages())
    for pattern in (
        "/usr/lib/python3*/*-packages",
        "/usr/local/lib/python3*/*-packages",
        "/usr/lib/python3/*-packages",
    ):
        found.update(glob.glob(pattern))
    return {Path(p).resolve() for p in found if os.path.isdir(p)}


def _under(path: Path, roots: list[Path]) -> bool:
    return any(path == r or r in path.parents for r in roots)


def bwrap_command(root: bool) -> list[str]:
    """The bubblewrap command line that starts the zygote."""
    exe = Path(sys.executable).resolve()
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    binds: list[Path] = []
    libdir = Path(sysconfig.get_config_var("LIBDIR") or "/usr/lib").resolve()
    for extra in sorted({Path("/usr"), stdlib, exe.parent, libdir}, key=lambda p: len(p.parts)):
        if not _under(extra, binds):
            binds.append(extra)
    args = ["bwrap", "--die-with-parent", "--new-session", "--unshare-all", "--clearenv"]
    if root:  # no user namespace for bubblewrap itself: the zygote becomes nobody at once
        args = ["bwrap", "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-ipc"]
        args += ["--unshare-net", "--unshare-uts", "--unshare-cgroup-try", "--clearenv"]
        args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        args += ["--uid", "1000", "--gid", "1000", "--cap-drop", "ALL"]
    args += ["--setenv", "OPENBLAS_NUM_THREADS", "1", "--setenv", "OMP_NUM_THREADS", "1"]
    args += ["--setenv", "MKL_NUM_THREADS", "1", "--setenv", "LANG", "C.UTF-8", "--setenv", "HOME", "/tmp"]
    args += ["--tmpfs", "/", "--dev", "/dev", "--proc", "/proc", "--perms", "0755", "--dir", "/tmp"]
    for link in ("/bin", "/lib", "/lib64", "/lib32", "/libx32", "/sbin"):
        if os.path.islink(link):
            args += ["--symlink", os.readlink(link), link]
        elif os.path.isdir(link):
            binds.append(Path(link))
    made: set[str] = set()
    inside = [(p, p.as_posix()) for p in binds] + _numpy_dirs()
    for src, dest in inside:
        for parent in reversed(Path(dest).parents):
            if parent.as_posix() not in made and parent != Path("/"):
                args += ["--perms", "0755", "--dir", parent.as_posix()]
                made.add(parent.as_posix())
        args += ["--ro-bind", str(src), dest]
    for site_dir in sorted(_site_dirs()):
        if _under(site_dir, binds):  # installed packages stay out of sight: numpy comes in alone
            args += ["--tmpfs", site_dir.as_posix()]
    args += ["--perms", "0755", "--dir", "/sbx/lib"]
    for name in _INSIDE:
        args += ["--ro-bind", str(_HERE / name), f"/sbx/lib/{name}"]
    args += ["--remount-ro", "/", "--chdir", "/tmp"]
    return [*args, str(exe), "-I", "-S", "/sbx/lib/_zygote.py", _SITE]


def _bpteach_reachable(cmd: list[str]) -> bool:
    """Whether the box would show bpteach (installed under a bound folder that is not covered)."""
    bpteach = _HERE.parent
    bound = [Path(cmd[k + 1]) for k, a in enumerate(cmd) if a == "--ro-bind" and not cmd[k + 2].startswith("/sbx")]
    covered = [Path(cmd[k + 1]) for k, a in enumerate(cmd) if a == "--tmpfs"]
    return _under(bpteach, bound) and not _under(bpteach, [c for c in covered if c != Path("/")])


class Sandbox:
    """One bubblewrap box with its zygote; ``run`` grades one submission in a fresh child."""

    def __init__(self, trusted: bool = False) -> None:
        self.trusted = trusted
        self._proc: subprocess.Popen | None = None
        self._ctl: socket.socket | None = None
        self._start()

    # ----------------------------------------------------------------- lifetime
    def _start(self) -> None:
        root = os.geteuid() == 0
        if self.trusted:
            site = str(Path(np.__file__).resolve().parent.parent)
            cmd = [sys.executable, "-I", "-S", str(_HERE / "_zygote.py"), site, "trusted"]
            env = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        else:
            if shutil.which("bwrap") is None:
                msg = f"bubblewrap (bwrap) is not installed. {INSTALL_HINT}"
                raise SandboxUnavailable(msg)
            cmd = bwrap_command(root)
            if _bpteach_reachable(cmd):
                msg = f"bpteach is installed inside a folder the sandbox must show ({_HERE.parent}); {INSTALL_HINT}"
                raise SandboxUnavailable(msg)
            env = {}
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)  # one message each
        try:
            self._proc = subprocess.Popen(
                cmd,
                stdin=theirs,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env={**env, "PATH": "/usr/bin:/bin"} if not self.trusted else env,
                start_new_session=True,
                close_fds=True,
            )
        finally:
            theirs.close()
        self._ctl = ours
        hello = self._recv(30.0)
        if hello != b'{"ready": true}':
            self.close()
            msg = f"the sandbox did not start ({hello[:200]!r}). {INSTALL_HINT}"
            raise SandboxUnavailable(msg)

    def _recv(self, timeout: float) -> bytes:
        assert self._ctl is not None and self._proc is not None
        ready, _, _ = select.select([self._ctl], [], [], timeout)
        data = self._ctl.recv(4096) if ready else b""
        if not data:
            err = ""
            if self._proc.poll() is not None and self._proc.stderr is not None:
                err = self._proc.stderr.read(2000).decode("utf-8", "replace").strip()
            self.close()
            msg = f"the sandbox stopped answering{': ' + err if err else ''}. {INSTALL_HINT}"
            raise SandboxUnavailable(msg)
        return data

    def close(self) -> None:
        """Stop the box: the zygote reads end-of-file; the process group is killed to be sure."""
        proc, self._proc = self._proc, None
        if self._ctl is not None:
            self._ctl.close()
            self._ctl = None
        if proc is None:
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=2.0)
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- one submission
    def run(
        self,
        job: bytes,
        limits: Limits,
        n_stages: int,
        answer: Callable[[bytes], bytes] | None = None,
        within: float | None = None,
    ) -> Outcome:
        """Run one job (a pickled dict for ``_runner``) in a fresh child; never raises for its sake.

        ``answer`` (optional) turns a request line of the child (``{"call": ...}``) into the line
        that goes back to it on the job pipe (never raising). ``within`` (optional) caps the box's
        deadline (what is left of its submission's time)."""
        if self._proc is None or self._proc.poll() is not None:
            self.close()
            self._start()
        assert self._ctl is not None
        job_r, job_w = os.pipe()
        out_r, out_w = os.pipe()
        deadline = limits.deadline(n_stages)
        if within is not None:
            deadline = max(0.0, min(deadline, within))
        header = {
            "deadline": deadline,
            "memory_mb": limits.memory_mb,
            "cpu_total": limits.cpu * n_stages,
            "nproc": limits.nproc,
            "tmp_mb": limits.tmp_mb,
            "sandboxed": not self.trusted,
        }
        try:
            socket.send_fds(self._ctl, [json.dumps(header).encode()], [job_r, out_w])
        except OSError as exc:
            for fd in (job_r, job_w, out_r, out_w):
                os.close(fd)
            self.close()
            return Outcome("lost", f"the sandbox was lost ({exc})", b"")
        os.close(job_r)
        os.close(out_w)
        framed = struct.pack(">Q", len(job)) + job
        output, status, detail = self._exchange(framed, job_w, out_r, deadline + 5.0, limits.wall + 1.0, answer)
        if status == "lost":
            self.close()
        return Outcome(status, detail, output)

    def _exchange(
        self, job: bytes, job_w: int, out_r: int, patience: float, stage: float, answer: Callable | None
    ) -> tuple[bytes, str, str]:
        """Feed the job, read the output (bounded), then the zygote's report; both fds are closed here.

        Each stage ends with a line of output; a box silent for longer than a stage may take is
        stopped (a loop that catches the stage's timeout), as is one that writes too much.
        """
        assert self._ctl is not None
        os.set_blocking(job_w, False)
        out = bytearray()
        pending = bytearray(job)
        scanned = 0  # output before this offset has been searched for requests
        report = b""
        status, detail = "", ""
        end = time.monotonic() + patience
        quiet_until = time.monotonic() + stage
        readers = [out_r, self._ctl]
        writers = [job_w]
        try:
            while (readers or writers) and time.monotonic() < end:
                wait = min(end, quiet_until) - time.monotonic()
                ready_r, ready_w, _ = select.select(readers, writers, [], max(0.0, wait))
                if not (ready_r or ready_w) and time.monotonic() >= quiet_until and not status:
                    status, detail = "timeout", "stopped: a stage ran past its time limit"
                    self._ctl.send(b"k")
                    quiet_until = end
                if job_w in ready_w:
                    try:
                        n = os.write(job_w, pending[: 1 << 16])
                    except BrokenPipeError:
                        n = len(pending)
                    del pending[:n]
                    if not pending:
                        writers.remove(job_w)
                        if answer is None:
                            os.close(job_w)
                            job_w = -1
                if out_r in ready_r:
                    chunk = os.read(out_r, 1 << 16)
                    if not chunk:
                        readers.remove(out_r)
                    elif len(out) + len(chunk) > MAX_OUTPUT:
                        status, detail = "output", f"wrote more than the {MAX_OUTPUT // 2**20} MiB of output allowed"
                        self._ctl.send(b"k")
                        quiet_until = end
                        readers.remove(out_r)
                    else:
                        if b"\n" in chunk:
                            quiet_until = time.monotonic() + stage
                        out += chunk
                        if answer is not None and job_w >= 0:
                            end_of_lines = out.rfind(b"\n") + 1
                            for line in bytes(out[scanned:end_of_lines]).split(b"\n"):
                                if line.startswith(b'{"call"'):
                                    pending += answer(line) + b"\n"
                            scanned = max(scanned, end_of_lines)
                            if pending and job_w not in writers:
                                writers.append(job_w)
                if self._ctl in ready_r:
                    report = self._ctl.recv(4096)
                    readers.remove(self._ctl)
                    if not report:
                        break
        finally:
            if job_w >= 0:
                os.close(job_w)
            os.close(out_r)
        if not report:
            return bytes(out), "lost", "the sandbox stopped answering while running this submission"
        try:
            info = json.loads(report)
        except ValueError:
            return bytes(out), "lost", "the sandbox sent a malformed report"
        if status:
            return bytes(out), status, detail
        return bytes(out), str(info.get("status")), _detail(info)


def _detail(info: dict) -> str:
    status = info.get("status")
    if status == "timeout":
        return "stopped at the time limit"
    if status == "signal":
        sig = int(info.get("signal", 0))
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = "?"
        return f"the solution process was killed by signal {sig} ({name})"
    if status == "exit":
        return f"the solution process exited with status {info.get('code')}"
    if status == "setup":
        return f"the sandbox could not set up a box for this submission: {str(info.get('error'))[:300]}"
    if status == "memory":
        held, limit, base = (int(info.get(k, 0)) for k in ("held_mb", "limit_mb", "base_mb"))
        return (
            f"stopped: its processes together held {held} MB of memory, more than the {limit} MB allowed "
            f"(beyond the {base} MB of Python with numpy) for all of a submission's processes together"
        )
    if status == "killed":
        return "stopped: too much output"
    return ""
