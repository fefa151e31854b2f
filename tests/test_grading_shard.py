"""``bpteach grade --shard K/N`` and ``bpteach merge``: every submission graded in exactly one shard,
and the merged grades equal one unsharded run's on the same seed."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from bpteach.cli import main
from bpteach.grading import EXERCISES
from bpteach.grading.grader import grade
from bpteach.grading.notebook import release_notebook
from bpteach.grading.shard import Shard, canonical, grade_shard, merge, parse_shard, select

EXERCISE_DIR = Path(__file__).resolve().parents[1] / "exercises"
SOURCE = EXERCISE_DIR / "02_logistic_unit.ipynb"


@pytest.mark.parametrize(("text", "shard"), [("0/1", Shard(0, 1)), ("3/10", Shard(3, 10)), (" 9 / 10 ", Shard(9, 10))])
def test_a_shard_is_k_of_n_counting_from_zero(text, shard):
    assert parse_shard(text) == shard
    assert str(shard) == text.replace(" ", "")


@pytest.mark.parametrize("text", ["10/10", "1/0", "-1/3", "1", "a/b", "1/2/3", "", "1.5/3"])
def test_a_bad_shard_is_refused_saying_what_a_shard_looks_like(text):
    with pytest.raises(ValueError, match=r"shard must be K/N with 0 <= K < N \(K counts from 0"):
        parse_shard(text)


def test_every_submission_is_in_exactly_one_shard_whatever_the_order_and_duplicates():
    names = [f"class/s{k:02d}.ipynb" for k in range(23)]
    # the same files as three shells might list them: reordered, repeated, with ./ and //
    listings = [
        names,
        list(reversed(names)) + names[:5],
        [n.replace("class/", "./class//") for n in random.Random(4).sample(names, len(names))],
    ]
    everyone = {Path(n) for n in names}
    for n in range(1, 30):
        per_listing = []
        for listing in listings:
            shards = [select(listing, Shard(k, n)) for k in range(n)]
            flat = [p for s in shards for p in s]
            assert len(flat) == 23 and set(flat) == everyone  # each exactly once
            sizes = [len(s) for s in shards]
            assert max(sizes) - min(sizes) <= 1  # balanced: 23 over 5 is 5, 5, 5, 4, 4
            per_listing.append(shards)
        assert per_listing[0] == per_listing[1] == per_listing[2]
    assert [len(select(names, Shard(k, 5))) for k in range(5)] == [5, 5, 5, 4, 4]
    assert select(names, Shard(1, 10)) == [Path("class/s01.ipynb"), Path("class/s11.ipynb"), Path("class/s21.ipynb")]
    assert canonical(["b", "./a", "a", "c/../b"]) == [Path("a"), Path("b")]


@pytest.fixture(scope="module")
def class_dir(tmp_path_factory) -> Path:
    """Five submissions of exercise 02: full marks, released, two mistakes, and not a notebook."""
    d = tmp_path_factory.mktemp("class")
    nb = json.loads(SOURCE.read_text())
    (d / "alice.ipynb").write_bytes(SOURCE.read_bytes())
    (d / "bob.ipynb").write_text(json.dumps(release_notebook(nb)))
    text = SOURCE.read_text()
    (d / "carol.ipynb").write_text(text.replace("return sigmoid(w @ x)", "return w @ x"))
    (d / "dave.ipynb").write_text(text.replace(" / X.shape[1]", ""))
    (d / "eve.ipynb").write_bytes(b"not a notebook")
    return d


@pytest.fixture(scope="module")
def unsharded(class_dir, tmp_path_factory) -> list[dict]:
    out = tmp_path_factory.mktemp("whole") / "grades.csv"
    grade(sorted(class_dir.glob("*.ipynb")), out=out, jobs=2, seed=11)
    return json.loads(out.with_suffix(".json").read_text())["submissions"]


def test_the_class_is_graded_as_counted(unsharded):
    # alice all m points, bob 0 (not written), carol m - 1 (unit_output, 1 point), dave m - 2
    # (batch_gradient, 2 points), eve 0 (not a notebook)
    m = EXERCISES["02_logistic_unit"].max_points
    assert [(Path(r["submission"]).name, r["total"]) for r in unsharded] == [
        ("alice.ipynb", m),
        ("bob.ipynb", 0),
        ("carol.ipynb", m - 1),
        ("dave.ipynb", m - 2),
        ("eve.ipynb", 0),
    ]


@pytest.mark.parametrize("n", [2, 7])
def test_merged_shards_equal_one_unsharded_run_on_the_same_seed(class_dir, unsharded, tmp_path, capsys, n):
    # shard 0 through the command line, the others through the function; with n = 7, shards 5 and 6 are empty
    files = sorted(class_dir.glob("*.ipynb"), reverse=True)  # the order the shell gives does not matter
    args = ["grade", *map(str, files), "--seed", "11", "--jobs", "1", "--shard", f"0/{n}"]
    assert main([*args, "--out", str(tmp_path / "shard-0.csv")]) == 0
    for k in range(1, n):
        grade_shard(f"{k}/{n}", files, out=tmp_path / f"shard-{k}.csv", jobs=1, seed=11)
    sizes = [len(json.loads((tmp_path / f"shard-{k}.json").read_text())["submissions"]) for k in range(n)]
    assert sizes == ([3, 2] if n == 2 else [1, 1, 1, 1, 1, 0, 0])
    capsys.readouterr()
    shards = [str(tmp_path / f"shard-{k}.json") for k in reversed(range(n))]
    assert main(["merge", *shards, "--out", str(tmp_path / "grades.csv")]) == 0
    assert capsys.readouterr().out.startswith(f"merged {n} shard(s), 5 submission(s): ")
    merged = json.loads((tmp_path / "grades.json").read_text())["submissions"]
    assert merged == unsharded
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary file left


def test_a_shard_needs_the_seed(class_dir, tmp_path, capsys):
    args = ["grade", str(class_dir / "alice.ipynb"), "--shard", "0/2", "--out", str(tmp_path / "s.csv")]
    assert main(args) == 2
    assert "seed is required with a shard: every shard must draw the same hidden inputs" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- merge refuses
def result(name: str, seed: int = 11) -> dict:
    return {
        "submission": name,
        "exercise": "02_logistic_unit",
        "total": 1.0,
        "max_points": 2.0,
        "notes": [],
        "digest": "0" * 64,
        "seed": seed,
        "parts": [
            {
                "grade_id": "ex02_sigmoid",
                "title": "Sigmoid",
                "points": 1.0,
                "max_points": 2.0,
                "n_cases": 3,
                "failures": [],
                "message": "",
            }
        ],
    }


def write_shard(path: Path, k: int, n: int, names: list[str], **header: object) -> str:
    head = {"index": k, "count": n, "total": 4, "paths_sha256": "abc", "exercise": None, "seed": 11, **header}
    seed = head["seed"] if isinstance(head["seed"], int) else 11
    path.write_text(json.dumps({"submissions": [result(s, seed) for s in names], "shard": head}))
    return str(path)


def two_good_shards(tmp_path: Path) -> list[str]:
    return [
        write_shard(tmp_path / "s0.json", 0, 2, ["a", "c"]),
        write_shard(tmp_path / "s1.json", 1, 2, ["b", "d"]),
    ]


def test_two_hand_built_shards_merge_in_path_order(tmp_path):
    merged = merge(two_good_shards(tmp_path), tmp_path / "grades.csv")
    assert [r.submission for r in merged] == ["a", "b", "c", "d"]
    rows = (tmp_path / "grades.csv").read_text().splitlines()
    assert rows == [
        "submission,exercise,ex02_sigmoid,total,max_points,notes",
        *(f"{s},02_logistic_unit,1,1,2," for s in "abcd"),
    ]


def test_names_that_are_not_utf8_and_lone_surrogates_do_not_stop_the_merge(tmp_path):
    # a file name with the bytes ff fe (os.fsdecode gives lone surrogates), a note with a stray \ud800
    odd = os.fsdecode(b"\xff\xfe.ipynb")
    shards = two_good_shards(tmp_path)
    doc = json.loads(Path(shards[0]).read_text())
    doc["submissions"][0]["submission"] = odd
    doc["submissions"][0]["notes"] = ["the cell raised ValueError: \ud800"]
    Path(shards[0]).write_text(json.dumps(doc))
    (tmp_path / "grades.csv").write_text("old\n")
    (tmp_path / "grades.csv").chmod(0o640)
    merge(shards, tmp_path / "grades.csv")
    data = (tmp_path / "grades.csv").read_bytes()  # the name's own bytes; the stray surrogate escaped
    assert data.endswith(b"\n\xff\xfe.ipynb,02_logistic_unit,1,1,2,the cell raised ValueError: \\ud800\n")
    assert (tmp_path / "grades.csv").stat().st_mode & 0o777 == 0o640
    assert json.loads((tmp_path / "grades.json").read_text())["submissions"][3]["submission"] == odd


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda d: [write_shard(d / "s0.json", 0, 3, ["a", "c"])], "missing shard(s) 1, 2 of 3"),
        (
            lambda d: [*two_good_shards(d), write_shard(d / "again.json", 1, 2, ["b", "d"])],
            "shard 1/2 is given twice",
        ),
        (
            lambda d: [write_shard(d / "s0.json", 0, 2, ["a", "c"]), write_shard(d / "s1.json", 1, 2, ["b", "c"])],
            "the submission 'c' is in both",
        ),
        (
            lambda d: [write_shard(d / "s0.json", 0, 2, ["a", "c"]), write_shard(d / "s1.json", 1, 2, ["b"])],
            "the shards hold 3 graded submissions, the class has 4",
        ),
        (
            lambda d: [
                write_shard(d / "s0.json", 0, 2, ["a", "c"]),
                write_shard(d / "s1.json", 1, 2, ["b", "d"], seed=12),
            ],
            "has seed 12, ",
        ),
        (
            lambda d: [
                write_shard(d / "s0.json", 0, 2, ["a", "c"]),
                write_shard(d / "s1.json", 1, 2, ["b", "d"], exercise="03_two_layer_gradient"),
            ],
            "has exercise '03_two_layer_gradient', ",
        ),
        (
            lambda d: [
                write_shard(d / "s0.json", 0, 2, ["a", "c"]),
                write_shard(d / "s1.json", 1, 2, ["b", "d"], paths_sha256="def"),
            ],
            "has the list of submissions, ",
        ),
        (
            lambda d: [write_shard(d / "s0.json", 0, 2, ["a", "c"]), write_shard(d / "s1.json", 1, 3, ["b", "d"])],
            "has count 3, ",
        ),
        (
            lambda d: [two_good_shards(d)[0], str(d / "plain.json")],
            "without a shard header (was it graded with --shard",
        ),
        (lambda d: [str(d / "nothing.json")], "No such file"),
    ],
    ids=["missing", "twice", "overlap", "unfinished", "seed", "exercise", "other-list", "other-n", "plain", "absent"],
)
def test_merge_refuses_shards_that_do_not_fit_and_writes_nothing(tmp_path, capsys, make, words):
    (tmp_path / "plain.json").write_text(json.dumps({"submissions": [result("x")]}))
    files = make(tmp_path)
    out = tmp_path / "grades.csv"
    out.write_text("the previous grades\n")
    assert main(["merge", *files, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("bpteach merge: error: ") and words in err, err
    assert out.read_text() == "the previous grades\n"
    assert not out.with_suffix(".json").exists()
