"""Latency in the real browser: a key press on a slider to the changed pixels of its figure.

Run: ``.venv/bin/python tests/benchmarks/bench_browser_latency.py [--presses 30]`` (needs Debian's
chromium and the playwright package; not collected by pytest). JupyterLab runs lectures 01 (the
sigmoid explorer, slider z0) and 04 (the backprop stepper, its step slider); for each, Chromium
presses ArrowRight / ArrowLeft in turn on the focused slider, and the page itself times, from the
keydown event, (a) the <img> src change and (b) the first animation frame after the new PNG is
decoded, i.e. the changed pixels on screen (the figure is a new ``<img>`` after each change).
Goals on the 2-core machine: median < 80 ms, p95 < 120 ms.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from browser import jlab  # the browser tests' helpers: one way to start servers

GOAL_MEDIAN_MS, GOAL_P95_MS = 80.0, 120.0
CASES = [("sigmoid explorer (z0)", "01_sigmoid.ipynb"), ("backprop stepper (step)", "04_node_level.ipynb")]

# keydown (capture phase, so before the slider handles it) -> a new figure <img> -> decoded -> next frame
# (an app's figure is an HTML widget: each change puts a new <img alt=... src=data:...> in its box)
_INSTALL = """(box) => {
  const lat = { key: null, results: [] };
  window.__bpteachLatency = lat;
  document.addEventListener('keydown', () => { lat.key = performance.now(); }, true);
  new MutationObserver(() => {
    const k = lat.key;
    if (k === null) return;
    lat.key = null;  // the first change after a key press is the one we time
    const tSrc = performance.now();
    const img = box.querySelector('img');
    img.decode().catch(() => {}).then(() => requestAnimationFrame(() => {
      lat.results.push({ src: tSrc - k, paint: performance.now() - k });
    }));
  }).observe(box, { childList: true, subtree: true, attributes: true, attributeFilter: ['src'] });
}"""


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(page, lab: jlab.Server, notebook: str, presses: int, warmup: int = 3) -> list[dict[str, float]]:
    jlab.open_notebook(page, lab, f"lectures/{notebook}")
    jlab.run_all_cells(page)
    jlab.wait_widgets_rendered(page)
    app = page.locator(".jp-OutputArea-output > .widget-vbox:has(img)").first
    app.scroll_into_view_if_needed()
    slider = app.locator(".widget-slider:not(.mod-disabled)").first
    app.locator(".bpteach-figure").first.wait_for()
    app.locator(".widget-html-content:has(.bpteach-figure)").first.evaluate(_INSTALL)
    handle = slider.locator(".noUi-handle").first
    handle.focus()
    for i in range(warmup + presses):
        n = page.evaluate("() => window.__bpteachLatency.results.length")
        # alternate directions: every press is a real change, and the slider never hits its end
        handle.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
        page.wait_for_function(f"() => window.__bpteachLatency.results.length > {n}", timeout=10_000, polling=20)
    return page.evaluate("() => window.__bpteachLatency.results")[warmup:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=30)
    ns = parser.parse_args(argv)
    reason = jlab.missing_browser_reason()
    if reason:
        print(f"skipped: {reason}")
        return 0
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="bpteach_latency_"))
    shutil.copytree(jlab.REPO / "lectures", tmp / "root" / "lectures")
    lab = jlab.start_lab(tmp / "root", tmp / "state")
    ok = True
    try:
        with sync_playwright() as pw:
            browser = jlab.launch_browser(pw)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            print(
                f"key press -> changed pixels, {ns.presses} presses each (goal: median < {GOAL_MEDIAN_MS:.0f} ms, "
                f"p95 < {GOAL_P95_MS:.0f} ms)"
            )
            for label, notebook in CASES:
                if not (tmp / "root" / "lectures" / notebook).exists():
                    print(f"{label:26s} skipped: lectures/{notebook} is missing")
                    continue
                results = measure(page, lab, notebook, ns.presses)
                paint = [r["paint"] for r in results]
                src = [r["src"] for r in results]
                met = statistics.median(paint) < GOAL_MEDIAN_MS and p95(paint) < GOAL_P95_MS
                ok &= met
                print(
                    f"{label:26s} pixels: median {statistics.median(paint):6.1f} ms, p95 {p95(paint):6.1f} ms"
                    f"  (src change: median {statistics.median(src):6.1f} ms, p95 {p95(src):6.1f} ms)"
                    f"  {'goal met' if met else 'GOAL MISSED'}"
                )
                jlab.shutdown_kernels(lab)
            browser.close()
    finally:
        leftovers = jlab.stop(lab)
        shutil.rmtree(tmp, ignore_errors=True)
    if leftovers:
        print(f"warning: kernels left running (killed): {leftovers}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
