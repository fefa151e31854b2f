"""What an app puts into the page besides its controls: the figure with its alt text, and a setup.

``figure_html(png, alt, width)`` is the figure as ``<figure class="bpteach-figure"><img alt=...
src="data:image/png;base64,..."></figure>``: shown in an ``ipywidgets.HTML`` (an
``ipywidgets.Image`` has no alt text) and, unchanged, as the static ``text/html`` fallback of the
app's display output, so an export without a widget manager still shows the figure and its words.
Chromium and Firefox load a data: URL at once, so replacing the element does not flicker.

``setup_html(...)`` is rendered once per view of an app. Its ``<style>`` gives focus a visible
ring, hides the live region visually and zooms the controls by the app's scale. Its script (the ``onload`` of
a 1-pixel image: the HTML widget runs no ``<script>``, and ipywidgets has no attribute for ARIA)
gives every slider handle the name of its label (axe ``aria-input-field-name``), every icon
button of a Play widget a name and a tooltip, every button with a tooltip that name, makes the
live region ``role=status aria-live=polite``, and reports the front end's light or dark theme
(JupyterLab, Notebook 7 and Voila set ``data-jp-theme-light`` on the body; else the luminance of
``--jp-layout-color0``) into a hidden text box, whose change the app answers by rendering for that
theme. It repeats (once per animation frame at most) whenever the app's DOM or the theme changes.
"""

from __future__ import annotations

import base64
import html

__all__ = ["figure_html", "setup_html"]


def figure_html(png: bytes, alt: str, width_px: int) -> str:
    """The figure element: the PNG inline with ``alt``, ``width_px`` wide at most the page's width."""
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure class="bpteach-figure" style="margin:0">'
        f'<img alt="{html.escape(alt, quote=True)}" src="data:image/png;base64,{data}" '
        f'style="width:{width_px}px;max-width:100%;height:auto;display:block"></figure>'
    )


_PIXEL = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"

_SCRIPT = r"""(function (img) {
  var root = img.closest('.bpteach-app');
  if (!root || root.bpteachSetup) return;
  root.bpteachSetup = true;
  var ICONS = {'fa-play': 'play', 'fa-pause': 'pause', 'fa-stop': 'stop', 'fa-retweet': 'loop', 'fa-repeat': 'loop'};
  function isDark() {
    var flag = document.body.getAttribute('data-jp-theme-light');
    if (flag === 'true') return false;
    if (flag === 'false') return true;
    var c = getComputedStyle(root).getPropertyValue('--jp-layout-color0').trim()
      || getComputedStyle(document.body).backgroundColor;
    var probe = document.createElement('span');
    probe.style.color = c; document.body.appendChild(probe);
    var rgb = (getComputedStyle(probe).color.match(/[\d.]+/g) || [255, 255, 255]).map(Number);
    probe.remove();
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2] < 128;
  }
  function name(el, text) {
    if (text && !el.getAttribute('aria-label')) el.setAttribute('aria-label', text);
  }
  function patch() {
    if (!root.isConnected) { observer.disconnect(); themeObserver.disconnect(); return; }
    root.querySelectorAll('.widget-slider, .widget-hslider').forEach(function (s) {
      var label = s.querySelector('.widget-label');
      var text = label && label.textContent.trim();
      s.querySelectorAll('.noUi-handle').forEach(function (h) { name(h, text); });
      s.querySelectorAll('.widget-readout[contenteditable]').forEach(function (r) {
        if (!r.getAttribute('role')) r.setAttribute('role', 'textbox');
        name(r, text && text + ', typed value');
      });
    });
    root.querySelectorAll('.widget-play button').forEach(function (b) {
      var icon = b.querySelector('i');
      var key = icon && Object.keys(ICONS).find(function (k) { return icon.classList.contains(k); });
      if (key) { name(b, ICONS[key]); if (!b.title) b.title = ICONS[key]; }
    });
    root.querySelectorAll('button[title]').forEach(function (b) { name(b, b.title); });
    root.querySelectorAll('.widget-inline-hbox').forEach(function (box) {
      var label = box.querySelector(':scope > .widget-label');
      var field = box.querySelector(':scope input, :scope select, :scope textarea');
      if (label && field && !(field.labels && field.labels.length)) name(field, label.textContent.trim());
    });
    var live = root.querySelector('.bpteach-live .widget-html-content');
    if (live && !live.getAttribute('role')) {
      live.setAttribute('role', 'status');
      live.setAttribute('aria-live', 'polite');
      live.setAttribute('aria-atomic', 'true');
    }
    var box = root.querySelector('.bpteach-theme input');
    var want = isDark() ? 'dark' : 'light';
    if (box && box.value !== want) {
      box.value = want;
      box.dispatchEvent(new Event('input', {bubbles: true}));
      box.dispatchEvent(new Event('change', {bubbles: true}));
    }
  }
  var queued = false;
  function schedule() {
    if (queued) return;
    queued = true;
    requestAnimationFrame(function () { queued = false; patch(); });
  }
  var observer = new MutationObserver(schedule);
  observer.observe(root, {childList: true, subtree: true});
  var themeObserver = new MutationObserver(schedule);
  themeObserver.observe(document.body, {
    attributes: true, attributeFilter: ['data-jp-theme-light', 'data-jp-theme-name', 'class']
  });
  schedule();
})(this)"""

_STYLE = """
.bpteach-app :focus-visible, .bpteach-app .noUi-handle:focus, .bpteach-app button:focus,
.bpteach-app input:focus, .bpteach-app select:focus {
  outline: 3px solid var(--jp-brand-color1, #1565c0) !important; outline-offset: 2px;
}
.bpteach-live, .bpteach-theme { position: absolute !important; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; }
.bpteach-setup { display: none !important; }
"""


def setup_html(scope: str, scale: float) -> str:
    """The once-per-view ``<style>`` and script of an app whose box carries the class ``scope``."""
    style = _STYLE
    if scale != 1:
        # the controls grow as a whole (fonts, boxes, fixed widths alike); the figure and the
        # formulas are drawn at the scale already
        style += f".{scope} .bpteach-panel {{ zoom: {scale:g}; }}\n"
    return f'<style>{style}</style><img alt="" src="{_PIXEL}" onload="{html.escape(_SCRIPT, quote=True)}">'
