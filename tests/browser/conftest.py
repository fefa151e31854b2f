"""Fixtures for the browser tests: one JupyterLab server and one Chromium for the whole folder.

The server runs from this interpreter's environment on 127.0.0.1 with a random token, serving a
temporary copy of ``lectures/`` and ``exercises/`` (and the released exercises). Without Debian's
``chromium`` (or the playwright package) every test here is skipped with a line that says how to
enable it. Screenshots go to ``$BPTEACH_SCREENSHOTS`` (default: a temporary folder, printed at the end).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from . import jlab

_SCREENSHOT_DIRS: list[Path] = []


def pytest_terminal_summary(terminalreporter) -> None:
    for path in _SCREENSHOT_DIRS:
        terminalreporter.write_line(f"browser tests: screenshots saved in {path}")


@pytest.fixture(scope="package")
def browser_available() -> None:
    reason = jlab.missing_browser_reason()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="package")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    env = os.environ.get("BPTEACH_SCREENSHOTS")
    path = Path(env) if env else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    _SCREENSHOT_DIRS.append(path)
    return path


@dataclass
class LabRoot:
    path: Path
    lectures: list[str]  # notebook paths relative to the root, e.g. "lectures/01_sigmoid.ipynb"
    released: Path | None  # the released (student) exercises, when `bpteach release` exists
    release_error: str | None


def _release(dest: Path) -> str | None:
    """Run `bpteach release exercises/ DEST/`; return why it could not, or None."""
    sources = sorted((jlab.REPO / "exercises").glob("*.ipynb"))
    if not sources:
        return "no exercise notebooks in exercises/ yet"
    proc = subprocess.run(
        [sys.executable, "-m", "bpteach.cli", "release", str(jlab.REPO / "exercises"), str(dest)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if proc.returncode != 0:
        return f"`bpteach release` failed ({proc.returncode}): {proc.stderr.strip()[-500:]}"
    return None


@pytest.fixture(scope="package")
def lab_root(browser_available: None, tmp_path_factory: pytest.TempPathFactory) -> LabRoot:
    root = tmp_path_factory.mktemp("lab_root")
    for folder in ("lectures", "exercises"):
        src = jlab.REPO / folder
        if src.is_dir():
            shutil.copytree(src, root / folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    lectures = sorted(p.relative_to(root).as_posix() for p in (root / "lectures").glob("*.ipynb"))
    released = root / "released"
    error = _release(released)
    return LabRoot(root, lectures, None if error else released, error)


@pytest.fixture(scope="package")
def lab(lab_root: LabRoot, tmp_path_factory: pytest.TempPathFactory) -> Iterator[jlab.Server]:
    server = jlab.start_lab(lab_root.path, tmp_path_factory.mktemp("lab_state"))
    try:
        yield server
    finally:
        leftovers = jlab.stop(server)
        assert server.proc.returncode is not None, "JupyterLab is still running"
        assert not leftovers, f"kernels still running after the REST shutdown (killed): {leftovers}"


@pytest.fixture(scope="package")
def browser(browser_available: None) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        chromium = jlab.launch_browser(pw)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        pw.stop()


@pytest.fixture(scope="package")
def context(browser) -> Iterator[object]:
    # one context for the folder: JupyterLab's scripts are fetched once and cached
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(30_000)
    yield ctx
    ctx.close()


@dataclass
class LabPage:
    page: object  # playwright.sync_api.Page
    console: list[str]  # console errors and uncaught page errors, as they happen


@pytest.fixture
def lab_page(lab: jlab.Server, context) -> Iterator[LabPage]:
    """A fresh page on the session's JupyterLab; after the test every kernel is shut down."""
    page = context.new_page()
    console = jlab.watch_console(page)
    try:
        yield LabPage(page, console)
    finally:
        page.close()
        leftovers = jlab.shutdown_kernels(lab)
        assert not leftovers, f"ipykernel processes left after shutting the kernels down: {leftovers}"
