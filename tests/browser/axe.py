"""axe-core (shipped by the axe-playwright-python package) on a Playwright page: WCAG 2.1 A and AA rules.

A violation we cannot fix (it comes from an upstream front end, not from bpteach) is excluded by a
precise selector, with its reason, by the caller; no rule is ever switched off wholesale.
"""

from __future__ import annotations

from functools import cache

WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("critical", "serious")


@cache
def _axe_script() -> str:
    from axe_playwright_python.sync_playwright import Axe

    return Axe().axe_script


def violations(page, exclude: dict[str, str] | None = None) -> list[dict]:
    """All WCAG 2.1 A/AA violations on ``page`` outside ``exclude`` (selector -> why it is excluded)."""
    page.evaluate(_axe_script())
    context: dict = {"include": [["html"]]}
    if exclude:
        context["exclude"] = [[selector] for selector in exclude]
    options = {"runOnly": {"type": "tag", "values": WCAG21_AA}, "resultTypes": ["violations"]}
    result = page.evaluate("([context, options]) => axe.run(context, options)", [context, options])
    return result["violations"]


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
