"""Benchmark of the numpy core (issue 2): run ``python tests/benchmarks/bench_core.py``.

Prints
1. seconds per forward+backward of the matrix form (``MLP.backpropagate``) for a 784-128-10
   sigmoid MLP on a batch of 64 (float64), and for lecture 003's 2-3-1 rain network;
2. microseconds per example of the node level against |A| for growing layered networks (wider,
   then deeper), per example per neuron-or-arc (flat when the cost is linear), and a
   least-squares fit t = t0 + cV |V| + cA |A| with its R^2, for both versions: the readable
   ``Network.backpropagate`` (lecture 002's loop, one arc at a time) and the vectorised
   ``graph_fast.backpropagate_fast`` (one numpy call per neuron);
3. the node-level / matrix-form time ratio on the same networks and data (both versions);
4. the ratio to PyTorch (CPU, float64) on the 784-128-10 step, where torch imports.

This is a script, not a test: pytest does not collect ``tests/benchmarks``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable

import numpy as np

import bpteach as bp
from bpteach.graph_fast import backpropagate_fast


def best_time(fn: Callable[[], object], min_seconds: float = 0.3, repeats: int = 5) -> float:
    """Seconds per call: the best of ``repeats`` runs, each at least ``min_seconds`` long."""
    fn()  # warm up caches and lazy set-up
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds / repeats or number >= 1 << 20:
            break
        number *= 2
    best = elapsed / number
    for _ in range(repeats - 1):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def mnist_sized(seed: int = 0) -> tuple[bp.MLP, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    mlp = bp.MLP([784, 128, 10], "sigmoid", seed=seed)
    X = rng.uniform(0.0, 1.0, size=(784, 64))
    Y = np.eye(10)[:, rng.integers(0, 10, size=64)]
    return mlp, X, Y


def rain() -> tuple[bp.MLP, np.ndarray, np.ndarray]:
    X = np.array([[3.0, 5.0], [1.0, 6.0], [0.0, 8.0]]).T  # lecture 003, examples as columns
    Y = np.array([[0.99, 0.59, 0.19]])
    return bp.MLP([2, 3, 1], "sigmoid", bias=False, seed=0), X, Y


def section(title: str) -> None:
    print(f"\n== {title}")


def matrix_form() -> dict[str, float]:
    section("matrix form: seconds per forward+backward (MLP.backpropagate, float64)")
    times = {}
    for name, (mlp, X, Y) in {"784-128-10, batch 64": mnist_sized(), "2-3-1 rain, 3 days": rain()}.items():
        t = best_time(lambda mlp=mlp, X=X, Y=Y: mlp.backpropagate(X, Y))
        times[name] = t
        print(f"  {name:<22} {t:.3e} s   ({t * 1e6:9.1f} us)")
    return times


VERSIONS = {
    "readable": lambda net, x, y: net.backpropagate(x, y),
    "fast": backpropagate_fast,
}


def node_level(quick: bool, version: str) -> None:
    run = VERSIONS[version]
    name_of = {"readable": "Network.backpropagate", "fast": "graph_fast.backpropagate_fast"}[version]
    section(f"node level, {version} version: microseconds per example against |A| ({name_of})")
    print("  t ~ t0 + cV |V| + cA |A|: a fit by least squares with R^2 near 1 and a flat")
    print("  'per (|V|+|A|)' column mean the cost is linear.")
    wide = [[4, w, w, 2] for w in ([2, 4, 8, 16, 32] if quick else [2, 4, 8, 16, 32, 64, 128])]
    deep = [[4, *[8] * depth, 2] for depth in ([1, 2, 4, 8] if quick else [1, 2, 4, 8, 16, 32])]
    print(
        f"  {'sizes':<22} {'|V|':>5} {'|A|':>6} {'one example':>12} {'per (V+A)':>10} "
        f"{'batch of 64':>12} {'per (V+A)':>10}"
    )
    rows = []
    rng = np.random.default_rng(0)
    for sizes in wide + deep:
        net = bp.Network.layered(sizes, seed=0)
        x, y = rng.normal(size=4), rng.uniform(size=2)
        X, Y = rng.normal(size=(4, 64)), rng.uniform(size=(2, 64))
        t1 = best_time(lambda net=net, x=x, y=y: run(net, x, y), min_seconds=0.2)
        t64 = best_time(lambda net=net, X=X, Y=Y: run(net, X, Y), min_seconds=0.2) / 64
        V, n_arcs = len(net.order), len(net.arcs)
        rows.append((V, n_arcs, t1 * 1e6, t64 * 1e6))
        name = "-".join(map(str, sizes)) if len(sizes) < 8 else f"4-8x{len(sizes) - 2}-2"
        print(
            f"  {name:<22} {V:>5} {n_arcs:>6} {t1 * 1e6:>9.1f} us {t1 * 1e6 / (V + n_arcs):>7.3f} us "
            f"{t64 * 1e6:>9.2f} us {t64 * 1e6 / (V + n_arcs):>7.3f} us"
        )
    data = np.array(rows)
    design = np.column_stack([np.ones(len(data)), data[:, 0], data[:, 1]])
    for label, col in (("one example", 2), ("batch of 64", 3)):
        t = data[:, col]
        coef, *_ = np.linalg.lstsq(design, t, rcond=None)
        r2 = 1 - np.sum((t - design @ coef) ** 2) / np.sum((t - t.mean()) ** 2)
        print(f"  {label}: t ~ {coef[0]:.1f} us + {coef[1]:.3f} us x |V| + {coef[2]:.4f} us x |A| (R^2 = {r2:.4f})")


def ratios(matrix_times: dict[str, float], quick: bool) -> None:
    section("node level / matrix form, same network and batch")
    cases = {"2-3-1 rain, 3 days": rain()}
    if not quick:
        cases["784-128-10, batch 64"] = mnist_sized()
    for name, (mlp, X, Y) in cases.items():
        net = bp.to_network(mlp)
        t_matrix = matrix_times[name]
        for version, run in VERSIONS.items():
            t_node = best_time(lambda net=net, X=X, Y=Y, run=run: run(net, X, Y), min_seconds=0.5, repeats=2)
            print(
                f"  {name:<22} {version:<8} node {t_node:.3e} s / matrix {t_matrix:.3e} s = {t_node / t_matrix:8.1f}x"
            )
    if quick:
        print("  (784-128-10 skipped with --quick: its 101,632 arcs take about a second per batch)")


def pytorch(matrix_times: dict[str, float]) -> None:
    section("PyTorch (CPU, float64) on the 784-128-10 step")
    try:
        import torch  # optional: only for this comparison
    except ImportError:
        print("  skipped: torch is not importable here (pip install torch to compare)")
        return
    mlp, X, Y = mnist_sized()
    W1 = torch.tensor(mlp.W[1], requires_grad=True)
    b1 = torch.tensor(mlp.b[1], requires_grad=True)
    W2 = torch.tensor(mlp.W[2], requires_grad=True)
    b2 = torch.tensor(mlp.b[2], requires_grad=True)
    Xt, Yt = torch.tensor(X), torch.tensor(Y)

    def step() -> None:
        for p in (W1, b1, W2, b2):
            p.grad = None
        h1 = torch.sigmoid(W1 @ Xt + b1[:, None])
        h2 = torch.sigmoid(W2 @ h1 + b2[:, None])
        loss = (0.5 * (Yt - h2) ** 2).sum(dim=0).mean()
        loss.backward()

    step()
    rec = mlp.backpropagate(X, Y)
    agree = np.allclose(W1.grad.numpy(), rec.grad_W[1], rtol=1e-10, atol=1e-14)
    t_torch = best_time(step)
    t_numpy = matrix_times["784-128-10, batch 64"]
    print(
        f"  torch {torch.__version__}: {t_torch:.3e} s; numpy matrix form / torch = "
        f"{t_numpy / t_torch:.2f}x (goal: <= 1.3x); gradients agree: {agree}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, a few seconds in all")
    args = parser.parse_args()
    load = ", load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()) if hasattr(os, "getloadavg") else ""
    print(
        f"bpteach {bp.__version__}, numpy {np.__version__}, Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs{load} (timings are best-of-5)"
    )
    times = matrix_form()
    for version in VERSIONS:
        node_level(args.quick, version)
    ratios(times, args.quick)
    pytorch(times)


if __name__ == "__main__":
    main()
