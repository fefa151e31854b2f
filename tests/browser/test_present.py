"""``bpteach present``: the sigmoid lecture in Voila renders its widgets, hides its code and responds.

``find_lecture`` (the LECTURE argument) is checked without a browser.
"""

from __future__ import annotations

import pytest

from bpteach.cli.present import find_lecture, voila_command

from . import jlab

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


@needs_lecture
@pytest.mark.browser
def test_present_renders_widgets_and_responds(browser_available, context, tmp_path, screenshots) -> None:
    server = jlab.start_present("01", cwd=jlab.REPO, log=tmp_path / "voila.log")
    page = context.new_page()
    console = jlab.watch_console(page)
    try:
        page.goto(server.base + "/", wait_until="domcontentloaded", timeout=60_000)
        img = page.locator(".widget-vbox img").first
        img.wait_for(timeout=90_000)  # Voila runs the whole notebook before it shows the page
        jlab.wait_widgets_rendered(page)
        assert page.get_by_text("Error displaying widget").count() == 0
        assert page.locator(".jp-InputArea-editor").count() == 0, "code is shown"
        assert page.get_by_text("bw.sigmoid_explorer").count() == 0, "code is shown"
        slider = page.locator(".widget-vbox .widget-slider").first
        before, src, digest = jlab.slider_readout(slider), img.get_attribute("src"), jlab.image_digest(img)
        jlab.press_slider(slider, "ArrowRight")
        jlab.wait_until(lambda: jlab.slider_readout(slider) != before, what="the slider to move")
        assert jlab.wait_image_changed(img, src, digest) != digest
        page.screenshot(path=screenshots / "present_01_sigmoid.png")
        assert jlab.widget_console_errors(console) == []
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
