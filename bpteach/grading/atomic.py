"""Write a file so that a reader sees the old content or the new one, never a half-written file."""

from __future__ import annotations

import codecs
import os
import tempfile
from pathlib import Path

__all__ = ["write_atomic"]

_SURROGATES = "bpteach-surrogates"


def _surrogates(exc: UnicodeError) -> tuple[bytes, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    out = b""
    for c in exc.object[exc.start : exc.end]:
        o = ord(c)
        out += bytes([o - 0xDC00]) if 0xDC80 <= o <= 0xDCFF else f"\\u{o:04x}".encode()
    return out, exc.end


codecs.register_error(_SURROGATES, _surrogates)


def write_atomic(path: Path | str, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path``: a private temporary file in the same folder, then a rename.

    The temporary name is unique (two writers never share it) and the rename replaces ``path``
    itself, not what a symlink at ``path`` points to. Text from file names that are not UTF-8
    (``surrogateescape``) is written back as the original bytes; any other lone surrogate (from a
    student's exception message) as a ``\\udXXX`` escape, rather than failing the whole write.
    """
    path = Path(path)
    data = text.encode("utf-8", _SURROGATES)
    mode = path.stat().st_mode & 0o777 if path.is_file() and not path.is_symlink() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)  # mkstemp makes it private (0600); keep the mode the file had
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
