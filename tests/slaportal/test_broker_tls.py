"""A TLS broker (rediss://) goes through the project's Redis transport (the one that survives
losing Redis, slaportal/broker.py) and checks the server's certificate, against a real
redis-server speaking TLS on 127.0.0.1 with a CA made for the test."""

import datetime as dt
import ipaddress
import os
import shutil
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from slaportal.broker import Transport
from slaportal.env import redis_tls_options
from tests.redis_server import _wait_for, free_port
from tests.sla.worker_process import Worker, require_postgres

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]

# Opens the app's own broker connection (as a worker or a web process does), sends a
# message and reads it back.
ROUND_TRIP = """
import django
django.setup()
from slaportal.broker import Transport
from slaportal.celery import app
with app.connection_for_write() as connection:
    assert type(connection.transport) is Transport, type(connection.transport)
    queue = connection.SimpleQueue("tls-round-trip")
    queue.put({"over": "tls"})
    message = queue.get(timeout=5)
    message.ack()
    print("received", message.payload["over"])
"""


def _write_certificates(directory: Path) -> dict[str, Path]:
    """A CA and a server certificate for 127.0.0.1 signed by it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)

    def build(subject, issuer, public_key, signing_key, *, ca: bool, san=None):
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if san is not None:
            builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
        return builder.sign(signing_key, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = build("test CA", "test CA", ca_key.public_key(), ca_key, ca=True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = build(
        "127.0.0.1", "test CA", server_key.public_key(), ca_key, ca=False,
        san=[x509.IPAddress(ipaddress.ip_address("127.0.0.1"))],
    )  # fmt: skip
    paths = {name: directory / f"{name}.pem" for name in ("ca", "cert", "key")}
    pem = serialization.Encoding.PEM
    paths["ca"].write_bytes(ca_cert.public_bytes(pem))
    paths["cert"].write_bytes(server_cert.public_bytes(pem))
    paths["key"].write_bytes(
        server_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


@pytest.fixture(scope="module")
def tls_redis(tmp_path_factory):
    """A redis-server with only a TLS port; yields (host:port, CA file)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("needs redis-server (scripts/system-deps.sh)")
    paths = _write_certificates(tmp_path_factory.mktemp("tls"))
    port = free_port()
    process = subprocess.Popen(
        [
            binary, "--port", "0", "--tls-port", str(port), "--bind", "127.0.0.1",
            "--tls-cert-file", str(paths["cert"]), "--tls-key-file", str(paths["key"]),
            "--tls-ca-cert-file", str(paths["ca"]), "--tls-auth-clients", "no",
            "--save", "", "--appendonly", "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for(f"rediss://127.0.0.1:{port}/0?ssl_ca_certs={paths['ca']}", process)
        yield f"127.0.0.1:{port}", paths["ca"]
    finally:
        process.terminate()
        process.wait(timeout=10)


def _run_with_broker(url: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "REDIS_URL": url, "DJANGO_SETTINGS_MODULE": "slaportal.settings"}
    return subprocess.run(
        [sys.executable, "-c", ROUND_TRIP],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_tls_broker_uses_the_project_transport_and_checks_the_certificate(tls_redis):
    address, ca = tls_redis
    trusted = _run_with_broker(f"rediss://{address}/3?ssl_ca_certs={ca}")
    assert trusted.returncode == 0, trusted.stderr
    assert "received tls" in trusted.stdout

    # kombu alone would connect to this server without checking its certificate at all;
    # without the CA the URL's options make the same transport refuse it.
    from kombu import Connection

    options = redis_tls_options("REDIS_URL", f"rediss://{address}/3")
    untrusted = Connection(f"rediss://{address}/3", transport=Transport, ssl=options)
    with untrusted, pytest.raises(Exception, match="CERTIFICATE_VERIFY_FAILED"):
        untrusted.ensure_connection(max_retries=1)


def test_a_real_worker_consumes_from_a_tls_broker(tls_redis, tmp_path, db):
    require_postgres()
    address, ca = tls_redis
    worker = Worker(tmp_path, f"rediss://{address}/4?ssl_ca_certs={ca}")
    worker.start()
    try:
        from kombu import Connection

        from slaportal.celery import app

        # The test process's own broker is the suite's; this message goes through the TLS one.
        options = {"ssl_cert_reqs": ssl.CERT_REQUIRED, "ssl_ca_certs": str(ca)}
        with Connection(f"rediss://{address}/4", transport=Transport, ssl=options) as tls:
            app.send_task("celery.accumulate", args=(1, 2), queue=worker.queue, connection=tls)
        deadline = time.monotonic() + 30
        while "celery.accumulate" not in _succeeded(worker) and time.monotonic() < deadline:
            assert worker.alive(), worker.log.read_text()
            time.sleep(0.2)
        assert "celery.accumulate" in _succeeded(worker), worker.log.read_text()
    finally:
        worker.stop()


def _succeeded(worker: Worker) -> str:
    return "\n".join(line for line in worker.log.read_text().splitlines() if "succeeded" in line)


def test_tls_options_come_from_the_url_and_default_to_a_checked_certificate():
    assert redis_tls_options("REDIS_URL", "redis://h:6379/0") is None
    assert redis_tls_options("REDIS_URL", None) is None
    assert redis_tls_options("REDIS_URL", "rediss://h:6380/0") == {
        "ssl_cert_reqs": ssl.CERT_REQUIRED
    }
    assert redis_tls_options(
        "REDIS_URL",
        "rediss://h/0?ssl_cert_reqs=none&ssl_ca_certs=/ca.pem&ssl_certfile=/c&ssl_keyfile=/k",
    ) == {
        "ssl_cert_reqs": ssl.CERT_NONE,
        "ssl_ca_certs": "/ca.pem",
        "ssl_certfile": "/c",
        "ssl_keyfile": "/k",
    }
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL: ssl_cert_reqs"):
        redis_tls_options("REDIS_URL", "rediss://h/0?ssl_cert_reqs=sometimes")
