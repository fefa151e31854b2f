"""Every app driven by the keyboard alone in JupyterLab (Chromium): Tab reaches each control, a key moves one.

One notebook holds the eight apps (built once, in one kernel). For each app the test focuses the app's
first control, then presses Tab until focus leaves the app: every slider handle, select, text box and
button of the app must have been reached, must carry an accessible name, and must show a visible focus
ring. Then a key press (an arrow on a slider handle, Enter or Space on a button, an arrow on a select)
must change the figure's pixels and its alt text, the alt text must state the new value, and once the
change has settled the polite live region (``role=status``) must say the same words.
"""

from __future__ import annotations

import nbformat
import pytest

from . import jlab

pytestmark = pytest.mark.browser

# app -> (the control operated, the key, words the new alt text must contain; {v} is the new readout)
APPS = {
    "sigmoid_explorer": ("slider:z₀", "ArrowRight", "at z0 = {v} it is"),
    "logistic_unit": ("slider:w₁", "ArrowRight", "line {v} x1"),
    "two_layer_gradient": ("slider:w₁₁[1]", "ArrowLeft", "w₁₁[1]"),
    "backprop_stepper": ("button:one step forward", "Enter", "Step 1 of 27"),
    "matrix_recipe": ("button:one step forward", " ", "at line 1 of 6"),
    "descent_explorer": ("slider:momentum μ", "ArrowRight", "momentum {v}"),
    "vanishing_gradients": ("slider:depth m", "ArrowRight", "{v} layers"),
    "training_dashboard": ("button:train the epochs in epochs/step", "Enter", "after epoch 1 "),
}

_CELL = "from bpteach import widgets as bw\nbw.{name}()"

# what Tab can reach inside an app, as the page sees it
_FOCUSABLE = ".noUi-handle, select, input:not([type=hidden]), textarea, button"

_NAME_JS = """(el) => {
  const label = el.getAttribute('aria-label') || (el.labels && el.labels.length && el.labels[0].textContent)
    || el.getAttribute('title') || (el.tagName === 'BUTTON' && el.textContent.trim()) || '';
  const style = getComputedStyle(el);
  return { name: (label || '').trim(), outline: style.outlineStyle, outlineWidth: style.outlineWidth,
           visible: !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length) };
}"""


@pytest.fixture(scope="module")
def apps_page(lab_root, lab, context):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Every app")]
    nb.cells += [nbformat.v4.new_code_cell(_CELL.format(name=name)) for name in APPS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (lab_root.path / "keyboard").mkdir(exist_ok=True)
    nbformat.write(nb, lab_root.path / "keyboard" / "apps.ipynb")
    page = context.new_page()
    console = jlab.watch_console(page)
    jlab.open_notebook(page, lab, "keyboard/apps.ipynb")
    jlab.run_all_cells(page, timeout=180_000)
    jlab.wait_widgets_rendered(page)
    assert jlab.error_outputs(page) == []
    yield page
    assert jlab.widget_console_errors(console) == []
    page.close()
    jlab.shutdown_kernels(lab)


def _app(page, index: int):
    return page.locator(".jp-OutputArea-output > .bpteach-app").nth(index)


def _focus_path(page, app) -> list[dict]:
    """Focus the app's first control, then Tab until focus leaves the app; what was focused, in order."""
    app.locator(_FOCUSABLE).first.focus()
    seen = []
    for _ in range(80):
        inside = page.evaluate("(root) => root.contains(document.activeElement)", app.element_handle())
        if not inside:
            break
        info = page.evaluate(
            "(el) => { el.dataset.bpteachVisited = '1'; return {tag: el.tagName, key: el.outerHTML.slice(0, 120)}; }",
            page.evaluate_handle("() => document.activeElement"),
        )
        info.update(page.evaluate(_NAME_JS, page.evaluate_handle("() => document.activeElement")))
        seen.append(info)
        page.keyboard.press("Tab")
    return seen


def _control(app, spec: str):
    kind, name = spec.split(":", 1)
    if kind == "slider":
        return app.locator(f'.noUi-handle[aria-label="{name}"]').first
    return app.locator(f'button[aria-label="{name}"], button[title="{name}"]').first


@pytest.mark.parametrize("index_name", list(enumerate(APPS)), ids=list(APPS))
def test_app_by_keyboard_alone(apps_page, index_name, screenshots) -> None:
    page = apps_page
    index, name = index_name
    app = _app(page, index)
    app.scroll_into_view_if_needed()
    jlab.wait_until(lambda: app.locator(".noUi-handle:not([aria-label])").count() == 0, what="named handles")

    # Tab reaches every control of the app, each with a name and a visible focus ring
    path = _focus_path(page, app)
    controls = app.locator(_FOCUSABLE)
    reachable = [
        controls.nth(k)
        for k in range(controls.count())
        if controls.nth(k).is_visible() and not controls.nth(k).is_disabled()
    ]
    missed = [
        c.evaluate("el => el.outerHTML.slice(0, 120)") for c in reachable if not c.get_attribute("data-bpteach-visited")
    ]
    assert not missed, f"{name}: Tab never reached {missed}"
    for stop in path:
        assert stop["name"], f"{name}: a control without an accessible name: {stop['key']}"
        assert stop["outline"] not in ("none", "") and stop["outlineWidth"] != "0px", (name, stop["key"])

    # one control operated from the keyboard: new pixels, new alt text with the new value
    spec, key, words = APPS[name]
    img = app.locator(".bpteach-figure img").first
    src, digest, alt = img.get_attribute("src"), jlab.image_digest(img), img.get_attribute("alt")
    control = _control(app, spec)
    control.focus()
    control.press(key)
    jlab.wait_image_changed(img, src, digest, timeout=20_000)
    jlab.wait_until(lambda: img.get_attribute("alt") != alt, what="new alt text")
    new_alt = img.get_attribute("alt")
    if "{v}" in words:
        slider = control.locator("xpath=ancestor::*[contains(@class, 'widget-slider')][1]")
        value = jlab.slider_readout(slider)
        words = words.format(v=value)
    assert words in new_alt, (name, words, new_alt)
    # the live region says it too, once the change has settled
    live = app.locator(".bpteach-live [role=status][aria-live=polite]")
    jlab.wait_until(lambda: live.inner_text().strip() == new_alt, timeout=10, what="the live region")
    app.screenshot(path=screenshots / f"keyboard_{name}.png")
    print(f"{name}: Tab visited {len(path)} controls; {spec} + {key!r}: {new_alt[:100]}")


_CORNER_JS = """async (el) => {
  if (!el.complete || el.naturalWidth === 0) await el.decode().catch(() => {});
  const c = document.createElement('canvas');
  c.width = 4; c.height = 4;
  const ctx = c.getContext('2d');
  ctx.drawImage(el, 0, 0);
  const d = ctx.getImageData(1, 1, 1, 1).data;
  return 0.2126 * d[0] + 0.7152 * d[1] + 0.0722 * d[2];
}"""


def _choose_theme(page, label: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Settings").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Theme").first.hover()
    page.locator(".lm-Menu-itemLabel", has_text=label).first.click()


def test_figures_follow_jupyterlabs_theme(apps_page, screenshots) -> None:
    """JupyterLab's dark theme turns every figure dark (no code change), and back."""
    page = apps_page
    figures = page.locator(".jp-OutputArea-output > .bpteach-app .bpteach-figure img")
    assert figures.count() == len(APPS)

    def corners() -> list[float]:
        return [figures.nth(k).evaluate(_CORNER_JS) for k in range(figures.count())]

    assert all(v > 200 for v in corners())  # light pages, light figures
    _choose_theme(page, "JupyterLab Dark")
    try:
        jlab.wait_until(lambda: all(v < 60 for v in corners()), timeout=60, what="every figure to turn dark")
        apps = page.locator(".jp-OutputArea-output > .bpteach-app")
        for k, name in enumerate(APPS):
            apps.nth(k).scroll_into_view_if_needed()
            apps.nth(k).screenshot(path=screenshots / f"dark_{name}.png")
    finally:
        _choose_theme(page, "JupyterLab Light")
    jlab.wait_until(lambda: all(v > 200 for v in corners()), timeout=60, what="every figure to turn light again")
