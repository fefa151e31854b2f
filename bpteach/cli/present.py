"""``bpteach present LECTURE``: a lecture as a live presentation (Voila, widgets working, code hidden).

RISE for JupyterLab 4 does not render ipywidgets, so live presenting goes through Voila, which runs
the notebook in a fresh kernel and shows its outputs (markdown, figures, widgets) without the code.
The slideshow metadata of the lectures serves ``bpteach export LECTURE --to slides``.

``LECTURE`` is a path to a notebook, or a lecture's number or name: ``01``, ``1``, ``01_sigmoid``
and ``sigmoid`` all resolve to ``lectures/01_sigmoid.ipynb`` (looked up in ``--lectures``, default
``./lectures``, then the lectures beside the package in a source checkout). Voila is bound to
127.0.0.1. Needs the ``present`` extra: ``pip install 'bpteach[present]'``.

``--theme`` and ``--scale`` reach every app of the lecture: Voila gets its own ``--theme`` and its
kernels inherit ``BPTEACH_THEME`` and ``BPTEACH_SCALE`` from its environment (the widgets read them
as their defaults). Voila runs in a process group of its own; SIGTERM, SIGINT or SIGHUP to
``bpteach present`` stops that group and then every kernel Voila started (kernels run in sessions
of their own, so they would outlive a Voila that died before shutting them down).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import math
import os
import signal
import subprocess
import sys
from pathlib import Path

__all__ = ["INSTALL_HINT", "THEMES", "add_arguments", "find_lecture", "run", "stop_voila", "voila_command", "voila_env"]

INSTALL_HINT = "pip install 'bpteach[present]'"


def _lecture_dirs(lectures: Path | None) -> list[Path]:
    if lectures is not None:
        return [lectures]
    checkout = Path(__file__).resolve().parents[2] / "lectures"
    dirs = [d.resolve() for d in (Path.cwd() / "lectures", checkout) if d.is_dir()]
    return list(dict.fromkeys(dirs))  # in the checkout itself both are the same folder


def find_lecture(lecture: str, lectures: Path | None = None) -> Path:
    """The notebook ``lecture`` names: a path, or a number/name looked up in the lecture folder.

    Raises ``FileNotFoundError`` naming what was looked for and the lectures available, or
    ``ValueError`` when a short name matches more than one lecture.
    """
    if not isinstance(lecture, str) or not lecture.strip():
        msg = f"LECTURE must be a notebook path or a lecture number/name such as '01' or '01_sigmoid', got {lecture!r}"
        raise ValueError(msg)
    direct = Path(lecture)
    if direct.suffix == ".ipynb" and direct.is_file():
        return direct.resolve()
    dirs = _lecture_dirs(lectures)
    notebooks = sorted({p.resolve() for d in dirs for p in d.glob("*.ipynb")}, key=lambda p: p.name)
    stem = direct.stem if direct.suffix == ".ipynb" else lecture.strip()
    number = f"{int(stem):02d}" if stem.isdigit() else None
    matches = [
        p
        for p in notebooks
        if p.stem == stem
        or (number is not None and p.stem.split("_", 1)[0] == number)
        or p.stem.split("_", 1)[-1] == stem
    ]
    # the same file name in ./lectures and in the checkout: the first folder wins
    by_name = {}
    for p in matches:
        by_name.setdefault(p.name, p)
    matches = list(by_name.values())
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        msg = f"LECTURE {lecture!r} matches several lectures: {', '.join(p.name for p in matches)}; give the full name"
        raise ValueError(msg)
    where = ", ".join(str(d) for d in dirs) or "no lectures/ folder here"
    available = ", ".join(sorted({p.stem for p in notebooks})) or "none"
    msg = f"no lecture {lecture!r}: not a notebook file, and not in {where} (available: {available})"
    raise FileNotFoundError(msg)


THEMES = ("light", "dark")


CLOSED_TAB_KERNEL_SECONDS = 300


def voila_command(
    notebook: Path,
    port: int,
    open_browser: bool = True,
    theme: str = "light",
    python: str = sys.executable,
    cull_after: float = CLOSED_TAB_KERNEL_SECONDS,
) -> list[str]:
    """The Voila command line: the notebook alone, on 127.0.0.1:``port``, code hidden.

    Each page Voila shows gets a kernel of its own. A closed tab should stop it, but Voila 0.5.13's
    page asks without the XSRF token and is refused (403), so without culling every reload during a
    lecture would leave a kernel running until the presenter stops. A kernel with no page connected
    and idle for ``cull_after`` seconds is stopped; an open page, however idle, keeps its kernel.
    """
    cmd = [
        python,
        "-m",
        "voila",
        str(notebook),
        "--Voila.ip=127.0.0.1",
        f"--port={port}",
        f"--theme={theme}",
        "--strip_sources=True",  # hide the code (Voila's default, said out loud)
        "--show_tracebacks=True",  # an instructor sees why a cell failed, in front of the class
        f"--MappingKernelManager.cull_idle_timeout={cull_after:g}",
        f"--MappingKernelManager.cull_interval={max(1, round(cull_after / 5))}",
        "--MappingKernelManager.cull_connected=False",  # a page left open keeps its kernel
    ]
    if not open_browser:
        cmd.append("--no-browser")
    return cmd


def voila_env(theme: str, scale: float, base: dict[str, str] | None = None) -> dict[str, str]:
    """Voila's environment: ``base`` (default ``os.environ``) with the widgets' theme and scale.

    Voila's kernels inherit it, so every app of the lecture starts in that theme at that scale.
    """
    if theme not in THEMES:
        msg = f"theme must be one of {', '.join(THEMES)}, got {theme!r}"
        raise ValueError(msg)
    if not (isinstance(scale, (int, float)) and math.isfinite(scale) and 0.5 <= scale <= 4):
        msg = f"scale must be a number between 0.5 and 4 (1 = normal, 1.5 or 2 for a projector), got {scale!r}"
        raise ValueError(msg)
    env = dict(os.environ if base is None else base)
    env["BPTEACH_THEME"] = theme
    env["BPTEACH_SCALE"] = f"{float(scale):g}"
    return env


def _descendants(pid: int) -> list[object]:
    """Every process below ``pid`` (psutil processes), or [] without psutil or once ``pid`` is gone."""
    try:
        import psutil
    except ImportError:  # the group is still stopped; only kernels orphaned by a crashed Voila remain
        return []
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def stop_voila(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """Stop Voila (its own process group) and every process it started, kernels included.

    Voila gets SIGTERM first and ``timeout`` seconds to shut its kernels down itself; whatever it
    started and is still alive after that (kernels sit in sessions of their own) gets SIGKILL.
    """
    started = _descendants(proc.pid)  # before the TERM: once Voila is gone its kernels are orphans
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    for child in started:
        with contextlib.suppress(Exception):  # psutil.Error: it has exited meanwhile
            child.wait(timeout=max(0.5, timeout / 2))  # a kernel told to stop may need a moment
        with contextlib.suppress(Exception):
            if child.is_running():  # compares the start time too: never a recycled pid
                child.kill()
                child.wait(timeout=5)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("lecture", help="a notebook path, or a lecture number or name: 01, 01_sigmoid, sigmoid")
    p.add_argument("--port", type=int, default=8866, help="the port (default 8866, Voila's)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser; print the URL")
    p.add_argument("--theme", choices=THEMES, default="light", help="Voila's and the widgets' theme (default light)")
    p.add_argument("--scale", type=float, default=1.0, help="the widgets' size: 1.5 or 2 for a projector (default 1)")
    p.add_argument("--lectures", type=Path, help="the lecture folder (default ./lectures, then the checkout's)")


class _Stop(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_stop(signum: int, frame: object) -> None:
    raise _Stop(signum)


def run(ns: argparse.Namespace) -> int:
    """``bpteach present LECTURE [--port N] [--no-browser] [--theme light|dark] [--scale S]``; the exit status."""
    if not 1 <= ns.port <= 65535:
        msg = f"--port must be between 1 and 65535, got {ns.port}"
        raise ValueError(msg)
    env = voila_env(ns.theme, ns.scale)
    notebook = find_lecture(ns.lecture, ns.lectures)
    if importlib.util.find_spec("voila") is None:
        msg = f"presenting needs Voila, which is not installed: {INSTALL_HINT}"
        raise ValueError(msg)
    print(f"bpteach present: {notebook.name} on http://127.0.0.1:{ns.port}/ (Ctrl-C to stop)", flush=True)
    stops = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    previous = {s: signal.signal(s, _raise_stop) for s in stops}
    proc = None
    try:
        # a session of its own: a Ctrl-C in the terminal reaches us alone, and we stop Voila's whole group;
        # a signal that comes while Voila starts waits until ``proc`` is known
        signal.pthread_sigmask(signal.SIG_BLOCK, stops)
        try:
            proc = subprocess.Popen(
                voila_command(notebook, ns.port, not ns.no_browser, ns.theme), env=env, start_new_session=True
            )
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, stops)
        return proc.wait()
    except _Stop as stop:
        return 128 + stop.signum
    finally:
        for s in stops:  # a second signal while stopping must not interrupt the cleanup
            signal.signal(s, signal.SIG_IGN)
        if proc is not None:
            stop_voila(proc)
        for s, handler in previous.items():
            signal.signal(s, handler)
