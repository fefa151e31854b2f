"""The setup cells the exercises share, as the grader runs them (numpy only, no bpteach).

An exercise's ``preamble`` stands in for its setup cell in the sandbox: the same code minus
``from bpteach.grading import check``. Kept here, apart from any one exercise, so that specs
never import each other.
"""

__all__ = ["SIGMOID_PREAMBLE"]

# the setup cell of exercises 03, 04, 05 and 06: exercise 02's answers, given
SIGMOID_PREAMBLE = '''import numpy as np


def sigmoid(z):
    """g(z) = 1 / (1 + e^{-z}), elementwise and without overflow (exercise 02)."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_derivative(z):
    """g'(z) = g(z) (1 - g(z))."""
    s = sigmoid(z)
    return s * (1.0 - s)
'''
