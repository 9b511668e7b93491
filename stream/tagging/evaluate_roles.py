"""Pure evaluation of stance and supplier/recipient roles against labelled JSON lines.

Each line: ``{"id", "text", "category", "stance", "supplier", "recipient"}`` where ``stance`` is a
:class:`~stream.models.Stance` value and ``supplier``/``recipient`` are an ISO code (or an
organisation's name) or ``null``. The tagger's answer for an item is its tag of the gold
``category``; an item it does not tag has no stance and no roles (wrong on every count).
Sides are compared on ISO codes, as the gold gives them: an organisation or armed group (no
code) is not scored as a side, except in restriction items, where any supplier at all is wrong.

- **Stance**: accuracy over all items, precision/recall per stance, and per group: ``refuted``
  (denied or negated, the analyst's "it did not happen"), ``hedged`` (alleged, feared, planned,
  hypothetical) and ``asserted``.
- **Roles**, per side: the tagger's suppliers (recipients) are right when they are exactly the
  gold one; precision over the items where it names any, recall over the items whose gold names
  one. ``both``: items whose gold names both sides, with both right.
- **Restrictions**: items whose gold names a recipient but no supplier and whose text has a
  restriction word (``RESTRICTION_WORDS``): the party that bans or blocks must not be made the
  supplier, so such an item is right when the tagger names no supplier.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from stream.errors import InputError
from stream.jsonl import json_object
from stream.models import Stance, Tag
from stream.tagging.tagger import Tagger

GROUPS: dict[str, frozenset[str]] = {
    "refuted": frozenset({"denied", "negated"}),
    "hedged": frozenset({"alleged", "feared", "planned", "hypothetical"}),
    "asserted": frozenset({"asserted"}),
}
RESTRICTION_WORDS = re.compile(
    r"\b(ban|bans|banned|banning|block|blocks|blocked|blocking|suspend|suspends|suspended|"
    r"refuse|refuses|refused|prohibit|prohibits|prohibited|bar|bars|barred|embargo|embargoes|"
    r"restrict|restricts|restricted|restriction|restrictions|halt|halts|halted|froze|frozen|veto|vetoed)\b",
    re.IGNORECASE,
)
_STANCES = tuple(s.value for s in Stance)
_CATEGORY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")  # the form of a category name (rules files name them)


@dataclass(frozen=True)
class RoleExample:
    id: str
    text: str
    category: str
    stance: str
    supplier: str | None
    recipient: str | None

    @property
    def restriction(self) -> bool:
        return self.supplier is None and self.recipient is not None and bool(RESTRICTION_WORDS.search(self.text))


@dataclass(frozen=True)
class Prediction:
    stance: str | None  # None: the gold category was not tagged
    suppliers: frozenset[str]  # ISO codes
    recipients: frozenset[str]
    any_supplier: bool = False  # a supplier of any kind, coded or not


@dataclass
class Ratio:
    """Right answers among predicted ones (precision) and among gold ones (recall)."""

    right: int = 0
    predicted: int = 0
    gold: int = 0

    def as_dict(self) -> dict[str, float | int]:
        p = self.right / self.predicted if self.predicted else 1.0
        r = self.right / self.gold if self.gold else 1.0
        return {"precision": round(p, 4), "recall": round(r, 4), "right": self.right,
                "predicted": self.predicted, "gold": self.gold}


@dataclass
class RolesReport:
    items: int = 0
    tagged: int = 0
    stance_right: int = 0
    per_stance: dict[str, Ratio] = field(default_factory=lambda: {s: Ratio() for s in _STANCES})
    groups: dict[str, Ratio] = field(default_factory=lambda: {g: Ratio() for g in GROUPS})
    supplier: Ratio = field(default_factory=Ratio)
    recipient: Ratio = field(default_factory=Ratio)
    both_items: int = 0
    both_right: int = 0
    restriction_items: int = 0
    restriction_no_supplier: int = 0
    restriction_recipient_right: int = 0
    misses: list[tuple[RoleExample, Prediction]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        def rate(a: int, b: int) -> float:
            return round(a / b, 4) if b else 1.0

        return {
            "items": self.items,
            "tagged": self.tagged,
            "stance": {
                "accuracy": rate(self.stance_right, self.items),
                "right": self.stance_right,
                "per_stance": {s: r.as_dict() for s, r in self.per_stance.items()},
                "groups": {g: r.as_dict() for g, r in self.groups.items()},
            },
            "roles": {
                "supplier": self.supplier.as_dict(),
                "recipient": self.recipient.as_dict(),
                "both": {"items": self.both_items, "right": self.both_right, "rate": rate(self.both_right, self.both_items)},
                "restriction": {
                    "items": self.restriction_items,
                    "no_supplier": self.restriction_no_supplier,
                    "no_supplier_rate": rate(self.restriction_no_supplier, self.restriction_items),
                    "recipient_right": self.restriction_recipient_right,
                },
            },
        }


def _code(value: Any, where: str, key: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where}: '{key}' must be a code, a name or null")
    return value


def parse_role_examples(lines: Iterable[str], source: str = "input") -> list[RoleExample]:
    """Parse labelled JSON lines; a bad line raises ``InputError`` naming the line number."""
    out: list[RoleExample] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{source} line {number}"
        record = json_object(line, where)
        rid, text, category, stance = (record.get(k) for k in ("id", "text", "category", "stance"))
        if not isinstance(rid, (str, int)) or isinstance(rid, bool):
            raise InputError(f"{where}: missing or invalid 'id'")
        if not isinstance(text, str):
            raise InputError(f"{where}: missing or invalid 'text'")
        if not isinstance(category, str) or not _CATEGORY.match(category):
            raise InputError(f"{where}: missing or invalid 'category'")
        if stance not in _STANCES:
            raise InputError(f"{where}: 'stance' must be one of {', '.join(_STANCES)}")
        out.append(RoleExample(
            str(rid), text, category, stance,
            _code(record.get("supplier"), where, "supplier"), _code(record.get("recipient"), where, "recipient"),
        ))
    return out


def predict(tagger: Tagger, example: RoleExample) -> Prediction:
    tag: Tag | None = next((t for t in tagger.tag(example.text) if t.category == example.category), None)
    if tag is None:
        return Prediction(None, frozenset(), frozenset())
    sup = frozenset(a.code for a in tag.actors if a.role == "supplier" and a.code)
    rec = frozenset(a.code for a in tag.actors if a.role == "recipient" and a.code)
    return Prediction(tag.stance.value, sup, rec, any(a.role == "supplier" for a in tag.actors))


def _side(ratio: Ratio, gold: str | None, predicted: frozenset[str]) -> bool:
    right = gold is not None and predicted == {gold}
    ratio.gold += gold is not None
    ratio.predicted += bool(predicted)
    ratio.right += right
    return right


def evaluate_roles(tagger: Tagger, examples: Iterable[RoleExample]) -> RolesReport:
    rep = RolesReport()
    for ex in examples:
        pred = predict(tagger, ex)
        rep.items += 1
        rep.tagged += pred.stance is not None
        ok = pred.stance == ex.stance
        rep.stance_right += ok
        rep.per_stance[ex.stance].gold += 1
        rep.per_stance[ex.stance].right += ok
        if pred.stance is not None:
            rep.per_stance[pred.stance].predicted += 1
        for name, members in GROUPS.items():
            in_gold, in_pred = ex.stance in members, pred.stance in members
            rep.groups[name].gold += in_gold
            rep.groups[name].predicted += in_pred
            rep.groups[name].right += in_gold and in_pred
        sup_ok = _side(rep.supplier, ex.supplier, pred.suppliers)
        rec_ok = _side(rep.recipient, ex.recipient, pred.recipients)
        # An item with no gold supplier is right on that side when the tagger names none.
        sup_fine = sup_ok or (ex.supplier is None and not pred.suppliers)
        rec_fine = rec_ok or (ex.recipient is None and not pred.recipients)
        if ex.supplier is not None and ex.recipient is not None:
            rep.both_items += 1
            rep.both_right += sup_ok and rec_ok
        if ex.restriction:
            rep.restriction_items += 1
            rep.restriction_no_supplier += not pred.any_supplier
            rep.restriction_recipient_right += rec_ok
        if not (ok and sup_fine and rec_fine):
            rep.misses.append((ex, pred))
    return rep


def select_ids(examples: list[RoleExample], first: str | None, last: str | None) -> list[RoleExample]:
    """Items whose id lies in ``[first, last]`` (natural order: 'sr-0009' < 'sr-0010')."""
    def key(value: str) -> tuple[Any, ...]:
        return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", value))

    return [e for e in examples if (first is None or key(e.id) >= key(first)) and (last is None or key(e.id) <= key(last))]
