"""The facts lecture 07 (back-propagation on a computational graph) states, computed here, and tied
to the stored notebook: its sources and links, the relu/max convention at 0, what a second
``backward()`` does here and in micrograd, the uses of x in the warm-up, and the node visits of the
cost section, counted here by an independent walk of the graphs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from lecture_text import notebook_text

from bpteach import Value

NAME = "07_computational_graph"


def test_07_stands_alone_links_notation_and_lectures_and_cites_by_description():
    md, _ = notebook_text(NAME, collapse=True)
    assert "[the notation page](00_notation.ipynb)" in md
    assert "[lecture 4](04_node_level.ipynb)" in md and "[lecture 6](06_blocks.ipynb)" in md
    assert md.count("*Based on*") == 1 and "B. Huang" in md
    for number in ("000", "001", "002", "003", "004"):
        assert f"lecture {number}" not in md.lower()
    # the finite-difference step is epsilon, as on the notation page; h is the hidden activations
    assert "J(w_k + \\varepsilon) - J(w_k - \\varepsilon)" in md and "w_k + h" not in md
    assert "$d$ hidden layers" in md and "$L$ hidden layers" not in md
    assert "revisits the count of [lecture 4](04_node_level.ipynb)" in md
    assert "found 21 multiplications for back-propagation against 68 path by path" in md
    _, out4 = notebook_text("04_node_level")  # the counts lecture 7 quotes, as lecture 4 prints them
    assert "multiplications: back-propagation 21, each weight separately 68" in out4


def test_07_relu_blocks_at_zero_where_the_max_tie_rule_passes():
    zero = Value(0.0)
    assert zero.relu().local == (0.0,)
    assert zero.max(0.0).local == (1.0, 0.0)  # on a tie max counts a as the larger
    _, out = notebook_text(NAME)
    assert "at a = 0: relu passes (0.0,)   max(a, 0) passes (1.0, 0.0)" in out
    md, _ = notebook_text(NAME, collapse=True)
    assert "`relu` blocks ($0$), while `max(a, 0)`" in md


def _micrograd_backward(root: Value) -> None:
    # micrograd's engine: root.grad = 1, then every node's rule in reverse topological order; nothing zeroed
    root.grad = 1.0
    for node in reversed(root.order()):
        for p, d in zip(node.parents, node.local, strict=True):
            p.grad += d * node.grad


def test_07_a_second_backward_gives_6_here_and_12_in_micrograd():
    x = Value(3.0)
    f = x * x
    f.backward()
    f.backward()
    assert x.grad == 6.0  # bp.Value zeroes the graph's grads first
    _micrograd_backward(f)
    assert x.grad == 12.0
    x2 = Value(3.0)
    g = x2 * x2
    _micrograd_backward(g)
    _micrograd_backward(g)
    assert x2.grad == 12.0  # two micrograd calls from a fresh graph
    _, out = notebook_text(NAME)
    assert "df/dx after calling backward() a second time: 6.0" in out
    assert "df/dx after a micrograd-style second call, which zeroes nothing: 12.0" in out
    md, _ = notebook_text(NAME, collapse=True)
    assert "leaves $12$ in `x.grad`" in md and "`optimizer.zero_grad()`" in md and "`Module.zero_grad()`" in md


def _contributions_to(x: Value, f: Value) -> list[float]:
    f.backward()
    return [
        d * node.grad for node in reversed(f.order()) for p, d in zip(node.parents, node.local, strict=True) if p is x
    ]


def test_07_x_times_x_uses_x_three_times_and_x_squared_twice():
    x, y = Value(1.0), Value(2.0)
    assert sorted(_contributions_to(x, x * x + x * y + y * y)) == [1.0, 1.0, 2.0]
    x, y = Value(1.0), Value(2.0)
    assert sorted(_contributions_to(x, x**2 + x * y + y**2)) == [2.0, 2.0]  # 2x in one piece, and y
    md, _ = notebook_text(NAME, collapse=True)
    assert "Here we type $x^2$ as `x*x`" in md and "Typed as `x**2` it would be used twice" in md


def _graph_size(n: int) -> tuple[int, int]:
    """(nodes, nodes with inputs) of the lecture's [n, n, 1] network's loss graph, counted by a walk
    of the graph built here (not with Value.order)."""
    rng = np.random.default_rng(1)
    W1 = [[Value(float(v)) for v in row] for row in rng.uniform(-0.5, 0.5, (n, n))]
    W2 = [Value(float(v)) for v in rng.uniform(-0.5, 0.5, n)]
    x = [float(v) for v in rng.normal(0.0, 1.0, n)]
    h = [sum((w * xi for w, xi in zip(row, x, strict=True)), Value(0.0)).sigmoid() for row in W1]
    J = (1.0 - sum((w * hi for w, hi in zip(W2, h, strict=True)), Value(0.0)).sigmoid()) ** 2
    seen, todo = {id(J): J}, [J]
    while todo:
        for p in todo.pop().parents:
            if id(p) not in seen:
                seen[id(p)] = p
                todo.append(p)
    return len(seen), sum(1 for v in seen.values() if v.parents)


def test_07_node_visits_grow_with_slopes_0_96_and_1_97_and_differ_by_about_1_3_p():
    widths = [4, 6, 9, 13, 17]
    P = [n * n + n for n in widths]
    visits_bp, visits_cd = [], []
    for n, p in zip(widths, P, strict=True):
        nodes, inner = _graph_size(n)
        visits_bp.append(nodes + inner)  # forward computes every node; backward passes through the inner ones
        visits_cd.append(2 * p * nodes)  # two forward passes per weight
    assert visits_bp == [136, 272, 566, 1126, 1878]
    assert visits_cd == [3560, 15036, 67320, 271544, 762552]
    slope_bp = np.polyfit(np.log(P), np.log(visits_bp), 1)[0]
    slope_cd = np.polyfit(np.log(P), np.log(visits_cd), 1)[0]
    assert f"{slope_bp:.2f}" == "0.96" and f"{slope_cd:.2f}" == "1.97"
    per_p = [c / b / p for c, b, p in zip(visits_cd, visits_bp, P, strict=True)]
    assert all(1.3 < r < 1.34 for r in per_p)
    _, out = notebook_text(NAME)
    assert f"node visits, back-propagation:   {visits_bp}" in out
    assert f"node visits, central differences: {visits_cd}" in out
    assert "slopes of the counts: central differences 1.97, back-propagation 0.96" in out
    assert "the time slopes' ratio lies between 1.4 and 3: True" in out
    md, _ = notebook_text(NAME, collapse=True)
    assert "(slope $0.96$, near $1$)" in md and "(slope $1.97$, near $2$)" in md and "$1.3\\,P$" in md


def test_07_backward_visits_the_89_node_graph_s_47_nodes_with_inputs_at_n_4():
    nodes, inner = _graph_size(4)
    assert (nodes, inner, nodes - inner) == (89, 47, 42)
    assert nodes + inner == 136  # the first back-propagation count
    _, out = notebook_text(NAME)
    assert f"n = 4: forward computes {nodes} nodes; backward visits {inner}, the {inner} with inputs" in out
    assert f"n = 4: {nodes - inner} leaves, 20 of them weights" in out
    md, _ = notebook_text(NAME, collapse=True)
    assert "each visiting every node once" not in md
    assert "one backward pass over every node that has inputs" in md
    line = next(s for s in out.splitlines() if s.startswith("time per node visit at P = 306:"))
    assert "central differences" in line and "back-propagation" in line and line.endswith(" µs")


def test_07_the_exercise_pointer_is_a_link_and_says_what_is_derived():
    md, _ = notebook_text(NAME, collapse=True)
    pointer = md[md.index("**Exercise:**") :]
    assert pointer.startswith(
        "**Exercise:** [`exercises/07_computational_graph.ipynb`](../exercises/07_computational_graph.ipynb)"
    )
    assert "No formula is given for any part" not in pointer
    assert "with respect to $a$ it is the table's rule" in pointer and "with the table's gates" in pointer
    assert "the check cells name your mistake and, for a wrong answer, show the expected numbers" in pointer
    assert "never the rule" in pointer


def test_07_graph_gradients_equal_delta_j_a_i_and_the_gap_is_printed():
    _, out = notebook_text(NAME)
    line = next(s for s in out.splitlines() if s.startswith("largest |dJ/dw_ij (graph) - Delta_j a_i|"))
    assert line.endswith("(below 1e-12: True)")
    assert float(line.split(": ")[1].split(" ")[0]) < 1e-12


@pytest.mark.parametrize("a", [0.5, 2.0, 3.0])
def test_07_the_exercise_power_gate_matches_central_differences(a):
    # the exercise's part 2 (not printed in the lecture): d a^b/db = a^b ln a, checked numerically here
    b, eps = 1.3, 1e-6
    numeric = (a ** (b + eps) - a ** (b - eps)) / (2 * eps)
    assert numeric == pytest.approx(a**b * math.log(a), rel=1e-7)
    md, _ = notebook_text(NAME, collapse=True)
    assert "the power $a^b$ with respect to its exponent $b$, are left for the exercise" in md
