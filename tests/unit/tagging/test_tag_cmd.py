"""``stream tag``: JSON lines in, one JSON line out per input line, one-line errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from stream.cli import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_tags_file_in_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    texts = {"b": "Iran sold drones to Russia, breaching UN sanctions.", "a": "Nothing here.", "c": "Arms sales rose."}
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in texts.items()) + "\n")
    code, out, err = _run(capsys, "tag", str(src))
    assert code == 0 and err == ""
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == ["b", "a", "c"]
    assert [t["category"] for t in rows[0]["tags"]] == ["arms_trade", "sanctions"]
    assert rows[1]["tags"] == []
    for row in rows:
        for tag in row["tags"]:
            assert set(tag) == {"category", "score", "stance", "evidence", "actors", "rule_ids"}
            for e in tag["evidence"]:
                assert texts[row["id"]][e["start"]:e["end"]] == e["text"]


def test_stdin_is_the_default(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO('{"id": 1, "text": "Arms sales rose."}\n'))
    code, out, _ = _run(capsys, "tag")
    assert code == 0 and json.loads(out)["id"] == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"id": "a", "text": "x"}\nnot json\n', "stream tag: error: line 2: invalid JSON"),
        ('{"text": "x"}\n', "stream tag: error: line 1: missing 'id'"),
        ('{"id": "a"}\n', "stream tag: error: line 1: missing or non-string 'text'"),
        ('{"id": "a", "text": 5}\n', "stream tag: error: line 1: missing or non-string 'text'"),
    ],
)
def test_bad_line_is_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(content)
    code, _, err = _run(capsys, "tag", str(src))
    assert code == 2 and err.startswith(message) and err.count("\n") == 1 and "Traceback" not in err


def test_missing_file_and_bad_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "tag", str(tmp_path / "nope.jsonl"))
    assert code == 2 and err.startswith("stream tag: error: cannot read")
    code, _, err = _run(capsys, "tag", "--rules", str(tmp_path), str(tmp_path / "nope.jsonl"))
    assert code == 2 and "no rule files" in err


def test_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(b'{"id": "a", "text": "\xff"}\n')
    code, _, err = _run(capsys, "tag", str(src))
    assert code == 2 and "not UTF-8" in err
