"""Every lecture in JupyterLab, in Chromium: run all cells, every widget renders, one control per app responds.

Parametrised over ``lectures/*.ipynb`` at collection time, so a new lecture is tested without a change
here. Each app (a top-level widget box with a figure) gets one interaction chosen by its controls:
Play then Pause on the dashboard, the step button on a stepper, else a key press on its first slider;
the figure's pixels must change. Screenshots of every lecture go to ``$BPTEACH_SCREENSHOTS``.
"""

from __future__ import annotations

import math
import re
import time

import pytest

from . import jlab

pytestmark = pytest.mark.browser

LECTURES = sorted(p.name for p in (jlab.REPO / "lectures").glob("*.ipynb"))

# a top-level app: a widget box directly in an output area that holds a figure
APP = ".jp-OutputArea-output > .widget-vbox:has(img), .jp-OutputArea-output > .widget-box:has(img)"


def _button(app, label: str):
    return app.locator("button.widget-button", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))


def _enabled_slider(app):
    sliders = app.locator(".widget-slider:not(.mod-disabled)")
    for i in range(sliders.count()):
        s = sliders.nth(i)
        if s.locator(".noUi-handle").count() and s.locator("[disabled]").count() == 0:
            return s
    return None


def operate(app) -> str:
    """Operate one control of ``app`` and assert its figure changed; return what was done."""
    img = app.locator("img").first
    src, digest = img.get_attribute("src"), jlab.image_digest(img)
    if _button(app, "Play").count() and _button(app, "Pause").count():
        _button(app, "Play").first.click()
        jlab.wait_image_changed(img, src, digest, timeout=20_000)
        _button(app, "Pause").first.click()
        # after Pause the figure settles (at most one frame in flight), then stays still
        time.sleep(0.5)
        settled = img.get_attribute("src")
        time.sleep(1.0)
        assert img.get_attribute("src") == settled, "the dashboard kept drawing after Pause"
        return "Play, Pause"
    if _button(app, ">").count():
        # a replay stored at its last step can only go back: step the way that is open
        step = ">" if _button(app, ">").first.is_enabled() else "<"
        text = app.inner_text()
        _button(app, step).first.click()
        jlab.wait_image_changed(img, src, digest)
        # the step counter and the step's formula are text beside the figure
        jlab.wait_until(lambda: app.inner_text() != text, what="the app's text to change with the step")
        return f"step {step}"
    slider = _enabled_slider(app)
    assert slider is not None, "an app with a figure but neither a slider nor a step or Play button"
    before = jlab.slider_readout(slider)
    jlab.press_slider(slider, "ArrowRight")
    jlab.wait_until(lambda: jlab.slider_readout(slider) != before, what="the slider to move")
    jlab.wait_image_changed(img, src, digest)
    return f"slider {before} -> {jlab.slider_readout(slider)}"


def check_sigmoid_readout(app) -> None:
    """The sigmoid explorer's readout after the key press: sigma(z0) recomputed here, from z0 alone."""
    text = app.inner_text()
    m = re.search(r"at z₀ = ([-−+\d.]+):.*?\(z₀\) = ([-−+\d.]+)", text, flags=re.S)
    assert m, f"no 'at z₀ = ...: σ(z₀) = ...' readout in {text!r}"
    z0, value = (float(g.replace("−", "-")) for g in m.groups())
    assert value == pytest.approx(1 / (1 + math.exp(-z0)), abs=2e-3), text


@pytest.mark.parametrize("name", LECTURES)
def test_lecture_runs_and_its_apps_respond(name: str, lab_page, lab, screenshots) -> None:
    page = lab_page.page
    jlab.open_notebook(page, lab, f"lectures/{name}")
    jlab.run_all_cells(page, timeout=120_000)
    jlab.wait_widgets_rendered(page)
    stem = name.removesuffix(".ipynb")
    page.screenshot(path=screenshots / f"{stem}.png")

    assert jlab.error_outputs(page) == [], f"{name}: error output after Run All"
    assert jlab.widget_errors(page) == [], f"{name}: 'Error displaying widget'"
    apps = page.locator(APP)
    done = []
    for i in range(apps.count()):
        app = apps.nth(i)
        app.scroll_into_view_if_needed()
        done.append(operate(app))
        if i == 0 and stem == "01_sigmoid":
            check_sigmoid_readout(app)
        app.screenshot(path=screenshots / f"{stem}_app{i + 1}.png")
    assert jlab.error_outputs(page) == [], f"{name}: error output after operating the apps ({done})"
    assert jlab.widget_errors(page) == []
    assert jlab.widget_console_errors(lab_page.console) == [], f"{name}: widget manager errors in the console"
    print(f"{name}: {len(done)} app(s): {done}")
