"""What the answer of a derive-it part looks like when written out, for the tests that check no
hint, named mistake or check verdict prints it (``test_grading_feedback.py``; the instant-check tests of
exercise 07 use ``leaked`` too).

A part is listed when its formula is given nowhere the student sees: ex02 part 7 (tanh'), ex04 part 5
(the input gradient), ex05 part 5 (the weighted log-loss), ex06 part 5 (the skip arcs), ex07 parts 1, 2
and 4, ex08 part 5 (the k-th momentum step), ex09 parts 2 and 4; and ex02 parts 4 and 5, whose texts
build on the dJ/da the student works out. Each phrase is written as feedback could spell it and compared
with the spaces taken out, in lower case.
"""

from __future__ import annotations

ANSWER_PHRASES: dict[str, tuple[str, ...]] = {
    # tanh'(z) = 1 - tanh^2(z) = sech^2(z), in the ways a message could write it
    "ex02_tanh_derivative": ("square", "tanh^2", "tanh²", "tanh(z)^2", "tanh(z)**2", "t*t", "t^2", "sech", "cosh"),
    # dJ/dx_i = sum_j w_ij Delta_j = (W_1^T Delta)_i, or its two factors named outright
    "ex04_input_gradient": ("w_ijdelta_j", "transpose", "w_1^t", "^tdelta", "istheweight", "whichisdelta"),
    # part 4's gradient (a - y) sigma'(w^T x) x and its dJ/da = a - y
    "ex02_batch_gradient": ("(a_e-y_e)", "(a-y)", "a-y", "dj/dw=", "dj/da=", "whosederivativeis"),
    "ex02_unit_gradient": ("(a-y)", "a-y", "dj/dw=", "dj/da=", "whosederivativeis"),
    # the weighted log-loss delta_m = (beta y + 1 - y) a - beta y; the skip arcs' two added paths
    "ex05_log_loss_delta": (
        "beta y + 1 - y",
        "(1 - y) a",
        "a - beta y",
        "beta (a - 1)",
        "beta y (a - 1)",
        "beta * Y + 1",
        "(beta y + 1",
        "beta y a",
    ),
    "ex06_skip_gradients": ("W^T dL/dz", "u^T dL/dO", "dL/dO x^T", "x^T"),
    # the k-th step -eta g (1 - mu^k) / (1 - mu); the error bound M eps^2 / 6 + delta / eps and its
    # minimiser (3 delta / M)^(1/3); a strided convolution's dL/dx
    "ex08_momentum_kth_step": ("1 - mu^k", "1 - mu**k", "mu^k) /", "mu^k)/", "geometric sum is"),
    "ex09_best_step": ("delta / eps", "eps^2 / 6", "eps^2 / 2", "1/6", "1/3!", "(3 delta", "eps^3 J", "/ (2 eps)"),
    "ex09_conv_gradients": ("stride j + r = i", "w_r dL/dy_j", "i - stride", "dL/dy_j x_", "w_(i"),
    # d(a/b) = (1/b, -a/b^2); d(a^b)/db = a^b ln a; d(x s(x))/dx = s + x s (1 - s)
    "ex07_divide_backward": ("b^2", "b**2", "b²", "b^(-2)", "b^-2", "-a/b", "-b^(-2)", "1/b^"),
    "ex07_power_backward": (
        "a^bln",
        "a^b*ln",
        "a^b·ln",
        "ln(a)a^b",
        "ln(a)*a^b",
        "ln(a)·a^b",
        "lnaa^b",
        "a**b*math.log",
        "factorln",
        "factora^b",
        "timesthederivativeofblna",
        "exp(blna)times",
    ),
    "ex07_fanout_gradient": (
        "s(1-s)",
        "s*(1-s)",
        "s·(1-s)",
        "σ(x)(1",
        "sigmoid(x)(1",
        "1-sigmoid",
        "1-σ",
        "s+x",
        "x*s",
        "xs(",
        "addssigmoid",
        "adds(x)",
        "addsx",
        "hands x the value",
    ),
}


def squeezed(text: str) -> str:
    return "".join(text.split()).lower()


def leaked(grade_id: str, text: str) -> list[str]:
    """The phrases of ``grade_id``'s answer that ``text`` spells out."""
    flat = squeezed(text)
    return [p for p in ANSWER_PHRASES[grade_id] if squeezed(p) in flat]
