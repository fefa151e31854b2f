"""``bpteach report``: the instructor's page from a hand-built grades.json.

The class below is small enough to count by hand: five submissions of exercise 02 on two parts
(sigmoid, 2 points; unit_gradient, 3 points), one of them hostile, and one file that was not a
notebook. Every expected number in the tests is counted from this table, not read off the code.

    submission        sigmoid                       unit_gradient                        total
    a.ipynb           2                             3                                    5
    b.ipynb           0 overflow (2 inputs)         3                                    3
    c.ipynb           0 overflow                    0 wrong sign, raised ValueError      0
    d.ipynb           2                             0 wrong sign                         2
    "><script>...     0 not graded (cell raised)    0 raised <img ...> (hostile text)    0
    f.ipynb           not a notebook: no parts, one note
"""

from __future__ import annotations

import itertools
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bpteach.cli import main
from bpteach.grading.report import COLOURS, MAX_TEXT, histogram, load_results, render_report, write_report
from bpteach.grading.results import CaseFailure, PartResult, SubmissionResult

OVERFLOW = "exp(-z) overflows for large negative z: use the stable form"
SIGN = "wrong sign: every value is minus the expected one"
HOSTILE_NAME = 'sub/"><script>alert(2)</script>.ipynb'
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(3)>"
LONG = "x" * 5000


PARTS = {"ex02_sigmoid": ("Sigmoid", 2.0), "ex02_unit_gradient": ("Gradient of one unit", 3.0)}


def part(grade_id: str, points: float, failures: tuple[CaseFailure, ...], message: str) -> PartResult:
    title, max_points = PARTS[grade_id]
    return PartResult(
        grade_id=grade_id,
        title=title,
        points=points,
        max_points=max_points,
        n_cases=3,
        failures=list(failures),
        message=message,
    )


def sigmoid(points: float, *failures: CaseFailure, message: str = "") -> PartResult:
    return part("ex02_sigmoid", points, failures, message)


def gradient(points: float, *failures: CaseFailure, message: str = "") -> PartResult:
    return part("ex02_unit_gradient", points, failures, message)


def fail(diagnosis: str = "", got: str = "[0.5]", inputs: str = "(-800.0)") -> CaseFailure:
    return CaseFailure(inputs=inputs, expected="[0.0]", got=got, diagnosis=diagnosis)


def sub(name: str, *parts: PartResult, notes: tuple[str, ...] = ()) -> SubmissionResult:
    return SubmissionResult(name, "02_logistic_unit" if parts else "", list(parts), list(notes), "d" * 64, 7)


CLASS = [
    sub("sub/a.ipynb", sigmoid(2), gradient(3)),
    sub("sub/b.ipynb", sigmoid(0, fail(OVERFLOW), fail(OVERFLOW, inputs="(-900.0)")), gradient(3)),
    sub(
        "sub/c.ipynb",
        sigmoid(0, fail(OVERFLOW, inputs="(-1000.0)")),
        gradient(0, fail(SIGN), fail(got="an error: ValueError: bad shape")),
    ),
    sub("sub/d.ipynb", sigmoid(2), gradient(0, fail(SIGN, inputs="(1.5)"))),
    sub(
        HOSTILE_NAME,
        sigmoid(0, message="not graded: the solution code stopped before this part"),
        gradient(0, fail(got=f"an error: {IMG}: {SCRIPT}")),
        notes=(f"the cell 'ex02_sigmoid' raised RuntimeError: {SCRIPT}\ud800\x00{LONG}",),
    ),
    sub("sub/f.ipynb", notes=("not graded: the file is not valid JSON (Expecting value at line 1, column 1)",)),
]


class Page(HTMLParser):
    """What a reader (or a screen reader) gets from the page: elements, headings, tables, text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.headings: list[tuple[int, str]] = []
        self.tables: list[list[list[str]]] = []
        self.texts: list[str] = []
        self.svg_labels: list[str] = []
        self._heading: list[str] | None = None
        self._cell: list[str] | None = None
        self._in: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "br":  # a void element: a line break, read as a space
            self.handle_data(" ")
            return
        self._in.append(tag)
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = []
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        while self._in and self._in.pop() != tag:
            pass
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append((int(tag[1]), " ".join("".join(self._heading).split())))
            self._heading = None
        elif tag in ("td", "th"):
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._in and self._in[-1] == "style":
            return
        self.texts.append(data)
        if self._heading is not None:
            self._heading.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._in and self._in[-1] in ("title", "desc") and "svg" in self._in:
            self.svg_labels.append(data)

    def table_after(self, first_cell: str, nth: int = 0) -> list[list[str]]:
        found = [t for t in self.tables if t and t[0] and t[0][0] == first_cell]
        return found[nth]


@pytest.fixture(scope="module")
def page() -> tuple[str, Page]:
    text = render_report(CLASS, title="Exercise 02, group A")
    return text, Page(text)


def test_histograms_count_the_submissions_per_points(page):
    _, p = page
    totals, sig, grad = (p.table_after("points", k) for k in range(3))
    assert totals == [["points", "0", "1", "2", "3", "4", "5"], ["submissions", "2", "0", "1", "1", "0", "1"]]
    assert sig == [["points", "0", "1", "2"], ["submissions", "3", "0", "2"]]
    assert grad == [["points", "0", "1", "2", "3"], ["submissions", "3", "0", "0", "2"]]
    # the same counts are the figures' text alternative
    assert "0 points: 3; 1 points: 0; 2 points: 2" in p.svg_labels
    assert "0 points: 3; 1 points: 0; 2 points: 0; 3 points: 2" in p.svg_labels
    svgs = [a for t, a in p.tags if t == "svg"]
    assert len(svgs) == 3 and all(a["role"] == "img" and a["aria-labelledby"] for a in svgs)


def test_bars_are_as_tall_as_their_counts(page):
    text, _ = page
    first = text[text.index("<svg") : text.index("</svg>")]
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([0-9.]+)"', first)]
    # totals 0..5 counted 2, 0, 1, 1, 0, 1: the tallest bar is the count 2, the others in proportion
    assert heights == pytest.approx([112.0, 0.0, 56.0, 56.0, 0.0, 56.0])


def test_the_most_frequent_mistakes_come_first_with_counts_and_an_example(page):
    _, p = page
    sig, grad = (t for t in p.tables if t[0] == ["mistake", "submissions", "example"])
    assert [row[:2] for row in sig[1:]] == [
        [OVERFLOW, "2"],  # b (two inputs, counted once) and c
        ["not graded: the solution code stopped before this part", "1"],
    ]
    assert sig[1][2] == "e.g. sub/b.ipynb input (-800.0) expected [0.0] got [0.5]"
    assert [row[:2] for row in grad[1:]] == [
        [SIGN, "2"],  # c and d
        ["raised <img src=x onerror=alert(3)>", "1"],  # ties in text order: "<" sorts before "V"
        ["raised ValueError", "1"],
    ]
    assert grad[1][2].startswith("e.g. sub/c.ipynb input")
    assert [h for h in p.headings if h[0] == 3] == [
        (3, "Sigmoid [ex02_sigmoid], 2 points"),
        (3, "Gradient of one unit [ex02_unit_gradient], 3 points"),
    ]
    assert "2 of 5 submissions earned the points." in p.texts


def test_only_the_top_mistakes_are_listed():
    many = [sub(f"s{k}.ipynb", sigmoid(0, fail(f"mistake {k % 4}")), gradient(3)) for k in range(10)]
    p = Page(render_report(many, top=2))
    table = next(t for t in p.tables if t[0][0] == "mistake")
    assert [row[:2] for row in table[1:]] == [["mistake 0", "3"], ["mistake 1", "3"]]
    assert "and 2 other mistake(s), each less frequent." in p.texts


def test_submissions_that_did_not_run_are_listed_with_the_reason(page):
    _, p = page
    table = p.table_after("submission")
    assert [row[:2] for row in table] == [["submission", "points"], [HOSTILE_NAME, "0/5"], ["sub/f.ipynb", "0/0"]]
    assert table[2][2] == "not graded: the file is not valid JSON (Expecting value at line 1, column 1)"
    # the note, cut to MAX_TEXT, then what the part that never ran says
    note, part = table[1][2].split("\u2026 ")
    assert note.startswith(f"the cell 'ex02_sigmoid' raised RuntimeError: {SCRIPT}\ufffd\ufffdxxx")
    assert len(note) == MAX_TEXT - 1
    assert part == "not graded: the solution code stopped before this part"


def test_untrusted_text_is_escaped_and_the_page_runs_nothing(page):
    text, p = page
    assert text.isascii()
    tags = {t for t, _ in p.tags}
    assert not tags & {"script", "img", "iframe", "object", "embed", "link", "base", "form", "meta"} - {"meta"}
    assert [a for t, a in p.tags if t == "meta"] == [
        {"charset": "utf-8"},
        {"name": "viewport", "content": "width=device-width, initial-scale=1"},
    ]
    for tag, attrs in p.tags:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        assert not any(k in ("src", "srcset", "xlink:href") for k in attrs), (tag, attrs)
        assert attrs.get("href", "#").startswith("#"), (tag, attrs)  # nothing leaves the page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;img src=x onerror=alert(3)&gt;" in text
    assert "&quot;&gt;&lt;script&gt;alert(2)" in text
    assert max(len(t) for t in p.texts) <= MAX_TEXT  # the 5000-character note is cut


def test_the_page_is_accessible(page):
    _, p = page
    assert p.tags[0] == ("html", {"lang": "en"})
    levels = [level for level, _ in p.headings]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
    assert [h for h in p.headings if h[0] <= 2] == [
        (1, "Exercise 02, group A"),
        (2, "Overview"),
        (2, "Exercise 02_logistic_unit"),
        (2, "Submissions that did not run"),
    ]
    for table in p.tables:
        assert table[0][0] in ("points", "mistake", "submission")  # every table has a header row or column


def contrast(fg: str, bg: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""

    def luminance(c: str) -> float:
        rgb = [int(c[k : k + 2], 16) / 255 for k in (1, 3, 5)]
        lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_every_colour_on_the_page_passes_wcag_aa_on_the_background(page):
    text, _ = page
    used = set(re.findall(r"#[0-9a-fA-F]{6}\b", text)) - {COLOURS["background"]}
    assert used == set(COLOURS.values()) - {COLOURS["background"]}
    for colour in used:
        assert contrast(colour, COLOURS["background"]) >= 4.5, colour
    # the formula itself: black on white is 21:1, the grey #767676 the smallest AA grey (4.54:1)
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def test_histogram_bins_beyond_twenty_points_are_ten_ranges():
    bins = histogram([0, 5, 24.9, 25, 50, 50], 50)
    assert [b.label for b in bins][:3] == ["0-5", "5-10", "10-15"]
    assert [b.count for b in bins] == [1, 1, 0, 0, 1, 1, 0, 0, 0, 2]


def test_the_command_writes_the_page_from_grades_json_or_the_csv_beside_it(tmp_path, capsys):
    grades = tmp_path / "grades.json"
    grades.write_text(json.dumps({"submissions": [r.to_dict() for r in CLASS]}))
    out = tmp_path / "report.html"
    assert main(["report", str(tmp_path / "grades.csv"), "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"wrote {out}\n"
    assert Page(out.read_text(encoding="ascii")).headings[0] == (1, "Grading report: grades.csv")
    assert [r.submission for r in load_results(grades)] == [r.submission for r in CLASS]
    assert write_report(grades, out, "again") == out


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"not json", "which is not JSON"),
        (b'{"grades": []}', "without a list of submissions"),
        (b'{"submissions": [{"submission": "x"}]}', "submission 1 of"),
        (b"[" * 100_000 + b"]" * 100_000, "which is not JSON"),
    ],
)
def test_a_bad_grades_file_is_refused_with_a_clear_message(tmp_path, capsys, content, words):
    grades = tmp_path / "grades.json"
    grades.write_bytes(content)
    assert main(["report", str(grades), "--out", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("bpteach report: error: grades") and words in err
    assert not (tmp_path / "r.html").exists()


def test_the_page_of_a_real_grading_run(tmp_path):
    """Three notebooks of exercise 02 graded for real: the source, the released copy, one mistake."""
    from bpteach.grading import EXERCISES
    from bpteach.grading.grader import grade
    from bpteach.grading.notebook import release_notebook

    source = Path(__file__).resolve().parents[1] / "exercises" / "02_logistic_unit.ipynb"
    (tmp_path / "full.ipynb").write_bytes(source.read_bytes())
    (tmp_path / "stub.ipynb").write_text(json.dumps(release_notebook(json.loads(source.read_text()))))
    (tmp_path / "linear.ipynb").write_text(source.read_text().replace("return sigmoid(w @ x)", "return w @ x"))
    grade(sorted(tmp_path.glob("*.ipynb")), out=tmp_path / "grades.csv", jobs=2, seed=3)
    p = Page(write_report(tmp_path / "grades.json", tmp_path / "report.html").read_text())
    # totals: full m, linear m - 1 (unit_output is worth 1), stub 0
    m = int(EXERCISES["02_logistic_unit"].max_points)
    assert p.table_after("points")[1] == ["submissions", "1", *["0"] * (m - 2), "1", "1"]
    output = p.table_after("points", 3)  # parts in notebook order: sigmoid, derivative, unit_output
    assert output == [["points", "0", "1"], ["submissions", "2", "1"]]
    mistakes = [t for t in p.tables if t[0][0] == "mistake"]
    assert len(mistakes) == len(EXERCISES["02_logistic_unit"].parts)  # every part has one: the stub's
    stub = "not written yet: replace the raise NotImplementedError line with your code"
    assert [row[:2] for row in mistakes[0][1:]] == [[stub, "1"]]
    assert [row[1] for row in mistakes[2][1:]] == ["1", "1"]
    assert any("total input" in row[0] for row in mistakes[2][1:])
    assert "None: every submission ran." in p.texts  # the stub raised in its functions, not in its cells
