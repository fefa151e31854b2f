"""``bpteach export``: every lecture as one offline HTML page and as reveal.js slides, opened in Chromium.

Both files of each lecture are written from its stored outputs (the lectures are stored executed);
one lecture also goes through the command itself, which runs it in a fresh kernel. Each file is
opened with every request that is not ``file:`` or ``data:`` aborted, and must have asked for
nothing else; its math is MathML with no TeX left over; every widget position shows its figure with
a non-empty alt text; axe-core finds no critical or serious WCAG 2.1 A/AA violation; on the slides
no figure, formula or code line is cut off.

The widget fallback is built against the widgets' contract (a ``text/html`` figure beside the widget
view); ``FAKE_APP`` below is such an output, so the export's handling of it is tested on its own.
"""

from __future__ import annotations

import base64
import re
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from functools import cache
from pathlib import Path

import nbformat
import pytest

from bpteach.cli.export import MIN_ZOOM, WIDGET_VIEW, export_notebook, offline_outputs, tex_to_mathml

from . import axe, jlab

LECTURES = sorted(p.name for p in (jlab.REPO / "lectures").glob("*.ipynb"))
KINDS = ("html", "slides")


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> str:
    """A base64 PNG of one colour (so a test can tell a decoded picture from a broken one)."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    return base64.b64encode(png).decode()


FAKE_ALT = "sigma at z0 = 1.50 is 0.818, its slope 0.149, the tangent drawn in orange"
FAKE_APP = {
    "output_type": "display_data",
    "metadata": {},
    "data": {
        WIDGET_VIEW: {"version_major": 2, "version_minor": 0, "model_id": "0123456789abcdef"},
        "text/html": (
            f'<figure class="bpteach-figure"><img alt="{FAKE_ALT}" '
            f'src="data:image/png;base64,{_png(320, 200, (200, 80, 20))}"></figure>'
        ),
        "text/plain": "SigmoidExplorer(z0=1.5)",
    },
}


def _fake_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "# Fake\n\nThe sigmoid $\\sigma(x) = \\frac{1}{1 + e^{-x}}$ and\n\n$$a_j = g(in_j)$$"
        ),
        nbformat.v4.new_code_cell("bw.sigmoid_explorer(z0=1.5)", outputs=[nbformat.from_dict(FAKE_APP)]),
        nbformat.v4.new_code_cell("print('x' * 300)", outputs=[nbformat.v4.new_output("stream", text="y" * 300)]),
    ]
    for cell in nb.cells:
        cell.metadata["slideshow"] = {"slide_type": "slide"}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    return nb


# ---------------------------------------------------------------- without a browser


def test_tex_becomes_mathml() -> None:
    inline = tex_to_mathml(r"\frac{1}{2}", display=False)
    assert re.search(r"<mfrac>(<mrow>)?<mn>1</mn>(</mrow>)?(<mrow>)?<mn>2</mn>(</mrow>)?</mfrac>", inline), inline
    assert 'display="inline"' in inline
    assert 'display="block"' in tex_to_mathml(r"a_{j}", display=True)


def test_tex_it_cannot_read_stays_visible(capsys) -> None:
    out = tex_to_mathml(r"x^", display=False)
    assert out == '<code class="bpteach-tex">x^</code>'
    assert "could not typeset $x^$" in capsys.readouterr().err
    assert "<math" in tex_to_mathml(r"\notacommand x", display=False)
    assert r"unknown TeX \notacommand in" in capsys.readouterr().err


def test_a_widget_output_becomes_its_figure() -> None:
    nb = _fake_notebook()
    bare = nbformat.v4.new_output("display_data", data={WIDGET_VIEW: {"model_id": "x"}, "text/plain": "VBox()"})
    nb.cells.append(nbformat.v4.new_code_cell("w", outputs=[bare]))
    assert offline_outputs(nb) == 2
    assert nb.cells[1].outputs[0].data == {"text/html": FAKE_APP["data"]["text/html"]}
    assert "run the notebook to use it" in nb.cells[-1].outputs[0].data["text/html"]
    assert "widgets" not in nb.metadata


@pytest.mark.parametrize("to", KINDS)
def test_an_export_refers_to_nothing_outside_itself(to: str) -> None:
    nb = _fake_notebook()
    page = export_notebook(nb, to, title="Fake")
    assert '<html lang="en">' in page
    assert re.findall(r"""(?:src|href)\s*=\s*["']?(?!data:|#)[a-z]+:""", page) == []
    assert "@import" not in page and "url(http" not in page
    assert WIDGET_VIEW not in page and "widget-state" not in page
    assert "$" not in re.sub(r"<script>.*?</script>", "", page, flags=re.S)  # math is MathML, not TeX
    assert WIDGET_VIEW in nb.cells[1].outputs[0].data, "the notebook given was changed"


# ---------------------------------------------------------------- in Chromium, network blocked


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], tuple[Path, Path, int]]:
    """``exports(name)``: the lecture's stored outputs written as (page, slides, number of widget outputs).

    The lectures are stored executed (nbval checks they still run), so this costs no kernel;
    ``test_the_command_runs_the_lecture`` covers a fresh run through ``bpteach export``.
    """
    folder = tmp_path_factory.mktemp("exports")

    @cache
    def make(name: str) -> tuple[Path, Path, int]:
        path = jlab.REPO / "lectures" / name
        nb = nbformat.read(path, as_version=4)
        widgets = _figure_outputs(nb)
        stem = name.removesuffix(".ipynb")
        files = []
        for to, suffix in (("html", ".html"), ("slides", ".slides.html")):
            out = folder / f"{stem}{suffix}"
            out.write_text(export_notebook(nb, to, title=stem, path=path.parent), encoding="utf-8")
            files.append(out)
        return files[0], files[1], widgets

    return make


@pytest.mark.browser
@pytest.mark.slow
def test_the_command_runs_the_lecture(offline, tmp_path, screenshots) -> None:
    """``bpteach export 01 --theme dark``: a fresh kernel draws the figures, dark, and the page passes axe."""
    out = tmp_path / "sigmoid.html"
    cmd = [sys.executable, "-m", "bpteach.cli", "export", "01", "--to", "html", "--theme", "dark", "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=jlab.REPO, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"wrote {out}" in proc.stdout
    page = offline(out)
    assert page.page.locator("body.bpteach-dark").count() == 1
    stored = nbformat.read(jlab.REPO / "lectures" / "01_sigmoid.ipynb", as_version=4)
    widgets = _figure_outputs(stored)
    _check_offline(page, widgets, jlab.REPO / "lectures" / "01_sigmoid.ipynb")
    page.page.screenshot(path=screenshots / "export_01_sigmoid_dark.png", full_page=True)
    found = axe.violations(page.page)
    assert axe.blocking(found) == [], axe.describe(axe.blocking(found))


def _figure_outputs(nb: object) -> int:
    """The outputs that must show a figure: every widget view, and every static ``bw.show_figure``."""

    def is_figure(data: dict) -> bool:
        return WIDGET_VIEW in data or 'class="bpteach-figure"' in "".join(data.get("text/html", ""))

    return sum(is_figure(o.get("data", {})) for c in nb.cells for o in c.get("outputs", []))  # type: ignore[attr-defined]


class OfflinePage:
    """A page opened from a file with every request but ``file:`` and ``data:`` aborted and recorded."""

    def __init__(self, browser, path: Path) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 800})
        self.blocked: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.errors = jlab.watch_console(self.page)
        self.page.goto(path.as_uri(), wait_until="load")

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def offline(browser):
    opened: list[OfflinePage] = []

    def open_(path: Path) -> OfflinePage:
        opened.append(OfflinePage(browser, path))
        return opened[-1]

    yield open_
    for page in opened:
        page.close()


_FIGURES_JS = """() => [...document.querySelectorAll('figure.bpteach-figure img')].map(img => ({
  alt: img.getAttribute('alt') || '', width: img.naturalWidth, complete: img.complete }))"""

# text a reader sees outside code: markdown cells and rendered markdown or LaTeX outputs
_PROSE_JS = """() => [...document.querySelectorAll('.jp-MarkdownCell, .jp-RenderedMarkdown, .jp-RenderedLatex')]
  .map(e => e.textContent).join('\\n')"""


def _check_offline(page: OfflinePage, widgets: int, source: Path) -> None:
    p = page.page
    assert page.blocked == [], f"requests left the page: {page.blocked}"
    prose = p.evaluate(_PROSE_JS)
    leftover = re.findall(r"\$[^$\n]+\$|\\[A-Za-z]{2,}", prose)
    assert leftover == [], f"TeX left untypeset: {leftover[:5]}"
    if "$" in "".join(c.source for c in nbformat.read(source, 4).cells if c.cell_type == "markdown"):
        assert p.locator("math").count() > 0, "the lecture has math but the page has no MathML"
    figures = p.evaluate(_FIGURES_JS)
    assert len(figures) == widgets, f"{widgets} widget or figure outputs but {len(figures)} figures"
    for fig in figures:
        assert fig["alt"].strip(), "a widget figure without alt text"
        assert fig["complete"] and fig["width"] > 0, "a widget figure that does not decode"
    assert p.get_by_text("run the notebook to use it").count() == 0, "a widget without its figure"


@pytest.mark.browser
@pytest.mark.parametrize("to", KINDS)
def test_a_fake_app_shows_its_figure_offline(to: str, offline, tmp_path) -> None:
    path = tmp_path / f"fake.{to}.html"
    path.write_text(export_notebook(_fake_notebook(), to, title="Fake"), encoding="utf-8")
    page = offline(path)
    assert page.blocked == []
    img = page.page.locator("figure.bpteach-figure img")
    assert img.count() == 1 and img.get_attribute("alt") == FAKE_ALT
    assert jlab.image_digest(img).startswith("320x200:")
    assert page.page.locator("math").count() == 2
    assert axe.blocking(axe.violations(page.page)) == []


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("name", LECTURES)
@pytest.mark.parametrize("to", KINDS)
def test_export_opens_offline_with_math_and_figures(name: str, to: str, exports, offline, screenshots) -> None:
    html, slides, widgets = exports(name)
    page = offline(html if to == "html" else slides)
    _check_offline(page, widgets, jlab.REPO / "lectures" / name)
    page.page.screenshot(path=screenshots / f"export_{name.removesuffix('.ipynb')}_{to}.png")
    found = axe.violations(page.page)
    assert axe.blocking(found) == [], axe.describe(axe.blocking(found))
    assert page.errors == [], page.errors


# lectures whose static matplotlib figures are still shown without alt text (seen 2026-12-02): a fix
# there (``display(Image(png, alt=...))`` or a figure helper with alt text) turns the xfail into a
# failure that asks for the lecture's line here to be deleted
NO_ALT_YET: dict[str, str] = {}


@pytest.mark.browser
@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            n,
            marks=pytest.mark.xfail(
                n in NO_ALT_YET,
                reason=f"static figures without alt text ({NO_ALT_YET.get(n)}); delete the line when fixed",
                strict=True,
            ),
        )
        for n in LECTURES
    ],
)
def test_every_figure_of_the_export_has_alt_text(name: str, exports, offline) -> None:
    """Static figures too (IPython's ``Image(..., alt=...)`` or a figure helper): none is left unnamed."""
    html, _, _ = exports(name)
    page = offline(html)
    missing = page.page.locator("img[data-bpteach-missing-alt], img:not([alt]), img[alt='']").count()
    assert missing == 0, f"{missing} figure(s) of {name} have no alt text"


_SLIDES_FIT_JS = """async () => {
  const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const area = document.querySelector('.reveal .slides');
  const problems = [], zooms = [], scrolling = [];
  for (const slide of Reveal.getSlides()) {
    const at = Reveal.getIndices(slide);
    Reveal.slide(at.h, at.v);
    await frame();
    const box = area.getBoundingClientRect();
    const scrolls = getComputedStyle(slide).overflowY === 'auto';
    if (scrolls) {
      scrolling.push(`${at.h}/${at.v}`);
      if (slide.tabIndex !== 0) problems.push(`slide ${at.h}/${at.v}: scrolls but cannot take the focus`);
      const r = slide.getBoundingClientRect();
      if (r.bottom > box.bottom + 1 || r.top < box.top - 1) problems.push(`slide ${at.h}/${at.v}: too tall`);
    }
    for (const el of slide.querySelectorAll('img, pre, math, table, figure, .bpteach-math')) {
      if (el.closest('aside.notes')) continue;
      // a wide formula scrolls sideways inside its box: the box must fit, the formula need not
      if (el.tagName === 'math' && el.closest('.bpteach-math')) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      const outside = r.left < box.left - 1 || r.right > box.right + 1 ||
        (!scrolls && (r.top < box.top - 1 || r.bottom > box.bottom + 1));
      if (outside) problems.push(`slide ${at.h}/${at.v}: a ${el.tagName} outside the slide`);
    }
    for (const pre of slide.querySelectorAll('pre'))
      if (pre.scrollWidth > pre.clientWidth + 1) problems.push(`slide ${at.h}/${at.v}: a code line cut off`);
    zooms.push(parseFloat(slide.getAttribute('data-bpteach-zoom') || '1'));
  }
  return {problems, zooms, scrolling, count: Reveal.getTotalSlides()};
}"""


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("name", LECTURES)
def test_slides_fit_their_content(name: str, exports, offline) -> None:
    """Nothing cut off: every figure, formula and code line inside its slide, or in a slide that scrolls."""
    _, slides, _ = exports(name)
    page = offline(slides)
    page.page.wait_for_function("() => window.Reveal && Reveal.isReady()")
    result = page.page.evaluate(_SLIDES_FIT_JS)
    assert result["count"] > 1, "the slideshow metadata made a single slide"
    assert result["problems"] == [], result["problems"][:10]
    assert min(result["zooms"]) >= MIN_ZOOM, "a slide zoomed out below the readable floor"
    # a scrolling slide is a slide to split in the notebook: said here for the lecture's author
    print(
        f"{name}: {result['count']} slides, smallest zoom {min(result['zooms']):.2f}, scrolling: {result['scrolling']}"
    )
