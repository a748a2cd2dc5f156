"""Local servers for tests: a recording HTTP(S) proxy that answers every request itself.

Crawls in tests run with ``http_proxy``/``https_proxy`` pointing here, so whatever URL the
crawler asks for (``https://www.spacewar.com/...``, or a host it should never contact),
the request ends on 127.0.0.1 and is recorded. HTTPS goes through ``CONNECT`` and a TLS
session with a throw-away self-signed certificate (Scrapy does not verify certificates
by default). Pages are answered from a mirror folder laid out as ``ROOT/HOST/PATH``.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
import socket
import ssl
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from newscrawl.downloadermiddlewares.mirror import mirror_file, mirror_redirect


def self_signed_context(folder: Path) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "newscrawl-test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=7))
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


class _Handler(BaseHTTPRequestHandler):
    server: RecordingProxy
    protocol_version = "HTTP/1.1"
    scheme = "http"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
        pass

    def do_CONNECT(self) -> None:
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        tls = self.server.tls.wrap_socket(self.connection, server_side=True)
        self.connection = tls
        self.rfile = tls.makefile("rb")
        self.wfile = tls.makefile("wb")
        self.scheme = "https"
        self.close_connection = False
        while not self.close_connection:
            self.handle_one_request()

    def do_GET(self) -> None:
        if self.path.startswith(("http://", "https://")):
            url = self.path
        else:
            url = f"{self.scheme}://{self.headers.get('Host', '')}{self.path}"
        self.server.record(url, self.headers.get("User-Agent", ""))
        status, body, kind = self.server.answer(url)
        self.send_response(status)
        if status in (301, 302, 303, 307, 308):  # a mirror redirect: the body is its Location
            self.send_header("Location", body.decode())
            body = b""
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()


class LoopbackProxyServer(ThreadingHTTPServer):
    """A threaded proxy server on 127.0.0.1 with a throw-away TLS identity for CONNECT.

    Used as a context manager: serving starts on enter; on exit it stops and the
    certificate files are removed. Subclasses decide what to answer.
    """

    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self._lock = threading.Lock()
        self._certs = tempfile.TemporaryDirectory()
        self.tls = self_signed_context(Path(self._certs.name))
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self):  # noqa: ANN204 - each subclass returns itself
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
        self._certs.cleanup()


class RecordingProxy(LoopbackProxyServer):
    """Serve ``root/HOST/PATH`` for any URL asked through the proxy; record every URL."""

    def __init__(self, root: Path) -> None:
        super().__init__(_Handler)
        self.root = root
        self.requests: list[str] = []
        self.user_agents: set[str] = set()

    def record(self, url: str, user_agent: str) -> None:
        with self._lock:
            self.requests.append(url)
            self.user_agents.add(user_agent)

    def answer(self, url: str) -> tuple[int, bytes, str]:
        """(status, body, Content-Type) by the mirror's conventions
        (:mod:`newscrawl.downloadermiddlewares.mirror`), ``_redirects`` included; a redirect's
        body is its Location."""
        redirect = mirror_redirect(self.root, url)
        if redirect is not None:
            return redirect[0], redirect[1].encode(), "text/plain"
        file = mirror_file(self.root, url)
        if file is None:
            return 404, b"not found", "text/plain"
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if kind.startswith("text/"):
            kind += "; charset=utf-8"
        return 200, file.read_bytes(), kind


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
