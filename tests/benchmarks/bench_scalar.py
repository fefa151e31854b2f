"""Benchmark of the scalar graph ``bp.Value`` and its widget: run ``python tests/benchmarks/bench_scalar.py``.

Prints
1. microseconds per node to build and to back-propagate chains of 1,000 to 100,000 operations (flat
   when the cost is linear: ``backward()`` visits every node once, without recursion);
2. the milliseconds of lecture 07's cost comparison at its largest width: all P gradients by central
   differences (2P forward passes) against one forward and one backward pass;
3. milliseconds from a step change to the new figure of ``bw.expression_graph`` (median and p95),
   for the lecture's example and for a 12-operation expression.

This is a script, not a test: pytest does not collect ``tests/benchmarks``.
"""

from __future__ import annotations

import statistics
import time

from bpteach import Value


def chain(n: int) -> tuple[Value, Value]:
    x = Value(0.3)
    v = x
    for _ in range(n):
        v = (v * 0.999).tanh()
    return x, v


def bench_chains() -> None:
    print("1. chains of n steps (2 operations each): microseconds per node")
    for n in (1_000, 10_000, 100_000):
        start = time.perf_counter()
        _, v = chain(n)
        built = time.perf_counter() - start
        nodes = len(v.order())
        start = time.perf_counter()
        v.backward()
        back = time.perf_counter() - start
        print(
            f"   n = {n:>7,}: {nodes:>7,} nodes, build {1e6 * built / nodes:5.2f} us/node, "
            f"backward {1e6 * back / nodes:5.2f} us/node"
        )


def bench_cost(n: int = 17) -> None:
    x = [Value(0.1 * k) for k in range(n)]
    flat = [0.01 * ((7 * k) % 13 - 6) for k in range(n * n + n)]

    def forward(w: list[float | Value]) -> Value:
        h = [sum((w[r * n + c] * x[c] for c in range(n)), Value(0.0)).sigmoid() for r in range(n)]
        out = sum((w[n * n + c] * h[c] for c in range(n)), Value(0.0)).sigmoid()
        return (1.0 - out) ** 2

    start = time.perf_counter()
    ws = [Value(v) for v in flat]
    forward(ws).backward()
    bp_ms = 1e3 * (time.perf_counter() - start)
    start = time.perf_counter()
    for k in range(len(flat)):
        for sign in (1.0, -1.0):
            w = list(flat)
            w[k] += sign * 1e-6
            forward([Value(v) for v in w])
    cd_ms = 1e3 * (time.perf_counter() - start)
    print(
        f"2. P = {len(flat)} weights: back-propagation {bp_ms:.1f} ms, central differences {cd_ms:.0f} ms "
        f"({cd_ms / bp_ms:.0f} times as long)"
    )


def bench_widget() -> None:
    from bpteach import widgets as bw

    print("3. expression_graph: ms from a step change to the new figure")
    for text, values in (
        ("(x * y + z) * sigmoid(w)", {"x": -2.0, "y": 5.0, "z": -4.0, "w": 0.0}),
        ("tanh(a * b - c) / (1 + exp(-a)) + max(a, c) ** 2 + log(b) - relu(c)", {"a": 0.7, "b": 1.3, "c": -0.4}),
    ):
        app = bw.expression_graph(text, **values)
        times = []
        for _ in range(3):
            for k in range(len(app.state.steps) + 1):
                start = time.perf_counter()
                app.set(step=k)
                times.append(1e3 * (time.perf_counter() - start))
        times.sort()
        ops = sum(1 for node in app.state.nodes if node.parents)
        print(
            f"   {ops:>2} operations: median {statistics.median(times):.0f} ms, "
            f"p95 {times[int(0.95 * (len(times) - 1))]:.0f} ms"
        )


if __name__ == "__main__":
    bench_chains()
    bench_cost()
    bench_widget()
