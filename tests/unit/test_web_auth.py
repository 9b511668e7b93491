"""The bearer-token middleware on a real aiohttp server."""

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from stream.worker.auth import web_application_options


async def ok(request: web.Request) -> web.Response:
    return web.Response(text="ok")


@pytest.fixture()
async def client():
    app = web.Application(**web_application_options(SecretStr("s3cret")))
    for path in ("/metrics", "/healthz", "/readyz", "/alerts", "/alerts/stream", "/router/"):
        app.router.add_get(path, ok)
    async with TestClient(TestServer(app)) as c:
        yield c


async def test_probes_and_metrics_stay_open(client):
    for path in ("/metrics", "/healthz", "/readyz"):
        assert (await client.get(path)).status == 200, path


async def test_everything_else_needs_the_token_in_a_header_or_the_query(client):
    for path in ("/alerts", "/alerts/stream", "/router/"):
        denied = await client.get(path)
        assert denied.status == 401 and "Bearer" in denied.headers["WWW-Authenticate"], path
        assert (await client.get(path, headers={"Authorization": "Bearer wrong"})).status == 401
        assert (await client.get(path, headers={"Authorization": "Bearer s3cret"})).status == 200
        assert (await client.get(path, params={"token": "s3cret"})).status == 200
        assert (await client.get(path, params={"token": "s3cre"})).status == 401


def test_without_a_token_nothing_is_added():
    assert web_application_options(None) == {}
