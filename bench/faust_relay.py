"""The default Faust relay the worker is compared with: a tiny faust-streaming app, default
settings, one agent that consumes the input topic and sends each value unchanged (raw bytes, as
the worker's topics are) to an output topic. No decoding, no work: what Faust itself costs.

Only what it needs to run here is set: the broker, a free web port and a data directory. Run by
the harness as ``python -m bench.faust_relay BOOTSTRAP APP_ID SOURCE DEST WEB_PORT DATADIR``.
"""

from __future__ import annotations

import sys

import faust


def build(bootstrap: str, app_id: str, source: str, dest: str, web_port: int, datadir: str) -> faust.App:
    app = faust.App(app_id, broker=f"kafka://{bootstrap}", web_port=web_port, datadir=datadir)
    src = app.topic(source, key_serializer="raw", value_serializer="raw")
    dst = app.topic(dest, key_serializer="raw", value_serializer="raw")

    @app.agent(src)
    async def relay(stream):
        async for event in stream.events():
            await dst.send(key=event.key, value=event.value)

    return app


def main() -> None:
    bootstrap, app_id, source, dest, web_port, datadir = sys.argv[1:7]
    app = build(bootstrap, app_id, source, dest, int(web_port), datadir)
    sys.argv = [sys.argv[0], "worker", "--loglevel", "warn"]
    app.main()


if __name__ == "__main__":
    main()
