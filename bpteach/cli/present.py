"""``bpteach present LECTURE``: a lecture as a live presentation (Voila, widgets working, code hidden).

RISE for JupyterLab 4 does not render ipywidgets, so live presenting goes through Voila, which runs
the notebook in a fresh kernel and shows its outputs (markdown, figures, widgets) without the code.
The slideshow metadata of the lectures still serves ``jupyter nbconvert --to slides``.

``LECTURE`` is a path to a notebook, or a lecture's number or name: ``01``, ``1``, ``01_sigmoid``
and ``sigmoid`` all resolve to ``lectures/01_sigmoid.ipynb`` (looked up in ``--lectures``, default
``./lectures``, then the lectures beside the package in a source checkout). Voila is bound to
127.0.0.1. Needs the ``present`` extra: ``pip install 'bpteach[present]'``.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
from pathlib import Path

__all__ = ["INSTALL_HINT", "add_arguments", "find_lecture", "run", "voila_command"]

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


def voila_command(
    notebook: Path, port: int, open_browser: bool = True, theme: str = "light", python: str = sys.executable
) -> list[str]:
    """The Voila command line: the notebook alone, on 127.0.0.1:``port``, code hidden."""
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
    ]
    if not open_browser:
        cmd.append("--no-browser")
    return cmd


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("lecture", help="a notebook path, or a lecture number or name: 01, 01_sigmoid, sigmoid")
    p.add_argument("--port", type=int, default=8866, help="the port (default 8866, Voila's)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser; print the URL")
    p.add_argument("--theme", choices=["light", "dark"], default="light", help="Voila's theme (default light)")
    p.add_argument("--lectures", type=Path, help="the lecture folder (default ./lectures, then the checkout's)")


def run(ns: argparse.Namespace) -> int:
    """``bpteach present LECTURE [--port N] [--no-browser] [--theme light|dark]``; the exit status."""
    if not 1 <= ns.port <= 65535:
        msg = f"--port must be between 1 and 65535, got {ns.port}"
        raise ValueError(msg)
    notebook = find_lecture(ns.lecture, ns.lectures)
    if importlib.util.find_spec("voila") is None:
        msg = f"presenting needs Voila, which is not installed: {INSTALL_HINT}"
        raise ValueError(msg)
    print(f"bpteach present: {notebook.name} on http://127.0.0.1:{ns.port}/ (Ctrl-C to stop)", flush=True)
    try:
        return subprocess.call(voila_command(notebook, ns.port, not ns.no_browser, ns.theme))
    except KeyboardInterrupt:  # Voila got the same Ctrl-C and stops on its own
        return 130
