"""Kafka security from settings, for every client: the one place TLS and SASL are set up.

``client_security(settings)`` gives the keyword arguments of any aiokafka client (producer,
consumer, admin); ``faust_credentials(settings)`` the same for the Faust app. The password
leaves its ``SecretStr`` only here, on its way into a client.
"""

from __future__ import annotations

import ssl
from typing import Any

from aiokafka.helpers import create_ssl_context

from stream.config import Settings
from stream.errors import ConfigError


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """A verifying TLS context (the configured CA, else the system's), with the client
    certificate for mutual TLS when one is set; None without TLS."""
    if not settings.uses_tls:
        return None
    try:
        return create_ssl_context(
            cafile=str(settings.ssl_cafile) if settings.ssl_cafile else None,
            certfile=str(settings.ssl_certfile) if settings.ssl_certfile else None,
            keyfile=str(settings.ssl_keyfile) if settings.ssl_keyfile else None,
        )
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"cannot load the TLS files (STREAM_SSL_*): {exc}") from None


def client_security(settings: Settings) -> dict[str, Any]:
    """aiokafka keyword arguments: security_protocol and what it needs."""
    kwargs: dict[str, Any] = {"security_protocol": settings.security_protocol}
    context = ssl_context(settings)
    if context is not None:
        kwargs["ssl_context"] = context
    if settings.security_protocol.startswith("SASL"):
        assert settings.sasl_password is not None  # the settings validate this
        kwargs.update(
            sasl_mechanism=settings.sasl_mechanism,
            sasl_plain_username=settings.sasl_username,
            sasl_plain_password=settings.sasl_password.get_secret_value(),
        )
    return kwargs


def faust_credentials(settings: Settings) -> Any:
    """``broker_credentials`` for the Faust app (None: plaintext)."""
    import faust  # the worker's import: faust is slow to import and only the worker needs it

    context = ssl_context(settings)
    if settings.security_protocol.startswith("SASL"):
        assert settings.sasl_password is not None
        return faust.SASLCredentials(
            username=settings.sasl_username, password=settings.sasl_password.get_secret_value(),
            mechanism=settings.sasl_mechanism, ssl_context=context,
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None
