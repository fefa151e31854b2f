"""The ``bpteach`` command: one module per subcommand, each with ``HELP``, ``add_arguments`` and ``run``.

    bpteach release exercises/ release/
    bpteach grade submissions/*.ipynb [--exercise 02_logistic_unit] [--jobs 2] [--timeout 10] ...
    bpteach report grades.json [--out report.html]
    bpteach merge shard-*.json --out grades.csv
    bpteach present LECTURE [--port N] [--no-browser] [--theme light|dark] [--scale 1.5]
    bpteach export LECTURE --to html|slides [--out FILE] [--theme light|dark] [--no-execute]

A subcommand's module is imported only when it runs, so ``bpteach release`` never loads Voila or
the grader. The commands are not part of the numpy core: nothing in the core imports this package.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["COMMANDS", "main"]

# subcommand -> (module, one-line help); add a command by adding a module and a line here
COMMANDS: dict[str, tuple[str, str]] = {
    "release": ("bpteach.cli.release", "write student copies of exercise notebooks (solutions stubbed)"),
    "grade": ("bpteach.cli.grade", "grade submitted notebooks: CSV and JSON of points, feedback files"),
    "report": ("bpteach.cli.report", "one HTML page about a graded class: histograms, frequent mistakes, failed runs"),
    "merge": ("bpteach.cli.merge", "combine the grades files of bpteach grade --shard K/N runs into one"),
    "present": ("bpteach.cli.present", "present a lecture live in Voila (widgets working, code hidden)"),
    "export": ("bpteach.cli.export", "write a lecture as one offline HTML page or reveal.js slides"),
}


def _parser(command: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bpteach", description="Teach back-propagation in Jupyter.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module, help_) in COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=help_)
        if name == command:  # only the command that runs imports its module
            importlib.import_module(module).add_arguments(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args and args[0] in COMMANDS else None
    ns = _parser(command).parse_args(args)
    run = importlib.import_module(COMMANDS[ns.command][0]).run
    try:
        return int(run(ns))
    except (ValueError, OSError) as exc:
        print(f"bpteach {ns.command}: error: {exc}", file=sys.stderr)
        return 2
