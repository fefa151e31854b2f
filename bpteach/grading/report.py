"""The instructor's page about a graded class: one self-contained HTML file from grades.json.

Made for preparing the next lecture: how each part went (a histogram of its points), the
mistakes the grader diagnosed (most frequent first, how many submissions made each, one example)
and the submissions that did not run (with the reason). Static HTML with inline SVG: no script,
nothing fetched from the network; every histogram also gives its counts as a table, and the
colours keep WCAG AA contrast on the white page.

Much of grades.json is written by student code or names student files (exception messages,
outputs, notes, file names): all of it is untrusted text, cut to a bounded length, cleaned of
control characters and lone surrogates, and HTML-escaped. The page is ASCII (anything else is a
character reference), so it reads the same whatever encoding a browser guesses.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bpteach.grading.atomic import write_atomic
from bpteach.grading.results import CaseFailure, PartResult, SubmissionResult

__all__ = ["COLOURS", "load_results", "render_report", "write_report"]

# text and bars on the white page; tests check every colour on the page against WCAG AA
COLOURS = {
    "background": "#ffffff",
    "text": "#1b1f24",
    "muted": "#4f5862",  # 7.0:1 on white
    "bar": "#1f5fa8",  # 6.6:1 (graphics need 3:1, text 4.5:1: the bars pass both)
    "alarm": "#a4141b",  # 7.9:1
    "rule": "#6e7781",  # table borders, 4.6:1
}
MAX_TEXT = 240  # characters of one untrusted string on the page
MAX_ROWS = 500  # rows of the table of submissions that did not run
TOP_MISTAKES = 5
_UNDIAGNOSED = "wrong values, no usual mistake matched"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean(text: object, limit: int = MAX_TEXT) -> str:
    """Untrusted text made safe to show: a str, no control characters or lone surrogates, at most ``limit`` long."""
    s = text if isinstance(text, str) else repr(text)
    s = _CONTROL.sub("\ufffd", s[: limit + 1])
    return s if len(s) <= limit else s[: limit - 1] + "\u2026"


def _h(text: object, limit: int = MAX_TEXT) -> str:
    return html.escape(clean(text, limit), quote=True)


# ----------------------------------------------------------------------------- reading
def load_results(path: Path | str) -> list[SubmissionResult]:
    """The submissions in a grades.json written by ``bpteach grade`` (or ``merge``)."""
    path = Path(path)
    if path.suffix == ".csv":  # ``grade`` names the CSV; the JSON beside it has the details
        path = path.with_suffix(".json")
    try:
        doc = json.loads(path.read_bytes())
    except (ValueError, RecursionError) as exc:
        msg = f"grades must be the JSON file written by bpteach grade, got {str(path)!r} which is not JSON ({exc})"
        raise ValueError(msg) from None
    subs = doc.get("submissions") if isinstance(doc, dict) else None
    if not isinstance(subs, list):
        msg = f"grades must be the JSON file written by bpteach grade, got {str(path)!r} without a list of submissions"
        raise ValueError(msg)
    results = []
    for k, d in enumerate(subs):
        try:
            results.append(SubmissionResult.from_dict(d))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            msg = f"grades: submission {k + 1} of {str(path)!r} is malformed ({type(exc).__name__}: {clean(exc, 120)})"
            raise ValueError(msg) from None
    return results


# ----------------------------------------------------------------------------- counting
@dataclass
class Bin:
    """One bar of a histogram: points in [low, high), or exactly ``low`` when low == high."""

    label: str
    low: float
    high: float
    count: int = 0


def histogram(values: Sequence[float], max_points: float) -> list[Bin]:
    """Bars for points from 0 to ``max_points``: one per whole point up to 20, else 10 equal ranges."""
    if max_points <= 20 and float(max_points).is_integer() and all(float(v).is_integer() for v in values):
        bins = [Bin(f"{k}", k, k) for k in range(int(max_points) + 1)]
    else:
        width = max_points / 10 if max_points > 0 else 1.0
        bins = [Bin(f"{k * width:g}-{(k + 1) * width:g}", k * width, (k + 1) * width) for k in range(10)]
    for v in values:
        for b in bins:
            if (b.low == b.high == v) or (b.low <= v < b.high) or (b is bins[-1] and v == b.high):
                b.count += 1
                break
    return bins


def _failure_key(f: CaseFailure) -> str:
    if f.diagnosis:
        return f.diagnosis
    if f.got.startswith("an error: "):
        return "raised " + f.got[len("an error: ") :].split(":", 1)[0]
    return _UNDIAGNOSED


@dataclass
class Mistake:
    """A mistake on one part: how many submissions made it, and one of them as an example."""

    text: str
    count: int
    submission: str
    example: CaseFailure | None


@dataclass
class PartSummary:
    grade_id: str
    title: str
    max_points: float
    points: list[float] = field(default_factory=list)
    mistakes: list[Mistake] = field(default_factory=list)
    other_mistakes: int = 0  # distinct mistakes beyond the ones shown


def _summarise_part(grade_id: str, parts: list[tuple[str, PartResult]], top: int) -> PartSummary:
    first = parts[0][1]
    summary = PartSummary(grade_id, first.title, first.max_points, [p.points for _, p in parts])
    counts: Counter[str] = Counter()
    examples: dict[str, tuple[str, CaseFailure | None]] = {}
    for name, p in sorted(parts, key=lambda np_: np_[0]):
        if p.passed:
            continue
        keys: dict[str, CaseFailure | None] = {}
        for f in p.failures:
            keys.setdefault(clean(_failure_key(f)), f)
        if not keys:  # the part never ran: the reason is its message
            keys[clean(p.message or "not graded")] = None
        for key, example in keys.items():
            counts[key] += 1  # each submission counts once per mistake
            examples.setdefault(key, (name, example))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    summary.mistakes = [Mistake(k, c, *examples[k]) for k, c in ranked[:top]]
    summary.other_mistakes = len(ranked) - len(summary.mistakes)
    return summary


@dataclass
class ExerciseSummary:
    name: str
    max_points: float
    totals: list[float]
    parts: list[PartSummary]


def summarise(results: Sequence[SubmissionResult], top: int = TOP_MISTAKES) -> list[ExerciseSummary]:
    """Per exercise (in name order): the totals and, per part in notebook order, points and mistakes."""
    by_exercise: dict[str, list[SubmissionResult]] = {}
    for r in results:
        if r.exercise and r.parts:
            by_exercise.setdefault(r.exercise, []).append(r)
    out = []
    for name in sorted(by_exercise):
        subs = by_exercise[name]
        order: dict[str, list[tuple[str, PartResult]]] = {}
        for r in subs:
            for p in r.parts:
                order.setdefault(p.grade_id, []).append((r.submission, p))
        parts = [_summarise_part(gid, ps, top) for gid, ps in order.items()]
        out.append(ExerciseSummary(name, max(r.max_points for r in subs), [r.total for r in subs], parts))
    return out


def not_run(results: Sequence[SubmissionResult]) -> list[SubmissionResult]:
    """The submissions with a note about the whole run (not graded, a cell raised, a time-out, a crash)."""
    return sorted((r for r in results if r.notes), key=lambda r: r.submission)


# ----------------------------------------------------------------------------- drawing
_W, _H, _PAD, _AXIS = 420, 170, 28, 30


def histogram_svg(bins: Sequence[Bin], label: str, ident: str) -> str:
    """An inline SVG bar chart, its counts in a ``<title>`` and ``<desc>`` for screen readers."""
    counts = "; ".join(f"{b.label} points: {b.count}" for b in bins)
    top = max([b.count for b in bins] + [1])
    step = (_W - 2 * _PAD) / len(bins)
    bars = []
    for k, b in enumerate(bins):
        h = (_H - _PAD - _AXIS) * b.count / top
        x = _PAD + k * step
        y = _H - _AXIS - h
        bars.append(
            f'<rect x="{x + step * 0.1:.1f}" y="{y:.1f}" width="{step * 0.8:.1f}" height="{h:.1f}" '
            f'fill="{COLOURS["bar"]}"/>'
            f'<text x="{x + step / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle">{b.count}</text>'
            f'<text x="{x + step / 2:.1f}" y="{_H - _AXIS + 16:.1f}" text-anchor="middle">{html.escape(b.label)}</text>'
        )
    axis = (
        f'<line x1="{_PAD}" y1="{_H - _AXIS}" x2="{_W - _PAD}" y2="{_H - _AXIS}" stroke="{COLOURS["text"]}"/>'
        f'<text x="{_W / 2:.0f}" y="{_H - 2}" text-anchor="middle">points</text>'
    )
    return (
        f'<svg role="img" aria-labelledby="{ident}-t {ident}-d" width="{_W}" height="{_H}" '
        f'viewBox="0 0 {_W} {_H}" font-size="12" fill="{COLOURS["text"]}">'
        f'<title id="{ident}-t">{_h(label)}</title><desc id="{ident}-d">{html.escape(counts)}</desc>'
        f"{''.join(bars)}{axis}</svg>"
    )


def _histogram_block(values: Sequence[float], max_points: float, label: str, ident: str) -> str:
    bins = histogram(values, max_points)
    head = "".join(f"<th scope='col'>{html.escape(b.label)}</th>" for b in bins)
    cells = "".join(f"<td>{b.count}</td>" for b in bins)
    return (
        f"<figure>{histogram_svg(bins, label, ident)}<figcaption>{_h(label)}</figcaption>"
        f"<table class='counts'><tr><th scope='row'>points</th>{head}</tr>"
        f"<tr><th scope='row'>submissions</th>{cells}</tr></table></figure>"
    )


def _example(m: Mistake) -> str:
    who = f"<span class='muted'>e.g. {_h(m.submission, 120)}</span>"
    if m.example is None:
        return who
    f = m.example
    return (
        f"{who}<br><code>input {_h(f.inputs)}</code><br><code>expected {_h(f.expected)}</code>"
        f"<br><code>got {_h(f.got)}</code>"
    )


def _part_section(p: PartSummary, n: int, ident: str) -> str:
    passed = sum(1 for v in p.points if v == p.max_points)
    out = [
        f"<h3>{_h(p.title)} <span class='muted'>[{_h(p.grade_id, 80)}], {p.max_points:g} points</span></h3>",
        f"<p>{passed} of {n} submissions earned the points.</p>",
        _histogram_block(p.points, p.max_points, f"Points on {clean(p.title)} ({n} submissions)", ident),
    ]
    if p.mistakes:
        rows = "".join(f"<tr><td>{_h(m.text)}</td><td>{m.count}</td><td>{_example(m)}</td></tr>" for m in p.mistakes)
        more = (
            f"<p class='muted'>and {p.other_mistakes} other mistake(s), each less frequent.</p>"
            if p.other_mistakes
            else ""
        )
        out.append(
            "<table class='mistakes'><caption>The most frequent mistakes on this part</caption>"
            "<tr><th scope='col'>mistake</th><th scope='col'>submissions</th><th scope='col'>example</th></tr>"
            f"{rows}</table>{more}"
        )
    return "".join(out)


def _failed_section(failed: Sequence[SubmissionResult]) -> str:
    if not failed:
        return "<h2 id='not-run'>Submissions that did not run</h2><p>None: every submission ran.</p>"
    rows = "".join(
        f"<tr><td>{_h(r.submission, 160)}</td><td>{r.total:g}/{r.max_points:g}</td>"
        f"<td>{'<br>'.join(_h(n) for n in r.notes[:5])}</td></tr>"
        for r in failed[:MAX_ROWS]
    )
    more = f"<p>and {len(failed) - MAX_ROWS} more (see grades.json).</p>" if len(failed) > MAX_ROWS else ""
    return (
        "<h2 id='not-run'>Submissions that did not run</h2>"
        f"<p>{len(failed)} submission(s) were not graded or stopped early. The reasons, as the grader saw them:</p>"
        "<table class='notrun'><tr><th scope='col'>submission</th><th scope='col'>points</th>"
        f"<th scope='col'>reason</th></tr>{rows}</table>{more}"
    )


_CSS = """
body {{ font-family: system-ui, sans-serif; color: {text}; background: {background}; max-width: 60rem;
  margin: 1rem auto; padding: 0 1rem; line-height: 1.45 }}
.muted {{ color: {muted}; font-weight: normal }}
table {{ border-collapse: collapse; margin: .5rem 0 1rem }}
th, td {{ border: 1px solid {rule}; padding: .2rem .5rem; text-align: left; vertical-align: top }}
td, code {{ overflow-wrap: anywhere }}
a {{ color: {bar} }}
caption {{ text-align: left; font-weight: bold }}
figure {{ margin: .5rem 0 }}
.notrun td:first-child {{ color: {alarm} }}
"""


def render_report(results: Sequence[SubmissionResult], title: str = "Grading report", top: int = TOP_MISTAKES) -> str:
    """The page (ASCII HTML) for these results: histograms, frequent mistakes, failed runs."""
    if not isinstance(results, Sequence) or not all(isinstance(r, SubmissionResult) for r in results):
        msg = f"results must be a sequence of SubmissionResult, got {type(results).__name__}"
        raise TypeError(msg)
    exercises = summarise(results, top)
    failed = not_run(results)
    body = [f"<h1>{_h(title)}</h1>", "<h2 id='overview'>Overview</h2>"]
    seeds = sorted({str(r.seed) for r in results if r.seed is not None})
    body.append(
        f"<p>{len(results)} submission(s); {len(failed)} did not run cleanly (listed at the end)"
        f"{'; hidden inputs drawn with seed ' + _h(', '.join(seeds), 80) if seeds else ''}.</p>"
    )
    if exercises:
        items = "".join(
            f"<li><a href='#ex-{k}'>{_h(e.name, 80)}</a>: {len(e.totals)} submission(s), mean "
            f"{sum(e.totals) / len(e.totals):.2f} of {e.max_points:g} points</li>"
            for k, e in enumerate(exercises)
        )
        body.append(f"<ul>{items}</ul>")
    for k, e in enumerate(exercises):
        n = len(e.totals)
        body.append(f"<h2 id='ex-{k}'>Exercise {_h(e.name, 80)}</h2>")
        body.append(
            _histogram_block(e.totals, e.max_points, f"Total points on {clean(e.name, 80)} ({n} submissions)", f"ex{k}")
        )
        body += [_part_section(p, n, f"ex{k}p{j}") for j, p in enumerate(e.parts)]
    body.append(_failed_section(failed))
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_h(title)}</title>\n<style>{_CSS.format(**COLOURS)}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
    return page.encode("ascii", "xmlcharrefreplace").decode("ascii")


def write_report(grades: Path | str, out: Path | str = "report.html", title: str | None = None) -> Path:
    """Read ``grades`` (grades.json, or the grades.csv beside it) and write the page to ``out``."""
    results = load_results(grades)
    out = Path(out)
    write_atomic(out, render_report(results, title or f"Grading report: {Path(grades).name}"))
    return out
