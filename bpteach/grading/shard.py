"""Grade a large class in slices: ``bpteach grade --shard K/N`` on N machines, then ``bpteach merge``.

Every shard is given the same submissions (e.g. one glob on a shared volume). The list is made
canonical (paths normalised, duplicates dropped, sorted by their text) and shard K takes the
entries at positions K, K + N, K + 2N, ... (K counts from 0, as ``JOB_COMPLETION_INDEX`` and
``SLURM_ARRAY_TASK_ID`` do): each submission lands in exactly one shard whatever order the shell
lists them in, and shard sizes differ by at most one. Each shard's grades JSON carries a header
(K, N, how many submissions in all, a digest of the canonical list, the exercise and the seed),
from which ``merge`` refuses shards that do not fit together: a shard given twice or missing, a
submission in two shards, shards run on other lists, seeds or exercises.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bpteach.grading.atomic import write_atomic
from bpteach.grading.results import SubmissionResult

__all__ = ["Shard", "canonical", "grade_shard", "merge", "parse_shard", "select"]

HEADER = "shard"


@dataclass(frozen=True)
class Shard:
    """Slice ``index`` (0 <= index < count) of ``count``."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str) -> Shard:
    """``"K/N"`` as a Shard, or a ValueError saying what a shard looks like."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text) if isinstance(text, str) else None
    if m is None or not (0 <= int(m[1]) < int(m[2])):
        msg = (
            f"shard must be K/N with 0 <= K < N (K counts from 0, like JOB_COMPLETION_INDEX or "
            f"SLURM_ARRAY_TASK_ID), got {text!r}"
        )
        raise ValueError(msg)
    return Shard(int(m[1]), int(m[2]))


def canonical(paths: Iterable[Path | str]) -> list[Path]:
    """The submissions normalised (``a/./b`` is ``a/b``), without duplicates, sorted by their text."""
    return [Path(p) for p in sorted({os.path.normpath(os.fspath(p)) for p in paths})]


def select(paths: Iterable[Path | str], shard: Shard) -> list[Path]:
    """The submissions that shard ``shard`` grades."""
    return canonical(paths)[shard.index :: shard.count]


def _digest(paths: Sequence[Path]) -> str:
    return hashlib.sha256("\n".join(map(str, paths)).encode("utf-8", "surrogateescape")).hexdigest()


def grade_shard(shard: str, submissions: Iterable[Path | str], **kwargs: object) -> list[SubmissionResult]:
    """``grade`` on shard ``shard`` ("K/N") of ``submissions``; its JSON gets the header ``merge`` checks.

    Every shard must draw the same hidden inputs, so ``seed`` is required. A shard with no
    submissions (N larger than the class) writes empty grades files, so ``merge`` still finds it.
    """
    from bpteach.grading.files import csv_text as _csv_text
    from bpteach.grading.grader import grade

    part = parse_shard(shard)
    if kwargs.get("seed") is None:
        msg = (
            "seed is required with a shard: every shard must draw the same hidden inputs (pass the same --seed to all)"
        )
        raise ValueError(msg)
    everyone = canonical(submissions)
    if not everyone:
        msg = "submissions must name at least one notebook, got none"
        raise ValueError(msg)
    mine = everyone[part.index :: part.count]
    out = Path(kwargs.pop("out", "grades.csv"))  # type: ignore[arg-type]
    json_path = out.with_suffix(".json")
    results = grade(mine, out=out, **kwargs) if mine else []  # type: ignore[arg-type]
    doc = json.loads(json_path.read_text(encoding="utf-8")) if mine else {"submissions": []}
    doc[HEADER] = {
        "index": part.index,
        "count": part.count,
        "total": len(everyone),
        "paths_sha256": _digest(everyone),
        "exercise": kwargs.get("exercise"),
        "seed": kwargs["seed"],
    }
    write_atomic(json_path, json.dumps(doc, indent=1))
    if not mine:
        write_atomic(out, _csv_text([]))
    return results


# ----------------------------------------------------------------------------- merge
@dataclass
class _ShardFile:
    path: Path
    shard: Shard
    header: dict
    results: list[SubmissionResult]


def _read_shard(path: Path) -> _ShardFile:
    if path.suffix == ".csv":  # the CSV's details are in the JSON beside it
        path = path.with_suffix(".json")
    try:
        doc = json.loads(path.read_bytes())
    except (ValueError, RecursionError) as exc:
        msg = (
            f"shard files must be grades JSON written by bpteach grade --shard K/N, got {str(path)!r}: not JSON ({exc})"
        )
        raise ValueError(msg) from None
    head = doc.get(HEADER) if isinstance(doc, dict) else None
    keys = {"index", "count", "total", "paths_sha256", "exercise", "seed"}
    if not (isinstance(head, dict) and keys <= set(head) and isinstance(doc.get("submissions"), list)):
        msg = (
            f"shard files must be grades JSON written by bpteach grade --shard K/N, got {str(path)!r} "
            "without a shard header (was it graded with --shard, and did that run finish?)"
        )
        raise ValueError(msg)
    try:
        shard = parse_shard(f"{head['index']}/{head['count']}")
        results = [SubmissionResult.from_dict(d) for d in doc["submissions"]]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        msg = f"shard file {str(path)!r} is malformed ({type(exc).__name__}: {exc})"
        raise ValueError(msg) from None
    return _ShardFile(path, shard, head, results)


def _agree(files: Sequence[_ShardFile]) -> None:
    first = files[0]
    advice = {
        "count": "every shard must be run with the same N",
        "total": "every shard must be given the same submissions",
        "paths_sha256": "every shard must be given the same submissions",
        "exercise": "every shard must be run with the same --exercise",
        "seed": "every shard must be run with the same --seed",
    }
    for key, why in advice.items():
        for f in files[1:]:
            if f.header[key] != first.header[key]:
                name = "the list of submissions" if key == "paths_sha256" else f"{key} {f.header[key]!r}"
                theirs = "another list" if key == "paths_sha256" else f"{key} {first.header[key]!r}"
                msg = f"cannot merge: {str(f.path)!r} has {name}, {str(first.path)!r} has {theirs} ({why})"
                raise ValueError(msg)


def merge(shard_files: Sequence[Path | str], out: Path | str = "grades.csv") -> list[SubmissionResult]:
    """Combine every shard's grades into ``out`` (CSV) and the JSON beside it, as one unsharded run writes them.

    Refuses (ValueError, nothing written) shards that do not fit: a shard missing or given
    twice, a submission graded in two shards, a shard that did not finish, different N,
    submissions, exercise or seed.
    """
    from bpteach.grading.files import csv_text as _csv_text

    if isinstance(shard_files, (str, Path)) or not shard_files:
        msg = f"shard_files must list the grades JSON of every shard, got {shard_files!r}"
        raise ValueError(msg)
    files = [_read_shard(Path(p)) for p in shard_files]
    _agree(files)
    count = files[0].shard.count
    seen: dict[int, Path] = {}
    for f in files:
        if f.shard.index in seen:
            msg = f"cannot merge: shard {f.shard} is given twice ({str(seen[f.shard.index])!r} and {str(f.path)!r})"
            raise ValueError(msg)
        seen[f.shard.index] = f.path
    missing = sorted(set(range(count)) - set(seen))
    if missing:
        msg = (
            f"cannot merge: missing shard(s) {', '.join(map(str, missing))} of {count} "
            "(merge needs the grades JSON of every shard, K = 0 .. N-1)"
        )
        raise ValueError(msg)
    owner: dict[str, Path] = {}
    for f in files:
        for r in f.results:
            if r.submission in owner:
                both = f"{str(owner[r.submission])!r} and {str(f.path)!r}"
                msg = f"cannot merge: the submission {r.submission!r} is in both {both}"
                raise ValueError(msg)
            owner[r.submission] = f.path
    seeds = {r.seed for f in files for r in f.results}
    if len(seeds) > 1:
        msg = f"cannot merge: the submissions were graded with different seeds {sorted(map(str, seeds))}"
        raise ValueError(msg)
    total = files[0].header["total"]
    if len(owner) != total:
        msg = (
            f"cannot merge: the shards hold {len(owner)} graded submissions, the class has {total} "
            "(a shard stopped before it finished: run it again, it resumes)"
        )
        raise ValueError(msg)
    merged = sorted((r for f in files for r in f.results), key=lambda r: os.path.normpath(r.submission))
    out = Path(out)
    write_atomic(out.with_suffix(".json"), json.dumps({"submissions": [r.to_dict() for r in merged]}, indent=1))
    write_atomic(out, _csv_text(merged))
    return merged
