"""A local certificate authority for sandboxes that must speak HTTPS.

simple-salesforce builds every URL as ``https://...``, so the Salesforce sandbox serves TLS.
Clients trust it by pointing ``requests`` at the CA file this module writes
(``session.verify = ca_path``); certificate verification is never switched off.

Files are generated once per directory and reused afterwards, so a long-lived CA can be
trusted by a browser or an OS store if someone wants to.
"""

from __future__ import annotations

import ipaddress
import os
import ssl
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_FILE = "revhub-sandbox-ca.pem"
CERT_FILE = "revhub-sandbox-server.pem"
KEY_FILE = "revhub-sandbox-server-key.pem"

_HOSTS = ("localhost",)
_ADDRESSES = ("127.0.0.1", "::1")
_lock = threading.Lock()


def ensure_tls(directory: str | os.PathLike) -> tuple[str, str, str]:
    """Return ``(ca_path, cert_path, key_path)`` in ``directory``, creating them if absent.

    The server certificate is valid for ``localhost``, ``127.0.0.1`` and ``::1`` and is
    signed by the CA; the CA's private key is not kept (nothing else is ever signed).
    """
    folder = Path(directory)
    paths = (folder / CA_FILE, folder / CERT_FILE, folder / KEY_FILE)
    with _lock:
        if not all(p.exists() for p in paths):
            folder.mkdir(parents=True, exist_ok=True)
            _write_files(*paths)
    return tuple(str(p) for p in paths)  # type: ignore[return-value]


def server_ssl_context(directory: str | os.PathLike) -> ssl.SSLContext:
    """A TLS server context loaded with the sandbox certificate from ``directory``."""
    _, cert_path, key_path = ensure_tls(directory)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    return context


def client_ssl_context(directory: str | os.PathLike) -> ssl.SSLContext:
    """A client context that trusts only the sandbox CA (with hostname checking on)."""
    ca_path, _, _ = ensure_tls(directory)
    return ssl.create_default_context(cafile=ca_path)


def trusting_session(ca_path: str):
    """A ``requests.Session`` that verifies server certificates against ``ca_path`` only.

    ``trust_env`` is off because requests lets ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``
    override ``session.verify``; with them set, a plain ``session.verify = ca_path`` is
    silently replaced by the system bundle and the sandbox certificate fails to verify.
    """
    import requests  # local import: the CA helpers above need only cryptography

    session = requests.Session()
    session.trust_env = False
    session.verify = ca_path
    return session


def _write_files(ca_path: Path, cert_path: Path, key_path: Path) -> None:
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "revhub sandbox local CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = [x509.DNSName(h) for h in _HOSTS]
    names += [x509.IPAddress(ipaddress.ip_address(a)) for a in _ADDRESSES]
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        # Kept under 398 days: clients that enforce the public-web maximum still accept it.
        .not_valid_after(now + timedelta(days=397))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    key_bytes = server_key.private_bytes(serialization.Encoding.PEM,
                                         serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption())
    # The key is written owner-readable only; it protects nothing real but should not leak.
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key_bytes)
