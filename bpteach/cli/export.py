"""``bpteach export LECTURE --to html|slides``: one self-contained file that opens with no network.

nbconvert's own ``--to html`` and ``--to slides`` load require.js, MathJax, reveal.js and the widget
renderer from the internet, and their JupyterLab styling fails WCAG AA contrast. This export:

- runs the lecture in a fresh kernel (``--no-execute`` keeps its stored outputs), with the widgets'
  theme set through ``BPTEACH_THEME`` as ``bpteach present`` does;
- replaces each widget by its static figure: every bpteach app displays, beside its widget view, a
  ``text/html`` fallback ``<figure class="bpteach-figure"><img alt="..." src="data:..."></figure>``
  (its current picture and text alternative); the widget view and the saved widget state are dropped;
- typesets the math ahead of time as MathML (``latex2mathml``), which browsers render natively and
  screen readers read, so the file needs no script for it; a static figure keeps the alt text
  IPython puts in its metadata (``Image(..., alt=...)``);
- inlines its own stylesheet (AA contrast in light and dark) and, for slides, reveal.js (vendored
  in ``export_assets/revealjs``) with a script that zooms a slide out until it fits (down to
  ``MIN_ZOOM``; a slide still too tall scrolls and takes the keyboard focus: nothing is cut off).

Needs the ``present`` extra: ``pip install 'bpteach[present]'``.
"""

from __future__ import annotations

import argparse
import copy
import html
import importlib.util
import os
import re
import sys
from pathlib import Path

from bpteach.cli.present import THEMES, find_lecture

__all__ = ["WIDGET_VIEW", "add_arguments", "export", "export_notebook", "offline_outputs", "run", "tex_to_mathml"]

INSTALL_HINT = "pip install 'bpteach[present]'"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
ASSETS = Path(__file__).with_name("export_assets")
SLIDE_SIZE = (1280, 760)  # reveal.js's logical slide, scaled to the screen as a whole
MIN_ZOOM = 0.6  # a crowded slide is zoomed out at most this far (26 px text stays >= 15 px), then scrolls

# code colours with at least 4.5:1 against the code background (GitHub Primer's light and dark palettes)
_CODE_COLOURS = {
    "light": {
        "background": "#f6f8fa",
        "text": "#1f2328",
        "comment": "#59636e",
        "keyword": "#cf222e",
        "string": "#0a3069",
        "number": "#0550ae",
        "function": "#6639ba",
        "builtin": "#953800",
        "error": "#82071e",
    },
    "dark": {
        "background": "#151b23",
        "text": "#e6edf3",
        "comment": "#9198a1",
        "keyword": "#ff7b72",
        "string": "#a5d6ff",
        "number": "#79c0ff",
        "function": "#d2a8ff",
        "builtin": "#ffa657",
        "error": "#ffa198",
    },
}


def _code_style(theme: str) -> type:
    """A Pygments style in the theme's palette (every token colour passes AA on its background)."""
    from pygments.style import Style
    from pygments.token import Comment, Error, Keyword, Name, Number, Operator, String, Text, Token

    c = _CODE_COLOURS[theme]
    return type(
        f"Bpteach{theme.title()}Style",
        (Style,),
        {
            "background_color": c["background"],
            "highlight_color": c["background"],
            "styles": {
                Token: c["text"],
                Text: c["text"],
                Comment: f"italic {c['comment']}",
                Keyword: f"bold {c['keyword']}",
                Operator: c["text"],
                Operator.Word: f"bold {c['keyword']}",
                String: c["string"],
                Number: c["number"],
                Name: c["text"],
                Name.Function: c["function"],
                Name.Class: c["function"],
                Name.Decorator: c["function"],
                Name.Builtin: c["builtin"],
                Name.Builtin.Pseudo: c["builtin"],
                Name.Exception: c["builtin"],
                Name.Namespace: c["text"],
                Error: f"{c['error']} bg:{c['background']}",
            },
        },
    )


# ---------------------------------------------------------------- math


def tex_to_mathml(tex: str, display: bool) -> str:
    """The MathML of a TeX formula (``display`` for a block of its own), or the TeX in <code> if it fails.

    latex2mathml covers the lectures' LaTeX (fractions, sums, ``\\mathrm``, ``aligned``...); a formula
    it cannot read stays visible as its source rather than vanishing.
    """
    if not isinstance(tex, str):
        msg = f"tex must be a str, got {type(tex).__name__}"
        raise TypeError(msg)
    from latex2mathml.converter import convert

    # latex2mathml sets \operatorname in italics and does not know \arg: both become upright text
    tex = re.sub(r"\\operatorname\*?\{([^{}]*)\}", r"\\mathrm{\1}", tex)
    tex = re.sub(r"\\arg(?![A-Za-z])", r"\\mathrm{arg}", tex)
    try:
        mathml = convert(tex.strip(), display="block" if display else "inline")
    except Exception as exc:  # latex2mathml raises many kinds; the export must go on
        print(f"bpteach export: warning: could not typeset ${tex}$ ({exc!r}); left as TeX", file=sys.stderr)
        return f'<code class="bpteach-tex">{html.escape(tex)}</code>'
    unknown = re.findall(r">(\\[A-Za-z]+)<", mathml)  # a command latex2mathml does not know stays as text
    if unknown:
        print(f"bpteach export: warning: unknown TeX {', '.join(unknown)} in ${tex}$", file=sys.stderr)
    return mathml


def _math_renderer_class() -> type:
    from nbconvert.filters.markdown_mistune import IPythonRenderer

    class MathMLRenderer(IPythonRenderer):
        """nbconvert's markdown renderer with the math typeset as MathML instead of left for MathJax."""

        def block_math(self, body: str) -> str:
            return _display_math(tex_to_mathml(body, display=True))

        def inline_math(self, body: str) -> str:
            return tex_to_mathml(body, display=False)

        def latex_environment(self, name: str, body: str) -> str:
            return _display_math(tex_to_mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", display=True))

    return MathMLRenderer


def _display_math(mathml: str) -> str:
    """A display formula in a box that scrolls sideways when it is wider than the page or slide.

    The box takes the keyboard focus (a region that scrolls must, WCAG 2.1.1), so nothing of a
    long formula is cut off for anyone.
    """
    return f'<div class="bpteach-math" tabindex="0" role="group" aria-label="formula">{mathml}</div>'


def _exporter_class(to: str) -> type:
    from jinja2 import pass_context
    from nbconvert.exporters import HTMLExporter, SlidesExporter
    from nbconvert.filters.markdown_mistune import MarkdownWithMath

    renderer_class = _math_renderer_class()
    base = SlidesExporter if to == "slides" else HTMLExporter

    class OfflineExporter(base):  # type: ignore[misc, valid-type]
        @pass_context  # as nbconvert's own: the filter reads the cell's attachments from the context
        def markdown2html(self, context: dict, source: str) -> str:
            # nbconvert's own filter, with the math renderer swapped
            cell = context.get("cell", {})
            renderer = renderer_class(
                escape=False,
                attachments=cell.get("attachments", {}),
                embed_images=self.embed_images,
                path=context.get("resources", {}).get("metadata", {}).get("path", ""),
                anchor_link_text=self.anchor_link_text,
                exclude_anchor_links=self.exclude_anchor_links,
                **self.lexer_options,
            )
            return MarkdownWithMath(renderer=renderer).render(source)

    return OfflineExporter


# ---------------------------------------------------------------- widgets


def offline_outputs(nb: object) -> int:
    """Replace every widget output of ``nb`` (in place) by its static figure; the number replaced.

    A widget output keeps its ``text/html`` fallback (the figure with its alt text) and loses the
    widget view and its ``text/plain`` repr; one without a fallback (not a bpteach app) becomes a
    short note, so the page never shows an empty box or ``VBox(children=...)``. The notebook's
    saved widget state goes too: nothing is left for a widget manager to load.
    """
    replaced = 0
    for cell in nb.cells:  # type: ignore[attr-defined]
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW not in data:
                continue
            fallback = data.get("text/html")
            if not fallback:
                fallback = '<p class="bpteach-no-figure">(an interactive widget: run the notebook to use it)</p>'
            output["data"] = {"text/html": fallback}
            replaced += 1
    nb.metadata.pop("widgets", None)  # type: ignore[attr-defined]
    return replaced


# ---------------------------------------------------------------- export


def _execute(nb: object, cwd: Path, theme: str, timeout: float) -> None:
    from nbclient import NotebookClient

    env = dict(os.environ, BPTEACH_THEME=theme)
    client = NotebookClient(nb, timeout=timeout, resources={"metadata": {"path": str(cwd)}})
    client.execute(env=env)


def export_notebook(
    nb: object, to: str = "html", theme: str = "light", title: str = "", lang: str = "en", path: Path | None = None
) -> str:
    """The offline HTML (a page or reveal.js slides) of an executed notebook; ``nb`` is not changed."""
    if to not in ("html", "slides"):
        msg = f"to must be 'html' or 'slides', got {to!r}"
        raise ValueError(msg)
    if theme not in THEMES:
        msg = f"theme must be one of {', '.join(THEMES)}, got {theme!r}"
        raise ValueError(msg)
    from traitlets.config import Config

    nb = copy.deepcopy(nb)
    offline_outputs(nb)
    config = Config()
    config.CSSHTMLHeaderPreprocessor.style = _code_style(theme)
    exporter = _exporter_class(to)(
        config=config,
        template_name=f"bpteach_{to}",
        extra_template_basedirs=[str(ASSETS / "templates")],
        extra_template_paths=[str(ASSETS / "templates")],
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
        embed_images=True,
        language_code=lang,
    )
    width, height = SLIDE_SIZE
    bpteach = {
        "title": title or nb.metadata.get("title", "") or "bpteach lecture",  # type: ignore[attr-defined]
        "theme": theme,
        "css": (ASSETS / "bpteach.css").read_text(),
        "slide_width": width,
        "slide_height": height,
        "min_zoom": MIN_ZOOM,
    }
    if to == "slides":
        bpteach["reveal_css"] = (ASSETS / "revealjs" / "reveal.css").read_text()
        bpteach["reveal_js"] = (ASSETS / "revealjs" / "reveal.js").read_text()
    resources = {"bpteach": bpteach, "metadata": {"path": str(path or Path.cwd())}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    # a typeset output (display(Math(...))) is a formula too: it scrolls sideways in its own box
    return body.replace(
        '<div class="jp-RenderedLatex ',
        '<div tabindex="0" role="group" aria-label="formula" class="bpteach-math jp-RenderedLatex ',
    )


def _title(nb: object, fallback: str) -> str:
    """The lecture's first heading, else ``fallback``."""
    for cell in nb.cells:  # type: ignore[attr-defined]
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip().replace("$", "")
    return fallback


def export(
    lecture: str | Path,
    to: str = "html",
    out: Path | None = None,
    theme: str = "light",
    execute: bool = True,
    lectures: Path | None = None,
    timeout: float = 600,
    lang: str = "en",
) -> Path:
    """Write the offline export of ``lecture`` (a path, number or name, as ``bpteach present``); its path."""
    import nbformat

    notebook = find_lecture(str(lecture), lectures)
    nb = nbformat.read(notebook, as_version=4)
    if execute:
        _execute(nb, notebook.parent, theme, timeout)
    suffix = ".slides.html" if to == "slides" else ".html"
    out = Path(out) if out is not None else Path.cwd() / f"{notebook.stem}{suffix}"
    text = export_notebook(nb, to, theme, _title(nb, notebook.stem), lang, notebook.parent)
    out.write_text(text, encoding="utf-8")
    return out


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("lecture", help="a notebook path, or a lecture number or name: 01, 01_sigmoid, sigmoid")
    p.add_argument("--to", choices=["html", "slides"], default="html", help="a page or reveal.js slides")
    p.add_argument("--out", type=Path, help="the file to write (default ./LECTURE.html or ./LECTURE.slides.html)")
    p.add_argument("--theme", choices=THEMES, default="light", help="the page's and the figures' theme")
    p.add_argument("--no-execute", action="store_true", help="use the stored outputs instead of running it")
    p.add_argument("--timeout", type=float, default=600, help="seconds per cell when running it (default 600)")
    p.add_argument("--lang", default="en", help="the language of the text, for <html lang> (default en)")
    p.add_argument("--lectures", type=Path, help="the lecture folder (default ./lectures, then the checkout's)")


def run(ns: argparse.Namespace) -> int:
    """``bpteach export LECTURE --to html|slides [--out FILE]``; the exit status."""
    if importlib.util.find_spec("latex2mathml") is None:
        msg = f"exporting needs latex2mathml, which is not installed: {INSTALL_HINT}"
        raise ValueError(msg)
    path = export(ns.lecture, ns.to, ns.out, ns.theme, not ns.no_execute, ns.lectures, ns.timeout, ns.lang)
    print(f"bpteach export: wrote {path}", flush=True)
    return 0
