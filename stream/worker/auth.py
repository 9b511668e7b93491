"""Bearer-token access to the worker's web endpoints (STREAM_WEB_TOKEN).

Probes and scrapes stay open (/healthz, /readyz, /metrics: orchestrators and Prometheus call
them without secrets); everything else, the alert stream and page and Faust's own pages
included, needs ``Authorization: Bearer <token>``. A browser's EventSource cannot set headers,
so ``?token=<token>`` is accepted too (the worker keeps no access log to leak it into).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from aiohttp import web
from pydantic import SecretStr

OPEN_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def presented_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query.get("token")


def token_middleware(token: SecretStr) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    expected = token.get_secret_value().encode()

    @web.middleware
    async def require_token(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.rstrip("/") in OPEN_PATHS or request.method == "OPTIONS":
            return await handler(request)
        given = presented_token(request)
        if given is None or not hmac.compare_digest(given.encode(), expected):
            return web.json_response({"error": "a valid bearer token is required (STREAM_WEB_TOKEN)"}, status=401,
                                     headers={"WWW-Authenticate": 'Bearer realm="stream-monitor"'})
        return await handler(request)

    return require_token


def web_application_options(token: SecretStr | None) -> dict:
    """Faust's ``web_application_options``: the token middleware when a token is set."""
    return {"middlewares": [token_middleware(token)]} if token is not None else {}
