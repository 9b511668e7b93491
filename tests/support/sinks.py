"""Stand-ins for the sink tests: sample story alerts and a webhook receiver that misbehaves on demand."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from stream.broker.local import free_port
from stream.models import Actor, Alert, Evidence, Source, Stance

TEXT = "Officials said North Korea shipped artillery shells to Russia, in breach of UN sanctions."


def sample_alert(
    n: int = 0,
    *,
    story: str = "arms_trade:KP->RU",
    severity: str = "high",
    category: str = "arms_trade",
    supersedes: str | None = None,
    window_start: datetime | None = None,
    window: timedelta = timedelta(days=1),
    raised_at: datetime | None = None,
    url: str | None = "https://news.example/kp-ru",
) -> Alert:
    """A schema-2 story alert with evidence spans into ``TEXT``; ``n`` varies its ids."""
    now = datetime.now(timezone.utc)
    start = window_start or now.replace(minute=0, second=0, microsecond=0)
    s1, s2 = TEXT.index("shipped artillery shells"), TEXT.index("in breach of UN sanctions")
    return Alert(
        alert_id=Alert.make_alert_id(f"{story}#{n}", start, severity),
        category=category, severity=severity, summary=f"Arms trade [KP->RU] sample {n}",
        stance=Stance.ASSERTED, score=0.9,
        actors=[Actor(name="North Korea", code="KP", role="supplier"), Actor(name="Russia", code="RU", role="recipient")],
        evidence=[Evidence(start=s1, end=s1 + 24, text=TEXT[s1:s1 + 24], rule_id="arms.transfer"),
                  Evidence(start=s2, end=s2 + 25, text=TEXT[s2:s2 + 25], rule_id="sanctions.breach")],
        event_id=f"ev-{n}", article_id=f"article-{n}", paragraph_index=0, title=f"Shells for Russia {n}",
        source=Source(name="Example News", url=url), rules_version="test",
        first_seen=start, last_seen=start, ingested_at=start, raised_at=raised_at or now,
        story_key=story, text=TEXT, supersedes=supersedes, articles=1, sources=1, article_ids=[f"article-{n}"],
        window_start=start, window_end=start + window,
    )


@dataclass(frozen=True)
class Post:
    alert_id: str | None
    status: int
    body: bytes
    signature: str | None
    content_type: str | None


class Receiver:
    """A webhook receiver on 127.0.0.1: answers ``plan`` statuses first, then ``default``."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.plan: deque[int] = deque()
        self.default = 200
        self.posts: list[Post] = []
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.start()

    def start(self) -> None:
        """Listen on the receiver's port (again, after a stop())."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    status = receiver.plan.popleft() if receiver.plan else receiver.default
                    receiver.posts.append(Post(self.headers.get("X-Stream-Alert-Id"), status, body,
                                               self.headers.get("X-Stream-Signature"), self.headers.get("Content-Type")))
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", "0")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def posts_for(self, ids: set[str]) -> list[Post]:
        with self.lock:
            return [p for p in self.posts if p.alert_id in ids]

    def delivered(self, ids: set[str]) -> set[str]:
        return {p.alert_id for p in self.posts_for(ids) if p.status == 200}

    def stop(self) -> None:
        """Close the port: from now on nothing listens there."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
