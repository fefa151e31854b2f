r"""Data sets and the lectures' example networks, examples as columns as the lectures write them.

| function | X | Y | source |
|---|---|---|---|
| ``rain()`` | (2, 3): days raining, Kdp | (1, 3): P(rain) | lecture 003 |
| ``xor()`` | (2, 4): the bit pairs | (1, 4): x_1 XOR x_2 | not linearly separable |
| ``symmetry()`` | (6, 64): all six-bit vectors | (1, 64): 1 if a palindrome | Rumelhart et al. 1986 |
| ``moons``, ``circles``, ``spirals`` | (2, n) | (1, n) in {0, 1} | 2-D toy sets |
| ``blobs``, ``xor_clouds`` | (2, n) | (1, n) in {0, 1} | 2-D toy sets |

Every random set takes ``n`` (the number of examples), ``noise`` (the standard deviation of the
Gaussian jitter added to each coordinate) and ``seed``; the same seed gives the same set.
The example networks (``lecture002_network``, ``lecture000_network``, ``rain_network``,
``lecture004_network``) have fixed weights with two decimals, so a notebook can show them.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from bpteach._checks import as_float_array, check_finite, count, number
from bpteach.graph import Network
from bpteach.init import rng_from
from bpteach.matrix import MLP

__all__ = [
    "RainDay",
    "blobs",
    "circles",
    "lecture000_data",
    "lecture000_network",
    "lecture002_example",
    "lecture002_network",
    "lecture004_example",
    "lecture004_network",
    "moons",
    "rain",
    "rain_network",
    "rain_table",
    "spirals",
    "split",
    "symmetry",
    "xor",
    "xor_clouds",
]

Seed = int | np.random.Generator | None


# --------------------------------------------------------------------- checks
def _noise(noise: object) -> float:
    return number(noise, "noise (the standard deviation of the jitter)", 0.0)


def _fraction(value: object, name: str) -> float:
    return number(value, name, 0.0, low_open=True, high=1.0)


def _finish(points: list[np.ndarray], n: int, noise: float, rng: np.random.Generator) -> tuple:
    """Stack the classes' points (each (2, n_k), class k labelled k), jitter and shuffle them."""
    X = np.concatenate(points, axis=1)
    Y = np.concatenate([np.full((1, p.shape[1]), float(k)) for k, p in enumerate(points)], axis=1)
    X = X + rng.normal(0.0, noise, size=X.shape)
    # shuffled so that mini-batches and splits see both classes, not one class then the other
    order = rng.permutation(n)
    return X[:, order], Y[:, order]


def _class_sizes(n: int, k: int) -> list[int]:
    """n examples shared among k classes as evenly as possible (the first ones get the extras)."""
    return [n // k + (1 if c < n % k else 0) for c in range(k)]


# --------------------------------------------------------------------- lecture tables
class RainDay(NamedTuple):
    """One row of lecture 003's rain table."""

    day: str
    days_raining: float
    kdp: float
    p_rain: float


_RAIN = (
    RainDay("Mon", 3.0, 5.0, 0.99),
    RainDay("Tue", 1.0, 6.0, 0.59),
    RainDay("Wed", 0.0, 8.0, 0.19),
)


def rain_table() -> list[RainDay]:
    """Lecture 003's table: (day, days raining, Kdp, P(rain)) for Mon, Tue and Wed.

    The lecture writes the last day as "Wend"; it is Wednesday.
    """
    return list(_RAIN)


def rain() -> tuple[np.ndarray, np.ndarray]:
    """Lecture 003's rain data: X (2, 3) = [[3, 1, 0], [5, 6, 8]], Y (1, 3) = [[0.99, 0.59, 0.19]].

    Column c is one day (Mon, Tue, Wed); row 1 of X is the days raining, row 2 the Kdp. The
    lecture writes the same table with days as rows (its X is 3 x 2): the transpose of this X.
    """
    X = np.array([[r.days_raining for r in _RAIN], [r.kdp for r in _RAIN]])
    Y = np.array([[r.p_rain for r in _RAIN]])
    return X, Y


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The four XOR cases: X (2, 4) = [[0, 0, 1, 1], [0, 1, 0, 1]], Y (1, 4) = [[0, 1, 1, 0]]."""
    X = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
    return X, np.array([[0.0, 1.0, 1.0, 0.0]])


def symmetry() -> tuple[np.ndarray, np.ndarray]:
    """All 64 six-bit vectors (columns, column k = the bits of k, most significant first).

    Y[0, k] = 1 when the vector reads the same backwards (x_1 = x_6, x_2 = x_5, x_3 = x_4): the
    mirror-symmetry task of Rumelhart, Hinton and Williams (1986), solved there with two hidden
    units. 8 of the 64 vectors are symmetric.
    """
    k = np.arange(64)
    X = ((k[None, :] >> np.arange(5, -1, -1)[:, None]) & 1).astype(np.float64)
    Y = np.all(X[::-1] == X, axis=0).astype(np.float64)[None, :]
    return X, Y


# --------------------------------------------------------------------- 2-D toy sets
def moons(n: int = 200, noise: float = 0.1, seed: Seed = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: X (2, n), Y (1, n) in {0, 1} (as scikit-learn's make_moons).

    Class 0 lies on (cos t, sin t), class 1 on (1 - cos t, 1/2 - sin t), t in [0, pi], each
    coordinate jittered by N(0, noise^2).
    """
    n, noise, rng = count(n, "n (the number of examples)", 1), _noise(noise), rng_from(seed)
    n0, n1 = _class_sizes(n, 2)
    t0, t1 = np.linspace(0.0, np.pi, n0), np.linspace(0.0, np.pi, n1)
    upper = np.stack([np.cos(t0), np.sin(t0)])
    lower = np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    return _finish([upper, lower], n, noise, rng)


def circles(n: int = 200, noise: float = 0.1, seed: Seed = 0, factor: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles: class 0 of radius 1, class 1 of radius ``factor`` (0 < factor < 1).

    X (2, n), Y (1, n) in {0, 1}; each coordinate jittered by N(0, noise^2) (as scikit-learn's
    make_circles).
    """
    n, noise, rng = count(n, "n (the number of examples)", 1), _noise(noise), rng_from(seed)
    f = _fraction(factor, "factor (inner radius / outer radius)")
    n0, n1 = _class_sizes(n, 2)
    # endpoint=False: 0 and 2 pi are the same point
    t0 = np.linspace(0.0, 2 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0.0, 2 * np.pi, n1, endpoint=False)
    return _finish([np.stack([np.cos(t0), np.sin(t0)]), f * np.stack([np.cos(t1), np.sin(t1)])], n, noise, rng)


def spirals(n: int = 200, noise: float = 0.1, seed: Seed = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals of one and a half turns, the second the first turned by pi.

    Point at t in [0, 1]: radius t, angle 3 pi t (+ pi for class 1); X (2, n), Y (1, n) in {0, 1};
    each coordinate jittered by N(0, noise^2). The classic hard case for a small network
    (Lang and Witbrock, 1988).
    """
    n, noise, rng = count(n, "n (the number of examples)", 1), _noise(noise), rng_from(seed)
    points = []
    for k, size in enumerate(_class_sizes(n, 2)):
        # start a little away from the centre, where the two spirals would touch
        t = np.linspace(0.1, 1.0, size)
        angle = 3.0 * np.pi * t + k * np.pi
        points.append(np.stack([t * np.cos(angle), t * np.sin(angle)]))
    return _finish(points, n, noise, rng)


def blobs(n: int = 200, noise: float = 0.5, seed: Seed = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian blobs: class 0 around (-1, -1), class 1 around (1, 1), spread ``noise``.

    X (2, n), Y (1, n) in {0, 1}; linearly separable when the noise is small (a single logistic
    unit, lecture 000, suffices).
    """
    n, noise, rng = count(n, "n (the number of examples)", 1), _noise(noise), rng_from(seed)
    n0, n1 = _class_sizes(n, 2)
    points = [np.full((2, n0), -1.0), np.full((2, n1), 1.0)]
    return _finish(points, n, noise, rng)


def xor_clouds(n: int = 200, noise: float = 0.3, seed: Seed = 0) -> tuple[np.ndarray, np.ndarray]:
    """Four Gaussian clouds at (+-1, +-1): label 1 when the two coordinates' signs differ (XOR).

    X (2, n), Y (1, n) in {0, 1}; standard deviation ``noise`` around each centre. Not linearly
    separable: it needs a hidden layer, like ``xor()``.
    """
    n, noise, rng = count(n, "n (the number of examples)", 1), _noise(noise), rng_from(seed)
    sizes = _class_sizes(n, 4)
    same = np.concatenate([np.full((2, sizes[0]), 1.0), np.full((2, sizes[1]), -1.0)], axis=1)
    differ = np.concatenate([np.tile([[1.0], [-1.0]], sizes[2]), np.tile([[-1.0], [1.0]], sizes[3])], axis=1)
    return _finish([same, differ], n, noise, rng)


def split(
    X: object, Y: object, test_fraction: float = 0.25, seed: Seed = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A random split of the columns into (X_train, Y_train, X_test, Y_test).

    round(test_fraction * n) examples (at least one) go to the test set, the rest (at least one)
    to the training set; which ones is decided by ``seed``.
    """
    X_ = as_float_array(X, "X")
    Y_ = as_float_array(Y, "Y")
    if X_.ndim != 2 or Y_.ndim != 2:
        msg = (
            f"X and Y must be 2-D with examples as columns, X (n_inputs, n) and Y (n_outputs, n), "
            f"got X of shape {X_.shape} and Y of shape {Y_.shape}"
        )
        raise ValueError(msg)
    n = X_.shape[1]
    if Y_.shape[1] != n:
        msg = f"X holds {n} examples but Y holds {Y_.shape[1]}: got X {X_.shape}, Y {Y_.shape}"
        raise ValueError(msg)
    check_finite(X_, "X")
    check_finite(Y_, "Y")
    frac = _fraction(test_fraction, "test_fraction")
    if n < 2:
        msg = f"split needs at least 2 examples (one to train, one to test), got X {X_.shape}"
        raise ValueError(msg)
    n_test = min(max(round(frac * n), 1), n - 1)
    order = rng_from(seed).permutation(n)
    test, train = order[:n_test], order[n_test:]
    return X_[:, train], Y_[:, train], X_[:, test], Y_[:, test]


# --------------------------------------------------------------------- example networks
def lecture002_network() -> Network:
    """Lecture 002's 7-neuron network: inputs 1, 2; hidden 3, 4 then 5, 6; output 7.

    Sigmoid g everywhere, squared error (y - a)^2, no bias. The weights w_ij:

    | arc | w | arc | w | arc | w |
    |---|---|---|---|---|---|
    | (1, 3) | 0.15 | (3, 5) | 0.40 | (5, 7) | 0.50 |
    | (1, 4) | -0.25 | (3, 6) | -0.35 | (6, 7) | -0.45 |
    | (2, 3) | 0.20 | (4, 5) | 0.30 | | |
    | (2, 4) | 0.10 | (4, 6) | 0.55 | | |

    ``layout()`` places the layers left to right, the lower-numbered neuron of a layer on top.
    Use it with ``lecture002_example()``.
    """
    edges = {
        (1, 3): 0.15,
        (1, 4): -0.25,
        (2, 3): 0.20,
        (2, 4): 0.10,
        (3, 5): 0.40,
        (3, 6): -0.35,
        (4, 5): 0.30,
        (4, 6): 0.55,
        (5, 7): 0.50,
        (6, 7): -0.45,
    }
    layout = {
        1: (0.0, 0.5),
        2: (0.0, -0.5),
        3: (1.0, 0.5),
        4: (1.0, -0.5),
        5: (2.0, 0.5),
        6: (2.0, -0.5),
        7: (3.0, 0.0),
    }
    return Network(
        edges,
        inputs=[1, 2],
        outputs=[7],
        activation="sigmoid",
        loss="squared_error",
        hidden=[3, 4, 5, 6],
        layout=layout,
    )


def lecture002_example() -> tuple[np.ndarray, np.ndarray]:
    """One example (x, y) for ``lecture002_network()``: x = (x_1, x_2) = (1.0, 0.5), y = 1."""
    return np.array([1.0, 0.5]), np.array([1.0])


def lecture000_network() -> MLP:
    """Lecture 000's likelihood network p(y|x) = s(w_21^T [s(w_11^T x), s(w_12^T x)]^T).

    ``MLP([2, 2, 1], loss="log_loss", bias=False)``, sigmoid s. The rows of W[1] are
    w_11 = (0.50, -0.30) and w_12 = (-0.40, 0.80); W[2] = w_21^T = (0.70, -0.60). The loss is
    J = -ll, so the gradient is minus lecture 000's grad ll. Use it with ``lecture000_data()``.
    """
    W = {1: [[0.50, -0.30], [-0.40, 0.80]], 2: [[0.70, -0.60]]}
    return MLP([2, 2, 1], activation="sigmoid", loss="log_loss", bias=False, W=W)


def lecture000_data() -> tuple[np.ndarray, np.ndarray]:
    """Four examples for ``lecture000_network()``, labels in {-1, +1} as lecture 000 writes them.

    X (2, 4) = [[1.0, 2.0, -1.0, -0.5], [0.5, -1.0, 1.5, -1.0]], Y (1, 4) = [[1, 1, -1, -1]].
    """
    X = np.array([[1.0, 2.0, -1.0, -0.5], [0.5, -1.0, 1.5, -1.0]])
    return X, np.array([[1.0, 1.0, -1.0, -1.0]])


def rain_network() -> MLP:
    """Lecture 003's 2-3-1 sigmoid network for ``rain()``, cost C = 1/2 sum (y - a)^2, no bias.

    W[1] (3, 2) = [[0.20, -0.30], [-0.10, 0.25], [0.05, -0.15]], W[2] (1, 3) = [[0.60, -0.40, 0.80]]
    (the lecture's W^1 is 2 x 3 and W^2 is 3 x 1: the transposes, for examples as rows).
    Untrained, it predicts a^2 = (0.542, 0.505, 0.471) for (Mon, Tue, Wed) against the targets
    (0.99, 0.59, 0.19), so the total error summed over the three days, 1/2 sum_c (y_c - a_c)^2,
    is 0.1434 (``rain_network().loss(*rain(), reduction="sum")``).
    """
    W = {1: [[0.20, -0.30], [-0.10, 0.25], [0.05, -0.15]], 2: [[0.60, -0.40, 0.80]]}
    return MLP([2, 3, 1], activation="sigmoid", loss="half_squared_error", bias=False, W=W)


def lecture004_network() -> MLP:
    """Lecture 004's 3-4-1 network: z = W x, y = phi(z), O = W' y, P = phi(O), Loss = (GT - P)^2.

    ``MLP([3, 4, 1], loss="squared_error", bias=False)``, sigmoid phi. W[1] = [w_rc] (4, 3) =
    [[0.10, -0.20, 0.30], [0.40, 0.10, -0.30], [-0.20, 0.30, 0.20], [0.30, -0.10, 0.10]],
    W[2] = [w'_11 .. w'_14] = [[0.50, -0.40, 0.30, 0.20]]. Use it with ``lecture004_example()``.
    """
    W = {
        1: [[0.10, -0.20, 0.30], [0.40, 0.10, -0.30], [-0.20, 0.30, 0.20], [0.30, -0.10, 0.10]],
        2: [[0.50, -0.40, 0.30, 0.20]],
    }
    return MLP([3, 4, 1], activation="sigmoid", loss="squared_error", bias=False, W=W)


def lecture004_example() -> tuple[np.ndarray, np.ndarray]:
    """One example (x, GT) for ``lecture004_network()``: x = (1.0, 0.5, -1.0), GT = 1."""
    return np.array([1.0, 0.5, -1.0]), np.array([1.0])
