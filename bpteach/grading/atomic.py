"""Write a file so that a reader sees the old content or the new one, never a half-written file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(path: Path | str, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path``: a private temporary file in the same folder, then a rename.

    The temporary name is unique (two writers never share it) and the rename replaces ``path``
    itself, not what a symlink at ``path`` points to.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
