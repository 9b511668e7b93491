"""A local broker that demands TLS and/or SASL on its client listener.

The client listener (named CLIENT, on the bootstrap port) speaks the configured protocol;
brokers talk to each other over it too (SCRAM-SHA-512 as the configured user, so no plaintext
listener is left open); only the controller listener stays plaintext on loopback, as Kafka's
docs advise (SCRAM credentials live in the metadata log it carries). The SCRAM user is created
at format time for both SCRAM mechanisms; PLAIN is served from the listener's JAAS config.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from stream.broker.tls import TlsFiles, ensure_tls
from stream.errors import BrokerError

MECHANISMS = ("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN")


def _quoted(value: str) -> str:
    if '"' in value or "\\" in value or "\n" in value:
        raise BrokerError("the local broker takes SASL user names and passwords without quotes, "
                          "backslashes or newlines")
    return value


@dataclass(frozen=True)
class ListenerSecurity:
    protocol: str  # SSL, SASL_PLAINTEXT or SASL_SSL
    username: str | None = None
    password: SecretStr | None = None
    tls: TlsFiles | None = None

    @classmethod
    def for_protocol(cls, protocol: str, state_dir: Path, username: str | None = None,
                     password: SecretStr | None = None) -> "ListenerSecurity | None":
        """None for PLAINTEXT; TLS material is made in ``<state_dir>/tls`` when the protocol uses TLS."""
        if protocol == "PLAINTEXT":
            return None
        if protocol.startswith("SASL") and not (username and password):
            raise BrokerError(f"a {protocol} broker needs STREAM_SASL_USERNAME and STREAM_SASL_PASSWORD")
        tls = ensure_tls(state_dir / "tls") if protocol.endswith("SSL") else None
        return cls(protocol=protocol, username=username, password=password, tls=tls)

    @property
    def sasl(self) -> bool:
        return self.protocol.startswith("SASL")

    def _secret(self) -> str:
        assert self.password is not None
        return _quoted(self.password.get_secret_value())

    def properties(self) -> list[str]:
        lines = ["inter.broker.listener.name=CLIENT"]
        if self.tls is not None:
            lines += [
                "listener.name.client.ssl.keystore.type=PEM",
                f"listener.name.client.ssl.keystore.location={self.tls.broker_keystore.resolve()}",
                "listener.name.client.ssl.truststore.type=PEM",
                f"listener.name.client.ssl.truststore.location={self.tls.ca.resolve()}",
                "listener.name.client.ssl.client.auth=requested",
                "listener.name.client.ssl.endpoint.identification.algorithm=https",
            ]
        if self.sasl:
            user, secret = _quoted(self.username or ""), self._secret()
            scram = (f'org.apache.kafka.common.security.scram.ScramLoginModule required '
                     f'username="{user}" password="{secret}";')
            lines += [
                f"sasl.enabled.mechanisms={','.join(MECHANISMS)}",
                "sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512",
                f"listener.name.client.scram-sha-512.sasl.jaas.config={scram}",
                f"listener.name.client.scram-sha-256.sasl.jaas.config={scram}",
                "listener.name.client.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule"
                f' required username="{user}" password="{secret}" user_{user}="{secret}";',
            ]
        return lines

    def format_args(self) -> list[str]:
        """``kafka-storage format`` arguments that create the SCRAM user (both mechanisms)."""
        if not self.sasl:
            return []
        user, secret = _quoted(self.username or ""), self._secret()
        return [arg for mech in MECHANISMS[:2] for arg in ("--add-scram", f'{mech}=[name="{user}",password="{secret}"]')]

    def mask(self, text: str) -> str:
        """``text`` with the password replaced: for any output that might echo a command line."""
        return text.replace(self.password.get_secret_value(), "****") if self.password else text

    def client_kwargs(self) -> dict[str, Any]:
        """aiokafka arguments for the broker's own readiness checks, as this user."""
        kwargs: dict[str, Any] = {"security_protocol": self.protocol}
        if self.tls is not None:
            context = ssl.create_default_context(cafile=str(self.tls.ca))
            kwargs["ssl_context"] = context
        if self.sasl:
            kwargs.update(sasl_mechanism="SCRAM-SHA-512", sasl_plain_username=self.username,
                          sasl_plain_password=self.password.get_secret_value() if self.password else None)
        return kwargs
