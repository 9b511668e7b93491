# stream-monitor worker image.
#   docker build -t stream-monitor:local .
#   docker run --rm -p 6066:6066 -e STREAM_BOOTSTRAP_SERVERS=kafka:29092 stream-monitor:local
# The same image runs the other subcommands, e.g. `stream replay seeds/` (seeds are in /app/seeds).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Package first (its layer is rebuilt only when the code or metadata change).
COPY pyproject.toml README.md ./
COPY stream ./stream
RUN pip install . && rm -rf build ./*.egg-info

COPY seeds ./seeds

# Non-root user; .state (STREAM_STATE_DIR, faust's table data) is its only writable place.
RUN groupadd --system --gid 10001 stream \
 && useradd --system --uid 10001 --gid stream --home-dir /app --no-create-home --shell /usr/sbin/nologin stream \
 && mkdir -p /app/.state \
 && chown stream:stream /app/.state
USER 10001:10001

ENV STREAM_WEB_HOST=0.0.0.0 \
    STREAM_WEB_PORT=6066 \
    STREAM_STATE_DIR=/app/.state
EXPOSE 6066

# Liveness only (/healthz): readiness (/readyz) depends on Kafka and is checked by the orchestrator.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('STREAM_WEB_PORT', '6066'), timeout=2)"]

CMD ["stream", "worker"]
