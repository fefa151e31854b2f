"""Find, by reading the code (AST), a solution that uses what it is meant to write.

A graded function that imports the reference (``import bpteach``, ``from bpteach.graph import
Network``, ``__import__("bpteach")``, ``importlib.import_module("bpteach.matrix")``) scores 0
for its part. The check reads the source and never runs it.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

__all__ = ["forbidden_uses"]


def _hits(name: str, forbidden: Sequence[str]) -> bool:
    return any(name == f or name.startswith(f + ".") for f in forbidden)


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def forbidden_uses(source: str, forbidden: Sequence[str]) -> list[str]:
    """The forbidden modules ``source`` imports or reaches, as readable phrases (empty: none).

    ``forbidden`` holds dotted module names; ``"bpteach.train"`` also catches ``bp.train`` after
    ``import bpteach as bp`` and ``from bpteach import train``.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []  # the worker reports the syntax error itself
    found: list[str] = []
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                aliases[(a.asname or a.name).split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
                if _hits(a.name, forbidden):
                    found.append(f"import {a.name}")
        elif isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                full = f"{node.module}.{a.name}"
                aliases[a.asname or a.name] = full
                if _hits(node.module, forbidden) or _hits(full, forbidden):
                    found.append(f"from {node.module} import {a.name}")
        elif isinstance(node, ast.Call):
            fname = _dotted(node.func) or ""
            if fname.split(".")[-1] in ("__import__", "import_module") and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and _hits(arg.value, forbidden):
                    found.append(f"{fname}({arg.value!r})")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if dotted is None:
                continue
            head, _, rest = dotted.partition(".")
            if head in aliases and rest:
                full = f"{aliases[head]}.{rest}"
                if _hits(full, forbidden) and not _hits(aliases[head], forbidden):
                    found.append(dotted)
    return list(dict.fromkeys(found))
