"""``stream eval``: rich table, ``--json`` (one object only), ``--errors``, dev-set targets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stream.cli import main

REPO_ROOT = Path(__file__).resolve().parents[3]
DEV_SET = REPO_ROOT / "eval" / "dev.jsonl"
SAMPLE = [
    {"id": "p", "text": "Iran sold drones to Russia.", "labels": {"arms_trade": True, "sanctions": False}},
    {"id": "n", "text": "Arms sales rose.", "labels": {"arms_trade": False, "sanctions": False}},
]


@pytest.fixture()
def labelled(tmp_path: Path) -> Path:
    path = tmp_path / "labelled.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in SAMPLE))
    return path


def test_json_is_exactly_one_object(labelled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(labelled), "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    result = json.loads(out)
    assert result["arms_trade"] == {"precision": 0.5, "recall": 1.0, "f1": 0.6667, "tp": 1, "fp": 1, "fn": 0, "tn": 0}
    assert result["sanctions"]["tn"] == 2


def test_table_and_errors(
    labelled: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # rich would wrap the evidence column at 80
    assert main(["eval", str(labelled), "--errors"]) == 0
    out = capsys.readouterr().out
    assert "arms_trade" in out and "0.500" in out and "Misclassified" in out
    assert "'Arms sales' [arms.compound]" in out


def test_json_with_errors_keeps_stdout_clean(labelled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(labelled), "--json", "--errors"]) == 0
    captured = capsys.readouterr()
    json.loads(captured.out)
    assert "Misclassified" in captured.err


def test_bad_input_is_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "text": "x", "labels": {"arms_trade": true, "sanctions": false}}\n{oops\n')
    assert main(["eval", str(path), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith(f"stream eval: error: {path} line 2: invalid JSON")


def test_dev_set_meets_targets(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(DEV_SET), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    for category in ("arms_trade", "sanctions"):
        assert result[category]["f1"] >= 0.92, (category, result[category])
        assert result[category]["precision"] >= 0.90, (category, result[category])
        assert sum(result[category][k] for k in ("tp", "fp", "fn", "tn")) >= 200
