"""The harness on a tiny notebook (a slider, a readout and a PNG Image), independent of the lectures.

It proves, before any lecture is opened, that the JupyterLab widget extension and the kernel's
ipywidgets agree (a mismatch shows "Error displaying widget", which no headless test can see) and
that a key press on a slider reaches the kernel and comes back as new pixels.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from . import jlab

pytestmark = pytest.mark.browser

# The image is a 1-row PNG whose grey level is the slider's value: a new value, new pixels.
_CELL = """\
import struct, zlib
import ipywidgets as widgets

def png(level):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"\\x00" + bytes([level] * 40)
    return (b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 40, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))

slider = widgets.IntSlider(value=100, min=0, max=250, step=10, description="level")
readout = widgets.HTML(value="level squared = 10000")
image = widgets.Image(value=png(100), format="png", layout=widgets.Layout(width="200px", height="20px"))

def on_change(change):
    image.value = png(change["new"])
    readout.value = f"level squared = {change['new'] ** 2}"

slider.observe(on_change, names="value")
widgets.VBox([slider, readout, image])
"""


@pytest.fixture(scope="module")
def smoke_notebook(lab_root) -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Harness check"), nbformat.v4.new_code_cell(_CELL)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (lab_root.path / "smoke").mkdir(exist_ok=True)
    nbformat.write(nb, lab_root.path / "smoke" / "widgets.ipynb")
    return "smoke/widgets.ipynb"


def test_tiny_widget_notebook_renders_and_responds(lab_page, lab, smoke_notebook, screenshots) -> None:
    page = lab_page.page
    jlab.open_notebook(page, lab, smoke_notebook)
    jlab.run_all_cells(page)
    jlab.wait_widgets_rendered(page)
    assert jlab.error_outputs(page) == []
    assert jlab.widget_errors(page) == []

    app = page.locator(".jp-OutputArea-output .widget-vbox").first
    slider, img = app.locator(".widget-slider").first, app.locator("img").first
    img.wait_for()
    assert jlab.slider_readout(slider) == "100"
    src, digest = img.get_attribute("src"), jlab.image_digest(img)
    assert digest.startswith("40x1:")

    jlab.press_slider(slider, "ArrowRight")
    # one step of 10: the kernel squares the new value, so the text is computed there, not here
    page.get_by_text("level squared = 12100").wait_for()
    assert jlab.slider_readout(slider) == "110"
    assert jlab.wait_image_changed(img, src, digest) != digest

    page.screenshot(path=screenshots / "00_smoke.png")
    assert jlab.widget_console_errors(lab_page.console) == []
    assert re.search(r"\[\d+\]", page.locator(".jp-CodeCell .jp-InputArea-prompt").first.inner_text())
