"""TLS material for a local broker: a fresh CA, a broker certificate and a client certificate.

Written once into ``<state>/tls/`` (PEM; private keys mode 0600) and reused after:
``ca.pem`` (give it to clients as STREAM_SSL_CAFILE), ``broker.pem`` (the broker's key and
certificate chain, a Kafka PEM keystore), ``client.pem`` / ``client-key.pem`` (mutual TLS).
The broker certificate names 127.0.0.1 and localhost, the addresses its listeners advertise.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_DAYS = 825


@dataclass(frozen=True)
class TlsFiles:
    ca: Path
    broker_keystore: Path
    client_cert: Path
    client_key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "stream-monitor local"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _issue(subject: str, key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate | None,
           ca_key: ec.EllipticCurvePrivateKey, *, is_ca: bool = False,
           hosts: tuple[str, ...] = (), usages: tuple[x509.ObjectIdentifier, ...] = ()) -> x509.Certificate:
    now = dt.datetime.now(dt.timezone.utc)
    builder = (x509.CertificateBuilder()
               .subject_name(_name(subject))
               .issuer_name(ca_cert.subject if ca_cert else _name(subject))
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=5))
               .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
               .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True))
    if hosts:
        names: list[x509.GeneralName] = []
        for host in hosts:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    if usages:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(usages)), critical=False)
    return builder.sign(ca_key, hashes.SHA256())


def _write(path: Path, data: bytes, private: bool = False) -> None:
    """A private key is created mode 0600, never readable by others even for a moment."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def ensure_tls(tls_dir: Path, client_name: str = "stream-client") -> TlsFiles:
    """Make the CA and certificates unless they exist; return their paths."""
    files = TlsFiles(ca=tls_dir / "ca.pem", broker_keystore=tls_dir / "broker.pem",
                     client_cert=tls_dir / "client.pem", client_key=tls_dir / "client-key.pem")
    if all(p.exists() for p in (files.ca, files.broker_keystore, files.client_cert, files.client_key)):
        return files
    tls_dir.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _issue("stream-monitor local CA", ca_key, None, ca_key, is_ca=True)
    broker_key = ec.generate_private_key(ec.SECP256R1())
    broker = _issue("127.0.0.1", broker_key, ca, ca_key, hosts=("127.0.0.1", "localhost"),
                    usages=(ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH))  # also inter-broker
    client_key = ec.generate_private_key(ec.SECP256R1())
    client = _issue(client_name, client_key, ca, ca_key, usages=(ExtendedKeyUsageOID.CLIENT_AUTH,))
    _write(files.ca, _cert_pem(ca))
    _write(files.broker_keystore, _key_pem(broker_key) + _cert_pem(broker) + _cert_pem(ca), private=True)
    _write(files.client_cert, _cert_pem(client))
    _write(files.client_key, _key_pem(client_key), private=True)
    return files
