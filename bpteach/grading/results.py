"""Results as data (after otter-grader): a part's verdict, a submission's grade.

They render as HTML in a notebook (``_repr_html_``) and as plain text elsewhere (``str``),
the same facts in both: which inputs failed, expected versus got, the diagnosis, the points.
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field

__all__ = ["CaseFailure", "PartResult", "SubmissionResult"]


@dataclass(frozen=True)
class CaseFailure:
    """One input on which the function went wrong."""

    inputs: str
    expected: str
    got: str
    diagnosis: str = ""


@dataclass
class PartResult:
    """The verdict on one graded function: all inputs right earns its points, else 0."""

    grade_id: str
    title: str
    points: float
    max_points: float
    n_cases: int = 0
    failures: list[CaseFailure] = field(default_factory=list)
    message: str = ""  # a reason that concerns the whole part (missing function, not finished)
    notes: list[str] = field(default_factory=list)  # how it was graded (an earlier part substituted)

    @property
    def passed(self) -> bool:
        return self.points == self.max_points

    def diagnoses(self) -> list[str]:
        """The distinct diagnoses, most frequent first."""
        seen: dict[str, int] = {}
        for f in self.failures:
            if f.diagnosis:
                seen[f.diagnosis] = seen.get(f.diagnosis, 0) + 1
        return sorted(seen, key=lambda d: -seen[d])

    def summary(self) -> str:
        head = f"{self.title} [{self.grade_id}]: {self.points:g}/{self.max_points:g} points"
        if self.passed:
            return f"{head} - correct on all {self.n_cases} inputs"
        if self.message:
            return f"{head} - {self.message}"
        return f"{head} - wrong on {len(self.failures)} of {self.n_cases} inputs"

    def __str__(self) -> str:
        lines = [self.summary()]
        lines += [f"  note: {n}" for n in self.notes]
        lines += [f"  diagnosis: {d}" for d in self.diagnoses()]
        shown = self.shown()
        for f in shown:
            lines.append(f"  input {f.inputs}")
            lines.append(f"    expected {f.expected}")
            lines.append(f"    got      {f.got}")
        if len(self.failures) > len(shown):
            lines.append(f"  ... and {len(self.failures) - len(shown)} more failing inputs")
        return "\n".join(lines)

    def shown(self, limit: int = 3) -> list[CaseFailure]:
        """Up to ``limit`` failures worth showing: one of each error, not the same error thrice."""
        out: list[CaseFailure] = []
        for f in self.failures:
            if len(out) == limit:
                break
            if f.got.startswith("an error") and any(o.got == f.got for o in out):
                continue
            out.append(f)
        return out

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.passed else "#b42318"
        mark = "&#10004;" if self.passed else "&#10008;"
        out = [
            f'<div style="border-left:4px solid {colour};padding:4px 10px">'
            f'<b style="color:{colour}">{mark} {html.escape(self.summary())}</b>'
        ]
        for n in self.notes:
            out.append(f"<div><b>Note:</b> {html.escape(n)}</div>")
        for d in self.diagnoses():
            out.append(f"<div><b>Diagnosis:</b> {html.escape(d)}</div>")
        if self.failures:
            out.append(
                '<table style="font-family:monospace;font-size:90%">'
                "<tr><th>input</th><th>expected</th><th>got</th></tr>"
            )
            for f in self.shown():
                cells = "".join(f"<td>{html.escape(s)}</td>" for s in (f.inputs, f.expected, f.got))
                out.append(f"<tr>{cells}</tr>")
            out.append("</table>")
        out.append("</div>")
        return "".join(out)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class SubmissionResult:
    """The grade of one submitted notebook: points per part, the total, and notes."""

    submission: str
    exercise: str
    parts: list[PartResult]
    notes: list[str] = field(default_factory=list)  # lines about the submission as a whole
    digest: str = ""  # sha256 of the file graded, so a changed file is graded again
    seed: int | None = None

    @property
    def total(self) -> float:
        return sum(p.points for p in self.parts)

    @property
    def max_points(self) -> float:
        return sum(p.max_points for p in self.parts)

    def __str__(self) -> str:
        lines = [
            f"Submission: {self.submission}",
            f"Exercise: {self.exercise or 'unknown'}",
            f"Total: {self.total:g}/{self.max_points:g}",
        ]
        lines += [f"NOTE: {n}" for n in self.notes]
        lines += ["", *(str(p) for p in self.parts)]
        return "\n".join(lines) + "\n"

    def _repr_html_(self) -> str:
        notes = "".join(f"<div><b>Note:</b> {html.escape(n)}</div>" for n in self.notes)
        parts = "".join(p._repr_html_() for p in self.parts)
        return f"<div><b>{html.escape(self.submission)}</b>: {self.total:g}/{self.max_points:g}{notes}{parts}</div>"

    def to_dict(self) -> dict:
        return {
            "submission": self.submission,
            "exercise": self.exercise,
            "total": self.total,
            "max_points": self.max_points,
            "notes": list(self.notes),
            "digest": self.digest,
            "seed": self.seed,
            "parts": [p.to_dict() for p in self.parts],
        }

    @classmethod
    def from_dict(cls, d: dict) -> SubmissionResult:
        parts = [
            PartResult(
                **{**p, "notes": list(p.get("notes", [])), "failures": [CaseFailure(**f) for f in p["failures"]]}
            )
            for p in d["parts"]
        ]
        return cls(d["submission"], d["exercise"], parts, list(d["notes"]), d["digest"], d.get("seed"))
