"""What an exercise is: parts, each a function the student writes, with its hidden tests.

A ``Part`` holds everything the grader needs and nothing the student's process ever sees:
a generator of fresh inputs, the reference (computed with the core), a tolerance, and the usual
mistakes, each as the output that mistake would give, so a match can be named in plain words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Exercise", "Mistake", "Part", "Source"]


class Source(str):
    """A function given to the student's function as source text, e.g. ``"lambda w: w @ w"``.

    The worker compiles it in the student's process (with ``np`` in scope); the grader compiles
    it again in its own process for the reference, so a callable can be an input of a test.
    """

    def compile(self) -> Callable[..., object]:
        return eval(self, {"np": np})


@dataclass(frozen=True)
class Mistake:
    """A usual mistake: what it would output on the same inputs, and how to say so."""

    name: str
    message: str
    output: Callable[..., object]


@dataclass(frozen=True, kw_only=True)
class Part:
    """One graded function, built with keywords only.

    grade_id: the nbgrader grade_id of the solution cell (unique over all exercises).
    func: the name of the function the student defines.
    cases: rng -> list of argument tuples (fresh for every grading run).
    reference: the correct output for one argument tuple, computed with the core.
    n_outputs: 1 for one value (an array, a number or a dict), k for a tuple of k values,
        None for a list of any length.
    accept: for open-ended parts (training, finding a bug), ``(output, args) -> message or None``
        decides instead of a comparison with ``reference``, from properties of the fresh inputs
        that only a real solution has.
    float_errors: when not empty, the student's function runs with numpy's overflow and invalid
        (e.g. inf/inf) warnings raised as errors, in the check and in the grader alike, and this
        text is the diagnosis of such an error: a part whose point is to compute without overflow
        (the sigmoid at z = -1000) cannot pass on values that only came out right after a warning.
    """

    grade_id: str
    func: str
    title: str
    points: int
    cases: Callable[[np.random.Generator], list[tuple]]
    reference: Callable[..., object]
    hint: str
    mistakes: Sequence[Mistake] = ()
    n_outputs: int | None = 1
    rtol: float = 1e-6
    atol: float = 1e-9
    accept: Callable[[list[np.ndarray], tuple], str | None] | None = None
    float_errors: str = ""


@dataclass(frozen=True, kw_only=True)
class Exercise:
    """The parts of one exercise notebook, in notebook order (built with keywords)."""

    name: str  # the notebook's stem, e.g. "02_logistic_unit"
    title: str
    parts: Sequence[Part]
    preamble: str = "import numpy as np\n"  # the setup cell without its check import (numpy only)
    by_id: dict[str, Part] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {p.grade_id: p for p in self.parts})

    @property
    def max_points(self) -> int:
        return sum(p.points for p in self.parts)
