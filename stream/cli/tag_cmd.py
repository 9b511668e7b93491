"""``stream tag [FILE|-]``: tag JSON lines offline (no Kafka), one output line per input line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from stream.config import load_settings
from stream.errors import InputError
from stream.jsonl import json_object
from stream.tagging import load_tagger


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "tag",
        help="tag JSON lines {id, text} offline; prints {id, tags} per line",
        description="Read JSON lines with 'id' and 'text' and print one JSON line {id, tags} for each.",
    )
    parser.add_argument("file", nargs="?", default="-", metavar="FILE", help="JSON lines file, '-' = stdin (default)")
    parser.add_argument("--rules", type=Path, default=None, metavar="DIR", help="rules directory (default: STREAM_RULES_DIR, else the packaged rules)")
    parser.set_defaults(func=run)


@contextmanager
def open_input(name: str) -> Iterator[IO[str]]:
    """Open FILE or stdin for reading text; failures become ``InputError``."""
    if name == "-":
        yield sys.stdin
        return
    try:
        handle = open(name, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror or exc}") from None
    with handle:
        yield handle


def parse_record(line: str, number: int) -> tuple[Any, str]:
    record = json_object(line, f"line {number}")
    if "id" not in record or record["id"] is None:
        raise InputError(f"line {number}: missing 'id'")
    if not isinstance(record.get("text"), str):
        raise InputError(f"line {number}: missing or non-string 'text'")
    return record["id"], record["text"]


def run(args: argparse.Namespace) -> int:
    tagger = load_tagger(args.rules or load_settings().rules_dir)
    out = sys.stdout
    with open_input(args.file) as handle:
        try:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                rid, text = parse_record(line, number)
                tags = [t.model_dump(mode="json") for t in tagger.tag(text)]
                out.write(json.dumps({"id": rid, "tags": tags}, ensure_ascii=False) + "\n")
                out.flush()
        except UnicodeDecodeError as exc:
            raise InputError(f"{args.file}: not UTF-8 text ({exc.reason})") from None
    return 0
