r"""The replay of one example's BACKPROPAGATE (lecture 002) as steps, each a formula with its numbers.

| phase | target | lecture 002 | ``terms`` |
|---|---|---|---|
| ``"input"`` | j | a_j <- x_j | none |
| ``"in"`` | j | in_j = sum_{i:(i,j) in A} w_ij a_i | (arc (i, j), w_ij, a_i, w_ij a_i) per incoming arc (*) |
| ``"a"`` | j | a_j = g(in_j) | none |
| ``"delta"`` | j | Delta_j = g'(in_j) l'(a_j) at an output | none |
| ``"delta"`` | j | Delta_j = g'(in_j) sum_{j':(j,j') in A} w_jj' Delta_j' | (arc (j, j'), w_jj', Delta_j', product) |
| ``"grad"`` | (i, j) or ("bias", j) | dJ/dw_ij = Delta_j a_i | none |

(*) and a bias b_j as the term (("bias", j), b_j, 1, b_j): a weight from a unit whose a is 1.

Each step is written once, in LaTeX (``step.latex``; ``_repr_latex_`` typesets it in a
notebook); ``str(step)`` is the same line in plain Unicode text, e.g.
``in₃ = w₁,₃·a₁ + w₂,₃·a₂ = 0.1·1 + 0.2·0.5 = 0.2``. The symbols g and g' come from the
activations' LaTeX (sigma, tanh, ...) and an output's Delta_j from its loss's ``delta_latex``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from string import Template
from typing import NamedTuple

from bpteach.graph import Network, NodeRecord

__all__ = ["Step", "Term", "steps", "to_text"]


class Term(NamedTuple):
    """One term of a sum: the arc, its weight, the value the weight multiplies, their product."""

    arc: tuple
    w: float
    value: float
    product: float


@dataclass(frozen=True)
class Step:
    """One line of BACKPROPAGATE: ``symbol = formula = substituted = value``.

    ``symbol``, ``formula`` and ``substituted`` are LaTeX (matplotlib mathtext compatible);
    ``str(step)`` is the line as plain text.
    """

    phase: str
    target: object
    symbol: str
    formula: str
    substituted: str
    value: float
    terms: tuple[Term, ...] = ()

    @property
    def latex(self) -> str:
        """The whole line in LaTeX (a part equal to the next one is written once)."""
        parts = [self.symbol, self.formula, self.substituted, f"{self.value:.6g}"]
        return " = ".join(p for k, p in enumerate(parts) if k == len(parts) - 1 or p != parts[k + 1])

    def _repr_latex_(self) -> str:
        return f"${self.latex}$"

    def __str__(self) -> str:
        return to_text(self.latex)


def _num(v: float) -> str:
    """A number in a formula: 4 significant digits, a negative one in parentheses."""
    s = f"{v:.4g}"
    return f"({s})" if s.startswith("-") else s


def _function(g: object) -> str:
    """g's symbol, from its LaTeX: ``\\sigma`` from ``\\sigma(z) = ...``."""
    return g.latex.split("(z)")[0] if "(z)" in getattr(g, "latex", "") else "g"  # type: ignore[attr-defined]


def steps(record: NodeRecord) -> list[Step]:
    """The steps of BACKPROPAGATE that produced ``record`` (one example), in the procedure's order.

    Inputs, then in_j and a_j of each neuron in topological order, then Delta_j from the outputs
    back (deepest hidden layer first), then Delta_j a_i of every arc and Delta_j of every bias.
    """
    if not isinstance(record, NodeRecord):
        msg = f"record must be what Network.backpropagate returns (a NodeRecord), got {type(record).__name__}"
        raise TypeError(msg)
    if not record.single:
        msg = "steps are recorded for one example: call backpropagate(x, y) with x of shape (n_inputs,)"
        raise ValueError(msg)
    net: Network = record.network
    rec, w, b = record, record.w, record.b
    out: list[Step] = []
    for r, j in enumerate(net.inputs):
        out.append(Step("input", j, f"a_{{{j}}}", f"x_{{{r + 1}}}", f"{rec.a[j]:.6g}", rec.a[j]))
    for j in net.order[len(net.inputs) :]:
        terms = [Term((i, j), w[i, j], rec.a[i], w[i, j] * rec.a[i]) for i in net.predecessors[j]]
        if j in b:
            terms.append(Term(("bias", j), b[j], 1.0, b[j]))
        formula = " + ".join(f"w_{{{i},{j}}}\\,a_{{{i}}}" if i != "bias" else f"b_{{{j}}}" for (i, _), *_ in terms)
        numbers = " + ".join(f"{_num(t.w)} \\cdot {_num(t.value)}" if t.arc[0] != "bias" else _num(t.w) for t in terms)
        out.append(Step("in", j, f"\\mathrm{{in}}_{{{j}}}", formula, numbers, rec.in_[j], tuple(terms)))
        g = _function(net.g_of(j))
        out.append(Step("a", j, f"a_{{{j}}}", f"{g}(\\mathrm{{in}}_{{{j}}})", f"{g}({rec.in_[j]:.4g})", rec.a[j]))
    back = [*net.outputs, *sorted(net.hidden, key=lambda j: (-net.depth[j], net.order.index(j)))]
    for j in back:
        out.append(_delta_step(net, rec, j))
    position = {j: k for k, j in enumerate(back)}
    for k in sorted(range(len(net.arcs)), key=lambda k: (position[net.arcs[k][1]], k)):
        i, j = net.arcs[k]
        formula, numbers = f"\\Delta_{{{j}}}\\,a_{{{i}}}", f"{_num(rec.delta[j])} \\cdot {_num(rec.a[i])}"
        out.append(Step("grad", (i, j), f"\\partial J/\\partial w_{{{i},{j}}}", formula, numbers, rec.grad[(i, j)]))
    for j in net.bias_neurons:
        formula, numbers = f"\\Delta_{{{j}}} \\cdot 1", f"{_num(rec.delta[j])} \\cdot 1"
        out.append(Step("grad", ("bias", j), f"\\partial J/\\partial b_{{{j}}}", formula, numbers, rec.grad_bias[j]))
    return out


def _delta_step(net: Network, rec: NodeRecord, j: object) -> Step:
    g = net.g_of(j)
    dg = float(g.derivative(rec.in_[j]))
    symbol, g_prime = f"\\Delta_{{{j}}}", f"{_function(g)}'(\\mathrm{{in}}_{{{j}}})"
    if j in rec.y:  # an output: the loss's own formula, once with symbols and once with numbers
        template = Template(net.loss_fn.delta_formula(g))
        y = "y" if len(net.outputs) == 1 else f"y_{{{j}}}"
        t = float(net.loss_fn.targets(rec.y[j]))  # type: ignore[arg-type]
        formula = template.substitute(dg=g_prime, a=f"a_{{{j}}}", y=y, t=f"t_{{{j}}}")
        numbers = template.substitute(dg=_num(dg), a=_num(rec.a[j]), y=_num(rec.y[j]), t=_num(t))  # type: ignore[arg-type]
        return Step("delta", j, symbol, formula, numbers, rec.delta[j])
    terms = tuple(Term((j, k), rec.w[j, k], rec.delta[k], rec.w[j, k] * rec.delta[k]) for k in net.successors[j])
    if not terms:  # a dead end: no arc carries an error back to j
        return Step("delta", j, symbol, "0", "0", rec.delta[j])
    formula = " + ".join(f"w_{{{j},{k}}}\\,\\Delta_{{{k}}}" for (_, k), *_ in terms)
    numbers = " + ".join(f"{_num(t.w)} \\cdot {_num(t.value)}" for t in terms)
    return Step("delta", j, symbol, f"{g_prime}\\,({formula})", f"{_num(dg)} \\cdot ({numbers})", rec.delta[j], terms)


# --------------------------------------------------------------------- LaTeX to plain text
_COMMANDS = {
    r"\Delta": "Δ",
    r"\sigma": "σ",
    r"\tanh": "tanh",
    r"\partial ": "∂",
    r"\ell": "ℓ",
    r"\cdot": "·",
    r"\,": "·",
    r"\mid": "|",
    r"\log": "log",
}
_SUB = dict(zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True))
_SUP = dict(zip("0123456789+-=()nz", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿᶻ", strict=True))


def _script(text: str, table: dict[str, str], mark: str) -> str:
    """``text`` in sub- or superscript letters when every character has one, else mark(text)."""
    if all(c in table or c == "," for c in text):
        return "".join(table.get(c, c) for c in text)
    return f"{mark}{text}" if len(text) == 1 else f"{mark}({text})"


def to_text(latex: str) -> str:
    r"""The plain Unicode text of the LaTeX the steps use: ``w_{1,3}\,a_{1}`` becomes ``w₁,₃·a₁``."""
    text = re.sub(r"\\mathrm\{([^{}]*)\}", r"\1", latex)
    text = re.sub(r"_\{([^{}]*)\}|_(\w)", lambda m: _script(m.group(1) or m.group(2), _SUB, "_"), text)
    text = re.sub(r"\^\{([^{}]*)\}|\^(\w)", lambda m: _script(m.group(1) or m.group(2), _SUP, "^"), text)
    text = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"(\1)/(\2)", text)  # \frac{A}{B} -> (A)/(B)
    for command, plain in _COMMANDS.items():
        text = text.replace(command, plain)
    return re.sub(r"\s*·\s*", "·", text)
