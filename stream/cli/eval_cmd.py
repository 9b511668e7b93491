"""``stream eval FILE [--json] [--errors]``: precision, recall and F1 per category on labelled lines."""

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
from stream.config import load_settings
from stream.errors import InputError
from stream.tagging import load_tagger
from stream.tagging.evaluate import CategoryScore, evaluate, parse_examples, report


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="score the tagger on labelled JSON lines (precision, recall, F1)",
        description="Read JSON lines {id, text, labels: {arms_trade, sanctions}} and score the tagger.",
    )
    parser.add_argument("file", metavar="FILE", help="labelled JSON lines file ('-' = stdin)")
    parser.add_argument("--json", action="store_true", help="print one JSON object and nothing else")
    parser.add_argument("--errors", action="store_true", help="list misclassified ids with the evidence that fired")
    parser.add_argument("--rules", type=Path, default=None, metavar="DIR", help="rules directory (default: STREAM_RULES_DIR, else the packaged rules)")
    parser.set_defaults(func=run)


def _errors_table(scores: dict[str, CategoryScore]) -> Table:
    table = Table(title="Misclassified", show_lines=False)
    for column in ("category", "id", "error", "evidence / text"):
        table.add_column(column, overflow="fold")
    for category, score in scores.items():
        for miss in score.misses:
            if miss.evidence:
                detail = "; ".join(f"{e.text!r} [{e.rule_id}]" for e in miss.evidence)
            else:
                detail = miss.text if len(miss.text) <= 160 else miss.text[:157] + "..."
            table.add_row(category, escape(miss.id), miss.kind, escape(detail))  # "[rule]" is not markup
    return table


def run(args: argparse.Namespace) -> int:
    tagger = load_tagger(args.rules or load_settings().rules_dir)
    with open_input(args.file) as handle:
        try:
            examples = parse_examples(handle, source=args.file)
        except UnicodeDecodeError as exc:
            raise InputError(f"{args.file}: not UTF-8 text ({exc.reason})") from None
    scores = evaluate(tagger, examples)
    if args.json:
        print(json.dumps(report(scores)))
        if args.errors:  # keep stdout one JSON object; the error list goes to stderr
            Console(file=sys.stderr).print(_errors_table(scores))
        return 0
    console = Console()
    table = Table(title=f"{len(examples)} examples, rules {tagger.version}")
    for column in ("category", "precision", "recall", "F1", "tp", "fp", "fn", "tn"):
        table.add_column(column, justify="left" if column == "category" else "right")
    for category, score in scores.items():
        table.add_row(
            category, f"{score.precision:.3f}", f"{score.recall:.3f}", f"{score.f1:.3f}",
            str(score.tp), str(score.fp), str(score.fn), str(score.tn),
        )
    console.print(table)
    if args.errors:
        console.print(_errors_table(scores))
    return 0
