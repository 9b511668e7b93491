"""The stance and roles evaluator: its arithmetic on a scripted tagger, its parser, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stream.cli import main
from stream.errors import InputError
from stream.models import Actor, Evidence, Stance, Tag
from stream.tagging.evaluate_roles import RoleExample, evaluate_roles, parse_role_examples, select_ids


class ScriptedTagger:
    """Answers each text with the tags given for it (the evaluator only calls ``tag``)."""

    def __init__(self, answers: dict[str, list[Tag]]) -> None:
        self.answers = answers

    def tag(self, text: str) -> list[Tag]:
        return self.answers.get(text, [])


def _tag(stance: str, supplier: str | None = None, recipient: str | None = None, org_supplier: str | None = None) -> Tag:
    actors = [Actor(name=c, code=c, role=r) for c, r in ((supplier, "supplier"), (recipient, "recipient")) if c]
    if org_supplier:
        actors.append(Actor(name=org_supplier, kind="organisation", role="supplier"))
    return Tag(category="arms_trade", score=0.9, stance=Stance(stance),
               evidence=[Evidence(start=0, end=1, text="x", rule_id="r")], actors=actors)


def _ex(i: int, stance: str, supplier: str | None, recipient: str | None, text: str = "") -> RoleExample:
    return RoleExample(f"sr-{i:04d}", text or f"text {i}", "arms_trade", stance, supplier, recipient)


def test_scores_stance_groups_sides_both_and_restrictions() -> None:
    examples = [
        _ex(1, "asserted", "DE", "UA"),  # all right
        _ex(2, "denied", "IR", "RU"),  # stance right, supplier wrong
        _ex(3, "negated", "JP", "UA"),  # predicted denied: wrong stance, right group
        _ex(4, "alleged", "KP", "RU"),  # untagged
        _ex(5, "asserted", None, "RU", "The EU banned exports of parts to Russia."),  # restriction, EU made supplier
        _ex(6, "planned", None, "IL", "Madrid will refuse port calls by ships to Israel."),  # restriction, right
    ]
    tagger = ScriptedTagger({
        "text 1": [_tag("asserted", "DE", "UA")],
        "text 2": [_tag("denied", "CN", "RU")],
        "text 3": [_tag("denied", "JP", "UA")],
        examples[4].text: [_tag("asserted", None, "RU", org_supplier="European Union")],
        examples[5].text: [_tag("planned", None, "IL")],
    })
    rep = evaluate_roles(tagger, examples).as_dict()  # type: ignore[arg-type]
    assert rep["items"] == 6 and rep["tagged"] == 5
    stance = rep["stance"]
    assert stance["accuracy"] == round(4 / 6, 4)
    assert stance["per_stance"]["denied"] == {"precision": 0.5, "recall": 1.0, "right": 1, "predicted": 2, "gold": 1}
    assert stance["per_stance"]["negated"]["recall"] == 0.0
    assert stance["per_stance"]["alleged"] == {"precision": 1.0, "recall": 0.0, "right": 0, "predicted": 0, "gold": 1}
    assert stance["groups"]["refuted"] == {"precision": 1.0, "recall": 1.0, "right": 2, "predicted": 2, "gold": 2}
    assert stance["groups"]["hedged"]["recall"] == 0.5
    roles = rep["roles"]
    # Suppliers (ISO codes): predicted for items 1, 2, 3 (the EU has no code); right for 1 and 3.
    assert roles["supplier"] == {"precision": round(2 / 3, 4), "recall": 0.5, "right": 2, "predicted": 3, "gold": 4}
    assert roles["recipient"] == {"precision": 1.0, "recall": round(5 / 6, 4), "right": 5, "predicted": 5, "gold": 6}
    assert roles["both"] == {"items": 4, "right": 2, "rate": 0.5}
    assert roles["restriction"] == {"items": 2, "no_supplier": 1, "no_supplier_rate": 0.5, "recipient_right": 2}


def test_misses_list_every_wrong_item() -> None:
    examples = [_ex(1, "asserted", "DE", "UA"), _ex(2, "asserted", None, None)]
    tagger = ScriptedTagger({"text 1": [_tag("asserted", "DE", "UA")], "text 2": [_tag("asserted", "FR", None)]})
    rep = evaluate_roles(tagger, examples)  # type: ignore[arg-type]
    assert [ex.id for ex, _ in rep.misses] == ["sr-0002"]  # a supplier where the gold names none


def test_parse_and_select_ids() -> None:
    lines = [json.dumps({"id": f"sr-{i:04d}", "text": "t", "category": "arms_trade", "stance": "asserted",
                         "supplier": "DE", "recipient": None}) for i in (1, 9, 10, 70, 139)]
    examples = parse_role_examples(lines)
    assert [e.id for e in select_ids(examples, None, "sr-0069")] == ["sr-0001", "sr-0009", "sr-0010"]
    assert [e.id for e in select_ids(examples, "sr-0070", None)] == ["sr-0070", "sr-0139"]
    assert len(select_ids(examples, None, None)) == 5


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"id": "a", "text": "t", "category": "arms_trade", "stance": "maybe"}, "'stance' must be one of"),
        ({"id": "a", "text": "t", "category": "Arms Trade", "stance": "asserted"}, "invalid 'category'"),
        ({"id": "a", "category": "arms_trade", "stance": "asserted"}, "invalid 'text'"),
        ({"id": "a", "text": "t", "category": "arms_trade", "stance": "asserted", "supplier": 7}, "'supplier' must be"),
    ],
)
def test_bad_lines_name_the_line(record: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError) as info:
        parse_role_examples(["", json.dumps(record)], source="f.jsonl")
    assert str(info.value).startswith("f.jsonl line 2:") and message in str(info.value)


@pytest.fixture()
def labelled(tmp_path: Path) -> Path:
    rows = [
        {"id": "x-1", "text": "Belgrade denied supplying ammunition to Kyiv.", "category": "arms_trade",
         "stance": "denied", "supplier": "RS", "recipient": "UA"},
        {"id": "x-2", "text": "The EU banned exports of drone components to Russia.", "category": "arms_trade",
         "stance": "asserted", "supplier": None, "recipient": "RU"},
        {"id": "x-3", "text": "The weather was fine.", "category": "sanctions", "stance": "asserted",
         "supplier": None, "recipient": None},
    ]
    path = tmp_path / "roles.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_cli_json_is_one_object(labelled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval-roles", str(labelled), "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    result = json.loads(out)
    assert result["items"] == 3 and result["tagged"] == 2
    assert result["rules_version"].startswith("1.")
    assert result["roles"]["both"] == {"items": 1, "right": 1, "rate": 1.0}
    assert result["roles"]["restriction"]["no_supplier"] == 1
    assert result["stance"]["groups"]["refuted"]["recall"] == 1.0


def test_cli_ids_range_table_and_errors(
    labelled: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["eval-roles", str(labelled), "--ids", "x-2:x-3", "--errors"]) == 0
    out = capsys.readouterr().out
    assert "2 items" in out and "restriction: no supplier" in out
    assert "x-3" in out and "untagged" in out and "x-1 " not in out


def test_cli_bad_range_is_one_line(labelled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval-roles", str(labelled), "--ids", "x-2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--ids must look like FIRST:LAST" in err
