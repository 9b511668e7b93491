"""Where story state lives: a Faust table (changelog-backed) in the worker, a dict in tests.

Keys and values are bytes (the story key; the state's JSON), so the table's changelog uses
the raw codec: nothing on the wire is ever unpickled. The table is created with
``use_partitioner=True``: a key's changelog partition is the one the producer's partitioner
gives it, which is also the partition of the mention topic the key arrives on (same key, same
partitioner, same partition count), so expiry can delete keys from a timer, outside an event.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, MutableMapping
from datetime import datetime

from pydantic import ValidationError

from stream.alerting.stories import StoryState

log = logging.getLogger("stream.worker")


class StoryStore:
    """Typed access to a bytes -> bytes mapping of story states."""

    def __init__(self, data: MutableMapping[bytes, bytes]) -> None:
        self.data = data
        self.active = 0  # stories kept on the given partitions by the last expire()

    def get(self, key: str) -> StoryState | None:
        raw = self.data.get(key.encode())
        if raw is None:
            return None
        try:
            return StoryState.model_validate_json(raw)
        except ValidationError as exc:  # a state from an incompatible version: start the story afresh
            log.warning("dropping unreadable state of story %r: %s", key, exc.errors()[0]["msg"])
            return None

    def put(self, state: StoryState) -> None:
        self.data[state.story_key.encode()] = state.model_dump_json().encode()

    def states(self) -> Iterator[StoryState]:
        for key in list(self.data.keys()):
            state = self.get(key.decode())
            if state is not None:
                yield state

    def expire(self, now: datetime, retention_seconds: int, partitions: set[int] | None) -> int:
        """Delete stories untouched for ``retention_seconds`` on ``partitions`` (None: all) and
        count the ones kept (``active``), in one pass over the states; returns how many went."""
        expired, self.active = [], 0
        for state in self.states():
            if partitions is not None and state.partition not in partitions:
                continue
            if state.expired(now, retention_seconds):
                expired.append(state.story_key)
            else:
                self.active += 1
        for key in expired:
            del self.data[key.encode()]
        return len(expired)
