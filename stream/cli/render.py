"""How alerts look in a terminal: a table when there is room, two-line blocks otherwise."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from stream.evidence import evidence_sentence
from stream.models import Alert, actors_phrase

MATCH_STYLE = "bold black on yellow"
SEVERITY_STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "yellow", "low": "dim"}
TABLE_MIN_WIDTH = 120


def evidence_quote(alert: Alert, limit: int = 200) -> str:
    """The sentence carrying the evidence, its matched words highlighted (rich markup)."""
    sentence = evidence_sentence(alert.text, alert.evidence, limit)
    if sentence is None:  # a version-1 alert has no paragraph: the matched words, highlighted
        return "; ".join(f"[{MATCH_STYLE}]{escape(t)}[/]" for t in dict.fromkeys(e.text for e in alert.evidence))
    out, at = [], 0
    for start, end in sentence.spans:
        out += [escape(sentence.text[at:start]), f"[{MATCH_STYLE}]{escape(sentence.text[start:end])}[/]"]
        at = end
    return "".join(out) + escape(sentence.text[at:])


def story_counts(alert: Alert) -> str:
    """'3 art/2 src' and, for an escalation, what escalated it."""
    counts = f"{alert.articles} art/{alert.sources} src"
    return f"{counts} ↑{alert.escalation.replace('_', ' ')}" if alert.escalation else counts


def alert_row(alert: Alert) -> list[str]:
    """Time, severity, category, stance, actors, story counts, where, and the evidence that fired."""
    return [
        alert.raised_at.strftime("%H:%M:%S"),
        f"[{SEVERITY_STYLE[alert.severity]}]{alert.severity}[/]",
        alert.category,
        alert.stance.value,
        actors_phrase(alert.actors),
        story_counts(alert),
        f"{alert.article_id} ¶{alert.paragraph_index + 1}",
        evidence_quote(alert),
    ]


def alert_block(alert: Alert) -> str:
    """Two lines: the facts, then where and the evidence, indented."""
    style = SEVERITY_STYLE[alert.severity]
    head = (f"{alert.raised_at:%H:%M:%S}  [{style}]{alert.severity:<8}[/]  {alert.category:<10}  "
            f"{alert.stance.value:<12}  {actors_phrase(alert.actors)}  [dim]({story_counts(alert)})[/]")
    where = f"{alert.article_id} ¶{alert.paragraph_index + 1}"
    return f"{head}\n          [dim]{where}:[/] {evidence_quote(alert)}"


def alerts_table(title: str | None = None) -> Table:
    table = Table(title=title, expand=True)
    for name in ("time", "severity", "category", "stance"):
        table.add_column(name, no_wrap=True)
    table.add_column("actors", max_width=22, overflow="fold")
    table.add_column("story", max_width=18, overflow="fold")
    table.add_column("where", max_width=34, overflow="fold")
    table.add_column("evidence", min_width=30, ratio=1, overflow="fold")
    return table


def print_alerts(out: Console, alerts: list[Alert], title: str) -> None:
    if out.width >= TABLE_MIN_WIDTH:
        table = alerts_table(title)
        for alert in alerts:
            table.add_row(*alert_row(alert))
        out.print(table)
    else:
        out.print(title)
        for alert in alerts:
            out.print(alert_block(alert))
