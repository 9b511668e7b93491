import base64
import hashlib

from stream.models import DeadLetter
from stream.worker.deadletter import MAX_PAYLOAD_BYTES, dead_letter


def make(value, key=b"k") -> DeadLetter:
    return dead_letter(reason="schema", error="bad", value=value, key=key, topic="t", partition=1, offset=7)


def test_small_payload_is_kept_whole_with_its_provenance():
    letter = make(b"{broken")
    assert base64.b64decode(letter.payload_b64) == b"{broken" and not letter.payload_truncated
    assert (letter.payload_size, letter.payload_sha256) == (7, hashlib.sha256(b"{broken").hexdigest())
    assert (letter.topic, letter.partition, letter.offset, letter.key_b64) == ("t", 1, 7, "aw==")


def test_huge_payload_is_truncated_so_the_dead_letter_always_fits_a_kafka_message():
    raw = b"x" * (MAX_PAYLOAD_BYTES * 4)
    letter = make(raw)
    assert letter.payload_truncated and letter.payload_size == len(raw)
    assert base64.b64decode(letter.payload_b64) == raw[:MAX_PAYLOAD_BYTES]
    assert letter.payload_sha256 == hashlib.sha256(raw).hexdigest()
    assert len(letter.to_bytes()) < 1_000_000


def test_missing_value_and_key():
    letter = make(None, key=None)
    assert letter.payload_b64 == "" and letter.payload_size == 0 and letter.key_b64 is None
