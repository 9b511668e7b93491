"""The webhook sink: the alert's JSON as is, with its id and an optional HMAC-SHA256 signature.

A receiver checks ``X-Stream-Signature: sha256=<hex>`` by computing
``hmac.new(secret, body, sha256).hexdigest()`` over the raw body it received, and dedups on
``X-Stream-Alert-Id`` (delivery is at-least-once).
"""

from __future__ import annotations

import hashlib
import hmac

from stream.models import Alert
from stream.sinks.http import HttpRequest

NAME = "webhook"
ID_HEADER = "X-Stream-Alert-Id"
SIGNATURE_HEADER = "X-Stream-Signature"


def signature(secret: str | bytes, body: bytes) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC-SHA256 of ``body``."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def verify(secret: str | bytes, body: bytes, header: str | None) -> bool:
    """What a receiver does: constant-time comparison of the header with the expected signature."""
    return header is not None and hmac.compare_digest(signature(secret, body), header)


class WebhookSink:
    name = NAME

    def __init__(self, url: str, secret: str | None = None) -> None:
        self.url = url
        self._secret = secret

    def request_for(self, alert: Alert) -> HttpRequest:
        body = alert.model_dump_json().encode("utf-8")
        headers = {"Content-Type": "application/json", ID_HEADER: alert.alert_id}
        if self._secret:
            headers[SIGNATURE_HEADER] = signature(self._secret, body)
        return HttpRequest(self.url, body, headers)
