"""What a stored lecture notebook says: its markdown and its stdout, for the claims tests."""

from __future__ import annotations

import json
from pathlib import Path

LECTURES = Path(__file__).resolve().parents[1] / "lectures"


def notebook_text(name: str, collapse: bool = False) -> tuple[str, str]:
    """(all markdown, all stored stdout) of ``lectures/<name>.ipynb``; ``collapse`` joins the markdown's
    whitespace into single spaces, so a phrase is found wherever its line breaks fall."""
    nb = json.loads((LECTURES / f"{name}.ipynb").read_text(encoding="utf-8"))
    markdown, stdout = [], []
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            markdown.append("".join(cell["source"]))
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stdout":
                stdout.append("".join(out["text"]))
    text = " ".join(" ".join(markdown).split()) if collapse else "\n".join(markdown)
    return text, "\n".join(stdout)
