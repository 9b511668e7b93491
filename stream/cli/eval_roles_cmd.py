"""``stream eval-roles FILE [--json] [--errors] [--ids FIRST:LAST]``: stance and who-supplies-whom."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from stream.cli.tag_cmd import open_input
from stream.errors import InputError
from stream.tagging import load_tagger
from stream.tagging.evaluate_roles import RolesReport, evaluate_roles, parse_role_examples, select_ids


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "eval-roles",
        help="score the tagger's stance and supplier/recipient roles on labelled JSON lines",
        description=(
            "Read JSON lines {id, text, category, stance, supplier, recipient} and score the stance "
            "(accuracy, per stance, denied+negated) and the roles (per side, both, restrictions)."
        ),
    )
    parser.add_argument("file", metavar="FILE", help="labelled JSON lines file ('-' = stdin)")
    parser.add_argument("--json", action="store_true", help="print one JSON object and nothing else")
    parser.add_argument("--errors", action="store_true", help="list items with a wrong stance or role")
    parser.add_argument("--ids", metavar="FIRST:LAST", default=None,
                        help="only items whose id lies in this inclusive range (either end may be empty)")
    parser.add_argument("--rules", type=Path, default=None, metavar="DIR", help="rules directory (default: packaged rules)")
    parser.set_defaults(func=run)


def _range(spec: str | None) -> tuple[str | None, str | None]:
    if spec is None:
        return None, None
    if spec.count(":") != 1:
        raise InputError(f"--ids must look like FIRST:LAST, got {spec!r}")
    first, last = (part.strip() or None for part in spec.split(":"))
    return first, last


def _fmt(value: float) -> str:
    return f"{value:.3f}"


def _tables(rep: RolesReport, title: str) -> list[Table]:
    data = rep.as_dict()
    stance = Table(title=f"{title}: stance accuracy {_fmt(data['stance']['accuracy'])} ({rep.stance_right}/{rep.items}, tagged {rep.tagged})")
    for column in ("stance", "precision", "recall", "right", "predicted", "gold"):
        stance.add_column(column, justify="left" if column == "stance" else "right")
    rows = [*data["stance"]["per_stance"].items(), *((f"[{g}]", r) for g, r in data["stance"]["groups"].items())]
    for name, r in rows:
        stance.add_row(escape(name), _fmt(r["precision"]), _fmt(r["recall"]), str(r["right"]), str(r["predicted"]), str(r["gold"]))
    roles = Table(title="roles")
    for column in ("measure", "precision", "recall", "right", "predicted", "gold"):
        roles.add_column(column, justify="left" if column == "measure" else "right")
    for side in ("supplier", "recipient"):
        r = data["roles"][side]
        roles.add_row(side, _fmt(r["precision"]), _fmt(r["recall"]), str(r["right"]), str(r["predicted"]), str(r["gold"]))
    both, restr = data["roles"]["both"], data["roles"]["restriction"]
    roles.add_row("both right", "", _fmt(both["rate"]), str(both["right"]), "", str(both["items"]))
    roles.add_row("restriction: no supplier", "", _fmt(restr["no_supplier_rate"]), str(restr["no_supplier"]), "", str(restr["items"]))
    return [stance, roles]


def _errors(rep: RolesReport) -> Table:
    table = Table(title="Wrong stance or role")
    for column in ("id", "gold", "tagger", "text"):
        table.add_column(column, overflow="fold")
    for ex, pred in rep.misses:
        gold = f"{ex.stance} {ex.supplier or '-'}->{ex.recipient or '-'}"
        got = "untagged" if pred.stance is None else (
            f"{pred.stance} {'/'.join(sorted(pred.suppliers)) or '-'}->{'/'.join(sorted(pred.recipients)) or '-'}")
        table.add_row(escape(ex.id), gold, got, escape(ex.text))
    return table


def run(args: argparse.Namespace) -> int:
    first, last = _range(args.ids)
    tagger = load_tagger(args.rules)
    with open_input(args.file) as handle:
        try:
            examples = parse_role_examples(handle, source=args.file)
        except UnicodeDecodeError as exc:
            raise InputError(f"{args.file}: not UTF-8 text ({exc.reason})") from None
    examples = select_ids(examples, first, last)
    rep = evaluate_roles(tagger, examples)
    if args.json:
        print(json.dumps({"rules_version": tagger.version, **rep.as_dict()}))
        if args.errors:
            Console(file=sys.stderr).print(_errors(rep))
        return 0
    console = Console()
    for table in _tables(rep, f"{rep.items} items, rules {tagger.version}"):
        console.print(table)
    if args.errors:
        console.print(_errors(rep))
    return 0
