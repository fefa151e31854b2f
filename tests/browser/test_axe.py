"""axe-core's WCAG 2.1 A/AA rules on every lecture as ``bpteach present`` shows it (Voila, code hidden).

One Voila serves the lecture folder for the whole module, with the command line and environment
``bpteach present`` builds (``voila_command``, ``voila_env``); each lecture is opened as a page of its
own (a kernel each, shut down when the page closes), its widgets rendered, then checked: no critical
or serious violation in bpteach's output. The dark theme at scale 1.5 is checked on lecture 01 by
``test_present.py``, which presents it that way. ``axe.VOILA`` lists what is set aside, by a precise selector,
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


@pytest.fixture(scope="module")
def voila(browser_available, tmp_path_factory) -> Iterator[jlab.Server]:
    port = jlab.free_port()
    cmd = voila_command(jlab.REPO / "lectures", port, open_browser=False, theme="light", python=sys.executable)
    env = voila_env("light", 1.0)
    env["MPLBACKEND"] = "Agg"
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    server = jlab.start("Voila", cmd, port, "", log, "/api/kernelspecs", env=env)
    try:
        yield server
    finally:
        leftovers = jlab.stop_gracefully(server)
        assert not leftovers, f"Voila left kernels running (killed): {leftovers}"


@pytest.mark.slow
@pytest.mark.parametrize("name", LECTURES)
def test_presented_lecture_has_no_serious_violation(name: str, voila, context, screenshots) -> None:
    page = context.new_page()
    console = jlab.watch_console(page)
    try:
        url = f"{voila.base}/voila/render/{name}"
        jlab.open_voila(page, url, lambda: page.locator(".jp-OutputArea").first.wait_for(timeout=180_000), console)
        errors = jlab.widget_errors(page)
        assert errors == [], f"{name}: {errors}; console: {console}; Voila log:\n{voila.log_tail()}"
        page.screenshot(path=screenshots / f"voila_{name.removesuffix('.ipynb')}.png", full_page=True)
        check(page, name)
    finally:
        page.close(run_before_unload=True)


def check(page, what: str) -> None:
    """No critical or serious violation on ``page`` beyond ``axe.VOILA`` (the others are printed)."""
    found = axe.violations(page, axe.VOILA)
    print(f"{what}: {axe.describe(found)}")
    assert axe.blocking(found) == [], axe.describe(axe.blocking(found))
