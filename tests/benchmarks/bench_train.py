"""Epochs per second of ``bp.train``: XOR and a 2-16-16-1 network on 200 moons, matrix vs node level.

Run: ``.venv/bin/python tests/benchmarks/bench_train.py``. Not collected by pytest (timing is
not a test). Each figure is the best of three timed runs of about ``--seconds`` each.
"""

from __future__ import annotations

import argparse
import time

import bpteach as bp
from bpteach import datasets


def epochs_per_second(make, X, Y, batch_size, seconds: float) -> float:
    """Train fresh copies for growing epoch counts until one run takes ``seconds``; the best rate."""
    epochs, best = 1, 0.0
    for _ in range(3):
        while True:
            model = make()
            start = time.perf_counter()
            bp.train(model, X, Y, lr=0.5, epochs=epochs, batch_size=batch_size)
            took = time.perf_counter() - start
            if took >= seconds:
                break
            epochs *= 2
        best = max(best, epochs / took)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=0.3, help="target duration of one timed run")
    args = parser.parse_args()
    cases = [
        ("XOR 2-3-1", [2, 3, 1], datasets.xor()),
        ("moons 2-16-16-1, n=200", [2, 16, 16, 1], datasets.moons(n=200, noise=0.1, seed=0)),
    ]
    print(f"{'data and network':<26}{'batch':>8}{'matrix (MLP)':>16}{'node (Network)':>18}{'ratio':>8}")
    for name, sizes, (X, Y) in cases:
        for batch_size, label in ((None, "full"), (1, "1")):
            mlp_rate = epochs_per_second(lambda s=sizes: bp.MLP(s, seed=0), X, Y, batch_size, args.seconds)
            make_net = lambda s=sizes: bp.to_network(bp.MLP(s, seed=0))  # noqa: E731
            net_rate = epochs_per_second(make_net, X, Y, batch_size, args.seconds)
            print(f"{name:<26}{label:>8}{mlp_rate:>13.0f}/s{net_rate:>15.1f}/s{mlp_rate / net_rate:>7.0f}x")


if __name__ == "__main__":
    main()
