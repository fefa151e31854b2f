"""axe-core (shipped by the axe-playwright-python package) on a Playwright page: WCAG 2.1 A and AA rules.

A violation we cannot fix (it comes from an upstream front end, not from bpteach) is set aside by
the caller as an ``Upstream`` entry: one rule on the elements one precise selector matches, with the
reason. The rule keeps running everywhere else and every other rule still checks those elements.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("critical", "serious")


@dataclass(frozen=True)
class Upstream:
    rule: str  # the axe rule id
    selector: str  # the elements it is set aside on (CSS)
    reason: str  # whose markup or style it is, and why bpteach cannot change it


# what is set aside in Voila, not bpteach's to fix (each one was seen failing; keep this list short)
VOILA = (
    Upstream(
        "link-in-text-block",
        ".jp-RenderedMarkdown a",
        "JupyterLab's theme (which Voila uses) takes the underline off links in rendered markdown "
        "(.jp-RenderedHTMLCommon a); bpteach's own export underlines them",
    ),
    Upstream(
        "scrollable-region-focusable",
        "#rendered_cells, .jp-RenderedHTMLCommon",
        "Voila's page container and JupyterLab's rendered-markdown box scroll sideways when a wide table "
        "or formula does not fit, and neither can take the focus (their markup, no tabindex to set)",
    ),
)


@cache
def _axe_script() -> str:
    from axe_playwright_python.sync_playwright import Axe

    return Axe().axe_script


_MATCHES_JS = """([target, selector]) => {
  const el = document.querySelector(target);
  return !!el && el.matches(selector);
}"""


def violations(page, upstream: tuple[Upstream, ...] = ()) -> list[dict]:
    """The WCAG 2.1 A/AA violations on ``page``, less the nodes ``upstream`` sets aside."""
    page.evaluate(_axe_script())
    options = {"runOnly": {"type": "tag", "values": WCAG21_AA}, "resultTypes": ["violations"]}
    found = page.evaluate("(options) => axe.run(document, options)", options)["violations"]
    kept = []
    for v in found:
        aside = [u.selector for u in upstream if u.rule == v["id"]]
        nodes = [
            n
            for n in v["nodes"]
            # a target inside an iframe or shadow root is a list: never set aside
            if not (
                aside and len(n["target"]) == 1 and any(page.evaluate(_MATCHES_JS, [n["target"][0], s]) for s in aside)
            )
        ]
        if nodes:
            kept.append({**v, "nodes": nodes})
    return kept


def blocking(found: list[dict]) -> list[dict]:
    """The critical and serious ones."""
    return [v for v in found if v["impact"] in BLOCKING]


def describe(found: list[dict], nodes: int = 3) -> str:
    """One line per violation, with its impact, count and first targets (for an assertion message)."""
    lines = []
    for v in found:
        targets = "; ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:nodes])
        lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])}x): {v['help']} at {targets}")
    return "\n".join(lines) or "none"
