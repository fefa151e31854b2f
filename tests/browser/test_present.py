"""``bpteach present``: the sigmoid lecture in Voila renders its widgets, hides its code and responds.

``find_lecture`` (the LECTURE argument), the theme and scale handed to Voila's kernels, and the stop
on SIGTERM, SIGINT or SIGHUP (no process left) are checked without a browser.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import urllib.request

import nbformat
import psutil
import pytest

from bpteach.cli.present import find_lecture, voila_command, voila_env

from . import axe, jlab

LECTURE = jlab.REPO / "lectures" / "01_sigmoid.ipynb"
needs_lecture = pytest.mark.skipif(not LECTURE.is_file(), reason="lectures/01_sigmoid.ipynb does not exist yet")


@needs_lecture
@pytest.mark.parametrize("name", ["01", "1", "01_sigmoid", "sigmoid", "01_sigmoid.ipynb", str(LECTURE)])
def test_lecture_names_resolve(name: str) -> None:
    assert find_lecture(name, jlab.REPO / "lectures") == LECTURE.resolve()


def test_unknown_lecture_lists_the_available_ones(tmp_path) -> None:
    (tmp_path / "01_a.ipynb").write_text("{}")
    (tmp_path / "02_b.ipynb").write_text("{}")
    with pytest.raises(FileNotFoundError, match=r"no lecture '07'.*available: 01_a, 02_b"):
        find_lecture("07", tmp_path)


def test_voila_binds_to_localhost_and_hides_code(tmp_path) -> None:
    cmd = voila_command(tmp_path / "x.ipynb", 9999, open_browser=False)
    assert "--Voila.ip=127.0.0.1" in cmd and "--port=9999" in cmd
    assert "--strip_sources=True" in cmd and "--no-browser" in cmd
    assert "--MappingKernelManager.cull_idle_timeout=300" in cmd
    assert "--MappingKernelManager.cull_connected=False" in cmd


@needs_lecture
@pytest.mark.browser
def test_a_closed_tab_stops_its_kernel_and_an_open_one_keeps_it(browser_available, context, tmp_path) -> None:
    # culling after 6 s instead of 300: the open page idles past it and must keep its kernel
    port = jlab.free_port()
    cmd = voila_command(LECTURE, port, open_browser=False, python=sys.executable, cull_after=6)
    server = jlab.start("Voila", cmd, port, "", tmp_path / "voila.log", "/api/kernelspecs", env={"MPLBACKEND": "Agg"})
    page = context.new_page()
    try:
        img = page.locator(".widget-vbox img").first
        jlab.open_voila(page, server.base + "/", lambda: img.wait_for(timeout=90_000))
        (kernel,) = server.kernel_pids()
        time.sleep(12)  # idle for twice the culling time, with the page open
        assert server.kernel_pids() == [kernel], "the open page lost its kernel"
        page.close(run_before_unload=True)
        jlab.wait_until(lambda: server.kernel_pids() == [], what="the closed tab's kernel to stop", timeout=40)
    finally:
        if not page.is_closed():
            page.close()
        assert jlab.stop_gracefully(server) == []


@needs_lecture
@pytest.mark.browser
def test_present_renders_widgets_and_responds(browser_available, context, tmp_path, screenshots) -> None:
    # presented for a projector: Voila's dark theme, the apps dark at 1.5 times their size
    server = jlab.start_present(
        "01", cwd=jlab.REPO, log=tmp_path / "voila.log", options=("--theme=dark", "--scale=1.5")
    )
    page = context.new_page()
    console = jlab.watch_console(page)
    try:
        img = page.locator(".widget-vbox img").first
        # Voila runs the whole notebook before it shows the page
        jlab.open_voila(page, server.base + "/", lambda: img.wait_for(timeout=90_000), console)
        assert jlab.widget_errors(page) == []
        assert page.locator(".jp-InputArea-editor").count() == 0, "code is shown"
        assert page.get_by_text("bw.sigmoid_explorer").count() == 0, "code is shown"
        slider = page.locator(".widget-vbox .widget-slider").first
        before, src, digest = jlab.slider_readout(slider), img.get_attribute("src"), jlab.image_digest(img)
        jlab.press_slider(slider, "ArrowRight")
        jlab.wait_until(lambda: jlab.slider_readout(slider) != before, what="the slider to move")
        assert jlab.wait_image_changed(img, src, digest) != digest
        page.screenshot(path=screenshots / "present_01_sigmoid_dark_1.5.png")
        assert jlab.widget_console_errors(console) == []
        assert page.locator('body[data-jp-theme-light="false"]').count() == 1, "Voila is not in its dark theme"
        found = axe.violations(page, axe.VOILA)
        assert axe.blocking(found) == [], axe.describe(axe.blocking(found))
    finally:
        # Voila shuts its kernel down when the tab closes or, at the latest, when the presenter stops
        # it (Ctrl+C, a TERM here): no kernel may outlive the server
        page.close(run_before_unload=True)
        leftovers = jlab.stop_gracefully(server)
        assert server.proc.returncode is not None
        assert not leftovers, f"Voila left kernels running (killed): {leftovers}"


@needs_lecture
def test_missing_voila_says_how_to_install(monkeypatch, capsys) -> None:
    import bpteach.cli.present as present
    from bpteach.cli import main

    real = present.importlib.util.find_spec
    monkeypatch.setattr(present.importlib.util, "find_spec", lambda name: None if name == "voila" else real(name))
    assert main(["present", "01", "--no-browser", "--lectures", str(LECTURE.parent)]) == 2
    assert "pip install 'bpteach[present]'" in capsys.readouterr().err


def test_theme_and_scale_reach_the_kernels_environment() -> None:
    env = voila_env("dark", 1.5, base={"PATH": "/bin"})
    assert env == {"PATH": "/bin", "BPTEACH_THEME": "dark", "BPTEACH_SCALE": "1.5"}


@pytest.mark.parametrize(
    ("theme", "scale", "wrong"), [("blue", 1.0, "theme"), ("dark", 0.0, "scale"), ("dark", float("nan"), "scale")]
)
def test_bad_theme_or_scale_is_refused(theme: str, scale: float, wrong: str) -> None:
    with pytest.raises(ValueError, match=rf"^{wrong} must be"):
        voila_env(theme, scale)


def _env_notebook(path) -> None:
    """A notebook that prints what its kernel sees of the presenter's options."""
    nb = nbformat.v4.new_notebook()
    source = 'import os\nprint("seen:", os.environ["BPTEACH_THEME"], os.environ["BPTEACH_SCALE"])'
    nb.cells = [nbformat.v4.new_code_cell(source)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda s: s.name)
def test_a_signal_stops_voila_and_every_kernel(signum: int, tmp_path) -> None:
    notebook = tmp_path / "env.ipynb"
    _env_notebook(notebook)
    port = jlab.free_port()
    cmd = [sys.executable, "-m", "bpteach.cli", "present", str(notebook), "--no-browser", f"--port={port}"]
    cmd += ["--theme", "dark", "--scale", "1.5"]
    server = jlab.start("bpteach present", cmd, port, "", tmp_path / "present.log", "/api/kernelspecs")
    try:
        # the page runs the notebook in a new kernel: it printed what the presenter set, in Voila's dark theme
        with urllib.request.urlopen(server.url("/"), timeout=60) as resp:
            html = resp.read().decode()
        assert "seen: dark 1.5" in html
        assert 'data-jp-theme-light="false"' in html
        bpteach = psutil.Process(server.proc.pid)
        started = bpteach.children(recursive=True)
        assert server.kernel_pids(), "no kernel running behind the page"
        assert any("voila" in " ".join(p.cmdline()) for p in started)
        os.kill(server.proc.pid, signum)  # the command alone, as a terminal or a service manager would
        assert server.proc.wait(timeout=30) == 128 + signum
        # every process it started is gone (the wait reaps a zombie that is left for a moment)
        left = []
        for p in started:
            try:
                p.wait(timeout=5)
            except psutil.TimeoutExpired:
                left.append(p)
        assert left == [], f"still running after {signum.name}: {[(p.pid, p.cmdline()) for p in left]}"
    finally:
        jlab.stop(server, kernels=False)
