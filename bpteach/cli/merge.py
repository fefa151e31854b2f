"""``bpteach merge SHARD.json... --out grades.csv``: one class's grades from its ``grade --shard K/N`` runs."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("shards", nargs="+", type=Path, help="the grades JSON of every shard (e.g. shard-*.json)")
    p.add_argument("--out", type=Path, default=Path("grades.csv"), help="the CSV (a .json is written beside it)")


def run(ns: argparse.Namespace) -> int:
    from bpteach.grading.shard import merge

    results = merge(ns.shards, ns.out)
    print(f"merged {len(ns.shards)} shard(s), {len(results)} submission(s): {ns.out} and {ns.out.with_suffix('.json')}")
    return 0
