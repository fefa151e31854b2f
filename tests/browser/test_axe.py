"""axe-core's WCAG 2.1 A/AA rules on every lecture as ``bpteach present`` shows it (Voila, code hidden).

One Voila serves the lecture folder for the whole module, with the command line and environment
``bpteach present`` builds (``voila_command``, ``voila_env``); each lecture is opened as a page of its
own (a kernel each, shut down when the page closes), its widgets rendered, then checked: no critical
or serious violation in bpteach's output. ``UPSTREAM`` lists what is excluded, by a precise selector,
with the reason; no rule is switched off. The offline exports are checked in ``test_export.py``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from bpteach.cli.present import voila_command, voila_env

from . import axe, jlab

pytestmark = pytest.mark.browser

LECTURES = sorted(p.name for p in (jlab.REPO / "lectures").glob("*.ipynb"))

# selector -> why it is not bpteach's to fix (each one was seen failing; keep this list short)
UPSTREAM: dict[str, str] = {}


@pytest.fixture(scope="module", params=["light", "dark"])
def voila(request, browser_available, tmp_path_factory) -> Iterator[tuple[jlab.Server, str]]:
    theme = request.param
    port = jlab.free_port()
    cmd = voila_command(jlab.REPO / "lectures", port, open_browser=False, theme=theme, python=sys.executable)
    env = voila_env(theme, 1.5 if theme == "dark" else 1.0)
    env["MPLBACKEND"] = "Agg"
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    server = jlab.start("Voila", cmd, port, "", log, "/api/kernelspecs", env=env)
    try:
        yield server, theme
    finally:
        leftovers = jlab.stop_gracefully(server)
        assert not leftovers, f"Voila left kernels running (killed): {leftovers}"


@pytest.mark.slow
@pytest.mark.parametrize("name", LECTURES)
def test_presented_lecture_has_no_serious_violation(name: str, voila, context, screenshots) -> None:
    server, theme = voila
    if theme == "dark" and name != LECTURES[0]:
        pytest.skip("the dark theme at scale 1.5 is checked on the first lecture only (time)")
    page = context.new_page()
    try:
        page.goto(f"{server.base}/voila/render/{name}", wait_until="load", timeout=180_000)
        page.locator(".jp-OutputArea").first.wait_for(timeout=60_000)
        jlab.wait_widgets_rendered(page)
        assert page.get_by_text("Error displaying widget").count() == 0
        page.screenshot(path=screenshots / f"voila_{theme}_{name.removesuffix('.ipynb')}.png", full_page=True)
        found = axe.violations(page, exclude=UPSTREAM)
        print(f"{name} ({theme}): {axe.describe(found)}")
        assert axe.blocking(found) == [], axe.describe(axe.blocking(found))
    finally:
        page.close(run_before_unload=True)
