"""A loopback HTTP server that answers each path with fixed bytes, and records requests.

Python's ``http.server`` cannot send what the archive tests need to see Scrapy receive:
header names in odd case, a repeated header split around another, chunked bodies, a
body shorter than its Content-Length, an HTTP/1.0 answer ended by closing. This server
writes the bytes given, one request per connection, and keeps each request's head as
received so a test can compare it with the archived request record.
"""

from __future__ import annotations

import gzip
import socket
import threading

CRLF = b"\r\n"


def chunked(data: bytes, size: int = 1000) -> bytes:
    """``data`` in chunked transfer-coding, ``size`` bytes a chunk."""
    out = bytearray()
    for start in range(0, len(data), size):
        part = data[start : start + size]
        out += b"%x\r\n" % len(part) + part + CRLF
    return bytes(out + b"0\r\n\r\n")


def response(status: bytes, headers: list[tuple[bytes, bytes]], body: bytes) -> bytes:
    """A raw HTTP response: ``status`` is the whole status line without CRLF."""
    return status + CRLF + b"".join(k + b": " + v + CRLF for k, v in headers) + CRLF + body


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


class RawServer:
    """Serve ``answers[path]`` (404 otherwise) on 127.0.0.1 in a daemon thread."""

    def __init__(self, answers: dict[str, bytes]) -> None:
        self.answers = answers
        self.requests: dict[str, list[bytes]] = {}
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return  # closed
            with conn:
                head = b""
                while b"\r\n\r\n" not in head and len(head) < 65536:
                    data = conn.recv(65536)
                    if not data:
                        break
                    head += data
                path = head.split(b" ", 2)[1].decode("latin-1") if b" " in head else ""
                self.requests.setdefault(path, []).append(head)
                answer = self.answers.get(path, response(b"HTTP/1.1 404 Not Found", [], b""))
                try:
                    conn.sendall(answer)
                except OSError:
                    pass  # the client gave up (size limit): expected

    def close(self) -> None:
        self._sock.close()
