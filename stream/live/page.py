"""GET /alerts: the live alert page, one self-contained document (no build step, nothing fetched).

The style and scripts are kept as plain files in ``static/`` and inlined into the HTML when the
worker starts, so the page is a single request: with ``STREAM_WEB_TOKEN`` set it opens as
``/alerts?token=...`` and needs no token on asset URLs. The Content-Security-Policy allows
exactly those inline blocks (by hash) and connections to the worker itself.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from importlib import resources

from aiohttp import web

from stream.models import CATEGORY_PATTERN

CONTENT_TYPE = "text/html; charset=utf-8"
_PLACEHOLDER = re.compile(r"<!-- (style|script): ([\w.-]+) -->")


def _digest(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def build() -> tuple[bytes, str]:
    """The page with its files inlined, and the Content-Security-Policy that admits them."""
    folder = resources.files("stream.live").joinpath("static")
    hashes: dict[str, list[str]] = {"style": [], "script": []}

    def inline(match: re.Match[str]) -> str:
        kind, name = match.groups()
        body = "\n" + folder.joinpath(name).read_text(encoding="utf-8")
        if f"</{kind}" in body.lower():
            raise ValueError(f"{name} cannot be inlined: it contains </{kind}")
        hashes[kind].append(_digest(body))
        return f"<{kind}>{body}</{kind}>"

    html = _PLACEHOLDER.sub(inline, folder.joinpath("alerts.html").read_text(encoding="utf-8"))
    csp = (f"default-src 'none'; script-src {' '.join(hashes['script'])}; style-src {' '.join(hashes['style'])}; "
           "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    return html.encode("utf-8"), csp


def with_categories(body: bytes, categories: Iterable[str]) -> bytes:
    """The page naming the categories the worker knows now (a rules reload can add one); the
    names are ``[a-z0-9_]`` (models.CATEGORY_PATTERN), safe in an attribute as they are."""
    names = ",".join(sorted(c for c in categories if re.fullmatch(CATEGORY_PATTERN, c)))
    return body.replace(b"__CATEGORIES__", names.encode("ascii"), 1)


def response(body: bytes, csp: str) -> web.Response:
    return web.Response(body=body, headers={
        "Content-Type": CONTENT_TYPE,
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",  # the address may carry ?token=: never pass it on
        "Cache-Control": "no-cache",
    })
