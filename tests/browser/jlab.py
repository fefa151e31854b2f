"""Servers and a browser for the end-to-end tests (and the latency benchmark).

Everything here is plain functions over ``subprocess`` and ``playwright.sync_api``; the pytest fixtures
in ``conftest.py`` wrap them. Servers are started in their own process group, bound to 127.0.0.1 with a
random token, and stopped by process id: kernels first (through the REST API), then the group.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

ENABLE_HINT = (
    "install Debian's chromium: apt-get install chromium (and the Python playwright package: "
    "pip install -e '.[test]'); never `playwright install`"
)

# JupyterLab settings for a quiet, deterministic page: no news or update pop-ups, and every cell kept in
# the DOM (the default windowing drops off-screen cells, and with them their widget views).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}


def missing_browser_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if shutil.which("chromium") is None:
        return f"needs a system package: chromium is not on PATH: {ENABLE_HINT}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return f"needs a system package: the playwright package is missing: {ENABLE_HINT}"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A server process we started: its group is ours to stop."""

    name: str
    proc: subprocess.Popen
    port: int
    token: str
    log: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str, **query: str) -> str:
        parts = [k if v == "" else f"{k}={v}" for k, v in query.items()]
        if self.token:
            parts.append(f"token={self.token}")
        sep = "&" if "?" in path else "?"
        return f"{self.base}{path}{sep if parts else ''}{'&'.join(parts)}"

    def api(self, method: str, path: str, body: dict | None = None, timeout: float = 10) -> object:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url(path), data=data, method=method)
        if self.token:
            req.add_header("Authorization", f"token {self.token}")
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"

    def kernel_pids(self) -> list[int]:
        """Process ids of ipykernel processes descended from this server."""
        import psutil

        try:
            children = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        pids = []
        for child in children:
            try:
                if "ipykernel" in " ".join(child.cmdline()):
                    pids.append(child.pid)
            except (psutil.NoSuchProcess, psutil.ZombieProcess):
                pass
        return pids


def start(
    name: str,
    cmd: list[str],
    port: int,
    token: str,
    log: Path,
    ready_path: str,
    env: dict[str, str] | None = None,
    timeout: float = 90,
    cwd: Path | None = None,
) -> Server:
    """Start ``cmd`` in its own process group and wait until ``ready_path`` answers.

    Any HTTP status counts as an answer (Voila refuses some API paths yet is up); only a refused
    or timed-out connection means "not yet".
    """
    full_env = {**os.environ, **(env or {})}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=full_env,
            cwd=cwd,
            start_new_session=True,
        )
    server = Server(name, proc, port, token, log, env or {})
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            msg = f"{name} exited with code {proc.returncode} before answering:\n{server.log_tail()}"
            raise RuntimeError(msg)
        try:
            with urllib.request.urlopen(server.url(ready_path), timeout=5):
                return server
        except urllib.error.HTTPError:
            return server
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        if time.monotonic() > deadline:
            stop(server, kernels=False)
            msg = f"{name} did not answer on {server.base}{ready_path} within {timeout:.0f} s:\n{server.log_tail()}"
            raise RuntimeError(msg)
        time.sleep(0.2)


def shutdown_kernels(server: Server, timeout: float = 20) -> list[int]:
    """Shut every kernel down through the REST API; return the ipykernel pids still alive after that."""
    try:
        for session in server.api("GET", "/api/sessions"):
            server.api("DELETE", f"/api/sessions/{session['id']}")
        for kernel in server.api("GET", "/api/kernels"):
            server.api("DELETE", f"/api/kernels/{kernel['id']}")
    except (urllib.error.URLError, OSError):
        pass  # a server that no longer answers: the pid check below still tells the truth
    deadline = time.monotonic() + timeout
    while (pids := server.kernel_pids()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return pids


def stop(server: Server, kernels: bool = True) -> list[int]:
    """Stop a server we started: its kernels through the API, then its process group (TERM, then KILL).

    Returns the pids of kernels that survived the API shutdown (killed here, so the caller can fail).
    """
    leftovers = shutdown_kernels(server) if kernels else server.kernel_pids()
    for pid in leftovers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    if server.proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.proc.pid, signal.SIGTERM)
        try:
            server.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.proc.pid, signal.SIGKILL)
            server.proc.wait(timeout=15)
    return leftovers


def stop_gracefully(server: Server, timeout: float = 15) -> list[int]:
    """TERM the server's process group and let it shut its own kernels down, as Ctrl+C would.

    Returns the pids of kernels that outlived their server (killed here, so the caller can fail).
    """
    import psutil

    kernels = server.kernel_pids()
    if server.proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.proc.pid, signal.SIGTERM)
        try:
            server.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(server.proc.pid, signal.SIGKILL)
            server.proc.wait(timeout=timeout)
    survivors = []
    deadline = time.monotonic() + timeout
    for pid in kernels:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc = psutil.Process(pid)
            # a kernel told to stop by its server may need a moment to exit
            with contextlib.suppress(psutil.TimeoutExpired):
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                survivors.append(pid)
                proc.kill()
    return survivors


def write_lab_settings(settings_dir: Path) -> None:
    for rel, values in LAB_SETTINGS.items():
        path = settings_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def start_lab(root: Path, state: Path) -> Server:
    """JupyterLab from this interpreter's environment, serving ``root``; config and runtime under ``state``."""
    port, token = free_port(), secrets.token_hex(24)
    settings, workspaces = state / "settings", state / "workspaces"
    write_lab_settings(settings)
    workspaces.mkdir(parents=True, exist_ok=True)
    env = {
        # keep the user's own Jupyter config and kernels out of the test
        "JUPYTER_CONFIG_DIR": str(state / "config"),
        "JUPYTER_DATA_DIR": str(state / "data"),
        "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
        "IPYTHONDIR": str(state / "ipython"),
        "MPLBACKEND": "Agg",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={workspaces}",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--ServerApp.terminals_enabled=False",
    ]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    return start("JupyterLab", cmd, port, token, state / "lab.log", "/api/status", env=env)


def start_present(lecture: str, cwd: Path, log: Path, options: tuple[str, ...] = ()) -> Server:
    """``bpteach present LECTURE --no-browser [OPTIONS]`` on a free port (Voila; no token: it binds to 127.0.0.1)."""
    port = free_port()
    cmd = [sys.executable, "-m", "bpteach.cli", "present", lecture, "--no-browser", f"--port={port}", *options]
    return start("Voila", cmd, port, "", log, "/api/kernelspecs", env={"MPLBACKEND": "Agg"}, cwd=cwd)


def launch_browser(playwright):  # -> playwright.sync_api.Browser
    return playwright.chromium.launch(executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS)


# ---------------------------------------------------------------- in the page: JupyterLab


def open_notebook(page, lab: Server, name: str, timeout: float = 60_000) -> None:
    """Open ``name`` (relative to the server's root) in a fresh workspace and wait for its kernel."""
    page.goto(lab.url(f"/lab/tree/{name}", reset=""), wait_until="domcontentloaded", timeout=timeout)
    page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=timeout)
    wait_kernel_idle(page, timeout=timeout)


_KERNEL_IDLE_JS = r"""() => {
  const panel = [...document.querySelectorAll('.jp-NotebookPanel')].find(p => !p.classList.contains('lm-mod-hidden'));
  if (!panel) return false;
  // the indicator reads "idle" before a kernel exists: also wait for the kernel's name and status
  const name = panel.querySelector('.jp-KernelName, .jp-Toolbar-kernelName');
  if (!name || name.textContent.includes('No Kernel')) return false;
  if (!/\|\s*Idle/.test(document.querySelector('#jp-main-statusbar')?.textContent || '')) return false;
  const ind = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  const status = ind && ind.getAttribute('data-status');
  if (status !== 'idle') return false;
  const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
  return !prompts.some(p => p.textContent.includes('*'));
}"""


def wait_kernel_idle(page, timeout: float = 60_000) -> None:
    page.wait_for_function(_KERNEL_IDLE_JS, timeout=timeout, polling=100)


def run_all_cells(page, timeout: float = 120_000) -> None:
    """Run > Run All Cells from the menu bar (as a student would), then wait until every cell ran."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    # done when the kernel is idle and either every code cell has a number or an error stopped the run
    page.wait_for_function(
        """() => {
          const panel = [...document.querySelectorAll('.jp-NotebookPanel')]
            .find(p => !p.classList.contains('lm-mod-hidden'));
          if (!panel) return false;
          const ind = panel.querySelector('.jp-Notebook-ExecutionIndicator');
          if (!ind || ind.getAttribute('data-status') !== 'idle') return false;
          const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].map(p => p.textContent);
          if (prompts.some(t => t.includes('*'))) return false;
          const errored = panel.querySelector('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]');
          return !!errored || prompts.every(t => /\\[\\d+\\]/.test(t));
        }""",
        timeout=timeout,
        polling=100,
    )


def error_outputs(page) -> list[str]:
    """Texts of error outputs (tracebacks) in the visible notebook."""
    sel = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
    return [t for t in page.locator(sel).all_inner_texts() if "Traceback" in t or "Error" in t]


VOILA_LOST_MODEL = "Error displaying widget: model not found"
MAX_VOILA_RELOADS = 2


def open_voila(page, url: str, ready: Callable[[], None], console: list[str] | None = None) -> int:
    """Open a Voila page, call ``ready()`` to wait for it, and let its widgets render; return the reloads.

    Voila 0.5.13's front end sometimes finishes restoring the widget models from the kernel without one
    of them, and its renderer then shows "Error displaying widget: model not found" for good, although
    the kernel holds the model (checked: every model the outputs name is alive, none dangles). Seen on
    1 page in 15 to 40 on a loaded 2-core machine; a reload (a fresh kernel) shows the widget. Up to
    two reloads are allowed for exactly that message, each printed (``console``, the page's watched
    console errors, is emptied with it): with one, two losses in a row on one of the 11 pages a run
    opens would still fail a run in 20 or so. Any other widget error stays an error.
    """
    for reloads in range(MAX_VOILA_RELOADS + 1):
        page.goto(url, wait_until="load", timeout=180_000)
        ready()
        wait_widgets_rendered(page)
        if reloads < MAX_VOILA_RELOADS and set(widget_errors(page)) == {VOILA_LOST_MODEL}:
            print(f"{url}: Voila lost a widget model on load {reloads + 1}; reloading")
            if console is not None:
                console.clear()
            continue
        return reloads
    return MAX_VOILA_RELOADS


def wait_widgets_rendered(page, timeout: float = 30_000) -> None:
    """No "Loading widget..." left (views that never load stay that way: this times out)."""
    page.wait_for_function("() => !document.body.innerText.includes('Loading widget...')", timeout=timeout, polling=100)


def widget_errors(page) -> list[str]:
    return [t for t in page.get_by_text("Error displaying widget").all_inner_texts()]


def watch_console(page) -> list[str]:
    """Collect console errors and uncaught page errors into the returned list as they happen."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(f"console.{msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    return errors


WIDGET_WORDS = ("widget", "jupyter-widgets", "model", "comm", "view")


def widget_console_errors(errors: list[str]) -> list[str]:
    """The console errors that come from the widget manager (or name a widget model or view)."""
    return [e for e in errors if any(w in e.lower() for w in WIDGET_WORDS)]


# ---------------------------------------------------------------- in the page: widgets


def image_digest(img) -> str:
    """A digest of an <img>'s decoded pixels (waits for it to load): equal digests, equal pictures."""
    return img.evaluate(
        """async (el) => {
          if (!el.complete || el.naturalWidth === 0) await el.decode().catch(() => {});
          if (el.naturalWidth === 0) return 'empty';
          const c = document.createElement('canvas');
          c.width = el.naturalWidth; c.height = el.naturalHeight;
          const ctx = c.getContext('2d');
          ctx.drawImage(el, 0, 0);
          const d = ctx.getImageData(0, 0, c.width, c.height).data;
          let h1 = 0x811c9dc5, h2 = 0;
          for (let i = 0; i < d.length; i += 1) {
            h1 = Math.imul(h1 ^ d[i], 16777619); h2 = (h2 + d[i] * (i % 251 + 1)) >>> 0;
          }
          return `${c.width}x${c.height}:${(h1 >>> 0).toString(16)}:${h2.toString(16)}`;
        }"""
    )


def wait_image_changed(img, old_src: str, old_digest: str, timeout: float = 10_000) -> str:
    """Wait until the <img> (a locator: an app's figure is a new element after each change) shows a new
    src with different pixels; return the new digest."""
    wait_until(lambda: img.get_attribute("src") != old_src, timeout=timeout / 1000, what="a new figure")
    digest = image_digest(img)
    deadline = time.monotonic() + timeout / 1000
    while digest == old_digest and time.monotonic() < deadline:
        # a second render may still be on its way (e.g. a continuous update followed by the final value)
        time.sleep(0.05)
        digest = image_digest(img)
    return digest


def press_slider(slider, key: str = "ArrowRight") -> None:
    """Focus a slider's handle (ipywidgets 8: noUiSlider) and press ``key`` on it."""
    handle = slider.locator(".noUi-handle").first
    handle.focus()
    handle.press(key)


def slider_readout(slider) -> str:
    return slider.locator(".widget-readout").first.inner_text().strip()


def wait_until(predicate: Callable[[], bool], timeout: float = 10, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            msg = f"timed out after {timeout} s waiting for {what}"
            raise TimeoutError(msg)
        time.sleep(0.05)
